"""``manage.py sandbox_sync_now``: discovery, engagement sync and payment at once, sandbox only."""

from __future__ import annotations

import socket
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.core.management import CommandError, call_command
from django.utils import timezone

from campaigns.models import ActionType
from rewards.models import Reward, RewardKind, RewardStatus
from rewards.services import action_record
from sandbox.models import SandboxTikTokGrant, SandboxTikTokPersona, SandboxTikTokVideo
from sandbox.views import sandbox_personas_ensure
from social.models import TikTokProfile


@pytest.fixture
def ana_joined_two_hours_ago(make_merchant, make_campaign, make_consumer):
    """Ana (the sandbox persona, connected) joined Acme two hours ago; an hour ago she posted
    a video with the campaign's hashtag."""
    now = timezone.now()
    merchant = make_merchant("acme")
    campaign = make_campaign(merchant, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=60))
    sandbox_personas_ensure()
    persona = SandboxTikTokPersona.objects.get(open_id="sbx-open-ana")
    SandboxTikTokGrant.objects.create(
        persona=persona,
        code="code-ana",
        code_used=True,
        scope="user.info.basic,video.list",
        access_token="act-ana",
        access_expires_at=now + timedelta(hours=20),
        refresh_token="rft-ana",
    )
    ana = make_consumer("Ana")
    account = SocialAccount.objects.create(user=ana, provider="tiktok", uid=persona.open_id, extra_data={})
    SocialToken.objects.create(
        account=account, token="act-ana", token_secret="rft-ana", expires_at=now + timedelta(hours=20)
    )
    TikTokProfile.objects.create(
        user=ana,
        open_id=persona.open_id,
        display_name="Ana Dances",
        username="ana.dances",
        follower_count=1240,
    )
    action_record(
        user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=now - timedelta(hours=2)
    )
    SandboxTikTokVideo.objects.create(
        persona=persona,
        video_id="7400000000000000456",
        caption=f"Morning latte #{campaign.hashtag}",
        created_at=now - timedelta(hours=1),
    )
    return ana


@pytest.mark.django_db(transaction=True)
def test_sync_now_pays_the_share_and_its_engagement_at_once(sandbox, ana_joined_two_hours_ago):
    out = StringIO()

    call_command("sandbox_sync_now", stdout=out)

    assert out.getvalue().strip() == (
        "Shares: 1 new from 1 consumer(s). Engagement: 1 snapshot(s), 0 post(s) gone. "
        "Paid: 1 of 1 snapshot(s) earned more."
    )
    rewards = Reward.objects.filter(user=ana_joined_two_hours_ago, status=RewardStatus.PENDING)
    assert sorted(rewards.values_list("kind", flat=True)) == [
        RewardKind.ACTION,  # the login
        RewardKind.ACTION,  # the share
        RewardKind.ENGAGEMENT,
    ]
    assert rewards.get(kind=RewardKind.ENGAGEMENT).user_amount > Decimal("0")


@pytest.mark.django_db
def test_sync_now_is_refused_unless_the_sandbox_is_on(settings):
    settings.SOCIAL_SANDBOX = False

    with pytest.raises(CommandError, match="only with SOCIAL_BACKEND=sandbox"):
        call_command("sandbox_sync_now")


@pytest.mark.django_db
def test_sync_now_says_how_to_reach_the_sandbox_when_nothing_answers(settings):
    """Walk finding: with `make run` on another port, the command died with a connection error's traceback."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SOCIAL_SANDBOX = True
    settings.SITE_URL = f"http://127.0.0.1:{port}"
    settings.TIKTOK_API_BASE_URL = f"http://127.0.0.1:{port}/sandbox/tiktok/open-api"

    with pytest.raises(CommandError, match=rf"Nothing answers at http://127.0.0.1:{port} .*with SITE_URL="):
        call_command("sandbox_sync_now")


@pytest.mark.django_db
def test_sync_now_names_the_tiktok_address_when_that_was_set_itself(settings):
    """Review note: the advice named SITE_URL even when TIKTOK_API_BASE_URL had been set directly."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SOCIAL_SANDBOX = True
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.TIKTOK_API_BASE_URL = f"http://127.0.0.1:{port}/sandbox/tiktok/open-api"

    with pytest.raises(CommandError) as refused:
        call_command("sandbox_sync_now")
    assert "TIKTOK_API_BASE_URL=http://127.0.0.1:<port>/sandbox/tiktok/open-api" in str(refused.value)
    assert "SITE_URL" not in str(refused.value)
