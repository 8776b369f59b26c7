"""The sandbox pages speak the reader's language: the WhatsApp inbox's messages, the studio's form."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse

from sandbox.models import SandboxWhatsAppMessage

pytestmark = pytest.mark.django_db

NUMBER = "+4915112349876"


class _Answers200(BaseHTTPRequestHandler):
    """TikJoy's webhook, as far as the inbox can tell: it takes the POST and answers 200."""

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook(settings):
    server = HTTPServer(("127.0.0.1", 0), _Answers200)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.WHATSAPP_SANDBOX_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/"
    yield
    server.shutdown()
    server.server_close()


def _inbox_post(client, data):
    return client.post(
        reverse("sandbox:whatsapp_inbox"), data, HTTP_ACCEPT_LANGUAGE="de", follow=True
    ).content.decode()


def test_a_reply_and_a_status_are_confirmed_in_german(client, webhook):
    SandboxWhatsAppMessage.objects.create(
        to=NUMBER, message_id="wamid.out1", template_name="", text="Hallo von TikJoy", payload={}
    )

    replied = _inbox_post(client, {"action": "reply", "to": NUMBER, "text": "Danke!"})
    marked = _inbox_post(client, {"action": "status", "message_id": "wamid.out1", "status": "delivered"})

    assert "Als +49 1511 2349876 an TikJoy gesendet." in replied  # grouped as people read it
    assert "Sent to TikJoy" not in replied
    assert "TikJoy wurde mitgeteilt: Die Nachricht ist zugestellt." in marked
    assert "· zugestellt" in marked
    assert "Als gelesen markieren" in marked and "Mark read" not in marked


def test_a_webhook_that_does_not_answer_and_a_bad_reply_are_said_in_german(client, settings):
    settings.WHATSAPP_SANDBOX_WEBHOOK_URL = "http://127.0.0.1:9/"  # nothing listens there

    unanswered = _inbox_post(client, {"action": "reply", "to": NUMBER, "text": "Hallo"})
    bad = _inbox_post(client, {"action": "reply", "to": "0151", "text": "Hallo"})
    unknown = _inbox_post(client, {"action": "status", "message_id": "wamid.none", "status": "read"})

    assert "Der Webhook von TikJoy hat nicht geantwortet." in unanswered
    assert "Schreib eine Antwort (bis zu 1.000 Zeichen) von einer Nummer im E.164-Format." in bad
    assert "TikJoy hat keine solche Nachricht gesendet." in unknown


def test_the_studio_form_is_labelled_in_french(client):
    page = client.get(reverse("sandbox:tiktok_studio"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert '<label for="id_persona">Utilisateur TikTok fictif\u00a0:</label>' in page
    assert '<label for="id_caption">Légende\u00a0:</label>' in page
    assert "Persona" not in page and "Caption" not in page


def test_the_inbox_groups_numbers_as_people_read_them_and_its_codes_read_as_cards(client):
    SandboxWhatsAppMessage.objects.create(
        to="+4915112345678",
        message_id="wamid.code1",
        template_name="tikjoy_login_code",
        code="123456",
        payload={"template": {"language": {"code": "de"}}},
    )
    SandboxWhatsAppMessage.objects.create(
        to="+4915112345678", message_id="wamid.out2", template_name="", text="Hallo von TikJoy", payload={}
    )

    page = client.get(reverse("sandbox:whatsapp_inbox"), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert '<table class="table-stack">' in page  # a card per code on a phone, nothing scrolls sideways
    assert '<td data-label="An">+49 1511 2345678</td>' in page
    assert "<h3>+49 1511 2345678</h3>" in page
    assert "Als +49 1511 2345678 antworten" in page
    assert '<input type="hidden" name="to" value="+4915112345678">' in page  # sent to TikJoy as stored
    assert ">+4915112345678<" not in page
