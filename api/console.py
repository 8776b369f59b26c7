"""Console pages of the API: keys (made and revoked by owners) and webhook endpoints with their log."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.cache import cache
from django.db.models import BooleanField, ExpressionWrapper
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from api.forms import ApiKeyForm, EndpointForm
from api.models import ApiKey
from api.selectors import widget_key_get, widget_origins
from api.services import ApiKeyError, api_key_create, api_key_revoke, key_creator_may_make
from api.widget import widget_script_tag
from core.db import subquery_count
from core.errors import DomainError
from merchants.console_site import console_render, console_site, console_view
from merchants.roles import Capability
from merchants.tenancy import console_can, console_membership
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.reasons import DISABLED_IN_CONSOLE, reason_english, retry_days
from webhooks.services import (
    WebhookError,
    delivery_replay,
    endpoint_create,
    endpoint_disable,
    endpoint_secret_rotate,
)

# A secret made by a POST is kept in the session for the one page the POST redirects to (then popped):
# a reload of that page shows it no more and makes nothing (POST, redirect, GET).
_SHOWN_ONCE = "console_api_shown_once"


def _show_once(request: HttpRequest, what: str, **value) -> None:
    request.session[_SHOWN_ONCE] = {"what": what, **value}


def _shown_once(request: HttpRequest, what: str) -> dict | None:
    kept = request.session.get(_SHOWN_ONCE)
    if kept is None or kept.get("what") != what:
        return None
    del request.session[_SHOWN_ONCE]
    return kept


def _once_token() -> str:
    """The token of one rendering of a form that makes a secret (``_repeated``)."""
    return secrets.token_urlsafe(16)


def _repeated(request: HttpRequest) -> bool:
    """Whether this POST sends a form already sent (a double click): its token was used."""
    token = request.POST.get("once", "")
    return bool(token) and not cache.add(f"console-api-once:{token[:64]}", True, timeout=24 * 3600)


@console_view(Capability.MANAGE_API)
def api_keys(request: HttpRequest) -> HttpResponse:
    """GET: the merchant's keys (with the key just made, in full, once); POST: make one, then back here."""
    merchant = console_membership(request).merchant
    form = ApiKeyForm(request.POST or None)
    created = None
    if request.method == "POST" and _repeated(request):
        return redirect("console:api_keys")
    if request.method == "POST" and form.is_valid():
        try:
            key, raw = api_key_create(
                merchant=merchant,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                scope=form.cleaned_data["scope"],
                expires_at=form.cleaned_data["expires_at"],
                actor=request.user,
                now=timezone.now(),
            )
            _show_once(request, "api_key", pk=key.pk, raw=raw)
            return redirect("console:api_keys")
        except ApiKeyError as error:
            form.add_error(None, str(error))
    shown = _shown_once(request, "api_key") if request.method == "GET" else None
    if shown is not None:
        key = ApiKey.objects.filter(merchant=merchant, pk=shown["pk"]).first()
        created = {"key": key, "raw": shown["raw"]} if key is not None else None
    keys = (
        ApiKey.objects.filter(merchant=merchant)
        .select_related("created_by", "revoked_by")
        .annotate(creator_may_make=ExpressionWrapper(key_creator_may_make(), output_field=BooleanField()))
        .order_by("-pk")
    )
    widget_key = widget_key_get(merchant=merchant, now=timezone.now())
    widget = {
        "key": widget_key,
        "tag": widget_script_tag(publishable_key=widget_key.publishable_key) if widget_key else "",
        "origins": widget_origins(merchant=merchant),
    }
    response = console_render(
        request,
        "console/api/keys.html",
        {
            "title": _("API keys"),
            "form": form,
            "keys": keys,
            "created": created,
            "once": _once_token(),
            "widget": widget,
        },
    )
    response["Cache-Control"] = "no-store"  # the page may hold a secret key
    return response


@console_view(Capability.MANAGE_API)
def api_key_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET (or a POST without ``confirm``): "Are you sure?", naming the key; POST ``confirm=yes``: revoke.
    A GET never revokes: a link followed by a browser or a preview can't stop an integration."""
    key = get_object_or_404(ApiKey, pk=pk, merchant=console_membership(request).merchant)
    if key.revoked_at is not None:
        messages.info(request, _("This key is already revoked."))
        return redirect("console:api_keys")
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            api_key_revoke(key=key, actor=request.user, now=timezone.now())
            messages.success(
                request,
                _("The key %(key)s is revoked: requests with it are refused from now on.")
                % {"key": key.display},
            )
        except ApiKeyError as error:
            messages.error(request, str(error))
        return redirect("console:api_keys")
    response = console_render(
        request,
        "console/api/key_revoke.html",
        {"title": _("Revoke the key %(name)s?") % {"name": key.name}, "key": key},
    )
    response["Cache-Control"] = "no-store"
    return response


@console_view(Capability.MANAGE_API)
def webhook_endpoints(request: HttpRequest) -> HttpResponse:
    merchant = console_membership(request).merchant
    form = EndpointForm(request.POST or None)
    created = None
    if request.method == "POST" and _repeated(request):
        return redirect("console:hook_endpoints")
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = endpoint_create(
                merchant=merchant,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
                actor=request.user,
                now=timezone.now(),
            )
            _show_once(request, "endpoint", pk=endpoint.pk)
            return redirect("console:hook_endpoints")
        except DomainError as error:
            form.add_error(None, str(error))
    shown = _shown_once(request, "endpoint") if request.method == "GET" else None
    if shown is not None:
        created = WebhookEndpoint.objects.filter(merchant=merchant, pk=shown["pk"]).first()
    endpoints = WebhookEndpoint.objects.filter(merchant=merchant).order_by("-pk")
    response = console_render(
        request,
        "console/api/endpoints.html",
        {
            "title": _("Webhooks"),
            "form": form,
            "endpoints": endpoints,
            "created": created,
            "once": _once_token(),
            "retry_days": retry_days(),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@console_view(Capability.MANAGE_API)
def webhook_endpoint(request: HttpRequest, pk: int) -> HttpResponse:
    """One endpoint: its delivery log; POST ``action``: rotate, disable or replay a delivery."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk, merchant=console_membership(request).merchant)
    now = timezone.now()
    new_secret = None
    if request.method == "POST":
        action = request.POST.get("action")
        if _repeated(request):
            pass  # a double click: done by the first POST
        elif action == "rotate":
            new_secret = endpoint_secret_rotate(endpoint=endpoint, now=now)
            _show_once(request, "rotated", pk=endpoint.pk, secret=new_secret)
            messages.success(request, _("New secret: for 24 hours every message carries both signatures."))
        elif action == "disable":
            endpoint_disable(endpoint=endpoint, reason=reason_english(DISABLED_IN_CONSOLE), now=now)
            messages.success(request, _("Disabled: nothing more is sent to this URL."))
        elif action == "replay":
            delivery = get_object_or_404(
                WebhookDelivery, pk=request.POST.get("delivery") or 0, endpoint=endpoint
            )
            try:
                delivery_replay(delivery=delivery, now=now)
            except WebhookError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request, _("Event %(event)s is sent again.") % {"event": delivery.event.message_id}
                )
        return redirect("console:hook_endpoint", pk=endpoint.pk)
    shown = _shown_once(request, "rotated")
    if shown is not None and shown["pk"] == endpoint.pk:
        new_secret = shown["secret"]
    deliveries = (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .prefetch_related("log")
        .order_by("-pk")[:50]
    )
    response = console_render(
        request,
        "console/api/endpoint.html",
        {
            "title": _("Webhook %(url)s") % {"url": endpoint.url},
            "endpoint": endpoint,
            "deliveries": deliveries,
            "new_secret": new_secret,
            "once": _once_token(),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


console_site.register_url("api-keys/", api_keys, name="api_keys")
console_site.register_url("api-keys/<int:pk>/revoke/", api_key_revoke_view, name="api_key_revoke")
console_site.register_url("webhooks/", webhook_endpoints, name="hook_endpoints")
console_site.register_url("webhooks/<int:pk>/", webhook_endpoint, name="hook_endpoint")


def _api_figures(merchant, now) -> dict:
    return {
        "active_keys": subquery_count(ApiKey.objects.usable(now=now).filter(merchant=merchant)),
        "active_endpoints": subquery_count(WebhookEndpoint.objects.filter(merchant=merchant, is_active=True)),
    }


def _owners_only(request: HttpRequest, membership, *, figures: dict) -> dict:
    return figures if console_can(request, Capability.MANAGE_API) else {"hidden": True}


console_site.register_panel(
    key="api", order=90, template="console/panels/api.html", context=_owners_only, figures=_api_figures
)
