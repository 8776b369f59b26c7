"""A person's rights over their data: export (GDPR art. 15, 20) and deletion (art. 17).

    data_export_request(user=..., now=...)   rate limited; the job data_export_build makes the ZIP

Deleting an account keeps the books true:

    account_delete(user=..., confirmed=plan.fingerprint, now=...)

In this order, each step through the service of the app that owns the data:

1. The available balance in euro is paid out through ``payouts.services.payout_request``
   when the plan said so (a refused payout stops everything: nothing is erased);
2. TikTok is asked to revoke the person's authorization (``social.services.tiktok_tokens_revoke``;
   an unreachable TikTok is logged, the tokens are deleted in step 4 anyway);
3. pending and held rewards go back to their merchants with the reason "account deleted"
   (``rewards.services.rewards_reverse_for_person``, the engine's reversal);
4. in one transaction: what is left available (a balance that can't be paid out) is
   forfeited to the platform by a ledger transaction with its reason; consents are
   withdrawn; social identities, tokens, UGC files, device and IP data, unused bank
   details and allauth e-mail addresses are deleted; the User row keeps only its id
   (pseudonymous owner of its ledger accounts, deactivated, ``deleted_at`` set).

Ledger accounts, transactions and entries stay untouched: ``ledger_check`` and
``rewards_check`` hold, and statements already issued still reconcile.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from moneyed import Money

from accounts.models import User
from accounts.services import user_erase
from campaigns.services import ugc_erase_for_person
from chats.services import person_chats_erase
from core.errors import DomainError
from core.tasks import after_commit, mail_after_commit, mails_sent_purge
from merchants.services import consents_withdraw_all
from payouts.services import bank_files_raw_purge, payee_erase, payout_request
from privacy.export import export_zip
from privacy.models import DataExport, ExportStatus
from privacy.selectors import PAYOUT, deletion_plan_get
from rewards.services import rewards_reverse_for_person, social_actions_erase, social_actions_network_purge
from social.services import person_social_erase, tiktok_tokens_revoke, webhook_events_purge
from wallets.models import PLATFORM, Purpose
from wallets.selectors import accounts_of
from wallets.services import account_for, transfer

logger = logging.getLogger(__name__)

DELETION_REASON = "account deleted"
FORFEIT_KIND = "BALANCE_FORFEITED"


class DeletionRefused(DomainError):
    """The account can't be deleted now; the message says why."""


@dataclass
class DeletionResult:
    paid_out: list[Money] = field(default_factory=list)
    forfeited: list[Money] = field(default_factory=list)
    rewards_reversed: int = 0
    tiktok_revoked: int = 0
    erased: dict[str, int] = field(default_factory=dict)


def account_delete(*, user: User, confirmed: str, now: datetime) -> DeletionResult:
    """Delete the person's account as the plan they confirmed (its ``fingerprint``) said."""
    plan = deletion_plan_get(user=user, now=now)
    if plan.refusal:
        raise DeletionRefused(plan.refusal)
    if plan.fingerprint != confirmed:
        raise DeletionRefused(
            "Your money changed since you opened this page. Check what happens now and confirm again."
        )
    result = DeletionResult()
    for balance in plan.balances:
        if balance.fate == PAYOUT:
            payout_request(user=user, amount=balance.amount, now=now)  # a PayoutError stops here
            result.paid_out.append(balance.amount)
    result.tiktok_revoked = tiktok_tokens_revoke(user=user)  # at TikTok, outside our transaction
    result.rewards_reversed = rewards_reverse_for_person(
        user=user, reason=DELETION_REASON, actor=user, now=now
    )
    with transaction.atomic(durable=True):
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.deleted_at is not None:
            raise DeletionRefused("This account is already deleted.")
        pending = accounts_of(user).filter(purpose=Purpose.USER_PENDING, balance__gt=0)
        if pending.exists():  # a reward credited after the reversals: nothing is erased, try again
            raise DeletionRefused("A reward arrived while deleting your account. Please confirm again.")
        for account in accounts_of(user).filter(purpose=Purpose.USER_AVAILABLE, balance__gt=0).order_by("pk"):
            amount = Money(account.balance, account.currency)
            reason = next(
                (b.why for b in plan.balances if b.amount.currency == amount.currency and b.fate != PAYOUT),
                "it arrived while the account was being deleted",
            )
            transfer(
                source=account,
                destination=account_for(
                    owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency=account.currency
                ),
                amount=amount,
                kind=FORFEIT_KIND,
                reason=f"Balance forfeited, account deleted: {reason}",
                idempotency_key=f"privacy:forfeit:{user.pk}:{account.currency}",
                actor=user,
                subject=user,
                now=now,
            )
            result.forfeited.append(amount)
        result.erased = {
            "consents_withdrawn": consents_withdraw_all(user=user, now=now),
            **person_social_erase(user=user, now=now),
            "actions_device_and_ip": social_actions_erase(user=user),
            "ugc_videos": ugc_erase_for_person(user=user),
            **payee_erase(user=user),
            **person_chats_erase(user=user),
        }
        result.erased["data_exports"] = DataExport.objects.filter(user=user).delete()[0]
        user_erase(user=user, now=now)
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
        ).update(object_repr=str(user))
    logger.info("account %s deleted: %s", user.pk, result)
    return result


# --- export -----------------------------------------------------------------------------------


class ExportRefused(DomainError):
    """Too many exports asked for; the message says when the next one can be."""


def data_export_request(*, user: User, now: datetime) -> DataExport:
    """Queue a data export of the person (at most ``PRIVACY_EXPORTS_PER_DAY`` in 24 hours)."""
    with transaction.atomic(durable=True):
        User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time per person
        recent = list(
            DataExport.objects.filter(user=user, requested_at__gt=now - timedelta(days=1))
            .order_by("requested_at")
            .values_list("requested_at", flat=True)
        )
        if len(recent) >= settings.PRIVACY_EXPORTS_PER_DAY:
            next_at = recent[0] + timedelta(days=1)
            raise ExportRefused(
                f"You asked for {len(recent)} exports in the last 24 hours. "
                f"You can ask for the next one from {next_at:%d %b %Y %H:%M} UTC."
            )
        export = DataExport.objects.create(user=user, requested_at=now)
        after_commit("privacy.tasks.data_export_build_task", export.pk)
    return export


def data_export_build(*, export_id: int, now: datetime) -> DataExport:
    """Make the ZIP of a queued export, and tell the person it is ready (safe to run twice)."""
    with transaction.atomic(durable=True):
        export = DataExport.objects.select_for_update().select_related("user").get(pk=export_id)
        if export.status != ExportStatus.QUEUED:
            return export
        export.content = export_zip(user=export.user, now=now)
        export.status = ExportStatus.READY
        export.ready_at = now
        export.expires_at = now + timedelta(hours=settings.PRIVACY_EXPORT_LINK_HOURS)
        export.save(update_fields=["content", "status", "ready_at", "expires_at"])
        if export.user.email:
            mail_after_commit(
                subject="Your TikJoy data export is ready",
                message=(
                    "The export of your data you asked for is ready. Download it, signed in to TikJoy, at\n"
                    f"{settings.SITE_URL}/me/export/\n\n"
                    f"The link works until {export.expires_at:%d %b %Y %H:%M} UTC."
                ),
                recipient_list=[export.user.email],
            )
    return export


# --- retention --------------------------------------------------------------------------------

RETENTION_PURGES = {
    "action_network_data": social_actions_network_purge,
    "incoming_webhooks": webhook_events_purge,
    "raw_bank_files": bank_files_raw_purge,
    "emails_sent": mails_sent_purge,
}


def retention_purge(*, now: datetime) -> dict[str, int]:
    """Purge each kind of personal data past its ``PRIVACY_RETENTION_DAYS``; returns and logs the counts.

    Each kind is purged by the service of the app that holds it, in one statement; ledger
    accounts, transactions and entries are never touched.
    """
    counts = {}
    for kind, purge in RETENTION_PURGES.items():
        before = now - timedelta(days=settings.PRIVACY_RETENTION_DAYS[kind])
        counts[kind] = purge(before=before)
    logger.info("retention purge: %s", counts)
    return counts
