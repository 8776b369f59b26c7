"""Shared argument parsing of the payouts commands."""

from __future__ import annotations

from django.core.management.base import CommandError

from accounts.models import User
from payouts.models import PayoutBatch


def staff_user(email: str) -> User:
    user = User.objects.filter(email__iexact=email, is_staff=True, is_active=True).first()
    if user is None:
        raise CommandError(f"No active staff user with e-mail {email}.")
    return user


def batch_by_reference(reference: str) -> PayoutBatch:
    batch = PayoutBatch.objects.filter(msg_id=reference).first()
    if batch is None and reference.isascii() and reference.isdigit():
        batch = PayoutBatch.objects.filter(pk=int(reference)).first()
    if batch is None:
        raise CommandError(f"No SEPA file {reference} (give its MsgId or id).")
    return batch
