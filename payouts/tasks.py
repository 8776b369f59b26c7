"""Queued work of the payouts app (django-q2). Tasks take ids, reload state, and are safe to run twice."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail

from payouts.models import Payout, PayoutState
from social.whatsapp import WhatsAppSendError, whatsapp_update_send

logger = logging.getLogger(__name__)

_PERSON_MESSAGES = {
    PayoutState.REQUESTED: "We received your payout request of {amount}.",
    PayoutState.APPROVED: "Your payout of {amount} was approved and goes out with our next bank transfer.",
    PayoutState.EXPORTED: "Your payout of {amount} was sent to our bank. It should arrive within {days} business days.",
    PayoutState.ACCEPTED: "Our bank accepted your payout of {amount}.",
    PayoutState.PAID: "Your payout of {amount} has left our bank for your account.",
    PayoutState.REJECTED: "Your payout of {amount} was not made: {reason} The amount is back in your wallet.",
    PayoutState.RETURNED: "Your payout of {amount} came back: {reason} The amount is back in your wallet.",
    PayoutState.CANCELLED: "You cancelled your payout of {amount}. The amount is back in your wallet.",
}


def payout_message(payout: Payout) -> str:
    return _PERSON_MESSAGES[PayoutState(payout.state)].format(
        amount=payout.money, reason=payout.reason, days=settings.PAYOUTS_ARRIVAL_DAYS[1]
    )


def payouts_notify(*, payout_ids: list[int], state: str) -> int:
    """Tell each person whose payout is (still) in ``state``, by e-mail or, for people who sign in
    with WhatsApp and have no e-mail, by WhatsApp; returns how many were told.

    A payout that moved on since is skipped: the later change sends its own message.
    """
    sent = 0
    for payout in (
        Payout.objects.filter(pk__in=payout_ids, state=state).select_related("requested_by").order_by("pk")
    ):
        person = payout.requested_by
        email = person.email
        if not email:
            if person.phone and person.phone_verified:
                try:
                    whatsapp_update_send(to=person.phone, text=payout_message(payout))
                except WhatsAppSendError:
                    logger.warning("payout %s: the WhatsApp update could not be sent", payout.pk)
                    continue
                sent += 1
            continue
        send_mail(
            subject=f"[TikJoy] Payout {payout.get_state_display().lower()}",
            message=f"{payout_message(payout)}\n\nReference: {payout.end_to_end_id}",
            from_email=None,
            recipient_list=[email],
        )
        sent += 1
    return sent


def whatsapp_tell(*, phone: str, text: str) -> bool:
    """Tell a person who signs in with WhatsApp about their money (the utility template)."""
    try:
        whatsapp_update_send(to=phone, text=text)
    except WhatsAppSendError:
        logger.warning("a WhatsApp update could not be sent")
        return False
    return True
