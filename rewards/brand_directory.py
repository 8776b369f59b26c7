"""The home page's brand directory (brands with live campaigns) and which products it advertises.

Affiliates and Promote are other apps, above this one and not always installed. The home page
shows a product's section only when the app is installed AND its AppConfig says it has something
live: ``has_live_offers(now) -> bool`` on the app's ``AppConfig`` (read by name, never imported).
An app without that method is not advertised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps

from campaigns.models import Campaign
from merchants.models import Merchant
from rewards.brand_poster import BrandEarnings, brand_earnings

DIRECTORY_SIZE = 24
ADVERTISED_PRODUCTS = ("affiliates", "promote")


@dataclass(frozen=True)
class DirectoryEntry:
    merchant: Merchant
    earnings: BrandEarnings


def brand_directory_list(*, now: datetime, limit: int = DIRECTORY_SIZE) -> list[DirectoryEntry]:
    """Brands with a live campaign that pays something, by name (what their brand page promises)."""
    merchant_ids = Campaign.objects.live(now=now).values("merchant_id")
    entries = []
    for merchant in Merchant.objects.filter(pk__in=merchant_ids).order_by("brand_name", "pk")[: limit + 8]:
        earnings = brand_earnings(merchant=merchant, now=now)
        if earnings is not None:
            entries.append(DirectoryEntry(merchant, earnings))
        if len(entries) == limit:
            break
    return entries


def _installed_app_config(label: str):
    return apps.get_app_config(label) if apps.is_installed(label) else None


def product_is_live(label: str, *, now: datetime) -> bool:
    """Installed, and the app itself says it has something live (``AppConfig.has_live_offers``)."""
    config = _installed_app_config(label)
    has_live_offers = getattr(config, "has_live_offers", None)
    return bool(callable(has_live_offers) and has_live_offers(now))


def home_context(*, now: datetime) -> dict:
    return {
        "brands": brand_directory_list(now=now),
        **{f"show_{label}": product_is_live(label, now=now) for label in ADVERTISED_PRODUCTS},
    }
