"""Actions the merchant's own systems report (a purchase, a sign-up in their shop), paid by the engine.

Who may be rewarded: only a person who joined the brand (an active consent with this merchant:
the merchant knows them by its own id for them, ``con_...`` (``merchants.consumer_ids``), from
``GET /api/v1/consumers`` or the ``consumer.joined`` webhook), never a member of the merchant's own team (a merchant can't pay itself), never a banned
account (the engine). What is paid: the live campaign's rule for the action, decided and paid by
the engine's one path (``rewards.services.action_record`` → ``decide()``, the same locks, caps,
budget and hold). Each event id of the merchant's counts once, whatever the Idempotency-Key.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from django.db import connection
from django.utils.translation import gettext

from accounts.models import User
from campaigns.models import REPORTED_ACTIONS, ActionType
from core.db import bound_cursor, model_columns, model_rows
from core.errors import DomainError
from merchants.models import Consent, Membership, Merchant
from rewards.models import RewardKind, SocialAction
from rewards.services import _action_record

EVENT_ID_MAX = 100
REPORT_WINDOW = timedelta(days=30)  # an action older than this is not reported any more
CLOCK_SKEW = timedelta(minutes=5)


class ReportedActionError(DomainError):
    """The reported action can't be recorded as asked."""

    code = "action_rejected"


class ConsumerNotJoined(ReportedActionError):
    code = "consumer_not_joined"


class ConsumerNotEligible(ReportedActionError):
    code = "consumer_not_eligible"


class EventIdReused(ReportedActionError):
    code = "event_id_reused"


def reported_action_record(
    *,
    merchant: Merchant,
    consumer_id: int | None,
    action_type: str,
    event_id: str,
    occurred_at: datetime | None,
    now: datetime,
) -> tuple[SocialAction, bool]:
    """Record a reported action (and pay it when a live campaign rewards it); ``(action, created)``.

    The same event id again, for the same person and action, returns the first record
    (``created`` False) and pays nothing more; for anything else it is refused. A new record carries
    ``paid_reward_id``: the id of the reward it earned now (None: nothing paid).
    """
    if action_type not in REPORTED_ACTIONS:
        known = ", ".join(REPORTED_ACTIONS)
        raise ReportedActionError(
            gettext("%(action)s is not an action a merchant reports (these are: %(known)s).")
            % {"action": action_type, "known": known}
        )
    event_id = event_id.strip()
    if not 0 < len(event_id) <= EVENT_ID_MAX or not event_id.isprintable():
        raise ReportedActionError(
            gettext("event_id is 1 to %(max)s printable characters.") % {"max": EVENT_ID_MAX}
        )
    occurred_at = occurred_at or now
    if occurred_at > now + CLOCK_SKEW:
        raise ReportedActionError(gettext("occurred_at is in the future."))
    if occurred_at < now - REPORT_WINDOW:
        raise ReportedActionError(
            gettext("Actions older than %(days)s days can't be reported.") % {"days": REPORT_WINDOW.days}
        )

    user, joined, member = _person(consumer_id=consumer_id, merchant_id=merchant.pk)
    if (
        user is None or not joined
    ):  # the same answer for a stranger and for nobody: the API tells no one who exists
        raise ConsumerNotJoined(
            gettext(
                "This consumer has not joined %(brand)s: only people who joined the brand (and still share "
                "their data with it) can be rewarded."
            )
            % {"brand": merchant.brand_name}
        )
    if member:
        raise ConsumerNotEligible(gettext("A member of the brand's own team can't be rewarded by the brand."))

    # The same event id again: the engine's insert is refused by the action's unique key and it
    # returns the first record, paying nothing (no read beforehand: the new event is the usual case).
    action, new, paid = _action_record(
        user=user,
        merchant=merchant,
        action_type=ActionType(action_type),
        event_id=event_id,
        occurred_at=occurred_at,
        now=now,
    )
    if new:  # what the engine just paid, for the answer (no read of it again)
        action.paid_reward_id = next((r.pk for r in paid if r.kind == RewardKind.ACTION), None)
    created = action.created_at == now
    if (action.user_id, action.action_type) != (user.pk, action_type):
        raise EventIdReused(
            gettext("event_id %(event_id)s was already reported for another consumer or action (%(action)s).")
            % {"event_id": event_id, "action": action.action_type}
        )
    return action, created


@cache
def _person_sql() -> str:
    """The person's row, whether they joined the merchant (an active consent: ``Consent.objects.active()``)
    and whether they are on its team, in one fixed statement.

    Written here rather than by the ORM: compiling the ORM's query with its two ``Exists`` was about
    1.1 ms of CPU of every reported action, several times what sending and reading it cost; and read
    by a plain cursor into the model (``core.db.model_rows``: the fields' converters applied, as a
    queryset does) rather than ``raw()``, whose machinery was 700 Python calls (docs/benchmarks.md,
    "Public API")."""
    q = connection.ops.quote_name
    # names from the models' metadata; the values are parameters
    return (
        f"SELECT {model_columns(User, 'u')}, "  # noqa: S608
        f"EXISTS (SELECT 1 FROM {q(Consent._meta.db_table)} c "
        "WHERE c.user_id = u.id AND c.merchant_id = %s AND c.withdrawn_at IS NULL) AS joined_merchant, "
        f"EXISTS (SELECT 1 FROM {q(Membership._meta.db_table)} m "
        "WHERE m.merchant_id = %s AND m.user_id = u.id) AS in_merchant_team "
        f"FROM {q(User._meta.db_table)} u WHERE u.id = %s"
    )


def _person(*, consumer_id: int | None, merchant_id: int) -> tuple[User | None, bool, bool]:
    """(the person or None, joined the merchant, on the merchant's team); nobody for no id."""
    if consumer_id is None:
        return None, False, False
    with bound_cursor() as cursor:
        cursor.execute(_person_sql(), [merchant_id, merchant_id, consumer_id])
        row = cursor.fetchone()
    if row is None:
        return None, False, False
    (user,) = model_rows(row, User)
    return user, bool(row[-2]), bool(row[-1])
