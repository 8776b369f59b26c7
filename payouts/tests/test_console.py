"""The console's bank details for a merchant's refund: the form consumers use too, spoken to neither."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from payouts import services
from payouts.models import MERCHANT_PAYEE, BankAccount, BankDetailsChallenge
from tikjoy.tests.factories import owner_of, response_text

ADDRESS = {
    "holder_name": "Acme GmbH",
    "street": "Hauptstr.",
    "postcode": "10115",
    "town": "Berlin",
    "country": "DE",
}

# What would speak to one reader: "tu"/"tuo"/"tua" and their imperatives ("Confrontalo", "Compruébalo",
# "Inserisci", "Introduce"), du/dein in German.
INFORMAL = {
    "it": r"\btu[oa]?\b|\bti\b|Confrontalo|Inserisci",
    "es": r"\btu\b|\btú\b|Compruébalo|Introduce\b",
    "de": r"\bdu\b|\bdein\w*|Gleiche sie",
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "neutral"),
    [
        ("it", "Da verificare con l\u2019estratto conto."),
        ("es", "Conviene comprobarlo con el extracto bancario."),
        ("de", "Bitte mit dem Kontoauszug abgleichen."),
    ],
)
@pytest.mark.parametrize(
    "iban",
    [
        "DE89 3704 0044 0532 0130 01",  # check digits
        "QQ89370400440532013000",  # no such country
        "DE8937040044053201300",  # one character short
        "DE89-3704!",  # not an IBAN's characters
    ],
)
def test_a_bad_iban_on_the_refund_bank_page_speaks_to_the_merchant_without_tu(
    make_merchant, client, language, neutral, iban
):
    """Consumers (tu / du) and merchants (Lei / usted / Sie) share the bank details form: why an IBAN
    is refused says neither (tester, #23)."""
    client.force_login(owner_of(make_merchant()))
    response = client.post(
        reverse("console:refund_bank"), {**ADDRESS, "iban": iban}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    text = html.unescape(response_text(response))
    assert neutral in text
    assert not re.search(INFORMAL[language], text, flags=re.IGNORECASE), re.findall(
        INFORMAL[language], text, flags=re.IGNORECASE
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        ("it", "Indicare il nome dell\u2019intestatario come risulta alla banca."),
        ("es", "Hay que indicar el nombre del titular tal como figura en el banco."),
    ],
)
def test_a_holder_name_the_bank_cant_take_is_refused_without_tu(make_merchant, client, language, refusal):
    client.force_login(owner_of(make_merchant()))
    response = client.post(
        reverse("console:refund_bank"),
        {**ADDRESS, "holder_name": "☃☃", "iban": "DE89370400440532013000"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    text = html.unescape(response_text(response))
    assert refusal in text
    assert not re.search(INFORMAL[language], text, flags=re.IGNORECASE)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("saved", "page", "subject"),
    [
        ("", "es", "[TikJoy] Su código para cambiar los datos bancarios de Maison Claire"),
        ("de", "es", "[TikJoy] Ihr Code zum Ändern der Bankdaten von Maison Claire"),
    ],
)
def test_the_refund_bank_details_code_goes_in_the_owners_language_not_the_brands(
    make_merchant, client, django_capture_on_commit_callbacks, saved, page, subject
):
    merchant = make_merchant("claire", brand_name="Maison Claire", language="fr")
    owner = owner_of(merchant)
    owner.language = saved
    owner.save(update_fields=["language"])
    client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("console:refund_bank"),
            {**ADDRESS, "holder_name": "Maison Claire SARL", "iban": "DE89370400440532013000"},
            HTTP_ACCEPT_LANGUAGE=page,
        )

    (sent,) = mail.outbox
    assert sent.subject == subject
    assert "Maison Claire" in sent.body and "Votre code" not in sent.body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "These bank details were already saved: DE89 •••• 3000. Nothing changed."),
        ("de", "Diese Bankdaten waren bereits gespeichert: DE89 •••• 3000. Es hat sich nichts geändert."),
    ],
)
def test_the_refund_bank_details_already_saved_send_no_code(
    make_merchant, client, django_capture_on_commit_callbacks, language, words
):
    """The merchant's refund details share the person's flow: the saved details typed again sent a
    code to the owner, and only the code said they were saved."""
    merchant = make_merchant("acme")
    owner = owner_of(merchant)
    form = {**ADDRESS, "iban": "DE89370400440532013000"}
    services.bank_account_replace(
        user=owner,
        owner=merchant,
        details=services.bank_details_clean(building_number="", **form),
        now=timezone.now() - timedelta(hours=49),
    )
    client.force_login(owner)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("console:refund_bank"), form, HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    assert words in html.unescape(response_text(response)).replace("\xa0", " ")
    assert mail.outbox == []
    assert not BankDetailsChallenge.objects.exists()
    assert BankAccount.objects.filter(owner_type=MERCHANT_PAYEE, owner_id=merchant.pk).count() == 1
