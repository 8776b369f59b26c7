"""The sandbox: fakes of TikTok and WhatsApp, exercised by TikJoy's real HTTP clients."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from sandbox.models import (
    SandboxTikTokGrant,
    SandboxTikTokPersona,
    SandboxTikTokVideo,
    SandboxWhatsAppMessage,
)
from sandbox.views import sandbox_personas_ensure
from social.matching import ShareCriterion
from social.services import engagement_sync, shares_discover, tiktok_profile_sync, tracked_posts_watch
from social.tiktok import TikTokClient
from social.whatsapp import (
    WhatsAppSendError,
    whatsapp_code_send,
    whatsapp_template_send,
    whatsapp_update_send,
)

SANDBOX_PATHS = [
    "/sandbox/tiktok/v2/auth/authorize/",
    "/sandbox/tiktok/studio/",
    "/sandbox/whatsapp/inbox/",
    "/sandbox/tiktok/open-api/v2/user/info/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", SANDBOX_PATHS)
def test_the_sandbox_is_a_404_when_social_backend_is_live(client, settings, path):
    settings.SOCIAL_SANDBOX = False

    assert client.get(path).status_code == 404


def test_settings_refuse_the_sandbox_in_production():
    import subprocess
    import sys

    result = subprocess.run(  # a fresh interpreter: settings are read once per process
        [sys.executable, "-c", "import tikjoy.settings"],
        env={
            "DJANGO_ENV": "production",
            "SOCIAL_BACKEND": "sandbox",
            "SECRET_KEY": "x",
            "CONSUMER_ID_KEY": "y",
            "ALLOWED_HOSTS": "a.example",
            "DATABASE_URL": "sqlite:///:memory:",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "SOCIAL_BACKEND=sandbox is refused with DJANGO_ENV=production" in result.stderr


def _grant_for(open_id: str) -> SandboxTikTokGrant:
    persona = SandboxTikTokPersona.objects.get(open_id=open_id)
    return SandboxTikTokGrant.objects.create(
        persona=persona,
        code="c-" + open_id,
        scope="user.info.basic",
        access_token="act-" + open_id,
        access_expires_at=timezone.now() + timedelta(hours=24),
        refresh_token="rft-" + open_id,
    )


@pytest.mark.django_db(transaction=True)
def test_the_real_client_exchanges_a_code_and_reads_a_growing_profile(sandbox):
    sandbox_personas_ensure(now=timezone.now() - timedelta(hours=10))
    _grant_for("sbx-open-chloe")
    client = TikTokClient()

    tokens = client.token_exchange(code="c-sbx-open-chloe", redirect_uri="http://x/")
    user = client.user_info(access_token=tokens.access_token)

    assert tokens.open_id == "sbx-open-chloe" and tokens.expires_in == 86400
    assert user["username"] == "chloe.creates"
    assert user["follower_count"] >= 48_200 + 10 * 40  # grew for ten hours


@pytest.mark.django_db(transaction=True)
def test_the_sandbox_refuses_a_used_code_with_invalid_grant(sandbox):
    from social.tiktok import TikTokGrantRevoked

    sandbox_personas_ensure()
    _grant_for("sbx-open-ana")
    client = TikTokClient()
    client.token_exchange(code="c-sbx-open-ana", redirect_uri="http://x/")

    with pytest.raises(TikTokGrantRevoked):
        client.token_exchange(code="c-sbx-open-ana", redirect_uri="http://x/")


@pytest.mark.django_db(transaction=True)
def test_share_discovery_and_engagement_sync_against_the_sandbox(sandbox, connected_user):
    sandbox_personas_ensure()
    _grant_for("sbx-open-ana")
    user = connected_user(open_id="sbx-open-ana", access="act-sbx-open-ana", refresh="rft-sbx-open-ana")
    persona = SandboxTikTokPersona.objects.get(open_id="sbx-open-ana")
    for i in range(23):  # more than one page of video/list
        SandboxTikTokVideo.objects.create(
            persona=persona,
            video_id=f"75{i:017d}",
            caption=f"clip {i} #JoyShoesSummer" if i % 2 else f"clip {i}",
            created_at=timezone.now() - timedelta(minutes=30 + i),
        )
    criterion = ShareCriterion(
        key="joyshoes", hashtag="#joyshoessummer", mention="", not_before=timezone.now() - timedelta(days=2)
    )

    found = shares_discover(user=user, criteria=[criterion], now=timezone.now())

    # 11 odd clips + the seeded "Trying the new sneakers ... #JoyShoesSummer" video from 20 hours ago
    assert len(found) == 12
    # The reward engine watches a post once it records the share (here: for a day).
    tracked_posts_watch(post_ids=[p.pk for p in found], until=timezone.now() + timedelta(days=1))
    SandboxTikTokVideo.objects.filter(video_id=found[0].video_id).update(is_deleted=True)

    result = engagement_sync(now=timezone.now())

    assert (result.snapshots, result.gone) == (11, 1)
    profile = tiktok_profile_sync(user=user, now=timezone.now())
    assert profile.follower_count >= 1240 and not profile.is_creator


@pytest.mark.django_db(transaction=True)
def test_whatsapp_codes_land_in_the_sandbox_inbox_and_failures_speak_cloud_api(sandbox, client):
    person = User(language="de")
    whatsapp_code_send(to="+491701234567", code="123456", person=person)
    with pytest.raises(WhatsAppSendError) as failure:
        whatsapp_code_send(to="+491701230000", code="654321", person=person)

    message = SandboxWhatsAppMessage.objects.get()
    assert (message.to, message.code) == ("+491701234567", "123456")
    assert message.payload["template"]["language"] == {"code": "de"}
    assert failure.value.code == 131026
    assert "123456" in client.get("/sandbox/whatsapp/inbox/").content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_sandbox_takes_each_approved_translation_and_refuses_others_as_the_cloud_api_does(
    sandbox, settings
):
    for language in ("en", "it", "de", "fr", "es"):
        whatsapp_update_send(to="+491701234567", text="Ciao", language=language)
    with pytest.raises(WhatsAppSendError) as failure:  # no approved Portuguese translation
        whatsapp_template_send(
            to="+491701234567",
            name=settings.WHATSAPP_UPDATE_TEMPLATE_NAME,
            language="pt_BR",
            parameters=["Oi"],
        )

    sent = SandboxWhatsAppMessage.objects.order_by("pk")
    assert [m.payload["template"]["language"]["code"] for m in sent] == ["en_US", "it", "de", "fr", "es"]
    assert failure.value.code == 132001
    assert "does not exist in the translation" in str(failure.value)
