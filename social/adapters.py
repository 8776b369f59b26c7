"""allauth's account adapter: sign-in by WhatsApp code, e-mail verification for consumers, where they land.

It lives with social sign-in: it sends WhatsApp codes and reads TikTok connections.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.stages import EmailVerificationStage
from django import forms
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.people import consumer_home_url, is_affiliate, is_consumer, phone_to_e164, team_home_url
from accounts.services import user_browser_language_record
from accounts.sign_in import continue_after_sign_in_get, local_path
from core.i18n import negotiated_language
from social.phone_regions import whatsapp_phone_check
from social.selectors import tiktok_disconnection_notice
from social.whatsapp import whatsapp_code_send


class ConsumerAwareEmailVerificationStage(EmailVerificationStage):
    """Mandatory e-mail verification, except for consumers who signed in without any e-mail."""

    def handle(self):
        user = self.login.user
        if user is not None and not getattr(user, "email", None) and is_consumer(user):
            return None, True
        return super().handle()


class AccountAdapter(DefaultAccountAdapter):
    def get_login_stages(self) -> list[str]:
        return [
            "social.adapters.ConsumerAwareEmailVerificationStage"
            if path == "allauth.account.stages.EmailVerificationStage"
            else path
            for path in super().get_login_stages()
        ]

    def clean_phone(self, phone: str) -> str:
        try:
            phone = phone_to_e164(phone)
        except ValueError:
            raise forms.ValidationError(
                _("Enter a valid mobile number with its country code, e.g. %(example)s.")
                % {"example": "+49 170 1234567"},
                code="invalid_phone",
            ) from None
        whatsapp_phone_check(phone)
        return phone

    def set_phone(self, user: AbstractBaseUser, phone: str, verified: bool) -> None:
        user.phone = phone
        user.phone_verified = verified
        user.save(update_fields=["phone", "phone_verified"])

    def get_phone(self, user: AbstractBaseUser) -> tuple[str, bool] | None:
        if not getattr(user, "phone", None):
            return None
        return user.phone, user.phone_verified

    def set_phone_verified(self, user: AbstractBaseUser, phone: str) -> None:
        User.objects.filter(pk=user.pk, phone=phone).update(phone_verified=True)
        user.phone_verified = True

    def get_user_by_phone(self, phone: str) -> AbstractBaseUser | None:
        return User.objects.filter(phone=phone, is_active=True).first()

    def send_verification_code_sms(
        self, user: AbstractBaseUser, phone: str, code: str, **kwargs: Any
    ) -> None:
        """The code goes out as a WhatsApp authentication template (raises WhatsAppSendError)."""
        whatsapp_code_send(to=phone, code=code, person=user)

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        # Unknown numbers get an account on their first WhatsApp sign-in (social.views), so
        # allauth never needs to tell a stranger that no account exists.
        return None

    def send_account_already_exists_sms(self, phone: str) -> None:
        return None

    def login(self, request, user: AbstractBaseUser) -> None:
        super().login(request, user)
        # Their e-mails' language while they choose none (core.i18n.language_for).
        user_browser_language_record(user=user, language=negotiated_language(request))
        notice = tiktok_disconnection_notice(user=user)
        if notice:
            messages.warning(request, notice)

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        """allauth's confirmation link, carrying where the person was going when they signed up
        (the sign-up's ``next``, e.g. the home page's "Create a merchant account" to
        /merchants/new/): allauth keeps it in the browser's session only, so a link opened on
        another device led to the home page. Only a path of this site is carried
        (``accounts.sign_in.local_path``); the confirmation page sends it on (allauth's ``next``),
        and a person not signed in there signs in and continues to it."""
        url = super().get_email_confirmation_url(request, emailconfirmation)
        next_url = request and local_path(request.POST.get("next") or request.GET.get("next"))
        return f"{url}?{urlencode({'next': next_url})}" if next_url else url

    def get_login_redirect_url(self, request) -> str:
        pending = continue_after_sign_in_get(request)  # e.g. a team invitation opened before signing in
        if pending:
            return pending
        return team_home_url(request.user) or self._personal_home_url(request)

    def get_signup_redirect_url(self, request) -> str:
        pending = continue_after_sign_in_get(request)
        if pending:
            return pending
        return team_home_url(request.user) or self._personal_home_url(request)

    def _personal_home_url(self, request) -> str:
        """A consumer (``accounts.people.is_consumer``) lands on their wallet; an affiliate who isn't one
        on the affiliate programs, where their links and commissions are; anyone else on no team
        (a person who signed up with e-mail to run a merchant, staff) on the home page
        (``LOGIN_REDIRECT_URL``), which offers a signed-in person without a merchant to create one."""
        if request.user.is_authenticated and is_consumer(request.user):
            return consumer_home_url()
        if is_affiliate(request.user):
            return reverse("affiliates:programs")
        return super().get_login_redirect_url(request)
