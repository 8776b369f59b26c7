"""Notices to consumers about their rewards: "daily limit reached", "reward now available" and
"<brand>'s campaign started" (for people who joined a brand while it had none).

The engine queues a notice with :func:`notice_queue` inside its transaction; the notice is sent
by a django-q2 task after the commit (``core.tasks.after_commit``), once per ``key``: the task
inserts a ``ConsumerNotice`` row first (the key is unique), locks it, and sends only while its
``sent_at`` is empty, so two tasks for the same key (two payments in the same day, a retried
task) send one message. A send that fails rolls the row back, so a retry of the task may send it.

A notice is queued as its kind and figures (``params``), never as text: the task writes it at send
time in the recipient's language and time zone (``core.i18n.recipient_locale``: their saved
language, else English), the campaign's name in that language (``Campaign.name_in``) and amounts in
its number format, whatever language the request or task that queued it was in. The text as sent
is kept on the ``ConsumerNotice``; the WhatsApp template goes out in the matching translation.

The channel: a verified e-mail address first; else WhatsApp (the approved utility template,
``social.whatsapp.whatsapp_update_send``) for a person who signs in with WhatsApp; else nothing
(recorded as ``NONE``; a later notice with the same key tries again).
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import get_language, gettext, gettext_lazy, ngettext

from accounts.models import User
from campaigns.models import Campaign
from core.i18n import recipient_locale
from core.tasks import after_commit
from merchants.models import Merchant
from rewards.models import ConsumerNotice, NoticeChannel, NoticeKind, Reward
from social.whatsapp import WhatsAppSendError, whatsapp_update_send
from wallets.formats import money_text

logger = logging.getLogger(__name__)

SUBJECTS = {
    NoticeKind.DAILY_LIMIT: gettext_lazy("[TikJoy] You reached today's limit"),
    NoticeKind.REWARD_AVAILABLE: gettext_lazy("[TikJoy] Your reward is now available"),
    NoticeKind.CAMPAIGN_LIVE: gettext_lazy("[TikJoy] A campaign you waited for has started"),
}


def notice_queue(*, user_id: int, kind: str, key: str, params: dict) -> None:
    """Tell the person once per ``key``, after the current transaction commits; the text is written
    when it is sent, in their language, from ``params`` (JSON values; see :func:`notice_text`)."""
    after_commit("rewards.notices.notice_send", user_id=user_id, kind=kind, key=key, params=params)


def available_notice_queue(*, user_id: int, key: str, rewards: list[Reward]) -> None:
    """Tell the person which of their rewards (one currency) just became available: how many, their
    sum and from which brands; the key names the settlement run, so the words are true of exactly
    these rewards (a later run the same day tells its own). The brand's language is the fallback
    only when they are all from one brand (``_brand``)."""
    brands = sorted({reward.merchant.brand_name for reward in rewards})
    merchant_ids = {reward.merchant_id for reward in rewards}
    params = {
        "amount": str(sum(reward.user_amount for reward in rewards)),
        "currency": rewards[0].currency,
        "count": len(rewards),
        "brands": brands,
        "brand": brands[0] if len(brands) == 1 else "",
    }
    if len(merchant_ids) == 1:
        params["merchant_id"] = rewards[0].merchant_id
    notice_queue(user_id=user_id, kind=NoticeKind.REWARD_AVAILABLE, key=key, params=params)


def _campaign_name(params: dict) -> str:
    campaign = Campaign.objects.prefetch_related("texts").filter(pk=params.get("campaign_id")).first()
    return campaign.name_in(get_language()) if campaign else str(params.get("campaign", ""))


def _brand(params: dict | None):
    """The brand a notice is about (its merchant, or its campaign's), for the language of a person who
    chose none and whose browser we never heard (``core.i18n.language_for``); None when it is about
    no brand or several (their rewards from two brands: English)."""
    if params and params.get("merchant_id"):
        return Merchant.objects.filter(pk=params["merchant_id"]).first()
    if not params or not params.get("campaign_id"):
        return None
    campaign = Campaign.objects.select_related("merchant").filter(pk=params["campaign_id"]).first()
    return campaign.merchant if campaign else None


def _amount(value, currency) -> str:
    """An amount of the notice's ``params`` as the reader's language writes money (``€2.40``,
    ``2,40 €``): the one money format (``wallets.formats``)."""
    return money_text(Decimal(str(value)), str(currency))


def notice_text(kind: str, params: dict) -> str:
    """The notice in the active language (call it inside ``recipient_locale``)."""
    if kind == NoticeKind.DAILY_LIMIT:
        return gettext(
            "You reached today's limit for %(brand)s's campaign \"%(campaign)s\" (%(cap)s a day): "
            "what you do for it today earns nothing more. You can earn again tomorrow."
        ) % {
            "brand": params["brand"],
            "campaign": _campaign_name(params),
            "cap": _amount(params["cap"], params["currency"]),
        }
    if kind == NoticeKind.REWARD_AVAILABLE and params.get("count", 1) > 1:
        return ngettext(
            "%(count)s reward from %(brands)s, %(amount)s in total, is now available in your TikJoy "
            "wallet: you can pay it out to your bank.",
            "%(count)s rewards from %(brands)s, %(amount)s in total, are now available in your TikJoy "
            "wallet: you can pay them out to your bank.",
            params["count"],
        ) % {
            "count": params["count"],
            "brands": get_text_list(params["brands"], gettext("and")),
            "amount": _amount(params["amount"], params["currency"]),
        }
    if kind == NoticeKind.REWARD_AVAILABLE:
        return gettext(
            "Your reward of %(amount)s from %(brand)s is now available in your TikJoy "
            "wallet: you can pay it out to your bank."
        ) % {"amount": _amount(params["amount"], params["currency"]), "brand": params["brand"]}
    return gettext(
        '%(brand)s started its campaign "%(campaign)s" on TikJoy. See what you can earn: %(url)s'
    ) % {
        "brand": params["brand"],
        "campaign": _campaign_name(params),
        "url": params["url"],
    }


def _email_for(user: User) -> str:
    """The person's verified e-mail address (the primary one first), or ""."""
    return (
        EmailAddress.objects.filter(user=user, verified=True)
        .order_by("-primary", "pk")
        .values_list("email", flat=True)
        .first()
        or ""
    )


def _subject(kind: str, params: dict | None) -> str:
    if kind == NoticeKind.REWARD_AVAILABLE and params and params.get("count", 1) > 1:
        return gettext("[TikJoy] Your rewards are now available")
    return str(SUBJECTS[NoticeKind(kind)])


def notice_channel_for(user: User) -> tuple[str, str]:
    """How the person can be told, and where: a verified e-mail, else WhatsApp, else ``(NONE, "")``."""
    email = _email_for(user)
    if email:
        return NoticeChannel.EMAIL, email
    if user.phone and user.phone_verified:  # signs in with WhatsApp
        return NoticeChannel.WHATSAPP, user.phone
    return NoticeChannel.NONE, ""


def notice_send(
    *,
    user_id: int,
    kind: str,
    key: str,
    params: dict | None = None,
    text: str = "",
    now: datetime | None = None,
) -> bool:
    """The task behind :func:`notice_queue`: send the notice unless it was sent; returns whether it was.

    Written in the person's language (``params``); ``text`` is only for a task queued by an older
    release, which passed the words already written."""
    now = now or timezone.now()
    user = User.objects.get(pk=user_id)
    with recipient_locale(user, brand=_brand(params)) as language:
        written = notice_text(kind, params) if params is not None else text
        with transaction.atomic(durable=True):
            ConsumerNotice.objects.bulk_create(
                [ConsumerNotice(key=key, user_id=user_id, kind=kind, text=written[:1000], created_at=now)],
                ignore_conflicts=True,
            )
            notice = ConsumerNotice.objects.select_for_update().select_related("user").get(key=key)
            if notice.sent_at is not None:
                return False
            if notice.text != written[:1000] and params is not None:  # an earlier try, in another language
                notice.text = written[:1000]
                notice.save(update_fields=["text"])
            channel, address = notice_channel_for(notice.user)
            if channel == NoticeChannel.EMAIL:
                send_mail(
                    subject=_subject(notice.kind, params),
                    message=f"{notice.text}\n\n{settings.SITE_URL}/wallet/",
                    from_email=None,
                    recipient_list=[address],
                )
            elif channel == NoticeChannel.WHATSAPP:
                try:
                    whatsapp_update_send(to=address, text=notice.text, language=language)
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
