from __future__ import annotations

import phonenumbers
from allauth.account.views import ConfirmLoginCodeView
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django.views.generic.edit import FormView

from accounts.forms import LocaleForm
from accounts.middleware import browser_time_zone
from accounts.people import consumer_home_url, phone_to_e164
from accounts.phones import phone_display
from accounts.services import LocaleChoiceInvalid, user_locale_set
from accounts.time_zones import likely_time_zones
from core.i18n import language_cookie_set, time_zone_label
from social.phone_regions import (
    INTERNATIONAL_EXAMPLE,
    PHONE_COUNTRY_COOKIE,
    PHONE_COUNTRY_COOKIE_MAX_AGE,
    example_number,
    phone_region,
    region_choices,
    visitor_phone_region,
    whatsapp_phone_check,
)
from social.selectors import connected_accounts_get
from social.services import (
    PhoneConnectRefused,
    PhoneLoginRefused,
    whatsapp_connect_confirm,
    whatsapp_connect_pending,
    whatsapp_connect_start,
    whatsapp_login_start,
)


class PhoneForm(forms.Form):
    """A WhatsApp number: international (+...), or local to the country chosen (``region`` by default,
    ``social.phone_regions.visitor_phone_region``)."""

    country = forms.ChoiceField(label=gettext_lazy("Country of the number"), required=False)
    phone = forms.CharField(label=gettext_lazy("Mobile number on WhatsApp"), max_length=32)

    def __init__(self, *args, region: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [
            ("", gettext("Other: I type the country code (+...)")),
            *region_choices(),
        ]
        self.fields["country"].initial = region or ""
        if self.is_bound and "country" in self.data:  # the person's choice in the selector
            self.region = phone_region(self.data.get("country"))
        else:
            self.region = region
        self.typed_international = False
        example = example_number(self.region)
        if self.region and example:
            help_text = gettext(
                "Your local number (e.g. %(example)s), or any number with its country code (+...)."
            ) % {"example": example}
        else:
            help_text = gettext("With the country code, e.g. %(example)s.") % {
                "example": INTERNATIONAL_EXAMPLE
            }
        self.fields["phone"].help_text = help_text
        self.fields["phone"].widget = forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "placeholder": example or INTERNATIONAL_EXAMPLE}
        )

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"]
        try:
            phone = phone_to_e164(raw, region=self.region)
        except ValueError:
            example = example_number(self.region)
            if self.region and example:
                text = gettext(
                    "Enter a valid mobile number: a local one (e.g. %(example)s) or one with its country code (+...)."
                ) % {"example": example}
            else:
                text = gettext("Enter a valid mobile number with its country code, e.g. %(example)s.") % {
                    "example": INTERNATIONAL_EXAMPLE
                }
            raise forms.ValidationError(text, code="invalid_phone") from None
        whatsapp_phone_check(phone)  # before anything is confirmed or sent
        try:  # typed with its own country code: the country chosen played no part
            self.typed_international = phone_to_e164(raw) == phone
        except ValueError:
            self.typed_international = False
        return phone


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from WhatsApp"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


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
    """Ask for the number, send the code; ``next`` (e.g. a brand's join page) is carried to the code page.

    A number typed without its country code is read in the country chosen in the selector (by
    default the visitor's: ``social.phone_regions``; ``region``, the brand page's country, comes
    last), and the page first shows the full international number and sends only once the person
    confirms it.
    """
    next_url = _safe_next(request)
    brand_region = phone_region(request.POST.get("region") or request.GET.get("region"))
    if request.user.is_authenticated:
        return redirect(next_url or consumer_home_url())
    form = PhoneForm(request.POST or None, region=visitor_phone_region(request, brand_region=brand_region))
    context = {"form": form, "next": next_url, "region": brand_region or ""}
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        if not form.typed_international and request.POST.get("confirmed") != phone:
            context.update(confirm_phone=phone, confirm_phone_shown=phone_display(phone))
            return render(request, "social/whatsapp_login.html", context)
        try:
            whatsapp_login_start(request=request, phone=phone)
        except PhoneLoginRefused as exc:
            form.add_error("phone", exc.user_message)
        else:
            confirm_url = reverse("account_confirm_login_code")
            if next_url:  # allauth's code page keeps it and signs in to it
                confirm_url += "?" + urlencode({"next": next_url})
            response = redirect(confirm_url)
            _remember_phone_country(response, phone)
            return response
    return render(request, "social/whatsapp_login.html", context)


class WhatsAppCodeConfirmView(ConfirmLoginCodeView):
    """allauth's page for the code WhatsApp delivered (``/accounts/login/code/confirm/``), except that
    where allauth would send the person to the e-mail sign-in page, they go back to the WhatsApp
    number step, ``next`` kept, to ask for a new code, and are told why: after the last wrong code
    (``ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS``), and when the code is sent (or the page opened) once
    the sign-in it was for is gone (the code expired, or the page came back through the back button
    or another tab after that sign-in ended). A person already signed in (the code sent again after
    it signed them in) goes where a sign-in leads, as allauth sends them, and is told so."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:  # allauth redirects to where a sign-in leads (``next`` kept)
            messages.info(request, gettext("This sign-in is already complete: you are signed in."))
            return super().dispatch(request, *args, **kwargs)
        response = super().dispatch(request, *args, **kwargs)
        # allauth's answer when no sign-in by code is pending in this session (none started, or it
        # expired, or it ended): its sign-in page, which is the e-mail one.
        if (
            not request.user.is_authenticated
            and response.status_code == 302
            and response["Location"] == reverse("account_login")
        ):
            return self._back_to_the_number_step(
                gettext(
                    "This code is no longer valid: it expired or was already used. Ask for a new code below."
                )
            )
        return response

    def form_invalid(self, form) -> HttpResponse:
        if self._process.record_invalid_attempt():  # allauth's process, as its own form_invalid reads it
            return FormView.form_invalid(self, form)  # the page again, with the form's error
        return self._back_to_the_number_step(
            gettext(
                "This code is no longer valid: it was typed wrong too many times. Ask for a new code below."
            )
        )

    def _back_to_the_number_step(self, message: str) -> HttpResponse:
        messages.error(self.request, message)
        url = reverse("social:whatsapp_login")
        next_url = self.get_next_url()
        return redirect(url + ("?" + urlencode({"next": next_url}) if next_url else ""))


def _remember_phone_country(response: HttpResponse, phone: str) -> None:
    """This device's country for the next local number: the one of the number a code went to."""
    region = phonenumbers.region_code_for_number(phonenumbers.parse(phone))
    if phone_region(region):
        response.set_cookie(
            PHONE_COUNTRY_COOKIE,
            region,
            max_age=PHONE_COUNTRY_COOKIE_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )


@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "social/me.html",
        {
            **connected_accounts_get(user=request.user),
            "whatsapp_form": PhoneForm(region=visitor_phone_region(request)),
            "locale_form": _locale_form_for(request),
        },
    )


def _locale_form_for(request: HttpRequest) -> LocaleForm:
    """The choice as saved; with none saved, the browser's zone preselected as a suggestion (saved
    only if the person presses Save) and the zones the person likely lives in first."""
    user = request.user
    browser_zone = browser_time_zone(request)
    form = LocaleForm(
        initial={"language": user.language, "time_zone": user.time_zone or browser_zone},
        likely_time_zones=likely_time_zones(browser_zone=browser_zone, phone=user.phone),
    )
    form.suggested_time_zone = "" if user.time_zone or not browser_zone else time_zone_label(browser_zone)
    return form


@login_required
@require_http_methods(["POST"])
def me_locale(request: HttpRequest) -> HttpResponse:
    """/me/: save the person's language and time zone."""
    form = LocaleForm(request.POST)
    if form.is_valid():
        try:
            user_locale_set(
                user=request.user,
                language=form.cleaned_data["language"],
                time_zone=form.cleaned_data["time_zone"],
            )
        except LocaleChoiceInvalid as exc:
            form.add_error(None, str(exc))
        else:
            language = form.cleaned_data["language"]
            if language:
                translation.activate(language)  # the confirmation below is in the new language
            messages.success(request, gettext("Saved: your language and time zone."))
            response = redirect("social:me")
            if language:  # this device follows the choice even after signing out
                language_cookie_set(response, language)
            return response
    return render(
        request,
        "social/me.html",
        {
            **connected_accounts_get(user=request.user),
            "whatsapp_form": PhoneForm(region=visitor_phone_region(request)),
            "locale_form": form,
        },
        status=400,
    )


@login_required
@require_http_methods(["POST"])
def whatsapp_connect(request: HttpRequest) -> HttpResponse:
    """Connected accounts: send a code to the number to add WhatsApp to this account."""
    form = PhoneForm(request.POST, region=visitor_phone_region(request))
    if form.is_valid():
        try:
            whatsapp_connect_start(
                request=request, user=request.user, phone=form.cleaned_data["phone"], now=timezone.now()
            )
        except PhoneConnectRefused as exc:
            form.add_error("phone", str(exc))
        else:
            return redirect("social:whatsapp_connect_confirm")
    return render(
        request,
        "social/me.html",
        {**connected_accounts_get(user=request.user), "whatsapp_form": form},
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def whatsapp_connect_code(request: HttpRequest) -> HttpResponse:
    """Type the code WhatsApp delivered; the number is then this account's (never another's)."""
    now = timezone.now()
    phone = whatsapp_connect_pending(request=request, user=request.user, now=now)
    if phone is None:
        messages.info(request, gettext("No code is waiting. Enter your WhatsApp number to get one."))
        return redirect("social:me")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            whatsapp_connect_confirm(
                request=request, user=request.user, code=form.cleaned_data["code"], now=now
            )
        except PhoneConnectRefused as exc:
            if whatsapp_connect_pending(request=request, user=request.user, now=now) is None:
                messages.error(request, str(exc))
                return redirect("social:me")
            form.add_error("code", str(exc))
        else:
            messages.success(
                request,
                gettext(
                    "WhatsApp %(phone)s is now connected to your account: you can sign in with it, "
                    "and everything stays in one wallet."
                )
                % {"phone": phone_display(phone)},
            )
            return redirect("social:me")
    return render(
        request,
        "social/whatsapp_connect_code.html",
        {"form": form, "phone": phone},
        status=400 if form.errors else 200,
    )
