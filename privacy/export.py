"""What TikJoy holds about one person, as a ZIP of JSON and CSV (the data export's content).

Read only: one section per kind of record, each a list of flat rows filtered by the
person (``user=...`` or their ledger accounts), so nothing of another person can enter.
Tokens are never exported; the IBAN is masked.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount

from accounts.models import User
from campaigns.models import UgcSubmission
from chats.models import ChatMessage
from merchants.models import Consent, ConsentField
from payouts.models import BankAccount, PayeeIdentity, Payout
from rewards.models import Reward, SocialAction
from social.models import EngagementSnapshot, TikTokProfile, TrackedPost
from wallets.models import Entry
from wallets.selectors import accounts_of

README = """Your data at TikJoy

data.json holds every section below; each section is also a CSV file.

profile             your account: name, e-mail, phone, when you joined
sign_in_identities  how you sign in (e-mail addresses, TikTok); access tokens are never exported
tiktok_profile      what TikTok told us about you
consents            which brand receives which of your data, since when, until when (withdrawn)
merchants_received  per brand, the fields it received under your consents
social_actions      what you did for brands (logins, shares), with device and network
tracked_posts       your TikTok videos we recognised as shares
engagement          the counts TikTok reported for them
rewards             every reward, its status and reason
wallet_history      every movement of your wallet (ledger entries)
ugc_videos          videos you uploaded for brands
bank_details        your bank details (IBAN masked)
payee_identity      who you told us you are, for payouts
payouts             your payouts and their states
"""


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _rows(queryset, fields: dict[str, Callable]) -> list[dict]:
    return [{name: _plain(get(obj)) for name, get in fields.items()} for obj in queryset]


def export_sections(*, user: User) -> dict[str, list[dict]]:
    """Every record of the person, section by section (each row a flat dict)."""
    accounts = list(accounts_of(user))
    purposes = {account.pk: account.purpose for account in accounts}
    consents = Consent.objects.filter(user=user).select_related("merchant").order_by("given_at", "pk")
    return {
        "profile": _rows(
            [user],
            {
                "id": lambda u: u.pk,
                "display_name": lambda u: u.display_name,
                "email": lambda u: u.email or "",
                "phone": lambda u: u.phone or "",
                "phone_verified": lambda u: u.phone_verified,
                "date_joined": lambda u: u.date_joined,
                "last_login": lambda u: u.last_login,
            },
        ),
        "sign_in_identities": _rows(
            EmailAddress.objects.filter(user=user).order_by("pk"),
            {
                "kind": lambda e: "e-mail",
                "identifier": lambda e: e.email,
                "verified": lambda e: e.verified,
                "since": lambda e: "",
            },
        )
        + _rows(
            SocialAccount.objects.filter(user=user).order_by("pk"),
            {
                "kind": lambda a: a.provider,
                "identifier": lambda a: a.uid,
                "verified": lambda a: True,
                "since": lambda a: a.date_joined,
            },
        ),
        "tiktok_profile": _rows(
            TikTokProfile.objects.filter(user=user),
            {
                "open_id": lambda p: p.open_id,
                "username": lambda p: p.username,
                "display_name": lambda p: p.display_name,
                "avatar_url": lambda p: p.avatar_url,
                "follower_count": lambda p: p.follower_count,
                "following_count": lambda p: p.following_count,
                "likes_count": lambda p: p.likes_count,
                "video_count": lambda p: p.video_count,
                "synced_at": lambda p: p.synced_at,
                "disconnected_at": lambda p: p.disconnected_at,
            },
        ),
        "consents": _rows(
            consents,
            {
                "brand": lambda c: c.merchant.brand_name,
                "fields": lambda c: ", ".join(c.field_labels),
                "given_at": lambda c: c.given_at,
                "withdrawn_at": lambda c: c.withdrawn_at,
                "text_agreed_to": lambda c: c.text,
                "text_version": lambda c: c.text_version,
                "page": lambda c: c.page,
            },
        ),
        "merchants_received": [
            {
                "brand": consent.merchant.brand_name,
                "field": ConsentField(field).label,
                "from": _plain(consent.given_at),
                "until": _plain(consent.withdrawn_at) or "",
            }
            for consent in consents
            for field in consent.fields
        ],
        "social_actions": _rows(
            SocialAction.objects.filter(user=user).select_related("merchant").order_by("occurred_at", "pk"),
            {
                "brand": lambda a: a.merchant.brand_name,
                "action": lambda a: a.get_action_type_display(),
                "status": lambda a: a.get_status_display(),
                "detail": lambda a: a.status_detail,
                "occurred_at": lambda a: a.occurred_at,
                "device_id": lambda a: a.device_id,
                "ip_address": lambda a: a.ip_address or "",
            },
        ),
        "tracked_posts": _rows(
            TrackedPost.objects.filter(user=user).order_by("posted_at", "pk"),
            {
                "video_id": lambda p: p.video_id,
                "caption": lambda p: p.caption,
                "share_url": lambda p: p.share_url,
                "posted_at": lambda p: p.posted_at,
                "status": lambda p: p.get_status_display(),
                "discovered_at": lambda p: p.discovered_at,
            },
        ),
        "engagement": _rows(
            EngagementSnapshot.objects.filter(post__user=user)
            .select_related("post")
            .order_by("taken_at", "pk"),
            {
                "video_id": lambda s: s.post.video_id,
                "views": lambda s: s.views,
                "likes": lambda s: s.likes,
                "comments": lambda s: s.comments,
                "shares": lambda s: s.shares,
                "taken_at": lambda s: s.taken_at,
            },
        ),
        "rewards": _rows(
            Reward.objects.filter(user=user).select_related("merchant").order_by("created_at", "pk"),
            {
                "brand": lambda r: r.merchant.brand_name,
                "kind": lambda r: r.get_kind_display(),
                "status": lambda r: r.get_status_display(),
                "amount": lambda r: r.user_amount,
                "currency": lambda r: r.currency,
                "reason": lambda r: r.reason,
                "created_at": lambda r: r.created_at,
                "available_at": lambda r: r.available_at,
                "decided_at": lambda r: r.decided_at,
            },
        ),
        "wallet_history": _rows(
            Entry.objects.filter(account__in=accounts).select_related("transaction").order_by("pk"),
            {
                "at": lambda e: e.transaction.created_at,
                "account": lambda e: purposes[e.account_id],
                "amount": lambda e: e.amount,
                "currency": lambda e: e.currency,
                "kind": lambda e: e.transaction.kind,
                "reason": lambda e: e.transaction.reason,
            },
        ),
        "ugc_videos": _rows(
            UgcSubmission.objects.filter(user=user).select_related("campaign").order_by("submitted_at", "pk"),
            {
                "campaign": lambda u: u.campaign.name,
                "caption": lambda u: u.caption,
                "status": lambda u: u.get_status_display(),
                "submitted_at": lambda u: u.submitted_at,
            },
        ),
        "bank_details": _rows(
            BankAccount.objects.filter(user=user).order_by("created_at", "pk"),
            {
                "holder_name": lambda b: b.holder_name,
                "iban": lambda b: b.iban_masked,
                "bank": lambda b: b.bank_name,
                "town": lambda b: b.town,
                "country": lambda b: b.country,
                "created_at": lambda b: b.created_at,
                "retired_at": lambda b: b.retired_at,
            },
        ),
        "payee_identity": _rows(
            PayeeIdentity.objects.filter(user=user),
            {
                "legal_name": lambda i: i.legal_name,
                "date_of_birth": lambda i: i.date_of_birth,
                "address": lambda i: f"{i.street} {i.building_number}, {i.postcode} {i.town}, {i.country}",
                "tax_id": lambda i: i.tax_id,
                "status": lambda i: i.get_status_display(),
                "submitted_at": lambda i: i.submitted_at,
            },
        ),
        "whatsapp_messages": _rows(
            ChatMessage.objects.filter(thread__user=user)
            .select_related("thread__merchant")
            .order_by("created_at", "pk"),
            {
                "brand": lambda m: m.thread.merchant.brand_name,
                "direction": lambda m: m.get_direction_display(),
                "text": lambda m: m.text,
                "kind": lambda m: m.get_category_display() if m.category else "",
                "status": lambda m: m.get_status_display(),
                "at": lambda m: m.created_at,
            },
        ),
        "payouts": _rows(
            Payout.objects.filter(requested_by=user)
            .select_related("bank_account")
            .order_by("requested_at", "pk"),
            {
                "reference": lambda p: p.end_to_end_id,
                "amount": lambda p: p.amount,
                "currency": lambda p: p.currency,
                "to": lambda p: p.bank_account.iban_masked,
                "state": lambda p: p.get_state_display(),
                "reason": lambda p: p.reason,
                "requested_at": lambda p: p.requested_at,
                "closed_at": lambda p: p.closed_at,
            },
        ),
    }


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()


def export_zip(*, user: User, now: datetime) -> bytes:
    """The ZIP: README.txt, data.json (every section) and one CSV per section."""
    sections = export_sections(user=user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README)
        archive.writestr(
            "data.json",
            json.dumps({"exported_at": now.isoformat(), **sections}, indent=2, ensure_ascii=False),
        )
        for name, rows in sections.items():
            archive.writestr(f"{name}.csv", _csv(rows))
    return buffer.getvalue()
