"""Fakes of TikTok (Login Kit + Display API v2) and of the WhatsApp Cloud API.

Served by this project under /sandbox/ when SOCIAL_BACKEND=sandbox (404
otherwise; refused in production by settings), so the demo signs in with
TikTok and WhatsApp without keys, and tests exercise TikJoy's real HTTP
clients. They speak the documented wire formats; follower counts and video
engagement grow with time.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sandbox import whatsapp as whatsapp_fake
from sandbox.models import (
    SandboxTikTokGrant,
    SandboxTikTokPersona,
    SandboxTikTokVideo,
    SandboxWhatsAppMessage,
)

SANDBOX_PERSONAS = (
    # open_id, username, display name, bio, followers, followers gained per hour
    ("sbx-open-ana", "ana.dances", "Ana Dances", "Dance covers every Friday", 1_240, 3),
    ("sbx-open-ben", "ben_cooks", "Ben Cooks", "15-second recipes", 310, 1),
    ("sbx-open-chloe", "chloe.creates", "Chloe Creates", "Creator: beauty and travel", 48_200, 40),
    ("sbx-open-dev", "devi.almost", "Devi Almost-Creator", "Nearly 5k!", 4_990, 2),
)
SANDBOX_VIDEOS = (
    # open_id, video id, caption, hours ago
    ("sbx-open-ana", "7300000000000000001", "Friday routine #dance #fyp", 72),
    ("sbx-open-ana", "7300000000000000002", "Trying the new sneakers from @joyshoes #JoyShoesSummer", 20),
    ("sbx-open-chloe", "7300000000000000003", "Sunset in Lisbon ✨ #travel", 48),
    ("sbx-open-chloe", "7300000000000000004", "GRWM with @GlowLab #GlowLabPartner", 5),
    ("sbx-open-ben", "7300000000000000005", "Pasta in 15 seconds #food", 30),
)


def sandbox_personas_ensure(*, now: datetime | None = None) -> int:
    """Create the sandbox personas and their videos when missing. Idempotent; returns personas."""
    now = now or timezone.now()
    for open_id, username, display_name, bio, followers, per_hour in SANDBOX_PERSONAS:
        SandboxTikTokPersona.objects.get_or_create(
            open_id=open_id,
            defaults={
                "username": username,
                "display_name": display_name,
                "bio": bio,
                "base_followers": followers,
                "followers_per_hour": per_hour,
                "created_at": now,
            },
        )
    personas = {p.open_id: p for p in SandboxTikTokPersona.objects.all()}
    for open_id, video_id, caption, hours_ago in SANDBOX_VIDEOS:
        SandboxTikTokVideo.objects.get_or_create(
            video_id=video_id,
            defaults={
                "persona": personas[open_id],
                "caption": caption,
                "created_at": now - timedelta(hours=hours_ago),
            },
        )
    return len(personas)


def sandbox_only(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        # Production never serves it; `make prod-smoke` (the smoke-test flag, loopback only) does.
        if not settings.SOCIAL_SANDBOX or (settings.PRODUCTION and not settings.SMOKE_TEST):
            raise Http404("The sandbox is off.")
        return view(request, *args, **kwargs)

    return wrapper


def _log_id() -> str:
    return timezone.now().strftime("%Y%m%d%H%M%S") + secrets.token_hex(8).upper()


def _api_error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"data": {}, "error": {"code": code, "message": message, "log_id": _log_id()}}, status=status
    )


def _oauth_error(error: str, description: str, status: int = 400) -> JsonResponse:
    return JsonResponse(
        {"error": error, "error_description": description, "log_id": _log_id()}, status=status
    )


def _followers(persona: SandboxTikTokPersona, now: datetime) -> int:
    hours = max((now - persona.created_at).total_seconds() / 3600, 0)
    return persona.base_followers + int(hours * persona.followers_per_hour)


def _engagement(video: SandboxTikTokVideo, now: datetime) -> dict[str, int]:
    minutes = max((now - video.created_at).total_seconds() / 60, 0)
    seed = int(video.video_id[-3:]) % 7 + 3  # a little variety between videos
    views = int(minutes * seed * 2)
    return {
        "view_count": views,
        "like_count": views // 9,
        "comment_count": views // 80,
        "share_count": views // 150,
    }


# --- TikTok: authorize page -----------------------------------------------------------------


class NewPersonaForm(forms.Form):
    display_name = forms.CharField(max_length=60, label=gettext_lazy("Display name"))


@sandbox_only
@require_http_methods(["GET", "POST"])
def tiktok_authorize(request: HttpRequest) -> HttpResponse:
    params = request.GET if request.method == "GET" else request.POST
    client_key = params.get("client_key", "")
    redirect_uri = params.get("redirect_uri", "")
    state = params.get("state", "")
    scope = params.get("scope", "")
    if client_key != settings.TIKTOK_CLIENT_KEY:
        return HttpResponseBadRequest("Sandbox TikTok: unknown client_key.")
    target = urlsplit(redirect_uri)
    if target.scheme not in ("http", "https") or target.netloc != request.get_host():
        return HttpResponseBadRequest("Sandbox TikTok: redirect_uri must point back at this site.")

    def back(**query: str) -> HttpResponse:
        separator = "&" if target.query else "?"
        return redirect(redirect_uri + separator + urlencode({**query, "state": state}))

    new_form = NewPersonaForm(request.POST if "display_name" in request.POST else None)
    if request.method == "POST":
        if "deny" in request.POST:
            return back(error="access_denied", error_description="The user denied the request.")
        persona = None
        if new_form.is_bound and new_form.is_valid():
            slug = secrets.token_hex(4)
            persona = SandboxTikTokPersona.objects.create(
                open_id=f"sbx-open-{slug}",
                username=f"user{slug}",
                display_name=new_form.cleaned_data["display_name"],
                base_followers=12,
            )
        elif "persona" in request.POST:
            persona = SandboxTikTokPersona.objects.filter(open_id=request.POST["persona"]).first()
        if persona is not None:
            grant = SandboxTikTokGrant.objects.create(
                persona=persona,
                code=secrets.token_urlsafe(24),
                scope=scope,
                access_token="act." + secrets.token_urlsafe(30),
                access_expires_at=timezone.now() + timedelta(hours=24),
                refresh_token="rft." + secrets.token_urlsafe(30),
            )
            return back(code=grant.code, scopes=scope)
    sandbox_personas_ensure()
    personas = SandboxTikTokPersona.objects.order_by("display_name")
    now = timezone.now()
    return render(
        request,
        "sandbox/tiktok_authorize.html",
        {
            "personas": [(p, _followers(p, now)) for p in personas],
            "scopes": [s for s in scope.split(",") if s],
            "params": {
                "client_key": client_key,
                "redirect_uri": redirect_uri,
                "state": state,
                "scope": scope,
            },
            "new_form": new_form,
        },
    )


# --- TikTok: OAuth token --------------------------------------------------------------------


def _token_response(grant: SandboxTikTokGrant) -> JsonResponse:
    return JsonResponse(
        {
            "access_token": grant.access_token,
            "expires_in": 86400,
            "open_id": grant.persona.open_id,
            "refresh_expires_in": 31536000,
            "refresh_token": grant.refresh_token,
            "scope": grant.scope,
            "token_type": "Bearer",
        }
    )


@csrf_exempt  # a server-to-server API
@sandbox_only
@require_POST
def tiktok_token(request: HttpRequest) -> JsonResponse:
    form = request.POST
    if (
        form.get("client_key") != settings.TIKTOK_CLIENT_KEY
        or form.get("client_secret") != settings.TIKTOK_CLIENT_SECRET
    ):
        return _oauth_error("invalid_client", "Client key or secret is wrong.", 401)
    grant_type = form.get("grant_type")
    now = timezone.now()
    with transaction.atomic():
        if grant_type == "authorization_code":
            grant = (
                SandboxTikTokGrant.objects.select_for_update()
                .select_related("persona")
                .filter(code=form.get("code", ""), code_used=False, revoked=False)
                .first()
            )
            if grant is None or grant.created_at < now - timedelta(minutes=10):
                return _oauth_error("invalid_grant", "Authorization code is expired or was used.")
            grant.code_used = True
            grant.save(update_fields=["code_used"])
            return _token_response(grant)
        if grant_type == "refresh_token":
            grant = (
                SandboxTikTokGrant.objects.select_for_update()
                .select_related("persona")
                .filter(refresh_token=form.get("refresh_token", ""), revoked=False)
                .first()
            )
            if grant is None:
                return _oauth_error("invalid_grant", "Refresh token is invalid or revoked.")
            grant.access_token = "act." + secrets.token_urlsafe(30)
            grant.access_expires_at = now + timedelta(hours=24)
            grant.save(update_fields=["access_token", "access_expires_at"])
            return _token_response(grant)
    return _oauth_error("unsupported_grant_type", "grant_type must be authorization_code or refresh_token.")


@csrf_exempt  # a server-to-server API
@sandbox_only
@require_POST
def tiktok_revoke(request: HttpRequest) -> JsonResponse:
    """``POST /v2/oauth/revoke/``: the grant of this access token is revoked (200, empty object)."""
    form = request.POST
    if (
        form.get("client_key") != settings.TIKTOK_CLIENT_KEY
        or form.get("client_secret") != settings.TIKTOK_CLIENT_SECRET
    ):
        return _oauth_error("invalid_client", "Client key or secret is wrong.", 401)
    if not SandboxTikTokGrant.objects.filter(access_token=form.get("token", "")).update(revoked=True):
        return _oauth_error("invalid_request", "Token is invalid.")
    return JsonResponse({})


# --- TikTok: Display API --------------------------------------------------------------------


def _grant_for(request: HttpRequest) -> SandboxTikTokGrant | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return (
        SandboxTikTokGrant.objects.select_related("persona")
        .filter(
            access_token=header.removeprefix("Bearer "), revoked=False, access_expires_at__gt=timezone.now()
        )
        .first()
    )


def _fields(request: HttpRequest) -> set[str]:
    return {f.strip() for f in request.GET.get("fields", "").split(",") if f.strip()}


@sandbox_only
@require_GET
def tiktok_user_info(request: HttpRequest) -> JsonResponse:
    grant = _grant_for(request)
    if grant is None:
        return _api_error(
            "access_token_invalid", "The access token is invalid or not found in the request.", 401
        )
    persona, now = grant.persona, timezone.now()
    followers = _followers(persona, now)
    videos = persona.videos.filter(is_deleted=False)
    user = {
        "open_id": persona.open_id,
        "union_id": "u-" + persona.open_id,
        "avatar_url": "",
        "display_name": persona.display_name,
        "username": persona.username,
        "bio_description": persona.bio,
        "profile_deep_link": f"{settings.SITE_URL}/sandbox/tiktok/@{persona.username}",
        "is_verified": followers > 100_000,
        "follower_count": followers,
        "following_count": 180,
        "likes_count": sum(_engagement(v, now)["like_count"] for v in videos),
        "video_count": videos.count(),
    }
    fields = _fields(request)
    if not fields:
        return _api_error("invalid_params", "fields is required", 400)
    return JsonResponse({"data": {"user": {k: v for k, v in user.items() if k in fields}}, "error": _ok()})


def _ok() -> dict[str, str]:
    return {"code": "ok", "message": "", "log_id": _log_id()}


def _video_json(video: SandboxTikTokVideo, fields: set[str], now: datetime) -> dict:
    data = {
        "id": video.video_id,
        "create_time": int(video.created_at.timestamp()),
        "title": video.caption[:150],
        "video_description": video.caption,
        "share_url": f"{settings.SITE_URL}/sandbox/tiktok/@{video.persona.username}/video/{video.video_id}",
        "duration": 15,
        **_engagement(video, now),
    }
    return {k: v for k, v in data.items() if k in fields}


def _json_body(request: HttpRequest) -> dict | None:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


@csrf_exempt
@sandbox_only
@require_POST
def tiktok_video_list(request: HttpRequest) -> JsonResponse:
    grant = _grant_for(request)
    if grant is None:
        return _api_error(
            "access_token_invalid", "The access token is invalid or not found in the request.", 401
        )
    body = _json_body(request)
    if body is None:
        return _api_error("invalid_params", "The body is not JSON.", 400)
    max_count = body.get("max_count", 10)
    if not isinstance(max_count, int) or not 1 <= max_count <= 20:
        return _api_error("invalid_params", "max_count must be 1 to 20.", 400)
    videos = grant.persona.videos.filter(is_deleted=False).order_by("-created_at", "-video_id")
    cursor = body.get("cursor")
    if cursor:
        if not isinstance(cursor, int) or cursor < 0:
            return _api_error("invalid_params", "cursor must be the cursor of the previous page.", 400)
        videos = videos.filter(created_at__lt=datetime.fromtimestamp(cursor / 1000, tz=UTC))
    page = list(videos[: max_count + 1])
    has_more = len(page) > max_count
    page = page[:max_count]
    now, fields = timezone.now(), _fields(request) or {"id"}
    next_cursor = int(page[-1].created_at.timestamp() * 1000) if page else 0
    return JsonResponse(
        {
            "data": {
                "videos": [_video_json(v, fields, now) for v in page],
                "cursor": next_cursor,
                "has_more": has_more,
            },
            "error": _ok(),
        }
    )


@csrf_exempt
@sandbox_only
@require_POST
def tiktok_video_query(request: HttpRequest) -> JsonResponse:
    grant = _grant_for(request)
    if grant is None:
        return _api_error(
            "access_token_invalid", "The access token is invalid or not found in the request.", 401
        )
    body = _json_body(request) or {}
    ids = (body.get("filters") or {}).get("video_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 20:
        return _api_error("invalid_params", "filters.video_ids must hold 1 to 20 ids.", 400)
    videos = grant.persona.videos.filter(is_deleted=False, video_id__in=[str(i) for i in ids])
    now, fields = timezone.now(), _fields(request) or {"id"}
    return JsonResponse(
        {
            "data": {"videos": [_video_json(v, fields, now) for v in videos], "cursor": 0, "has_more": False},
            "error": _ok(),
        }
    )


# --- TikTok: studio (post, fast-forward, delete, revoke), for demos ---------------------------

SANDBOX_FAST_FORWARD = timedelta(hours=1)


class PostVideoForm(forms.Form):
    persona = forms.ModelChoiceField(
        queryset=SandboxTikTokPersona.objects.all(),
        to_field_name="open_id",
        label=pgettext_lazy("a fake TikTok user of the sandbox", "Persona"),
    )
    caption = forms.CharField(
        max_length=2200, widget=forms.Textarea(attrs={"rows": 2}), label=gettext_lazy("Caption")
    )


@sandbox_only
@require_http_methods(["GET", "POST"])
def tiktok_studio(request: HttpRequest) -> HttpResponse:
    sandbox_personas_ensure()
    form = PostVideoForm(request.POST if request.POST.get("action") == "post" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "post" and form.is_valid():
            SandboxTikTokVideo.objects.create(
                persona=form.cleaned_data["persona"],
                video_id=str(7400000000000000000 + secrets.randbelow(10**15)),
                caption=form.cleaned_data["caption"],
            )
            return redirect("sandbox:tiktok_studio")
        if action == "delete":
            SandboxTikTokVideo.objects.filter(video_id=request.POST.get("video_id", "")).update(
                is_deleted=True
            )
            return redirect("sandbox:tiktok_studio")
        if action == "fast_forward":
            # Engagement grows with a video's age: posting it an hour earlier moves its counts
            # an hour on (for demos and tests that must not wait). Its create_time moves too.
            SandboxTikTokVideo.objects.filter(
                video_id=request.POST.get("video_id", ""), is_deleted=False
            ).update(created_at=F("created_at") - SANDBOX_FAST_FORWARD)
            return redirect("sandbox:tiktok_studio")
        if action == "revoke":
            SandboxTikTokGrant.objects.filter(persona__open_id=request.POST.get("persona", "")).update(
                revoked=True
            )
            return redirect("sandbox:tiktok_studio")
    now = timezone.now()
    personas = [
        (p, _followers(p, now), [(v, _engagement(v, now)) for v in p.videos.order_by("-created_at")])
        for p in SandboxTikTokPersona.objects.order_by("display_name").prefetch_related("videos")
    ]
    return render(request, "sandbox/tiktok_studio.html", {"personas": personas, "form": form})


# --- WhatsApp Cloud API ---------------------------------------------------------------------

# Numbers ending like this make the sandbox answer with that Cloud API error (for demos and tests).
SANDBOX_WHATSAPP_FAILURES = {
    "0000": (131026, "Message undeliverable", 400),
    "1111": (131047, "Re-engagement message", 400),
    "2222": (130429, "Rate limit hit", 429),
}


# The translations TikJoy's two templates are approved in (as in WhatsApp Manager): the Cloud API
# refuses a template in any other ``language.code`` with error 132001.
SANDBOX_WHATSAPP_TEMPLATE_LANGUAGES = frozenset({"en_US", "en", "it", "de", "fr", "es"})


def _graph_error(
    code: int, message: str, status: int, *, kind: str = "OAuthException", subcode=None
) -> JsonResponse:
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": "A" + secrets.token_hex(10)}
    if subcode is not None:
        error["error_subcode"] = subcode
    return JsonResponse({"error": error}, status=status)


@csrf_exempt
@sandbox_only
@require_POST
def whatsapp_messages(request: HttpRequest, phone_number_id: str) -> JsonResponse:
    if request.headers.get("Authorization", "") != f"Bearer {settings.WHATSAPP_ACCESS_TOKEN}":
        return _graph_error(190, "Invalid OAuth access token.", 401)
    if phone_number_id != settings.WHATSAPP_PHONE_NUMBER_ID:
        return _graph_error(
            100, "Unsupported post request: unknown phone number id.", 400, kind="GraphMethodException"
        )
    body = _json_body(request) or {}
    to = str(body.get("to", ""))
    kind = body.get("type")
    template = body.get("template") if isinstance(body.get("template"), dict) else {}
    text_body = body.get("text") if isinstance(body.get("text"), dict) else {}
    if (
        body.get("messaging_product") != "whatsapp"
        or kind not in ("template", "text")
        or not (to.isascii() and to.isdigit())
    ):
        return _graph_error(100, "(#100) Invalid parameter", 400)
    if kind == "text" and not str(text_body.get("body") or "").strip():
        return _graph_error(100, "(#100) Param text['body'] is required", 400)
    for suffix, (code, message, status) in SANDBOX_WHATSAPP_FAILURES.items():
        if to.endswith(suffix):
            return _graph_error(code, message, status)
    parameters = []
    for component in template.get("components") or []:
        if isinstance(component, dict) and component.get("type") == "body":
            parameters = [
                str(p.get("text", "")) for p in component.get("parameters") or [] if isinstance(p, dict)
            ]
    name = str(template.get("name", ""))
    login_code = name == settings.WHATSAPP_TEMPLATE_NAME
    if kind == "template":
        language = template.get("language") if isinstance(template.get("language"), dict) else {}
        code = str(language.get("code") or "")
        if not code:
            return _graph_error(131008, "(#131008) Required parameter is missing", 400)
        if code not in SANDBOX_WHATSAPP_TEMPLATE_LANGUAGES:
            # What the Cloud API answers for a language the template has no approved translation in.
            return _graph_error(132001, "(#132001) Template name does not exist in the translation", 404)
    message = SandboxWhatsAppMessage.objects.create(
        to="+" + to,
        message_id="wamid.sbx" + secrets.token_hex(12),
        template_name=name,
        code=parameters[0][:20] if login_code and parameters else "",
        text=str(text_body.get("body", "")) if kind == "text" else " · ".join(parameters),
        status="sent",
        payload=body,
    )
    return JsonResponse(
        {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": message.message_id, "message_status": "accepted"}],
        }
    )


@sandbox_only
def whatsapp_inbox(request: HttpRequest) -> HttpResponse:
    """The consumer's phone: TikJoy's messages, codes, and replies and statuses sent back as webhooks."""
    return whatsapp_fake.inbox(request)
