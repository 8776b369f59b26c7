"""A person's sign-in identities as keyed digests: what is kept of them after the account is deleted.

A TikTok account is ``tiktok:<uid>`` (allauth's ``SocialAccount.uid``, TikTok's open id) and a WhatsApp
number ``whatsapp:<E.164 number>`` (``User.phone``, verified). Each is kept only as
``salted_hmac(SIGN_IN_DIGEST_SALT, identity)`` with the server's ``SECRET_KEY``: the same identity
gives the same digest, the digest gives back neither the number nor the account without the secret,
and a new ``SECRET_KEY`` makes the digests kept before it match nothing. The account deletion writes
them (``rewards.services.sign_in_rewards_remember``) and the engine compares them
(``rewards.services._evaluate``) through this module only, so both compute them the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.crypto import salted_hmac

SIGN_IN_DIGEST_SALT = "social.identity_digests.sign_in"


def identity_digest(identity: str) -> str:
    """The keyed digest of one identity (``tiktok:<uid>``, ``whatsapp:<phone>``), 64 hex digits."""
    return salted_hmac(SIGN_IN_DIGEST_SALT, identity, algorithm="sha256").hexdigest()


def sign_in_digests(*, tiktok_uids: Iterable[str] = (), phone: str | None = None) -> list[str]:
    """The digests of a person's sign-in identities: their TikTok accounts and their verified number."""
    identities = [f"tiktok:{uid}" for uid in tiktok_uids if uid]
    if phone:
        identities.append(f"whatsapp:{phone}")
    return [identity_digest(identity) for identity in identities]


def person_sign_in_digests(
    *, user: AbstractBaseUser, tiktok: bool = True, tiktok_uids: Sequence[str] | None = None
) -> list[str]:
    """The digests of ``user``'s sign-in identities as they are now: their verified phone and (with
    ``tiktok``) their TikTok accounts: ``tiktok_uids`` when the caller read them already (with other
    facts: ``tiktok_uid_expression``), else read here (one query)."""
    if not tiktok:
        uids: Sequence[str] = ()
    elif tiktok_uids is not None:
        uids = tiktok_uids
    else:
        uids = SocialAccount.objects.filter(user=user, provider="tiktok").values_list("uid", flat=True)
    phone = user.phone if getattr(user, "phone", None) and getattr(user, "phone_verified", False) else None
    return sign_in_digests(tiktok_uids=list(uids), phone=phone)
