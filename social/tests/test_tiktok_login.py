"""Sign-in with TikTok: allauth's OAuth round trip against a local server speaking TikTok's format."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.contrib.messages import get_messages

from accounts.models import User
from social.models import TikTokProfile
from social.tests.conftest import ok, token_json

pytestmark = pytest.mark.django_db

TIKTOK_USER = {
    "open_id": "open-42",
    "union_id": "union-42",
    "display_name": "Chloe Creates",
    "username": "chloe.creates",
    "avatar_url": "https://p16.example/avatar.jpg",
    "follower_count": 48200,
    "following_count": 12,
    "likes_count": 9000,
    "video_count": 31,
}


def _start(client) -> dict[str, list[str]]:
    response = client.post("/accounts/tiktok/login/")
    assert response.status_code == 302
    return parse_qs(urlsplit(response["Location"]).query) | {"_url": [response["Location"]]}


def test_sign_in_redirects_to_the_configured_authorize_url_with_tiktoks_parameters(client, tiktok_api):
    query = _start(client)

    assert query["_url"][0].startswith(tiktok_api.url_for("/v2/auth/authorize/"))
    assert query["client_key"] == ["test-client-key"]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://testserver/accounts/tiktok/login/callback/"]
    assert set(query["scope"][0].split(",")) == {
        "user.info.basic",
        "user.info.profile",
        "user.info.stats",
        "video.list",
    }
    assert query["state"][0]


def test_oauth_round_trip_creates_a_consumer_with_profile_and_stored_tokens(client, tiktok_api):
    state = _start(client)["state"][0]
    tiktok_api.expect_oneshot_request("/v2/oauth/token/", method="POST").respond_with_json(
        token_json(access="act.first", refresh="rft.first", open_id="open-42")
    )
    tiktok_api.expect_oneshot_request(
        "/v2/user/info/", headers={"Authorization": "Bearer act.first"}
    ).respond_with_json(ok({"user": TIKTOK_USER}))

    response = client.get("/accounts/tiktok/login/callback/", {"code": "auth-code-1", "state": state})

    assert response.status_code == 302
    assert response["Location"] == "/wallet/"  # CONSUMER_HOME_URL
    user = User.objects.get()
    assert user.display_name == "Chloe Creates"
    assert user.email is None and not user.has_usable_password()
    profile = TikTokProfile.objects.get(user=user)
    assert (profile.open_id, profile.username, profile.follower_count, profile.is_creator) == (
        "open-42",
        "chloe.creates",
        48200,
        True,
    )
    token = SocialToken.objects.get(account__user=user)
    assert (token.token, token.token_secret) == ("act.first", "rft.first")
    assert token.expires_at is not None
    token_form = parse_qs(tiktok_api.log[0][0].get_data(as_text=True))
    assert token_form["client_key"] == ["test-client-key"]
    assert token_form["code"] == ["auth-code-1"]
    assert token_form["grant_type"] == ["authorization_code"]
    page = client.get("/me/")
    assert "Chloe Creates" in page.content.decode() and "Creator" in page.content.decode()


def test_signing_in_again_keeps_one_user_and_updates_the_profile(client, tiktok_api):
    for followers in (100, 6000):
        client.logout()
        state = _start(client)["state"][0]
        tiktok_api.expect_oneshot_request("/v2/oauth/token/", method="POST").respond_with_json(
            token_json(access=f"act.{followers}", open_id="open-42")
        )
        tiktok_api.expect_oneshot_request("/v2/user/info/").respond_with_json(
            ok({"user": {**TIKTOK_USER, "follower_count": followers}})
        )
        client.get("/accounts/tiktok/login/callback/", {"code": "c", "state": state})

    assert User.objects.count() == 1
    assert SocialAccount.objects.count() == 1
    profile = TikTokProfile.objects.get()
    assert (profile.follower_count, profile.is_creator) == (6000, True)
    assert SocialToken.objects.get().token == "act.6000"


def test_two_different_tiktok_users_become_two_consumers_without_email(client, tiktok_api):
    for open_id in ("open-a", "open-b"):
        client.logout()
        state = _start(client)["state"][0]
        tiktok_api.expect_oneshot_request("/v2/oauth/token/", method="POST").respond_with_json(
            token_json(open_id=open_id)
        )
        tiktok_api.expect_oneshot_request("/v2/user/info/").respond_with_json(
            ok({"user": {**TIKTOK_USER, "open_id": open_id, "username": open_id}})
        )
        response = client.get("/accounts/tiktok/login/callback/", {"code": "c", "state": state})
        assert response["Location"] == "/wallet/"

    assert list(User.objects.order_by("pk").values_list("email", flat=True)) == [None, None]
    assert TikTokProfile.objects.count() == 2


def test_access_denied_shows_a_clear_message_and_creates_nobody(client, tiktok_api):
    state = _start(client)["state"][0]

    response = client.get(
        "/accounts/tiktok/login/callback/",
        {"error": "access_denied", "error_description": "The user denied the request.", "state": state},
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == ["You cancelled signing in with TikTok. Nothing was changed."]
    assert not User.objects.exists()


def test_invalid_grant_on_the_code_exchange_shows_a_clear_message_and_creates_nobody(client, tiktok_api):
    state = _start(client)["state"][0]
    tiktok_api.expect_oneshot_request("/v2/oauth/token/", method="POST").respond_with_json(
        {"error": "invalid_grant", "error_description": "Authorization code is expired.", "log_id": "L"},
        status=400,
    )

    response = client.get("/accounts/tiktok/login/callback/", {"code": "stale", "state": state}, follow=True)

    assert response.status_code == 200
    assert "Signing in with TikTok did not work" in response.content.decode()
    assert not User.objects.exists()
    assert not SocialToken.objects.exists()


def test_a_callback_with_a_forged_state_is_refused_without_a_500(client, tiktok_api):
    _start(client)

    response = client.get("/accounts/tiktok/login/callback/", {"code": "c", "state": "forged"}, follow=True)

    assert response.status_code == 200
    assert not User.objects.exists()
    assert tiktok_api.log == []


def test_a_whatsapp_consumer_connects_tiktok_from_the_connected_accounts_page(client, tiktok_api):
    user = User.objects.create_user(phone="+491701234567", phone_verified=True)
    client.force_login(user)
    response = client.post("/accounts/tiktok/login/", {"process": "connect"})
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    tiktok_api.expect_oneshot_request("/v2/oauth/token/", method="POST").respond_with_json(
        token_json(open_id="open-42")
    )
    tiktok_api.expect_oneshot_request("/v2/user/info/").respond_with_json(ok({"user": TIKTOK_USER}))

    client.get("/accounts/tiktok/login/callback/", {"code": "c", "state": state})

    assert User.objects.count() == 1
    assert SocialAccount.objects.get().user == user
    assert TikTokProfile.objects.get().user == user
    assert "Chloe Creates" in client.get("/me/").content.decode()


def test_without_the_stats_scope_the_follower_count_is_not_asked_for_and_nobody_is_a_creator(
    client, tiktok_api
):
    state = _start(client)["state"][0]
    tiktok_api.expect_oneshot_request("/v2/oauth/token/", method="POST").respond_with_json(
        {**token_json(open_id="open-42"), "scope": "user.info.basic,user.info.profile"}
    )
    tiktok_api.expect_oneshot_request("/v2/user/info/").respond_with_json(
        ok({"user": {k: v for k, v in TIKTOK_USER.items() if not k.endswith("_count")}})
    )

    client.get("/accounts/tiktok/login/callback/", {"code": "c", "state": state})

    asked = set(tiktok_api.log[1][0].args["fields"].split(","))
    assert "follower_count" not in asked and {"open_id", "username"} <= asked
    profile = TikTokProfile.objects.get()
    assert (profile.follower_count, profile.is_creator) == (None, False)
    assert "Follower count not shared" in client.get("/me/").content.decode()
