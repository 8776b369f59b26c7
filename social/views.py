from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.adapter import AccountAdapter
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


@require_http_methods(["GET", "POST"])
def whatsapp_login(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("social:me")
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            whatsapp_login_start(request=request, phone=form.cleaned_data["phone"])
        except PhoneLoginRefused as exc:
            form.add_error("phone", exc.user_message)
        else:
            return redirect("account_confirm_login_code")
    return render(request, "social/whatsapp_login.html", {"form": form})


@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    return render(request, "social/me.html", connected_accounts_get(user=request.user))
