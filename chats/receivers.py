"""chats listens to merchants (consent withdrawn: close the conversation) and social (a WhatsApp
webhook recorded: apply its replies and statuses), in the sender's transaction."""

from __future__ import annotations

from chats.services import threads_close_for_consent, whatsapp_webhook_apply
from merchants import signals as merchant_signals
from social import signals as social_signals


def on_consent_withdrawn(sender, *, consent, merchant, user, now, **kwargs) -> None:
    threads_close_for_consent(merchant=merchant, user=user, now=now)


def on_whatsapp_webhook(sender, *, event, payload, now, **kwargs) -> None:
    whatsapp_webhook_apply(payload=payload, now=now)


def connect() -> None:
    merchant_signals.consent_withdrawn.connect(on_consent_withdrawn, dispatch_uid="chats.consent_withdrawn")
    social_signals.whatsapp_webhook_received.connect(
        on_whatsapp_webhook, dispatch_uid="chats.whatsapp_webhook"
    )
