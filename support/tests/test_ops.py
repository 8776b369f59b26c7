"""Ops answer in /ops/: the conversation, statuses, assignment, internal notes, first-response time."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from support.models import RequestStatus, SupportRequest
from support.services import Context, support_reply_by_person, support_request_create
from tikjoy.tests.factories import response_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(ops):
    """Staff who may answer (the permission support.change_supportrequest, here as a superuser)."""
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    return ops


@pytest.fixture
def opened(make_user):
    def make(person=None, *, subject="My payout", created=None, key="k1"):
        person = person or make_user("ana@example.com")
        return support_request_create(
            user=person,
            email="",
            topic="PAYOUTS",
            subject=subject,
            body="Where is my money?",
            context=Context(page="/wallet/payouts/"),
            submission_key=key,
            language="en",
            now=created or timezone.now(),
        )

    return make


def _change(client, support_request, **fields):
    url = reverse("admin:support_supportrequest_change", args=[support_request.pk])
    data = {
        "status": support_request.status,
        "assigned_to": "",
        "reply": "",
        "edit_version": support_request.edit_version,
        "_save": "Save",
    }
    data.update(fields)
    return client.post(url, data)


def test_ops_answer_and_the_person_is_told_and_sees_it(
    client, ops, opened, django_capture_on_commit_callbacks
):
    support_request = opened()
    client.force_login(ops)
    page = client.get(reverse("admin:support_supportrequest_change", args=[support_request.pk]))
    assert "Where is my money?" in response_text(page)
    assert "/wallet/payouts/" in response_text(page)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _change(client, support_request, reply="It left on Monday.", assigned_to=str(ops.pk))
    assert response.status_code == 302
    support_request.refresh_from_db()
    assert support_request.status == RequestStatus.WAITING
    assert support_request.assigned_to == ops
    assert support_request.first_response_at is not None
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert "It left on Monday." in mail.outbox[0].body
    assert f"/support/requests/{support_request.pk}/" in mail.outbox[0].body

    client.force_login(support_request.user)
    thread = response_text(client.get(reverse("support:request", args=[support_request.pk])))
    assert "It left on Monday." in thread
    assert "Answered: waiting for you" in thread


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def test_ops_are_told_the_answer_went_by_e_mail_to_the_persons_address(
    client, ops, opened, django_capture_on_commit_callbacks
):
    support_request = opened()
    client.force_login(ops)
    url = reverse("admin:support_supportrequest_change", args=[support_request.pk])

    page = response_text(client.get(url))
    with django_capture_on_commit_callbacks(execute=True):
        response = _change(client, support_request, reply="It left on Monday.")

    assert "Sent to the person by e-mail (ana@example.com)" in page
    assert "Answer sent by e-mail to ana@example.com and shown on the person's request page." in _messages(
        response
    )
    assert [m.to for m in mail.outbox if "It left on Monday." in m.body] == [["ana@example.com"]]


def test_an_answer_to_a_person_without_e_mail_says_it_is_only_on_their_request_page(
    client, ops, opened, make_consumer, django_capture_on_commit_callbacks
):
    support_request = opened(make_consumer("Wanda"))  # signed in with WhatsApp: no e-mail address
    client.force_login(ops)
    url = reverse("admin:support_supportrequest_change", args=[support_request.pk])

    page = response_text(client.get(url))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _change(client, support_request, reply="It left on Monday.")

    assert "by e-mail" not in page
    assert "The person has no e-mail address: an answer is only shown on their request page" in page
    assert mail.outbox == []
    told = _messages(response)
    assert any("Answer shown on the person's request page. They have no e-mail address" in m for m in told)
    assert not any("e-mail to" in m for m in told)
    client.force_login(support_request.user)
    assert "It left on Monday." in response_text(
        client.get(reverse("support:request", args=[support_request.pk]))
    )


def test_an_internal_note_is_never_shown_or_sent_to_the_person(
    client, ops, opened, django_capture_on_commit_callbacks
):
    support_request = opened()
    client.force_login(ops)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _change(client, support_request, reply="Looks like a returned payout.", internal="on")
    assert response.status_code == 302
    support_request.refresh_from_db()
    assert support_request.first_response_at is None
    assert support_request.status == RequestStatus.OPEN
    assert mail.outbox == []
    client.force_login(support_request.user)
    assert "returned payout" not in response_text(
        client.get(reverse("support:request", args=[support_request.pk]))
    )


def test_a_stale_ops_tab_is_refused_when_the_person_wrote_since(client, ops, opened):
    support_request = opened()
    stale_version = support_request.edit_version
    support_reply_by_person(
        support_request=support_request,
        user=support_request.user,
        body="Also: it was 12 EUR.",
        submission_key="r1",
        now=timezone.now(),
    )
    client.force_login(ops)
    response = _change(
        client, support_request, reply="Answer to the first message", edit_version=stale_version
    )
    assert response.status_code == 200
    assert "The person wrote again" in response_text(response)
    assert support_request.messages.count() == 2


def test_the_list_shows_the_first_response_time_and_filters_the_overdue(
    client, ops, opened, make_user, settings
):
    settings.SUPPORT_RESPONSE_TARGET_HOURS = 24
    old = opened(subject="Old and unanswered", created=timezone.now() - timedelta(hours=30), key="a")
    opened(make_user("ben@example.com"), subject="Fresh one", key="b")
    client.force_login(ops)
    url = reverse("admin:support_supportrequest_changelist")
    text = response_text(client.get(url))
    assert "OVERDUE: waiting 1 d 6 h" in text
    assert "none yet: waiting" in text
    overdue = response_text(client.get(url, {"response": "overdue"}))
    assert "Old and unanswered" in overdue and "Fresh one" not in overdue

    _change(client, old, reply="Sorry for the wait.")
    old.refresh_from_db()
    late = response_text(client.get(url, {"response": "late"}))
    assert "Old and unanswered" in late and "(late)" in late
    assert "Old and unanswered" not in response_text(client.get(url, {"response": "overdue"}))


def test_closing_and_assigning_to_a_non_staff_person_is_refused(client, ops, opened, make_user):
    support_request = opened()
    outsider = make_user("outsider@example.com")
    client.force_login(ops)
    response = _change(client, support_request, assigned_to=str(outsider.pk))
    assert response.status_code == 200
    assert "Select a valid choice" in response_text(response)
    _change(client, support_request, status=RequestStatus.CLOSED)
    support_request.refresh_from_db()
    assert support_request.status == RequestStatus.CLOSED
    assert support_request.closed_at is not None
    assert SupportRequest.objects.count() == 1


def test_the_answer_is_e_mailed_in_the_persons_language(
    client, ops, opened, make_user, django_capture_on_commit_callbacks
):
    person = make_user("jonas@example.com")
    person.language = "de"
    person.save(update_fields=["language"])
    support_request = opened(person)
    client.force_login(ops)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _change(client, support_request, reply="Erledigt.")
    (sent,) = mail.outbox
    assert sent.to == ["jonas@example.com"]
    assert sent.subject == "Der TikJoy-Support hat geantwortet: My payout"
    assert "Um zu antworten, öffne deine Anfrage" in sent.body


def test_the_french_answer_mail_puts_a_no_break_space_before_the_colon(
    client, ops, opened, make_user, django_capture_on_commit_callbacks
):
    person = make_user("jeanne@example.com")
    person.language = "fr"
    person.save(update_fields=["language"])
    support_request = opened(person)
    client.force_login(ops)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _change(client, support_request, reply="C'est fait.")
    (sent,) = mail.outbox
    assert sent.subject == "Le support TikJoy a répondu\xa0: My payout"


def test_italian_ops_read_the_ticket_in_italian_and_the_german_person_gets_german(
    client, ops, make_user, django_capture_on_commit_callbacks
):
    ops.language = "it"
    ops.save(update_fields=["language"])
    person = make_user("jonas@example.com")
    person.language = "de"
    person.save(update_fields=["language"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        support_request = support_request_create(
            user=person,
            email="",
            topic="PAYOUTS",
            subject="Auszahlung",
            body="Wo ist mein Geld?",
            context=Context(page="/wallet/payouts/"),
            submission_key="k-de",
            language="de",
            now=timezone.now(),
        )
    to_ops = next(m for m in mail.outbox if m.to == [ops.email])
    # Ops hear of it in their own language, the topic included (not the person's German).
    assert "Una nuova richiesta di assistenza (Pagamenti sul mio conto):" in to_ops.body, to_ops.body
    assert "Auszahlungen" not in to_ops.body

    client.force_login(ops)
    url = reverse("admin:support_supportrequest_change", args=[support_request.pk])
    page = response_text(client.get(url, HTTP_ACCEPT_LANGUAGE="it"))
    assert "Support request #" not in page
    assert f"Richiesta di assistenza n. {support_request.pk}: Auszahlung" in page
    assert "Lingua della richiesta" in page and "Deutsch" in page

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _change(client, support_request, reply="Erledigt.", _continue="1")
    shown = response_text(client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="it"))
    assert f"Richiesta di assistenza n. {support_request.pk} salvata." in shown
    assert "Il richiesta" not in shown and "stato modificato" not in shown
    (sent,) = mail.outbox
    assert sent.subject == "Der TikJoy-Support hat geantwortet: Auszahlung"


def test_ops_see_the_language_the_request_was_written_in_and_the_persons_language_now(client, ops, make_user):
    """The tester's request was written in German; the person reads TikJoy in Spanish since: ops see
    both, the request's first (it is the language of the words in the conversation)."""
    person = make_user("mara@example.com")
    support_request = support_request_create(
        user=person,
        email="",
        topic="PAYOUTS",
        subject="Frage zur Abrechnung",
        body="Die Abrechnung Oktober zeigt 84,00 €.",
        context=Context(page="/console/"),
        submission_key="k-lang",
        language="de",
        now=timezone.now(),
    )
    client.force_login(ops)
    url = reverse("admin:support_supportrequest_change", args=[support_request.pk])

    page = response_text(client.get(url, HTTP_ACCEPT_LANGUAGE="de"))
    assert "Sprache der Anfrage" in page and "Deutsch" in page
    assert "Aktuelle Sprache der Person" not in page  # nothing else to say

    person.language = "es"
    person.save(update_fields=["language"])
    page = response_text(client.get(url, HTTP_ACCEPT_LANGUAGE="de"))
    request_row = page.split("Sprache der Anfrage")[1].split("Aktuelle Sprache der Person")[0]
    assert "Deutsch" in request_row and "Español" not in request_row
    assert "Español" in page.split("Aktuelle Sprache der Person")[1].split("</dd>")[0]


def test_the_italian_list_numbers_the_requests_in_italian_and_shows_utc_times_and_says_so(
    client, ops, opened
):
    request = opened(created=datetime(2026, 11, 29, 23, 59, tzinfo=UTC))
    client.cookies["tikjoy_tz"] = "Europe/Rome"  # 00:59 the next day there
    client.force_login(ops)

    page = html.unescape(
        response_text(
            client.get(reverse("admin:support_supportrequest_changelist"), HTTP_ACCEPT_LANGUAGE="it")
        )
    )

    assert '<th scope="col" class="sortable column-number">' in page
    assert ">N.</a>" in page
    assert "column-pk" not in page
    assert f">{request.pk}</a>" in page
    assert "23:59" in page and "00:59" not in page
    assert "Orari in UTC" in page


def test_the_language_of_the_request_is_named_as_the_language_switcher_names_it(client, ops, make_user):
    support_request = support_request_create(
        user=make_user("lia@example.com"),
        email="",
        topic="PAYOUTS",
        subject="Pagamento",
        body="Dov'è il mio pagamento?",
        context=Context(page="/wallet/"),
        submission_key="k-it",
        language="it",
        now=timezone.now(),
    )
    client.force_login(ops)
    url = reverse("admin:support_supportrequest_change", args=[support_request.pk])

    page = response_text(client.get(url, HTTP_ACCEPT_LANGUAGE="de"))

    request_row = page.split("Sprache der Anfrage")[1].split("</dd>")[0]
    assert "Italiano" in request_row
    assert "italiano" not in request_row


def test_a_requests_page_has_no_history_link_and_its_history_says_where_the_record_is(client, ops, opened):
    support_request = opened()
    client.force_login(ops)
    _change(client, support_request, reply="It left on Monday.")
    change = reverse("admin:support_supportrequest_change", args=[support_request.pk])
    history = reverse("admin:support_supportrequest_history", args=[support_request.pk])

    page = response_text(client.get(change, HTTP_ACCEPT_LANGUAGE="de"))
    history_page = html.unescape(response_text(client.get(history, HTTP_ACCEPT_LANGUAGE="de")))

    assert "It left on Monday." in page
    assert history not in page and 'class="historylink"' not in page
    assert "Support-Anfragen führen keinen Änderungsverlauf" in history_page
    assert "keine Änderungsgeschichte" not in history_page
