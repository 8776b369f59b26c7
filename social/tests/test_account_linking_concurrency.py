"""Two accounts proving the same WhatsApp number at the same instant (PostgreSQL, real threads):
one gets it, the other is told it belongs to another account; never a 500, never both."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from social.services import (
    WHATSAPP_CONNECT_SESSION_KEY,
    WHATSAPP_NUMBER_OF_ANOTHER_ACCOUNT,
    PhoneConnectRefused,
    _code_digest,
    whatsapp_connect_confirm,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "+491701234567"


class _Request:
    """What the service reads of a request: the session holding the pending code."""

    def __init__(self, user: User, code: str):
        self.session = {
            WHATSAPP_CONNECT_SESSION_KEY: {
                "user": user.pk,
                "phone": PHONE,
                "digest": _code_digest(user_id=user.pk, phone=PHONE, code=code),
                "at": timezone.now().timestamp(),
                "failed": 0,
            }
        }


def test_two_accounts_confirming_the_same_number_at_once_end_with_one_owner():
    users = [User.objects.create_user(display_name=name) for name in ("Ana", "Ben")]
    outcomes: list[str] = []
    barrier = threading.Barrier(len(users), timeout=60)

    def confirm(user: User) -> None:
        try:
            request = _Request(user, "123456")
            barrier.wait()
            whatsapp_connect_confirm(request=request, user=user, code="123456", now=timezone.now())
            outcomes.append("connected")
        except PhoneConnectRefused as exc:
            outcomes.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == sorted(["connected", WHATSAPP_NUMBER_OF_ANOTHER_ACCOUNT])
    assert User.objects.filter(phone=PHONE, phone_verified=True).count() == 1
