"""Real threads on PostgreSQL: "Prepare my data" pressed twice at once, or again while the job makes the
ZIP. One export is prepared, and the second press is told it is being prepared. The account deleted
while the ZIP is made, or after its e-mail was queued: no export is left and no e-mail says it is
ready. "Prepare my data" pressed in another tab while the account is being deleted: refused, no e-mail.
A deletion refused at its last step (a reward arrived meanwhile) leaves the person's exports as they
were. (Tests run the queued job at once, in the thread that asked, after its commit.)"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, wait

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from campaigns.models import ActionType
from core import tasks as core_tasks
from privacy import services as privacy_services
from privacy.models import DataExport, ExportStatus
from privacy.selectors import deletion_plan_get
from privacy.services import DeletionRefused, account_delete
from rewards.services import action_record
from tikjoy.tests.factories import login_rule

pytestmark = pytest.mark.django_db(transaction=True)

BEING_PREPARED = "Your data is already being prepared: this page shows it when it is ready."
BEING_DELETED = "Your account is being deleted, so no data export is prepared."
REWARD_ARRIVED = "A reward arrived while deleting your account. Please confirm again."


def _press(user, start: threading.Barrier | None = None) -> str:
    """The person presses "Prepare my data" in a browser of their own; the page they land on."""
    browser = Client()
    browser.force_login(user)
    try:
        if start is not None:
            start.wait()
        response = browser.post(reverse("privacy:export"), HTTP_ACCEPT_LANGUAGE="en", follow=True)
        return response.content.decode()
    finally:
        connection.close()


@pytest.fixture
def zoe(make_consumer):
    person = make_consumer("Zoe")
    person.email = "zoe@fans.example"
    person.save(update_fields=["email"])
    return person


def test_two_presses_at_once_prepare_one_export(zoe):
    start = threading.Barrier(2, timeout=30)

    with ThreadPoolExecutor(max_workers=2) as pool:
        pages = [f.result(timeout=60) for f in [pool.submit(_press, zoe, start) for _ in range(2)]]

    assert DataExport.objects.filter(user=zoe).count() == 1
    assert sum(BEING_PREPARED in page for page in pages) == 1


def _busy_worker(monkeypatch) -> tuple[list, object]:
    """The task worker busy: the export's build runs at once, every later task (the "ready" e-mail)
    waits in the returned list until the test runs it with the returned function."""
    queued, run_now = [], core_tasks.async_task

    def busy_worker(func, *args, **kwargs):
        if func == "privacy.tasks.data_export_build_task":
            return run_now(func, *args, **kwargs)
        queued.append((func, args, kwargs))
        return None

    monkeypatch.setattr(core_tasks, "async_task", busy_worker)
    return queued, run_now


def _held(monkeypatch, name: str) -> tuple[threading.Event, threading.Event]:
    """privacy.services' ``name`` (a step it calls) made slow: the first event is set once the step
    started, the step goes on once the second is."""
    started, go_on = threading.Event(), threading.Event()
    step = getattr(privacy_services, name)

    def slow(**kwargs):
        started.set()
        go_on.wait(timeout=30)
        return step(**kwargs)

    monkeypatch.setattr(privacy_services, name, slow)
    return started, go_on


def _zip_held(monkeypatch) -> tuple[threading.Event, threading.Event]:
    """The export's ZIP made slowly: the first event is set once it started, it ends once the second is."""
    return _held(monkeypatch, "export_zip")


def test_pressing_again_while_the_zip_is_made_prepares_no_second_export(zoe, monkeypatch):
    """The job held the person's row while it made the ZIP: the second press waited for it, found the
    export ready and queued another (a second ZIP and e-mail, and one of the three a day spent)."""
    building, finish = _zip_held(monkeypatch)

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(_press, zoe)
        assert building.wait(timeout=30)  # the first export's ZIP is being made
        second = pool.submit(_press, zoe)
        answered = wait([second], timeout=10).done  # answered at once, the ZIP still being made
        finish.set()
        first.result(timeout=60)
        page = second.result(timeout=60)

    assert list(DataExport.objects.filter(user=zoe).values_list("status", flat=True)) == [ExportStatus.READY]
    assert BEING_PREPARED in page
    assert answered


def _delete(user) -> str:
    """The person confirms the deletion page as it shows (a browser of their own, another thread):
    "deleted", or why it was refused."""
    try:
        plan = deletion_plan_get(user=user, now=timezone.now())
        account_delete(user=user, confirmed=plan.fingerprint, now=timezone.now())
        return "deleted"
    except DeletionRefused as refused:
        return str(refused)
    finally:
        connection.close()


def _deletion_held(monkeypatch) -> tuple[threading.Event, threading.Event]:
    """The deletion held once under way (at TikTok, after its payout, before its last transaction): the
    first event is set once it got there, it goes on once the second is."""
    return _held(monkeypatch, "tiktok_tokens_revoke")


def _reward_arrives_during_the_deletion(person, monkeypatch, make_merchant, make_campaign) -> None:
    """A brand records the person's sign-in just after the deletion reversed their pending rewards: its
    last step refuses ("a reward arrived")."""
    brand = make_merchant("acme", funds="100.00")
    make_campaign(brand, rules=[login_rule()], now=timezone.now())
    reverse_commissions = privacy_services.commissions_reverse_for_person

    def then_a_sign_in(**kwargs):
        reversed_count = reverse_commissions(**kwargs)
        action_record(user=person, merchant=brand, action_type=ActionType.TIKTOK_LOGIN, now=timezone.now())
        return reversed_count

    monkeypatch.setattr(privacy_services, "commissions_reverse_for_person", then_a_sign_in)


def _ready_mails(outbox) -> list[str]:
    return [m.to[0] for m in outbox if m.subject == "Your TikJoy data export is ready"]


def test_deleting_the_account_while_the_zip_is_made_leaves_no_export_and_says_nothing(
    zoe, monkeypatch, mailoutbox
):
    """The job held the export's row while it made the ZIP: the deletion waited for it, the person was
    e-mailed "your data is ready", then the deletion removed the export the link led to."""
    building, finish = _zip_held(monkeypatch)

    with ThreadPoolExecutor(max_workers=2) as pool:
        pressed = pool.submit(_press, zoe)
        assert building.wait(timeout=30)  # the ZIP is being made
        deleting = pool.submit(_delete, zoe)
        deleted_meanwhile = wait([deleting], timeout=15).done  # not held up by the ZIP
        finish.set()
        pressed.result(timeout=60)
        assert deleting.result(timeout=60) == "deleted"

    assert deleted_meanwhile
    assert User.objects.get(pk=zoe.pk).deleted_at is not None
    assert not DataExport.objects.filter(user_id=zoe.pk).exists()  # no ZIP left behind
    assert _ready_mails(mailoutbox) == []


def test_an_e_mail_queued_before_the_deletion_is_not_sent_after_it(zoe, monkeypatch, mailoutbox):
    """The export was made and its e-mail queued; the worker sent it after the person deleted their
    account: "your data is ready", with a link to an export that no longer existed."""
    queued, run_now = _busy_worker(monkeypatch)  # the build runs; what it queues runs later
    _press(zoe)
    assert DataExport.objects.get(user=zoe).status == ExportStatus.READY and queued

    assert _delete(zoe) == "deleted"
    for func, args, kwargs in queued:  # the worker gets to them
        run_now(func, *args, **kwargs)

    assert _ready_mails(mailoutbox) == []


def test_the_e_mail_is_sent_when_the_worker_gets_to_it_later(zoe, monkeypatch, mailoutbox):
    queued, run_now = _busy_worker(monkeypatch)
    _press(zoe)
    assert _ready_mails(mailoutbox) == []
    for func, args, kwargs in queued:
        run_now(func, *args, **kwargs)

    assert _ready_mails(mailoutbox) == ["zoe@fans.example"]


def test_a_deletion_refused_at_its_last_step_leaves_the_ready_export(
    zoe, monkeypatch, mailoutbox, make_merchant, make_campaign
):
    """The deletion deleted the exports before its last step, which then refused it: the page said
    "confirm again" and the export the person had prepared was gone (its link: a 404)."""
    _press(zoe)
    export = DataExport.objects.get(user=zoe, status=ExportStatus.READY)
    _reward_arrives_during_the_deletion(zoe, monkeypatch, make_merchant, make_campaign)
    browser = Client()
    browser.force_login(zoe)

    page = browser.post(
        reverse("privacy:delete"),
        {"confirmed": deletion_plan_get(user=zoe, now=timezone.now()).fingerprint, "understood": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert REWARD_ARRIVED in page.content.decode()
    assert User.objects.get(pk=zoe.pk).deleted_at is None
    download = browser.get(reverse("privacy:export_download", args=[export.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    # and a new one can be asked for: the deletion is no longer under way
    assert "We are preparing your data" in _press(zoe)


def test_an_export_being_made_while_a_deletion_is_refused_is_kept_and_announced(
    zoe, monkeypatch, mailoutbox, make_merchant, make_campaign
):
    """The deletion deleted the export whose ZIP was being made, then was refused: the ZIP was thrown
    away and the person, told to confirm again, never got the data they asked for."""
    building, finish = _zip_held(monkeypatch)
    _reward_arrives_during_the_deletion(zoe, monkeypatch, make_merchant, make_campaign)

    with ThreadPoolExecutor(max_workers=2) as pool:
        pressed = pool.submit(_press, zoe)
        assert building.wait(timeout=30)  # the ZIP is being made
        refused = pool.submit(_delete, zoe).result(timeout=60)  # not held up by the ZIP
        finish.set()
        pressed.result(timeout=60)

    assert refused == REWARD_ARRIVED
    assert list(DataExport.objects.filter(user=zoe).values_list("status", flat=True)) == [ExportStatus.READY]
    assert _ready_mails(mailoutbox) == ["zoe@fans.example"]


def test_prepare_my_data_in_another_tab_while_the_account_is_deleted_is_refused_and_nothing_announced(
    zoe, monkeypatch, mailoutbox
):
    """The export asked for in another tab during the deletion's seconds was made and its e-mail sent
    ("your data is ready"), then the deletion deleted it: the link led nowhere."""
    erasing, go_on = _deletion_held(monkeypatch)

    with ThreadPoolExecutor(max_workers=2) as pool:
        deleting = pool.submit(_delete, zoe)
        assert erasing.wait(timeout=30)  # the deletion is under way
        page = pool.submit(_press, zoe).result(timeout=60)
        go_on.set()
        assert deleting.result(timeout=60) == "deleted"

    assert BEING_DELETED in page
    assert not DataExport.objects.filter(user_id=zoe.pk).exists()
    assert _ready_mails(mailoutbox) == []


def test_an_e_mail_the_worker_gets_to_while_the_account_is_deleted_is_not_sent(zoe, monkeypatch, mailoutbox):
    """The exports are deleted only in the deletion's last transaction: an e-mail queued before the
    deletion and run during it would announce an export about to go."""
    queued, run_now = _busy_worker(monkeypatch)
    _press(zoe)
    assert DataExport.objects.get(user=zoe).status == ExportStatus.READY and queued
    erasing, go_on = _deletion_held(monkeypatch)

    with ThreadPoolExecutor(max_workers=1) as pool:
        deleting = pool.submit(_delete, zoe)
        assert erasing.wait(timeout=30)  # the deletion is under way, the export still there
        for func, args, kwargs in queued:  # the worker gets to them now
            run_now(func, *args, **kwargs)
        go_on.set()
        assert deleting.result(timeout=60) == "deleted"

    assert _ready_mails(mailoutbox) == []
    assert not DataExport.objects.filter(user_id=zoe.pk).exists()


def test_a_second_deletion_at_once_is_refused(zoe, monkeypatch):
    erasing, go_on = _deletion_held(monkeypatch)

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(_delete, zoe)
        assert erasing.wait(timeout=30)
        second = pool.submit(_delete, zoe).result(timeout=60)
        go_on.set()
        assert first.result(timeout=60) == "deleted"

    assert second.startswith("Your account is already being deleted, in another tab or window.")
    assert User.objects.get(pk=zoe.pk).deleted_at is not None
