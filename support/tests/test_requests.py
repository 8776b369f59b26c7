"""Support requests from the person's side: the form, its context, hostile input, isolation, double submits."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from support.models import RequestStatus, SupportMessage, SupportRequest
from support.tokens import request_token
from tikjoy.tests.factories import affiliate_make, affiliate_program_make, owner_of, response_text

pytestmark = pytest.mark.django_db


def _form_key(response) -> str:
    return re.search(r'name="submission_key" value="([^"]+)"', response.content.decode()).group(1)


def _send(client, **fields):
    page = client.get(reverse("support:request_new") + "?from=/wallet/")
    data = {
        "topic": "REWARDS",
        "subject": "Where is my reward?",
        "message": "I shared the video yesterday.",
        "page": "/wallet/",
        "submission_key": _form_key(page),
    }
    data.update(fields)
    return client.post(reverse("support:request_new"), data)


def test_a_consumer_sends_a_request_about_their_own_reward_with_its_context(
    client, make_consumer, reward_for, ops, django_capture_on_commit_callbacks
):
    person = make_consumer("Ana")
    reward = reward_for(person)
    client.force_login(person)
    client.get("/b/no-such-brand/")  # a 404 the person met before writing

    page = client.get(reverse("support:request_new") + "?from=/wallet/")
    assert page.status_code == 200
    assert "The last errors you met on the site" in response_text(page)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(client, reward=str(reward.pk))

    support_request = SupportRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("support:request", args=[support_request.pk])
    assert (support_request.user, support_request.reward, support_request.page) == (
        person,
        reward,
        "/wallet/",
    )
    assert support_request.status == RequestStatus.OPEN
    assert [e["status"] for e in support_request.recent_errors] == [404]
    assert support_request.recent_errors[0]["page"] == "/b/no-such-brand/"
    assert [m.to for m in mail.outbox] == [[ops.email]]  # ops hear of it; the person has no e-mail
    assert "I shared the video yesterday." in mail.outbox[0].body
    thread = client.get(response["Location"])
    assert "I shared the video yesterday." in response_text(thread)
    assert "Open: waiting for TikJoy" in response_text(thread)


def test_someone_elses_reward_is_a_form_error_never_a_500(client, make_consumer, reward_for):
    person, other = make_consumer("Ana"), make_consumer("Ben")
    others_reward = reward_for(other)
    reward_for(person)
    client.force_login(person)
    response = _send(client, reward=str(others_reward.pk))
    assert response.status_code == 200
    assert "Select a valid choice" in response_text(response)
    assert not SupportRequest.objects.exists()


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"message": "x" * 10_000}, "The message can have at most 5,000 characters (it has 10,000)."),
        ({"subject": "x" * 10_000}, "The subject can have at most 150 characters (it has 10,000)."),
        ({"reward": "1e9"}, "Select a valid choice"),
        ({"reward": "99999999999999999999"}, "Select a valid choice"),
        ({"topic": "NOT_A_TOPIC"}, "Select a valid choice"),
        ({"message": "   "}, "This field is required"),
        ({"submission_key": "<script>"}, "This form has expired"),
    ],
)
def test_hostile_input_is_a_form_error(client, make_consumer, reward_for, fields, error):
    person = make_consumer("Ana")
    reward_for(person)
    client.force_login(person)
    response = _send(client, **fields)
    assert response.status_code == 200
    assert error in response_text(response)
    assert not SupportRequest.objects.exists()


def test_nul_bytes_are_refused_with_a_message(client, make_consumer):
    client.force_login(make_consumer("Ana"))
    response = _send(client, message="a\x00b")
    assert response.status_code == 400
    assert not SupportRequest.objects.exists()


def test_markup_is_shown_as_text(client, make_consumer):
    client.force_login(make_consumer("Ana"))
    response = _send(client, subject="<script>alert(1)</script>", message='<b data-x="1">hi</b>')
    page = client.get(response["Location"])
    assert b"<script>alert(1)</script>" not in page.content
    assert b'<b data-x="1">' not in page.content
    assert "&lt;script&gt;" in page.content.decode()


def test_a_double_submit_creates_one_request(client, make_consumer):
    client.force_login(make_consumer("Ana"))
    page = client.get(reverse("support:request_new"))
    data = {"topic": "OTHER", "subject": "Hello", "message": "Twice?", "submission_key": _form_key(page)}
    first = client.post(reverse("support:request_new"), data)
    second = client.post(reverse("support:request_new"), data)
    assert first["Location"] == second["Location"]
    assert SupportRequest.objects.count() == 1
    assert SupportMessage.objects.count() == 1


def test_a_person_sees_only_their_own_requests(client, make_consumer):
    ana, ben = make_consumer("Ana"), make_consumer("Ben")
    client.force_login(ana)
    _send(client, subject="Ana's secret")
    anas = SupportRequest.objects.get()
    client.force_login(ben)
    assert client.get(reverse("support:request", args=[anas.pk])).status_code == 404
    assert (
        client.post(
            reverse("support:request", args=[anas.pk]), {"message": "hi", "submission_key": "k1"}
        ).status_code
        == 404
    )
    assert "Ana's secret" not in response_text(client.get(reverse("support:requests")))
    assert SupportMessage.objects.count() == 1


def test_a_visitor_gives_an_email_and_follows_the_private_link(
    client, ops, django_capture_on_commit_callbacks
):
    response = _send(client, email="", page="/")
    assert "This field is required" in response_text(response)
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(client, email="visitor@example.com", page="https://evil.example/")
    assert response.status_code == 200
    assert "visitor@example.com" in response_text(response)
    support_request = SupportRequest.objects.get()
    assert support_request.page == ""  # another site's address is never kept
    confirmation = next(m for m in mail.outbox if m.to == ["visitor@example.com"])
    assert (
        confirmation.subject == f"[TikJoy] We received your request #{support_request.pk}"
    )  # as every e-mail
    link = reverse("support:request_by_link", args=[support_request.pk, request_token(support_request)])
    assert link in confirmation.body
    assert client.get(link).status_code == 200
    assert (
        client.get(reverse("support:request_by_link", args=[support_request.pk, "0" * 32])).status_code == 404
    )
    page = client.get(link)
    client.post(link, {"message": "Any news?", "submission_key": _form_key(page)})
    assert support_request.messages.count() == 2


def test_a_visitor_cant_attach_rewards(client, make_consumer, reward_for):
    reward = reward_for(make_consumer("Ana"))
    _send(client, email="visitor@example.com", reward=str(reward.pk))
    assert SupportRequest.objects.get().reward is None


def test_a_reply_on_a_closed_request_opens_it_again(client, make_consumer, ops):
    from django.utils import timezone

    from support.services import support_request_ops_update

    person = make_consumer("Ana")
    client.force_login(person)
    _send(client)
    support_request = SupportRequest.objects.get()
    support_request_ops_update(
        support_request=support_request,
        actor=ops,
        edit_version=1,
        status=RequestStatus.CLOSED,
        assigned_to=None,
        reply="Done.",
        internal=False,
        now=timezone.now(),
    )
    url = reverse("support:request", args=[support_request.pk])
    page = client.get(url)
    assert "This request is closed" in response_text(page)
    client.post(url, {"message": "Not quite.", "submission_key": _form_key(page)})
    support_request.refresh_from_db()
    assert support_request.status == RequestStatus.OPEN
    assert support_request.closed_at is None


def test_a_subject_with_a_line_break_is_kept_on_one_line_and_every_mail_goes(
    client, make_consumer, ops, django_capture_on_commit_callbacks
):
    client.force_login(make_consumer("Ana"))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(client, subject="My payout\r\nBcc: someone@evil.example")

    assert response.status_code == 302
    assert SupportRequest.objects.get().subject == "My payout Bcc: someone@evil.example"
    # Ops are told (the consumer has no e-mail address), in one line (a newline there stopped every mail).
    assert [m.subject for m in mail.outbox] == [
        f"[TikJoy support #{SupportRequest.objects.get().pk}] My payout Bcc: someone@evil.example"
    ]


def test_a_visitor_address_gets_a_few_requests_a_day_and_no_text_of_theirs_by_mail(
    client, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            response = _send(client, email="victim@example.com", subject=f"Click evil.example now {n}")
            assert response.status_code == 200
    to_victim = [m for m in mail.outbox if m.to == ["victim@example.com"]]
    assert len(to_victim) == 3
    assert not any("evil.example" in m.subject or "evil.example" in m.body for m in to_victim)

    refused = _send(client, email="VICTIM@example.com", subject="one more")
    assert refused.status_code == 200
    assert "We already have 3 requests from this address today" in response_text(refused)
    assert SupportRequest.objects.count() == 3


def test_errors_met_before_signing_in_are_not_attached_after_it(client, make_consumer):
    session = client.session  # a visitor with a session (e.g. a language chosen)
    session["seen"] = True
    session.save()
    client.get("/b/no-such-brand/")  # a 404 met while signed out
    assert "The last errors you met on the site" in response_text(client.get(reverse("support:request_new")))
    client.force_login(make_consumer("Ana"))
    page = client.get(reverse("support:request_new"))
    assert "The last errors you met on the site" not in response_text(page)


def test_back_then_send_again_goes_to_the_first_request_instead_of_a_duplicate(client, make_consumer):
    """After sending, Back re-fetches the form with a new key while the browser restores the text."""
    client.force_login(make_consumer("Ana"))
    first = _send(client, subject="Where is my reward?", message="I shared the video yesterday.")
    support_request = SupportRequest.objects.get()
    again = _send(client, subject=" Where is my  reward? ", message="I shared the video\r\n yesterday. ")
    assert again.status_code == 302
    assert again["Location"] == first["Location"]
    assert SupportRequest.objects.count() == 1
    assert SupportMessage.objects.count() == 1
    assert f"You already sent this request: #{support_request.pk}" in response_text(
        client.get(again["Location"])
    )
    # Different words (another tab, another question) are another request.
    _send(client, subject="Where is my reward?", message="And the one from last week?")
    assert SupportRequest.objects.count() == 2


def test_a_visitor_sending_the_same_words_again_is_told_about_the_first_request(client):
    _send(client, email="visitor@example.com", page="/")
    again = _send(client, email="VISITOR@example.com", page="/")
    support_request = SupportRequest.objects.get()
    assert again.status_code == 200
    assert f"You already sent this request: #{support_request.pk}" in response_text(again)
    # Another address with the same words is another person's request.
    _send(client, email="someone@example.com", page="/")
    assert SupportRequest.objects.count() == 2


def test_the_same_words_after_half_an_hour_are_a_new_request(make_consumer):
    from datetime import timedelta

    from django.utils import timezone

    from support.services import Context, support_request_create

    person = make_consumer("Ana")
    now = timezone.now()
    words = {"user": person, "email": "", "topic": "OTHER", "subject": "Hi", "body": "Same", "language": "en"}
    support_request_create(**words, context=Context(), submission_key="k1", now=now - timedelta(minutes=31))
    support_request_create(**words, context=Context(), submission_key="k2", now=now)
    assert SupportRequest.objects.count() == 2


def test_a_merchant_writing_from_the_console_is_addressed_formally_with_their_brand_chosen(
    client, make_merchant, make_user
):
    owner = make_user("owner@example.com")
    merchant = make_merchant("acme", owner=owner)
    owner.language = "de"
    owner.save(update_fields=["language"])
    client.force_login(owner)
    page = client.get(reverse("support:request_new") + "?from=/console/", HTTP_ACCEPT_LANGUAGE="de")
    text = response_text(page)
    assert "Ihre Nachricht" in text and "Was ist passiert" in text
    form = text[
        text.index('data-testid="support-form"') : text.index(
            "</form>", text.index('data-testid="support-form"')
        )
    ]
    assert "Deine Nachricht" not in form and " du " not in form, form
    assert re.search(rf'<option value="{merchant.pk}" selected>', page.content.decode())
    # From a consumer page the same person is addressed like every consumer.
    assert "Deine Nachricht" in response_text(
        client.get(reverse("support:request_new") + "?from=/wallet/", HTTP_ACCEPT_LANGUAGE="de")
    )


def test_the_message_limit_is_shown_and_a_longer_message_is_refused_not_cut(client, make_consumer):
    client.force_login(make_consumer("Ana"))
    page = client.get(reverse("support:request_new"))
    assert "Up to 5,000 characters." in response_text(page)
    assert 'maxlength="5000"' not in page.content.decode()  # the browser would cut a pasted text silently
    response = _send(client, message="x" * 5001)
    assert response.status_code == 200
    assert "The message can have at most 5,000 characters (it has 5,001)." in response_text(response)
    assert not SupportRequest.objects.exists()


@pytest.mark.parametrize(
    ("language", "limit", "too_long"),
    [
        ("es", "Hasta 5.000 caracteres.", "5.000"),
        ("de", "Höchstens 5.000 Zeichen.", "5.000"),
        ("fr", "5\u202f000 caractères au maximum.", "5\u202f000"),
    ],
)
def test_the_message_limit_is_written_as_the_language_writes_numbers(
    client, make_consumer, language, limit, too_long
):
    client.force_login(make_consumer("Ana"))

    page = client.get(reverse("support:request_new"), HTTP_ACCEPT_LANGUAGE=language)
    form = response_text(page)
    data = {"topic": "REWARDS", "subject": "Hi", "message": "x" * 5001, "submission_key": _form_key(page)}
    refused = response_text(client.post(reverse("support:request_new"), data, HTTP_ACCEPT_LANGUAGE=language))

    assert limit in form
    assert "5\xa0000" not in form  # Django's own grouping, which the rest of the site doesn't use
    assert too_long in refused and "5000" not in refused.replace('"5000"', "")


def test_a_visitor_writing_from_a_brand_page_names_that_brand(client, make_merchant):
    merchant = make_merchant("acme")
    _send(client, email="visitor@example.com", page="/b/acme/join/")
    assert SupportRequest.objects.get().merchant == merchant
    _send(client, email="visitor@example.com", page="/b/no-such-brand/", subject="Other")
    assert SupportRequest.objects.get(subject="Other").merchant is None


@pytest.mark.parametrize(
    ("language", "no_reward"),
    [("es", "Ninguna en concreto"), ("fr", "Aucune en particulier"), ("it", "Nessuno in particolare")],
)
def test_no_reward_in_particular_agrees_with_the_word_reward_in_each_language(
    client, make_consumer, reward_for, language, no_reward
):
    person = make_consumer("Ana")
    reward = reward_for(person)
    client.force_login(person)

    page = response_text(
        client.get(f"/support/new/?from=/wallet/&reward={reward.pk}", HTTP_ACCEPT_LANGUAGE=language)
    )

    select = re.search(r'<select name="reward".*?</select>', page, re.S).group(0)
    assert no_reward in select


@pytest.mark.parametrize("opened_from", ["/affiliates/1/", "/help/affiliates/"])
def test_an_affiliate_is_addressed_formally_and_pointed_to_the_affiliates_help(
    client, make_consumer, opened_from
):
    client.force_login(make_consumer("Ana"))

    page = client.get(f"{reverse('support:request_new')}?from={opened_from}", HTTP_ACCEPT_LANGUAGE="de")

    text = response_text(page)
    start = text.index("<h1>")
    form = text[start : text.index("</form>", start)]
    assert "Ihre Nachricht" in form and "Schildern Sie uns" in form
    assert "Suchen Sie zuerst in der Hilfe" in form
    assert "Ihre Programme, Links und Provisionen" in form
    for informal in ("Deine Nachricht", "Erzähl uns", "Such zuerst", " du ", " dein"):
        assert informal not in form, informal
    assert re.search(r'<a href="/help/affiliates/">Suchen Sie zuerst in der Hilfe</a>', page.content.decode())


def test_a_consumer_is_addressed_informally_and_pointed_to_the_consumers_help(client, make_consumer):
    client.force_login(make_consumer("Ana"))

    page = client.get(f"{reverse('support:request_new')}?from=/wallet/", HTTP_ACCEPT_LANGUAGE="de")

    assert "Deine Nachricht" in response_text(page)
    assert re.search(r'<a href="/help/">Such zuerst in der Hilfe</a>', page.content.decode())


def test_a_visitor_who_wrote_from_the_affiliates_help_is_sent_back_there(client):
    page = client.get(f"{reverse('support:request_new')}?from=/help/affiliates/")

    sent = client.post(
        reverse("support:request_new"),
        {
            "topic": "AFFILIATES",
            "subject": "My commission",
            "message": "Where is it?",
            "email": "aff@example.com",
            "page": "/help/affiliates/",
            "submission_key": _form_key(page),
        },
    )

    assert sent.status_code == 200
    assert 'href="/help/affiliates/">Back to the help</a>' in sent.content.decode()


def test_an_affiliates_request_stays_formal_after_it_is_sent(
    client, make_consumer, mailoutbox, django_capture_on_commit_callbacks
):
    """Sent from the affiliate pages, the request's page and its e-mail speak as the affiliate pages do
    (Sie), not as to a consumer (du) (tester, #23)."""
    person = make_consumer("Pia")
    person.language, person.email = "de", "pia@example.com"
    person.save(update_fields=["language", "email"])
    client.force_login(person)
    page = client.get(f"{reverse('support:request_new')}?from=/affiliates/1/", HTTP_ACCEPT_LANGUAGE="de")
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("support:request_new"),
            {
                "topic": "AFFILIATES",
                "subject": "Provision",
                "message": "Wo ist sie?",
                "page": "/affiliates/1/",
                "submission_key": _form_key(page),
            },
            HTTP_ACCEPT_LANGUAGE="de",
            follow=True,
        )

    text = response_text(sent)
    assert "Ihre Supportanfragen" in text and "Deine Supportanfragen" not in text
    request = SupportRequest.objects.get()
    assert request.for_affiliate and request.formal and not request.for_merchant
    to_pia = [m.subject for m in mailoutbox if m.to == ["pia@example.com"]]
    assert to_pia == [f"[TikJoy] Wir haben Ihre Anfrage Nr. {request.pk} erhalten"]


def test_an_affiliates_list_of_requests_speaks_formally_and_points_to_the_affiliates_help(
    client, make_merchant, make_consumer
):
    affiliate = affiliate_make(affiliate_program_make(make_merchant("joy", funds="100.00")))
    client.force_login(affiliate.user)
    consumer = make_consumer("Ana")

    page = client.get(reverse("support:requests"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    client.force_login(consumer)
    consumers_page = client.get(reverse("support:requests"), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "<h1>Ihre Supportanfragen</h1>" in page and '<a href="/help/affiliates/">' in page
    assert "Deine" not in page
    assert "<h1>Deine Supportanfragen</h1>" in consumers_page and '<a href="/help/">' in consumers_page
    assert "Lassen Sie sich für das bezahlen" in page  # the footer too
    assert "Lass dich für das bezahlen" in consumers_page


def test_an_affiliate_opening_the_form_from_nowhere_known_is_addressed_formally_as_on_their_list(
    client, make_merchant
):
    affiliate = affiliate_make(affiliate_program_make(make_merchant("joy", funds="100.00")))
    client.force_login(affiliate.user)

    form = response_text(client.get(reverse("support:request_new"), HTTP_ACCEPT_LANGUAGE="de"))

    assert "Ihre Nachricht" in form and "Schildern Sie uns" in form
    assert "Deine Nachricht" not in form and "Erzähl uns" not in form


@pytest.mark.parametrize(
    ("opened_from", "language", "formal", "informal"),
    [
        ("/help/merchants/", "de", "Dorthin antworten wir Ihnen.", "Dorthin antworten wir dir."),
        ("/help/affiliates/", "de", "Dorthin antworten wir Ihnen.", "Dorthin antworten wir dir."),
        ("/help/merchants/", "it", "Le rispondiamo lì.", "Ti rispondiamo lì."),
        ("/help/affiliates/", "es", "Le responderemos ahí.", "Te responderemos ahí."),
    ],
)
def test_a_visitor_from_the_brands_or_affiliates_help_reads_the_e_mail_hint_formally(
    client, opened_from, language, formal, informal
):
    page = response_text(
        client.get(f"{reverse('support:request_new')}?from={opened_from}", HTTP_ACCEPT_LANGUAGE=language)
    )

    assert formal in page and informal not in page


def test_a_visitor_from_the_consumers_help_reads_the_e_mail_hint_informally(client):
    page = response_text(
        client.get(f"{reverse('support:request_new')}?from=/help/", HTTP_ACCEPT_LANGUAGE="de")
    )

    assert "Dorthin antworten wir dir." in page


def test_the_recent_errors_are_said_in_the_readers_language(client, make_consumer):
    person = make_consumer("Zoe")
    client.force_login(person)
    client.get("/b/no-such-brand/")
    client.get("/me/whatsapp/offers/")  # a POST-only address opened directly: 405

    page = response_text(client.get(reverse("support:request_new"), HTTP_ACCEPT_LANGUAGE="de"))

    assert "/b/no-such-brand/ (404): Seite nicht gefunden" in page
    assert "/me/whatsapp/offers/ (405): Diese Seite lässt sich nicht direkt öffnen" in page
    assert "Not Found" not in page and "Method Not Allowed" not in page


@pytest.mark.parametrize(
    ("language", "without_address", "with_address"),
    [
        ("fr", "Nous répondons sur ce site.", "Nous répondons sur ce site et par e-mail."),
        ("de", "Wir antworten auf dieser Website.", "Wir antworten auf dieser Website und per E-Mail."),
        ("en", "We answer on this site.", "We answer on this site and by e-mail."),
    ],
)
def test_the_form_promises_an_e_mail_only_to_whom_we_can_write(
    client, make_consumer, language, without_address, with_address
):
    """A WhatsApp sign-in who gave no address was told "Nous répondons … et par e-mail" (#23)."""
    person = make_consumer("Ivy")
    assert not person.email
    client.force_login(person)

    page = response_text(client.get(reverse("support:request_new"), HTTP_ACCEPT_LANGUAGE=language))

    assert without_address in page and with_address not in page
    person.email = "ivy@example.com"
    person.save(update_fields=["email"])
    page = response_text(client.get(reverse("support:request_new"), HTTP_ACCEPT_LANGUAGE=language))
    assert with_address in page


def test_a_consumer_on_no_brands_team_is_not_offered_the_merchants_topic(
    client, make_consumer, make_merchant
):
    """Walk finding: a consumer writing from their wallet was offered "My brand, campaigns and
    console". A signed-out visitor may be a merchant who can't sign in: they keep it, as a brand's
    owner does."""
    client.force_login(make_consumer("Ana"))
    page = client.get(
        reverse("support:request_new") + "?from=/wallet/", HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    assert "Meine Marke, Kampagnen und Konsole" not in page and "Meine Prämien und mein Wallet" in page
    assert _send(client, topic="MERCHANT").status_code == 200  # refused as not one of the choices
    assert not SupportRequest.objects.exists()

    client.logout()
    assert "My brand, campaigns and console" in client.get(reverse("support:request_new")).content.decode()
    merchant = make_merchant("acme")
    client.force_login(owner_of(merchant))
    assert "My brand, campaigns and console" in client.get(reverse("support:request_new")).content.decode()
