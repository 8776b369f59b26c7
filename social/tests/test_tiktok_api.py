"""TikJoy's TikTok client and services against a local server speaking TikTok's v2 wire format."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.socialaccount.models import SocialToken
from django.utils import timezone
from werkzeug import Response

from social.matching import ShareCriterion
from social.models import EngagementSnapshot, TikTokProfile, TrackedPost
from social.services import (
    TikTokNotConnected,
    engagement_sync,
    shares_discover,
    tiktok_profile_sync,
    tiktok_token_refresh,
)
from social.tests.conftest import api_error, body_json, ok, token_json, video_json
from social.tiktok import TikTokClient, TikTokRateLimited

pytestmark = pytest.mark.django_db


def _criterion(days_ago: int = 3, **kw) -> ShareCriterion:
    return ShareCriterion(
        key=kw.get("key", "campaign-1"),
        hashtag=kw.get("hashtag", "#JoyShoes"),
        mention=kw.get("mention", "@joyshoes"),
        not_before=timezone.now() - timedelta(days=days_ago),
    )


# --- tokens ---------------------------------------------------------------------------------


def test_token_refresh_stores_the_new_access_and_refresh_tokens(tiktok_api, connected_user):
    user = connected_user(expires_in_hours=1)
    tiktok_api.expect_oneshot_request(
        "/v2/oauth/token/",
        method="POST",
        data="client_key=test-client-key&client_secret=test-client-secret"
        "&grant_type=refresh_token&refresh_token=rft.old",
    ).respond_with_json(token_json(access="act.fresh", refresh="rft.fresh"))
    token = SocialToken.objects.get(account__user=user)

    tiktok_token_refresh(token_id=token.pk, now=timezone.now())

    token.refresh_from_db()
    assert (token.token, token.token_secret) == ("act.fresh", "rft.fresh")
    assert token.expires_at > timezone.now() + timedelta(hours=23)
    tiktok_api.check_assertions()


def test_refresh_refused_with_invalid_grant_disconnects_the_identity(tiktok_api, connected_user):
    user = connected_user(expires_in_hours=1)
    tiktok_api.expect_oneshot_request("/v2/oauth/token/", method="POST").respond_with_json(
        {"error": "invalid_grant", "error_description": "Refresh token is invalid.", "log_id": "L"},
        status=400,
    )
    token = SocialToken.objects.get(account__user=user)

    with pytest.raises(TikTokNotConnected):
        tiktok_token_refresh(token_id=token.pk, now=timezone.now())

    profile = TikTokProfile.objects.get(user=user)
    assert profile.disconnected_at is not None
    assert profile.disconnect_reason == TikTokProfile.DisconnectReason.GRANT_INVALID
    assert not SocialToken.objects.filter(account__user=user).exists()


def test_an_invalid_access_token_is_refreshed_once_and_the_call_retried(tiktok_api, connected_user):
    user = connected_user()
    tiktok_api.expect_ordered_request(
        "/v2/user/info/", headers={"Authorization": "Bearer act.old"}
    ).respond_with_json(api_error("access_token_invalid", "The access token is invalid."), status=401)
    tiktok_api.expect_ordered_request("/v2/oauth/token/", method="POST").respond_with_json(
        token_json(access="act.fresh", refresh="rft.fresh")
    )
    tiktok_api.expect_ordered_request(
        "/v2/user/info/", headers={"Authorization": "Bearer act.fresh"}
    ).respond_with_json(ok({"user": {"open_id": "open-1", "display_name": "Ana", "follower_count": 5001}}))

    profile = tiktok_profile_sync(user=user, now=timezone.now())

    assert profile.follower_count == 5001
    assert profile.is_creator
    tiktok_api.check_assertions()


def test_five_thousand_followers_exactly_is_not_a_creator(tiktok_api, connected_user):
    user = connected_user()
    tiktok_api.expect_request("/v2/user/info/").respond_with_json(
        ok({"user": {"open_id": "open-1", "display_name": "Ana", "username": "ana", "follower_count": 5000}})
    )

    profile = tiktok_profile_sync(user=user, now=timezone.now())

    assert (profile.follower_count, profile.is_creator) == (5000, False)
    fields = tiktok_api.log[0][0].args["fields"].split(",")
    assert "follower_count" in fields


# --- share discovery ------------------------------------------------------------------------


def test_video_list_is_paged_by_cursor_and_matching_posts_are_tracked(tiktok_api, connected_user):
    user = connected_user()
    now = timezone.now()
    tiktok_api.expect_ordered_request(
        "/v2/video/list/", method="POST", json={"max_count": 20}
    ).respond_with_json(
        ok(
            {
                "videos": [
                    video_json("v3", "new kicks #JoyShoes", now - timedelta(hours=1)),
                    video_json("v2", "my lunch", now - timedelta(hours=2)),
                ],
                "cursor": 1700000000000,
                "has_more": True,
            }
        )
    )
    tiktok_api.expect_ordered_request(
        "/v2/video/list/", method="POST", json={"max_count": 20, "cursor": 1700000000000}
    ).respond_with_json(
        ok(
            {
                "videos": [
                    video_json("v1", "thanks @JOYSHOES", now - timedelta(days=1)),
                    video_json("v0", "#joyshoes but before the campaign", now - timedelta(days=10)),
                ],
                "cursor": 1600000000000,
                "has_more": False,
            }
        )
    )

    found = shares_discover(user=user, criteria=[_criterion()], now=now)

    assert sorted(p.video_id for p in found) == ["v1", "v3"]
    assert set(TrackedPost.objects.values_list("video_id", "criterion_key")) == {
        ("v1", "campaign-1"),
        ("v3", "campaign-1"),
    }
    tiktok_api.check_assertions()


def test_the_same_video_counts_once_however_often_it_is_seen(tiktok_api, connected_user):
    user = connected_user()
    now = timezone.now()
    page = ok({"videos": [video_json("v9", "#JoyShoes", now)], "cursor": 1, "has_more": False})
    tiktok_api.expect_request("/v2/video/list/", method="POST").respond_with_json(page)

    first = shares_discover(user=user, criteria=[_criterion()], now=now)
    second = shares_discover(user=user, criteria=[_criterion(), _criterion(key="campaign-2")], now=now)

    assert [p.video_id for p in first] == ["v9"]
    assert second == []
    assert TrackedPost.objects.count() == 1


def test_discovery_without_a_tiktok_authorization_is_refused(db):
    from accounts.models import User

    user = User.objects.create_user(display_name="nobody")

    with pytest.raises(TikTokNotConnected):
        shares_discover(user=user, criteria=[_criterion()], now=timezone.now())


# --- engagement -----------------------------------------------------------------------------


def _track(user, n: int) -> list[TrackedPost]:
    now = timezone.now()
    return [
        TrackedPost.objects.create(
            video_id=f"vid{i:03d}",
            user=user,
            caption="#JoyShoes",
            posted_at=now - timedelta(hours=1),
            criterion_key="c",
            track_until=now + timedelta(days=14),
        )
        for i in range(n)
    ]


def test_engagement_sync_asks_for_at_most_20_ids_per_call(tiktok_api, connected_user):
    user = connected_user()
    _track(user, 25)

    def answer(request):
        ids = body_json(request)["filters"]["video_ids"]
        videos = [
            video_json(
                i, "#JoyShoes", timezone.now(), view_count=100, like_count=10, comment_count=2, share_count=1
            )
            for i in ids
        ]
        return Response(__import__("json").dumps(ok({"videos": videos})), content_type="application/json")

    tiktok_api.expect_request("/v2/video/query/", method="POST").respond_with_handler(answer)

    result = engagement_sync(now=timezone.now())

    sizes = [len(body_json(req)["filters"]["video_ids"]) for req, _ in tiktok_api.log]
    assert sizes == [20, 5]
    assert result.snapshots == 25
    snapshot = EngagementSnapshot.objects.first()
    assert (snapshot.views, snapshot.likes, snapshot.comments, snapshot.shares) == (100, 10, 2, 1)
    # The figures kept with it: its gain over no earlier snapshot, the post's latest counts.
    assert (snapshot.views_added, snapshot.likes_added, snapshot.comments_added, snapshot.shares_added) == (
        100,
        10,
        2,
        1,
    )
    post = snapshot.post
    assert (post.latest_views, post.latest_likes, post.latest_at) == (100, 10, snapshot.taken_at)
    fields = tiktok_api.log[0][0].args["fields"].split(",")
    assert {"view_count", "like_count", "comment_count", "share_count"} <= set(fields)


def test_a_video_tiktok_no_longer_returns_is_recorded_as_gone(tiktok_api, connected_user):
    user = connected_user()
    kept, deleted = _track(user, 2)
    tiktok_api.expect_request("/v2/video/query/", method="POST").respond_with_json(
        ok({"videos": [video_json(kept.video_id, "#JoyShoes", timezone.now(), view_count=5)]})
    )

    result = engagement_sync(now=timezone.now())

    deleted.refresh_from_db()
    kept.refresh_from_db()
    assert (result.snapshots, result.gone) == (1, 1)
    assert deleted.status == TrackedPost.Status.GONE and deleted.gone_at is not None
    assert kept.status == TrackedPost.Status.ACTIVE
    assert not deleted.snapshots.exists()


def test_posts_past_their_hold_period_are_not_queried(tiktok_api, connected_user):
    user = connected_user()
    (post,) = _track(user, 1)
    TrackedPost.objects.filter(pk=post.pk).update(track_until=timezone.now() - timedelta(minutes=1))

    result = engagement_sync(now=timezone.now())

    assert result.snapshots == 0
    assert tiktok_api.log == []


def test_429_is_retried_with_back_off_then_succeeds(tiktok_api, connected_user):
    user = connected_user()
    _track(user, 1)
    tiktok_api.expect_ordered_request("/v2/video/query/").respond_with_json(
        api_error("rate_limit_exceeded"), status=429
    )
    tiktok_api.expect_ordered_request("/v2/video/query/").respond_with_json(
        api_error("rate_limit_exceeded"), status=429
    )
    tiktok_api.expect_ordered_request("/v2/video/query/").respond_with_json(
        ok({"videos": [video_json("vid000", "#JoyShoes", timezone.now(), view_count=7)]})
    )
    waits: list[float] = []

    result = engagement_sync(now=timezone.now(), client=TikTokClient(sleep=waits.append))

    assert result.snapshots == 1
    assert waits == [0.01, 0.02]  # exponential back-off
    tiktok_api.check_assertions()


def test_429_that_never_ends_stops_the_run_without_marking_anything_gone(
    tiktok_api, connected_user, settings
):
    settings.TIKTOK_MAX_RETRIES = 2
    user = connected_user()
    (post,) = _track(user, 1)
    tiktok_api.expect_request("/v2/video/query/").respond_with_json(
        api_error("rate_limit_exceeded"), status=429
    )

    result = engagement_sync(now=timezone.now(), client=TikTokClient(sleep=lambda s: None))

    post.refresh_from_db()
    assert result.rate_limited
    assert post.status == TrackedPost.Status.ACTIVE
    assert len(tiktok_api.log) == 3


def test_the_shared_per_minute_budget_refuses_calls_beyond_the_limit(tiktok_api, connected_user):
    connected_user()
    tiktok_api.expect_request("/v2/user/info/").respond_with_json(ok({"user": {"open_id": "open-1"}}))
    minute = timezone.now().replace(second=10)
    first = TikTokClient(rate_limit_per_minute=2, sleep=lambda s: None, clock=lambda: minute)
    second = TikTokClient(
        rate_limit_per_minute=2, sleep=lambda s: None, clock=lambda: minute
    )  # another process

    first.user_info(access_token="act.old")
    second.user_info(access_token="act.old")
    with pytest.raises(TikTokRateLimited):
        first.user_info(access_token="act.old")

    assert len(tiktok_api.log) == 2
