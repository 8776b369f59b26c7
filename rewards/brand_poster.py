"""What a person can earn on a brand's page, in a few words, and the printable poster of the brand page.

``brand_earnings`` reads the live campaigns' rules (the same offers the brand page lists, after
the platform's margin) and says what they pay, truthfully: "up to" only where an amount is a
ceiling (new and returning customers earn differently, a post's engagement has a cap); nothing
at all when no campaign is live. The brand page's top and the poster both use it.

The poster (A4 PDF) and the QR code (SVG) point at the brand page itself, ``/b/<slug>/``; store
posters, with a touchpoint's key, stay in ``merchants.poster``. Both are console pages
(``/console/brand-poster/``, ``/console/brand-qr.svg``) and a dashboard panel links them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from weasyprint import HTML

from campaigns.models import LOGIN_ACTIONS, ActionType
from campaigns.selectors import Offer, landing_offers
from merchants.console_site import console_site, console_view
from merchants.models import Membership, Merchant
from merchants.poster import qr_svg_bytes, qr_svg_data_uri
from merchants.roles import Capability
from merchants.tenancy import console_membership

_PHRASES = {
    ActionType.TIKTOK_LOGIN: "sign in with TikTok",
    ActionType.WHATSAPP_LOGIN: "sign in with WhatsApp",
    ActionType.SHARE_VIDEO: "share our video on TikTok",
    ActionType.LIKE: "like one of our posts",
    ActionType.COMMENT: "comment on one of our posts",
}


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _and(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _rate(value: Decimal, currency: str) -> str:
    return f"{value} {currency}"


@dataclass(frozen=True)
class EarnLine:
    action: str
    fixed: Decimal  # the most this action pays at once (0: engagement only)
    text: str  # e.g. "Share our video on TikTok: 1.20 EUR, plus up to 5.00 EUR per post ..."


@dataclass(frozen=True)
class BrandEarnings:
    headline: str  # e.g. "Earn up to 1.20 EUR when you share our video on TikTok"
    lines: list[EarnLine]


def _line(offer: Offer, currency: str) -> EarnLine | None:
    new, returning = offer.new_user.amount, offer.returning_user.amount
    fixed = max(new, returning)
    parts = []
    if fixed > 0:
        prefix = "up to " if new != returning else ""
        parts.append(prefix + _money(fixed, currency))
    if offer.has_engagement:
        if offer.max_per_post is not None:
            measured = [
                name
                for name, rate in (
                    ("views", offer.per_1000_views),
                    ("likes", offer.per_like),
                    ("comments", offer.per_comment),
                    ("shares", offer.per_share),
                )
                if rate
            ]
            engagement = (
                f"up to {_money(offer.max_per_post.amount, currency)} per post from its {_and(measured)}"
            )
        else:
            rates = [
                f"{_rate(offer.per_1000_views, currency)} per 1,000 views" if offer.per_1000_views else "",
                f"{_rate(offer.per_like, currency)} per like" if offer.per_like else "",
                f"{_rate(offer.per_comment, currency)} per comment" if offer.per_comment else "",
                f"{_rate(offer.per_share, currency)} per share" if offer.per_share else "",
            ]
            engagement = _and([r for r in rates if r]) + " on your post"
        parts.append(("plus " if parts else "") + engagement)
    if not parts:
        return None
    if offer.action in LOGIN_ACTIONS:
        parts[-1] += ", once"
    phrase = _PHRASES.get(offer.action, offer.label)
    return EarnLine(offer.action, fixed, f"{phrase[0].upper()}{phrase[1:]}: {', '.join(parts)}")


def brand_earnings(*, merchant: Merchant, now: datetime) -> BrandEarnings | None:
    """What the live campaigns pay, in words, best first; None when nothing is live (or pays)."""
    return earnings_from_offers(landing_offers(merchant=merchant, now=now))


def earnings_from_offers(offers: list[dict]) -> BrandEarnings | None:
    """``brand_earnings`` from the live campaigns' offers already read (``campaigns.selectors.landing_offers``)."""
    best: dict[str, tuple[Offer, str]] = {}
    for item in offers:
        currency = item["campaign"].currency
        for offer in item["offers"]:
            top = max(offer.new_user.amount, offer.returning_user.amount)
            held = best.get(offer.action)
            if held is None or top > max(held[0].new_user.amount, held[0].returning_user.amount):
                best[offer.action] = (offer, currency)
    lines = [line for offer, currency in best.values() if (line := _line(offer, currency)) is not None]
    if not lines:
        return None
    lines.sort(key=lambda line: line.fixed, reverse=True)
    top_offer, currency = best[lines[0].action]
    phrase = _PHRASES.get(top_offer.action, top_offer.label.lower())
    if lines[0].fixed > 0:
        ceiling = top_offer.new_user.amount != top_offer.returning_user.amount
        headline = f"Earn {'up to ' if ceiling else ''}{_money(lines[0].fixed, currency)} when you {phrase}"
        if top_offer.has_engagement:  # the fixed amount is not all it can pay: never say less than true
            headline += ", plus more as your post is seen"
    elif top_offer.max_per_post is not None:
        headline = f"Earn up to {_money(top_offer.max_per_post.amount, currency)} per post when you {phrase}"
    else:
        headline = f"Earn cash when you {phrase}"
    return BrandEarnings(headline=headline, lines=lines)


# --- the poster and the QR code -----------------------------------------------------------------


def brand_page_url(*, merchant: Merchant) -> str:
    return settings.SITE_URL + reverse("brand:landing", kwargs={"slug": merchant.slug})


def brand_poster_html(*, merchant: Merchant, now: datetime) -> str:
    url = brand_page_url(merchant=merchant)
    logo_uri = None
    if merchant.logo:
        try:
            logo_uri = Path(merchant.logo.path).as_uri()
        except (NotImplementedError, ValueError):
            logo_uri = None
    return render_to_string(
        "brand/poster.html",
        {
            "merchant": merchant,
            "landing_url": url,
            "qr": qr_svg_data_uri(data=url),
            "logo_path": logo_uri,
            "earnings": brand_earnings(merchant=merchant, now=now),
        },
    )


def brand_poster_pdf(*, merchant: Merchant, now: datetime) -> bytes:
    return HTML(
        string=brand_poster_html(merchant=merchant, now=now), base_url=str(settings.MEDIA_ROOT)
    ).write_pdf()


@console_view(Capability.VIEW)
def brand_poster(request: HttpRequest) -> HttpResponse:
    merchant = console_membership(request).merchant
    response = HttpResponse(
        brand_poster_pdf(merchant=merchant, now=timezone.now()), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="tikjoy-poster-{merchant.slug}.pdf"'
    return response


@console_view(Capability.VIEW)
def brand_qr(request: HttpRequest) -> HttpResponse:
    merchant = console_membership(request).merchant
    response = HttpResponse(
        qr_svg_bytes(data=brand_page_url(merchant=merchant)), content_type="image/svg+xml"
    )
    response["Content-Disposition"] = f'attachment; filename="tikjoy-qr-{merchant.slug}.svg"'
    return response


def _poster_panel(request: HttpRequest, membership: Membership) -> dict:
    return {
        "merchant": membership.merchant,
        "brand_url": brand_page_url(merchant=membership.merchant),
        "earnings": brand_earnings(merchant=membership.merchant, now=timezone.now()),
    }


console_site.register_url("brand-poster/", brand_poster, name="brand_poster")
console_site.register_url("brand-qr.svg", brand_qr, name="brand_qr")
console_site.register_panel(
    key="brand_poster", order=20, template="brand/console_poster_panel.html", context=_poster_panel
)
