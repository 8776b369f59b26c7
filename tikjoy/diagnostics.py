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
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ, Schedule, Task

from rewards.reconciliation import rewards_report
from wallets.selectors import ledger_report

FAILURES_WINDOW = timedelta(hours=24)


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
    name: str
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
    summary = f"{report.accounts} accounts, {report.transactions} transactions, {report.entries} entries"
    return summary, [f"[{v.invariant}] {v.detail}" for v in report.violations]


def _rewards() -> tuple[str, list[str]]:
    report = rewards_report()
    return f"{report.rewards} rewards checked", list(report.violations)


def checks_run() -> list[CheckResult]:
    """Run both invariant checks, each timed."""
    return [
        _timed("Ledger", "manage.py ledger_check", _ledger),
        _timed("Rewards against the ledger", "manage.py rewards_check", _rewards),
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
        report.error = f"The queue's broker did not answer: {exc.__class__.__name__}"
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
                func=schedule.func,
                next_run=schedule.next_run,
                last_run=last.stopped if last else None,
                last_succeeded=last.success if last else None,
                last_success=last_success.get(group),
            )
        )
    return report
