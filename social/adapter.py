"""allauth social-account adapter: TikTok sign-up without e-mail, profile storage, clear errors.

Connecting TikTok to the signed-in account (``process=connect``, the button on /me/) never
merges two accounts: a TikTok identity that already belongs to another TikJoy account is
refused with a message that says what to do.
"""

from __future__ import annotations

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.base.constants import AuthError
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from social.services import tiktok_profile_update

TIKTOK_OF_ANOTHER_ACCOUNT = _(
    "This TikTok account already belongs to another TikJoy account, with its own wallet. "
    "Nothing was connected and nothing was merged. To use it, sign out and continue with TikTok: "
    "you will be in that other account."
)


def _brand_page_of(next_url: str) -> str | None:
    """The brand page a ``next`` of ``/b/<slug>/join/`` came from (by URL name: social imports no brand code)."""
    try:
        match = resolve(next_url.split("?", 1)[0])
    except Resolver404:
        return None
    if match.namespace == "brand" and match.url_name == "join":
        return reverse("brand:landing", kwargs=match.kwargs)
    return None


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
        if sociallogin.state.get("process") == "connect" and request.user.is_authenticated:
            self._refuse_a_second_identity(request, sociallogin)
            self._store_profile(sociallogin, user=request.user)  # connecting TikTok to this account
        elif sociallogin.is_existing:
            self._store_profile(sociallogin)

    def _refuse_a_second_identity(self, request, sociallogin) -> None:
        """Connect only an identity that is nobody else's, to an account without another one."""
        if sociallogin.is_existing and sociallogin.user.pk != request.user.pk:
            messages.error(request, TIKTOK_OF_ANOTHER_ACCOUNT)
            raise ImmediateHttpResponse(redirect("social:me"))
        other = (
            SocialAccount.objects.filter(user=request.user, provider=sociallogin.account.provider)
            .exclude(uid=sociallogin.account.uid)
            .exists()
        )
        if other:
            messages.error(
                request,
                _("Your account already has another TikTok account connected. Nothing was changed."),
            )
            raise ImmediateHttpResponse(redirect("social:me"))

    def get_connect_redirect_url(self, request, socialaccount) -> str:
        return reverse("social:me")

    def _store_profile(self, sociallogin, user=None) -> None:
        if sociallogin.account.provider == "tiktok" and sociallogin.account.extra_data.get("open_id"):
            tiktok_profile_update(
                user=user or sociallogin.user, data=sociallogin.account.extra_data, now=timezone.now()
            )

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        """Back where the person started (the brand page, Connected accounts, or sign-in), saying what happened."""
        state = (extra_context or {}).get("state") or {}
        next_url = state.get("next") or ""
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = ""
        connecting = state.get("process") == "connect" and request.user.is_authenticated
        names = {"provider": provider.name}
        if error == AuthError.CANCELLED:
            if connecting:
                text = _("You cancelled connecting %(provider)s. Nothing was changed.") % names
            else:
                text = _("You cancelled signing in with %(provider)s. Nothing was changed.") % names
        elif connecting:
            text = (
                _(
                    "Connecting %(provider)s did not work (%(provider)s refused or did not answer). Please try again."
                )
                % names
            )
        else:
            text = (
                _(
                    "Signing in with %(provider)s did not work (%(provider)s refused or did not answer). Please try again."
                )
                % names
            )
        brand_page = _brand_page_of(next_url) if next_url else None
        if brand_page:
            text += " " + _("You can still join with TikTok or WhatsApp below.")
            target = brand_page
        elif connecting:
            target = reverse("social:me")
        else:
            target = reverse("account_login") + ("?" + urlencode({"next": next_url}) if next_url else "")
        messages.error(request, text)
        raise ImmediateHttpResponse(redirect(target))
