"""The sandbox studio's fast-forward: a video's engagement jumps an hour ahead (demos and tests)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sandbox.models import SandboxTikTokPersona, SandboxTikTokVideo
from sandbox.views import sandbox_personas_ensure

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_video(settings):
    settings.SOCIAL_SANDBOX = True
    sandbox_personas_ensure()
    return SandboxTikTokVideo.objects.create(
        persona=SandboxTikTokPersona.objects.get(open_id="sbx-open-ana"),
        video_id="7400000000000000123",
        caption="Flat white #joycoffeemoments",
        created_at=timezone.now(),
    )


def _views_on_the_studio(client, video_id: str) -> int:
    page = client.get("/sandbox/tiktok/studio/").content.decode()
    row = page[page.index(video_id) :]
    cells = row.split("<td>")
    return int(cells[2].split("<")[0].replace(",", ""))  # video id, caption, views


def test_fast_forward_makes_a_video_an_hour_older_and_its_counts_an_hour_ahead(client, fresh_video):
    posted_at = fresh_video.created_at
    assert _views_on_the_studio(client, fresh_video.video_id) < 10

    response = client.post(
        "/sandbox/tiktok/studio/", {"action": "fast_forward", "video_id": fresh_video.video_id}
    )

    assert response.status_code == 302
    fresh_video.refresh_from_db()
    assert fresh_video.created_at == posted_at - timedelta(hours=1)
    # 60 minutes at 6 to 18 views a minute (the rate varies by video).
    assert _views_on_the_studio(client, fresh_video.video_id) >= 360


def test_a_deleted_video_is_not_fast_forwarded(client, fresh_video):
    SandboxTikTokVideo.objects.filter(pk=fresh_video.pk).update(is_deleted=True)
    posted_at = fresh_video.created_at

    client.post("/sandbox/tiktok/studio/", {"action": "fast_forward", "video_id": fresh_video.video_id})

    fresh_video.refresh_from_db()
    assert fresh_video.created_at == posted_at


def test_fast_forward_is_a_404_when_the_sandbox_is_off(client, fresh_video, settings):
    settings.SOCIAL_SANDBOX = False

    response = client.post(
        "/sandbox/tiktok/studio/", {"action": "fast_forward", "video_id": fresh_video.video_id}
    )

    assert response.status_code == 404
