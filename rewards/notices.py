"""Notices to consumers about their rewards: "daily limit reached", "reward now available" and
"<brand>'s campaign started" (for people who joined a brand while it had none).

The engine queues a notice with :func:`notice_queue` inside its transaction; the notice is sent
by a django-q2 task after the commit (``core.tasks.after_commit``), once per ``key``: the task
inserts a ``ConsumerNotice`` row first (the key is unique), locks it, and sends only while its
``sent_at`` is empty, so two tasks for the same key (two payments in the same day, a retried
task) send one message. A send that fails rolls the row back, so a retry of the task may send it.

The channel: a verified e-mail address first; else WhatsApp (the approved utility template,
``social.whatsapp.whatsapp_update_send``) for a person who signs in with WhatsApp; else nothing
(recorded as ``NONE``; a later notice with the same key tries again).
"""

from __future__ import annotations

import logging
from datetime import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.tasks import after_commit
from rewards.models import ConsumerNotice, NoticeChannel, NoticeKind
from social.whatsapp import WhatsAppSendError, whatsapp_update_send

logger = logging.getLogger(__name__)

SUBJECTS = {
    NoticeKind.DAILY_LIMIT: gettext_lazy("[TikJoy] You reached today's limit"),
    NoticeKind.REWARD_AVAILABLE: gettext_lazy("[TikJoy] Your reward is now available"),
    NoticeKind.CAMPAIGN_LIVE: gettext_lazy("[TikJoy] A campaign you waited for has started"),
}


def notice_queue(*, user_id: int, kind: str, key: str, text: str) -> None:
    """Send ``text`` to the person once per ``key``, after the current transaction commits."""
    after_commit("rewards.notices.notice_send", user_id=user_id, kind=kind, key=key, text=text)


def _email_for(user: User) -> str:
    """The person's verified e-mail address (the primary one first), or ""."""
    return (
        EmailAddress.objects.filter(user=user, verified=True)
        .order_by("-primary", "pk")
        .values_list("email", flat=True)
        .first()
        or ""
    )


def notice_channel_for(user: User) -> tuple[str, str]:
    """How the person can be told, and where: a verified e-mail, else WhatsApp, else ``(NONE, "")``."""
    email = _email_for(user)
    if email:
        return NoticeChannel.EMAIL, email
    if user.phone and user.phone_verified:  # signs in with WhatsApp
        return NoticeChannel.WHATSAPP, user.phone
    return NoticeChannel.NONE, ""


def notice_send(*, user_id: int, kind: str, key: str, text: str, now: datetime | None = None) -> bool:
    """The task behind :func:`notice_queue`: send the notice unless it was sent; returns whether it was."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        ConsumerNotice.objects.bulk_create(
            [ConsumerNotice(key=key, user_id=user_id, kind=kind, text=text[:1000], created_at=now)],
            ignore_conflicts=True,
        )
        notice = ConsumerNotice.objects.select_for_update().select_related("user").get(key=key)
        if notice.sent_at is not None:
            return False
        channel, address = notice_channel_for(notice.user)
        if channel == NoticeChannel.EMAIL:
            send_mail(
                subject=str(SUBJECTS[NoticeKind(notice.kind)]),
                message=f"{notice.text}\n\n{settings.SITE_URL}/wallet/",
                from_email=None,
                recipient_list=[address],
            )
        elif channel == NoticeChannel.WHATSAPP:
            try:
                whatsapp_update_send(to=address, text=notice.text)
            except WhatsAppSendError:
                logger.warning("notice %s: the WhatsApp update could not be sent", notice.pk)
                raise
        else:
            notice.channel = NoticeChannel.NONE
            notice.save(update_fields=["channel"])
            return False
        notice.channel, notice.sent_at = channel, now
        notice.save(update_fields=["channel", "sent_at"])
    return True
