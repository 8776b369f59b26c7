"""The demo campaign's texts (``campaigns.demo``): French ones keep their colon on the line of the word
before it (a no-break space, #23), and seeding again brings a demo seeded before up to date."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from campaigns.demo import DEMO_CAMPAIGN_NAME, DEMO_CAMPAIGN_TEXTS, DEMO_VIDEO_TEXTS, demo_seed
from campaigns.models import Campaign, VideoText
from campaigns.services import campaign_texts_save, video_texts_save
from tikjoy.tests.factories import ConsumerFactory, UserFactory

pytestmark = pytest.mark.django_db

LATTE_ART = "Demo: latte art in 10 seconds"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the demo stores a UGC placeholder file


@pytest.fixture
def people():
    return {
        "owner": UserFactory(email="owner@demo.example"),
        "manager": UserFactory(email="manager@demo.example"),
        "ops": UserFactory(email="ops@demo.example", is_staff=True, is_superuser=True),
        "creator": ConsumerFactory(display_name="Chloe"),
    }


def seed(people) -> Campaign:
    return demo_seed(now=timezone.now(), **people)


def _french_texts() -> list[str]:
    texts = [DEMO_CAMPAIGN_TEXTS["fr"]]
    for video in DEMO_VIDEO_TEXTS.values():
        texts += video["fr"]
    return texts


def test_every_french_demo_text_has_a_no_break_space_before_its_punctuation():
    for text in _french_texts():
        assert not re.search(r"(?<!\xa0)[:;?!»]|«(?!\xa0)", text), text
    assert DEMO_CAMPAIGN_TEXTS["fr"] == "Démo\xa0: JoyBack pour se réchauffer cet hiver"


def test_the_demo_campaign_and_its_videos_read_in_french_with_the_no_break_space(client, people):
    seed(people)
    client.force_login(people["owner"])

    campaigns = client.get("/console/campaigns/campaign/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    brand_page = client.get("/b/joycoffee/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Démo\xa0: JoyBack pour se réchauffer cet hiver" in campaigns
    assert "Démo\xa0: JoyBack pour se réchauffer cet hiver" in brand_page
    assert "Démo\xa0: latte art en 10 secondes" in brand_page
    assert "Démo : " not in campaigns + brand_page


def test_seeding_again_brings_a_demo_seeded_before_up_to_date_and_keeps_texts_changed_by_hand(people):
    campaign = seed(people)
    owner = people["owner"]
    # As seed_demo wrote them before: an ordinary space before the French colon.
    campaign_texts_save(
        campaign=campaign,
        actor=owner,
        texts={**DEMO_CAMPAIGN_TEXTS, "fr": "Démo : JoyBack pour se réchauffer cet hiver"},
    )
    latte_art = campaign.merchant.videos.get(title=LATTE_ART)
    video_texts_save(
        video=latte_art,
        actor=owner,
        texts={
            **DEMO_VIDEO_TEXTS[LATTE_ART],
            "fr": ("Démo : latte art en 10 secondes", "Latte art chez Joy Coffee"),
        },
    )
    roaster = campaign.merchant.videos.get(title="Demo: behind the roaster")
    by_hand = {
        **DEMO_VIDEO_TEXTS["Demo: behind the roaster"],
        "fr": ("Notre torréfaction", "Chez Joy Coffee"),
    }
    video_texts_save(video=roaster, actor=owner, texts=by_hand)

    seed(people)
    version = Campaign.objects.get(pk=campaign.pk).version
    seed(people)  # once more: nothing left to change

    campaign = Campaign.objects.get(name=DEMO_CAMPAIGN_NAME)
    assert campaign.name_in("fr") == "Démo\xa0: JoyBack pour se réchauffer cet hiver"
    assert campaign.version == version
    assert VideoText.objects.get(video=latte_art, language="fr").title == "Démo\xa0: latte art en 10 secondes"
    assert VideoText.objects.get(video=roaster, language="fr").title == "Notre torréfaction"
    assert campaign.texts.count() == 4 and latte_art.texts.count() == 4
