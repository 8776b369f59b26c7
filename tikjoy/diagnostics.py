"""What the /ops/ diagnostics page shows: the ledger and rewards checks, and the task queue's health.

The checks are the functions behind ``manage.py ledger_check`` and ``manage.py
rewards_check`` (``wallets.selectors.ledger_report``, ``rewards.reconciliation.rewards_report``),
run in the request; the queue's figures come from django-q2's own tables.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Max
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ, Schedule, Task

from rewards.reconciliation import rewards_report
from wallets.formats import number_text
from wallets.selectors import ledger_report

FAILURES_WINDOW = timedelta(hours=24)

# The schedules' names as the migrations store them in django-q2's Schedule.name (and as the group
# of their tasks, which is how the page finds their runs): kept in English in the database, shown
# in the reader's language. A name not listed here (one added by hand in /ops/) is shown as stored.
SCHEDULE_LABELS = {
    "affiliates: lock, approve and mark paid due commissions": _(
        "affiliates: lock, approve and mark paid due commissions"
    ),
    "api: prune idempotency keys and rate windows": _("api: prune idempotency keys and rate windows"),
    "billing: invoice Promote coin purchases": _("billing: invoice Promote coin purchases"),
    "billing: issue each merchant's month once it has ended in its time zone": _(
        "billing: issue each merchant's month once it has ended in its time zone"
    ),
    "campaigns: end campaigns past their end date": _("campaigns: end campaigns past their end date"),
    "chats: fail and refund messages WhatsApp never confirmed": _(
        "chats: fail and refund messages WhatsApp never confirmed"
    ),
    "privacy: final statements of closed merchants": _("privacy: final statements of closed merchants"),
    "privacy: purge personal data past its retention": _("privacy: purge personal data past its retention"),
    "promote: deliver, complete and settle orders": _("promote: deliver, complete and settle orders"),
    "rewards: confirm or reverse due rewards": _("rewards: confirm or reverse due rewards"),
    "rewards: discover and reward shares": _("rewards: discover and reward shares"),
    "rewards: make available early (JoyFast)": _("rewards: make available early (JoyFast)"),
    "rewards: pay engagement": _("rewards: pay engagement"),
    "social: refresh TikTok tokens": _("social: refresh TikTok tokens"),
    "social: sync TikTok engagement": _("social: sync TikTok engagement"),
    "subscriptions: renew or end due subscriptions": _("subscriptions: renew or end due subscriptions"),
    "webhooks: retry due deliveries": _("webhooks: retry due deliveries"),
}


def schedule_label(name: str) -> str:
    """A schedule's name in the reader's language (as stored when it is not one of ours)."""
    return str(SCHEDULE_LABELS.get(name, name))


@dataclass(frozen=True)
class CheckResult:
    name: str
    command: str  # the management command that runs the same check
    summary: str
    violations: list[str]
    seconds: float

    @property
    def clean(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class ScheduleState:
    name: str  # as stored: the group of its tasks
    label: str  # what the page shows: the name in the reader's language
    func: str
    next_run: datetime | None
    last_run: datetime | None  # when the last run finished, successful or not
    last_succeeded: bool | None
    last_success: datetime | None


@dataclass(frozen=True)
class Failure:
    name: str
    func: str
    stopped: datetime
    result: str


@dataclass
class QueueReport:
    broker: str
    queued: int | None  # waiting to be picked up
    in_progress: int | None  # picked up by a worker, not finished (ORM broker only)
    oldest_queued_at: datetime | None  # when the oldest waiting task was queued (ORM broker only)
    failures: list[Failure] = field(default_factory=list)
    failures_total: int = 0
    schedules: list[ScheduleState] = field(default_factory=list)
    error: str = ""


def _timed(name: str, command: str, run) -> CheckResult:
    started = time.perf_counter()
    summary, violations = run()
    return CheckResult(name, command, summary, violations, round(time.perf_counter() - started, 3))


def _ledger() -> tuple[str, list[str]]:
    report = ledger_report()
    # Each count as the reader's language writes numbers (*1.234 conti*).
    summary = ", ".join(
        (
            ngettext("%(count)s account", "%(count)s accounts", report.accounts)
            % {"count": number_text(report.accounts)},
            ngettext("%(count)s transaction", "%(count)s transactions", report.transactions)
            % {"count": number_text(report.transactions)},
            ngettext("%(count)s entry", "%(count)s entries", report.entries)
            % {"count": number_text(report.entries)},
        )
    )
    return summary, [f"[{v.invariant}] {v.detail}" for v in report.violations]


def _rewards() -> tuple[str, list[str]]:
    report = rewards_report()
    summary = ngettext("%(count)s reward checked", "%(count)s rewards checked", report.rewards) % {
        "count": number_text(report.rewards)
    }
    return summary, list(report.violations)


def checks_run() -> list[CheckResult]:
    """Run both invariant checks, each timed (names and figures in the active language)."""
    return [
        _timed(gettext("Ledger"), "manage.py ledger_check", _ledger),
        _timed(gettext("Rewards against the ledger"), "manage.py rewards_check", _rewards),
    ]


def _queued_at(row: OrmQ) -> datetime | None:
    started = row.task.get("started")  # set by django-q2 when the task is queued
    return started if isinstance(started, datetime) else None


def queue_report(*, now: datetime, failures_shown: int = 20) -> QueueReport:
    """Queue health: tasks waiting, failures in the last 24 hours, each schedule's last runs."""
    since = now - FAILURES_WINDOW
    failed = Task.objects.filter(success=False, stopped__gte=since)
    report = QueueReport(
        broker=f"ORM ({Conf.ORM})" if Conf.ORM else "Redis",
        queued=None,
        in_progress=None,
        oldest_queued_at=None,
        failures_total=failed.count(),
        failures=[
            Failure(t.name, str(t.func), t.stopped, str(t.result)[:300])
            for t in failed.order_by("-stopped")[:failures_shown]
        ],
    )
    try:
        broker = get_broker()
        report.queued = broker.queue_size()
        if Conf.ORM:
            report.in_progress = broker.lock_size()
            oldest = (
                OrmQ.objects.using(Conf.ORM).filter(key=broker.list_key, lock__lte=now).order_by("pk").first()
            )
            report.oldest_queued_at = _queued_at(oldest) if oldest is not None else None
    except Exception as exc:  # the page must show the broker is down, not fail with it
        report.error = gettext("The queue's broker did not answer: %(error)s") % {
            "error": exc.__class__.__name__
        }
    schedules = list(Schedule.objects.order_by("name", "pk"))
    groups = [s.name or str(s.pk) for s in schedules]  # django-q2 runs a schedule's tasks in this group
    last_success = dict(
        Task.objects.filter(group__in=groups, success=True).values_list("group").annotate(m=Max("stopped"))
    )
    last_tasks = Task.objects.in_bulk([s.task for s in schedules if s.task])
    for schedule, group in zip(schedules, groups, strict=True):
        last = last_tasks.get(schedule.task) if schedule.task else None
        report.schedules.append(
            ScheduleState(
                name=group,
                label=schedule_label(group),
                func=schedule.func,
                next_run=schedule.next_run,
                last_run=last.stopped if last else None,
                last_succeeded=last.success if last else None,
                last_success=last_success.get(group),
            )
        )
    return report
