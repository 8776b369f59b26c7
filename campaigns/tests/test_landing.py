"""The brand page and the consumer's UGC pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from campaigns import services
from campaigns.models import ActionType, UgcPolicy, UgcStatus, UgcSubmission
from campaigns.tests.conftest import NOW, rule, tiny_mp4

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_brand_page_shows_what_the_user_gets_after_the_margin(client, merchant, make_campaign):
    make_campaign(
        merchant,
        rules=[
            rule(ActionType.TIKTOK_LOGIN, amount=Decimal("1.00")),
            rule(
                ActionType.SHARE_VIDEO,
                amount=Decimal("2.00"),
                per_1000_views=Decimal("0.25"),
                max_per_post=Decimal("10.00"),
            ),
        ],
    )

    text = client.get(f"/b/{merchant.slug}/").content.decode()

    assert "Summer JoyBack" in text
    assert (
        "0.80" in text and "1.00" not in text
    )  # 80 % of 1.00: the user's amount, never the merchant's price
    assert "€0.20 per 1,000 views" in text  # 0.25 x 0.80
    assert "up to €8.00 per post" in text
    assert "#acmesummer" in text
    assert "has no live campaigns yet" not in text


def test_a_draft_or_paused_campaign_is_not_on_the_brand_page(client, merchant, owner, make_campaign):
    draft = make_campaign(merchant, activate=False, name="Draft one")
    paused = make_campaign(merchant, name="Paused one")
    services.campaign_pause(campaign=paused, actor=owner)

    text = client.get(f"/b/{merchant.slug}/").content.decode()

    assert draft.name not in text and paused.name not in text
    assert "has no live campaigns yet" in text


def test_library_videos_can_be_downloaded_and_their_caption_copied(client, merchant, owner):
    services.video_add(
        merchant=merchant, actor=owner, title="Beach", caption="Sun!", hashtags="#acmesummer", file=tiny_mp4()
    )

    text = client.get(f"/b/{merchant.slug}/").content.decode()
    assert "Sun! #acmesummer" in text
    assert 'data-copy-target="caption-' in text and "campaigns/copy_caption.js" in text

    download = client.get(reverse("campaigns:video_download", kwargs={"slug": merchant.slug, "slot": 1}))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"ftyp" in b"".join(download.streaming_content)


def test_an_unknown_video_is_a_404(client, merchant):
    assert (
        client.get(reverse("campaigns:video_download", kwargs={"slug": merchant.slug, "slot": 3})).status_code
        == 404
    )


def test_a_consumer_submits_a_video_and_resubmits_after_changes_are_requested(
    client, merchant, owner, make_campaign, make_user
):
    campaign = make_campaign(merchant, ugc_policy=UgcPolicy.ALL_USERS)
    consumer = make_user("fan@consumer.example")
    client.force_login(consumer)
    url = reverse("campaigns:ugc", kwargs={"slug": merchant.slug, "campaign_id": campaign.pk})
    assert "Submit your own video" in client.get(f"/b/{merchant.slug}/").content.decode()

    response = client.post(url, {"file": tiny_mp4(), "caption": "My summer"})
    assert response.status_code == 302
    submission = UgcSubmission.objects.get(user=consumer)
    services.ugc_review(
        submission=submission,
        actor=owner,
        decision=UgcStatus.CHANGES_REQUESTED,
        reason="Say the brand",
        now=NOW,
    )
    page = client.get(url).content.decode()
    assert "Say the brand" in page and "Resubmit" in page

    client.post(
        reverse(
            "campaigns:ugc_resubmit",
            kwargs={"slug": merchant.slug, "campaign_id": campaign.pk, "submission_id": submission.pk},
        ),
        {"caption": "My Acme summer"},
    )
    submission.refresh_from_db()
    assert (submission.status, submission.caption, submission.revision) == (
        UgcStatus.SUBMITTED,
        "My Acme summer",
        2,
    )


def test_a_non_creator_is_told_why_they_cannot_submit(client, merchant, make_campaign, make_user):
    campaign = make_campaign(merchant)
    client.force_login(make_user("fan@consumer.example"))
    url = reverse("campaigns:ugc", kwargs={"slug": merchant.slug, "campaign_id": campaign.pk})

    assert "creators only" in client.get(url).content.decode()
    client.post(url, {"file": tiny_mp4(), "caption": "Mine"})
    assert not UgcSubmission.objects.exists()


def test_a_bad_upload_is_a_form_error_not_a_500(client, merchant, make_campaign, make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    campaign = make_campaign(merchant, ugc_policy=UgcPolicy.ALL_USERS)
    client.force_login(make_user("fan@consumer.example"))
    url = reverse("campaigns:ugc", kwargs={"slug": merchant.slug, "campaign_id": campaign.pk})

    response = client.post(url, {"file": SimpleUploadedFile("x.exe", b"MZ..."), "caption": "Mine"})

    assert response.status_code == 400
    assert "Upload a video file" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/b/acme/videos/99999999999999999999/download/",
        "/b/acme/campaigns/99999999999999999999/my-video/",
        "/b/nobody/videos/1/download/",
    ],
)
def test_absurd_addresses_are_404_not_500(client, merchant, make_user, path):
    client.force_login(make_user("fan@consumer.example"))

    assert client.get(path).status_code == 404


def test_the_german_brand_page_reads_the_new_and_returning_amounts_as_one_correct_sentence(
    client, merchant, make_campaign
):
    import re

    make_campaign(
        merchant,
        new_user_multiplier=Decimal("1.50"),
        rules=[rule(ActionType.SHARE_VIDEO, amount=Decimal("2.00"), per_1000_views=Decimal("0.25"))],
    )

    page = client.get(f"/b/{merchant.slug}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    offer = " ".join(re.search(r'data-action="SHARE_VIDEO">(.*?)</li>', page, re.S).group(1).split())
    offer = re.sub(r"<[^>]+>", "", offer).replace("\xa0", " ")

    # a subordinate clause ("wenn du ... verdient hast") running into "sobald ..." without its comma
    assert "hast sobald" not in offer and "sobald" not in offer
    assert (
        f"für Kunden mit früheren Prämien von {merchant.brand_name} (jeweils nach Bestätigung deines Beitrags), plus"
        in (" ".join(offer.split()))
    ), offer
