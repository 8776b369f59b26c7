"""A campaign's name and a library video's title and caption in several languages: written on the
console's campaign and video pages, checked by the services (known language, once each, a name or
title), shown by ``Campaign.name_in`` and ``Video.title_in`` / ``Video.caption_for``."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns.models import CampaignText, VideoText
from campaigns.services import CampaignInvalid, campaign_texts_save, video_add, video_texts_save
from tikjoy.tests.factories import owner_of
from tikjoy.tests.html_forms import main_form

pytestmark = pytest.mark.django_db


def test_the_name_in_the_visitors_language_else_the_campaigns_own(merchant, make_campaign):
    campaign = make_campaign(merchant)
    version = campaign.version

    campaign = campaign_texts_save(
        campaign=campaign, actor=owner_of(merchant), texts={"it": " Primavera ", "es": "Primavera JoyBack"}
    )

    assert campaign.version == version + 1
    assert campaign.name_in("it") == "Primavera"
    assert campaign.name_in("es-ES") == "Primavera JoyBack"
    assert campaign.name_in("de") == campaign.name
    assert campaign.name_in("en") == campaign.name
    campaign_texts_save(campaign=campaign, actor=owner_of(merchant), texts={"es": "Primavera JoyBack"})
    assert list(CampaignText.objects.values_list("language", flat=True)) == ["es"]


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ({"xx": "Nope"}, "Choose a language from the list."),
        ({"it": "  "}, "Write the campaign's name in each language you add."),
        ({"en": "Spring"}, "The campaign's own name is already in English"),
        ({"de": "x" * 121}, "at most 120 characters"),
    ],
)
def test_the_service_refuses_what_cant_be_shown(merchant, make_campaign, texts, message):
    campaign = make_campaign(merchant)

    with pytest.raises(CampaignInvalid) as refused:
        campaign_texts_save(campaign=campaign, actor=owner_of(merchant), texts=texts)

    assert message in str(refused.value)
    assert not CampaignText.objects.exists()


def test_a_merchant_writes_the_names_on_the_campaign_page(client, merchant, make_campaign):
    campaign = make_campaign(merchant)
    client.force_login(owner_of(merchant))
    url = reverse("console:campaigns_campaign_change", args=[campaign.pk])
    page = client.get(url).content.decode()
    assert "Name in other languages" in page and 'name="texts-TOTAL_FORMS"' in page
    data = {**main_form(page).data(), "_save": "Save"}
    data.update({"texts-TOTAL_FORMS": "2", "texts-0-language": "it", "texts-0-name": "Primavera JoyBack"})
    data.update({"texts-1-language": "de", "texts-1-name": "Frühlings-JoyBack"})

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert dict(CampaignText.objects.filter(campaign=campaign).values_list("language", "name")) == {
        "it": "Primavera JoyBack",
        "de": "Frühlings-JoyBack",
    }


def test_the_campaign_page_refuses_its_own_language_twice_and_saves_nothing(client, merchant, make_campaign):
    campaign = make_campaign(merchant)
    client.force_login(owner_of(merchant))
    url = reverse("console:campaigns_campaign_change", args=[campaign.pk])
    data = {**main_form(client.get(url).content.decode()).data(), "_save": "Save"}
    data.update({"texts-TOTAL_FORMS": "1", "texts-0-language": "en", "texts-0-name": "Spring again"})

    response = client.post(url, data)

    assert response.status_code == 200
    assert "already in this language" in response.content.decode()
    assert not CampaignText.objects.exists()


def _video(merchant):
    return video_add(
        merchant=merchant,
        actor=owner_of(merchant),
        title="Summer",
        caption="Sun all day",
        hashtags="summer",
        tiktok_url="https://www.tiktok.com/@shop/video/7300000000000000001",
    )


def test_a_videos_title_and_caption_in_the_visitors_language_else_its_own(merchant):
    video = _video(merchant)

    video_texts_save(
        video=video, actor=owner_of(merchant), texts={"it": (" Estate ", " Sole tutto il giorno ")}
    )

    video.refresh_from_db()
    assert (video.title_in("it-IT"), video.share_text_in("it")) == ("Estate", "Sole tutto il giorno #summer")
    assert (video.title_in("de"), video.share_text_in("de")) == ("Summer", "Sun all day #summer")
    video_texts_save(video=video, actor=owner_of(merchant), texts={"de": ("Sommer", "")})
    assert list(VideoText.objects.values_list("language", "title", "caption")) == [("de", "Sommer", "")]


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ({"xx": ("Nope", "")}, "Choose a language from the list."),
        ({"it": ("  ", "Sole")}, "Write the video's title in each language you add."),
        ({"de": ("x" * 121, "")}, "at most 120 characters"),
        ({"fr": ("Été", "x" * 2201)}, "at most 2200 characters"),
    ],
)
def test_the_video_texts_service_refuses_what_cant_be_shown(merchant, texts, message):
    video = _video(merchant)

    with pytest.raises(CampaignInvalid) as refused:
        video_texts_save(video=video, actor=owner_of(merchant), texts=texts)

    assert message in str(refused.value)
    assert not VideoText.objects.exists()


def test_a_merchant_writes_a_videos_texts_on_its_page_and_a_language_twice_is_refused(client, merchant):
    video = _video(merchant)
    client.force_login(owner_of(merchant))
    url = reverse("console:campaigns_video_change", args=[video.pk])
    page = client.get(url).content.decode()
    assert "Title and caption in other languages" in page and 'name="texts-TOTAL_FORMS"' in page
    data = {**main_form(page).data(), "_save": "Save"}
    data.update({"texts-TOTAL_FORMS": "2", "texts-0-language": "it", "texts-0-title": "Estate"})
    data.update({"texts-0-caption": "Sole", "texts-1-language": "it", "texts-1-title": "Estate bis"})

    refused = client.post(url, data)

    assert refused.status_code == 200 and "Give each language once." in refused.content.decode()
    assert not VideoText.objects.exists()
    data.update({"texts-1-language": "fr", "texts-1-title": "Été"})

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert dict(VideoText.objects.values_list("language", "caption")) == {"it": "Sole", "fr": ""}
