"""A reward notice whose WhatsApp send got no answer is of unknown fate (it is not sent again); the
status webhook Meta posts for it later, carrying our reference, settles it as sent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chats.tests.conftest import meta_post
from rewards.models import ConsumerNotice, NoticeUncertainty
from rewards.tests import test_notices_once
from rewards.tests.conftest import NOW
from rewards.tests.test_notices_once import FakeGraph, _send
from rewards.tests.test_ops_languages import page_text
from tikjoy.tests.factories import chat_status_payload

pytestmark = pytest.mark.django_db(transaction=True)

ben = test_notices_once.ben  # a person who signs in with WhatsApp and has no e-mail address


def test_a_late_delivered_status_records_an_unanswered_notice_as_sent(
    ben, httpserver, settings, client, ops_client
):
    graph = FakeGraph(httpserver, settings, ["late"])
    assert _send(ben) is False
    notice = ConsumerNotice.objects.get()
    assert notice.uncertainty == NoticeUncertainty.UNANSWERED
    reference = graph.received[0]["biz_opaque_callback_data"]
    assert reference == f"tikjoy-notice:{notice.pk}"

    response = meta_post(
        client,
        chat_status_payload(
            phone=ben.phone,
            wamid="wamid.NOTICE",
            status="delivered",
            at=NOW + timedelta(seconds=4),
            callback_data=reference,
        ),
    )

    assert response.status_code == 200
    notice.refresh_from_db()
    assert (notice.sent_at, notice.uncertainty) == (NOW + timedelta(seconds=4), "")
    page = page_text(
        ops_client.get(f"/ops/rewards/consumernotice/{notice.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    )
    assert "Not known whether it arrived" not in page
    assert _send(ben, now=NOW + timedelta(minutes=3)) is False  # and still never sent twice
    assert len(graph.received) == 1


def test_a_failed_status_leaves_an_unanswered_notice_unsent_and_not_sent_again(
    ben, httpserver, settings, client
):
    graph = FakeGraph(httpserver, settings, ["late"])
    _send(ben)
    notice = ConsumerNotice.objects.get()

    meta_post(
        client,
        chat_status_payload(
            phone=ben.phone,
            wamid="wamid.NOTICE",
            status="failed",
            at=NOW + timedelta(seconds=4),
            callback_data=graph.received[0]["biz_opaque_callback_data"],
        ),
    )

    notice.refresh_from_db()
    assert (notice.sent_at, notice.uncertainty) == (None, NoticeUncertainty.UNANSWERED)
    assert _send(ben, now=NOW + timedelta(minutes=3)) is False
    assert len(graph.received) == 1
