"""Public and signed-in pages: onboarding, invitation links, the brand landing page and joining it."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services as account_services
from accounts.adapter import consumer_home_url
from accounts.selectors import consent_active_get, consent_items_for
from merchants import services
from merchants.forms import MerchantCreateForm
from merchants.journey import brand_join_complete
from merchants.models import Membership, Merchant, Touchpoint
from merchants.tenancy import console_select
from merchants.visitor import client_ip_get, device_cookie, device_id_get

SOURCE_SESSION_KEY = "tikjoy_source"


@login_required
@require_http_methods(["GET", "POST"])
def merchant_create(request: HttpRequest) -> HttpResponse:
    form = MerchantCreateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            merchant = services.merchant_create(actor=request.user, **form.cleaned_data)
        except services.MerchantError as exc:
            form.add_error(None, str(exc))
        else:
            console_select(request, merchant_id=merchant.pk)
            messages.success(request, f"{merchant.brand_name} is ready. Welcome to your console.")
            return redirect("console:index")
    memberships = Membership.objects.filter(user=request.user).select_related("merchant")
    return render(
        request,
        "merchants/merchant_create.html",
        {"form": form, "memberships": memberships},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation e-mail. Signed-in people accept it; others sign in or sign up first."""
    try:
        invitation = services.invitation_from_token(token=token)
    except services.InvitationInvalid as exc:
        return render(request, "merchants/invitation_invalid.html", {"reason": str(exc)}, status=400)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            membership = services.invitation_accept(token=token, user=request.user, now=timezone.now())
        except services.MerchantError as exc:
            return render(request, "merchants/invitation_invalid.html", {"reason": str(exc)}, status=400)
        console_select(request, merchant_id=membership.merchant_id)
        messages.success(
            request, f"You joined {membership.merchant.brand_name} as {membership.get_role_display()}."
        )
        return redirect("console:index")
    return render(request, "merchants/invitation.html", {"invitation": invitation, "next": request.path})


@require_GET
@device_cookie
def landing(request: HttpRequest, slug: str) -> HttpResponse:
    """The brand's public page. ``?t=<touchpoint key>`` is remembered as where the visitor came from."""
    merchant = get_object_or_404(Merchant, slug=slug)
    key = request.GET.get("t", "")[:64]
    if key:
        touchpoint = Touchpoint.objects.filter(merchant=merchant, public_key=key, is_active=True).first()
        if touchpoint is not None:
            request.session[SOURCE_SESSION_KEY] = {"merchant": merchant.pk, "touchpoint": touchpoint.pk}
    from campaigns.views import landing_context

    return render(
        request,
        "merchants/landing.html",
        {
            "merchant": merchant,
            "next": reverse("merchants:join", args=[merchant.slug]),
            **landing_context(request, merchant),
        },
    )


def _touchpoint_key(request: HttpRequest, merchant: Merchant) -> str | None:
    """The key of the touchpoint the visitor came through (``?t=`` on this brand's page), if any."""
    source = request.session.get(SOURCE_SESSION_KEY)
    if not isinstance(source, dict) or source.get("merchant") != merchant.pk:
        return None
    if not isinstance(source.get("touchpoint"), int):
        return None
    return (
        Touchpoint.objects.filter(merchant=merchant, pk=source.get("touchpoint"))
        .values_list("public_key", flat=True)
        .first()
    )


def _join_complete(request: HttpRequest, merchant: Merchant, *, now: datetime) -> HttpResponse:
    brand_join_complete(
        user=request.user,
        merchant=merchant,
        touchpoint_key=_touchpoint_key(request, merchant),
        device_id=device_id_get(request),
        ip_address=client_ip_get(request),
        now=now,
    )
    return redirect(consumer_home_url())


@login_required
@require_http_methods(["GET", "POST"])
@device_cookie
def join(request: HttpRequest, slug: str) -> HttpResponse:
    """After signing in on a brand page: the consent page the first time, then on to the wallet."""
    merchant = get_object_or_404(Merchant, slug=slug)
    now = timezone.now()
    if consent_active_get(user=request.user, merchant=merchant) is not None:
        return _join_complete(request, merchant, now=now)
    items = consent_items_for(user=request.user)
    if not items:  # nothing of this person's could be shared: nothing to agree to
        return _join_complete(request, merchant, now=now)
    shown = [item.key for item in items]
    if request.method == "POST":
        if request.POST.get("decision") == "decline":
            messages.info(
                request, f"Nothing was shared with {merchant.brand_name}. You can join whenever you like."
            )
            return redirect("merchants:landing", slug=merchant.slug)
        if request.POST.get("decision") == "agree":
            if sorted(request.POST.getlist("fields")) != sorted(shown):
                messages.warning(request, "What would be shared has changed. Please check it again.")
            else:
                try:
                    account_services.consent_give(user=request.user, merchant=merchant, fields=shown, now=now)
                except account_services.ConsentError as exc:
                    messages.error(request, str(exc))
                else:
                    messages.success(request, f"You joined {merchant.brand_name}.")
                    return _join_complete(request, merchant, now=now)
    return render(
        request,
        "merchants/join_consent.html",
        {"merchant": merchant, "items": items},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    """The "Withdraw" button on /me/ (and the wallet): this brand no longer receives the person's data."""
    merchant = get_object_or_404(Merchant, slug=slug)
    try:
        account_services.consent_withdraw(user=request.user, merchant=merchant, now=timezone.now())
    except account_services.ConsentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{merchant.brand_name} no longer receives your data. You will be asked again if you join it.",
        )
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = consumer_home_url()
    return redirect(next_url)
