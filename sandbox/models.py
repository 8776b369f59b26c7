"""The sandbox's own state: fake TikTok personas, their videos and grants, WhatsApp messages sent.

Installed only with SOCIAL_BACKEND=sandbox, so a production database carries none of these tables.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SandboxTikTokPersona(models.Model):
    open_id = models.CharField(max_length=64, unique=True)
    username = models.CharField(max_length=64, unique=True)
    display_name = models.CharField(max_length=100)
    bio = models.CharField(max_length=200, blank=True)
    base_followers = models.PositiveIntegerField()
    followers_per_hour = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"sandbox @{self.username}"


class SandboxTikTokVideo(models.Model):
    persona = models.ForeignKey(SandboxTikTokPersona, on_delete=models.CASCADE, related_name="videos")
    video_id = models.CharField(max_length=32, unique=True)
    caption = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    is_deleted = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"sandbox video {self.video_id}"


class SandboxTikTokGrant(models.Model):
    persona = models.ForeignKey(SandboxTikTokPersona, on_delete=models.CASCADE, related_name="grants")
    code = models.CharField(max_length=64, unique=True)
    code_used = models.BooleanField(default=False)
    scope = models.CharField(max_length=200)
    access_token = models.CharField(max_length=64, unique=True)
    access_expires_at = models.DateTimeField()
    refresh_token = models.CharField(max_length=64, unique=True)
    revoked = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"sandbox grant #{self.pk} for {self.persona}"


class SandboxWhatsAppMessage(models.Model):
    """A message the fake WhatsApp carried: sent by TikJoy (``OUT``, to ``to``) or written by the
    consumer in the sandbox inbox (``IN``, from ``to``), with the last status webhook it sent."""

    to = models.CharField(max_length=20)
    direction = models.CharField(max_length=3, default="OUT")
    message_id = models.CharField(max_length=64, unique=True)
    template_name = models.CharField(max_length=100)
    code = models.CharField(max_length=20, blank=True)
    text = models.TextField(blank=True)
    status = models.CharField(max_length=10, blank=True)
    payload = models.JSONField()
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"sandbox WhatsApp {'from' if self.direction == 'IN' else 'to'} {self.to}"


class SandboxStripeSession(models.Model):
    """A Checkout Session of the fake Stripe (sandbox/stripe.py)."""

    session_id = models.CharField(max_length=80, unique=True)
    idempotency_key = models.CharField(max_length=255, blank=True)
    amount_total = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    product_name = models.CharField(max_length=200)
    client_reference_id = models.CharField(max_length=200, blank=True)
    metadata = models.JSONField(default=dict)
    success_url = models.URLField(max_length=2000)
    cancel_url = models.URLField(max_length=2000, blank=True)
    payment_status = models.CharField(max_length=10, default="unpaid")
    created_at = models.DateTimeField(default=timezone.now)
    # Saving the card for later payments (``customer_creation=always``,
    # ``payment_intent_data[setup_future_usage]=off_session``) and what the payment made.
    customer_creation = models.CharField(max_length=10, blank=True)
    setup_future_usage = models.CharField(max_length=12, blank=True)
    payment_intent_metadata = models.JSONField(default=dict)
    payment_intent_id = models.CharField(max_length=80, blank=True)
    customer_id = models.CharField(max_length=80, blank=True)
    expired = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"sandbox checkout {self.session_id}"


class SandboxStripePaymentMethod(models.Model):
    """A card saved at the fake Stripe for a customer; ``declines`` makes its next charges fail
    (as Stripe's test card 4000 0000 0000 0341 does once attached)."""

    payment_method_id = models.CharField(max_length=80, unique=True)
    customer_id = models.CharField(max_length=80, blank=True)
    last4 = models.CharField(max_length=4, default="4242")
    declines = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"sandbox card {self.payment_method_id}"


class SandboxStripePaymentIntent(models.Model):
    """A PaymentIntent of the fake Stripe, and for an idempotent request its recorded answer."""

    payment_intent_id = models.CharField(max_length=80, unique=True)
    idempotency_key = models.CharField(max_length=255, blank=True)
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    customer_id = models.CharField(max_length=80, blank=True)
    payment_method_id = models.CharField(max_length=80, blank=True)
    status = models.CharField(max_length=32)
    metadata = models.JSONField(default=dict)
    description = models.CharField(max_length=500, blank=True)
    off_session = models.BooleanField(default=False)
    amount_refunded = models.PositiveBigIntegerField(default=0)
    answer_status = models.PositiveSmallIntegerField(default=200)
    refund_id = models.CharField(max_length=80, blank=True)
    refund_idempotency_key = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="sandbox_stripe_pi_idempotency",
                violation_error_message=_("This idempotency key was used for another payment."),
            )
        ]

    def __str__(self) -> str:
        return f"sandbox payment intent {self.payment_intent_id}"


class SandboxAdObject(models.Model):
    """A campaign, ad group or ad made at the fake TikTok Marketing API (sandbox/tiktok_ads.py)."""

    kind = models.CharField(max_length=16)
    object_id = models.CharField(max_length=32, unique=True)
    request_id = models.CharField(max_length=128, unique=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"sandbox {self.kind} {self.object_id}"
