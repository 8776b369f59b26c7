"""Notices to consumers about their rewards: "daily limit reached", "reward now available" and
"<brand>'s campaign started" (for people who joined a brand while it had none).

The engine queues a notice with :func:`notice_queue` inside its transaction; the notice is sent
by a django-q2 task after the commit (``core.tasks.after_commit``), at most once per ``key``:

1. *Claim*, in a short transaction: insert the ``ConsumerNotice`` row (the key is unique), lock it,
   and, while it is neither sent, nor claimed, nor of unknown fate, mark it claimed
   (``sending_started_at``, ``attempts``) and commit. Two tasks for the same key (two payments the
   same day, a retried task, two workers) meet on the row lock: the second finds the claim and
   sends nothing.
2. *Send*, with no transaction or lock held: the e-mail server or WhatsApp is called while the
   database is free (in ``make run`` the sandbox's WhatsApp writes to the same SQLite file; a lock
   held across the call made it wait, time out and the message go out three times).
3. *Record*, in another short statement: ``sent_at``. A definite refusal (WhatsApp answered with an
   error, the e-mail server refused or could not be reached) frees the claim and raises, so the
   worker's retry of the task sends it. An answer that never came (WhatsApp's ``ReadTimeout``, an
   SMTP timeout or a dropped connection) may hide a delivered message: the notice is recorded
   ``uncertainty=UNANSWERED`` and is not sent again; a claim older than a task may run
   (``Q_CLUSTER["timeout"]``: django-q2 stopped that worker) is recorded ``INTERRUPTED`` the same
   way. /ops/ says so in words on the notice (:func:`notice_outcome_text`).

At most once rather than at least once, because of what a reward notice is: a second "your reward
is available" is a nuisance the person sees (and a WhatsApp template Meta bills twice, and a reason
to block our number), while a lost one loses nothing: the money is in the wallet, which shows it,
and ops see which notices may not have arrived.

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
import smtplib
from datetime import date, datetime, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import get_language, gettext, gettext_lazy, ngettext, pgettext
from moneyed import Money

from accounts.models import User
from campaigns.models import Campaign
from core.i18n import recipient_locale
from core.tasks import after_commit
from merchants.days import merchant_day
from merchants.models import Merchant
from rewards.models import ConsumerNotice, NoticeChannel, NoticeKind, NoticeUncertainty, Reward
from social.whatsapp import WhatsAppSendError, WhatsAppSendUnknown, whatsapp_update_send
from wallets.formats import money_text
from wallets.models import Account, Purpose
from wallets.withdrawals import PAYOUT_CURRENCY, payout_minimum

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


def notice_text(kind: str, params: dict, *, available: Money | None = None) -> str:
    """The notice in the active language (call it inside ``recipient_locale``). ``available``: the
    person's available balance in euro as the notice is sent, for a reward in euro (what a payout is
    made in): the notice says it beside the smallest payout, never that a payout can be made now
    (below the minimum it can't)."""
    if kind == NoticeKind.DAILY_LIMIT:
        # No amount: the daily cap is counted in the merchant's prices, which is not what the person
        # earns (their share, and a plan's bonus on top); naming it told them a sum they never reach.
        return gettext(
            "You reached today's limit for %(brand)s's campaign \"%(campaign)s\": "
            "what you do for it today earns nothing more. You can earn again tomorrow."
        ) % {"brand": params["brand"], "campaign": _campaign_name(params)}
    if kind == NoticeKind.REWARD_AVAILABLE:
        return " ".join(filter(None, [_available_text(params), _payout_text(available)]))
    return gettext(
        '%(brand)s started its campaign "%(campaign)s" on TikJoy. See what you can earn: %(url)s'
    ) % {
        "brand": params["brand"],
        "campaign": _campaign_name(params),
        "url": params["url"],
    }


def _available_text(params: dict) -> str:
    if params.get("count", 1) > 1:
        return ngettext(
            "%(count)s reward from %(brands)s, %(amount)s in total, is now available in your TikJoy wallet.",
            "%(count)s rewards from %(brands)s, %(amount)s in total, are now available in your TikJoy wallet.",
            params["count"],
        ) % {
            "count": params["count"],
            "brands": get_text_list(params["brands"], gettext("and")),
            "amount": _amount(params["amount"], params["currency"]),
        }
    return gettext("Your reward of %(amount)s from %(brand)s is now available in your TikJoy wallet.") % {
        "amount": _amount(params["amount"], params["currency"]),
        "brand": params["brand"],
    }


def _payout_text(available: Money | None) -> str:
    """Where the person stands for a payout, true whatever their balance: it, and the smallest payout."""
    if available is None:
        return ""
    return gettext("Your available balance is %(available)s; payouts to your bank start at %(minimum)s.") % {
        "available": money_text(available),
        "minimum": money_text(payout_minimum()),
    }


def _available_for_payout(user: User, params: dict | None) -> Money | None:
    """The person's available balance in euro, for a notice about rewards in euro; else None."""
    if not params or params.get("currency") != PAYOUT_CURRENCY:
        return None
    held = (
        Account.objects.owned_by(user)
        .filter(purpose=Purpose.USER_AVAILABLE, currency=PAYOUT_CURRENCY)
        .values_list("balance", flat=True)
        .first()
    )
    return Money(held or Decimal("0.00"), PAYOUT_CURRENCY)


def _day_passed(kind: str, key: str, params: dict | None, *, now: datetime) -> bool:
    """A daily-limit notice ("what you do today earns nothing more; tomorrow you can earn again") is
    true only on the day it is about (the merchant's day, as the cap counts it): sent later (a queue
    that waited, the demo seeding past days), it would be untrue, so it is not sent."""
    if kind != NoticeKind.DAILY_LIMIT:
        return False
    day = str((params or {}).get("day") or key.rsplit(":", 1)[-1])
    merchant = _brand(params)
    if merchant is None:
        return False
    try:
        return date.fromisoformat(day) < merchant_day(merchant, now)
    except ValueError:
        return False


def _clock() -> datetime:
    """The moment a notice is sent (the tests set it to their day)."""
    return timezone.now()


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


def _claim_abandoned_after() -> timedelta:
    """How old a claim is when its worker is surely gone: django-q2 stops a task that runs longer than
    ``Q_CLUSTER["timeout"]`` (and presents it again only after ``retry``, which is longer)."""
    return timedelta(seconds=settings.Q_CLUSTER.get("timeout") or 120)


def _notice_claim(
    *, user_id: int, kind: str, key: str, written: str, rewrite: bool, now: datetime
) -> tuple[ConsumerNotice, str] | None:
    """Insert the notice if new, lock it and claim it for this worker (one short transaction); returns
    it and the address to send to, or None when there is nothing to send (sent, being sent by another
    worker, of unknown fate, or no way to reach the person)."""
    with transaction.atomic(durable=True):
        ConsumerNotice.objects.bulk_create(
            [ConsumerNotice(key=key, user_id=user_id, kind=kind, text=written[:1000], created_at=now)],
            ignore_conflicts=True,
        )
        notice = ConsumerNotice.objects.select_for_update().select_related("user").get(key=key)
        if notice.sent_at is not None or notice.uncertainty:
            return None
        if notice.sending_started_at is not None:
            if now - notice.sending_started_at < _claim_abandoned_after():
                return None  # another worker is sending it right now
            notice.uncertainty = NoticeUncertainty.INTERRUPTED
            notice.save(update_fields=["uncertainty"])
            logger.warning(
                "notice %s: its sending was interrupted; it may have arrived: not sent again", notice.pk
            )
            return None
        fields = ["channel"]
        if rewrite and notice.text != written[:1000]:  # an earlier try, in another language
            notice.text = written[:1000]
            fields.append("text")
        notice.channel, address = notice_channel_for(notice.user)
        if notice.channel != NoticeChannel.NONE:
            notice.sending_started_at, notice.attempts = now, notice.attempts + 1
            fields += ["sending_started_at", "attempts"]
        notice.save(update_fields=fields)
    return (notice, address) if notice.channel != NoticeChannel.NONE else None


def notice_send(
    *,
    user_id: int,
    kind: str,
    key: str,
    params: dict | None = None,
    text: str = "",
    now: datetime | None = None,
) -> bool:
    """The task behind :func:`notice_queue`: send the notice unless it was sent, is being sent or may
    have been (see the module's docstring); returns whether this call sent it. Raises when e-mail or
    WhatsApp refused it, so that the worker tries the task again.

    Written in the person's language (``params``); ``text`` is only for a task queued by an older
    release, which passed the words already written."""
    now = now or _clock()
    if _day_passed(kind, key, params, now=now):
        logger.info("notice %s: the day it is about has passed: not sent", key)
        return False
    user = User.objects.get(pk=user_id)
    available = _available_for_payout(user, params) if kind == NoticeKind.REWARD_AVAILABLE else None
    with recipient_locale(user, brand=_brand(params)) as language:
        written = notice_text(kind, params, available=available) if params is not None else text
        claimed = _notice_claim(
            user_id=user_id, kind=kind, key=key, written=written, rewrite=params is not None, now=now
        )
        if claimed is None:
            return False
        notice, address = claimed
        subject = _subject(notice.kind, params)
    mine = ConsumerNotice.objects.filter(pk=notice.pk, sending_started_at=now, sent_at__isnull=True)
    try:  # no transaction and no lock held from here on
        if notice.channel == NoticeChannel.EMAIL:
            send_mail(
                subject=subject,
                message=f"{notice.text}\n\n{settings.SITE_URL}/wallet/",
                from_email=None,
                recipient_list=[address],
            )
        else:
            whatsapp_update_send(
                to=address, text=notice.text, language=language, callback_data=notice_callback_data(notice)
            )
    except (WhatsAppSendUnknown, TimeoutError, smtplib.SMTPServerDisconnected) as exc:
        # Handed over, but no answer: it may have arrived. Not sent again (at most once).
        mine.filter(uncertainty="").update(uncertainty=NoticeUncertainty.UNANSWERED)
        logger.warning("notice %s: no answer (%s); it may have arrived: not sent again", notice.pk, exc)
        return False
    except (WhatsAppSendError, smtplib.SMTPException, OSError) as exc:
        # Refused, or never reached the server: free the claim for the task's retry.
        mine.filter(uncertainty="").update(sending_started_at=None)
        logger.warning("notice %s: not sent (%s); the task is tried again", notice.pk, exc)
        raise
    # One UPDATE, its own short transaction. Sent is sent, whatever another worker concluded meanwhile.
    ConsumerNotice.objects.filter(pk=notice.pk).update(sent_at=now, uncertainty="")
    return True


NOTICE_CALLBACK_PREFIX = "tikjoy-notice:"  # biz_opaque_callback_data of a notice sent by WhatsApp


def notice_callback_data(notice: ConsumerNotice) -> str:
    """Our reference on a notice's WhatsApp message, which Meta echoes in its status webhooks."""
    return f"{NOTICE_CALLBACK_PREFIX}{notice.pk}"


def notice_whatsapp_status_apply(*, callback_data: str, status: str, at: datetime) -> bool:
    """A status webhook for a notice's WhatsApp message (``sent``, ``delivered`` or ``read``): it did
    go out, so a notice recorded of unknown fate (the answer never came) is recorded sent, at the
    time Meta gives. ``failed`` and anything else change nothing: a notice is never sent twice.
    Returns whether the webhook was about a notice (else it is someone else's message)."""
    if not callback_data.startswith(NOTICE_CALLBACK_PREFIX):
        return False
    number = callback_data[len(NOTICE_CALLBACK_PREFIX) :]
    if number.isascii() and number.isdigit() and status in {"sent", "delivered", "read"}:
        ConsumerNotice.objects.filter(
            pk=int(number), channel=NoticeChannel.WHATSAPP, sent_at__isnull=True
        ).update(sent_at=at, uncertainty="")
    return True


def notice_outcome_text(notice: ConsumerNotice, *, now: datetime) -> str:
    """What became of the notice, in words in the active language (ops read it on the notice)."""
    if notice.sent_at is not None:
        return pgettext("notice", "Sent.")
    if notice.channel == NoticeChannel.NONE:
        return gettext("Not sent: the person has no verified e-mail address and no WhatsApp number.")
    abandoned = (
        notice.sending_started_at is not None and now - notice.sending_started_at >= _claim_abandoned_after()
    )
    if notice.uncertainty == NoticeUncertainty.INTERRUPTED or (not notice.uncertainty and abandoned):
        return gettext(
            "Not known whether it arrived: the worker sending it stopped before it could record the "
            "answer. It is not sent again, so that the person cannot get it twice."
        )
    if notice.uncertainty == NoticeUncertainty.UNANSWERED and notice.channel == NoticeChannel.WHATSAPP:
        return gettext(
            "Not known whether it arrived: WhatsApp did not answer in time. It is not sent again, so "
            "that the person cannot get it twice."
        )
    if notice.uncertainty == NoticeUncertainty.UNANSWERED:
        return gettext(
            "Not known whether it arrived: the e-mail server did not answer in time. It is not sent "
            "again, so that the person cannot get it twice."
        )
    if notice.sending_started_at is not None:
        return gettext("Being sent.")
    if notice.attempts:
        return ngettext(
            "Not sent: refused %(count)s time; the task queue tries a failed task again.",
            "Not sent: refused %(count)s times; the task queue tries a failed task again.",
            notice.attempts,
        ) % {"count": notice.attempts}
    return gettext("Not sent yet.")
