"""The campaign pages of the console in the merchant's language: the form's field names, the rules'
columns and the model names are translated, not the English derived from the code."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from campaigns import services
from campaigns.models import ActionType, Campaign, UgcSubmission, Video
from campaigns.services import video_add
from campaigns.tests.conftest import rule
from tikjoy.tests.factories import response_text

pytestmark = pytest.mark.django_db


def test_the_campaign_form_in_german_names_every_field_in_german(client, merchant, owner, make_campaign):
    campaign = make_campaign(merchant)
    client.force_login(owner)

    page = response_text(
        client.get(
            reverse("console:campaigns_campaign_change", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="de"
        )
    )

    for german in (
        "Beginn",
        "Ende",
        "Kontaktpunkte",
        "Budget",
        "Multiplikator für neue Nutzer",
        "Multiplikator für wiederkehrende Nutzer",
        "Tageslimit pro Nutzer",
        "Kampagnenlimit pro Nutzer",
        "Mindestprämie",
        "Höchstprämie",
        "Höchstbetrag pro Beitrag",
        "Aktiviert",
        "Betrag",
    ):
        assert german in page, german
    for english in (
        "Starts",
        "Ends",
        "Touchpoints",
        "New user multiplier",
        "Returning user multiplier",
        "User daily cap",
        "User campaign cap",
        "Min reward",
        "Max reward",
        "Max per post",
        "Enabled",
        "Amount",
    ):
        assert english not in page, english


def test_the_campaign_list_in_german_has_german_column_headers(client, merchant, owner, make_campaign):
    make_campaign(merchant)
    client.force_login(owner)

    page = response_text(
        client.get(reverse("console:campaigns_campaign_changelist"), HTTP_ACCEPT_LANGUAGE="de")
    )

    assert "Aktiv" in page
    for english in ("Starts", "Ends", "Spent", "Budget left"):
        assert english not in page, english


def test_all_pages_in_german_name_the_video_submissions_in_german(client, merchant, owner):
    client.force_login(owner)

    page = response_text(client.get(reverse("console:index"), HTTP_ACCEPT_LANGUAGE="de"))

    assert "UGC-Einreichungen" in page
    assert "UGC submissions" not in page


def test_the_english_campaign_form_is_unchanged(client, merchant, owner, make_campaign):
    campaign = make_campaign(merchant)
    client.force_login(owner)

    page = response_text(client.get(reverse("console:campaigns_campaign_change", args=[campaign.pk])))

    for english in ("Starts", "Touchpoints", "New user multiplier", "User daily cap", "Max per post"):
        assert english in page, english


def _inline_headings(page: str) -> list[str]:
    """Each reward rule's heading as a person reads it ("Reward rule: #1"), the markup left out."""
    headings = re.findall(r"<h3><b>(.*?)</b>\s*<span class=\"inline_label\">(.*?)</span>", page, re.S)
    return [f"{label} {re.sub(r'<[^>]+>', '', rule).strip()}" for label, rule in headings]


def test_the_reward_rules_headings_put_a_no_break_space_before_the_colon_in_french(
    client, merchant, owner, make_campaign
):
    campaign = make_campaign(merchant, rules=[rule(ActionType.TIKTOK_LOGIN)])
    client.force_login(owner)

    add = response_text(client.get(reverse("console:campaigns_campaign_add"), HTTP_ACCEPT_LANGUAGE="fr"))
    change = response_text(
        client.get(
            reverse("console:campaigns_campaign_change", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="fr"
        )
    )
    english = response_text(
        client.get(
            reverse("console:campaigns_campaign_change", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
    )

    assert "Règle de récompense\xa0: #1" in _inline_headings(add)
    assert "Règle de récompense\xa0: Connexion avec TikTok dans Summer JoyBack" in _inline_headings(change)
    assert "Reward rule: Log in with TikTok in Summer JoyBack" in _inline_headings(english)
    assert "Règle de récompense: " not in add + change


def test_the_video_form_in_german_explains_the_slot_in_german(client, merchant, owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    video = video_add(
        merchant=merchant,
        actor=owner,
        title="Clip",
        tiktok_url="https://www.tiktok.com/@acme/video/7000000000000000001",
    )
    client.force_login(owner)

    page = response_text(
        client.get(reverse("console:campaigns_video_change", args=[video.pk]), HTTP_ACCEPT_LANGUAGE="de")
    )

    assert "1 bis 15." in page
    assert "1 to 15." not in page


def test_a_slot_out_of_range_is_refused_in_the_readers_language(merchant):
    video = Video(merchant=merchant, slot=16, title="Clip", tiktok_url="https://www.tiktok.com/@a/video/1")

    with translation.override("de"), pytest.raises(ValidationError) as refused:
        video.validate_constraints()

    assert refused.value.messages == ["Wählen Sie einen Platz von 1 bis 15."]


def test_what_a_shared_post_must_carry_is_written_in_the_readers_language():
    both, one = Campaign(hashtag="joywinter", mention="joycoffee"), Campaign(hashtag="joywinter")

    with translation.override("de"):
        assert both.requirement == "#joywinter oder @joycoffee"
        assert one.requirement == "#joywinter"
    with translation.override("fr"):
        assert both.requirement == "#joywinter ou @joycoffee"
    assert both.tags == ["#joywinter", "@joycoffee"]


@pytest.mark.parametrize(
    ("language", "heading", "in_a_sentence"),
    [
        ("fr", "Vidéos soumises (UGC)", "objet vidéo soumise (UGC) "),
        ("it", "Video inviati (UGC)", "salvata: video inviato (UGC) "),
        ("es", "Vídeos enviados (UGC)", "cambios: vídeo enviado (UGC) "),
    ],
)
def test_the_video_submissions_are_a_heading_on_their_own_and_lower_case_inside_a_sentence(
    client, merchant, owner, language, heading, in_a_sentence
):
    client.force_login(owner)

    index = response_text(client.get(reverse("console:index"), HTTP_ACCEPT_LANGUAGE=language))
    with translation.override(language):
        # The admin's message after a change, as Django words it around the model's name.
        message = gettext("The {name} “{obj}” was changed successfully.").format(
            name=UgcSubmission._meta.verbose_name, obj="x"
        )

    assert heading in index
    assert in_a_sentence in message


def test_a_videos_translation_rows_are_captioned_by_their_language_and_own_title(client, merchant, owner):
    video = video_add(
        merchant=merchant,
        actor=owner,
        title="Behind the roaster",
        tiktok_url="https://www.tiktok.com/@acme/video/7000000000000000002",
    )
    video.texts.create(language="de", title="Hinter dem Röster")
    client.force_login(owner)

    page = response_text(
        client.get(reverse("console:campaigns_video_change", args=[video.pk]), HTTP_ACCEPT_LANGUAGE="de")
    )

    italian = response_text(
        client.get(reverse("console:campaigns_video_change", args=[video.pk]), HTTP_ACCEPT_LANGUAGE="it")
    )

    assert "Deutsch: Hinter dem Röster" in page
    assert "Behind the roaster (de)" not in page
    # The language is named in the reader's language, not in its own.
    assert "Tedesco: Hinter dem Röster" in italian
    assert "Deutsch: Hinter dem Röster" not in italian


def test_the_video_library_names_a_video_in_the_readers_language_as_the_campaigns_do(client, merchant, owner):
    video = video_add(
        merchant=merchant,
        actor=owner,
        title="Behind the roaster",
        tiktok_url="https://www.tiktok.com/@acme/video/7000000000000000003",
    )
    video.texts.create(language="de", title="Hinter dem Röster")
    client.force_login(owner)

    listing = response_text(
        client.get(reverse("console:campaigns_video_changelist"), HTTP_ACCEPT_LANGUAGE="de")
    )
    change = response_text(
        client.get(reverse("console:campaigns_video_change", args=[video.pk]), HTTP_ACCEPT_LANGUAGE="de")
    )
    english = response_text(
        client.get(reverse("console:campaigns_video_changelist"), HTTP_ACCEPT_LANGUAGE="en")
    )

    assert "Hinter dem Röster" in listing and "Behind the roaster" not in listing
    assert "<title>Hinter dem Röster | Video ändern" in change  # the heading and breadcrumb name it so
    assert "Behind the roaster" in english and "Hinter dem Röster" not in english


def test_the_video_librarys_csv_gives_titles_and_captions_in_the_readers_language(client, merchant, owner):
    video = video_add(
        merchant=merchant,
        actor=owner,
        title="Behind the roaster",
        caption="How we roast",
        tiktok_url="https://www.tiktok.com/@acme/video/7000000000000000004",
    )
    video.texts.create(language="fr", title="Dans les coulisses", caption="Comment nous torréfions")
    client.force_login(owner)

    response = client.get(reverse("console:campaigns_video_export"), HTTP_ACCEPT_LANGUAGE="fr")
    csv_text = b"".join(response.streaming_content).decode()

    assert "Dans les coulisses" in csv_text and "Comment nous torréfions" in csv_text
    assert "Behind the roaster" not in csv_text and "How we roast" not in csv_text


def test_a_refused_state_change_names_the_states_as_each_language_writes_them(merchant, owner, make_campaign):
    """#23: the states were lower-cased in every language ("Status „entwurf“")."""
    draft = make_campaign(merchant, activate=False)

    refusals = {}
    for language in ("de", "en", "it"):
        with translation.override(language), pytest.raises(services.CampaignError) as refused:
            services.campaign_pause(campaign=draft, actor=owner)
        refusals[language] = str(refused.value)

    assert refusals["de"] == "Eine Kampagne mit Status „Entwurf“ kann nicht „Pausiert“ werden."
    assert refusals["en"] == "A campaign that is draft cannot become paused."
    assert refusals["it"] == "Una campagna nello stato «bozza» non può passare a «in pausa»."
