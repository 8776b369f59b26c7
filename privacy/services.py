"""A person's rights over their data: export (GDPR art. 15, 20) and deletion (art. 17).

    data_export_request(user=..., now=...)   rate limited; the job data_export_build makes the ZIP

Deleting an account keeps the books true:

    account_delete(user=..., confirmed=plan.fingerprint, now=...)

In this order, each step through the service of the app that owns the data:

1. A debt the person already owes is repaid from their available balance
   (``rewards.services.person_debt_repay``); then what the plan says is left of the balance in
   euro (after the repayments below) is paid out through ``payouts.services.payout_request``,
   which lets through the debts the plan writes off in step 4, in any currency, and no other
   (a refused payout stops everything: nothing is erased);
   then the deletion is marked under way (``_deletion_start``: until it commits or is refused, no data
   export is asked for and none is announced; the exports themselves are deleted in step 4);
2. TikTok is asked to revoke the person's authorization (``social.services.tiktok_tokens_revoke``;
   an unreachable TikTok is logged, the tokens are deleted in step 4 anyway);
3. pending and held rewards go back to their merchants with the reason "account deleted"
   (``rewards.services.rewards_reverse_for_person``, the engine's reversal), rewards made
   available early (JoyFast) included: their advance becomes a debt, settled in step 4; pending and held
   affiliate commissions to their payers with the code "account deleted"
   (``affiliates.services.commissions_reverse_for_person``); Promote coins were turned back into
   money first (``promote.services.coins_withdraw``), which then shares the balance's fate;
4. in one transaction, the person's actions locked first (``rewards.services.person_actions_close``,
   which closes those still waiting for a brand's money: no top-up pays a deleted account), then its
   ledger rows in key order (``_ledger_lock``): what the
   person owes is repaid from the balance and TikJoy writes off
   the rest (``_debt_settle``: an erased account owes nothing); what is left available (a
   balance that can't be paid out) is forfeited to the platform by a ledger transaction with
   its reasons (``_forfeit_reason``); consents are
   withdrawn; social identities, tokens, UGC files, device and IP data, unused bank
   details, data exports and allauth e-mail addresses are deleted; the User row keeps only its id
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
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext, ngettext
from moneyed import Money

from accounts.models import User
from accounts.services import user_erase
from affiliates.models import Commission, CommissionState
from affiliates.services import (
    affiliate_erase_for_person,
    affiliates_deactivate_for_person,
    clicks_visitor_purge,
    commissions_reverse_for_person,
    program_close_for_merchant,
)
from billing.months import Month
from billing.selectors import billing_period, merchant_funds_account
from billing.services import BillingError, statement_issue
from campaigns.services import campaigns_end_locked, campaigns_lock_for_merchant, ugc_erase_for_person
from chats.services import person_chats_erase
from core.errors import DomainError
from core.i18n import moment_text, recipient_locale
from core.tasks import after_commit, mail_after_commit, mail_send, mails_sent_purge
from merchants.days import merchant_day
from merchants.models import Membership, Merchant
from merchants.roles import Capability, role_can
from merchants.selectors import wallet_balance
from merchants.services import consents_withdraw_all, merchant_mark_closed
from payouts.models import Payout
from payouts.services import (
    PayoutError,
    bank_files_raw_purge,
    merchant_owner_emails,
    merchant_refund_reserve,
    payee_erase,
    payout_request,
)
from privacy.export import export_zip
from privacy.models import DELETION_STOPPED_AFTER, AccountDeletion, DataExport, ExportStatus, MerchantClosure
from privacy.selectors import (
    PAYOUT,
    DeletionPlan,
    closed_merchant_returned_coins,
    deletion_plan_get,
    last_movement_at,
    merchant_closure_plan_get,
    merchant_money_moving,
)
from promote.services import PromoteError, coins_withdraw, promote_erase_for_person
from rewards.models import Reward, RewardStatus
from rewards.services import (
    RewardsReversed,
    person_actions_close,
    person_debt_repay,
    rewarded_sign_ins_purge,
    rewards_reverse,
    rewards_reverse_for_person,
    sign_in_rewards_remember,
    social_actions_erase,
    social_actions_network_purge,
)
from social.services import person_social_erase, tiktok_tokens_revoke, webhook_events_purge
from subscriptions.services import subscriptions_end_for_person
from support.services import support_erase_for_person
from wallets.debts import debt_close
from wallets.formats import money_text
from wallets.models import PLATFORM, Account, Purpose
from wallets.selectors import accounts_of
from wallets.services import InsufficientFunds, account_for, transfer
from webhooks.services import webhook_bodies_purge

logger = logging.getLogger(__name__)

DELETION_REASON = "account deleted"
FORFEIT_KIND = "BALANCE_FORFEITED"


class DeletionRefused(DomainError):
    """The account can't be deleted now; the message says why."""


@dataclass
class DeletionResult:
    paid_out: list[Money] = field(default_factory=list)
    forfeited: list[Money] = field(default_factory=list)
    taken_back: list[Money] = field(
        default_factory=list
    )  # repaid from the balance at the end (advances, debts)
    written_off: list[Money] = field(default_factory=list)  # what the balance couldn't repay: TikJoy's loss
    rewards_reversed: int = 0
    commissions_reversed: int = 0
    coins_withdrawn: int = 0
    tiktok_revoked: int = 0
    sign_ins_kept: int = 0  # (brand, identity digest) pairs kept: the sign-in reward isn't paid twice
    erased: dict[str, int] = field(default_factory=dict)


def account_delete(*, user: User, confirmed: str, now: datetime) -> DeletionResult:
    """Delete the person's account as the plan they confirmed (its ``fingerprint``) said."""
    plan = deletion_plan_get(user=user, now=now)
    if plan.refusal:
        raise DeletionRefused(plan.refusal)
    if plan.fingerprint != confirmed:
        raise DeletionRefused(
            gettext(
                "Your money changed since you opened this page. Check what happens now and confirm again."
            )
        )
    result = DeletionResult()
    if plan.coins:  # the coins become money on the available balance, whose fate the plan states
        coins_withdraw(holder=user, coins_count=plan.coins, actor=user, now=now)
        result.coins_withdrawn = plan.coins
    repaid_first: dict[str, Money] = {}
    for repayment in plan.repayments:  # a debt already owed is repaid first: payouts wait while one is
        if repayment.owed.amount > 0:
            currency = str(repayment.owed.currency)
            repaid_first[currency] = person_debt_repay(user_id=user.pk, currency=currency, now=now)
    # What the balance can't repay (in any currency) TikJoy writes off in the last step, as the plan says:
    # that debt doesn't stop the payout the plan promised (another one, e.g. new since the plan, does).
    written_off = [r.written_off for r in plan.repayments if r.written_off.amount > 0]
    for balance in plan.balances:
        if balance.fate == PAYOUT:  # a PayoutError stops here
            payout_request(user=user, amount=balance.amount, now=now, debts_settled=written_off)
            result.paid_out.append(balance.amount)
    _deletion_start(user=user, now=now)  # before TikTok; refused from here on, the mark is taken off
    try:
        _account_erase(user=user, plan=plan, result=result, repaid_first=repaid_first, now=now)
    except Exception:
        _deletion_stop(user=user)  # a refusal (or a failure) erased no export: they can be asked for again
        raise
    logger.info("account %s deleted: %s", user.pk, result)
    return result


def _account_erase(
    *, user: User, plan: DeletionPlan, result: DeletionResult, repaid_first: dict[str, Money], now: datetime
) -> None:
    """``account_delete`` from TikTok on (steps 2 to 4), the deletion marked under way."""
    result.tiktok_revoked = tiktok_tokens_revoke(user=user)  # at TikTok, outside our transaction
    result.rewards_reversed = rewards_reverse_for_person(
        user=user, reason=DELETION_REASON, actor=user, now=now
    )
    affiliates_deactivate_for_person(user=user, now=now)  # first: no new commission after this
    result.commissions_reversed = commissions_reverse_for_person(user=user, now=now)
    with transaction.atomic(durable=True):
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.deleted_at is not None:
            raise DeletionRefused(gettext("This account is already deleted."))
        # The person's actions locked before anything is read or posted (the engine's order: actions,
        # then the ledger), those still waiting for money closed: no top-up pays a deleted account.
        actions_closed = person_actions_close(user=user)
        pending = accounts_of(user).filter(purpose=Purpose.USER_PENDING, balance__gt=0).exists() or (
            Reward.objects.filter(user=user, status__in=[RewardStatus.PENDING, RewardStatus.HELD]).exists()
        )
        if pending:  # a reward credited after the reversals: nothing is erased, try again
            raise DeletionRefused(
                gettext("A reward arrived while deleting your account. Please confirm again.")
            )
        if Commission.objects.filter(
            affiliate__user=user,
            state__in=[CommissionState.PENDING, CommissionState.HELD, CommissionState.LOCKED],
        ).exists():
            raise DeletionRefused(
                gettext("A commission arrived while deleting your account. Please confirm again.")
            )
        _ledger_lock(user=user)
        repaid_last: dict[str, Money] = {}
        for currency in sorted(
            accounts_of(user)
            .filter(purpose=Purpose.USER_OWED, balance__lt=0)
            .values_list("currency", flat=True)
        ):
            repaid, loss = _debt_settle(user=user, currency=currency, now=now)
            repaid_last[currency] = repaid
            if repaid.amount:
                result.taken_back.append(repaid)
            if loss.amount:
                result.written_off.append(loss)
        for account in accounts_of(user).filter(purpose=Purpose.USER_AVAILABLE, balance__gt=0).order_by("pk"):
            amount = Money(account.balance, account.currency)
            zero = Money(0, account.currency)
            repaid = repaid_first.get(account.currency, zero) + repaid_last.get(account.currency, zero)
            reason = _forfeit_reason(plan=plan, amount=amount, repaid=repaid)
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
        # Before the identities are erased: their digests, for the brands that paid the sign-in reward.
        result.sign_ins_kept = sign_in_rewards_remember(user=user, now=now)
        result.erased = {
            "consents_withdrawn": consents_withdraw_all(user=user, now=now),
            **person_social_erase(user=user, now=now),
            "actions_device_and_ip": social_actions_erase(user=user),
            "actions_waiting_for_money_closed": actions_closed,
            "ugc_videos": ugc_erase_for_person(user=user),
            **payee_erase(user=user),
            **affiliate_erase_for_person(user=user),
            **promote_erase_for_person(user=user),
            **person_chats_erase(user=user),
            **support_erase_for_person(user=user),
            "subscriptions_ended": subscriptions_end_for_person(user=user, now=now),
        }
        # Here only, past every refusal: ready, being made (its build then keeps nothing), and the mark.
        result.erased["data_exports"] = DataExport.objects.filter(user=user).delete()[0]
        AccountDeletion.objects.filter(user=user).delete()
        user_erase(user=user, now=now)
        with translation.override("en"):  # the admin's log, like the books: one language
            erased_repr = str(user)
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
        ).update(object_repr=erased_repr)


def _deletion_start(*, user: User, now: datetime) -> None:
    """Mark the deletion under way, once its payout is asked for (the last step that can refuse it with
    nothing erased), in a short transaction of its own that locks the person's row: the lock that
    ``data_export_request`` and ``data_export_ready_tell`` take to look at the mark, and that the
    build's last step takes. From here until the deletion commits or is refused (``_deletion_stop``),
    "Prepare my data" is refused with the reason, and no e-mail says an export is ready (one made
    meanwhile stays on the page; the deletion's transaction deletes it with the others). The exports
    are deleted only there, so a deletion refused at its last step leaves them as they were. A second
    deletion at once (another tab) is refused here."""
    with transaction.atomic(durable=True):
        person = User.objects.select_for_update().get(pk=user.pk)
        if person.deleted_at is not None:
            raise DeletionRefused(gettext("This account is already deleted."))
        if _deletion_under_way(user_id=person.pk, now=now):
            raise DeletionRefused(
                gettext(
                    "Your account is already being deleted, in another tab or window. "
                    "Reload this page in a moment."
                )
            )
        AccountDeletion.objects.update_or_create(user=person, defaults={"started_at": now})


def _deletion_stop(*, user: User) -> None:
    """The deletion was refused (or failed) after ``_deletion_start``: the mark is taken off."""
    with transaction.atomic(durable=True):
        AccountDeletion.objects.filter(user_id=user.pk).delete()


def _deletion_under_way(*, user_id: int, now: datetime) -> bool:
    """Whether a deletion of the person's account is under way (read holding the person's row)."""
    return AccountDeletion.objects.filter(
        user_id=user_id, started_at__gt=now - DELETION_STOPPED_AFTER
    ).exists()


def _ledger_lock(*, user: User) -> None:
    """Inside the deletion's transaction, before any posting: lock, in primary-key order (docs/ledger.md's
    one order), the ledger rows its postings touch, for every currency the person has money in or owes:
    their available and debt accounts and the platform's shared revenue (a forfeit) and write-off (a
    debt TikJoy writes off) accounts. Two deletions at once then wait for each other instead of each
    holding one shared account and waiting for the other's (a deadlock PostgreSQL would end with an
    error)."""
    currencies = sorted(
        set(
            accounts_of(user)
            .filter(
                Q(purpose=Purpose.USER_AVAILABLE, balance__gt=0) | Q(purpose=Purpose.USER_OWED, balance__lt=0)
            )
            .values_list("currency", flat=True)
        )
    )
    keys = [
        account_for(owner=owner, purpose=purpose, currency=currency).pk
        for currency in currencies
        for owner, purpose in (
            (user, Purpose.USER_AVAILABLE),
            (user, Purpose.USER_OWED),
            (PLATFORM, Purpose.PLATFORM_REVENUE),
            (PLATFORM, Purpose.PLATFORM_WRITE_OFF),
        )
    ]
    list(Account.objects.select_for_update().filter(pk__in=keys).order_by("pk").values_list("pk", flat=True))


def _forfeit_reason(*, plan: DeletionPlan, amount: Money, repaid: Money) -> str:
    """Why ``amount``, what is left available in one currency at the end, is forfeited, each part with its
    true reason: what the plan said is forfeited (and why); what the plan said would repay an advance
    that was not owed in the end (the JoyFast reward was confirmed during the deletion, so it was not
    reversed: the money became the person's after their payout was made); anything else arrived during
    the deletion. ``repaid``: what the deletion repaid from the balance in that currency."""
    currency = amount.currency
    zero = Money(0, currency)
    left, reasons = amount, []
    planned = next((b for b in plan.balances if b.amount.currency == currency and b.fate != PAYOUT), None)
    if planned is not None:
        reasons.append(planned.why)
        left -= min(left, planned.amount)
    to_repay = next((r.taken_back for r in plan.repayments if r.taken_back.currency == currency), zero)
    unused = min(left, max(to_repay - repaid, zero))
    if unused.amount > 0:
        reasons.append(
            f"{unused.amount} {currency} was to repay an advance, not owed in the end: "
            "a JoyFast reward confirmed during the deletion"
        )
        left -= unused
    if left.amount > 0:
        reasons.append(f"{left.amount} {currency} arrived while the account was being deleted")
    return "; ".join(reasons)


def _debt_settle(*, user: User, currency: str, now: datetime) -> tuple[Money, Money]:
    """Inside the deletion's transaction, before anything else is posted to the person's accounts: what
    they owe (advances of rewards reversed by the deletion, a debt they had) is repaid from their
    available balance as far as it goes, and TikJoy writes off the rest. The accounts, the revenue
    account a forfeit goes to included, are locked first in primary-key order. Returns (repaid,
    written off)."""
    return debt_close(
        owner=user,
        source=account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency=currency),
        also_lock=[account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency=currency)],
        repay_reason="Repaid from the available balance: account deleted",
        write_off_reason="Written off by TikJoy, account deleted: the balance could not cover what was owed "
        "(money paid early, or taken back after it was paid out)",
        idempotency_key=f"privacy:debt:{user.pk}:{currency}",
        actor=user,
        subject=user,
        now=now,
    )


# --- export -----------------------------------------------------------------------------------


class ExportRefused(DomainError):
    """Too many exports asked for (the message says when the next one can be), or the account is being
    deleted."""


def data_export_request(*, user: User, now: datetime) -> tuple[DataExport, bool]:
    """Queue a data export of the person (at most ``PRIVACY_EXPORTS_PER_DAY`` in 24 hours); returns it
    and whether it is new. One export of a person is prepared at a time: asking again while one is (a
    double click, or while the job makes the ZIP) returns that one, and no second ZIP or e-mail is made.
    The person's row is locked (one request at a time), then a queued export is looked for; the job
    makes the ZIP holding no lock (``data_export_build``), so a request made while it builds sees the
    export still queued instead of waiting for it to be ready and queueing a second. The partial unique
    constraint (one queued export a person) is the last guard. Refused while the person's account is
    being deleted (``_deletion_start``, under the same lock): its export would be deleted with it."""
    with transaction.atomic(durable=True):
        User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time per person
        if _deletion_under_way(user_id=user.pk, now=now):
            raise ExportRefused(
                gettext(
                    "Your account is being deleted, so no data export is prepared. "
                    "If the deletion does not go through, ask again."
                )
            )
        queued = DataExport.objects.filter(user=user, status=ExportStatus.QUEUED).first()
        if queued is not None:
            return queued, False
        try:
            with transaction.atomic():
                export = DataExport.objects.create(user=user, requested_at=now)
        except IntegrityError:
            return DataExport.objects.get(user=user, status=ExportStatus.QUEUED), False
        recent = list(
            DataExport.objects.filter(user=user, requested_at__gt=now - timedelta(days=1))
            .exclude(pk=export.pk)
            .order_by("requested_at")
            .values_list("requested_at", flat=True)
        )
        if len(recent) >= settings.PRIVACY_EXPORTS_PER_DAY:
            next_at = recent[0] + timedelta(days=1)
            raise ExportRefused(
                ngettext(
                    "You asked for %(count)s export in the last 24 hours. You can ask for the next one from %(when)s.",
                    "You asked for %(count)s exports in the last 24 hours. You can ask for the next one from %(when)s.",
                    len(recent),
                )
                % {"count": len(recent), "when": moment_text(next_at, "SHORT_DATETIME_FORMAT")}
            )
        after_commit("privacy.tasks.data_export_build_task", export.pk)
    return export, True


def data_export_build(*, export_id: int, now: datetime) -> DataExport | None:
    """Make the ZIP of a queued export, and tell the person it is ready (safe to run twice).

    The ZIP is made holding no lock: a deletion of the account (``account_delete``, which deletes the
    exports) never waits for it, nor does a press of "Prepare my data" (``data_export_request``). It is
    kept in a short transaction that locks the person's row, then the export's (the order of the
    request and of the deletion), and only if the export is still queued and the person not deleted:
    an export the deletion removed while its ZIP was made is neither kept nor announced. The e-mail is
    a job after the commit that checks again before sending (``data_export_ready_tell``: not while the
    account is being deleted; the deletion's transaction deletes an export kept meanwhile). Two runs at
    once may both make the ZIP; one keeps it and announces it."""
    export = DataExport.objects.filter(pk=export_id).select_related("user").first()
    if export is None or export.status != ExportStatus.QUEUED:
        return export  # gone: a second copy of a double click, or the person is deleting their account
    content = export_zip(user=export.user, now=now)
    with transaction.atomic(durable=True):
        person = User.objects.select_for_update().filter(pk=export.user_id, deleted_at__isnull=True).first()
        export = DataExport.objects.select_for_update().filter(pk=export_id).first()
        if person is None or export is None or export.status != ExportStatus.QUEUED:
            return export  # deleted with the account meanwhile, or kept by another run
        export.content = content
        export.status = ExportStatus.READY
        export.ready_at = now
        export.expires_at = now + timedelta(hours=settings.PRIVACY_EXPORT_LINK_HOURS)
        export.save(update_fields=["content", "status", "ready_at", "expires_at"])
        if person.email:
            after_commit("privacy.tasks.data_export_ready_tell_task", export.pk)
    return export


def data_export_ready_tell(*, export_id: int, now: datetime) -> bool:
    """E-mail the person that their export is ready (the job ``data_export_build`` queues after its
    commit); returns whether it was sent. Checked again first, since the job may run later: an export
    gone (the account deleted) or expired is not announced, nor one while the account is being deleted
    (``_deletion_start``: its last transaction deletes the exports; if it is refused, the export is on
    the page, not e-mailed). The person's row is locked for the check only (the lock the deletion takes
    to start and to commit: one being started or committed is waited for; the e-mail is sent after,
    holding nothing)."""
    user_id = DataExport.objects.filter(pk=export_id).values_list("user_id", flat=True).first()
    if user_id is None:
        return False
    with transaction.atomic(durable=True):
        person = User.objects.select_for_update().filter(pk=user_id, deleted_at__isnull=True).first()
        export = DataExport.objects.filter(
            pk=export_id, status=ExportStatus.READY, expires_at__gt=now
        ).first()
        being_deleted = _deletion_under_way(user_id=user_id, now=now)
    if person is None or export is None or being_deleted or not person.email:
        return False
    with recipient_locale(person):
        mail_send(
            subject=gettext("Your TikJoy data export is ready"),
            message=gettext(
                "The export of your data you asked for is ready. Download it, signed in to TikJoy, at\n"
                "%(url)s\n\nThe link works until %(until)s."
            )
            % {
                "url": f"{settings.SITE_URL}/me/export/",
                "until": moment_text(export.expires_at),  # their zone (recipient_locale), named
            },
            recipient_list=[person.email],
        )
    return True


# --- retention --------------------------------------------------------------------------------

RETENTION_PURGES = {
    "action_network_data": social_actions_network_purge,
    "incoming_webhooks": webhook_events_purge,
    "raw_bank_files": bank_files_raw_purge,
    "emails_sent": mails_sent_purge,
    "outgoing_webhooks": webhook_bodies_purge,
    "affiliate_clicks": clicks_visitor_purge,
    "rewarded_sign_ins": rewarded_sign_ins_purge,
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


# --- a merchant leaving -------------------------------------------------------------------------


class ClosureRefused(DomainError):
    """The merchant can't be closed (or refunded) now; the message says why."""


def _require_owner(*, merchant: Merchant, actor: User) -> None:
    role = Membership.objects.filter(merchant=merchant, user=actor).values_list("role", flat=True).first()
    if not role_can(role, Capability.CLOSE_MERCHANT):
        raise ClosureRefused(gettext("Only an owner can close the merchant and see its refund through."))


def merchant_close(*, merchant: Merchant, actor: User, confirmed: str, now: datetime) -> MerchantClosure:
    """Close the merchant as the plan the owner confirmed (its ``fingerprint``) said.

    Refused, with the reasons in words, while money is still moving (``merchant_money_moving``).
    Otherwise: Promote coins are withdrawn back to the wallet (their own transaction, before);
    then in one transaction, holding the merchant's campaigns (the engine's order: a reward
    being paid finishes first, and none is paid after) and the merchant's row (top-ups take
    it): the money is checked again, campaigns end, the affiliate program stops, the merchant is
    flagged closed, and the whole remaining balance is reserved for a refund to its bank account
    through the payouts pipeline (four eyes in ops). The final statement follows once the month
    the money last moved in has ended (``merchant_closures_finish``).
    """
    _require_owner(merchant=merchant, actor=actor)
    plan = merchant_closure_plan_get(merchant=merchant, now=now)
    if not plan.refusals and plan.fingerprint != confirmed:
        # Money moved since the page was shown, perhaps while the plan was read (a reward paid
        # between its checks and its balances): read it again, so a reason to refuse is named.
        plan = merchant_closure_plan_get(merchant=merchant, now=now)
    if plan.refusals:
        raise ClosureRefused(" ".join(plan.refusals))
    if plan.fingerprint != confirmed:
        raise ClosureRefused(
            gettext("The merchant's money changed since you opened this page. Check the plan again.")
        )
    if plan.coins:
        coins_withdraw(holder=merchant, coins_count=plan.coins, actor=actor, now=now)
    try:
        with transaction.atomic(durable=True):
            campaigns = campaigns_lock_for_merchant(merchant_id=merchant.pk)
            locked = Merchant.objects.select_for_update().get(pk=merchant.pk)
            if locked.closed_at is not None:
                raise ClosureRefused(gettext("%(brand)s is already closed.") % {"brand": locked.brand_name})
            moving, _pending, _until = merchant_money_moving(merchant=locked)
            if moving:  # something started moving after the plan was read
                raise ClosureRefused(" ".join(moving))
            ended = campaigns_end_locked(campaigns=campaigns)
            program_close_for_merchant(merchant_id=locked.pk)
            merchant_mark_closed(merchant=locked, actor=actor, now=now)
            closure = MerchantClosure.objects.create(
                merchant=locked,
                closed_by=actor,
                closed_at=now,
                campaigns_ended=ended,
                coins_withdrawn=plan.coins,
            )
            funds = wallet_balance(merchant=locked)
            if funds.amount > 0:
                closure.refund = merchant_refund_reserve(
                    merchant=locked,
                    requested_by=actor,
                    amount=funds,
                    reason=f"Refund of the remaining balance: {locked.brand_name} closed",
                    now=now,
                )
                closure.save(update_fields=["refund"])
            _closure_tell_owners(locked, closure)
    except InsufficientFunds:
        raise ClosureRefused(
            gettext("Money moved on the wallet while closing; nothing was done. Try again.")
        ) from None
    except PayoutError as exc:
        raise ClosureRefused(str(exc)) from None
    logger.info("merchant %s closed by %s: %s campaigns ended", merchant.pk, actor.pk, ended)
    return closure


def _closure_tell_owners(merchant: Merchant, closure: MerchantClosure) -> None:
    """E-mail the owners in the merchant's language, the time in its time zone."""
    refund = closure.refund
    with recipient_locale(merchant):
        words = {
            "brand": merchant.brand_name,
            "when": moment_text(closure.closed_at),  # the merchant's zone, named
            "by": closure.closed_by.email,
        }
        message = (
            gettext("%(brand)s was closed on %(when)s by %(by)s.") % words
            + "\n"
            + ngettext("%(count)s campaign ended.", "%(count)s campaigns ended.", closure.campaigns_ended)
            % {"count": closure.campaigns_ended}
            + " "
            + (
                gettext(
                    "The remaining %(amount)s is refunded to %(iban)s (reference %(reference)s) once two of our "
                    "staff have checked it."
                )
                % {
                    "amount": money_text(refund.money),
                    "iban": refund.bank_account.iban_masked,
                    "reference": refund.end_to_end_id,
                }
                if refund
                else gettext("There was no balance left to refund.")
            )
            + "\n"
            + gettext(
                "Your history, statements and invoices stay readable in the console. The final statement "
                "follows after the end of the month."
            )
        )
        mail_after_commit(
            subject=gettext("[TikJoy] %(brand)s is closed") % words,
            message=message,
            recipient_list=merchant_owner_emails(merchant),
        )


def merchant_refund_request(*, merchant: Merchant, actor: User, now: datetime) -> Payout:
    """A closed merchant's balance is refunded again (a refund came back, or money arrived after
    the closing, e.g. a commission reversed): refused while another refund is on its way.

    Promote coins that came back after the closing (a coupon the merchant gave that ended unused)
    are turned back into money first, by ``coins_withdraw``'s rule (its own transaction, as when
    closing), so they are refunded with the rest: the owner who asks is the one who withdraws."""
    _require_owner(merchant=merchant, actor=actor)
    returned = closed_merchant_returned_coins(merchant=merchant)
    if returned:
        moving, _pending, _until = merchant_money_moving(merchant=merchant)
        if moving:  # refused before anything moves, as below
            raise ClosureRefused(" ".join(moving))
        try:
            coins_withdraw(holder=merchant, coins_count=returned, actor=actor, now=now)
        except PromoteError as exc:
            raise ClosureRefused(str(exc)) from None
    try:
        with transaction.atomic(durable=True):
            locked = Merchant.objects.select_for_update().get(pk=merchant.pk)
            if locked.closed_at is None:
                raise ClosureRefused(gettext("Only a closed merchant's balance is refunded; close it first."))
            moving, _pending, _until = merchant_money_moving(merchant=locked)
            if moving:
                raise ClosureRefused(" ".join(moving))
            funds = wallet_balance(merchant=locked)
            if funds.amount <= 0:
                raise ClosureRefused(gettext("There is nothing left to refund."))
            payout = merchant_refund_reserve(
                merchant=locked,
                requested_by=actor,
                amount=funds,
                reason=f"Refund of the remaining balance asked again by {actor.email}",
                now=now,
            )
            MerchantClosure.objects.filter(merchant=locked).update(refund=payout)
    except InsufficientFunds:
        raise ClosureRefused(
            gettext("Money moved on the wallet meanwhile; nothing was done. Try again.")
        ) from None
    except PayoutError as exc:
        raise ClosureRefused(str(exc)) from None
    return payout


def merchant_rewards_reverse(
    *, merchant: Merchant, actor: User, reason: str, now: datetime
) -> RewardsReversed:
    """The owner of a merchant that is closing reverses its pending and held rewards, with a reason
    both sides see, through the engine's reversal (each in its own transaction); returns every
    reward reversed, a share's engagement rewards with it. One settled meanwhile ran its course."""
    _require_owner(merchant=merchant, actor=actor)
    if not reason.strip():
        raise ClosureRefused(
            gettext("Say why the rewards are reversed: the people who earned them see the reason.")
        )
    return rewards_reverse(
        reward_ids=Reward.objects.filter(
            merchant=merchant, status__in=[RewardStatus.PENDING, RewardStatus.HELD]
        ).values_list("pk", flat=True),
        reason=reason.strip()[:300],
        actor=actor,
        now=now,
    )


def merchant_closures_finish(*, now: datetime) -> int:
    """The final statement of each closed merchant, once no refund is on its way and the month the
    wallet last moved in has ended (billing's own ``statement_issue``); returns how many were issued."""
    issued = 0
    for closure in MerchantClosure.objects.filter(final_statement__isnull=True).select_related("merchant"):
        merchant = closure.merchant
        moving, _pending, _until = merchant_money_moving(merchant=merchant)
        if moving:
            continue
        account = merchant_funds_account(merchant=merchant, currency=merchant.currency)
        last = last_movement_at(account) if account is not None else None
        month = Month.of(merchant_day(merchant, last or closure.closed_at))
        if now < billing_period(merchant=merchant, currency=merchant.currency, month=month).end:
            continue
        try:
            statement, _created = statement_issue(
                merchant=merchant, currency=merchant.currency, month=month, now=now
            )
        except BillingError as exc:
            logger.error("final statement of merchant %s not issued: %s", merchant.pk, exc)
            continue
        MerchantClosure.objects.filter(pk=closure.pk, final_statement__isnull=True).update(
            final_statement=statement
        )
        issued += 1
    return issued
