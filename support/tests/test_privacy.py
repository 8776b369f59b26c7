"""A person's support requests in their data export, and what account deletion does to them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from privacy.export import export_sections
from privacy.selectors import deletion_plan_get
from privacy.services import account_delete
from support.models import Author, SupportMessage, SupportRequest
from support.services import Context, support_request_create, support_request_ops_update

pytestmark = pytest.mark.django_db


def _request(person, *, key, body):
    return support_request_create(
        user=person,
        email="",
        topic="ACCOUNT",
        subject=f"About {person.email}",
        body=body,
        context=Context(page="/me/?email=zoe@example.com", recent_errors=({"page": "/me/", "status": 404},)),
        submission_key=key,
        language="en",
        now=timezone.now(),
    )


def test_the_export_holds_the_persons_requests_and_the_conversation_they_saw(make_user, ops):
    zoe, other = make_user("zoe@example.com"), make_user("max@example.com")
    mine = _request(zoe, key="z", body="My name is Zoe Example.")
    _request(other, key="m", body="Max's words")
    support_request_ops_update(
        support_request=mine,
        actor=ops,
        edit_version=1,
        status="OPEN",
        assigned_to=None,
        reply="Internal: check her device.",
        internal=True,
        now=timezone.now(),
    )
    support_request_ops_update(
        support_request=mine,
        actor=ops,
        edit_version=2,
        status="OPEN",
        assigned_to=None,
        reply="Hello Zoe, done.",
        internal=False,
        now=timezone.now(),
    )
    sections = export_sections(user=zoe)
    assert [r["subject"] for r in sections["support_requests"]] == ["About zoe@example.com"]
    assert [m["message"] for m in sections["support_messages"]] == [
        "My name is Zoe Example.",
        "Hello Zoe, done.",
    ]
    assert "Max's words" not in str(sections) and "check her device" not in str(sections)


def test_deleting_the_account_erases_the_persons_words_and_keeps_ops_answers(make_user, ops):
    zoe = make_user("zoe@example.com")
    mine = _request(zoe, key="z", body="My name is Zoe Example, phone +4917000000.")
    support_request_ops_update(
        support_request=mine,
        actor=ops,
        edit_version=1,
        status="WAITING",
        assigned_to=ops,
        reply="We looked at it.",
        internal=False,
        now=timezone.now(),
    )
    plan = deletion_plan_get(user=zoe, now=timezone.now())
    account_delete(user=zoe, confirmed=plan.fingerprint, now=timezone.now())

    mine.refresh_from_db()
    assert (mine.subject, mine.page, mine.recent_errors, mine.email) == (
        "[erased: account deleted]",
        "",
        [],
        "",
    )
    person_words = SupportMessage.objects.filter(request=mine, author_kind=Author.PERSON)
    assert list(person_words.values_list("body", flat=True)) == ["[erased: account deleted]"]
    assert (
        SupportMessage.objects.filter(request=mine, author_kind=Author.OPS).get().body == "We looked at it."
    )
    assert mine.first_response_at is not None  # the figures ops are measured by stay
    assert not SupportRequest.objects.filter(subject__contains="zoe").exists()
