"""What social tells the apps above it, inside the transaction that recorded the change.

Receivers run synchronously in the sender's transaction (a receiver that writes commits or
rolls back with the webhook's record); they live in the higher apps (chats) and connect in
their ``AppConfig.ready``; social imports none of them.
"""

from django.dispatch import Signal

# sender=WebhookEvent class; kwargs: event (social.WebhookEvent, first delivery only), payload (dict), now
whatsapp_webhook_received = Signal()
