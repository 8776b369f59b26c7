"""Reads of support: what a person may attach (their own rewards, payouts and brands), their requests."""

from __future__ import annotations

import re

from django.db.models import QuerySet

from accounts.models import User
from merchants.models import Merchant
from payouts.models import Payout
from rewards.models import Reward
from support.models import SupportMessage, SupportRequest


def support_request_person_address(support_request: SupportRequest) -> str:
    """Where an answer to the person is e-mailed: their account's address, else the one they gave
    on the form; ``""`` when they have none (a TikTok or WhatsApp sign-in without an address): then
    an answer is only shown on their request page, and nothing tells them of it."""
    if support_request.user_id and support_request.user.email:
        return support_request.user.email
    return support_request.email


RECENT_REWARDS = 20
RECENT_PAYOUTS = 10


def attachable_rewards(*, user: User) -> list[Reward]:
    """The person's own latest rewards: the only ones a request may name."""
    return list(
        Reward.objects.filter(user=user)
        .select_related("merchant")
        .order_by("-created_at", "-pk")[:RECENT_REWARDS]
    )


def attachable_payouts(*, user: User) -> list[Payout]:
    return list(Payout.objects.filter(requested_by=user).order_by("-requested_at", "-pk")[:RECENT_PAYOUTS])


def attachable_merchants(*, user: User) -> list[Merchant]:
    return list(Merchant.objects.filter(memberships__user=user).order_by("brand_name", "pk").distinct())


def is_merchants_member(*, user: User | None) -> bool:
    """The person's role for the support pages that aren't one request's (their list, a new request
    from there): a member of a merchant's team is addressed formally, like the console."""
    return user is not None and user.is_authenticated and user.memberships.exists()


def is_affiliate(*, user: User | None) -> bool:
    """Whether the person has applied to an affiliate program: addressed formally, like a merchant,
    on the support pages that aren't one request's."""
    return user is not None and user.is_authenticated and user.affiliations.exists()


def speaks_formally(*, user: User | None) -> bool:
    """The tone of the support pages that aren't one request's: formal for a merchant's team member
    or an affiliate, informal for a consumer."""
    return is_merchants_member(user=user) or is_affiliate(user=user)


_BRAND_PAGE = re.compile(r"^/b/([-a-zA-Z0-9_]+)/")


def brand_of_page(page: str) -> Merchant | None:
    """The merchant whose brand page (``/b/<slug>/...``) the person came from, if it exists."""
    match = _BRAND_PAGE.match(page or "")
    return Merchant.objects.filter(slug=match.group(1).lower()).first() if match else None


def requests_of(*, user: User) -> QuerySet[SupportRequest]:
    return SupportRequest.objects.filter(user=user).order_by("-last_message_at", "-pk")


def request_of(*, user: User, request_id: int) -> SupportRequest | None:
    """One of the person's own requests; ``None`` for anyone else's (the view answers 404)."""
    return (
        SupportRequest.objects.filter(user=user, pk=request_id)
        .select_related("merchant", "reward__merchant", "payout")
        .first()
    )


def brand_of_request(*, support_request: SupportRequest) -> Merchant | None:
    """The brand whose clock a merchant's request is read by (its times, as the console shows them):
    the request's own brand if it is the person's, else the first brand of their team."""
    if support_request.merchant_is_theirs:
        return support_request.merchant
    if not support_request.for_merchant or not support_request.user_id:
        return None
    return Merchant.objects.filter(memberships__user_id=support_request.user_id).order_by("pk").first()


def thread_for_person(*, support_request: SupportRequest) -> list[SupportMessage]:
    """The conversation as the person sees it: never ops' internal notes."""
    return list(
        support_request.messages.filter(internal=False).select_related("author").order_by("created_at", "pk")
    )
