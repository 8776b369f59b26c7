"""A person's sign-in identities as keyed digests: what is kept of them after the account is deleted.

A TikTok account is ``tiktok:<uid>`` (allauth's ``SocialAccount.uid``, TikTok's open id; at the
deletion also ``TikTokProfile.open_id``, which outlives a removal by ops) and a WhatsApp number
``whatsapp:<E.164 number>`` (``User.phone``, verified). Each is kept only as
``salted_hmac(SIGN_IN_DIGEST_SALT, "<brand id>:<identity>")`` with the server's ``SECRET_KEY``: the
same identity gives the same digest at the same brand and another one at each other brand (the rows
kept for two brands can't be linked), the digest gives back neither the number nor the account
without the secret, and a new ``SECRET_KEY`` makes the digests kept before it match nothing. They are
written when an identity leaves an account: the account deletion, a TikTok account disconnected or
replaced on the TikTok profile by another (``rewards.services.sign_in_rewards_remember``, called by
``privacy.services.account_delete`` and ``tikjoy.sign_in_identities``), and the engine compares them
(``rewards.services._evaluate``) through this module only, so all compute them the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.crypto import salted_hmac

from social.models import TikTokProfile

SIGN_IN_DIGEST_SALT = "social.identity_digests.sign_in"


def identity_digest(*, merchant_id: int, identity: str) -> str:
    """The keyed digest of one identity (``tiktok:<uid>``, ``whatsapp:<phone>``) at one brand, 64 hex
    digits. The brand's id is part of what is digested, so the same person's digests at two brands
    differ: the rows kept for one brand can't be matched with another's."""
    return salted_hmac(SIGN_IN_DIGEST_SALT, f"{merchant_id}:{identity}", algorithm="sha256").hexdigest()


def sign_in_digests(
    *, merchant_id: int, tiktok_uids: Iterable[str] = (), phone: str | None = None
) -> list[str]:
    """The digests at ``merchant_id`` of a person's sign-in identities: their TikTok accounts and their
    verified number (each once)."""
    identities = list(dict.fromkeys(f"tiktok:{uid}" for uid in tiktok_uids if uid))
    if phone:
        identities.append(f"whatsapp:{phone}")
    return [identity_digest(merchant_id=merchant_id, identity=identity) for identity in identities]


def sign_in_digests_at(
    *, merchant_ids: Iterable[int], tiktok_uids: Iterable[str] = (), phone: str | None = None
) -> list[tuple[int, str]]:
    """(brand, digest) of the given sign-in identities, for each of ``merchant_ids``: what is kept when
    they leave an account (``person_deleted_sign_in_digests`` at the deletion, a TikTok account's uid
    when it is disconnected or replaced)."""
    uids = list(tiktok_uids)
    return [
        (merchant_id, digest)
        for merchant_id in merchant_ids
        for digest in sign_in_digests(merchant_id=merchant_id, tiktok_uids=uids, phone=phone)
    ]


def _verified_phone(user: AbstractBaseUser) -> str | None:
    return user.phone if getattr(user, "phone", None) and getattr(user, "phone_verified", False) else None


def person_sign_in_digests(
    *,
    user: AbstractBaseUser,
    merchant_id: int,
    tiktok: bool = True,
    tiktok_uids: Sequence[str] | None = None,
) -> list[str]:
    """The digests at ``merchant_id`` of ``user``'s sign-in identities as they are now (what the engine
    compares for a new sign-in): their verified phone and (with ``tiktok``) their TikTok accounts:
    ``tiktok_uids`` when the caller read them already (with other facts: ``tiktok_uid_expression``),
    else read here (one query)."""
    if not tiktok:
        uids: Sequence[str] = ()
    elif tiktok_uids is not None:
        uids = tiktok_uids
    else:
        uids = SocialAccount.objects.filter(user=user, provider="tiktok").values_list("uid", flat=True)
    return sign_in_digests(merchant_id=merchant_id, tiktok_uids=list(uids), phone=_verified_phone(user))


def person_deleted_sign_in_digests(
    *, user: AbstractBaseUser, merchant_ids: Iterable[int]
) -> list[tuple[int, str]]:
    """(brand, digest) of every sign-in identity ``user`` had, for each of ``merchant_ids``: what the
    account deletion keeps. Besides their TikTok accounts (allauth's) and verified number, the open id
    of their TikTok profile (``TikTokProfile.open_id``, the same value as the TikTok account's uid:
    both are ``user/info``'s ``open_id``): ops removing the account in ``/ops/`` (or allauth's
    disconnect before it released the profile, ``social.services.tiktok_profile_release``) leaves the
    profile, so a person whose TikTok account went that way before deleting is still known by it."""
    uids = sorted(  # one query
        SocialAccount.objects.filter(user=user, provider="tiktok")
        .values_list("uid", flat=True)
        .union(TikTokProfile.objects.filter(user=user).values_list("open_id", flat=True))
    )
    return sign_in_digests_at(merchant_ids=merchant_ids, tiktok_uids=uids, phone=_verified_phone(user))


def person_deleted_identity_kinds(*, user: AbstractBaseUser) -> tuple[bool, bool]:
    """Whether the account deletion keeps a fingerprint of a TikTok account and of a WhatsApp number of
    ``user`` (``person_deleted_sign_in_digests``'s identities): what the deletion page names."""
    tiktok = (
        SocialAccount.objects.filter(user=user, provider="tiktok").exists()
        or TikTokProfile.objects.filter(user=user).exists()
    )
    return tiktok, _verified_phone(user) is not None
