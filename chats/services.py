"""Every write of chats: open a conversation, send (charged from the wallet), apply WhatsApp's
webhooks (replies and delivery statuses; a failed paid message refunded once), opt-out, close.

Sending holds no transaction across the call to the Cloud API: the message is recorded and
charged in one transaction (refused whole when the wallet can't pay), sent, then its outcome is
recorded (a refusal refunds the charge in that same transaction).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _
from moneyed import Money

from accounts.models import User
from chats.models import (
    Category,
    ChatMessage,
    ChatTemplate,
    Direction,
    MarketingOptOut,
    MessageStatus,
    Thread,
)
from chats.pricing import FREE, is_charged, rate_for, recipient_country
from chats.template_languages import template_language_for, template_translation
from core.errors import DomainError
from merchants.models import Consent, Merchant
from rewards.notices import notice_whatsapp_status_apply
from social.whatsapp import WhatsAppSendError, WhatsAppSendUnknown, whatsapp_template_send, whatsapp_text_send
from wallets.formats import money_text, number_text
from wallets.models import PLATFORM, Purpose
from wallets.services import InsufficientFunds, account_for, transfer

logger = logging.getLogger(__name__)

CHARGE_KIND = "CHAT_MESSAGE"
REFUND_KIND = "CHAT_REFUND"
# WhatsApp Cloud API limits: a text message's body has at most 4,096 characters; a template's text
# parameter at most 1,000 (``social.whatsapp`` cuts there): refused above, never cut and charged.
MAX_TEXT = 4096
MAX_TEMPLATE_TEXT = 1000
STOP_WORDS = {"STOP", "UNSUBSCRIBE", "STOPP", "ARRET", "ARRÊT", "BASTA"}
START_WORDS = {"START", "SUBSCRIBE"}
# Kept in English on the thread (``close_reason``), translated where it is read.
CLOSED_BY_CONSENT = gettext_noop(
    "The consumer stopped sharing their data with you: the conversation is closed."
)
NEVER_CONFIRMED = gettext_noop("WhatsApp never confirmed the message.")
# Statuses only move forward; FAILED can follow SENT (never DELIVERED or READ).
_RANK = {
    MessageStatus.PENDING: 0,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.READ: 3,
}
_WEBHOOK_STATUS = {
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.READ,
    "failed": MessageStatus.FAILED,
}


class ChatRefused(DomainError):
    """The message was not sent and nothing was charged; ``str(e)`` says why, for the member."""


class ChatSendFailed(DomainError):
    """WhatsApp refused the message: it is recorded as failed and its charge refunded."""


CALLBACK_PREFIX = "tikjoy-chat:"  # biz_opaque_callback_data of an outgoing message: ours + its id


def window_open(thread: Thread, *, now: datetime) -> bool:
    """WhatsApp's customer-service window: 24 hours from the consumer's last message."""
    return thread.last_inbound_at is not None and now < thread.last_inbound_at + timedelta(
        hours=settings.CHATS_SERVICE_WINDOW_HOURS
    )


def _consent_phone(*, merchant_id: int, user: User) -> str | None:
    """The number the consumer shares with this merchant now, or None (no consent for it, no number)."""
    shares = Consent.objects.active().filter(merchant_id=merchant_id, user=user, shares_phone=True).exists()
    if not shares or not user.phone or not user.phone_verified or not user.is_active:
        return None
    return user.phone


def thread_open(*, merchant: Merchant, user_id: int, now: datetime) -> Thread:
    """The conversation with a consumer who shares their phone number with ``merchant`` (made or reopened)."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or _consent_phone(merchant_id=merchant.pk, user=user) is None:
        raise ChatRefused(_("This person does not share a WhatsApp number with you: you can't message them."))
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                thread = Thread.objects.create(merchant=merchant, user=user, opened_at=now)
        except IntegrityError:
            thread = Thread.objects.select_for_update().get(merchant=merchant, user=user)
            if thread.closed_at is not None:
                thread.closed_at, thread.close_reason, thread.opened_at = None, "", now
                thread.save(update_fields=["closed_at", "close_reason", "opened_at"])
    return thread


def thread_read(*, thread: Thread) -> None:
    """The member has read the conversation: no unread messages."""
    if thread.unread:
        Thread.objects.filter(pk=thread.pk).update(unread=0)
        thread.unread = 0


def _accounts(merchant: Merchant, currency: str):
    wallet = account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency=currency)
    revenue = account_for(
        owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency=currency, partition=merchant
    )
    return wallet, revenue


@dataclass(frozen=True)
class _Outgoing:
    category: str
    template: ChatTemplate | None
    text: str
    parameters: list[str]


def _outgoing(*, thread: Thread, text: str, template_id: int | None, now: datetime) -> _Outgoing:
    text = (text or "").strip()
    if not text:
        raise ChatRefused(_("Write a message."))
    if len(text) > MAX_TEXT:
        raise ChatRefused(_("A message has at most %(limit)s characters.") % {"limit": number_text(MAX_TEXT)})
    if template_id is not None and len(text) > MAX_TEMPLATE_TEXT:
        raise ChatRefused(
            _("With a template, a message has at most %(limit)s characters.")
            % {"limit": number_text(MAX_TEMPLATE_TEXT)}
        )
    if template_id is None:
        if not window_open(thread, now=now):
            raise ChatRefused(
                _(
                    "The consumer has not written to you in the last 24 hours, so WhatsApp allows only an "
                    "approved template: pick one to start the conversation."
                )
            )
        return _Outgoing(Category.SERVICE, None, text, [])
    picked = ChatTemplate.objects.filter(pk=template_id).first()
    # The template the member picked (any of its translations), in the consumer's language.
    language = template_language_for(user=thread.user, merchant=thread.merchant)
    template = template_translation(name=picked.name, language=language) if picked else None
    if template is None:
        raise ChatRefused(_("This template is not approved for sending: pick another one."))
    if (
        template.category == Category.MARKETING
        and MarketingOptOut.objects.filter(user_id=thread.user_id).exists()
    ):
        raise ChatRefused(_("This consumer asked not to receive marketing messages: send them no offers."))
    brand = thread.merchant.brand_name
    return _Outgoing(template.category, template, template.render(brand=brand, text=text), [brand, text])


def chat_send(
    *,
    thread_id: int,
    merchant: Merchant,
    actor: User,
    text: str,
    template_id: int | None,
    now: datetime,
    send_key: str = "",
) -> ChatMessage:
    """Send ``text`` (a free reply in the window) or the approved template ``template_id`` with it.

    ``template_id`` is any translation of the template: the consumer gets its approved translation
    in their language (``template_language_for``), else the approved English one; the message's
    ``template`` is the translation sent.

    A message Meta charges for is debited from the merchant's available funds in its own ledger
    transaction (key ``chat:<message id>:charge``) before it is sent; without the funds nothing is
    recorded and ``ChatRefused`` says so. When WhatsApp refuses it, it is recorded FAILED, refunded,
    and ``ChatSendFailed`` says why.
    """
    if send_key:
        first = ChatMessage.objects.filter(
            thread_id=thread_id, thread__merchant=merchant, send_key=send_key
        ).first()
        if first is not None:
            return first  # the same form submitted again: sent (and charged) once
    try:
        return _chat_send(
            thread_id=thread_id,
            merchant=merchant,
            actor=actor,
            text=text,
            template_id=template_id,
            now=now,
            send_key=send_key,
        )
    except IntegrityError:
        # A second submit of the same form raced the first and lost on the unique key: the first's.
        first = ChatMessage.objects.filter(
            thread_id=thread_id, thread__merchant=merchant, send_key=send_key
        ).first()
        if send_key and first is not None:
            return first
        raise


def _chat_send(
    *,
    thread_id: int,
    merchant: Merchant,
    actor: User,
    text: str,
    template_id: int | None,
    now: datetime,
    send_key: str,
) -> ChatMessage:
    with transaction.atomic(durable=True):
        thread = (
            Thread.objects.select_related("merchant", "user").filter(pk=thread_id, merchant=merchant).first()
        )
        if thread is None:
            raise ChatRefused(_("No such conversation."))
        if thread.closed_at is not None:
            raise ChatRefused(
                gettext(thread.close_reason) if thread.close_reason else _("This conversation is closed.")
            )
        phone = _consent_phone(merchant_id=merchant.pk, user=thread.user)
        if phone is None:
            raise ChatRefused(
                _("This person no longer shares a WhatsApp number with you: you can't message them.")
            )
        outgoing = _outgoing(thread=thread, text=text, template_id=template_id, now=now)
        country, currency, price = recipient_country(phone), merchant.currency, FREE
        if is_charged(category=outgoing.category, window_open=window_open(thread, now=now)):
            rate = rate_for(category=outgoing.category, country=country, currency=currency)
            if rate is None:
                raise ChatRefused(
                    _(
                        "WhatsApp messages to this country (%(country)s) are not priced in %(currency)s "
                        "yet: ask TikJoy support."
                    )
                    % {"country": country or _("unknown"), "currency": currency}
                )
            price = rate.price
        message = ChatMessage.objects.create(
            thread=thread,
            direction=Direction.OUT,
            category=outgoing.category,
            template=outgoing.template,
            text=outgoing.text,
            status=MessageStatus.PENDING,
            price=price,
            currency=currency,
            country=country,
            sent_by=actor,
            created_at=now,
            send_key=send_key,
        )
        if price > 0:
            wallet, revenue = _accounts(merchant, currency)
            try:
                transfer(
                    source=wallet,
                    destination=revenue,
                    amount=Money(price, currency),
                    kind=CHARGE_KIND,
                    reason=f"WhatsApp {outgoing.category.lower()} message {message.pk} to a consumer in {country or '?'}",
                    idempotency_key=f"chat:{message.pk}:charge",
                    actor=actor,
                    subject=message,
                    now=now,
                )
            except InsufficientFunds:
                raise ChatRefused(
                    _(
                        "Your wallet can't pay for this message (%(price)s): add funds to start a "
                        "conversation. Replies within 24 hours of the consumer's last message are free."
                    )
                    % {"price": money_text(price, currency)}
                ) from None
    callback = f"{CALLBACK_PREFIX}{message.pk}"  # echoed in its status webhooks (see _status)
    try:
        if outgoing.template is None:
            sent = whatsapp_text_send(to=phone, text=outgoing.text, callback_data=callback)
        else:
            sent = whatsapp_template_send(
                to=phone,
                name=outgoing.template.name,
                language=outgoing.template.language,
                parameters=outgoing.parameters,
                callback_data=callback,
            )
    except WhatsAppSendUnknown:
        # Sent, but unanswered: Meta may deliver (and bill) it. It stays waiting: a status webhook
        # moves it (matched by our reference), else chats_pending_expire fails and refunds it.
        raise ChatSendFailed(
            _(
                "WhatsApp didn't answer in time. The message may still arrive: its status shows here as soon "
                "as WhatsApp reports it; if it never does, the charge is refunded within %(minutes)s minutes."
            )
            % {"minutes": settings.CHATS_PENDING_EXPIRE_MINUTES}
        ) from None
    except WhatsAppSendError as exc:
        reason = f"WhatsApp refused the message (error {exc.code or 'unreachable'})."
        with transaction.atomic(durable=True):
            _fail(ChatMessage.objects.select_for_update().get(pk=message.pk), error=reason, now=now)
        said = _("WhatsApp refused the message (error %(code)s).") % {"code": exc.code or _("unreachable")}
        refunded = " " + _("The charge was refunded to your wallet.") if price > 0 else ""
        raise ChatSendFailed(f"{said}{refunded}") from None
    with transaction.atomic(durable=True):
        locked = ChatMessage.objects.select_for_update().get(pk=message.pk)
        if not locked.wamid and sent.message_id:
            locked.wamid = sent.message_id
            locked.save(update_fields=["wamid"])
        if locked.status == MessageStatus.PENDING:  # a status webhook may have come first
            locked.status, locked.status_at = MessageStatus.SENT, now
            locked.save(update_fields=["status", "status_at"])
        Thread.objects.filter(pk=thread.pk).update(last_outbound_at=now, last_message_at=now)
    return locked


def _fail(message: ChatMessage, *, error: str, now: datetime) -> bool:
    """Mark a (locked) outgoing message failed and refund its charge, once. False when it can't fail."""
    if (
        message.status == MessageStatus.FAILED
        or _RANK.get(message.status, 9) >= _RANK[MessageStatus.DELIVERED]
    ):
        return False
    message.status, message.error, message.status_at = MessageStatus.FAILED, error[:300], now
    fields = ["status", "error", "status_at"]
    if message.price > 0:
        thread = message.thread
        wallet, revenue = _accounts(thread.merchant, message.currency)
        transfer(
            source=revenue,
            destination=wallet,
            amount=Money(message.price, message.currency),
            kind=REFUND_KIND,
            reason=f"WhatsApp message {message.pk} failed: refunded",
            idempotency_key=f"chat:{message.pk}:refund",
            subject=message,
            now=now,
        )
        message.refunded_at = now
        fields.append("refunded_at")
    message.save(update_fields=fields)
    return True


def chats_pending_expire(*, now: datetime) -> int:
    """Messages still waiting for the Cloud API's answer after CHATS_PENDING_EXPIRE_MINUTES (the
    process died mid-send) are failed and refunded. Returns how many."""
    cutoff = now - timedelta(minutes=settings.CHATS_PENDING_EXPIRE_MINUTES)
    done = 0
    for pk in ChatMessage.objects.filter(status=MessageStatus.PENDING, created_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        with transaction.atomic(durable=True):
            message = ChatMessage.objects.select_for_update().select_related("thread__merchant").get(pk=pk)
            if message.status == MessageStatus.PENDING and _fail(message, error=NEVER_CONFIRMED, now=now):
                done += 1
    return done


# --- WhatsApp's webhooks (called in social's transaction through its signal) ---------------------


def _timestamp(value: Any, now: datetime) -> datetime:
    try:
        at = datetime.fromtimestamp(int(str(value)), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return now
    return min(at, now)


def _changes(payload: dict) -> list[dict]:
    values = []
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        for change in entry.get("changes") or []:
            if isinstance(change, dict) and isinstance(change.get("value"), dict):
                values.append(change["value"])
    return values


def whatsapp_webhook_apply(*, payload: dict, now: datetime) -> None:
    """Incoming messages become messages of their conversation; statuses move outgoing messages
    (a failed paid one is refunded once). Anything unknown or malformed is left alone."""
    if payload.get("object") != "whatsapp_business_account":
        return
    for value in _changes(payload):
        for item in value.get("messages") or []:
            if isinstance(item, dict):
                _incoming(item, now=now)
        for item in value.get("statuses") or []:
            if isinstance(item, dict):
                _status(item, now=now)


def _text_of(item: dict) -> str:
    kind = str(item.get("type") or "")
    if kind == "text" and isinstance(item.get("text"), dict):
        return str(item["text"].get("body") or "")[:4096]
    if kind == "button" and isinstance(item.get("button"), dict):
        return str(item["button"].get("text") or "")[:4096]
    return f"(a {kind[:20] or 'message'} the Inbox can't show)"


def _incoming(item: dict, *, now: datetime) -> None:
    wa_id, wamid = str(item.get("from") or ""), str(item.get("id") or "")
    if not (wa_id.isascii() and wa_id.isdigit()) or not wamid or len(wamid) > 128:
        return
    user = User.objects.filter(phone="+" + wa_id).first()
    if user is None:
        return
    text = _text_of(item)
    word = text.strip().upper()
    if word in STOP_WORDS:
        marketing_opt_out_set(user=user, opted_out=True, source=MarketingOptOut.Source.STOP, now=now)
    elif word in START_WORDS:
        marketing_opt_out_set(user=user, opted_out=False, source=MarketingOptOut.Source.STOP, now=now)
    thread = _thread_for_reply(user, item, now=now)
    if thread is None:
        return
    at = _timestamp(item.get("timestamp"), now)
    try:
        with transaction.atomic():
            ChatMessage.objects.create(
                thread=thread,
                direction=Direction.IN,
                text=text,
                wamid=wamid,
                status=MessageStatus.RECEIVED,
                created_at=at,
                status_at=now,
            )
    except IntegrityError:  # this message was already recorded
        return
    locked = Thread.objects.select_for_update().get(pk=thread.pk)
    locked.last_inbound_at = max(filter(None, [locked.last_inbound_at, at]))
    locked.last_message_at = max(filter(None, [locked.last_message_at, at]))
    locked.unread = F("unread") + 1
    locked.save(update_fields=["last_inbound_at", "last_message_at", "unread"])


def _thread_for_reply(user: User, item: dict, *, now: datetime) -> Thread | None:
    """The open conversation a message belongs to: the one of the message it quotes, else the one
    that last wrote to this person (TikJoy sends every brand's messages from one number), else the
    only brand the person shares their number with (a thread is opened). Else none: not routed."""
    context = item.get("context") if isinstance(item.get("context"), dict) else {}
    quoted = str(context.get("id") or "")
    if quoted:
        message = ChatMessage.objects.filter(
            wamid=quoted, thread__user=user, thread__closed_at__isnull=True
        ).first()
        if message is not None:
            return message.thread
    # Unquoted: it is for a brand only when exactly one could be meant. The one brand that wrote to
    # the person in the last 24 hours, else their only open conversation. When several brands wrote,
    # guessing could hand one brand's customer's words to another: it is not routed.
    open_threads = Thread.objects.filter(user=user, closed_at__isnull=True)
    since = _timestamp(item.get("timestamp"), now) - timedelta(hours=settings.CHATS_SERVICE_WINDOW_HOURS)
    recent = list(open_threads.filter(last_outbound_at__gte=since)[:2])
    if len(recent) > 1:
        return None
    if recent:
        return recent[0]
    threads = list(open_threads[:2])
    if len(threads) > 1:
        return None
    if threads:
        return threads[0]
    # No conversation yet: when exactly one brand has the person's number, the message is for it.
    merchant_ids = list(
        Consent.objects.active()
        .filter(user=user, shares_phone=True)
        .values_list("merchant_id", flat=True)[:2]
    )
    if len(merchant_ids) != 1:
        return None
    with transaction.atomic():
        thread, _ = Thread.objects.get_or_create(merchant_id=merchant_ids[0], user=user)
    if thread.closed_at is not None:
        thread.closed_at, thread.close_reason = None, ""
        thread.save(update_fields=["closed_at", "close_reason"])
    return thread


def _status(item: dict, *, now: datetime) -> None:
    wamid, status = str(item.get("id") or ""), _WEBHOOK_STATUS.get(str(item.get("status") or ""))
    if not wamid or status is None:
        return
    callback = str(item.get("biz_opaque_callback_data") or "")
    if notice_whatsapp_status_apply(
        callback_data=callback, status=str(item.get("status")), at=_timestamp(item.get("timestamp"), now)
    ):
        return  # a reward notice's message (rewards.notices), not a conversation's
    outgoing = (
        ChatMessage.objects.select_for_update()
        .select_related("thread__merchant")
        .filter(direction=Direction.OUT)
    )
    message = outgoing.filter(wamid=wamid).first()
    if (
        message is None
        and callback.startswith(CALLBACK_PREFIX)
        and callback[len(CALLBACK_PREFIX) :].isascii()
        and callback[len(CALLBACK_PREFIX) :].isdigit()
    ):
        # The status came before the send stored Meta's id (or the send never got its answer): our
        # own reference, echoed by Meta, finds the message.
        message = outgoing.filter(pk=int(callback[len(CALLBACK_PREFIX) :]), wamid__isnull=True).first()
        if message is not None:
            message.wamid = wamid[:128]
            message.save(update_fields=["wamid"])
    if message is None:
        return
    at = _timestamp(item.get("timestamp"), now)
    if status == MessageStatus.FAILED:
        errors = item.get("errors") if isinstance(item.get("errors"), list) else []
        first = errors[0] if errors and isinstance(errors[0], dict) else {}
        title = str(first.get("title") or first.get("message") or "not delivered")[:200]
        _fail(message, error=f"WhatsApp could not deliver it ({first.get('code', '?')}: {title}).", now=at)
        return
    if _RANK.get(message.status, 9) < _RANK[status]:
        message.status, message.status_at = status, at
        message.save(update_fields=["status", "status_at"])


# --- opt-out and consent -----------------------------------------------------------------------


def marketing_opt_out_set(*, user: User, opted_out: bool, source: str, now: datetime) -> None:
    """Stop (or allow again) marketing messages to ``user`` from every brand."""
    if not opted_out:
        MarketingOptOut.objects.filter(user=user).delete()
        return
    try:
        with transaction.atomic():
            MarketingOptOut.objects.create(user=user, source=source, opted_out_at=now)
    except IntegrityError:  # already opted out: the first time stands
        pass


def threads_close_for_consent(*, merchant: Merchant, user: User, now: datetime) -> int:
    """The consumer withdrew their consent: their conversation with ``merchant`` is closed (every
    withdrawal asks: on PostgreSQL one fixed ``UPDATE``, no ORM compilation)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_THREADS_CLOSE_SQL, [now, CLOSED_BY_CONSENT, merchant.pk, user.pk])
            return cursor.rowcount
    return Thread.objects.filter(merchant=merchant, user=user, closed_at__isnull=True).update(
        closed_at=now, close_reason=CLOSED_BY_CONSENT
    )


_THREADS_CLOSE_SQL = (
    f"UPDATE {Thread._meta.db_table} SET closed_at = %s, close_reason = %s "  # noqa: S608 - names from the model
    "WHERE merchant_id = %s AND user_id = %s AND closed_at IS NULL"
)


def person_chats_erase(*, user: User) -> dict[str, int]:
    """Account deletion (privacy): the texts of the person's conversations are erased; the rows stay,
    since a paid message is the subject of a ledger transaction (its consent is withdrawn separately,
    which closes the conversations)."""
    erased = ChatMessage.objects.filter(thread__user=user).exclude(text="").update(text="")
    return {"chat_messages": erased}
