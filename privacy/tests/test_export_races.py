"""Real threads on PostgreSQL: "Prepare my data" pressed twice at once, or again while the job makes the
ZIP. One export is prepared, and the second press is told it is being prepared. (Tests run the queued
job at once, in the thread that asked, after its commit.)"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, wait

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from privacy import services as privacy_services
from privacy.models import DataExport, ExportStatus

pytestmark = pytest.mark.django_db(transaction=True)

BEING_PREPARED = "Your data is already being prepared: this page shows it when it is ready."


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


def test_pressing_again_while_the_zip_is_made_prepares_no_second_export(zoe, monkeypatch):
    """The job held the person's row while it made the ZIP: the second press waited for it, found the
    export ready and queued another (a second ZIP and e-mail, and one of the three a day spent)."""
    building, finish = threading.Event(), threading.Event()
    make_zip = privacy_services.export_zip

    def slow_zip(**kwargs):
        building.set()
        finish.wait(timeout=30)
        return make_zip(**kwargs)

    monkeypatch.setattr(privacy_services, "export_zip", slow_zip)

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
