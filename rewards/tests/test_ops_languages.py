"""Ops read the engine's pages in their own language: field labels, titles, reasons (#23)."""

import html
import re

import pytest
from django.utils import translation

from campaigns.models import ActionType, CampaignText
from rewards.models import Ban, LaunchWatch, Reward, RewardStatus
from rewards.reasons import banned_reason, reward_reason_text
from rewards.services import action_record
from rewards.tests.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(make_merchant, make_campaign, make_consumer):
    merchant = make_merchant(brand_name="Joy Coffee")
    make_campaign(merchant)
    alice, bob = make_consumer("Alice"), make_consumer("Bob")
    action_record(user=alice, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW, device_id="d")
    action_record(user=bob, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW, device_id="d")
    return Reward.objects.get(status=RewardStatus.HELD)


def page_text(response) -> str:
    """What the page shows, as words (tags dropped, spaces and line breaks collapsed, no-break spaces kept)."""
    assert response.status_code == 200
    body = re.sub(r"<script.*?</script>|<style.*?</style>", "", response.content.decode(), flags=re.S)
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_the_held_reward_page_is_labelled_titled_and_explained_in_german(ops_client, held):
    text = page_text(ops_client.get(f"/ops/rewards/heldreward/{held.pk}/change/", HTTP_ACCEPT_LANGUAGE="de"))

    for label in ("Aktion:", "Momentaufnahme der Interaktionen:", "Benutzer:", "Händler:", "Prämienregel:"):
        assert label in text
    for label in ("Berechnung:", "Vorzustrecken am:", "Vorgestreckt am:", "Entschieden von:"):
        assert label in text
    assert "Aktion: Anmeldung mit TikTok von Bob für Joy Coffee" in text
    assert "Grund: In Prüfung: ungewöhnliche Aktivität." in text
    for english in (
        "Snapshot:",
        "Rule:",
        "Advance at",
        "Advanced at",
        "Decided by",
        " by Bob for ",
        "unusual",
    ):
        assert english not in text


def test_the_social_action_page_is_labelled_in_italian_with_its_risk_signals_in_words(ops_client, held):
    text = page_text(
        ops_client.get(f"/ops/rewards/socialaction/{held.action_id}/change/", HTTP_ACCEPT_LANGUAGE="it")
    )

    for label in ("Tipo di azione:", "Dettaglio dello stato:", "Parametri del motivo:", "Avvenuta il:"):
        assert label in text
    for label in ("Creato il:", "Post seguito:", "Punteggio di rischio: 60", "Segnali di rischio:"):
        assert label in text
    assert "Accesso con TikTok di Bob per Joy Coffee" in text
    assert "other people earned" not in text  # the recorded signal, read in words
    for english in (
        "Action type",
        "Status detail",
        "Reason params",
        "Occurred at",
        "Risk score",
        "Tracked post",
    ):
        assert english not in text


def test_the_rewards_list_gives_the_engines_reason_in_german(ops_client, held):
    text = page_text(ops_client.get("/ops/rewards/reward/", HTTP_ACCEPT_LANGUAGE="de"))

    assert "In Prüfung: ungewöhnliche Aktivität." in text
    assert "Held for review: unusual activity." not in text


def test_bans_and_waiting_people_are_named_in_the_readers_language(held, ops):
    ban = Ban(user=held.user, reason="Betrug", banned_by=ops, banned_at=NOW)
    watch = LaunchWatch(user=held.user, merchant=held.merchant, created_at=NOW)

    with translation.override("de"):
        assert str(ban) == "Bob gesperrt: Betrug"
        assert str(watch) == "Bob wartet auf die erste Kampagne von Joy Coffee"


def test_a_reward_reversed_by_a_ban_gives_its_reason_in_the_readers_language():
    stored = banned_reason("  fake accounts  ")

    with translation.override("de"):
        german = reward_reason_text(stored)

    assert stored == "Account banned: fake accounts"
    assert german == "Konto gesperrt: fake accounts"


def test_the_social_actions_list_names_the_campaign_in_the_readers_language(held, ops_client):
    campaign = held.campaign
    CampaignText.objects.create(campaign=campaign, language="de", name="Winteraufwärmung")

    german = page_text(ops_client.get("/ops/rewards/socialaction/", HTTP_ACCEPT_LANGUAGE="de"))
    french = page_text(ops_client.get("/ops/rewards/socialaction/", HTTP_ACCEPT_LANGUAGE="fr"))

    assert "Winteraufwärmung" in german and campaign.name not in german
    assert campaign.name in french and "Winteraufwärmung" not in french  # no French name: its own


def test_the_held_reward_page_names_its_rules_campaign_in_german(held, ops_client):
    CampaignText.objects.create(campaign=held.campaign, language="de", name="Winteraufwärmung")

    text = page_text(ops_client.get(f"/ops/rewards/heldreward/{held.pk}/change/", HTTP_ACCEPT_LANGUAGE="de"))

    assert "Prämienregel: Anmeldung mit TikTok in Winteraufwärmung" in text
    assert f" in {held.campaign.name}" not in text


def test_a_rewards_calculation_reads_as_lines_in_the_readers_language_not_json(ops_client, held):
    response = ops_client.get(f"/ops/rewards/reward/{held.pk}/change/", HTTP_ACCEPT_LANGUAGE="de")
    text = page_text(response)
    calculation = response.content.decode().split('data-testid="calculation">')[1].split("</table>")[0]

    assert "<th scope='row'>" in calculation and "<td>" in calculation
    assert "{" not in calculation and '"' not in calculation  # no JSON
    assert "Regel" in calculation and "#" in calculation  # the rule's number, labelled in German
    assert "Berechnung:" in text


def test_the_change_pages_name_the_campaign_in_the_readers_language_with_a_link(ops_client, held):
    CampaignText.objects.create(campaign=held.campaign, language="de", name="Winteraktion")

    for url in (
        f"/ops/rewards/reward/{held.pk}/change/",
        f"/ops/rewards/heldreward/{held.pk}/change/",
        f"/ops/rewards/socialaction/{held.action_id}/change/",
    ):
        page = ops_client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
        assert f'href="/ops/campaigns/campaign/{held.campaign_id}/change/">Winteraktion</a>' in page, url
        assert held.campaign.name not in page_text(ops_client.get(url, HTTP_ACCEPT_LANGUAGE="de")), url


@pytest.mark.parametrize(
    ("language", "title", "old"),
    [
        ("fr", "Par incertitude", "Par on ne sait pas"),
        ("it", "Per incertezza", "Per non si sa"),
        ("es", "Por incertidumbre", "Por no se sabe"),
        ("de", "Nach Ungewissheit", "unbekannt, ob"),
    ],
)
def test_the_notices_uncertainty_filter_is_titled_with_a_noun(ops_client, language, title, old):
    """#23: Django writes "By <the field's name>": "Par on ne sait pas s'il est arrivé" read as nonsense."""
    text = page_text(ops_client.get("/ops/rewards/consumernotice/", HTTP_ACCEPT_LANGUAGE=language))

    assert title in text
    assert old not in text
