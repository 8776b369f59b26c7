"""Two clicks at once (real threads on PostgreSQL): one request, one message."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from support.models import SupportMessage, SupportRequest
from support.services import Context, support_request_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_form_sent_twice_at_once_makes_one_request(make_user):
    person = make_user("ana@example.com")
    barrier = threading.Barrier(4, timeout=60)
    results, errors = [], []

    def send():
        try:
            barrier.wait()
            results.append(
                support_request_create(
                    user=person,
                    email="",
                    topic="OTHER",
                    subject="Twice",
                    body="Clicked twice",
                    context=Context(),
                    submission_key="same-form",
                    language="en",
                    now=timezone.now(),
                ).pk
            )
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(results)) == 1
    assert SupportRequest.objects.count() == 1
    assert SupportMessage.objects.count() == 1
