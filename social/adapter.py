"""allauth social-account adapter: TikTok sign-up without e-mail, profile storage, clear errors."""

from __future__ import annotations

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base.constants import AuthError
from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone

from social.services import tiktok_profile_update


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        # TikTok gives no e-mail address, and consumers need none.
        return True

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.display_name = (data.get("display_name") or "")[:150]
        if not user.email:
            user.email = None  # unique when present: never store "" for a consumer without e-mail
        return user

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)  # no usable password: a consumer
        self._store_profile(sociallogin)
        return user

    def pre_social_login(self, request, sociallogin) -> None:
        if sociallogin.is_existing:
            self._store_profile(sociallogin)
        elif sociallogin.state.get("process") == "connect" and request.user.is_authenticated:
            self._store_profile(sociallogin, user=request.user)  # connecting TikTok to this account

    def _store_profile(self, sociallogin, user=None) -> None:
        if sociallogin.account.provider == "tiktok" and sociallogin.account.extra_data.get("open_id"):
            tiktok_profile_update(
                user=user or sociallogin.user, data=sociallogin.account.extra_data, now=timezone.now()
            )

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        if error == AuthError.CANCELLED:
            text = f"You cancelled signing in with {provider.name}. Nothing was changed."
        else:
            text = (
                f"Signing in with {provider.name} did not work ({provider.name} refused or did not "
                "answer). Please try again."
            )
        messages.error(request, text)
        raise ImmediateHttpResponse(redirect("account_login"))
