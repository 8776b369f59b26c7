"""The social pages in the person's language: why TikTok was disconnected, in German and French."""

from __future__ import annotations

from html import unescape

import pytest
from django.utils import timezone

from accounts.models import User
from social.models import TikTokProfile

pytestmark = pytest.mark.django_db


def test_the_reason_tiktok_was_disconnected_is_in_german_and_french(client):
    user = User.objects.create_user(email="zoe@example.com", password="a-long-pass-phrase-42")
    TikTokProfile.objects.create(
        user=user,
        open_id="open-1",
        disconnected_at=timezone.now(),
        disconnect_reason=TikTokProfile.DisconnectReason.REVOKED_BY_USER,
    )
    client.force_login(user)

    german = unescape(client.get("/me/", HTTP_ACCEPT_LANGUAGE="de").content.decode())
    french = unescape(client.get("/me/", HTTP_ACCEPT_LANGUAGE="fr").content.decode())

    assert "getrennt: du hast TikJoy den Zugriff in TikTok entzogen." in german
    assert "you removed TikJoy's access" not in german
    assert "vous avez retiré l\u2019accès de TikJoy dans TikTok" in french
