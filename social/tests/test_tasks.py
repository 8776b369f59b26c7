"""Scheduled tasks: token refresh before expiry, engagement sync, schedules present, demo seed."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialToken
from django.utils import timezone
from django_q.models import Schedule

from sandbox.demo import sandbox_demo_seed
from sandbox.models import SandboxTikTokPersona
from social.models import TikTokProfile
from social.tasks import tiktok_engagement_sync, tiktok_tokens_refresh
from social.tests.conftest import ok, token_json

pytestmark = pytest.mark.django_db


def test_tokens_expiring_soon_are_refreshed_and_the_profile_resynced(tiktok_api, connected_user):
    due = connected_user(open_id="open-due", access="act.due", refresh="rft.due", expires_in_hours=2)
    connected_user(open_id="open-fresh", access="act.fresh", refresh="rft.fresh", expires_in_hours=23)
    tiktok_api.expect_oneshot_request("/v2/oauth/token/", method="POST").respond_with_json(
        token_json(access="act.new", refresh="rft.new", open_id="open-due")
    )
    tiktok_api.expect_oneshot_request(
        "/v2/user/info/", headers={"Authorization": "Bearer act.new"}
    ).respond_with_json(ok({"user": {"open_id": "open-due", "display_name": "Ana", "follower_count": 7000}}))

    result = tiktok_tokens_refresh()

    assert result == {"refreshed": 1, "failed": 0}
    assert SocialToken.objects.get(account__user=due).token == "act.new"
    assert TikTokProfile.objects.get(user=due).is_creator
    tiktok_api.check_assertions()


def test_disconnected_identities_are_not_refreshed(tiktok_api, connected_user):
    user = connected_user(expires_in_hours=1)
    TikTokProfile.objects.filter(user=user).update(
        disconnected_at=timezone.now(), disconnect_reason=TikTokProfile.DisconnectReason.REVOKED_BY_USER
    )

    assert tiktok_tokens_refresh() == {"refreshed": 0, "failed": 0}
    assert tiktok_api.log == []


def test_engagement_sync_task_with_nothing_tracked_calls_nobody(tiktok_api):
    assert tiktok_engagement_sync() == {"snapshots": 0, "gone": 0, "users_skipped": 0, "rate_limited": False}
    assert tiktok_api.log == []


def test_the_schedules_exist_and_run_well_inside_the_24_hour_token_life():
    schedules = {s.func: s for s in Schedule.objects.filter(func__startswith="social.tasks.")}

    assert set(schedules) == {"social.tasks.tiktok_tokens_refresh", "social.tasks.tiktok_engagement_sync"}
    assert schedules["social.tasks.tiktok_tokens_refresh"].minutes <= 60
    assert all(s.repeats == -1 for s in schedules.values())


def test_demo_seed_is_idempotent(settings):
    settings.SOCIAL_SANDBOX = True

    sandbox_demo_seed()
    count = SandboxTikTokPersona.objects.count()
    lines = sandbox_demo_seed()

    assert count >= 4 and SandboxTikTokPersona.objects.count() == count
    assert any("/sandbox/whatsapp/inbox/" in line for line in lines)
