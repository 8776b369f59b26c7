"""A TikTok account leaving a TikJoy account that lives on, as TikJoy composes allauth, social and rewards.

A brand pays its sign-in reward once per TikTok account or WhatsApp number (docs/rewards.md, "Paid
once per person, also across a deletion"): when an identity leaves an account, its keyed digest is
kept for each brand that paid that account the reward (``rewards.services.sign_in_rewards_remember``),
so a new account signing in with it there is not paid again. Besides the account deletion (privacy's),
a TikTok account leaves a living account in two ways, both allauth's flows run with social's hooks:

- the person disconnects it on allauth's Connected accounts page (``/accounts/3rdparty/``), which
  deletes the ``SocialAccount``: ``DisconnectForm``;
- their TikTok profile (``social.TikTokProfile``, one per person, which outlives a disconnection) is
  given another TikTok account's ``open_id`` when they connect or sign in with it: ``SocialAccountAdapter``
  (the replaced one, e.g. disconnected before this was kept, or removed by ops in ``/ops/``).

social (the adapter, the profile) is below rewards and can't call it, so these two hooks live here,
above both, and allauth is pointed at them by the settings (``SOCIALACCOUNT_FORMS["disconnect"]``,
``SOCIALACCOUNT_ADAPTER``): the digest is written in the transaction that takes the account away, so
one can't happen without the other. A verified WhatsApp number can't leave a living account (the
account page refuses a second number and no other account can take it; allauth's phone pages are not
served): only the deletion takes it, and keeps it.
"""

from __future__ import annotations

from allauth.socialaccount.forms import DisconnectForm as AllauthDisconnectForm
from django.db import transaction
from django.utils import timezone

from rewards.services import sign_in_rewards_remember
from social.adapter import SocialAccountAdapter as SocialSignInAdapter
from social.models import TikTokProfile


class DisconnectForm(AllauthDisconnectForm):
    """allauth's disconnect (``/accounts/3rdparty/``), keeping a TikTok account's digest for each brand
    that paid this account its sign-in reward, in the transaction that deletes it."""

    def save(self) -> None:
        account = self.cleaned_data["account"]
        with transaction.atomic(durable=True):
            if account.provider == "tiktok":
                sign_in_rewards_remember(
                    user=account.user, now=timezone.now(), leaving_tiktok_uids=[account.uid]
                )
            super().save()  # deletes the SocialAccount (and says so); a refusal rolls both back


class SocialAccountAdapter(SocialSignInAdapter):
    """social's adapter; when the TikTok profile it stores is about to take another TikTok account's
    ``open_id``, the replaced one's digest is kept first, in the same transaction."""

    def pre_social_login(self, request, sociallogin) -> None:
        if sociallogin.state.get("process") == "connect" and request.user.is_authenticated:
            user = request.user
        elif sociallogin.is_existing:
            user = sociallogin.user
        else:  # a new account: no profile to replace
            super().pre_social_login(request, sociallogin)
            return
        with transaction.atomic():
            replaced = (
                TikTokProfile.objects.select_for_update()
                .filter(user=user)
                .exclude(open_id=sociallogin.account.uid)
                .values_list("open_id", flat=True)
                .first()
                if sociallogin.account.provider == "tiktok"
                else None
            )
            if replaced:
                sign_in_rewards_remember(user=user, now=timezone.now(), leaving_tiktok_uids=[replaced])
            super().pre_social_login(request, sociallogin)  # a refusal rolls the digest back
