"""Signed-in pages of merchants: onboarding and invitation links."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.sign_in import continue_after_sign_in_clear, continue_after_sign_in_set
from core.hardening import personal_data
from merchants import services
from merchants.forms import MerchantCreateForm
from merchants.models import Membership
from merchants.tenancy import console_select


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
            messages.success(
                request, _("%(brand)s is ready. Welcome to your console.") % {"brand": merchant.brand_name}
            )
            return redirect("console:index")
    memberships = Membership.objects.filter(user=request.user).select_related("merchant")
    return render(
        request,
        "merchants/merchant_create.html",
        # A merchant's page: formal down to base.html's footer slogan (its "to a merchant" context).
        {"form": form, "memberships": memberships, "formal": True},
        status=400 if form.errors else 200,
    )


@personal_data  # names the invited address, also to someone not signed in
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation e-mail. Signed-in people accept it; others sign in or sign up first."""
    try:
        invitation = services.invitation_from_token(token=token)
    except services.InvitationInvalid as exc:
        return render(
            request, "merchants/invitation_invalid.html", {"reason": str(exc), "formal": True}, status=400
        )
    if not request.user.is_authenticated:
        # Kept through any way of signing in or up (the header's "Sign up" too): back here after.
        continue_after_sign_in_set(request, url=request.path)
    else:
        continue_after_sign_in_clear(request)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            membership = services.invitation_accept(token=token, user=request.user, now=timezone.now())
        except services.MerchantError as exc:
            return render(
                request, "merchants/invitation_invalid.html", {"reason": str(exc), "formal": True}, status=400
            )
        console_select(request, merchant_id=membership.merchant_id)
        messages.success(
            request,
            _("You joined %(brand)s as %(role)s.")
            % {"brand": membership.merchant.brand_name, "role": membership.get_role_display()},
        )
        return redirect("console:index")
    return render(
        request, "merchants/invitation.html", {"invitation": invitation, "next": request.path, "formal": True}
    )
