"""Queued work of the payouts app (django-q2). Tasks take ids, reload state, and are safe to run twice."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from merchants.locale import person_language
from payouts.models import Payout, PayoutState
from social.whatsapp import WhatsAppSendError, whatsapp_update_send
from wallets.formats import money_text

logger = logging.getLogger(__name__)

_PERSON_MESSAGES = {
    PayoutState.REQUESTED: gettext_lazy("We received your payout request of %(amount)s."),
    PayoutState.APPROVED: gettext_lazy(
        "Your payout of %(amount)s was approved and goes out with our next bank transfer."
    ),
    PayoutState.EXPORTED: gettext_lazy(
        "Your payout of %(amount)s was sent to our bank. It should arrive within %(days)s business days."
    ),
    PayoutState.ACCEPTED: gettext_lazy("Our bank accepted your payout of %(amount)s."),
    PayoutState.PAID: gettext_lazy("Your payout of %(amount)s has left our bank for your account."),
    PayoutState.REJECTED: gettext_lazy(
        "Your payout of %(amount)s was not made: %(reason)s The amount is back in your wallet."
    ),
    PayoutState.RETURNED: gettext_lazy(
        "Your payout of %(amount)s came back: %(reason)s The amount is back in your wallet."
    ),
    PayoutState.CANCELLED: gettext_lazy(
        "You cancelled your payout of %(amount)s. The amount is back in your wallet."
    ),
}


def payout_message(payout: Payout) -> str:
    """What the person is told about their payout, in the active language (the reason codes' words too)."""
    return str(_PERSON_MESSAGES[PayoutState(payout.state)]) % {
        "amount": money_text(payout.money),
        "reason": gettext(payout.reason) if payout.reason else "",
        "days": settings.PAYOUTS_ARRIVAL_DAYS[1],
    }


def payouts_notify(*, payout_ids: list[int], state: str) -> int:
    """Tell each person whose payout is (still) in ``state``, by e-mail or, for people who sign in
    with WhatsApp and have no e-mail, by WhatsApp; returns how many were told.

    A payout that moved on since is skipped: the later change sends its own message. Each person is
    told of a state once: a message that went out is recorded at once (``notified_state``), so a
    retry of a batch that failed half-way tells only those it had not told yet.
    """
    sent = 0
    for payout in (
        Payout.objects.filter(pk__in=payout_ids, state=state)
        .exclude(notified_state=state)
        .select_related("requested_by")
        .order_by("pk")
    ):
        person = payout.requested_by
        email = person.email
        with translation.override(person_language(person)):
            text = payout_message(payout)
            subject = _("[TikJoy] Payout: %(state)s") % {"state": payout.get_state_display()}
            reference = _("Reference: %(reference)s") % {"reference": payout.end_to_end_id}
        if not email:
            if person.phone and person.phone_verified:
                try:
                    whatsapp_update_send(to=person.phone, text=text, language=person_language(person))
                except WhatsAppSendError:
                    logger.warning("payout %s: the WhatsApp update could not be sent", payout.pk)
                    continue
                _told(payout, state)
                sent += 1
            continue
        send_mail(
            subject=subject,
            message=f"{text}\n\n{reference}",
            from_email=None,
            recipient_list=[email],
        )
        _told(payout, state)
        sent += 1
    return sent


def _told(payout: Payout, state: str) -> None:
    Payout.objects.filter(pk=payout.pk).update(notified_state=state)


def whatsapp_tell(*, phone: str, text: str, language: str | None = None) -> bool:
    """Tell a person who signs in with WhatsApp about their money (the utility template, in the
    translation for ``language``, the one ``text`` is written in; a task queued without it: English)."""
    try:
        whatsapp_update_send(to=phone, text=text, language=language)
    except WhatsAppSendError:
        logger.warning("a WhatsApp update could not be sent")
        return False
    return True
