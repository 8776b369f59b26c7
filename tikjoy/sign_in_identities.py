"""A TikTok account leaving a TikJoy account that lives on, as TikJoy composes allauth, social and rewards.

A brand pays its sign-in reward once per TikTok account or WhatsApp number (docs/rewards.md, "Paid
once per person, also across a deletion"): when an identity leaves an account, its keyed digest is
kept for each brand that paid that account the reward (``rewards.services.sign_in_rewards_remember``),
so a new account signing in with it there is not paid again. Besides the account deletion (privacy's),
a TikTok account leaves a living account in two ways, both allauth's flows run with social's hooks:

- the person disconnects it on allauth's Connected accounts page (``/accounts/3rdparty/``), which
  deletes the ``SocialAccount``, and their TikTok profile (``social.TikTokProfile``) with it:
  ``DisconnectForm``;
- their TikTok profile (one per person; it outlived a disconnection made before the disconnect
  released it, and a removal by ops in ``/ops/``) is given another TikTok account's ``open_id`` when
  they connect or sign in with it, or is taken away when another account signs in with or connects its
  ``open_id``: ``SocialAccountAdapter``.

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
from social.selectors import tiktok_profiles_left_holding
from social.services import tiktok_profile_release


class DisconnectForm(AllauthDisconnectForm):
    """allauth's disconnect (``/accounts/3rdparty/``), keeping a TikTok account's digest for each brand
    that paid this account its sign-in reward, in the transaction that deletes it, and releasing the
    TikTok profile that describes it (``social.services.tiktok_profile_release``), so another account
    can sign in with it."""

    def save(self) -> None:
        account = self.cleaned_data["account"]
        with transaction.atomic(durable=True):
            if account.provider == "tiktok":
                # Read from the account and its rewards (not the profile): kept before the profile goes.
                sign_in_rewards_remember(
                    user=account.user, now=timezone.now(), leaving_tiktok_uids=[account.uid]
                )
            super().save()  # deletes the SocialAccount (and says so); a refusal rolls all back
            if account.provider == "tiktok":
                tiktok_profile_release(user=account.user, open_id=account.uid)


class SocialAccountAdapter(SocialSignInAdapter):
    """social's adapter; when the TikTok profile it stores is about to take another TikTok account's
    ``open_id``, the replaced one's digest is kept first, in the same transaction; and when another
    account's profile still holds the ``open_id`` signed in or connected with (its TikTok account left
    it without the disconnect releasing it: removed by ops, or disconnected before that was done),
    that account's digest of it is kept before social takes the profile away from it."""

    def pre_social_login(self, request, sociallogin) -> None:
        if sociallogin.account.provider != "tiktok":
            super().pre_social_login(request, sociallogin)
            return
        if sociallogin.state.get("process") == "connect" and request.user.is_authenticated:
            user = request.user
        elif sociallogin.is_existing:
            user = sociallogin.user
        else:  # a new account: no profile of its own to replace
            user = None
        uid = sociallogin.account.uid
        with transaction.atomic():
            now = timezone.now()
            replaced = (
                TikTokProfile.objects.select_for_update()
                .filter(user=user)
                .exclude(open_id=uid)
                .values_list("open_id", flat=True)
                .first()
                if user is not None
                else None
            )
            if replaced:
                sign_in_rewards_remember(user=user, now=now, leaving_tiktok_uids=[replaced])
            # social deletes these profiles when it stores the taker's (for a new account, at its
            # save_user, after this commits): a digest kept without that is still true, the TikTok account left them.
            for left in tiktok_profiles_left_holding(open_id=uid, taker=user).select_related("user"):
                sign_in_rewards_remember(user=left.user, now=now, leaving_tiktok_uids=[uid])
            super().pre_social_login(request, sociallogin)  # a refusal rolls the digests back
