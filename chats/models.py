"""Chats: a merchant's WhatsApp conversations with consumers who shared their phone number.

One ``Thread`` per (merchant, consumer); its ``ChatMessage``s both ways, each outgoing one with
its category, price (debited from the merchant's wallet at send time) and delivery status.
Approved templates and the rate card are data (``ChatTemplate``, ``ChatRate``), edited by ops.
"""

from __future__ import annotations

from decimal import ROUND_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from merchants.models import Currency, Merchant
from wallets.formats import money_text

CENT = Decimal("0.01")


class Category(models.TextChoices):
    """Meta's pricing categories. A free-form reply inside the service window is SERVICE (free)."""

    SERVICE = "SERVICE", _("Reply")
    UTILITY = "UTILITY", _("Utility template")
    MARKETING = "MARKETING", _("Marketing template")


# A template's name, whole in each catalogue: German capitalizes the category ("Angebot (de,
# Marketing-Vorlage)"), English does not ("Offer (en_US, marketing template)").
_TEMPLATE_LABELS = {
    Category.MARKETING: _("%(title)s (%(language)s, marketing template)"),
    Category.UTILITY: _("%(title)s (%(language)s, utility template)"),
}


class ChatTemplate(models.Model):
    """One translation of a message template approved by Meta: the only kind of message allowed
    outside the window. Meta approves a template per (name, language): one row each.

    ``language`` is the Cloud API's code (``en_US``, ``de``, ...); ``title`` is what members pick
    in the Inbox when the console speaks that language; ``body`` is the approved text: ``{{1}}``
    is the brand's name, ``{{2}}`` the text the member writes.
    """

    name = models.CharField(_("name"), max_length=100, help_text=_("The template's name at Meta."))
    language = models.CharField(_("language"), max_length=10, default="en_US")
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    title = models.CharField(_("title"), max_length=100, help_text=_("What members pick in the Inbox."))
    body = models.TextField(
        _("body"), help_text=_("The approved text: {{1}} is the brand, {{2}} the member's text.")
    )
    approved = models.BooleanField(
        pgettext_lazy("whatsapp template", "approved"),
        default=True,
        help_text=_("Only approved templates can be sent."),
    )

    class Meta:
        verbose_name = _("chat template")
        verbose_name_plural = _("chat templates")
        constraints = [
            models.UniqueConstraint(
                fields=["name", "language"],
                name="chats_template_one_per_name_language",
                violation_error_message=_(
                    "There is already a translation of this template in this language."
                ),
            ),
            models.CheckConstraint(
                condition=Q(category__in=["UTILITY", "MARKETING"]),
                name="chats_template_category_paid",
                violation_error_message=_("A template is a marketing or a utility template."),
            ),
        ]

    def __str__(self) -> str:
        label = _TEMPLATE_LABELS.get(self.category)
        if label is None:  # templates are UTILITY or MARKETING (a constraint); the category as is
            return f"{self.title} ({self.language}, {self.get_category_display()})"
        return label % {"title": self.title, "language": self.language}

    def render(self, *, brand: str, text: str) -> str:
        return self.body.replace("{{1}}", brand).replace("{{2}}", text)


class ChatRate(models.Model):
    """What Meta charges per message of a category to a recipient country, and TikJoy's margin.

    ``country`` empty is every country without a row of its own. The merchant pays ``price``:
    Meta's price plus the margin, rounded up to the cent.
    """

    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    country = models.CharField(
        _("country"), max_length=2, blank=True, help_text=_("ISO 3166 code; empty: any other country.")
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    meta_price = models.DecimalField(
        _("meta price"), max_digits=8, decimal_places=4, help_text=_("Meta's price per message.")
    )
    margin_percent = models.DecimalField(
        _("margin percent"), max_digits=5, decimal_places=2, default=Decimal("20.00")
    )

    class Meta:
        verbose_name = _("chat rate")
        verbose_name_plural = _("chat rates")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "country", "currency"],
                name="chats_rate_one_per_category_country_currency",
                violation_error_message=_("There is already a rate for this category, country and currency."),
            ),
            models.CheckConstraint(
                condition=Q(meta_price__gte=0) & Q(margin_percent__gte=0),
                name="chats_rate_not_negative",
                violation_error_message=_("Prices and margins are not negative."),
            ),
            models.CheckConstraint(
                condition=Q(category__in=["UTILITY", "MARKETING"]),
                name="chats_rate_category_paid",
                violation_error_message=_("Only marketing and utility messages have a rate."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(category)s, %(country)s: %(price)s") % {
            "category": self.get_category_display(),
            "country": self.country or gettext("every other country"),
            "price": money_text(self.price, self.currency),
        }

    @property
    def price(self) -> Decimal:
        return (self.meta_price * (1 + self.margin_percent / 100)).quantize(CENT, rounding=ROUND_UP)


class Thread(models.Model):
    """A merchant's conversation with one consumer. Closed when the consumer withdraws consent."""

    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.PROTECT, related_name="chat_threads"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="chat_threads",
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.CharField(_("close reason"), max_length=200, blank=True)
    last_inbound_at = models.DateTimeField(
        _("last inbound at"),
        null=True,
        blank=True,
        help_text=_("The consumer's last message: the service window runs from it."),
    )
    last_outbound_at = models.DateTimeField(_("last outbound at"), null=True, blank=True)
    last_message_at = models.DateTimeField(_("last message at"), null=True, blank=True)
    unread = models.PositiveIntegerField(_("unread"), default=0)

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "user"],
                name="chats_thread_one_per_consumer",
                violation_error_message=_("There is already a conversation with this consumer."),
            ),
        ]
        indexes = [models.Index(fields=["merchant", "-last_message_at"], name="chats_thread_inbox")]

    def __str__(self) -> str:
        return gettext("Conversation %(number)s of %(brand)s") % {"number": self.pk, "brand": self.merchant}

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class MessageStatus(models.TextChoices):
    PENDING = "PENDING", _("Sending")
    SENT = "SENT", _("Sent")
    DELIVERED = "DELIVERED", _("Delivered")
    READ = "READ", pgettext_lazy("chat message status", "Read")
    FAILED = "FAILED", _("Failed")
    RECEIVED = "RECEIVED", _("Received")


class Direction(models.TextChoices):
    IN = "IN", _("From the consumer")
    OUT = "OUT", _("To the consumer")


class ChatMessage(models.Model):
    thread = models.ForeignKey(
        Thread, verbose_name=_("thread"), on_delete=models.PROTECT, related_name="messages"
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices, blank=True)
    template = models.ForeignKey(
        ChatTemplate, verbose_name=_("template"), on_delete=models.PROTECT, null=True, blank=True
    )
    text = models.TextField(_("text"))
    wamid = models.CharField(_("WhatsApp message id"), max_length=128, null=True, blank=True, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices)
    error = models.CharField(_("error"), max_length=300, blank=True)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    status_at = models.DateTimeField(_("status at"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    # The console's send form carries a fresh key: a second submit of the same form (a double click,
    # a reload) is the same message, sent and charged once.
    send_key = models.CharField(_("send key"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        constraints = [
            models.UniqueConstraint(
                fields=["thread", "send_key"],
                condition=~Q(send_key=""),
                name="chats_message_send_key_once",
                violation_error_message=_("This message was already sent."),
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="chats_message_price_not_negative",
                violation_error_message=_("A price is not negative."),
            ),
            models.CheckConstraint(
                condition=Q(direction="IN", status="RECEIVED", price=0)
                | (Q(direction="OUT") & ~Q(status="RECEIVED") & ~Q(category="")),
                name="chats_message_direction_status",
                violation_error_message=_(
                    "A received message is free; a sent one has a category and a delivery status."
                ),
            ),
            models.CheckConstraint(
                condition=Q(refunded_at__isnull=True) | Q(status="FAILED"),
                name="chats_message_refund_only_failed",
                violation_error_message=_("Only a failed message is refunded."),
            ),
        ]
        indexes = [models.Index(fields=["thread", "created_at"], name="chats_message_thread_time")]

    def __str__(self) -> str:
        return gettext("Message %(number)s (%(direction)s)") % {
            "number": self.pk,
            "direction": self.get_direction_display(),
        }


class MarketingOptOut(models.Model):
    """The consumer asked for no marketing messages (a STOP reply or the toggle on /me/): from any brand."""

    class Source(models.TextChoices):
        STOP = "STOP", _("Replied STOP")
        TOGGLE = "TOGGLE", _("Switched off on their account page")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="marketing_opt_out",
    )
    source = models.CharField(_("source"), max_length=6, choices=Source.choices)
    opted_out_at = models.DateTimeField(_("opted out at"))

    class Meta:
        verbose_name = _("marketing opt-out")
        verbose_name_plural = _("marketing opt-outs")

    def __str__(self) -> str:
        return gettext("No marketing messages to person #%(number)s") % {"number": self.user_id}
