"""Fixtures for the social tests: a local server speaking TikTok's and WhatsApp's wire formats."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.utils import timezone

from accounts.models import User
from social.models import TikTokProfile


@pytest.fixture
def tiktok_api(httpserver, settings):
    """Point TikJoy's TikTok URLs at pytest-httpserver; back-off waits become tiny."""
    base = httpserver.url_for("/").rstrip("/")
    settings.TIKTOK_API_BASE_URL = base
    settings.TIKTOK_AUTH_URL = base + "/v2/auth/authorize/"
    settings.TIKTOK_CLIENT_KEY = "test-client-key"
    settings.TIKTOK_CLIENT_SECRET = "test-client-secret"
    settings.SOCIALACCOUNT_PROVIDERS = {
        "tiktok": {
            "SCOPE": settings.TIKTOK_SCOPES,
            "APPS": [{"client_id": "test-client-key", "secret": "test-client-secret", "key": ""}],
        }
    }
    settings.TIKTOK_BACKOFF_SECONDS = 0.01
    return httpserver


@pytest.fixture
def whatsapp_api(httpserver, settings):
    settings.WHATSAPP_API_BASE_URL = httpserver.url_for("/v21.0").rstrip("/")
    settings.WHATSAPP_PHONE_NUMBER_ID = "1055"
    settings.WHATSAPP_ACCESS_TOKEN = "wa-test-token"
    return httpserver


def ok(data: dict) -> dict:
    return {"data": data, "error": {"code": "ok", "message": "", "log_id": "LOG1"}}


def api_error(code: str, message: str = "") -> dict:
    return {"data": {}, "error": {"code": code, "message": message, "log_id": "LOG2"}}


def token_json(access: str = "act.new", refresh: str = "rft.new", open_id: str = "open-1") -> dict:
    return {
        "access_token": access,
        "expires_in": 86400,
        "open_id": open_id,
        "refresh_expires_in": 31536000,
        "refresh_token": refresh,
        "scope": "user.info.basic,user.info.profile,user.info.stats,video.list",
        "token_type": "Bearer",
    }


def video_json(video_id: str, caption: str, created, **counts) -> dict:
    return {
        "id": video_id,
        "video_description": caption,
        "title": caption[:10],
        "create_time": int(created.timestamp()),
        "share_url": f"https://www.tiktok.com/@x/video/{video_id}",
        **counts,
    }


@pytest.fixture
def connected_user(db):
    """A consumer whose TikTok is connected, with an access token valid for 20 more hours."""

    def make(open_id: str = "open-1", access: str = "act.old", refresh: str = "rft.old", expires_in_hours=20):
        user = User.objects.create_user(display_name="Ana")
        account = SocialAccount.objects.create(user=user, provider="tiktok", uid=open_id, extra_data={})
        SocialToken.objects.create(
            account=account,
            token=access,
            token_secret=refresh,
            expires_at=timezone.now() + timedelta(hours=expires_in_hours),
        )
        TikTokProfile.objects.create(user=user, open_id=open_id, display_name="Ana", username="ana")
        return user

    return make


def body_json(request) -> dict:
    return json.loads(request.get_data())
