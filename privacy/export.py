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
from allauth.socialaccount import providers
from allauth.socialaccount.models import SocialAccount
from django.utils.translation import gettext_lazy, pgettext

from accounts.models import User
from affiliates.models import Affiliate, Click, Commission, Inquiry, Link, PlatformReferral
from billing.selectors import kind_label
from campaigns.models import UgcSubmission
from chats.models import ChatMessage
from core.i18n import recipient_locale
from merchants.models import Consent, ConsentField
from payouts.models import BankAccount, PayeeIdentity, Payout
from promote.models import CardCheckout, CoinPurchase, CoinWallet, CoinWithdrawal, Coupon, PromoteOrder
from rewards.models import Reward, SocialAction
from rewards.reasons import Reader, action_explain
from rewards.selectors import REWARD_LEDGER_WORDS
from social.models import EngagementSnapshot, TikTokProfile, TrackedPost
from subscriptions.models import Subscription, SubscriptionPayment
from support.middleware import error_text
from support.models import SupportMessage, SupportRequest
from wallets.models import Entry, Purpose
from wallets.movements import PERSON_WORDS
from wallets.selectors import accounts_of

README_TITLE = gettext_lazy("Your data at TikJoy")
README_INTRO = gettext_lazy("data.json holds every section below; each section is also a CSV file.")
README_SECTIONS = (  # each section of the ZIP and what it holds, in the README.txt the person reads
    ("profile", gettext_lazy("your account: name, e-mail, phone, when you joined")),
    (
        "sign_in_identities",
        gettext_lazy("how you sign in (e-mail addresses, TikTok); access tokens are never exported"),
    ),
    ("tiktok_profile", gettext_lazy("what TikTok told us about you")),
    ("consents", gettext_lazy("which brand receives which of your data, since when, until when (withdrawn)")),
    ("merchants_received", gettext_lazy("per brand, the fields it received under your consents")),
    ("social_actions", gettext_lazy("what you did for brands (logins, shares), with device and network")),
    ("tracked_posts", gettext_lazy("your TikTok videos we recognised as shares")),
    ("engagement", gettext_lazy("the counts TikTok reported for them")),
    ("rewards", gettext_lazy("every reward, its status and reason")),
    ("wallet_history", gettext_lazy("every movement of your wallet (ledger entries)")),
    ("ugc_videos", gettext_lazy("videos you uploaded for brands")),
    ("bank_details", gettext_lazy("your bank details (IBAN masked)")),
    ("payee_identity", gettext_lazy("who you told us you are, for payouts")),
    ("payouts", gettext_lazy("your payouts and their states")),
    (
        "affiliate_applications",
        gettext_lazy("your applications to affiliate programs (and your partner profile in each)"),
    ),
    ("affiliate_links", gettext_lazy("your tracked links")),
    ("affiliate_clicks", gettext_lazy("the clicks on your links (when, unique or bot; never who clicked)")),
    (
        "affiliate_commissions",
        gettext_lazy("your commissions, their states and dates (the buyer is never shown)"),
    ),
    ("affiliate_inquiries", gettext_lazy("your questions about missing commissions, and the answers")),
    ("affiliate_referral", gettext_lazy("the affiliate link you arrived through, if any")),
    ("promote_coins", gettext_lazy("your Promote coin wallet (currency, declared birth date)")),
    ("promote_purchases", gettext_lazy("coins you bought (from your wallet or by card) and withdrew")),
    ("promote_card_checkouts", gettext_lazy("card payments you started, and whether they were paid")),
    ("promote_orders", gettext_lazy("your promotion orders, their budget and results")),
    ("promote_coupons", gettext_lazy("coupons given to you")),
    ("whatsapp_messages", gettext_lazy("the WhatsApp messages between you and brands")),
    ("subscriptions", gettext_lazy("your JoyBack subscriptions (plan, dates, state)")),
    ("subscription_payments", gettext_lazy("what each subscription period cost you, and how it was paid")),
    (
        "support_requests",
        gettext_lazy("your requests to TikJoy support and what they carried (page, reward, payout, errors)"),
    ),
    ("support_messages", gettext_lazy("the conversations with TikJoy support, as you saw them")),
)


def readme_text() -> str:
    """README.txt of the ZIP, in the active language (the person's: ``export_zip``)."""
    width = max(len(name) for name, _description in README_SECTIONS)  # every description in one column
    rows = [f"{name:<{width}} {description}" for name, description in README_SECTIONS]
    return "\n".join([str(README_TITLE), "", str(README_INTRO), "", *rows, ""])


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _kind_words(kind: str) -> str:
    """A ledger kind in the person's words, never its code: a reward's movement as rewards says it,
    another as the person's wallet says it (``wallets.movements``), else as a statement does (billing:
    every kind posted has words there)."""
    words = REWARD_LEDGER_WORDS.get(kind) or PERSON_WORDS.get(kind)
    return str(words) if words else kind_label(kind)


class Rows(list):
    """A section's rows (flat dicts) and its column names, kept when there is no row: its CSV
    still opens with the header, so the person (and a spreadsheet) sees what the file would hold."""

    def __init__(self, rows, *, columns):
        super().__init__(rows)
        self.columns = list(columns)

    def __add__(self, other):
        return Rows([*self, *other], columns=self.columns)


def _rows(queryset, fields: dict[str, Callable]) -> Rows:
    return Rows(
        [{name: _plain(get(obj)) for name, get in fields.items()} for obj in queryset], columns=fields
    )


def export_sections(*, user: User) -> dict[str, Rows]:
    """Every record of the person, section by section (each row a flat dict)."""
    affiliations = list(
        Affiliate.objects.filter(user=user).select_related("program").order_by("applied_at", "pk")
    )
    accounts = list(accounts_of(user))
    for affiliate in affiliations:  # pending and locked commissions are on the partner profile's accounts
        accounts += list(accounts_of(affiliate))
    purposes = {account.pk: account.purpose for account in accounts}
    consents = Consent.objects.filter(user=user).select_related("merchant").order_by("given_at", "pk")
    provider_names = dict(providers.registry.as_choices())  # "tiktok": "TikTok" (allauth's providers)
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
                "language": lambda u: u.language,
                "browser_language": lambda u: u.browser_language,  # recorded at sign-in (docs/i18n.md)
                "time_zone": lambda u: u.time_zone,
            },
        ),
        "sign_in_identities": _rows(
            EmailAddress.objects.filter(user=user).order_by("pk"),
            {
                "kind": lambda e: pgettext("how a person signs in", "e-mail"),
                "identifier": lambda e: e.email,
                "verified": lambda e: e.verified,
                "since": lambda e: "",
            },
        )
        + _rows(
            SocialAccount.objects.filter(user=user).order_by("pk"),
            {
                # The provider's name ("TikTok"), as the sign-in page writes it; its id if none is known.
                "kind": lambda a: str(provider_names.get(a.provider, a.provider)),
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
        "merchants_received": Rows(
            [
                {
                    "brand": consent.merchant.brand_name,
                    "field": str(ConsentField(field).label),
                    "from": _plain(consent.given_at),
                    "until": _plain(consent.withdrawn_at) or "",
                }
                for consent in consents
                for field in consent.fields
            ],
            columns=("brand", "field", "from", "until"),
        ),
        "social_actions": _rows(
            SocialAction.objects.filter(user=user).select_related("merchant").order_by("occurred_at", "pk"),
            {
                "brand": lambda a: a.merchant.brand_name,
                "action": lambda a: a.get_action_type_display(),
                "status": lambda a: a.get_status_display(),
                # The consumer's words: the merchant's sentence has its wallet and budget figures.
                "detail": lambda a: action_explain(a, reader=Reader.CONSUMER).text,
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
                "id": lambda r: r.pk,  # named by a support request (support_requests.csv)
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
            Entry.objects.filter(account__in=accounts)
            .select_related("transaction")
            .order_by("transaction__created_at", "pk"),
            {
                "at": lambda e: e.transaction.created_at,
                # The account's name in the person's language ("user: pending rewards"), not its code.
                "account": lambda e: str(Purpose(purposes[e.account_id]).label),
                "amount": lambda e: e.amount,
                "currency": lambda e: e.currency,
                "kind": lambda e: _kind_words(e.transaction.kind),
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
        **_affiliate_sections(user=user, affiliations=affiliations),
        **_promote_sections(user=user),
        **_subscription_sections(user=user),
        **_support_sections(user=user),
    }


def _support_sections(*, user: User) -> dict[str, Rows]:
    """The person's support requests and the conversation as they see it (never ops' internal notes)."""
    return {
        "support_requests": _rows(
            SupportRequest.objects.filter(user=user).select_related("merchant", "payout").order_by("pk"),
            {
                "id": lambda r: r.pk,
                "topic": lambda r: r.get_topic_display(),
                "subject": lambda r: r.subject,
                "status": lambda r: r.get_status_display(),
                "sent_from_page": lambda r: r.page,
                # What the request named, as the other sections name it: the brand, the reward's id
                # (rewards.csv), the payout's reference (payouts.csv).
                "merchant": lambda r: r.merchant.brand_name if r.merchant_id else "",
                "reward": lambda r: r.reward_id,
                "payout": lambda r: r.payout.end_to_end_id if r.payout_id else "",
                # As the request's form showed them: "when page (status): what it means" (a list in
                # data.json, one cell joined by "; " in the CSV).
                "recent_errors": lambda r: [
                    _error_words(e) for e in r.recent_errors or [] if isinstance(e, dict)
                ],
                "created_at": lambda r: r.created_at,
                "closed_at": lambda r: r.closed_at,
            },
        ),
        "support_messages": _rows(
            SupportMessage.objects.filter(request__user=user, internal=False).order_by("request_id", "pk"),
            {
                "request": lambda m: m.request_id,
                "from": lambda m: (
                    pgettext("who wrote a support message", "you")
                    if m.author_kind == "PERSON"
                    else pgettext("who wrote a support message", "TikJoy support")
                ),
                "message": lambda m: m.body,
                "at": lambda m: m.created_at,
            },
        ),
    }


def _error_words(error: dict) -> str:
    """One recorded error as the person read it on the request's form, with when it happened."""
    status = f" ({error['status']})" if error.get("status") else ""
    text = error_text(error)
    said = f"{pgettext('after a label', ':')} {text}" if text else ""
    return f"{error.get('at', '')} {error.get('page', '')}{status}{said}".strip()


def _subscription_sections(*, user: User) -> dict[str, Rows]:
    """The person's plans (JoyPlus, JoyFast): what they accepted, when, and every fee paid."""
    return {
        "subscriptions": _rows(
            Subscription.objects.filter(user=user).select_related("plan").order_by("pk"),
            {
                "plan": lambda s: s.plan.name,
                "status": lambda s: s.get_status_display(),
                "monthly_fee": lambda s: s.monthly_fee,
                "currency": lambda s: s.currency,
                "terms_accepted": lambda s: s.terms,
                "started_at": lambda s: s.started_at,
                "renews_or_ends_at": lambda s: s.period_end,
                "cancelled": lambda s: s.cancel_at_period_end,
                "ended_at": lambda s: s.ended_at,
                "end_reason": lambda s: s.end_reason_to_person,
            },
        ),
        "subscription_payments": _rows(
            SubscriptionPayment.objects.filter(subscription__user=user)
            .select_related("subscription__plan")
            .order_by("pk"),
            {
                "plan": lambda p: p.subscription.plan.name,
                "period_start": lambda p: p.period_start,
                "period_end": lambda p: p.period_end,
                "amount": lambda p: p.amount,
                "currency": lambda p: p.currency,
                "paid_at": lambda p: p.paid_at,
            },
        ),
    }


def _affiliate_sections(*, user: User, affiliations: list[Affiliate]) -> dict[str, Rows]:
    """The person as an affiliate: applications, links, clicks (never who clicked), commissions
    (never the buyer), inquiries, and the referral they arrived through."""
    return {
        "affiliate_applications": _rows(
            affiliations,
            {
                "program": lambda a: a.program.display_name,
                "status": lambda a: a.get_status_display(),
                "status_reason": lambda a: a.status_reason,
                "website": lambda a: a.website,
                "promotion_plan": lambda a: a.promotion_plan,
                "device_id": lambda a: a.device_id,
                "network_hash": lambda a: a.visitor_hash,
                "applied_at": lambda a: a.applied_at,
                "decided_at": lambda a: a.decided_at,
            },
        ),
        "affiliate_links": _rows(
            Link.objects.filter(affiliate__user=user).select_related("affiliate__program").order_by("pk"),
            {
                "program": lambda k: k.affiliate.program.display_name,
                "code": lambda k: k.code,
                "destination": lambda k: k.destination,
                "sub_id": lambda k: k.sub_id,
                "created_at": lambda k: k.created_at,
            },
        ),
        "affiliate_clicks": _rows(
            Click.objects.filter(link__affiliate__user=user).select_related("link").order_by("at", "pk"),
            {
                "link": lambda c: c.link.code,
                "click_id": lambda c: c.click_id,
                "at": lambda c: c.at,
                "unique": lambda c: c.is_unique,
                "bot": lambda c: c.is_bot,
            },
        ),
        "affiliate_commissions": _rows(
            Commission.objects.filter(affiliate__user=user)
            .select_related("affiliate__program", "conversion")
            .order_by("tracked_at", "pk"),
            {
                "program": lambda c: c.affiliate.program.display_name,
                "order": lambda c: c.conversion.order_id,
                "state": lambda c: c.get_state_display(),
                "amount": lambda c: c.amount,
                "currency": lambda c: c.currency,
                "tracked_at": lambda c: c.tracked_at,
                "lock_date": lambda c: c.lock_date,
                "approve_date": lambda c: c.approve_date,
                "reversal": lambda c: c.get_reversal_code_display() if c.reversal_code else "",
                "hold_reason": lambda c: c.hold_reason,
            },
        ),
        "affiliate_inquiries": _rows(
            Inquiry.objects.filter(affiliate__user=user).select_related("affiliate__program").order_by("pk"),
            {
                "program": lambda i: i.affiliate.program.display_name,
                "order": lambda i: i.order_id,
                "order_date": lambda i: i.order_date,
                "amount": lambda i: i.amount,
                "message": lambda i: i.message,
                "status": lambda i: i.get_status_display(),
                "answer": lambda i: i.answer,
                "created_at": lambda i: i.created_at,
            },
        ),
        "affiliate_referral": _rows(
            PlatformReferral.objects.filter(user=user),
            {"click_id": lambda r: r.click_id, "created_at": lambda r: r.created_at},
        ),
    }


def _promote_sections(*, user: User) -> dict[str, Rows]:
    wallets = CoinWallet.objects.filter(user=user)
    return {
        "promote_coins": _rows(
            wallets,
            {
                "currency": lambda w: w.currency,
                "birth_date": lambda w: w.birth_date,
                "coins_paid_for": lambda w: w.backed_coins,
                "created_at": lambda w: w.created_at,
            },
        ),
        "promote_purchases": _rows(
            CoinPurchase.objects.filter(wallet__user=user).order_by("created_at", "pk"),
            {
                "what": lambda p: pgettext("Promote coins", "bought"),
                "coins": lambda p: p.coins,
                "amount": lambda p: p.amount,
                "currency": lambda p: p.currency,
                "paid_with": lambda p: p.get_source_display(),
                "at": lambda p: p.created_at,
            },
        )
        + _rows(
            CoinWithdrawal.objects.filter(wallet__user=user).order_by("created_at", "pk"),
            {
                "what": lambda w: pgettext("Promote coins", "withdrawn"),
                "coins": lambda w: w.coins,
                "amount": lambda w: w.amount,
                "currency": lambda w: w.currency,
                "paid_with": lambda w: "",
                "at": lambda w: w.created_at,
            },
        ),
        "promote_card_checkouts": _rows(
            CardCheckout.objects.filter(wallet__user=user).order_by("created_at", "pk"),
            {
                "coins": lambda c: c.coins,
                "amount": lambda c: c.amount,
                "currency": lambda c: c.currency,
                "status": lambda c: c.get_status_display(),
                "created_at": lambda c: c.created_at,
                "paid_at": lambda c: c.paid_at,
            },
        ),
        "promote_orders": _rows(
            PromoteOrder.objects.filter(wallet__user=user).order_by("created_at", "pk"),
            {
                "content": lambda o: o.content_label,
                "kind": lambda o: o.get_kind_display(),
                "goal": lambda o: o.get_goal_display(),
                "status": lambda o: o.get_status_display(),
                "budget_coins": lambda o: o.budget_coins,
                "coupon_coins": lambda o: o.coupon_coins,
                "consumed_coins": lambda o: o.consumed_coins,
                "refunded_coins": lambda o: o.refunded_coins,
                "country": lambda o: o.country,
                "ages": lambda o: f"{o.age_min}-{o.age_max}",
                "impressions": lambda o: o.impressions,
                "results": lambda o: o.results,
                "created_at": lambda o: o.created_at,
                "ends_at": lambda o: o.ends_at,
            },
        ),
        "promote_coupons": _rows(
            Coupon.objects.filter(user=user).order_by("created_at", "pk"),
            {
                "code": lambda c: c.code,
                "coins": lambda c: c.coins,
                "status": lambda c: c.get_status_display(),
                "valid_from": lambda c: c.valid_from,
                "valid_until": lambda c: c.valid_until,
            },
        ),
    }


def _csv(rows: Rows) -> str:
    """The section as CSV: always its header row, then one line per row (none for an empty section)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=rows.columns)
    writer.writeheader()
    # A list (a support request's recent errors) is one cell of readable text: its items joined by
    # "; ", empty when there is none (never Python's "['...']").
    writer.writerows(
        {
            name: "; ".join(map(str, value)) if isinstance(value, list) else value
            for name, value in row.items()
        }
        for row in rows
    )
    return out.getvalue()


def export_zip(*, user: User, now: datetime) -> bytes:
    """The ZIP: README.txt, data.json (every section) and one CSV per section.

    Built in a task, so no request's language is active: the README and every value a person reads
    (a status, an action, a reason, a consented field) are written in the person's language
    (``recipient_locale``: ``core.i18n.language_for``). Section names and column names are keys, the
    same in every language, so a program reading the files needs no translation (docs/privacy.md)."""
    buffer = io.BytesIO()
    with recipient_locale(user), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        sections = export_sections(user=user)
        archive.writestr("README.txt", readme_text())
        archive.writestr(
            "data.json",
            json.dumps({"exported_at": now.isoformat(), **sections}, indent=2, ensure_ascii=False),
        )
        for name, rows in sections.items():
            archive.writestr(f"{name}.csv", _csv(rows))
    return buffer.getvalue()
