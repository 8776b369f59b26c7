"""The task queue's ops lists name our schedules as the diagnostics page does (issue #23)."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Schedule, Task
from django_q.signing import SignedPackage

pytestmark = pytest.mark.django_db

STORED = "promote: deliver, complete and settle orders"
GERMAN = "Promote: Bestellungen ausliefern, abschließen und abrechnen"


def page_text(client, path: str, language: str = "de") -> str:
    return html.unescape(client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode())


def a_run(*, success: bool, group: str = STORED) -> Task:
    moment = timezone.now() - timedelta(hours=1)
    return Task.objects.create(
        id=f"t-{success}",
        name="delta-kansas-carolina",
        func="promote.tasks.orders_due",
        group=group,
        started=moment,
        stopped=moment,
        success=success,
    )


def test_the_schedules_list_names_them_in_the_readers_language(ops_client):
    Schedule.objects.update_or_create(name=STORED, defaults={"func": "promote.tasks.orders_due"})
    Schedule.objects.update_or_create(name="rewards: pay engagement", defaults={"func": "x.y"})
    Schedule.objects.create(name="by hand", func="x.y")

    page = page_text(ops_client, "/ops/django_q/schedule/")

    assert GERMAN in page
    assert "Prämien: Interaktionen vergüten" in page
    assert "by hand" in page  # one added in /ops/ is shown as stored
    assert STORED not in page
    assert Schedule.objects.get(func="promote.tasks.orders_due").name == STORED  # kept as stored


def test_the_schedules_list_still_sorts_and_searches_by_the_stored_name(ops_client):
    Schedule.objects.update_or_create(name=STORED, defaults={"func": "promote.tasks.orders_due"})
    Schedule.objects.update_or_create(name="rewards: pay engagement", defaults={"func": "x.y"})

    found = page_text(ops_client, "/ops/django_q/schedule/?q=settle+orders&o=2")

    assert GERMAN in found
    assert "Prämien: Interaktionen vergüten" not in found


@pytest.mark.parametrize(("success", "path"), [(True, "success"), (False, "failure")])
def test_the_runs_lists_name_their_schedule_and_filter_in_the_readers_language(ops_client, success, path):
    a_run(success=success)

    page = page_text(ops_client, f"/ops/django_q/{path}/")
    filtered = page_text(ops_client, f"/ops/django_q/{path}/?group={STORED}")

    assert page.count(GERMAN) == 2  # the run's group column and the filter "By group"
    assert STORED not in page
    assert "delta-kansas-carolina" in filtered


def test_the_runs_list_filter_keeps_to_the_chosen_schedule(ops_client):
    a_run(success=True)
    Task.objects.create(
        id="other",
        name="pip-twelve-fix",
        func="x.y",
        group="rewards: pay engagement",
        started=timezone.now(),
        stopped=timezone.now(),
        success=True,
    )

    filtered = page_text(ops_client, "/ops/django_q/success/?group=rewards%3A+pay+engagement")

    assert "pip-twelve-fix" in filtered
    assert "delta-kansas-carolina" not in filtered


def test_the_queue_names_a_waiting_tasks_schedule_in_the_readers_language(ops_client):
    get_broker().enqueue(
        SignedPackage.dumps(
            {"id": "t1", "name": "waiting", "func": "x.y", "group": STORED, "started": timezone.now()}
        )
    )

    page = page_text(ops_client, "/ops/django_q/ormq/", language="fr").replace("\xa0", " ")

    assert "promote : livrer, terminer et régler les commandes" in page
    assert STORED not in page
