"""The creator's upload form states the size limit, in the creator's language (#23)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns.models import UgcPolicy

pytestmark = pytest.mark.django_db


def test_the_upload_help_states_the_size_limit_in_german(
    client, merchant, make_campaign, make_user, settings
):
    settings.VIDEO_MAX_UPLOAD_MB = 50
    campaign = make_campaign(merchant, ugc_policy=UgcPolicy.ALL_USERS)
    client.force_login(make_user("fan@consumer.example"))
    url = reverse("campaigns:ugc", kwargs={"slug": merchant.slug, "campaign_id": campaign.pk})

    german = client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "Eine mp4-, mov- oder webm-Datei mit bis zu 50 MB." in german
    assert "mp4, mov oder webm." not in german
