"""Django's own words in the console and /ops/, as the root catalogue says them (templates/django_strings.py,
docs/i18n.md): a model's name put into a title or a button reads right whatever its gender, Italian has its
"Errore:", and the password page's help is correct and without tu (tester pass 6, #23)."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from merchants.models import Merchant
from tikjoy.tests.factories import campaign_make, owner_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(make_merchant):
    return make_merchant("fizz", funds="100.00")


@pytest.fixture
def owner_client(client, merchant):
    client.force_login(owner_of(merchant))
    return client


def _page(client, url: str, language: str) -> str:
    return html.unescape(client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode())


def test_a_title_or_button_with_a_models_name_reads_right_in_french(owner_client):
    add = _page(owner_client, reverse("console:campaigns_campaign_add"), "fr")
    videos = _page(owner_client, reverse("console:campaigns_video_changelist"), "fr")

    assert "Ajouter\xa0: " in add and "Ajout de " not in add
    assert "objet" not in add and "supplémentaire" not in add  # the inline's "add another"
    assert "Supprimer la sélection (vidéos)" in videos and "sélectionnés" not in videos


def test_italian_says_errore_and_adds_another_language_without_a_wrong_article(owner_client):
    refused = html.unescape(
        owner_client.post(
            reverse("console:campaigns_campaign_add"), {"name": ""}, HTTP_ACCEPT_LANGUAGE="it"
        ).content.decode()
    )

    assert "<title>Errore: " in refused and "Error: " not in refused
    assert "Aggiungi un altro" not in refused


@pytest.mark.parametrize(
    ("language", "help_text", "wrong"),
    [
        ("de", "damit geprüft werden kann, ob es korrekt eingegeben wurde.", "es es"),
        ("it", "Per sicurezza, inserire la password attuale", "Inserisci la password attuale"),
    ],
)
def test_the_consoles_password_page_says_it_right(owner_client, language, help_text, wrong):
    page = _page(owner_client, reverse("console:password_change"), language)

    assert help_text in page
    assert wrong not in page


def test_the_breadcrumbs_keep_the_french_no_break_space_of_a_name(owner_client, merchant):
    campaign = campaign_make(merchant, name="Démo\u00a0: JoyBack d'hiver")

    page = _page(owner_client, reverse("console:campaigns_campaign_change", args=[campaign.pk]), "fr")

    crumbs = page[page.index('<div class="breadcrumbs">') :]
    crumbs = crumbs[: crumbs.index("</div>")]
    assert "Démo\u00a0: JoyBack d'hiver" in crumbs and "Tableau de bord" in crumbs  # as the menu names it


def _merchant_details(merchant) -> dict:
    return {
        "brand_name": merchant.brand_name,
        "contact_email": merchant.contact_email,
        "legal_name": merchant.legal_name,
        "country": merchant.country,
        "currency": merchant.currency,
        "vat_number": "",
        "billing_address": merchant.billing_address,
        "billing_postcode": merchant.billing_postcode,
        "billing_city": merchant.billing_city,
        "time_zone": "Europe/Rome",
        "edit_version": merchant.version,
        "_continue": "1",
    }


@pytest.mark.parametrize(
    ("language", "said", "wrong"),
    [
        ("it", "Modifica salvata: {name} “Fizz”. Può continuare a modificare qui sotto.", ("Il ", "Puoi")),
        ("es", "Se guardaron los cambios: {name} “Fizz”. Puede seguir editando abajo.", ("El ", "Puedes")),
    ],
)
def test_the_consoles_saved_message_is_formal_and_needs_no_article(
    owner_client, merchant, language, said, wrong
):
    page = html.unescape(
        owner_client.post(
            reverse("console:merchants_merchant_change", args=[merchant.pk]),
            _merchant_details(merchant),
            HTTP_ACCEPT_LANGUAGE=language,
            follow=True,
        ).content.decode()
    )

    with translation.override(language):
        name = str(Merchant._meta.verbose_name)
    message = page[page.index('<ul class="messagelist">') :]
    message = re.sub(r"<[^>]+>", "", message[: message.index("</ul>")])  # the name is a link
    assert said.format(name=name) in message
    for word in wrong:
        assert word not in message


def test_the_consoles_list_title_names_what_it_lists_and_the_ops_one_is_informal(owner_client, ops):
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    ops_client = Client()
    ops_client.force_login(ops)

    console = _page(owner_client, reverse("console:campaigns_campaign_changelist"), "it")
    ops_page = _page(ops_client, "/ops/campaigns/campaign/", "it")

    # The console's lists are titled by what they list: no verb, so no "Scegli" (tu) to a merchant.
    assert "<h1>Campagne</h1>" in console and "Scegli" not in console
    assert "<h1>Scegli cosa visualizzare: campagna</h1>" in ops_page  # read-only in /ops/
