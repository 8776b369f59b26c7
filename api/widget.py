"""The website widget: ``/embed/v1/widget.js`` (one script tag with a publishable key) and the
frame it opens, which only the merchant's own websites may embed (CSP ``frame-ancestors``)."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.people import is_consumer
from api.selectors import (
    consumer_brand_balance,
    demo_publishable_key,
    publishable_key_get,
    widget_origins,
    widget_touchpoint_key,
)
from api.services import WidgetPassError, widget_pass_collect, widget_pass_grant
from campaigns.selectors import landing_offers
from core.i18n import SOURCE_DEFAULT
from merchants.origins import origin_of

# The frame's own cookie: who the balance is shown for, signed; partitioned to the shop's site.
BALANCE_COOKIE = "tj_widget"
BALANCE_COOKIE_SALT = "tikjoy.widget.balance"
WIDGET_NONCES_SESSION_KEY = "tikjoy.widget.nonces"  # nonces of connect windows our frame opened


@require_GET
def widget_js(request: HttpRequest) -> HttpResponse:
    body = render_to_string("embed/widget.js", {"origin": origin_of(request.build_absolute_uri("/"))})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"  # loaded by the merchant's pages
    return response


def widget_script_tag(*, publishable_key: str) -> str:
    """The one tag a merchant pastes into their website (docs/api.md, "The website widget")."""
    src = settings.SITE_URL + reverse("embed:widget_js")
    return f'<script src="{src}" data-key="{publishable_key}" async></script>'


def _policy(origins: list[str]) -> str:
    """The site's CSP with ``frame-ancestors`` set to exactly the brand's website origins."""
    ancestors = "frame-ancestors " + (" ".join(origins) if origins else "'none'")
    directives = [d.strip() for d in settings.CONTENT_SECURITY_POLICY.split(";") if d.strip()]
    return "; ".join([d for d in directives if not d.startswith("frame-ancestors")] + [ancestors])


def _spoken(raw: str) -> str | None:
    """``raw`` (``fr-CA``, ``de_AT``) as a language TikJoy speaks, or None."""
    try:
        return get_supported_language_variant(raw.strip().replace("_", "-").lower()[:35])
    except LookupError:
        return None


def widget_language(raw: str, *, page_language: str = "", request: HttpRequest | None = None) -> str:
    """The frame's language (docs/api.md, "The widget's language"): ``lang``, the merchant's explicit
    ``data-lang`` on the tag, when TikJoy speaks it; else the visitor's own, as LocaleMiddleware found
    it for ``request`` (their saved choice or cookie if the browser sends them, else the browser's
    Accept-Language), as on the brand page; else the shop page's ``<html lang>`` (``page_language``);
    else English."""
    chosen = _spoken(raw)
    if chosen:
        return chosen
    if request is not None and getattr(request, "language_source", SOURCE_DEFAULT) != SOURCE_DEFAULT:
        return translation.get_language() or settings.LANGUAGE_CODE
    return _spoken(page_language) or translation.get_language() or settings.LANGUAGE_CODE


@require_GET
@xframe_options_exempt  # the CSP below says who may frame it; X-Frame-Options can't list origins
def widget_frame(request: HttpRequest) -> HttpResponse:
    """The merchant's live offer and the sign-in buttons (or the signed-in consumer's balance), in
    the shop's language."""
    language = widget_language(
        request.GET.get("lang", ""), page_language=request.GET.get("page_lang", ""), request=request
    )
    with translation.override(language):
        response = _widget_frame(request)
    response["Content-Language"] = language
    return response


def _widget_frame(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    key = publishable_key_get(raw=request.GET.get("key", "")[:100], now=now)
    if key is None:
        response = HttpResponse(_("Unknown or revoked key."), status=404, content_type="text/plain")
        response["Content-Security-Policy"] = _policy([])
        return response
    merchant = key.merchant
    origins = widget_origins(merchant=merchant)
    parent = origin_of(request.GET.get("origin", "")[:300])
    if parent not in origins:
        response = HttpResponse(
            _("This website is not one of the brand's: add it as a website touchpoint in the console."),
            status=403,
            content_type="text/plain",
        )
        response["Content-Security-Policy"] = _policy([])
        return response
    touchpoint_key = widget_touchpoint_key(merchant=merchant, origin=parent)
    brand_url = request.build_absolute_uri(reverse("brand:landing", kwargs={"slug": merchant.slug}))
    if touchpoint_key:
        brand_url += f"?t={touchpoint_key}"
    person, remembered = _balance_person(request, merchant=merchant)
    response = render(
        request,
        "embed/frame.html",
        {
            "merchant": merchant,
            "campaigns": landing_offers(merchant=merchant, now=now),
            "parent_origin": parent,
            "brand_url": brand_url,
            "key": request.GET.get("key", "")[:100],
            "balance": consumer_brand_balance(user=person, merchant=merchant) if person else None,
            "remembered": remembered,
        },
    )
    response["Content-Security-Policy"] = _policy(origins)
    response["Cache-Control"] = "private, no-store"
    return response


DEMO_ITEM = ("A bag of Joy Coffee beans", Decimal("24.00"))


def _demo_policy() -> str:
    """The demo shop's own policy: it loads TikJoy's scripts, frames TikJoy's widget, reports to TikJoy
    and posts its order form to itself; nothing else."""
    return (
        f"default-src 'none'; script-src {settings.SITE_URL}; frame-src {settings.SITE_URL}; "
        f"connect-src {settings.SITE_URL}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


@require_GET
def demo_shop(request: HttpRequest) -> HttpResponse:
    """Sandbox only (``make run``): a shop page with the demo brand's widget and affiliate tag, as a
    merchant pastes them, and a button that buys (the thank-you page reports the order)."""
    key = demo_publishable_key()
    response = render(
        request,
        "embed/demo_shop.html",
        {
            "key": key,
            "script": settings.SITE_URL + reverse("embed:widget_js"),
            "tag": settings.SITE_URL + reverse("embed:affiliates_js"),
            "item": DEMO_ITEM[0],
            "price": DEMO_ITEM[1],
            "order_id": f"JC-{secrets.token_hex(4).upper()}",
        },
    )
    response["Content-Security-Policy"] = _demo_policy()
    return response


@require_GET
def demo_shop_thank_you(request: HttpRequest) -> HttpResponse:
    """Sandbox only: the demo shop's order confirmation, carrying the affiliate tag with the order."""
    key = demo_publishable_key()
    merchant_key = publishable_key_get(raw=key, now=timezone.now()) if key else None
    order_id = request.GET.get("order", "")
    if not re.fullmatch(r"JC-[0-9A-F]{8}", order_id):
        return redirect("embed:demo_shop")
    response = render(
        request,
        "embed/demo_shop_thank_you.html",
        {
            "key": key,
            "tag": settings.SITE_URL + reverse("embed:affiliates_js"),
            "order_id": order_id,
            "item": DEMO_ITEM[0],
            "price": DEMO_ITEM[1],
            "currency": merchant_key.merchant.currency if merchant_key else "EUR",
        },
    )
    response["Content-Security-Policy"] = _demo_policy()
    return response


# --- a signed-in consumer's balance in a shop's frame (docs/api.md, "The balance in a shop's widget") ---


def _balance_person(request: HttpRequest, *, merchant) -> tuple[User | None, bool]:
    """Whose balance the frame shows: the session's consumer (the frame is on TikJoy's own site, or
    the browser sends the session cookie), else the one the frame's own cookie names for this brand.
    The second value says it came from that cookie (the frame then offers to forget it)."""
    user = request.user
    if user.is_authenticated and is_consumer(user):
        return user, False
    raw = request.COOKIES.get(BALANCE_COOKIE)
    if not raw:
        return None, False
    try:
        data = signing.loads(
            raw, salt=BALANCE_COOKIE_SALT, max_age=settings.WIDGET_BALANCE_COOKIE_DAYS * 86400
        )
    except signing.BadSignature:
        return None, False
    if not isinstance(data, dict) or data.get("m") != merchant.pk:
        return None, False
    person = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if person is None or not is_consumer(person):
        return None, False
    return person, True


def _balance_cookie(value: str, *, max_age: int) -> str:
    """``Set-Cookie`` for the frame's cookie. The frame is a third party on the shop's page, so the
    cookie is ``SameSite=None; Secure`` (browsers accept Secure on http://localhost for ``make run``)
    and ``Partitioned`` (CHIPS): it lives only under the shop's site, never seen elsewhere."""
    return (
        f"{BALANCE_COOKIE}={value}; Max-Age={max_age}; Path=/embed/; HttpOnly; Secure; "
        "SameSite=None; Partitioned"
    )


def _frame_context(request: HttpRequest, now):
    """The key's merchant and the allow-listed origin of the shop, or None."""
    key = publishable_key_get(raw=request.POST.get("key", request.GET.get("key", ""))[:100], now=now)
    if key is None:
        return None, None
    origin = origin_of(request.POST.get("origin", request.GET.get("origin", ""))[:300])
    if origin not in widget_origins(merchant=key.merchant):
        return key.merchant, None
    return key.merchant, origin


def _opened_by_frame(request: HttpRequest) -> bool:
    """The browser's word that our frame opened this window: a navigation from TikJoy's own origin
    (``Sec-Fetch-Site``) whose referrer (sent in full within the origin, ``Referrer-Policy:
    same-origin``) is the frame's page. Neither header can be set by a page or a link."""
    if request.headers.get("Sec-Fetch-Site") != "same-origin":
        return False
    # Same-origin already says the referrer is on TikJoy's origin (the browser sets both).
    return urlsplit(request.headers.get("Referer", "")).path == reverse("embed:frame")


@require_http_methods(["GET", "POST"])
def widget_connect(request: HttpRequest) -> HttpResponse:
    """TikJoy's own page, opened by the frame in a window of its own: the signed-in consumer agrees to
    see their balance with this brand in the widget on the shop's site (signing in first if needed)."""
    now = timezone.now()
    merchant, origin = _frame_context(request, now)
    nonce = request.POST.get("n", request.GET.get("n", ""))[:64]
    context = {
        "merchant": merchant,
        "origin": origin,
        "nonce": nonce,
        "key": request.GET.get("key", "")[:100],
    }
    if merchant is None or origin is None:
        context["error"] = _("This link is broken: open the shop's JoyBack button again.")
        return render(request, "embed/connect.html", context, status=400)
    # Only a window our own frame opened may grant: the browser says so when the page is first
    # opened, and the nonce is remembered in this browser's session (kept through signing in). A
    # link sent from elsewhere, with a nonce someone else picked, arrives "cross-site" or "none" and
    # can't grant; sent through TikJoy's own sign-in page (``/accounts/login/?next=<this page>``),
    # it arrives "same-origin" after the sign-in's redirect, but from the sign-in page, not the frame.
    if request.method == "GET" and _opened_by_frame(request):
        opened = [n for n in request.session.get(WIDGET_NONCES_SESSION_KEY, []) if n != nonce][-4:]
        request.session[WIDGET_NONCES_SESSION_KEY] = [*opened, nonce]
    if nonce not in request.session.get(WIDGET_NONCES_SESSION_KEY, []):
        context["error"] = _(
            "Open this from the JoyBack button in the shop's widget: this page didn't come from it."
        )
        return render(request, "embed/connect.html", context, status=400)
    user = request.user
    context["next"] = request.get_full_path()
    if not user.is_authenticated:
        return render(request, "embed/connect.html", context)
    if not is_consumer(user):
        context["error"] = _("This account is a merchant's: only a consumer's JoyBack balance can be shown.")
        return render(request, "embed/connect.html", context, status=403)
    if request.method == "POST":
        try:
            widget_pass_grant(user=user, merchant=merchant, origin=origin, nonce=nonce, now=now)
        except WidgetPassError as exc:
            context["error"] = str(exc)
            return render(request, "embed/connect.html", context, status=400)
        context["granted"] = True
    return render(request, "embed/connect.html", context)


@csrf_exempt  # called by the frame, a third party on the shop's page; the nonce is its secret
@require_POST
def widget_pass(request: HttpRequest) -> HttpResponse:
    """The frame's poll: once the person agreed (``widget_connect``), its cookie, once (a refusal's
    ``detail`` in the frame's language)."""
    with translation.override(widget_language(request.POST.get("lang", ""))):
        return _widget_pass(request)


def _widget_pass(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    merchant, origin = _frame_context(request, now)
    if merchant is None or origin is None:
        return JsonResponse(
            {"status": "refused", "detail": _("Unknown key or not one of the brand's sites.")}, status=400
        )
    try:
        person = widget_pass_collect(
            merchant=merchant, origin=origin, nonce=request.POST.get("n", "")[:64], now=now
        )
    except WidgetPassError as exc:
        return JsonResponse({"status": "refused", "detail": str(exc)}, status=400)
    if person is None:
        return JsonResponse({"status": "waiting"})
    response = JsonResponse({"status": "ok"})
    value = signing.dumps({"u": person.pk, "m": merchant.pk}, salt=BALANCE_COOKIE_SALT)
    response["Set-Cookie"] = _balance_cookie(value, max_age=settings.WIDGET_BALANCE_COOKIE_DAYS * 86400)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # the frame forgets its own cookie; nothing else changes
@require_POST
def widget_forget(request: HttpRequest) -> HttpResponse:
    response = JsonResponse({"status": "ok"})
    response["Set-Cookie"] = _balance_cookie("", max_age=0)
    return response
