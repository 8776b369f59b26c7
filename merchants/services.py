"""Every write on merchants, touchpoints, team memberships and invitations."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from core.db import bound_cursor, model_columns, model_insert, model_rows
from core.errors import DomainError, EditConflict
from core.hardening import without_bidi_controls
from core.i18n import is_time_zone, language_codes
from core.postcodes import POSTCODE_ERROR, postcode_is_valid, postcode_normal
from core.tasks import after_commit, mail_after_commit
from merchants import signals
from merchants.countries import country_language, country_time_zone, vat_number_normalize
from merchants.locale import member_language, merchant_language
from merchants.models import (
    CONSENT_FLAGS,
    CONSENT_TEXT_VERSION,
    DEFAULT_BRAND_PAGE_NAME,
    Consent,
    ConsentField,
    Invitation,
    Membership,
    Merchant,
    Touchpoint,
    TouchpointKind,
    consent_text,
)
from merchants.roles import Capability, Role, role_can
from wallets.models import Account


class MerchantError(DomainError):
    """A merchant rule was broken; ``str()`` is a message a person can read."""


class NotAllowed(MerchantError):
    pass


class SlugTaken(MerchantError):
    pass


class LastOwner(MerchantError):
    pass


class AlreadyMember(MerchantError):
    pass


class InvitationInvalid(MerchantError):
    pass


class InvitationExpired(InvitationInvalid):
    pass


PAYMENT_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
INVITATION_SALT = "merchants.invitation"


def membership_role(*, merchant: Merchant, user: User) -> str | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(merchant=merchant, user=user).values_list("role", flat=True).first()


def _require(*, merchant: Merchant, actor: User, capability: Capability) -> str:
    role = membership_role(merchant=merchant, user=actor)
    closed = Merchant.objects.filter(pk=merchant.pk, closed_at__isnull=False).exists()
    if not role_can(role, capability, closed=closed):
        if closed and role_can(role, capability):
            raise NotAllowed(
                _("%(brand)s is closed: its history can be read, nothing changed.")
                % {"brand": merchant.brand_name}
            )
        raise NotAllowed(_("Your role in this merchant does not allow this."))
    return role


def _payment_reference_new() -> str:
    return "TJ-" + "".join(secrets.choice(PAYMENT_REFERENCE_ALPHABET) for _ in range(8))


def merchant_create(
    *,
    actor: User,
    brand_name: str,
    slug: str,
    country: str,
    legal_name: str,
    billing_address: str,
    contact_email: str,
    currency: str = "EUR",
    vat_number: str = "",
    logo: UploadedFile | None = None,
    language: str | None = None,
    time_zone: str | None = None,
) -> Merchant:
    """Create a merchant with ``actor`` as its owner and its TikJoy brand page as first touchpoint.

    ``language`` and ``time_zone``: by default the country's (``merchants.countries``).
    """
    slug = slug.strip().lower()
    vat_number = vat_number_normalize(country=country, vat_number=vat_number)
    with transaction.atomic():
        if Merchant.objects.filter(slug=slug).exists():
            raise SlugTaken(_("The address /b/%(slug)s/ is taken; choose another.") % {"slug": slug})
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    merchant = Merchant.objects.create(
                        brand_name=without_bidi_controls(brand_name).strip(),
                        slug=slug,
                        country=country,
                        language=language or country_language(country),
                        time_zone=time_zone or country_time_zone(country),
                        currency=currency,
                        legal_name=without_bidi_controls(legal_name).strip(),
                        vat_number=vat_number,
                        billing_address=billing_address.strip(),
                        contact_email=contact_email.strip().lower(),
                        payment_reference=_payment_reference_new(),
                        created_by=actor,
                    )
                break
            except IntegrityError as exc:
                if "slug" in str(exc):
                    raise SlugTaken(
                        _("The address /b/%(slug)s/ is taken; choose another.") % {"slug": slug}
                    ) from exc
                continue  # a payment reference collision: draw another
        else:  # pragma: no cover - 32^8 references
            raise MerchantError(_("Could not allocate a payment reference; try again."))
        if logo is not None:
            merchant.logo.save(logo.name, logo, save=False)
            merchant.save(update_fields=["logo"])
        Membership.objects.create(merchant=merchant, user=actor, role=Role.OWNER)
        Touchpoint.objects.create(
            merchant=merchant, kind=TouchpointKind.BRAND_PAGE, name=DEFAULT_BRAND_PAGE_NAME
        )
    return merchant


BRAND_FIELDS = frozenset({"brand_name", "logo", "contact_email"})
BILLING_FIELDS = frozenset(
    {
        "legal_name",
        "vat_number",
        "billing_address",
        "billing_postcode",
        "billing_city",
        "country",
        "currency",
        "low_balance_threshold",
        "time_zone",
        "language",
    }
)


def merchant_update(
    *, merchant: Merchant, actor: User, changes: dict[str, Any], expected_version: int | None = None
) -> Merchant:
    """Change the merchant's details. Brand fields need EDIT_BRAND; the rest MANAGE_BILLING.

    ``expected_version``: the version the editing form was opened on; an edit since then
    (another person, another tab) raises ``EditConflict`` and nothing is saved.
    """
    with transaction.atomic():
        locked = Merchant.objects.select_for_update().get(pk=merchant.pk)
        if expected_version is not None and expected_version != locked.version:
            raise EditConflict()
        merchant = _merchant_update_locked(merchant=locked, actor=actor, changes=changes)
    return merchant


def _merchant_update_locked(*, merchant: Merchant, actor: User, changes: dict[str, Any]) -> Merchant:
    unknown = set(changes) - BRAND_FIELDS - BILLING_FIELDS
    for name in ("brand_name", "legal_name"):
        if isinstance(changes.get(name), str):
            changes[name] = without_bidi_controls(changes[name]).strip()
    if unknown:
        raise MerchantError(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    if set(changes) & BRAND_FIELDS:
        _require(merchant=merchant, actor=actor, capability=Capability.EDIT_BRAND)
    if set(changes) & BILLING_FIELDS:
        _require(merchant=merchant, actor=actor, capability=Capability.MANAGE_BILLING)
    if changes.get("currency", merchant.currency) != merchant.currency:
        if merchant.campaigns.exists():
            raise MerchantError(
                _(
                    "The currency can't change once the brand has campaigns: their budgets and rewards are in "
                    "%(currency)s."
                )
                % {"currency": merchant.currency}
            )
        if _wallet_has_moved(merchant):
            raise MerchantError(_("The currency can't change once money has moved through the wallet."))
    if "vat_number" in changes or "country" in changes:
        changes["vat_number"] = vat_number_normalize(
            country=changes.get("country", merchant.country),
            vat_number=changes.get("vat_number", merchant.vat_number),
        )
    if "billing_postcode" in changes:  # none at all is allowed: not every country has postcodes
        changes["billing_postcode"] = postcode_normal(changes["billing_postcode"])
        if changes["billing_postcode"] and not postcode_is_valid(changes["billing_postcode"]):
            raise MerchantError(str(POSTCODE_ERROR))
    if changes.get("language", merchant.language) not in language_codes():
        raise MerchantError(_("Choose a language from the list."))
    zone_changed = changes.get("time_zone", merchant.time_zone) != merchant.time_zone
    if zone_changed and not is_time_zone(changes["time_zone"]):
        raise MerchantError(_("Choose a time zone from the list."))
    logo = changes.pop("logo", None) if "logo" in changes else ...
    for field, value in changes.items():
        setattr(merchant, field, value)
    fields = set(changes)
    if logo is not ...:
        if logo:  # a new upload
            merchant.logo.save(logo.name, logo, save=False)
        else:  # cleared
            merchant.logo = ""
        fields.add("logo")
    if fields:
        merchant.version += 1
        merchant.save(update_fields=[*sorted(fields), "version"])
    if zone_changed:
        # The days the console counts (rewards' CampaignDay, PostEngagementDay, the daily caps) are
        # the merchant's: counted again in the new zone once this commits (docs/rewards.md, "Days").
        after_commit("rewards.tasks.merchant_days_rebuild", merchant.pk)
    return merchant


def merchant_language_set(*, merchant: Merchant, actor: User, language: str) -> Merchant:
    """Ops change the language TikJoy writes to the merchant in (its statements, invoices, e-mails and
    its brand page's fallback); the owners change it in the console (``merchant_update``)."""
    if not actor.is_staff:
        raise NotAllowed(_("Only TikJoy staff change a merchant's language here."))
    if language not in language_codes():
        raise MerchantError(_("Choose a language from the list."))
    with transaction.atomic():
        locked = Merchant.objects.select_for_update().get(pk=merchant.pk)
        if locked.language != language:
            locked.language = language
            locked.version += 1
            locked.save(update_fields=["language", "version"])
    return locked


def _wallet_has_moved(merchant: Merchant) -> bool:
    return Account.objects.owned_by(merchant).filter(entries__isnull=False).exists()


def touchpoint_create(
    *,
    merchant: Merchant,
    actor: User,
    kind: str,
    name: str,
    address: str = "",
    url: str = "",
    is_active: bool = True,
) -> Touchpoint:
    _require(merchant=merchant, actor=actor, capability=Capability.MANAGE_TOUCHPOINTS)
    _touchpoint_check(kind=kind, address=address, url=url)
    return Touchpoint.objects.create(
        merchant=merchant, kind=kind, name=name.strip(), address=address.strip(), url=url, is_active=is_active
    )


def touchpoint_update(*, touchpoint: Touchpoint, actor: User, changes: dict[str, Any]) -> Touchpoint:
    _require(merchant=touchpoint.merchant, actor=actor, capability=Capability.MANAGE_TOUCHPOINTS)
    allowed = {"kind", "name", "address", "url", "is_active"}
    if set(changes) - allowed:
        raise MerchantError(
            _("Only the kind, name, address, URL and active flag of a touchpoint can change.")
        )
    for field, value in changes.items():
        setattr(touchpoint, field, value)
    _touchpoint_check(kind=touchpoint.kind, address=touchpoint.address, url=touchpoint.url)
    if changes:
        touchpoint.save(update_fields=sorted(changes))
    return touchpoint


def _touchpoint_check(*, kind: str, address: str, url: str) -> None:
    if kind in (TouchpointKind.WEBSITE, TouchpointKind.ECOMMERCE) and not url:
        raise MerchantError(_("A website or e-commerce touchpoint needs its URL."))
    if kind == TouchpointKind.RETAIL_STORE and not address.strip():
        raise MerchantError(_("A retail store needs its address."))


# Team


def invitation_token(*, invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "e": invitation.email.lower()}, salt=INVITATION_SALT)


def invitation_url(*, invitation: Invitation) -> str:
    path = reverse("merchants:invitation", kwargs={"token": invitation_token(invitation=invitation)})
    return settings.SITE_URL + path


def invitation_max_age() -> timedelta:
    return timedelta(days=settings.MERCHANT_INVITATION_MAX_AGE_DAYS)


def open_invitations(*, merchant: Merchant, email: str) -> QuerySet[Invitation]:
    """The invitation to ``email`` still open (neither accepted nor withdrawn): at most one, which a
    new invitation to the address renews (``invitation_create``) rather than adding a second."""
    return (
        Invitation.objects.filter(merchant=merchant, accepted_at=None, revoked_at=None)
        .annotate(email_lower=Lower("email"))
        .filter(email_lower=email.strip().lower())
    )


def invitation_create(*, merchant: Merchant, actor: User, email: str, role: str, now: datetime) -> Invitation:
    """Invite ``email`` to the team (or renew the open invitation) and e-mail the signed link."""
    _require(merchant=merchant, actor=actor, capability=Capability.MANAGE_TEAM)
    if role not in Role.values:
        raise MerchantError(_("Choose a role."))
    email = email.strip().lower()
    if Membership.objects.filter(merchant=merchant, user__email__iexact=email).exists():
        raise AlreadyMember(_("The team already has a member with the address %(email)s.") % {"email": email})
    with transaction.atomic():
        invitation = open_invitations(merchant=merchant, email=email).select_for_update().first()
        if invitation is None:
            invitation = Invitation.objects.create(
                merchant=merchant, email=email, role=role, invited_by=actor, created_at=now
            )
        else:
            invitation.role, invitation.invited_by, invitation.created_at = role, actor, now
            invitation.save(update_fields=["role", "invited_by", "created_at"])
        link = invitation_url(invitation=invitation)
        days = settings.MERCHANT_INVITATION_MAX_AGE_DAYS
        # In the invitee's language when the address is an account's (its saved choice, else its
        # browser's at sign-in), else the merchant's (docs/i18n.md, "Which language an e-mail is in").
        invitee = User.objects.filter(email__iexact=email).first()
        language = member_language(invitee, merchant) if invitee else merchant_language(merchant)
        with translation.override(language):
            body = _(
                "%(person)s invites you to join %(brand)s on TikJoy as %(role)s.\n\n"
                "Accept by signing in or signing up with this e-mail address:\n%(link)s\n\n"
            ) % {
                "person": actor.get_full_name(),
                "brand": merchant.brand_name,
                "role": invitation.get_role_display(),
                "link": link,
            } + ngettext(
                "The link works for %(days)d day. If you did not expect it, ignore this e-mail.",
                "The link works for %(days)d days. If you did not expect it, ignore this e-mail.",
                days,
            ) % {"days": days}
            subject = _("[TikJoy] Join %(brand)s on TikJoy") % {"brand": merchant.brand_name}
        mail_after_commit(subject=subject, message=body, recipient_list=[email])
    return invitation


def invitation_from_token(*, token: str) -> Invitation:
    """The open invitation behind a link, or ``InvitationInvalid`` / ``InvitationExpired``."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=invitation_max_age())
    except signing.SignatureExpired as exc:
        raise InvitationExpired(_("This invitation has expired. Ask the owner to invite you again.")) from exc
    except signing.BadSignature as exc:
        raise InvitationInvalid(
            _("This invitation link is not valid. Check that you copied all of it.")
        ) from exc
    invitation = (
        Invitation.objects.select_related("merchant").filter(pk=data.get("i")).first()
        if isinstance(data, dict)
        else None
    )
    if invitation is None or invitation.email.lower() != data.get("e"):
        raise InvitationInvalid(_("This invitation link is not valid."))
    if invitation.revoked_at:
        raise InvitationInvalid(_("This invitation was withdrawn."))
    if invitation.accepted_at:
        raise InvitationInvalid(_("This invitation has already been accepted."))
    # A renewed invitation restarts the clock; an old link of it stays bound to its own signature age.
    return invitation


def invitation_accept(*, token: str, user: User, now: datetime) -> Membership:
    """Join the team with the invited role. The user's verified e-mail must be the invited one."""
    from allauth.account.models import EmailAddress

    with transaction.atomic():
        invitation = invitation_from_token(token=token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at or invitation.revoked_at:
            raise InvitationInvalid(_("This invitation is no longer open."))
        if not EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists():
            raise InvitationInvalid(
                _("This invitation is for %(email)s. Sign in with that address to accept it.")
                % {"email": invitation.email}
            )
        if Membership.objects.filter(merchant=invitation.merchant, user=user).exists():
            raise AlreadyMember(
                _("You are already in the team of %(brand)s.") % {"brand": invitation.merchant.brand_name}
            )
        membership = Membership.objects.create(merchant=invitation.merchant, user=user, role=invitation.role)
        invitation.accepted_at, invitation.accepted_by = now, user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def invitation_revoke(*, invitation: Invitation, actor: User, now: datetime) -> Invitation:
    _require(merchant=invitation.merchant, actor=actor, capability=Capability.MANAGE_TEAM)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at:
            raise MerchantError(_("An accepted invitation cannot be withdrawn; remove the member instead."))
        if not invitation.revoked_at:
            invitation.revoked_at = now
            invitation.save(update_fields=["revoked_at"])
    return invitation


def _lock_team(merchant: Merchant) -> None:
    """Serialise team changes of one merchant, so two owners can't demote each other at once."""
    Merchant.objects.select_for_update().filter(pk=merchant.pk).values_list("pk", flat=True).get()


def membership_change_role(*, membership: Membership, actor: User, role: str) -> Membership:
    if role not in Role.values:
        raise MerchantError(_("Choose a role."))
    _require(merchant=membership.merchant, actor=actor, capability=Capability.MANAGE_TEAM)
    with transaction.atomic():
        _lock_team(membership.merchant)
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(membership.merchant) == 1:
            raise LastOwner(_("A merchant needs at least one owner: make someone else owner first."))
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def membership_remove(*, membership: Membership, actor: User) -> None:
    _require(merchant=membership.merchant, actor=actor, capability=Capability.MANAGE_TEAM)
    with transaction.atomic():
        _lock_team(membership.merchant)
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.role == Role.OWNER and _owner_count(membership.merchant) == 1:
            raise LastOwner(_("The last owner can't be removed: make someone else owner first."))
        membership.delete()


def _owner_count(merchant: Merchant) -> int:
    return Membership.objects.filter(merchant=merchant, role=Role.OWNER).count()


def membership_ensure(*, merchant: Merchant, user: User, role: str) -> Membership:
    """Put ``user`` in the team with ``role`` (for seeding and ops; members normally come by invitation)."""
    membership, _ = Membership.objects.update_or_create(merchant=merchant, user=user, defaults={"role": role})
    return membership


# --- consent -------------------------------------------------------------------------------


class ConsentError(DomainError):
    """A consent could not be given or withdrawn; the message can be shown to the person."""


def consent_give(
    *, user: User, merchant: Merchant, fields: Sequence[str], now: datetime, page: str = ""
) -> Consent:
    """Record that ``user`` lets ``merchant`` receive ``fields`` (ConsentField values) from ``now``.

    The consent keeps its evidence: the exact words of the consent page for these fields
    (``consent_text``, version ``CONSENT_TEXT_VERSION``) and the page it was given on.

    Giving consent twice (a double click, two tabs) keeps the first active consent
    and returns it: the database allows one active consent per person and merchant.
    """
    chosen = set(fields)
    unknown = chosen - set(CONSENT_FLAGS)
    if unknown:
        raise ConsentError(_("Unknown data field: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    if not chosen:
        raise ConsentError(_("There is nothing to share."))
    flags = {flag: field in chosen for field, flag in CONSENT_FLAGS.items()}
    try:
        with transaction.atomic():
            consent = Consent(
                user=user,
                merchant=merchant,
                given_at=now,
                text_version=CONSENT_TEXT_VERSION,
                text=consent_text(
                    brand_name=merchant.brand_name,
                    field_labels=[ConsentField(field).label for field in CONSENT_FLAGS if field in chosen],
                ),
                page=page[:300],
                **flags,
            )
            model_insert(consent)  # Consent.objects.create's INSERT, as a fixed statement
            return consent
    except IntegrityError:
        existing = Consent.objects.active().filter(user=user, merchant=merchant).first()
        if existing is None:  # pragma: no cover - only if withdrawn in between
            raise
        return existing


def consent_withdraw(*, user: User, merchant: Merchant, now: datetime) -> Consent:
    """Withdraw the person's active consent for ``merchant``; the row stays as history.

    One conditional ``UPDATE ... RETURNING`` finds, locks and withdraws it (the database allows one
    active consent per person and merchant): of two withdrawals at once, the second finds none."""
    with transaction.atomic():
        consent = next(
            iter(
                Consent.objects.raw(
                    _CONSENT_WITHDRAW,
                    [connection.ops.adapt_datetimefield_value(now), user.pk, merchant.pk],
                )
            ),
            None,
        )
        if consent is None:
            raise ConsentError(
                _("You are not sharing any data with %(brand)s.") % {"brand": merchant.brand_name}
            )
        signals.consent_withdrawn.send(sender=Consent, consent=consent, merchant=merchant, user=user, now=now)
    return consent


_CONSENT_WITHDRAW = (
    f"UPDATE {Consent._meta.db_table} SET withdrawn_at = %s "  # noqa: S608 - fixed names
    "WHERE user_id = %s AND merchant_id = %s AND withdrawn_at IS NULL RETURNING *"
)


def consent_withdraw_at_brand(*, user: User, slug: str, now: datetime) -> tuple[Merchant, Consent]:
    """``consent_withdraw`` for the brand page's "Stop sharing" (the brand known by its slug):
    ``(merchant, consent)``. Raises ``Merchant.DoesNotExist`` when no brand has ``slug`` and
    ``ConsentError`` when the person shares nothing with it.

    On PostgreSQL the brand is read and the consent withdrawn by one fixed statement (the brand's row
    and the ``UPDATE ... RETURNING`` of ``consent_withdraw``): one round trip and no ORM compilation
    for the person's withdrawal; the same consent ended and the same ``consent_withdrawn`` signal."""
    if connection.vendor != "postgresql":
        merchant = Merchant.objects.get(slug=slug)
        return merchant, consent_withdraw(user=user, merchant=merchant, now=now)
    with transaction.atomic():
        with bound_cursor() as cursor:
            cursor.execute(_CONSENT_WITHDRAW_AT_BRAND, [slug, now, user.pk])
            row = cursor.fetchone()
        if row is None:
            raise Merchant.DoesNotExist(f"No brand {slug}")
        merchant, consent = model_rows(row, Merchant, Consent)
        if consent.pk is None:
            raise ConsentError(
                _("You are not sharing any data with %(brand)s.") % {"brand": merchant.brand_name}
            )
        consent.merchant = merchant
        signals.consent_withdrawn.send(sender=Consent, consent=consent, merchant=merchant, user=user, now=now)
    return merchant, consent


_CONSENT_WITHDRAW_AT_BRAND = (
    f"WITH m AS (SELECT * FROM {Merchant._meta.db_table} WHERE slug = %s), "  # noqa: S608 - fixed names
    f"w AS (UPDATE {Consent._meta.db_table} c SET withdrawn_at = %s FROM m "
    "WHERE c.user_id = %s AND c.merchant_id = m.id AND c.withdrawn_at IS NULL RETURNING c.*) "
    f"SELECT {model_columns(Merchant, 'm')}, {model_columns(Consent, 'w')} FROM m LEFT JOIN w ON true"
)


def consents_withdraw_all(*, user: User, now: datetime) -> int:
    """Withdraw every active consent of a person whose account is being deleted; returns how many.

    Each withdrawal is announced like one the person made (``consent_withdrawn``). Runs
    inside the caller's transaction.
    """
    consents = list(Consent.objects.active().select_for_update().filter(user=user).select_related("merchant"))
    for consent in consents:
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at"])
        signals.consent_withdrawn.send(
            sender=Consent, consent=consent, merchant=consent.merchant, user=user, now=now
        )
    return len(consents)


# --- closing -------------------------------------------------------------------------------------


def merchant_mark_closed(*, merchant: Merchant, actor: User, now: datetime) -> None:
    """Flag the merchant closed (no funding, no live campaign, a read-only console).

    The closing itself (money, campaigns, refund) is ``privacy.services.merchant_close``, which
    calls this inside its transaction, holding the merchant's row.
    """
    if merchant.closed_at is not None:
        raise MerchantError(_("%(brand)s is already closed.") % {"brand": merchant.brand_name})
    merchant.closed_at, merchant.closed_by = now, actor
    merchant.save(update_fields=["closed_at", "closed_by"])
