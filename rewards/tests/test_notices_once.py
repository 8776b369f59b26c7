"""A consumer notice is sent at most once (#23, tester pass 11): nothing outside is called while the
database is locked, two workers send one message, a refusal is retried, an unanswered send is not."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from werkzeug import Response

from rewards.models import ConsumerNotice, NoticeChannel, NoticeKind, NoticeUncertainty
from rewards.notices import notice_send
from rewards.tests.conftest import NOW
from rewards.tests.test_ops_languages import page_text
from social.tests.test_whatsapp_dropped import DroppingServer
from social.whatsapp import WhatsAppSendError

pytestmark = pytest.mark.django_db(transaction=True)

PARAMS = {"amount": "0.40", "currency": "EUR", "count": 1, "brands": ["Acme"], "brand": "Acme"}
KEY = "available:ben:run-1"


@pytest.fixture
def ben(make_consumer):
    """A person who signs in with WhatsApp and has no e-mail address: told by WhatsApp."""
    ben = make_consumer("Ben")
    ben.phone, ben.phone_verified = "+4915112345678", True
    ben.save(update_fields=["phone", "phone_verified"])
    return ben


def _send(person, *, now=NOW) -> bool:
    try:
        return notice_send(
            user_id=person.pk, kind=NoticeKind.REWARD_AVAILABLE, key=KEY, params=PARAMS, now=now
        )
    finally:
        if threading.current_thread() is not threading.main_thread():
            connection.close()


class FakeGraph:
    """The Cloud API's messages endpoint on a local server, answering each request as told:
    ``"ok"`` (accepted), ``"refuse"`` (a 400 with a Graph error) or ``"late"`` (accepted, after the
    client's timeout). It records what the notice's row looked like from another connection while
    the request was being served: whether it could be locked, and whether it was claimed."""

    def __init__(self, httpserver, settings, answers: list[str]):
        settings.WHATSAPP_API_BASE_URL = httpserver.url_for("/v21.0")
        settings.WHATSAPP_HTTP_TIMEOUT_SECONDS = 1
        self.answers, self.received, self.seen = answers, [], []
        httpserver.expect_request(
            f"/v21.0/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages", method="POST"
        ).respond_with_handler(self.handle)

    def handle(self, request):
        self.received.append(json.loads(request.data))
        self.seen.append(self._row_while_sending())
        answer = self.answers.pop(0) if self.answers else "ok"
        if answer == "refuse":
            error = {"message": "(#131026) Message undeliverable", "code": 131026, "fbtrace_id": "A1"}
            return Response(json.dumps({"error": error}), status=400, content_type="application/json")
        if answer == "late":
            time.sleep(1.5)
        body = {
            "messaging_product": "whatsapp",
            "contacts": [{"wa_id": "1"}],
            "messages": [{"id": "wamid.1"}],
        }
        return Response(json.dumps(body), content_type="application/json")

    def _row_while_sending(self) -> str:
        try:
            with transaction.atomic():
                notice = ConsumerNotice.objects.select_for_update(nowait=True).get(key=KEY)
                return "claimed" if notice.sending_started_at and not notice.sent_at else "not claimed"
        except DatabaseError:
            return "locked"
        finally:
            connection.close()

    @property
    def texts(self) -> list[str]:
        return [m["template"]["components"][0]["parameters"][0]["text"] for m in self.received]


def test_whatsapp_is_called_with_the_notice_claimed_and_committed_but_not_locked(ben, httpserver, settings):
    graph = FakeGraph(httpserver, settings, ["ok"])

    assert _send(ben) is True

    assert graph.seen == ["claimed"]  # the sandbox's own write (make run, SQLite) would not wait
    notice = ConsumerNotice.objects.get()
    assert (notice.channel, notice.sent_at, notice.attempts) == (NoticeChannel.WHATSAPP, NOW, 1)


def test_two_workers_sending_the_same_notice_at_once_send_one_message(ben, httpserver, settings):
    graph = FakeGraph(httpserver, settings, ["late"])  # a slow answer: the second worker comes meanwhile
    settings.WHATSAPP_HTTP_TIMEOUT_SECONDS = 5
    start = threading.Barrier(2, timeout=60)
    results = []

    def worker():
        start.wait()
        results.append(_send(ben))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == [False, True]
    assert (
        graph.texts
        == [
            "Your reward of €0.40 from Acme is now available in your TikJoy wallet. "
            "Your available balance is €0.00; payouts to your bank start at €10.00."  # its reward was never paid here
        ]
    )
    assert ConsumerNotice.objects.get().sent_at == NOW


def test_a_send_whatsapp_never_answered_is_recorded_uncertain_and_not_sent_again(
    ben, httpserver, settings, ops_client
):
    graph = FakeGraph(httpserver, settings, ["late", "ok"])

    first = _send(ben)
    retried = _send(ben, now=NOW + timedelta(minutes=3))  # the worker's retry of the task

    assert (first, retried) == (False, False)
    assert len(graph.received) == 1
    notice = ConsumerNotice.objects.get()
    assert (notice.sent_at, notice.uncertainty) == (None, NoticeUncertainty.UNANSWERED)
    page = page_text(
        ops_client.get(f"/ops/rewards/consumernotice/{notice.pk}/change/", HTTP_ACCEPT_LANGUAGE="de")
    )
    assert (
        "Nicht bekannt, ob er angekommen ist: WhatsApp hat nicht rechtzeitig geantwortet. Er wird nicht "
        "erneut gesendet, damit die Person ihn nicht zweimal erhält."
    ) in page
    listed = page_text(ops_client.get("/ops/rewards/consumernotice/", HTTP_ACCEPT_LANGUAGE="it"))
    assert "Non si sa se sia arrivato: WhatsApp non ha risposto in tempo." in listed


def test_a_whatsapp_connection_dropped_after_the_request_is_uncertain_and_not_sent_again(ben, settings):
    server = DroppingServer()  # Meta's edge closes the connection after reading the message
    settings.WHATSAPP_API_BASE_URL = f"http://127.0.0.1:{server.port}/v21.0"
    try:
        first = _send(ben)
        retried = _send(ben, now=NOW + timedelta(minutes=3))  # the worker's retry of the task
    finally:
        server.close()

    assert (first, retried) == (False, False)
    assert server.requests == 1  # it may have arrived once; it is never sent a second time
    notice = ConsumerNotice.objects.get()
    assert (notice.sent_at, notice.uncertainty) == (None, NoticeUncertainty.UNANSWERED)


def test_a_send_whatsapp_refused_is_tried_again_and_sent_once(ben, httpserver, settings, ops_client):
    graph = FakeGraph(httpserver, settings, ["refuse", "ok"])

    with pytest.raises(WhatsAppSendError):  # the worker records the task failed and tries it again
        _send(ben)
    refused = ConsumerNotice.objects.get()
    listed = page_text(ops_client.get("/ops/rewards/consumernotice/", HTTP_ACCEPT_LANGUAGE="es"))
    retried = _send(ben, now=NOW + timedelta(minutes=3))
    again = _send(ben, now=NOW + timedelta(minutes=6))

    assert (refused.sent_at, refused.sending_started_at, refused.attempts) == (None, None, 1)
    assert "No enviado: rechazado 1 vez; la cola de tareas vuelve a intentar una tarea fallida." in listed
    assert (retried, again) == (True, False)
    assert len(graph.received) == 2
    notice = ConsumerNotice.objects.get()
    assert (notice.sent_at, notice.attempts, notice.uncertainty) == (NOW + timedelta(minutes=3), 2, "")


def _claimed(person, *, at) -> ConsumerNotice:
    return ConsumerNotice.objects.create(
        key=KEY,
        user=person,
        kind=NoticeKind.REWARD_AVAILABLE,
        text="Your reward of €0.40 from Acme is now available",
        channel=NoticeChannel.WHATSAPP,
        created_at=at,
        sending_started_at=at,
        attempts=1,
    )


def test_a_claim_left_by_a_worker_stopped_mid_send_is_recorded_uncertain_not_resent(
    ben, httpserver, settings, ops_client
):
    graph = FakeGraph(httpserver, settings, ["ok"])
    notice = _claimed(ben, at=NOW - timedelta(minutes=5))  # older than a task may run

    assert _send(ben) is False

    assert graph.received == []
    notice.refresh_from_db()
    assert (notice.sent_at, notice.uncertainty) == (None, NoticeUncertainty.INTERRUPTED)
    page = page_text(
        ops_client.get(f"/ops/rewards/consumernotice/{notice.pk}/change/", HTTP_ACCEPT_LANGUAGE="fr")
    )
    assert "On ne sait pas s\u2019il est arrivé\xa0: le worker qui l\u2019envoyait s\u2019est arrêté" in page


def test_a_claim_of_a_worker_still_sending_is_left_to_it(ben, httpserver, settings, ops_client):
    graph = FakeGraph(httpserver, settings, ["ok"])
    now = timezone.now()  # what /ops/ compares the claim with
    notice = _claimed(ben, at=now - timedelta(seconds=30))

    assert _send(ben, now=now) is False

    assert graph.received == []
    notice.refresh_from_db()
    assert (notice.sent_at, notice.uncertainty) == (None, "")
    page = page_text(ops_client.get(f"/ops/rewards/consumernotice/{notice.pk}/change/"))
    assert "Being sent." in page


# --- E-mail: an SMTP server on this machine that refuses, or never answers ---------------------------


@pytest.fixture
def email_person(ben):
    from allauth.account.models import EmailAddress

    ben.email = "ben@example.com"
    ben.save(update_fields=["email"])
    EmailAddress.objects.create(user=ben, email=ben.email, verified=True, primary=True)
    return ben


@pytest.fixture
def smtp(settings):
    """``smtp("silent")``: a server that accepts the connection and never says a word; ``smtp("closed")``:
    a port nothing listens on (the server is down: nothing was handed over)."""
    sockets = []

    def point_at(kind: str) -> None:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        if kind == "silent":
            listener.listen(5)
        sockets.append(listener)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", listener.getsockname()[1]
        settings.EMAIL_TIMEOUT = 0.5
        if kind == "closed":
            listener.close()

    yield point_at
    for listener in sockets:
        listener.close()


def test_an_e_mail_the_server_never_answered_is_recorded_uncertain_and_not_sent_again(
    email_person, smtp, ops_client
):
    smtp("silent")

    first = _send(email_person)
    retried = _send(email_person, now=NOW + timedelta(minutes=3))

    assert (first, retried) == (False, False)
    notice = ConsumerNotice.objects.get()
    assert (notice.channel, notice.uncertainty, notice.attempts) == (
        NoticeChannel.EMAIL,
        NoticeUncertainty.UNANSWERED,
        1,
    )
    listed = page_text(ops_client.get("/ops/rewards/consumernotice/?uncertainty=UNANSWERED"))
    assert "Not known whether it arrived: the e-mail server did not answer in time." in listed


def test_an_e_mail_whose_server_was_down_is_sent_by_the_retry(email_person, smtp, settings):
    smtp("closed")
    with pytest.raises(OSError):
        _send(email_person)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back

    assert _send(email_person, now=NOW + timedelta(minutes=3)) is True

    assert [m.subject for m in mail.outbox] == ["[TikJoy] Your reward is now available"]
    notice = ConsumerNotice.objects.get()
    assert (notice.sent_at, notice.attempts) == (NOW + timedelta(minutes=3), 2)


# --- make run: the sandbox's WhatsApp on SQLite, served by the same process's database --------------

_SQLITE_SANDBOX = r"""
import threading

import django

django.setup()
from django.conf import settings
from django.core.management import call_command


class _NoMigrations(dict):  # the tables straight from the models: seconds, where migrating takes minutes
    def __contains__(self, app):
        return True

    def __getitem__(self, app):
        return None


settings.MIGRATION_MODULES = _NoMigrations()
call_command("migrate", run_syncdb=True, verbosity=0)

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet)
server.set_app(get_wsgi_application())
threading.Thread(target=server.serve_forever, daemon=True).start()
settings.WHATSAPP_API_BASE_URL = f"http://127.0.0.1:{server.server_port}/sandbox/whatsapp/v21.0"

from accounts.models import User
from rewards.models import ConsumerNotice
from rewards.notices import notice_send
from sandbox.models import SandboxWhatsAppMessage

ben = User.objects.create_user(email=None, display_name="Ben", phone="+4915112345678", phone_verified=True)
params = {"amount": "0.40", "currency": "EUR", "count": 1, "brands": ["Acme"], "brand": "Acme"}
sent = [notice_send(user_id=ben.pk, kind="REWARD_AVAILABLE", key="k", params=params) for _ in range(2)]
notice = ConsumerNotice.objects.get()
print("sent", sent, "inbox", SandboxWhatsAppMessage.objects.count(), "recorded", notice.sent_at is not None)
"""


def test_the_sandboxs_whatsapp_on_sqlite_takes_the_notice_at_once_and_it_is_sent_once(tmp_path):
    """``make run``: SQLite, and the sandbox's WhatsApp writes its inbox in the same database while
    the worker waits for its answer. A lock held across the call made it wait, time out (a 500
    'database is locked'), and the task resend it."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tikjoy.settings",
        "DJANGO_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "WHATSAPP_HTTP_TIMEOUT_SECONDS": "3",
    }

    result = subprocess.run(  # noqa: S603 - a fresh interpreter: its own settings and database
        [sys.executable, "-c", _SQLITE_SANDBOX],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert "sent [True, False] inbox 1 recorded True" in result.stdout
    assert "database is locked" not in result.stderr
