"""Which brand a request is about, said truly: "your brand" only to the brand's own member; a visitor who
wrote from a brand's page reads "About Joy Coffee", on the thread, in the e-mails and in ops' view."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from support.models import SupportRequest
from support.services import Context, support_request_create
from support.tokens import request_token
from tikjoy.tests.factories import response_text

pytestmark = pytest.mark.django_db


def _visitor_request(merchant, *, topic="REWARDS", language="fr") -> SupportRequest:
    return support_request_create(
        user=None,
        email="visitor@example.com",
        topic=topic,
        subject="Ma récompense",
        body="Je n'ai rien reçu.",
        context=Context(page=f"/b/{merchant.slug}/", merchant=merchant),
        submission_key="k1",
        language=language,
        now=timezone.now(),
    )


def _thread(client, support_request, language: str) -> str:
    link = reverse("support:request_by_link", args=[support_request.pk, request_token(support_request)])
    return response_text(client.get(link, HTTP_ACCEPT_LANGUAGE=language)).replace("\xa0", " ")


@pytest.mark.parametrize(
    ("language", "about", "yours"),
    [
        ("fr", "Concerne Joy Coffee", "votre marque"),
        ("de", "Betrifft Joy Coffee", "Marke Joy Coffee"),
        ("it", "Riguarda Joy Coffee", "brand Joy Coffee"),
        ("es", "Sobre Joy Coffee", "marca Joy Coffee"),
        ("en", "About Joy Coffee", "your brand"),
    ],
)
def test_a_visitor_who_wrote_from_a_brand_page_is_never_told_it_is_their_brand(
    client, make_merchant, language, about, yours
):
    coffee = make_merchant("joycoffee", brand_name="Joy Coffee")
    support_request = _visitor_request(coffee, language=language)

    thread = _thread(client, support_request, language)

    assert about in thread
    assert yours not in thread


def test_a_visitor_asking_about_brands_in_general_from_a_brand_page_is_not_told_it_is_theirs(
    client, make_merchant
):
    coffee = make_merchant("joycoffee", brand_name="Joy Coffee")
    support_request = _visitor_request(coffee, topic="MERCHANT")  # spoken to formally, like a merchant

    thread = _thread(client, support_request, "fr")

    assert "Concerne Joy Coffee" in thread
    assert "votre marque" not in thread


def test_a_merchant_asking_about_their_own_brand_reads_your_brand(client, make_merchant, make_user):
    owner = make_user("owner@example.com")
    coffee = make_merchant("joycoffee", owner=owner, brand_name="Joy Coffee")
    support_request = support_request_create(
        user=owner,
        email="",
        topic="MERCHANT",
        subject="Invoice",
        body="Where is my invoice?",
        context=Context(page="/console/", merchant=coffee),
        submission_key="k1",
        language="fr",
        now=timezone.now(),
    )
    client.force_login(owner)

    thread = response_text(
        client.get(reverse("support:request", args=[support_request.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    )

    assert "Concerne votre marque Joy Coffee" in thread


def test_the_visitors_e_mails_never_call_the_brand_theirs(make_merchant, django_capture_on_commit_callbacks):
    coffee = make_merchant("joycoffee", brand_name="Joy Coffee")

    with django_capture_on_commit_callbacks(execute=True):
        _visitor_request(coffee)

    confirmation = next(m for m in mail.outbox if m.to == ["visitor@example.com"])
    assert "marque" not in confirmation.body and "marque" not in confirmation.subject


def test_ops_read_whether_the_brand_is_the_persons_or_only_the_page_they_wrote_from(
    client, ops, make_merchant, make_user
):
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    coffee = make_merchant("joycoffee", brand_name="Joy Coffee")
    from_page = _visitor_request(coffee)
    owner = make_user("owner@example.com")
    tea = make_merchant("joytea", owner=owner, brand_name="Joy Tea")
    own = support_request_create(
        user=owner,
        email="",
        topic="MERCHANT",
        subject="Invoice",
        body="Where is my invoice?",
        context=Context(page="/console/", merchant=tea),
        submission_key="k2",
        language="en",
        now=timezone.now(),
    )
    client.force_login(ops)

    visitor = response_text(client.get(reverse("admin:support_supportrequest_change", args=[from_page.pk])))
    merchant = response_text(client.get(reverse("admin:support_supportrequest_change", args=[own.pk])))

    assert f"<dt>Brand page it was sent from</dt><dd>Joy Coffee (#{coffee.pk})</dd>" in visitor
    assert "Their brand" not in visitor
    assert f"<dt>Their brand</dt><dd>Joy Tea (#{tea.pk})</dd>" in merchant
