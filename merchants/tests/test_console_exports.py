"""The console's list exports (``…/export.csv``) read as the lists do (#23): each column headed as the
list heads it in the reader's language, words instead of codes, a campaign by its name in the reader's
language, times in the merchant's time zone to the second, amounts as plain numbers."""

from __future__ import annotations

import html
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django.utils.html import format_html
from moneyed import Money

from campaigns.models import ActionType
from campaigns.services import campaign_pause, campaign_texts_save
from merchants.console_site import export_text
from merchants.models import Touchpoint
from merchants.tests.conftest import owner_of
from merchants.wallet import merchant_top_up_confirm, merchant_top_up_record
from rewards.models import Reward
from rewards.services import action_record
from tikjoy.tests.factories import NOW, response_text, sheet_rows

pytestmark = pytest.mark.django_db


def _rows(client, url: str, language: str) -> list[list[str]]:
    """The file as the reader's spreadsheet reads it: ";" between cells where the language writes
    decimals with a comma (de, fr), "," in English (``core.spreadsheets``)."""
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200 and response.streaming
    return sheet_rows(response, "," if language == "en" else ";")


@pytest.fixture
def kaffee(make_merchant, make_campaign, make_consumer, ops):
    """A Berlin café with a campaign German readers know as "Winteraktion", and one reward for Ana's
    TikTok log-in at 12:00 UTC on 22 November 2026 (13:00 in Berlin)."""
    merchant = make_merchant("kaffee", funds="50.00", ops=ops, time_zone="Europe/Berlin")
    campaign = make_campaign(merchant, name="Winter warm-up JoyBack", now=NOW)
    campaign_texts_save(
        campaign=campaign, actor=owner_of(merchant), texts={"de": "Winteraktion", "fr": "Chocolat chaud"}
    )
    action_record(user=make_consumer("Ana"), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    return merchant


def test_a_german_readers_rewards_export_reads_in_german_and_in_berlin_time(client, kaffee):
    client.force_login(owner_of(kaffee))
    reward = Reward.objects.get(merchant=kaffee)

    header, *rows = _rows(client, "/console/rewards/reward/export.csv", "de")

    assert header == [
        "ID",
        "Kunde",
        "Kampagne",
        "Aktionstyp",
        "Art",
        "Status",
        "Händlerpreis",
        "Betrag für die Person",
        "Währung",
        "Erstellt am",
        "Verfügbar ab",
        "Grund",
    ]
    (row,) = rows
    assert row[0] == str(reward.pk)
    assert row[1].startswith("Kunde ")  # Ana shares nothing: her pseudonym
    assert row[2:6] == ["Winteraktion", "Anmeldung mit TikTok", "Für die Aktion", "Ausstehend"]
    # numbers a German spreadsheet adds up (a decimal comma), with the currency
    assert row[6:9] == ["0,50", "0,40", "EUR"]
    assert row[9] == "2026-11-22 13:00:00+01:00"  # Berlin's time, to the second, with its offset
    assert row[10] == "2026-12-06 13:00:00+01:00"


def test_a_french_readers_campaigns_export_reads_in_french(client, kaffee, make_campaign):
    paused = make_campaign(kaffee, name="Spring JoyBack", now=NOW)
    campaign_pause(campaign=paused, actor=owner_of(kaffee))
    client.force_login(owner_of(kaffee))

    header, *rows = _rows(client, "/console/campaigns/campaign/export.csv", "fr")

    assert header == ["Nom", "Statut", "Motif de la pause", "Début", "Fin", "Devise", "Budget", "Dépensé"]
    assert rows == [
        ["Spring JoyBack", "En pause", "Mise en pause par le commerçant", *rows[0][3:]],
        ["Chocolat chaud", "Active", "", *rows[1][3:]],
    ]
    assert rows[1][3:] == ["2026-11-21 13:00:00+01:00", "2027-01-21 13:00:00+01:00", "EUR", "", "0,50"]


def test_an_english_readers_exports_read_in_english(client, kaffee):
    client.force_login(owner_of(kaffee))

    rewards = _rows(client, "/console/rewards/reward/export.csv", "en")
    campaigns = _rows(client, "/console/campaigns/campaign/export.csv", "en")
    touchpoints = _rows(client, "/console/merchants/touchpoint/export.csv", "en")

    assert rewards[0][:6] == ["ID", "Consumer", "Campaign", "Action type", "Kind", "Status"]
    assert rewards[1][2:6] == ["Winter warm-up JoyBack", "Log in with TikTok", "For the action", "Pending"]
    assert campaigns[0] == ["Name", "Status", "Pause reason", "Starts", "Ends", "Currency", "Budget", "Spent"]
    assert campaigns[1][:2] == ["Winter warm-up JoyBack", "Active"]
    assert touchpoints[0] == ["Name", "Kind", "Active", "Address", "URL", "Public key"]
    assert touchpoints[1][:3] == ["TikJoy brand page", "TikJoy brand page", "Yes"]


def test_a_german_readers_touchpoints_export_says_ja_and_names_the_brand_page_in_german(client, kaffee):
    Touchpoint.objects.filter(merchant=kaffee).update(is_active=False)
    client.force_login(owner_of(kaffee))

    header, row = _rows(client, "/console/merchants/touchpoint/export.csv", "de")

    assert header[:3] == ["Name", "Art", "Aktiv"]
    assert row[:3] == ["TikJoy-Markenseite", "TikJoy-Markenseite", "Nein"]


def test_the_wallet_export_gives_its_times_in_berlin_to_the_second(client, kaffee):
    client.force_login(owner_of(kaffee))

    header, *rows = _rows(client, "/console/wallet/export.csv", "de")

    assert header == ["Zeitpunkt", "Vorgang", "Details", "Betrag", "Währung"]
    top_up = rows[-1]  # the oldest line: the 50.00 top-up recorded at 12:00 UTC on 22 November
    assert top_up[0] == "2026-11-22 13:00:00+01:00" and top_up[3:] == ["50,00", "EUR"]


def test_the_wallet_export_is_headed_with_capitals_as_the_other_console_exports(client, kaffee):
    """#23: the French wallet CSV read "date et heure, opération, …" beside capitalised list exports."""
    client.force_login(owner_of(kaffee))

    header, *_rows_after = _rows(client, "/console/wallet/export.csv", "fr")

    assert header == ["Date et heure", "Opération", "Détail", "Montant", "Devise"]


def test_text_a_spreadsheet_would_run_as_a_formula_is_quoted_in_an_export(client, kaffee):
    Touchpoint.objects.filter(merchant=kaffee).update(name='=HYPERLINK("http://evil.example")')
    client.force_login(owner_of(kaffee))

    _, row = _rows(client, "/console/merchants/touchpoint/export.csv", "en")

    assert row[0] == '\'=HYPERLINK("http://evil.example")'


def test_a_cell_never_holds_html_or_microseconds():
    from datetime import UTC, date, datetime
    from decimal import Decimal

    link = format_html('<a href="{}">{}</a>', "/console/x/", "Report & figures")

    assert export_text(link) == "Report & figures"
    assert export_text(datetime(2026, 11, 30, 7, 6, 5, 986049, tzinfo=UTC)) == "2026-11-30 07:06:05+00:00"
    assert export_text(date(2026, 11, 30)) == "2026-11-30"
    assert export_text(Decimal("-0.50")) == "-0.50"
    assert export_text(None) == ""


def test_a_top_up_waiting_for_a_second_staff_member_is_recorded_not_credited(
    client, make_merchant, ops, make_user, settings
):
    """QA: a waiting large top-up read "Credited on 1 December 2026, 09:00" in the list, on its page and in
    its CSV ("Gutgeschrieben am") though the money was not in the balance."""
    settings.MERCHANT_TOP_UP_CONFIRM_ABOVE = "1000.00"
    merchant = make_merchant("fizz", time_zone="Europe/Berlin")
    record, _ = merchant_top_up_record(
        merchant=merchant,
        amount=Money(Decimal("5000.00"), "EUR"),
        bank_reference="SEPA-BIG",
        value_date=date(2026, 11, 20),
        actor=ops,
        now=NOW,
    )
    client.force_login(owner_of(merchant))
    detail = f"/console/merchants/banktransfer/{record.pk}/change/"

    listed = response_text(client.get("/console/merchants/banktransfer/", HTTP_ACCEPT_LANGUAGE="de"))
    header, row = _rows(client, "/console/merchants/banktransfer/export.csv", "de")
    page = response_text(client.get(detail, HTTP_ACCEPT_LANGUAGE="en"))

    assert "Erfasst am" in listed and "Gutgeschrieben am" in listed
    assert header[4:] == ["Erfasst am", "Status", "Gutgeschrieben am"]
    assert row[4] == "2026-11-22 13:00:00+01:00" and row[6] == ""
    assert "Recorded on" in page and "waiting for a second staff member" in page.capitalize()
    credited_cell = page.split("Credited on", 1)[1].split("</div>", 1)[0]
    assert "—" in credited_cell and "2026" not in credited_cell

    second = make_user("second@tikjoy.example", is_staff=True, is_superuser=True)
    merchant_top_up_confirm(record_id=record.pk, actor=second, now=NOW + timedelta(hours=2, minutes=30))

    header, row = _rows(client, "/console/merchants/banktransfer/export.csv", "de")
    assert row[4:] == ["2026-11-22 13:00:00+01:00", "Gutgeschrieben", "2026-11-22 15:30:00+01:00"]
    page = response_text(client.get(detail, HTTP_ACCEPT_LANGUAGE="en"))
    credited_cell = page.split("Credited on", 1)[1].split("</div>", 1)[0]
    assert "22 November 2026, 15:30" in credited_cell  # the confirmation's time, in Berlin


def test_a_waiting_top_ups_state_keeps_the_capital_of_a_german_noun(
    client, make_merchant, ops, ops_client, settings
):
    """QA: a German accountant read "Wartet auf eine zweite person" in the console's top-ups, its CSV and
    the ops list (the state was capitalised with str.capitalize(), which lowercases every other letter)."""
    settings.MERCHANT_TOP_UP_CONFIRM_ABOVE = "1000.00"
    merchant = make_merchant("grosz", time_zone="Europe/Berlin")
    merchant_top_up_record(
        merchant=merchant,
        amount=Money(Decimal("5000.00"), "EUR"),
        bank_reference="SEPA-GROSS",
        value_date=date(2026, 11, 20),
        actor=ops,
        now=NOW,
    )
    client.force_login(owner_of(merchant))
    listed = response_text(client.get("/console/merchants/banktransfer/", HTTP_ACCEPT_LANGUAGE="de"))
    _, row = _rows(client, "/console/merchants/banktransfer/export.csv", "de")
    ops_client.force_login(ops)  # the same client: signed in as the owner above
    ops_list = response_text(ops_client.get("/ops/merchants/banktransfer/", HTTP_ACCEPT_LANGUAGE="de"))

    assert "Wartet auf eine zweite Person" in listed
    assert row[5] == "Wartet auf eine zweite Person"
    assert "zweite person" not in ops_list and "zweite Person" in ops_list


@pytest.mark.parametrize(
    ("language", "names"),
    [
        (
            "fr",
            {
                "/console/rewards/reward/export.csv": "recompenses",
                "/console/wallet/export.csv": "portefeuille",
                "/console/rewards/reward/consumers/export.csv": "consommateurs",
                "/console/campaigns/campaign/{campaign}/report.csv": "rapport-de-campagne-{campaign}",
            },
        ),
        (
            "de",
            {
                "/console/rewards/reward/export.csv": "praemien",
                "/console/wallet/export.csv": "guthaben",
                "/console/rewards/reward/consumers/export.csv": "kunden",
                "/console/campaigns/campaign/{campaign}/report.csv": "kampagnenbericht-{campaign}",
            },
        ),
    ],
)
def test_every_console_download_is_named_in_the_readers_language_with_the_merchant_and_the_day(
    client, kaffee, language, names
):
    """The files were named some in the reader's language ("recompenses.csv"), some in English
    ("wallet-kaffee.csv", "campaign-7-report.csv"): now all "<what>-<merchant>-<day>.csv", the day the
    merchant's (Berlin's)."""
    client.force_login(owner_of(kaffee))
    campaign = kaffee.campaigns.get()
    today = timezone.localdate(timezone.now(), ZoneInfo("Europe/Berlin")).isoformat()

    for url, what in names.items():
        response = client.get(url.format(campaign=campaign.pk), HTTP_ACCEPT_LANGUAGE=language)

        assert response.status_code == 200, url
        name = what.format(campaign=campaign.pk)
        assert response["Content-Disposition"] == f'attachment; filename="{name}-kaffee-{today}.csv"'


@pytest.mark.parametrize(
    ("url", "language", "said"),
    [
        (
            "/console/rewards/reward/consumers/",
            "de",
            "Zeiten in der Zeitzone Ihrer Marke: Berlin (Mitteleuropäische Zeit).",
        ),
        (
            "/console/wallet/",
            "fr",
            "Heures dans le fuseau horaire de votre marque\u00a0: Berlin (heure d\u2019Europe centrale).",
        ),
        ("/console/wallet/", "en", "Times in your brand's time zone: Berlin (Central European Time)."),
    ],
)
def test_the_pages_with_an_export_name_the_time_zone_of_their_times(client, kaffee, url, language, said):
    """The consumers' first and last actions and the wallet's movements were times without a zone."""
    client.force_login(owner_of(kaffee))

    page = html.unescape(response_text(client.get(url, HTTP_ACCEPT_LANGUAGE=language)))

    assert said in page


@pytest.mark.parametrize(
    ("url", "language", "said"),
    [
        (
            "/console/rewards/reward/",
            "en",
            "Times in your brand's time zone: Berlin (Central European Time).",
        ),
        (
            "/console/campaigns/campaign/",
            "de",
            "Zeiten in der Zeitzone Ihrer Marke: Berlin (Mitteleuropäische Zeit).",
        ),
    ],
)
def test_the_lists_showing_times_name_their_time_zone(client, kaffee, url, language, said):
    """A newcomer's finding: the rewards list (created, available) and the campaigns list (starts,
    ends) showed times without a zone beside their export."""
    client.force_login(owner_of(kaffee))

    page = html.unescape(response_text(client.get(url, HTTP_ACCEPT_LANGUAGE=language)))

    assert said in page


def test_a_list_without_times_names_no_time_zone(client, kaffee):
    client.force_login(owner_of(kaffee))

    page = response_text(client.get("/console/merchants/touchpoint/", HTTP_ACCEPT_LANGUAGE="en"))

    assert 'data-note="time-zone"' not in page
