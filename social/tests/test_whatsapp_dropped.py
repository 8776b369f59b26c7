"""A WhatsApp send whose connection drops after the request went out may have been delivered (Meta
sends and bills it): it is "unknown", never "refused", so nobody sends it a second time. A
connection that was never made is a plain refusal, safe to try again."""

from __future__ import annotations

import socket
import threading

import pytest

from social.whatsapp import WhatsAppSendError, WhatsAppSendUnknown, whatsapp_update_send


class DroppingServer:
    """A TCP server on 127.0.0.1 that reads each whole HTTP request, counts it, and closes the
    connection without a byte of answer (Meta's edge dropping it after accepting the message)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                while len(body) < length:
                    body += conn.recv(65536)
                self.requests += 1

    def close(self):
        self.sock.close()


@pytest.fixture
def dropping(settings):
    server = DroppingServer()
    settings.WHATSAPP_API_BASE_URL = f"http://127.0.0.1:{server.port}/v21.0"
    yield server
    server.close()


def test_a_connection_dropped_after_the_request_went_out_is_an_unknown_outcome(dropping):
    with pytest.raises(WhatsAppSendUnknown):
        whatsapp_update_send(to="+4915112345678", text="Your reward is available.", language="en")

    assert dropping.requests == 1  # it reached the server: Meta may have sent it


def test_a_connection_never_made_is_a_refusal_that_may_be_tried_again(settings):
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.WHATSAPP_API_BASE_URL = f"http://127.0.0.1:{port}/v21.0"

    with pytest.raises(WhatsAppSendError) as refused:
        whatsapp_update_send(to="+4915112345678", text="Your reward is available.", language="en")

    assert not isinstance(refused.value, WhatsAppSendUnknown)
