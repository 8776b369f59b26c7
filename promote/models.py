"""Promote: coins, the kinds/goals/countries matrix, coupons, promotion orders and their delivery.

Coin amounts are integers everywhere (``PositiveBigIntegerField``); coin balances and order
escrows are ledger accounts in the coin unit (``wallets.money.COIN``), see docs/promote.md.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.i18n import after_colon, country_label
from wallets.formats import money_text
from wallets.money import COIN, Currency

MONEY = {"max_digits": 20, "decimal_places": 2}


class Kind(models.TextChoices):
    VIDEO = "VIDEO", _("Video")
    VIDEO_ANCHOR = "VIDEO_ANCHOR", _("Video with a product anchor")
    LIVE = "LIVE", _("LIVE")


class Goal(models.TextChoices):
    VIEWS = "VIEWS", _("More video views")
    WEBSITE_VISITS = "WEBSITE_VISITS", _("More website visits")
    FOLLOWERS = "FOLLOWERS", _("More followers")
    PRODUCT_CLICKS = "PRODUCT_CLICKS", _("More product clicks")
    LIVE_VIEWERS = "LIVE_VIEWERS", _("More live viewers")


class KindGoal(models.Model):
    """A goal offered for a kind of promotion (the seed's matrix, editable in /ops/)."""

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    goal = models.CharField(_("goal"), max_length=16, choices=Goal.choices)

    class Meta:
        verbose_name = _("goal offered")
        verbose_name_plural = _("goals offered")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "goal"],
                name="promote_kindgoal_unique",
                violation_error_message=_("That goal is already offered for that kind."),
            )
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s: %(goal)s") % {
            "kind": self.get_kind_display(),
            "goal": after_colon(self.get_goal_display()),
        }


class LaunchedCountry(models.Model):
    """A country or region where a kind of promotion is launched (editable in /ops/)."""

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2, e.g. GB"))

    class Meta:
        verbose_name = _("launched country")
        verbose_name_plural = _("launched countries")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "country"],
                name="promote_launchedcountry_unique",
                violation_error_message=_("That kind is already launched in that country."),
            ),
            models.CheckConstraint(
                condition=Q(country__regex=r"^[A-Z]{2}$"),
                name="promote_country_iso",
                violation_error_message=_("A country is two capital letters (ISO 3166-1), e.g. GB."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s in %(country)s") % {
            "kind": self.get_kind_display(),
            "country": country_label(self.country),
        }


class CoinPrice(models.Model):
    """The price of coins in one currency: ``pack_price`` buys ``pack_coins`` (100 coins = 0.99 USD)."""

    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, unique=True)
    pack_coins = models.PositiveIntegerField(_("coins per pack"), default=100)
    pack_price = models.DecimalField(_("price of a pack"), **MONEY)
    minimum_coins = models.PositiveIntegerField(_("smallest purchase (coins)"), default=100)

    class Meta:
        verbose_name = _("coin price")
        verbose_name_plural = _("coin prices")
        constraints = [
            models.CheckConstraint(
                condition=Q(pack_coins__gt=0),
                name="promote_coinprice_pack_positive",
                violation_error_message=_("A pack holds at least one coin."),
            ),
            models.CheckConstraint(
                condition=Q(pack_price__gt=0),
                name="promote_coinprice_price_positive",
                violation_error_message=_("The price is above zero."),
            ),
            models.CheckConstraint(
                condition=Q(minimum_coins__gt=0),
                name="promote_coinprice_minimum_positive",
                violation_error_message=_("The minimum purchase is at least one coin."),
            ),
            models.CheckConstraint(
                condition=Q(currency__in=Currency.values),
                name="promote_coinprice_currency_known",
                violation_error_message=_("Choose a currency TikJoy handles."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(coins)s = %(price)s") % {
            "coins": money_text(self.pack_coins, COIN),
            "price": money_text(self.pack_price, self.currency),
        }


class CoinWallet(models.Model):
    """Whose coins: a consumer (``user``) or a merchant, and the one money currency they pay in.

    ``backed_coins`` counts the coins paid for and not yet spent or withdrawn (in the balance or
    in the paid part of an open order's escrow); the money for them is on the holder's
    ``PROMOTE_COIN_FUNDS`` account, and spending or withdrawing n of them moves that money pro
    rata. The row is also the holder's lock: a purchase, an order, a settlement and a
    withdrawal of one holder run one after the other.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coin_wallet",
        verbose_name=_("consumer"),
    )
    merchant = models.OneToOneField(
        "merchants.Merchant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coin_wallet",
        verbose_name=_("merchant"),
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    backed_coins = models.PositiveBigIntegerField(_("paid coins held"), default=0)
    birth_date = models.DateField(
        _("birth date"),
        null=True,
        blank=True,
        help_text=_("Declared by a consumer before their first order (18 or older)."),
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("coin wallet")
        verbose_name_plural = _("coin wallets")
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(merchant__isnull=True))
                | (Q(user__isnull=True) & Q(merchant__isnull=False)),
                name="promote_coinwallet_one_holder",
                violation_error_message=_("Coins belong to one consumer or one merchant."),
            ),
            models.CheckConstraint(
                condition=Q(currency__in=Currency.values),
                name="promote_coinwallet_currency_known",
                violation_error_message=_("Choose a currency TikJoy handles."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("Coins of %(holder)s") % {"holder": self.holder}

    @property
    def holder(self):
        return self.user if self.user_id else self.merchant

    def currency_is_chosen(self) -> bool:
        """Whether the wallet's currency is settled: once money or coins went through it (a
        purchase, a card checkout begun, a withdrawal, an order). Until then it is only where the
        birth date is kept, and the person's first purchase chooses the currency (a purchase
        refused in one currency must not tie them to it)."""
        if self.merchant_id or self.backed_coins:
            return True
        return CoinWallet.objects.filter(pk=self.pk).filter(CoinWallet.currency_chosen()).exists()

    @staticmethod
    def currency_chosen() -> Q:
        """``currency_is_chosen`` as a condition on wallets, for lists (one query for a page)."""
        return (
            Q(merchant__isnull=False)
            | Q(backed_coins__gt=0)
            | Q(Exists(CoinPurchase.objects.filter(wallet=OuterRef("pk"))))
            | Q(Exists(CardCheckout.objects.filter(wallet=OuterRef("pk"))))
            | Q(Exists(CoinWithdrawal.objects.filter(wallet=OuterRef("pk"))))
            | Q(Exists(PromoteOrder.objects.filter(wallet=OuterRef("pk"))))
        )


class PurchaseSource(models.TextChoices):
    WALLET = "WALLET", _("TikJoy wallet")
    CARD = "CARD", _("card")


class CoinPurchase(models.Model):
    wallet = models.ForeignKey(
        CoinWallet, on_delete=models.PROTECT, related_name="purchases", verbose_name=_("wallet")
    )
    coins = models.PositiveBigIntegerField(_("coins"))
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    source = models.CharField(_("source"), max_length=8, choices=PurchaseSource.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("actor")
    )
    created_at = models.DateTimeField(_("created at"))
    # The buy form's one-time key: the same form sent twice (a retried request, a reload) buys once.
    request_key = models.UUIDField(_("request key"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("coin purchase")
        verbose_name_plural = _("coin purchases")
        constraints = [
            models.UniqueConstraint(
                fields=["wallet", "request_key"],
                condition=Q(request_key__isnull=False),
                name="promote_coinpurchase_one_per_request",
                violation_error_message=_("These coins were already bought with this form."),
            ),
            models.CheckConstraint(
                condition=Q(coins__gt=0),
                name="promote_coinpurchase_coins_positive",
                violation_error_message=_("A purchase is at least one coin."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="promote_coinpurchase_amount_positive",
                violation_error_message=_("A purchase costs more than nothing."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(coins)s for %(amount)s") % {
            "coins": money_text(self.coins, COIN),
            "amount": money_text(self.amount, self.currency),
        }


class CoinWithdrawal(models.Model):
    wallet = models.ForeignKey(
        CoinWallet, on_delete=models.PROTECT, related_name="withdrawals", verbose_name=_("wallet")
    )
    coins = models.PositiveBigIntegerField(_("coins"))
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("actor")
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("coin withdrawal")
        verbose_name_plural = _("coin withdrawals")
        constraints = [
            models.CheckConstraint(
                condition=Q(coins__gt=0),
                name="promote_coinwithdrawal_coins_positive",
                violation_error_message=_("A withdrawal is at least one coin."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="promote_coinwithdrawal_amount_not_negative",
                violation_error_message=_("A withdrawal can't pay back less than nothing."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(coins)s withdrawn for %(amount)s") % {
            "coins": money_text(self.coins, COIN),
            "amount": money_text(self.amount, self.currency),
        }


class CouponStatus(models.TextChoices):
    AVAILABLE = "AVAILABLE", _("available")
    APPLIED = "APPLIED", _("applied to an order")
    CONSUMED = "CONSUMED", _("consumed")
    EXPIRED = "EXPIRED", _("expired unused (coins back to the brand)")
    REVOKED = "REVOKED", _("withdrawn by the brand (coins back)")


class Coupon(models.Model):
    """Coins off one order: issued by ops (the platform pays), or by a merchant to one of its
    consumers (the merchant pays: its coins are set aside for the coupon when it is issued).

    It applies only to an order that costs more than the coupon, is spent before the
    order's own coins, is consumed once the order starts delivering, and comes back only
    when the order is rejected or cancelled before delivery.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    coins = models.PositiveBigIntegerField(_("coins"))
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=Kind.choices,
        blank=True,
        help_text=_("Only for this kind (blank: any)."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="promote_coupons",
        verbose_name=_("for"),
        help_text=_("Only this person may use it (blank: anyone with the code)."),
    )
    issued_by_merchant = models.ForeignKey(
        "merchants.Merchant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="promote_coupons",
        verbose_name=_("issued by merchant"),
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CouponStatus.choices, default=CouponStatus.AVAILABLE
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        constraints = [
            models.CheckConstraint(
                condition=Q(coins__gt=0),
                name="promote_coupon_coins_positive",
                violation_error_message=_("A coupon is worth at least one coin."),
            ),
            models.CheckConstraint(
                condition=Q(valid_from__lt=F("valid_until")),
                name="promote_coupon_validity",
                violation_error_message=_("A coupon's validity ends after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(issued_by_merchant__isnull=True) | Q(user__isnull=False),
                name="promote_coupon_merchant_issues_to_a_consumer",
                violation_error_message=_("A merchant's coupon is for one consumer: choose who."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("Coupon %(code)s (%(coins)s)") % {
            "code": self.code,
            "coins": money_text(self.coins, COIN),
        }


class OrderStatus(models.TextChoices):
    IN_REVIEW = "IN_REVIEW", _("in review")
    ACTIVE = "ACTIVE", pgettext_lazy("promotion status", "active")
    COMPLETED = "COMPLETED", _("completed (unspent coins being returned)")
    SETTLED = "SETTLED", _("settled")
    REJECTED = "REJECTED", _("rejected")
    CANCELLED = "CANCELLED", _("cancelled")


OPEN_STATUSES = (OrderStatus.IN_REVIEW, OrderStatus.ACTIVE)
RELEASED_STATUSES = (OrderStatus.CANCELLED, OrderStatus.REJECTED)  # the whole budget went back
CLOSED_STATUSES = (OrderStatus.SETTLED, *RELEASED_STATUSES)
POST_LABEL = "TikTok video "  # an order's stored label of a TikTok post: this and the video id
LIVE_LABEL = "LIVE room of @"  # a LIVE order's stored label: this and the TikTok username
ERASED_LABEL = "deleted person's content"  # its label once the person is erased


class RejectReason(models.TextChoices):
    CONTENT_POLICY = "CONTENT_POLICY", _("The content breaks the advertising policies")
    MUSIC_NOT_COMMERCIAL = "MUSIC_NOT_COMMERCIAL", _("The music is not licensed commercial music")
    MISLEADING = "MISLEADING", _("The content or the website is misleading")
    LOW_QUALITY = "LOW_QUALITY", _("The video quality is too low to promote")
    PRODUCT_NOT_ALLOWED = "PRODUCT_NOT_ALLOWED", _("The product can't be advertised")


class PromoteOrder(models.Model):
    """A promotion order: a budget in coins spent over 1-30 days on one piece of content: a video
    (a consumer's TikTok post or a merchant's library video) for the kinds VIDEO and
    VIDEO_ANCHOR, a LIVE room (a TikTok account going live, named by ``content_label``; no post,
    no video) for the kind LIVE."""

    wallet = models.ForeignKey(
        CoinWallet, on_delete=models.PROTECT, related_name="orders", verbose_name=_("wallet")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    goal = models.CharField(_("goal"), max_length=16, choices=Goal.choices)
    tracked_post = models.ForeignKey(
        "social.TrackedPost",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("TikTok post"),
    )
    video = models.ForeignKey(
        "campaigns.Video",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("video"),
    )
    content_label = models.CharField(_("content"), max_length=200)
    commercial_music_declared = models.BooleanField(_("commercial music declared"), default=False)
    audience_automatic = models.BooleanField(_("automatic audience"), default=True)
    country = models.CharField(
        _("country"), max_length=2, blank=True, help_text=_("Blank with an automatic audience.")
    )
    age_min = models.PositiveSmallIntegerField(_("youngest age"), default=18)
    age_max = models.PositiveSmallIntegerField(_("oldest age"), default=65)
    budget_coins = models.PositiveBigIntegerField(_("budget (coins)"))
    duration_days = models.PositiveSmallIntegerField(_("duration (days)"))
    coupon = models.ForeignKey(
        Coupon,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("coupon"),
    )
    coupon_coins = models.PositiveBigIntegerField(_("coupon (coins)"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.IN_REVIEW
    )
    reject_reason = models.CharField(
        _("reject reason"), max_length=24, choices=RejectReason.choices, blank=True
    )
    submissions = models.PositiveSmallIntegerField(_("submissions"), default=1)
    consumed_coins = models.PositiveBigIntegerField(_("spent coins"), default=0)
    refunded_coins = models.PositiveBigIntegerField(_("returned coins"), default=0)
    forfeited_coupon_coins = models.PositiveBigIntegerField(_("forfeited coupon coins"), default=0)
    impressions = models.PositiveBigIntegerField(_("impressions"), default=0)
    results = models.PositiveBigIntegerField(
        _("results"), default=0, help_text=_("Of the goal: views, visits, follows...")
    )
    delivered_until = models.DateTimeField(
        _("delivered until"), null=True, blank=True, help_text=_("Ticks are recorded up to here.")
    )
    spark_auth_code = models.CharField(
        _("Spark Ads authorization code"),
        max_length=200,
        blank=True,
        help_text=_("The Spark Ads authorization code of the post (TikTok delivery)."),
    )
    external_ids = models.JSONField(
        _("delivery provider's ids"),
        default=dict,
        blank=True,
        help_text=_("The delivery provider's ids, once launched."),
    )
    created_at = models.DateTimeField(_("created at"))
    reviewed_at = models.DateTimeField(pgettext_lazy("promotion order", "reviewed at"), null=True, blank=True)
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    # The order form's one-time key: the same form sent twice (a double click, a second tab, the
    # back button and Pay again) places one order.
    request_key = models.UUIDField(_("request key"), null=True, blank=True, editable=False)
    # What was ordered with that key (``services.order_request_fingerprint``): the same key back
    # with another order (Back, changed, Pay again) is told, not taken to this order.
    request_fingerprint = models.CharField(
        _("request fingerprint"), max_length=64, blank=True, default="", editable=False
    )

    class Meta:
        verbose_name = _("promotion order")
        verbose_name_plural = _("promotion orders")
        indexes = [models.Index(fields=["status", "ends_at"], name="promote_order_status_ends")]
        constraints = [
            models.UniqueConstraint(
                fields=["wallet", "request_key"],
                condition=Q(request_key__isnull=False),
                name="promote_order_one_per_request",
                violation_error_message=_("This promotion was already placed with this form."),
            ),
            models.CheckConstraint(
                condition=Q(budget_coins__gt=0),
                name="promote_order_budget_positive",
                violation_error_message=_("The budget is at least one coin."),
            ),
            models.CheckConstraint(
                condition=Q(duration_days__gte=1) & Q(duration_days__lte=30),
                name="promote_order_duration",
                violation_error_message=_("A promotion runs 1 to 30 days."),
            ),
            models.CheckConstraint(
                condition=Q(coupon_coins=0) | Q(coupon_coins__lt=F("budget_coins")),
                name="promote_order_costs_more_than_coupon",
                violation_error_message=_("A coupon applies only to an order that costs more than it."),
            ),
            models.CheckConstraint(
                condition=Q(consumed_coins__lte=F("budget_coins")),
                name="promote_order_spend_within_budget",
                violation_error_message=_("A promotion never spends more than its budget."),
            ),
            models.CheckConstraint(
                condition=~Q(status="SETTLED")
                | Q(budget_coins=F("consumed_coins") + F("refunded_coins") + F("forfeited_coupon_coins")),
                name="promote_order_settlement_adds_up",
                violation_error_message=_(
                    "A settled promotion's spent, returned and forfeited coins add up to its budget."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status="REJECTED", reject_reason__gt="")
                | (~Q(status="REJECTED") & Q(reject_reason="")),
                name="promote_order_rejected_has_reason",
                violation_error_message=_("A rejected promotion has a reason, and only a rejected one."),
            ),
            models.CheckConstraint(
                condition=(Q(kind="LIVE") & Q(tracked_post__isnull=True) & Q(video__isnull=True))
                | (
                    ~Q(kind="LIVE")
                    & (
                        (Q(tracked_post__isnull=False) & Q(video__isnull=True))
                        | (Q(tracked_post__isnull=True) & Q(video__isnull=False))
                    )
                ),
                name="promote_order_content_fits_kind",
                violation_error_message=_(
                    "A LIVE promotion is of a LIVE room (no post, no video); any other is of one post or "
                    "one library video."
                ),
            ),
            models.CheckConstraint(
                condition=Q(age_min__gte=18) & Q(age_min__lte=F("age_max")),
                name="promote_order_age_range",
                violation_error_message=_("The audience's ages start at 18 and go up."),
            ),
            models.CheckConstraint(
                condition=Q(submissions__lte=2),
                name="promote_order_one_resubmission",
                violation_error_message=_("A rejected promotion can be resubmitted once."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("Promotion #%(number)s: %(content)s") % {
            "number": self.pk,
            "content": self.content_text,
        }

    @property
    def paid_coins(self) -> int:
        return self.budget_coins - self.coupon_coins

    @property
    def live_account(self) -> str:
        """The TikTok username whose LIVE room a LIVE order promotes ("" for a video's order, or
        once the person is erased)."""
        if self.kind == Kind.LIVE and self.content_label.startswith(LIVE_LABEL):
            return self.content_label.removeprefix(LIVE_LABEL)
        return ""

    @property
    def content_text(self) -> str:
        """What is promoted, in the reader's language: ``content_label`` is stored in English for
        a TikTok post (``POST_LABEL`` and its video id), a LIVE room (``LIVE_LABEL`` and the
        account's username) and after an erasure (``ERASED_LABEL``); a library video is named by
        its title as the merchant wrote it in that language (``Video.title_in``; prefetch
        ``video__texts``)."""
        if self.content_label == ERASED_LABEL:
            return gettext("deleted person's content")
        if self.kind == Kind.LIVE and self.tracked_post_id is None and self.video_id is None:
            if self.live_account:
                return gettext("LIVE room of @%(account)s") % {"account": self.live_account}
            return gettext("LIVE room")
        if self.tracked_post_id and self.content_label.startswith(POST_LABEL):
            return gettext("TikTok video %(video)s") % {"video": self.content_label.removeprefix(POST_LABEL)}
        if self.video_id is not None:
            return self.video.title_in(translation.get_language())
        return self.content_label

    @property
    def remaining_coins(self) -> int:
        """What the order still holds: nothing once closed (a settled order's unspent coins went
        back, a cancelled or rejected order's whole budget did)."""
        if self.status in CLOSED_STATUSES:
            return 0
        return self.budget_coins - self.consumed_coins

    @property
    def returned_coins(self) -> int:
        """The coins that came back to the holder's balance: a settled order's unspent paid coins, a
        cancelled or rejected order's paid coins (its coupon's went back on the coupon)."""
        if self.status == OrderStatus.SETTLED:
            return self.refunded_coins
        if self.status in RELEASED_STATUSES:
            return self.paid_coins
        return 0

    @property
    def cost_per_result(self) -> Decimal | None:
        if not self.results:
            return None
        return (Decimal(self.consumed_coins) / Decimal(self.results)).quantize(Decimal("0.01"))


class DeliveryTick(models.Model):
    """What one hour of delivery spent and brought (integers)."""

    order = models.ForeignKey(
        PromoteOrder, on_delete=models.CASCADE, related_name="ticks", verbose_name=_("order")
    )
    hour = models.DateTimeField(_("hour"), help_text=_("The start of the hour."))
    spent_coins = models.PositiveBigIntegerField(_("spent coins"))
    impressions = models.PositiveBigIntegerField(_("impressions"))
    views = models.PositiveBigIntegerField(_("views"))
    clicks = models.PositiveBigIntegerField(_("clicks"))
    follows = models.PositiveBigIntegerField(_("follows"))
    product_clicks = models.PositiveBigIntegerField(_("product clicks"))
    live_viewers = models.PositiveBigIntegerField(_("live viewers"))

    class Meta:
        verbose_name = _("delivery hour")
        verbose_name_plural = _("delivery hours")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "hour"],
                name="promote_tick_one_per_hour",
                violation_error_message=_("That hour of the promotion is already recorded."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id} @ {self.hour:%Y-%m-%d %H:00}"


class CheckoutStatus(models.TextChoices):
    OPEN = "OPEN", _("open (waiting for the card payment)")
    PAID = "PAID", _("paid (coins credited)")


class CardCheckout(models.Model):
    """A card purchase of coins through Stripe Checkout: credited once, when Stripe's signed
    ``checkout.session.completed`` arrives (however many times it arrives)."""

    wallet = models.ForeignKey(
        CoinWallet, on_delete=models.PROTECT, related_name="card_checkouts", verbose_name=_("wallet")
    )
    coins = models.PositiveBigIntegerField(_("coins"))
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    session_id = models.CharField(_("Stripe session"), max_length=255, unique=True, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN
    )
    purchase = models.OneToOneField(
        CoinPurchase,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="card_checkout",
        verbose_name=_("purchase"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("actor")
    )
    created_at = models.DateTimeField(_("created at"))
    paid_at = models.DateTimeField(pgettext_lazy("card checkout", "paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("card checkout")
        verbose_name_plural = _("card checkouts")
        constraints = [
            models.CheckConstraint(
                condition=Q(coins__gt=0),
                name="promote_cardcheckout_coins_positive",
                violation_error_message=_("A card purchase is at least one coin."),
            ),
            models.CheckConstraint(
                condition=(Q(status="PAID") & Q(purchase__isnull=False))
                | (Q(status="OPEN") & Q(purchase__isnull=True)),
                name="promote_cardcheckout_paid_has_purchase",
                violation_error_message=_("A paid card checkout has its purchase, and an open one none."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("Card checkout %(session)s: %(coins)s") % {
            "session": self.session_id or self.pk,
            "coins": money_text(self.coins, COIN),
        }


class AuthorizationStatus(models.TextChoices):
    REQUESTED = "REQUESTED", _("asked, waiting for the consumer")
    GRANTED = "GRANTED", _("granted")
    DECLINED = "DECLINED", _("declined")


class ShareAuthorization(models.Model):
    """A merchant's request to promote a consumer's verified share of its video, and the answer."""

    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.CASCADE,
        related_name="share_authorizations",
        verbose_name=_("merchant"),
    )
    tracked_post = models.ForeignKey(
        "social.TrackedPost", on_delete=models.CASCADE, related_name="+", verbose_name=_("tracked post")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AuthorizationStatus.choices, default=AuthorizationStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("request to promote a share")
        verbose_name_plural = _("requests to promote a share")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "tracked_post"],
                name="promote_shareauth_one_per_post",
                violation_error_message=_("The brand already asked about this post."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(merchant)s may promote %(post)s: %(status)s") % {
            "merchant": self.merchant,
            "post": self.tracked_post,
            "status": self.get_status_display(),
        }
