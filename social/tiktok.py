"""TikJoy's HTTP client for TikTok's Login Kit (OAuth v2) and Display API v2.

It speaks TikTok's documented wire format, to TikTok itself or to the sandbox
(``social.sandbox``) or a test server: the base URL comes from settings. Every
call takes one slot of the endpoint's shared per-minute budget (600/min by
default) and backs off on HTTP 429. Tokens are never logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone

from social.rate_limits import rate_limit_acquire, rate_limit_seconds_to_next_window

logger = logging.getLogger(__name__)

USER_FIELDS = (
    "open_id",
    "union_id",
    "avatar_url",
    "display_name",
    "username",
    "profile_deep_link",
    "bio_description",
    "is_verified",
    "follower_count",
    "following_count",
    "likes_count",
    "video_count",
)
FIELDS_BY_SCOPE = {
    "user.info.basic": ("open_id", "union_id", "avatar_url", "display_name"),
    "user.info.profile": ("username", "profile_deep_link", "bio_description", "is_verified"),
    "user.info.stats": ("follower_count", "following_count", "likes_count", "video_count"),
}


def user_fields_for_scopes(scope: str) -> tuple[str, ...]:
    """The user/info fields the granted scopes (comma-separated) allow; all of them when unknown."""
    granted = {s.strip() for s in scope.replace(" ", ",").split(",") if s.strip()}
    if not granted & FIELDS_BY_SCOPE.keys():
        return USER_FIELDS
    return tuple(
        f for s, fields in FIELDS_BY_SCOPE.items() if s in granted or s == "user.info.basic" for f in fields
    )


VIDEO_LIST_FIELDS = ("id", "create_time", "title", "video_description", "share_url")
VIDEO_QUERY_FIELDS = (
    "id",
    "create_time",
    "video_description",
    "share_url",
    "view_count",
    "like_count",
    "comment_count",
    "share_count",
)
VIDEO_QUERY_MAX_IDS = 20
VIDEO_LIST_MAX_COUNT = 20


class TikTokError(Exception):
    """TikTok answered with an error (``error.code`` of the API, or ``error`` of OAuth)."""

    def __init__(self, code: str, message: str = "", *, status: int | None = None, log_id: str = ""):
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message
        self.status = status
        self.log_id = log_id


class TikTokTokenInvalid(TikTokError):
    """``access_token_invalid``: refresh the token and retry once."""


class TikTokGrantRevoked(TikTokError):
    """``invalid_grant`` on the token endpoint: the user's authorization is gone."""


class TikTokRateLimited(TikTokError):
    """HTTP 429 after every back-off, or our own per-minute budget for the endpoint is spent."""


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    open_id: str
    scope: str


@dataclass(frozen=True)
class TikTokVideo:
    id: str
    caption: str
    created_at: datetime
    share_url: str = ""
    views: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None


@dataclass(frozen=True)
class VideoPage:
    videos: list[TikTokVideo]
    cursor: int | None
    has_more: bool


def _video_from(data: dict[str, Any]) -> TikTokVideo:
    caption = data.get("video_description") or data.get("title") or ""
    return TikTokVideo(
        id=str(data["id"]),
        caption=caption,
        created_at=datetime.fromtimestamp(int(data.get("create_time") or 0), tz=UTC),
        share_url=data.get("share_url") or "",
        views=data.get("view_count"),
        likes=data.get("like_count"),
        comments=data.get("comment_count"),
        shares=data.get("share_count"),
    )


class TikTokClient:
    def __init__(
        self,
        *,
        base_url: str | None = None,
        client_key: str | None = None,
        client_secret: str | None = None,
        rate_limit_per_minute: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        self.base_url = (base_url or settings.TIKTOK_API_BASE_URL).rstrip("/")
        self.client_key = client_key if client_key is not None else settings.TIKTOK_CLIENT_KEY
        self.client_secret = client_secret if client_secret is not None else settings.TIKTOK_CLIENT_SECRET
        self.rate_limit_per_minute = rate_limit_per_minute or settings.TIKTOK_RATE_LIMIT_PER_MINUTE
        self.sleep = sleep
        self.clock = clock
        self.timeout = settings.TIKTOK_HTTP_TIMEOUT_SECONDS

    # --- OAuth -----------------------------------------------------------------------------

    def token_exchange(self, *, code: str, redirect_uri: str) -> TokenSet:
        return self._token({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri})

    def token_refresh(self, *, refresh_token: str) -> TokenSet:
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def _token(self, form: dict[str, str]) -> TokenSet:
        form = {"client_key": self.client_key, "client_secret": self.client_secret, **form}
        response = self._send("oauth.token", "POST", "/v2/oauth/token/", data=form)
        data = _json_or_empty(response)
        if "access_token" not in data:
            code = data.get("error") or f"http_{response.status_code}"
            error_class = TikTokGrantRevoked if code == "invalid_grant" else TikTokError
            raise error_class(
                code,
                data.get("error_description", ""),
                status=response.status_code,
                log_id=data.get("log_id", ""),
            )
        return TokenSet(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token", ""),
            expires_in=int(data.get("expires_in") or 0),
            refresh_expires_in=int(data.get("refresh_expires_in") or 0),
            open_id=data.get("open_id", ""),
            scope=data.get("scope", ""),
        )

    def token_revoke(self, *, access_token: str) -> None:
        """Revoke the person's authorization (``POST /v2/oauth/revoke/``): TikTok forgets the grant."""
        form = {"client_key": self.client_key, "client_secret": self.client_secret, "token": access_token}
        response = self._send("oauth.revoke", "POST", "/v2/oauth/revoke/", data=form)
        data = _json_or_empty(response)
        if response.status_code != 200 or data.get("error"):
            raise TikTokError(
                data.get("error") or f"http_{response.status_code}",
                data.get("error_description", ""),
                status=response.status_code,
                log_id=data.get("log_id", ""),
            )

    # --- Display API -----------------------------------------------------------------------

    def user_info(self, *, access_token: str, fields: Sequence[str] = USER_FIELDS) -> dict[str, Any]:
        data = self._api(
            "user.info", "GET", "/v2/user/info/", access_token, params={"fields": ",".join(fields)}
        )
        return data.get("user") or {}

    def video_list(
        self, *, access_token: str, cursor: int | None = None, max_count: int = VIDEO_LIST_MAX_COUNT
    ) -> VideoPage:
        body: dict[str, Any] = {"max_count": max_count}
        if cursor is not None:
            body["cursor"] = cursor
        data = self._api(
            "video.list",
            "POST",
            "/v2/video/list/",
            access_token,
            params={"fields": ",".join(VIDEO_LIST_FIELDS)},
            json=body,
        )
        return VideoPage(
            videos=[_video_from(v) for v in data.get("videos") or []],
            cursor=data.get("cursor"),
            has_more=bool(data.get("has_more")),
        )

    def video_query(self, *, access_token: str, video_ids: Sequence[str]) -> list[TikTokVideo]:
        """The videos among ``video_ids`` (at most 20) that are still public; the others are gone."""
        if not 0 < len(video_ids) <= VIDEO_QUERY_MAX_IDS:
            raise ValueError(f"video/query takes 1 to {VIDEO_QUERY_MAX_IDS} ids, got {len(video_ids)}")
        data = self._api(
            "video.query",
            "POST",
            "/v2/video/query/",
            access_token,
            params={"fields": ",".join(VIDEO_QUERY_FIELDS)},
            json={"filters": {"video_ids": list(video_ids)}},
        )
        return [_video_from(v) for v in data.get("videos") or []]

    # --- transport -------------------------------------------------------------------------

    def _api(self, endpoint: str, method: str, path: str, access_token: str, **kwargs: Any) -> dict:
        headers = {"Authorization": f"Bearer {access_token}"}
        response = self._send(endpoint, method, path, headers=headers, **kwargs)
        payload = _json_or_empty(response)
        error = payload.get("error") or {}
        code = error.get("code", "ok") if isinstance(error, dict) else str(error)
        if response.status_code == 200 and code == "ok":
            return payload.get("data") or {}
        if not code or code == "ok":
            code = f"http_{response.status_code}"
        message = error.get("message", "") if isinstance(error, dict) else ""
        log_id = error.get("log_id", "") if isinstance(error, dict) else ""
        error_class = TikTokTokenInvalid if code == "access_token_invalid" else TikTokError
        raise error_class(code, message, status=response.status_code, log_id=log_id)

    def _send(self, endpoint: str, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One request, within the shared budget, retried with exponential back-off on 429."""
        attempts = settings.TIKTOK_MAX_RETRIES + 1
        backoff = settings.TIKTOK_BACKOFF_SECONDS
        for attempt in range(attempts):
            self._take_budget(endpoint)
            response = requests.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
            if response.status_code != 429:
                return response
            wait = _retry_after(response) or backoff * (2**attempt)
            logger.warning(
                "TikTok %s answered 429 (attempt %s); backing off %.1fs", endpoint, attempt + 1, wait
            )
            if attempt + 1 < attempts:
                self.sleep(wait)
        raise TikTokRateLimited("rate_limit_exceeded", "TikTok kept answering 429", status=429)

    def _take_budget(self, endpoint: str) -> None:
        for _ in range(2):
            now = self.clock()
            if rate_limit_acquire(endpoint=endpoint, limit=self.rate_limit_per_minute, now=now):
                return
            self.sleep(rate_limit_seconds_to_next_window(now=now) + 0.01)
        raise TikTokRateLimited("local_rate_limit", f"the per-minute budget for {endpoint} is spent")


def _json_or_empty(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return min(float(value), 60.0)
    except ValueError:
        return None
