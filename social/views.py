from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods

from accounts.people import consumer_home_url
from social.adapters import AccountAdapter
from social.selectors import connected_accounts_get
from social.services import PhoneLoginRefused, whatsapp_login_start


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label="Mobile number on WhatsApp",
        max_length=32,
        help_text="With the country code, e.g. +49 170 1234567.",
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "placeholder": "+49 170 1234567"}
        ),
    )

    def clean_phone(self) -> str:
        return AccountAdapter().clean_phone(self.cleaned_data["phone"])


def _safe_next(request: HttpRequest) -> str:
    """The ``next`` parameter when it points at this site, else "" (never an open redirect)."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return ""


@require_http_methods(["GET", "POST"])
def whatsapp_login(request: HttpRequest) -> HttpResponse:
    """Ask for the number, send the code; ``next`` (e.g. a brand's join page) is carried to the code page."""
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or consumer_home_url())
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            whatsapp_login_start(request=request, phone=form.cleaned_data["phone"])
        except PhoneLoginRefused as exc:
            form.add_error("phone", exc.user_message)
        else:
            confirm_url = reverse("account_confirm_login_code")
            if next_url:  # allauth's code page keeps it and signs in to it
                confirm_url += "?" + urlencode({"next": next_url})
            return redirect(confirm_url)
    return render(request, "social/whatsapp_login.html", {"form": form, "next": next_url})


@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    return render(request, "social/me.html", connected_accounts_get(user=request.user))
