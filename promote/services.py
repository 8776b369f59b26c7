"""Every write of Promote: coins bought and withdrawn, orders placed, reviewed, delivered, settled.

Ledger accounts (docs/promote.md):

- the holder's ``PROMOTE_COINS`` (coins) and ``PROMOTE_COIN_FUNDS`` (the money paid for the coins
  not yet spent); the platform's ``PROMOTE_COINS_ISSUED`` and ``PROMOTE_COUPONS`` (coins, may go
  negative: minus what is in circulation), ``PROMOTE_ESCROW`` per order, ``PROMOTE_DELIVERED``
  (coins) and ``PROMOTE_REVENUE`` (money).
- A purchase is one transaction: money from the wallet to the funds, coins issued to the balance.
- Placing an order moves its budget into its escrow (paid coins, and the coupon's coins).
- Delivery is recorded hour by hour on the order (``DeliveryTick``); settlement moves the escrow
  once: consumed to delivered, the unspent paid coins back to the balance, the unspent coupon
  coins back to the coupon account (forfeited), and the money of the paid coins consumed from
  the funds to revenue.

Locks, always in this order: the holder's ``CoinWallet`` row, then the order, then the coupon;
the ledger accounts last, inside ``wallets.post``. Delivery locks only orders.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_UP, Decimal
from urllib.parse import urlparse

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.translation import gettext, ngettext
from moneyed import Money

from accounts.models import User
from campaigns.models import ActionType, Video
from cards import stripe
from core.birth_dates import age_on, birth_date_is_real, birth_date_unreal_text
from core.db import retry_on_conflict
from core.errors import DomainError
from core.i18n import collation_key, country_name, moment_text, recipient_locale
from core.tasks import mail_after_commit
from merchants.models import Consent, Merchant
from promote.delivery import GOAL_FIELD, DeliveryProvider, OrderPlan, Simulator
from promote.models import (
    ERASED_LABEL,
    LIVE_LABEL,
    OPEN_STATUSES,
    POST_LABEL,
    AuthorizationStatus,
    CardCheckout,
    CheckoutStatus,
    CoinPrice,
    CoinPurchase,
    CoinWallet,
    CoinWithdrawal,
    Coupon,
    CouponStatus,
    DeliveryTick,
    Goal,
    Kind,
    KindGoal,
    LaunchedCountry,
    OrderStatus,
    PromoteOrder,
    PurchaseSource,
    RejectReason,
    ShareAuthorization,
)
from promote.tiktok_ads import Launch, TikTokAds
from social.models import TikTokProfile, TrackedPost
from wallets.formats import currency_name, money_text, names_text, number_text
from wallets.models import PLATFORM, Account, Purpose, partition_key
from wallets.money import COIN, round_down
from wallets.services import InsufficientFunds, Posting, account_for, accounts_for, balance, post, post_many
from webhooks.services import Event, event_record, events_record

MINIMUM_AGE = 18
# The ages an automatic audience stands for (stored with it; the order form refuses others with it).
AUTOMATIC_AGES = (MINIMUM_AGE, 65)
MAX_DURATION_DAYS = 30
# A purchase from a TikJoy wallet this soon after another one on the same coin wallet is made only
# once the person confirms it (``RepeatPurchase``): the back button or a second tab shows the buy
# form again with a new request key, and would otherwise buy the same coins twice.
REPEAT_PURCHASE_WINDOW = timedelta(minutes=10)


class PromoteError(DomainError):
    """A Promote request that can't be done as asked (the message says why)."""


class NotEligible(PromoteError):
    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__(gettext("This can't be promoted: %(reasons)s") % {"reasons": " ".join(reasons)})


class OrderFormUsed(PromoteError):
    """The order form's one-time key already placed another order (``order``): the form was sent
    back, changed and paid again. Nothing was placed or spent."""

    def __init__(self, order: PromoteOrder):
        self.order = order
        super().__init__(
            gettext("This form was already used for promotion #%(number)s.") % {"number": order.pk}
        )


class WithdrawalBlocked(PromoteError):
    def __init__(self, orders: list[PromoteOrder]):
        self.orders = orders
        listed = ", ".join(f"#{o.pk} ({o.get_status_display()})" for o in orders)
        super().__init__(
            gettext(
                "Coins can be withdrawn once no promotion is in review or active. In the way: %(orders)s."
            )
            % {"orders": listed}
        )


def minutes_ago_text(moment: datetime, *, now: datetime) -> str:
    """How long before ``now`` ``moment`` was, in whole minutes ("3 minutes ago"), in the active language."""
    minutes = int((now - moment).total_seconds() // 60)
    if minutes < 1:
        return gettext("less than a minute ago")
    return ngettext("%(count)s minute ago", "%(count)s minutes ago", minutes) % {
        "count": number_text(minutes)
    }


class RepeatPurchase(PromoteError):
    """Coins bought from a TikJoy wallet within ``REPEAT_PURCHASE_WINDOW`` of another purchase on
    the same coin wallet, without ``repeat_confirmed``: ``earlier`` is that purchase (the page asks
    whether to buy again, naming it). The message names it in the active language and time zone."""

    def __init__(self, earlier: CoinPurchase, *, now: datetime):
        self.earlier, self.now = earlier, now
        super().__init__(
            gettext("%(coins)s were bought for %(amount)s at %(at)s, %(ago)s: confirm to buy again.")
            % self.words(coins_count=earlier.coins)
        )

    def words(self, *, coins_count: int) -> dict[str, str]:
        """The earlier purchase in words for a page's question, in the active language and time zone:
        ``coins``, ``amount``, ``at``, ``ago``, and ``another`` (the ``coins_count`` asked for now)."""
        return {
            "coins": money_text(self.earlier.coins, COIN),
            "amount": money_text(self.earlier.amount, self.earlier.currency),
            "at": moment_text(self.earlier.created_at, "TIME_FORMAT"),
            "ago": minutes_ago_text(self.earlier.created_at, now=self.now),
            "another": money_text(coins_count, COIN),
        }


def _paid_in(currency: str) -> str:
    return gettext("The coins are paid in %(currency)s: buy them in %(currency)s.") % {"currency": currency}


def _not_in_review(order: PromoteOrder) -> str:
    return gettext("Promotion #%(number)s is %(status)s, not in review.") % {
        "number": order.pk,
        "status": order.get_status_display(),
    }


def coins(n: int) -> Money:
    return Money(Decimal(int(n)), COIN)


# --- coins -----------------------------------------------------------------------------------


def coin_price(*, coins_count: int, currency: str) -> Money:
    """What ``coins_count`` coins cost in ``currency`` (rounded up to the cent: never below the rate)."""
    price = CoinPrice.objects.filter(currency=currency).first()
    if price is None:
        raise PromoteError(gettext("Coins are not sold in %(currency)s.") % {"currency": currency})
    if coins_count < price.minimum_coins:
        raise PromoteError(
            ngettext(
                "The smallest purchase is %(coins)s coin.",
                "The smallest purchase is %(coins)s coins.",
                price.minimum_coins,
            )
            % {"coins": number_text(price.minimum_coins)}
        )
    amount = (Decimal(coins_count) * price.pack_price / price.pack_coins).quantize(Decimal("0.01"), ROUND_UP)
    return Money(amount, currency)


def _holder_kwargs(holder: User | Merchant) -> dict:
    return {"merchant": holder} if isinstance(holder, Merchant) else {"user": holder}


def _wallet_locked(holder: User | Merchant, *, currency: str | None, now: datetime) -> CoinWallet:
    """The holder's coin wallet, locked (created on first use, in ``currency``)."""
    kwargs = _holder_kwargs(holder)
    wallet = CoinWallet.objects.select_for_update().filter(**kwargs).first()
    if wallet is None:
        if currency is None:
            raise PromoteError(gettext("You have no coins yet: buy some first."))
        try:
            with transaction.atomic():
                CoinWallet.objects.create(currency=currency, created_at=now, **kwargs)
        except IntegrityError:
            pass  # created at the same moment by another request of the same holder
        wallet = CoinWallet.objects.select_for_update().get(**kwargs)
    return wallet


def _wallet_for_purchase(holder: User | Merchant, *, currency: str, now: datetime) -> CoinWallet:
    """The holder's coin wallet, locked, for a purchase in ``currency``: a consumer's wallet whose
    currency no purchase has settled yet (``CoinWallet.currency_is_chosen``) takes ``currency``;
    one in another currency is refused (a holder pays in one currency). Inside the purchase's
    transaction, so a purchase that fails leaves the currency as it was."""
    wallet = _wallet_locked(holder, currency=currency, now=now)
    if wallet.currency != currency:
        if wallet.currency_is_chosen():
            raise PromoteError(_paid_in(wallet.currency))
        wallet.currency = currency
        wallet.save(update_fields=["currency"])
    return wallet


def _money_account_purpose(holder: User | Merchant) -> str:
    return Purpose.MERCHANT_AVAILABLE if isinstance(holder, Merchant) else Purpose.USER_AVAILABLE


def _money_account(holder: User | Merchant, currency: str):
    return account_for(owner=holder, purpose=_money_account_purpose(holder), currency=currency)


def _funds(wallet: CoinWallet):
    return account_for(owner=wallet.holder, purpose=Purpose.PROMOTE_COIN_FUNDS, currency=wallet.currency)


def _coin_account(wallet: CoinWallet):
    return account_for(owner=wallet.holder, purpose=Purpose.PROMOTE_COINS, currency=COIN)


def coin_balance(*, wallet: CoinWallet) -> int:
    return int(balance(_coin_account(wallet)).amount)


def paid_coins_value(*, wallet: CoinWallet, coins_count: int, funds: Money) -> Money:
    """The money ``coins_count`` of the wallet's paid coins stand for, out of ``funds`` (what is on
    its ``PROMOTE_COIN_FUNDS``): their pro rata share of the funds, rounded down; all of it for the
    last ones. The one rule for coins withdrawn (``coins_withdraw``), spent (settlement) and shown
    before either (a closing merchant's or a leaving person's page): coins set aside for coupons or
    in an open order's escrow keep their share of the funds."""
    if coins_count >= wallet.backed_coins:
        return funds
    return round_down(funds.amount * coins_count / wallet.backed_coins, wallet.currency)


@retry_on_conflict
def _short_of(holder: User | Merchant, amount: Money, coins_count: int) -> str:
    """Why the wallet can't pay ``amount``: too little money, or its money is in other currencies
    (a JoyBack in euros asked for dollars), which it names with the way out."""
    held = sorted(
        set(
            Account.objects.owned_by(holder)
            .filter(purpose=_money_account_purpose(holder), balance__gt=0)
            .exclude(currency=amount.currency.code)
            .values_list("currency", flat=True)
        )
    )
    if held and not balance(_money_account(holder, amount.currency.code)):
        return gettext(
            "The TikJoy wallet holds no %(currency)s: its money is in %(held)s. Buy the coins in "
            "%(held)s, or pay by card."
        ) % {
            "currency": currency_name(amount.currency.code),
            "held": names_text(currency_name(c) for c in held),
        }
    return ngettext(
        "The TikJoy wallet doesn't hold %(amount)s: %(coins)s coin costs that.",
        "The TikJoy wallet doesn't hold %(amount)s: %(coins)s coins cost that.",
        coins_count,
    ) % {
        "amount": money_text(amount),
        "coins": number_text(coins_count),
    }


def coins_buy_from_wallet(
    *,
    holder: User | Merchant,
    coins_count: int,
    currency: str,
    actor: User,
    now: datetime,
    request_key: uuid.UUID | None = None,
    repeat_confirmed: bool = False,
) -> CoinPurchase:
    """Buy coins with the holder's TikJoy wallet (a consumer's available JoyBack, a merchant's
    prepaid funds): one ledger transaction moves the money to the coin funds and issues the coins.

    ``request_key``: the buy form's one-time key; a purchase already made with it (the same form
    sent again) is returned as it is, nothing bought twice (looked for under the wallet's lock,
    the unique constraint behind it).

    ``repeat_confirmed``: the person confirmed buying again. Without it, a purchase within
    ``REPEAT_PURCHASE_WINDOW`` of another one on the same coin wallet (a form shown again by the
    back button, a second tab: each with a new key) raises ``RepeatPurchase``; looked for under
    the same lock, so two tabs posting at once are served one after the other."""
    amount = coin_price(coins_count=coins_count, currency=currency)
    with transaction.atomic(durable=True):
        wallet = _wallet_for_purchase(holder, currency=currency, now=now)
        if request_key is not None:
            done = CoinPurchase.objects.filter(wallet=wallet, request_key=request_key).first()
            if done is not None:
                return done
        if under_age(wallet=wallet, today=now.date()):
            raise PromoteError(under_age_text())
        if not repeat_confirmed:
            # Not bounded by ``now`` above: a tab that read the clock first may get the lock second.
            earlier = (
                CoinPurchase.objects.filter(wallet=wallet, created_at__gt=now - REPEAT_PURCHASE_WINDOW)
                .order_by("-created_at", "-pk")
                .first()
            )
            if earlier is not None:
                raise RepeatPurchase(earlier, now=now)
        purchase = CoinPurchase.objects.create(
            wallet=wallet,
            coins=coins_count,
            amount=amount.amount,
            currency=currency,
            source=PurchaseSource.WALLET,
            actor=actor,
            created_at=now,
            request_key=request_key,
        )
        try:
            post(
                entries=[
                    (_money_account(holder, currency), -amount),
                    (_funds(wallet), amount),
                    (
                        account_for(owner=PLATFORM, purpose=Purpose.PROMOTE_COINS_ISSUED, currency=COIN),
                        -coins(coins_count),
                    ),
                    (_coin_account(wallet), coins(coins_count)),
                ],
                kind="PROMOTE_COIN_PURCHASE",
                reason=f"{coins_count} Promote coins bought for {amount}",
                idempotency_key=f"promote:purchase:{purchase.pk}",
                actor=actor,
                subject=purchase,
                now=now,
            )
        except InsufficientFunds as exc:
            raise PromoteError(_short_of(holder, amount, coins_count)) from exc
        CoinWallet.objects.filter(pk=wallet.pk).update(backed_coins=F("backed_coins") + coins_count)
    return purchase


def _open_orders(wallet: CoinWallet) -> list[PromoteOrder]:
    return list(wallet.orders.filter(status__in=OPEN_STATUSES).order_by("pk"))


@retry_on_conflict
def coins_withdraw(
    *, holder: User | Merchant, coins_count: int, actor: User, now: datetime
) -> CoinWithdrawal:
    """Turn coins back into money on the wallet they were paid from, at what was paid for them.

    Refused while an order is in review or active (the refusal lists them). The money is the
    coins' share of the funds (``funds * coins / backed coins``, rounded down; all of it for the
    last coins), so a holder never gets back more than they paid.
    """
    if coins_count <= 0:
        raise PromoteError(gettext("Withdraw at least one coin."))
    with transaction.atomic(durable=True):
        wallet = _wallet_locked(holder, currency=None, now=now)
        in_the_way = _open_orders(wallet)
        if in_the_way:
            raise WithdrawalBlocked(in_the_way)
        held = coin_balance(wallet=wallet)
        if coins_count > held:
            raise PromoteError(
                ngettext("You have %(coins)s coin.", "You have %(coins)s coins.", held)
                % {"coins": number_text(held)}
            )
        funds = _funds(wallet)
        amount = paid_coins_value(wallet=wallet, coins_count=coins_count, funds=balance(funds))
        withdrawal = CoinWithdrawal.objects.create(
            wallet=wallet,
            coins=coins_count,
            amount=amount.amount,
            currency=wallet.currency,
            actor=actor,
            created_at=now,
        )
        entries = [
            (_coin_account(wallet), -coins(coins_count)),
            (
                account_for(owner=PLATFORM, purpose=Purpose.PROMOTE_COINS_ISSUED, currency=COIN),
                coins(coins_count),
            ),
        ]
        if amount.amount > 0:
            entries += [(funds, -amount), (_money_account(holder, wallet.currency), amount)]
        post(
            entries=entries,
            kind="PROMOTE_COIN_WITHDRAWAL",
            reason=f"{coins_count} Promote coins withdrawn for {amount}",
            idempotency_key=f"promote:withdrawal:{withdrawal.pk}",
            actor=actor,
            subject=withdrawal,
            now=now,
        )
        CoinWallet.objects.filter(pk=wallet.pk).update(backed_coins=F("backed_coins") - coins_count)
    return withdrawal


def under_age(*, wallet: CoinWallet | None, today: date) -> bool:
    """Whether the wallet's holder declared a birth date under ``MINIMUM_AGE`` (the one place of
    the age rule): they may neither buy coins nor promote, only withdraw the coins they hold."""
    return bool(
        wallet is not None
        and wallet.user_id
        and wallet.birth_date is not None
        and age_on(wallet.birth_date, today) < MINIMUM_AGE
    )


def under_age_text() -> str:
    return gettext("Promote is for people 18 or older: you can't buy coins or promote a post.")


def birth_date_wrong_text() -> str:
    return gettext("If your birth date is wrong, contact support: it can't be changed here.")


def birth_date_declare(
    *, user: User, birth_date: date, now: datetime, currency: str | None = None
) -> CoinWallet:
    """A consumer declares their birth date (Promote is for people 18 or older), once: a second
    declaration would let someone under 18 type another date, so a wrong one is support's. Asked
    before the first purchase: the coin wallet that keeps it is then opened in ``currency``, the one
    the person chose to pay in."""
    if not birth_date_is_real(birth_date, today=now.date()):
        raise PromoteError(birth_date_unreal_text())
    with transaction.atomic(durable=True):
        wallet = CoinWallet.objects.select_for_update().filter(user=user).first()
        if wallet is None:
            if currency is None:
                raise PromoteError(gettext("Buy coins first: your birth date is kept with your coins."))
            wallet = _wallet_locked(user, currency=currency, now=now)
        if wallet.birth_date is not None:
            raise PromoteError(gettext("Your birth date is already saved.") + " " + birth_date_wrong_text())
        wallet.birth_date = birth_date
        wallet.save(update_fields=["birth_date"])
    return wallet


def birth_date_forget(*, wallet_id: int, now: datetime) -> CoinWallet:
    """Ops forget a consumer's declared birth date once support has checked it was wrong (the
    person wrote in, as the Promote page tells them to): the person gives it again with their next
    purchase, under the same rule (``under_age``). The admin's history keeps who did it and why."""
    with transaction.atomic(durable=True):
        wallet = CoinWallet.objects.select_for_update().filter(pk=wallet_id, user__isnull=False).first()
        if wallet is None or wallet.birth_date is None:
            raise PromoteError(gettext("No birth date is declared on this coin wallet."))
        wallet.birth_date = None
        wallet.save(update_fields=["birth_date"])
    return wallet


def card_checkout_start(
    *,
    holder: User | Merchant,
    coins_count: int,
    currency: str,
    actor: User,
    success_url: str,
    cancel_url: str,
    now: datetime,
) -> str:
    """Open a Stripe Checkout for ``coins_count`` coins; returns the URL where the person pays.

    Stripe is asked first (with a fresh reference, outside any transaction); the checkout is
    recorded only once the session exists, so a Stripe that can't be reached leaves nothing
    behind. Nothing is credited until Stripe's signed ``checkout.session.completed`` arrives."""
    amount = coin_price(coins_count=coins_count, currency=currency)
    wallet = CoinWallet.objects.filter(**_holder_kwargs(holder)).first()
    if under_age(wallet=wallet, today=now.date()):
        raise PromoteError(under_age_text())
    if wallet is not None and wallet.currency != currency and wallet.currency_is_chosen():
        raise PromoteError(_paid_in(wallet.currency))
    reference = uuid.uuid4().hex
    session = stripe.checkout_session_create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": stripe.minor_units(amount.amount),
                        # In the buyer's language, as Stripe's page shows it to them: "TikJoy Promote: 1.000 Coins".
                        "product_data": {
                            "name": gettext("TikJoy Promote: %(coins)s")
                            % {"coins": money_text(coins_count, COIN)}
                        },
                    },
                }
            ],
            "client_reference_id": reference,
            "metadata": {"tikjoy_checkout": reference},
            "success_url": success_url,
            "cancel_url": cancel_url,
        },
        idempotency_key=f"tikjoy-checkout-{reference}",
    )
    session_id, url = session.id, session.url
    with transaction.atomic(durable=True):
        wallet = _wallet_for_purchase(holder, currency=currency, now=now)
        CardCheckout.objects.create(
            wallet=wallet,
            coins=coins_count,
            amount=amount.amount,
            currency=currency,
            session_id=session_id,
            actor=actor,
            created_at=now,
        )
    return url


def card_checkout_stripe_event(*, event: dict, now: datetime, **_signal) -> bool:
    """``cards.signals.stripe_event``: a ``checkout.session.completed`` of one of Promote's card
    checkouts (found by its session id) credits its coins once; ``True`` when the event was Promote's."""
    session = stripe.event_object(event)
    if event.get("type") != "checkout.session.completed" or session is None:
        return False
    if not CardCheckout.objects.filter(session_id=str(session.get("id", ""))).exists():
        return False
    card_checkout_complete(event=event, now=now)
    return True


def card_checkout_complete(*, event: dict, now: datetime) -> CoinPurchase | None:
    """Apply a verified ``checkout.session.completed`` event once: the money reaches the bank
    (``PLATFORM_BANK`` -> the holder's coin funds) and the coins are issued, in one transaction.
    A repeated delivery changes nothing; an event for an unknown session or another amount is
    refused."""
    if event.get("type") != "checkout.session.completed":
        return None
    session = event["data"].get("object")
    if not isinstance(session, dict) or session.get("payment_status") != "paid":
        return None
    with transaction.atomic(durable=True):
        checkout = (
            CardCheckout.objects.select_for_update().filter(session_id=str(session.get("id", ""))).first()
        )
        if checkout is None:
            raise PromoteError(gettext("Unknown checkout session."))
        if checkout.status == CheckoutStatus.PAID:
            return checkout.purchase
        if (
            session.get("amount_total") != stripe.minor_units(checkout.amount)
            or str(session.get("currency", "")).upper() != checkout.currency
        ):
            raise PromoteError(gettext("The paid amount is not the checkout's amount."))
        wallet = CoinWallet.objects.select_for_update().get(pk=checkout.wallet_id)
        purchase = CoinPurchase.objects.create(
            wallet=wallet,
            coins=checkout.coins,
            amount=checkout.amount,
            currency=checkout.currency,
            source=PurchaseSource.CARD,
            actor=checkout.actor,
            created_at=now,
        )
        amount = Money(checkout.amount, checkout.currency)
        post(
            entries=[
                (
                    account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency=checkout.currency),
                    -amount,
                ),
                (_funds(wallet), amount),
                (
                    account_for(owner=PLATFORM, purpose=Purpose.PROMOTE_COINS_ISSUED, currency=COIN),
                    -coins(checkout.coins),
                ),
                (_coin_account(wallet), coins(checkout.coins)),
            ],
            kind="PROMOTE_COIN_PURCHASE",
            reason=f"{checkout.coins} Promote coins bought by card for {amount} (Stripe {checkout.session_id})",
            idempotency_key=f"promote:card:{checkout.session_id}",
            actor=checkout.actor,
            subject=purchase,
            now=now,
        )
        CoinWallet.objects.filter(pk=wallet.pk).update(backed_coins=F("backed_coins") + checkout.coins)
        checkout.status = CheckoutStatus.PAID
        checkout.purchase = purchase
        checkout.paid_at = now
        checkout.save(update_fields=["status", "purchase", "paid_at"])
    return purchase


# --- a merchant promoting a consumer's share ------------------------------------------------


def shares_promotable(*, merchant: Merchant):
    """The consumers' verified shares of the merchant's videos (the engine recognised them), still public."""
    return TrackedPost.objects.filter(
        social_actions__merchant=merchant,
        social_actions__action_type=ActionType.SHARE_VIDEO,
        status=TrackedPost.Status.ACTIVE,
    ).distinct()


def share_authorization_request(
    *, merchant: Merchant, tracked_post_id: int, actor: User, now: datetime
) -> ShareAuthorization:
    """Ask the consumer whether the merchant may promote their share; they are told and answer
    on their Promote page. Asking again changes nothing."""
    post_obj = shares_promotable(merchant=merchant).filter(pk=tracked_post_id).first()
    if post_obj is None:
        raise PromoteError(gettext("That is not a verified, public share of one of your videos."))
    with transaction.atomic(durable=True):
        authorization, created = ShareAuthorization.objects.get_or_create(
            merchant=merchant,
            tracked_post=post_obj,
            defaults={"requested_by": actor, "requested_at": now},
        )
        if created:
            with recipient_locale(post_obj.user, brand=merchant):
                mail_after_commit(
                    subject=gettext("%(brand)s would like to promote your TikTok post")
                    % {"brand": merchant.brand_name},
                    message=gettext(
                        "%(brand)s asks to promote your share (TikTok video %(video)s) with its own coins. "
                        "Say yes or no on your Promote page; if you agree you see the results there."
                    )
                    % {"brand": merchant.brand_name, "video": post_obj.video_id},
                    recipient_list=[post_obj.user.email or ""],
                )
    return authorization


def share_authorization_decide(
    *, authorization_id: int, user: User, grant: bool, now: datetime
) -> ShareAuthorization:
    """The consumer grants or declines (only their own posts; a decision can be changed until an
    order uses it)."""
    with transaction.atomic(durable=True):
        authorization = (
            ShareAuthorization.objects.select_for_update()
            .filter(pk=authorization_id, tracked_post__user=user)
            .select_related("tracked_post")
            .first()
        )
        if authorization is None:
            raise PromoteError(gettext("No such request for one of your posts."))
        if (
            not grant
            and PromoteOrder.objects.filter(
                tracked_post=authorization.tracked_post, wallet__merchant=authorization.merchant
            ).exists()
        ):
            raise PromoteError(gettext("The brand already promoted this post with your agreement."))
        authorization.status = AuthorizationStatus.GRANTED if grant else AuthorizationStatus.DECLINED
        authorization.decided_at = now
        authorization.save(update_fields=["status", "decided_at"])
    return authorization


# --- coupons ---------------------------------------------------------------------------------


def _coupon_reserve(coupon: Coupon):
    """A merchant's coupon: the merchant's coins set aside for it, held by the platform in escrow
    (``PROMOTE_ESCROW`` partitioned by the coupon, as an order's budget is partitioned by the
    order), until an order uses them or the coupon ends."""
    return account_for(owner=PLATFORM, purpose=Purpose.PROMOTE_ESCROW, currency=COIN, partition=coupon)


def _coupon_source(coupon: Coupon):
    """Where a coupon's coins come from: the platform's coupon account (ops), or the issuing
    merchant's reserve for it (the merchant pays for its coupons)."""
    return _coupon_reserve(coupon) if coupon.issued_by_merchant_id else _coupons_account()


def coupon_issue(
    *,
    code: str,
    coins_count: int,
    valid_from: datetime,
    valid_until: datetime,
    actor: User,
    now: datetime,
    kind: str = "",
    user: User | None = None,
    merchant: Merchant | None = None,
) -> Coupon:
    """Issue a coupon: by ops (``merchant`` None; the platform pays for it), or by a merchant to one
    of its consumers (someone with an active consent to the brand). A merchant's coupon is paid
    from its coins: they move to a reserve for the coupon in the same transaction, and come back
    when the coupon expires or is withdrawn unused, or when an order leaves part of it unspent."""
    code = code.strip().upper()
    if not code or len(code) > 32 or not code.replace("-", "").isalnum():
        raise PromoteError(gettext("A coupon code is 1 to 32 letters, digits or dashes."))
    if coins_count <= 0:
        raise PromoteError(gettext("A coupon is worth at least one coin."))
    if valid_from >= valid_until:
        raise PromoteError(gettext("A coupon's validity ends after it starts."))
    if kind and kind not in Kind.values:
        raise PromoteError(gettext("Unknown kind of promotion."))
    if merchant is not None:
        if user is None:
            raise PromoteError(gettext("A merchant issues a coupon to one of its consumers: choose who."))
        if valid_until <= now:
            raise PromoteError(gettext("The coupon's validity is already over: choose a later end."))
        if not Consent.objects.active().filter(user=user, merchant=merchant).exists():
            raise PromoteError(
                gettext(
                    "A coupon goes to one of your consumers: someone who agreed to share with your brand."
                )
            )
    try:
        return _coupon_create(
            code=code,
            coins_count=coins_count,
            valid_from=valid_from,
            valid_until=valid_until,
            actor=actor,
            now=now,
            kind=kind,
            user=user,
            merchant=merchant,
        )
    except IntegrityError as exc:
        raise PromoteError(gettext("The coupon code %(code)s is taken.") % {"code": code}) from exc


@retry_on_conflict
def _coupon_create(
    *,
    code: str,
    coins_count: int,
    valid_from: datetime,
    valid_until: datetime,
    actor: User,
    now: datetime,
    kind: str,
    user: User | None,
    merchant: Merchant | None,
) -> Coupon:
    with transaction.atomic(durable=True):
        wallet = _wallet_locked(merchant, currency=None, now=now) if merchant is not None else None
        coupon = Coupon.objects.create(
            code=code,
            coins=coins_count,
            valid_from=valid_from,
            valid_until=valid_until,
            kind=kind,
            user=user,
            issued_by_merchant=merchant,
            issued_by=actor,
            created_at=now,
        )
        if merchant is None:
            return coupon
        try:
            post(
                entries=[
                    (_coin_account(wallet), -coins(coins_count)),
                    (_coupon_reserve(coupon), coins(coins_count)),
                ],
                kind="PROMOTE_COUPON_ISSUE",
                reason=f"Coupon {code} of {coins_count} coins given to a consumer: coins set aside",
                idempotency_key=f"promote:coupon:{coupon.pk}:issue",
                actor=actor,
                subject=coupon,
                now=now,
            )
        except InsufficientFunds as exc:
            raise PromoteError(
                ngettext(
                    "Your brand has %(balance)s, too few for a coupon of %(coins)s coin: a coupon's coins "
                    "are set aside from your brand's. Buy more coins or give a smaller coupon.",
                    "Your brand has %(balance)s, too few for a coupon of %(coins)s coins: a coupon's coins "
                    "are set aside from your brand's. Buy more coins or give a smaller coupon.",
                    coins_count,
                )
                % {
                    "balance": money_text(coin_balance(wallet=wallet), COIN),
                    "coins": number_text(coins_count),
                }
            ) from exc
        with recipient_locale(user, brand=merchant):
            mail_after_commit(
                subject=gettext("%(brand)s gave you a Promote coupon") % {"brand": merchant.brand_name},
                message=ngettext(
                    "%(brand)s gave you coupon %(code)s: %(coins)s coin off a promotion of one of your TikTok posts "
                    "that costs more than that, valid until %(until)s. It is on your Promote page.",
                    "%(brand)s gave you coupon %(code)s: %(coins)s coins off a promotion of one of your TikTok posts "
                    "that costs more than that, valid until %(until)s. It is on your Promote page.",
                    coins_count,
                )
                % {
                    "brand": merchant.brand_name,
                    "code": code,
                    "coins": number_text(coins_count),
                    # In the person's time zone (recipient_locale), and its name said.
                    "until": moment_text(valid_until),
                },
                recipient_list=[user.email] if user.email else [],
            )
    return coupon


def _coupon_return(
    coupon: Coupon, wallet: CoinWallet, *, status: str, actor: User | None, now: datetime, why: str
) -> None:
    """An unused merchant coupon ends: its reserved coins go back to the merchant's coins."""
    post(
        entries=[
            (_coupon_reserve(coupon), -coins(coupon.coins)),
            (_coin_account(wallet), coins(coupon.coins)),
        ],
        kind="PROMOTE_COUPON_RETURN",
        reason=f"Coupon {coupon.code} {why}: {coupon.coins} coins back",
        idempotency_key=f"promote:coupon:{coupon.pk}:return",
        actor=actor,
        subject=coupon,
        now=now,
    )
    coupon.status = status
    coupon.save(update_fields=["status"])


@retry_on_conflict
def coupon_revoke(*, coupon_id: int, merchant: Merchant, actor: User, now: datetime) -> Coupon:
    """A merchant withdraws one of its coupons that no order is using: the coins come back."""
    with transaction.atomic(durable=True):
        wallet = _wallet_locked(merchant, currency=None, now=now)
        coupon = Coupon.objects.select_for_update().filter(pk=coupon_id, issued_by_merchant=merchant).first()
        if coupon is None:
            raise PromoteError(gettext("No such coupon of your brand."))
        if coupon.status != CouponStatus.AVAILABLE:
            raise PromoteError(
                gettext("Coupon %(code)s is %(status)s: it can't be withdrawn.")
                % {"code": coupon.code, "status": coupon.get_status_display()}
            )
        _coupon_return(
            coupon, wallet, status=CouponStatus.REVOKED, actor=actor, now=now, why="withdrawn by the brand"
        )
    return coupon


def coupons_expire(*, now: datetime) -> int:
    """Merchant coupons whose validity is over and that no order holds: their coins go back to the
    merchant (the schedule runs this with delivery). Returns how many ended."""
    ended = 0
    due = list(
        Coupon.objects.filter(
            issued_by_merchant__isnull=False, status=CouponStatus.AVAILABLE, valid_until__lte=now
        ).values_list("pk", "issued_by_merchant_id")
    )
    for coupon_id, merchant_id in due:
        ended += retry_on_conflict(_coupon_expire)(coupon_id=coupon_id, merchant_id=merchant_id, now=now)
    return ended


def _coupon_expire(*, coupon_id: int, merchant_id: int, now: datetime) -> int:
    with transaction.atomic(durable=True):
        wallet = CoinWallet.objects.select_for_update().get(merchant_id=merchant_id)
        coupon = Coupon.objects.select_for_update().get(pk=coupon_id)
        if coupon.status != CouponStatus.AVAILABLE or coupon.valid_until > now:
            return 0
        _coupon_return(coupon, wallet, status=CouponStatus.EXPIRED, actor=None, now=now, why="expired unused")
    return 1


# --- orders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderRequest:
    kind: str
    goal: str
    budget_coins: int
    duration_days: int
    commercial_music_declared: bool
    audience_automatic: bool = True
    country: str = ""
    age_min: int = 18
    age_max: int = 65
    tracked_post_id: int | None = None
    video_id: int | None = None
    live_room: str = ""  # the TikTok username whose LIVE room is promoted (``live_rooms``)
    coupon_code: str = ""
    spark_auth_code: str = ""
    request_key: uuid.UUID | None = None  # the order form's one-time key (``order_place``)


def order_request_fingerprint(request: OrderRequest) -> str:
    """A digest of everything that defines the order (all but its one-time key): the same form
    sent again gives the same one, a changed video, budget, goal, audience or coupon another."""
    fields = dataclasses.asdict(request)
    fields.pop("request_key")
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def _placed_with_key(wallet: CoinWallet, request: OrderRequest) -> tuple[PromoteOrder | None, bool]:
    """The order this form's key already placed, and whether it is the order asked for now (an order
    placed before fingerprints were kept counts as the same)."""
    if request.request_key is None:
        return None, False
    placed = PromoteOrder.objects.filter(wallet=wallet, request_key=request.request_key).first()
    if placed is None:
        return None, False
    return placed, placed.request_fingerprint in ("", order_request_fingerprint(request))


_ACCOUNT_PATH = re.compile(r"^/@([A-Za-z0-9._]{1,64})(?:/|$)")


def tiktok_url_account(url: str) -> str:
    """The TikTok username a TikTok URL is under ("joycoffee" of
    ``https://www.tiktok.com/@joycoffee/video/7300…``), "" when it names none (a short link)."""
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    if not (host == "tiktok.com" or host.endswith(".tiktok.com")):
        return ""
    found = _ACCOUNT_PATH.match(parsed.path)
    return found.group(1) if found else ""


def live_rooms(*, holder: User | Merchant) -> list[str]:
    """The TikTok accounts (usernames) whose LIVE room the holder may promote: a consumer's own
    connected TikTok account; a merchant's business account(s), as TikJoy knows them: the accounts
    its library videos are posted on (the ``@name`` of their TikTok URLs). Empty: no LIVE for them."""
    if isinstance(holder, Merchant):
        urls = Video.objects.filter(merchant=holder).exclude(tiktok_url="").order_by("slot")
        accounts = (tiktok_url_account(url) for url in urls.values_list("tiktok_url", flat=True))
        return list(dict.fromkeys(a for a in accounts if a))
    profile = (
        TikTokProfile.objects.filter(user=holder, disconnected_at__isnull=True).exclude(username="").first()
    )
    return [profile.username] if profile else []


def _content(wallet: CoinWallet, request: OrderRequest) -> tuple[TrackedPost | None, Video | None, list[str]]:
    """The post or video the order is of (none for a LIVE room), and why it can't be."""
    reasons = []
    post_obj = video = None
    if request.live_room:
        if request.live_room not in live_rooms(holder=wallet.holder):
            reasons.append(
                gettext("Pick your own LIVE room: the TikTok account you signed in with.")
                if wallet.user_id
                else gettext(
                    "Pick your brand's LIVE room: a TikTok account its library videos are posted on."
                )
            )
    elif wallet.user_id:
        post_obj = (
            TrackedPost.objects.filter(pk=request.tracked_post_id).first()
            if request.tracked_post_id
            else None
        )
        if post_obj is None or post_obj.user_id != wallet.user_id:
            reasons.append(gettext("Pick one of your own TikTok posts."))
        elif post_obj.status != TrackedPost.Status.ACTIVE:
            reasons.append(gettext("That post is no longer public on TikTok."))
    elif request.tracked_post_id:
        post_obj = TrackedPost.objects.filter(pk=request.tracked_post_id).first()
        granted = ShareAuthorization.objects.filter(
            merchant_id=wallet.merchant_id,
            tracked_post_id=request.tracked_post_id,
            status=AuthorizationStatus.GRANTED,
        ).exists()
        if post_obj is None or not granted:
            reasons.append(gettext("Promote a consumer's share only once they have agreed to it."))
        elif post_obj.status != TrackedPost.Status.ACTIVE:
            reasons.append(gettext("That post is no longer public on TikTok."))
    else:
        video = Video.objects.filter(pk=request.video_id).first() if request.video_id else None
        if video is None or video.merchant_id != wallet.merchant_id:
            reasons.append(gettext("Pick a video of your brand's library."))
        elif not video.tiktok_url:
            reasons.append(
                gettext("That video is not posted on your TikTok business account (it has no TikTok URL).")
            )
    return post_obj, video, reasons


def launched_countries(*, kind: str) -> set[str]:
    """The countries (ISO codes) a kind of promotion is launched in: the one rule an order's country
    is checked against (``order_eligibility``; the order form offers and checks these)."""
    return set(LaunchedCountry.objects.filter(kind=kind).values_list("country", flat=True))


def not_launched_text(*, kind: str, country: str, launched: set[str]) -> str:
    """Why ``country`` can't be chosen for ``kind``, each country by its name in the reader's language
    ("Video with a product anchor promotion is not launched in Germany (launched: Indonesia, United
    Kingdom, United States)."), never its bare code (a merchant who typed "Ge" for Germany read
    "not launched in GE")."""
    names = sorted((country_name(code) for code in launched), key=collation_key)
    return gettext(
        "%(kind)s promotion is not launched in this country: %(country)s (launched: %(launched)s)."
    ) % {
        "kind": Kind(kind).label,
        "country": country_name(country),
        "launched": ", ".join(names),
    }


def order_eligibility(*, wallet: CoinWallet, request: OrderRequest, now: datetime) -> list[str]:
    """Every reason the order can't be placed (empty: it can)."""
    reasons = []
    if wallet.user_id:
        if wallet.birth_date is None:
            reasons.append(gettext("Tell us your birth date: Promote is for people 18 or older."))
        elif under_age(wallet=wallet, today=now.date()):
            reasons.append(gettext("Promote is for people 18 or older."))
    _, _, content_reasons = _content(wallet, request)
    reasons += content_reasons
    if request.kind == Kind.LIVE and not request.live_room:
        reasons.append(gettext("A LIVE promotion promotes a LIVE room, not a recorded video."))
    elif request.kind in Kind.values and request.kind != Kind.LIVE and request.live_room:
        reasons.append(gettext("A LIVE room is promoted as a LIVE, not as a video."))
    # The music rule is a video's (the seed's FAQ: "The BGM of the video should be commercial
    # music"); a LIVE room is reviewed while it broadcasts.
    if not request.live_room and not request.commercial_music_declared:
        reasons.append(gettext("Only a video whose music is commercial music can be promoted: declare it."))
    if request.kind not in Kind.values:
        reasons.append(gettext("Choose what to promote: a video, a video with a product anchor, or a LIVE."))
    elif (
        request.goal not in Goal.values
        or not KindGoal.objects.filter(kind=request.kind, goal=request.goal).exists()
    ):
        reasons.append(gettext("That goal is not offered for %(kind)s.") % {"kind": Kind(request.kind).label})
    if request.kind in Kind.values:
        launched = launched_countries(kind=request.kind)
        if not launched:
            reasons.append(
                gettext("%(kind)s promotion is not launched in any country yet.")
                % {"kind": Kind(request.kind).label}
            )
        elif not request.audience_automatic and not request.country:
            reasons.append(gettext("Choose the country to show the promotion in."))
        elif not request.audience_automatic and request.country not in launched:
            reasons.append(not_launched_text(kind=request.kind, country=request.country, launched=launched))
    if not 1 <= request.duration_days <= MAX_DURATION_DAYS:
        reasons.append(gettext("The duration is 1 to %(days)s days.") % {"days": MAX_DURATION_DAYS})
    if not request.audience_automatic and not (MINIMUM_AGE <= request.age_min <= request.age_max):
        reasons.append(
            gettext("The audience's ages start at %(age)s at the youngest and go up.") % {"age": MINIMUM_AGE}
        )
    if request.budget_coins < request.duration_days:
        reasons.append(gettext("The budget is at least one coin a day."))
    if provider().needs_launch and not request.live_room and not request.spark_auth_code.strip():
        reasons.append(
            gettext("Paste the post's Spark Ads authorization code (TikTok: the post's ... > Ad settings).")
        )
    return reasons


@dataclass(frozen=True)
class OrderQuote:
    """What placing an order would do, read before paying: every reason it would be refused (empty:
    none), and how its budget is paid: the coupon's coins first, the holder's coins for the rest."""

    reasons: list[str]
    coupon_code: str
    coupon_coins: int
    paid_coins: int
    # The order this form (its ``request_key``) already placed: the form was sent again.
    placed: PromoteOrder | None = None
    # The order this form's key already placed when it asked for another (changed, then sent again).
    form_used_for: PromoteOrder | None = None


def order_quote(*, holder: User | Merchant, request: OrderRequest, now: datetime) -> OrderQuote:
    """``order_place``'s checks without its writes (nothing locked): the estimate step shows them, and
    the Pay button the coins the holder pays. ``order_place`` checks all again under its locks."""
    wallet = CoinWallet.objects.filter(**_holder_kwargs(holder)).first()
    if wallet is None:
        return OrderQuote([gettext("You have no coins yet: buy some first.")], "", 0, request.budget_coins)
    reasons = order_eligibility(wallet=wallet, request=request, now=now)
    coupon = None
    if request.coupon_code.strip():
        try:
            coupon = _coupon_check(
                Coupon.objects.filter(code=request.coupon_code.strip().upper()).first(),
                wallet=wallet,
                request=request,
                now=now,
            )
        except PromoteError as exc:
            reasons.append(str(exc))
    coupon_coins = coupon.coins if coupon else 0
    paid = request.budget_coins - coupon_coins
    held = coin_balance(wallet=wallet)
    if paid > held:
        reasons.append(
            ngettext(
                "You have %(balance)s coin; this order needs %(needed)s.",
                "You have %(balance)s coins; this order needs %(needed)s.",
                held,
            )
            % {"balance": number_text(held), "needed": number_text(paid)}
        )
    # Read last: an order committed while the checks above read sees its spent coins or used
    # coupon refuse nothing, it is found here.
    placed, same = _placed_with_key(wallet, request)
    if placed is not None and same:
        return OrderQuote([], placed.coupon.code if placed.coupon else "", placed.coupon_coins, paid, placed)
    if placed is not None:
        return OrderQuote(reasons, coupon.code if coupon else "", coupon_coins, paid, form_used_for=placed)
    return OrderQuote(reasons, coupon.code if coupon else "", coupon_coins, paid)


def _coupon_locked(*, code: str, wallet: CoinWallet, request: OrderRequest, now: datetime) -> Coupon:
    coupon = Coupon.objects.select_for_update().filter(code=code.strip().upper()).first()
    return _coupon_check(coupon, wallet=wallet, request=request, now=now)


def _coupon_check(
    coupon: Coupon | None, *, wallet: CoinWallet, request: OrderRequest, now: datetime
) -> Coupon:
    """The coupon, if this order may use it; else the reason, raised."""
    if coupon is None or coupon.status != CouponStatus.AVAILABLE:
        raise PromoteError(gettext("That coupon doesn't exist or was used."))
    if not coupon.valid_from <= now < coupon.valid_until:
        raise PromoteError(gettext("That coupon is not valid now."))
    if coupon.user_id and coupon.user_id != wallet.user_id:
        raise PromoteError(gettext("That coupon is someone else's."))
    if coupon.kind and coupon.kind != request.kind:
        raise PromoteError(
            gettext("That coupon is for %(kind)s promotion only.") % {"kind": Kind(coupon.kind).label}
        )
    if request.budget_coins <= coupon.coins:
        raise PromoteError(
            ngettext(
                "A coupon applies only to an order that costs more than it: more than %(coins)s coin.",
                "A coupon applies only to an order that costs more than it: more than %(coins)s coins.",
                coupon.coins,
            )
            % {"coins": number_text(coupon.coins)}
        )
    return coupon


def _escrow(order: PromoteOrder):
    return account_for(owner=PLATFORM, purpose=Purpose.PROMOTE_ESCROW, currency=COIN, partition=order)


def _coupons_account():
    return account_for(owner=PLATFORM, purpose=Purpose.PROMOTE_COUPONS, currency=COIN)


def _escrow_in(order: PromoteOrder, wallet: CoinWallet, *, actor: User, now: datetime) -> None:
    entries = [(_escrow(order), coins(order.budget_coins)), (_coin_account(wallet), -coins(order.paid_coins))]
    if order.coupon_coins:
        entries.append((_coupon_source(order.coupon), -coins(order.coupon_coins)))
    try:
        post(
            entries=entries,
            kind="PROMOTE_ORDER_PLACE",
            reason=f"Promotion #{order.pk}: budget of {order.budget_coins} coins into escrow",
            idempotency_key=f"promote:order:{order.pk}:place:{order.submissions}",
            actor=actor,
            subject=order,
            now=now,
        )
    except InsufficientFunds as exc:
        held = coin_balance(wallet=wallet)
        raise PromoteError(
            ngettext(
                "You have %(balance)s coin; this order needs %(needed)s.",
                "You have %(balance)s coins; this order needs %(needed)s.",
                held,
            )
            % {"balance": number_text(held), "needed": number_text(order.paid_coins)}
        ) from exc


def _escrow_release(
    order: PromoteOrder, wallet: CoinWallet, *, actor: User | None, now: datetime, why: str
) -> None:
    """Give the whole budget back (rejected or cancelled before delivery): coins and coupon."""
    entries = [(_escrow(order), -coins(order.budget_coins)), (_coin_account(wallet), coins(order.paid_coins))]
    if order.coupon_coins:
        entries.append((_coupon_source(order.coupon), coins(order.coupon_coins)))
    post(
        entries=entries,
        kind="PROMOTE_ORDER_RELEASE",
        reason=f"Promotion #{order.pk} {why}: budget returned",
        idempotency_key=f"promote:order:{order.pk}:release:{order.submissions}",
        actor=actor,
        subject=order,
        now=now,
    )


@retry_on_conflict
def order_place(
    *, holder: User | Merchant, request: OrderRequest, actor: User, now: datetime
) -> PromoteOrder:
    """Check eligibility, then move the budget from the coin balance (and the coupon) into the
    order's escrow, in one transaction. The order waits for review.

    ``request.request_key``: the order form's one-time key; the order already placed with it (the
    same form sent again: a double click, a second tab, the back button) is returned as it is,
    nothing checked, placed or spent again (looked for under the coin wallet's lock, the unique
    constraint behind it). The key back with another order (``order_request_fingerprint``: the
    form changed after paying) raises ``OrderFormUsed``, nothing placed or spent."""
    with transaction.atomic(durable=True):
        wallet = _wallet_locked(holder, currency=None, now=now)
        done, same = _placed_with_key(wallet, request)
        if done is not None and same:
            return done
        if done is not None:
            raise OrderFormUsed(done)
        reasons = order_eligibility(wallet=wallet, request=request, now=now)
        if reasons:
            raise NotEligible(reasons)
        post_obj, video, _ = _content(wallet, request)
        coupon = (
            _coupon_locked(code=request.coupon_code, wallet=wallet, request=request, now=now)
            if request.coupon_code.strip()
            else None
        )
        if request.live_room:
            label = f"{LIVE_LABEL}{request.live_room}"
        else:
            label = f"{POST_LABEL}{post_obj.video_id}" if post_obj else f"{video.title}"
        order = PromoteOrder.objects.create(
            wallet=wallet,
            created_by=actor,
            kind=request.kind,
            goal=request.goal,
            tracked_post=post_obj,
            video=video,
            content_label=label[:200],
            commercial_music_declared=request.commercial_music_declared,
            audience_automatic=request.audience_automatic,
            country="" if request.audience_automatic else request.country,
            age_min=AUTOMATIC_AGES[0] if request.audience_automatic else request.age_min,
            age_max=AUTOMATIC_AGES[1] if request.audience_automatic else request.age_max,
            budget_coins=request.budget_coins,
            duration_days=request.duration_days,
            coupon=coupon,
            coupon_coins=coupon.coins if coupon else 0,
            spark_auth_code="" if request.live_room else request.spark_auth_code.strip()[:200],
            created_at=now,
            request_key=request.request_key,
            request_fingerprint=order_request_fingerprint(request) if request.request_key else "",
        )
        if coupon:
            coupon.status = CouponStatus.APPLIED
            coupon.save(update_fields=["status"])
        _escrow_in(order, wallet, actor=actor, now=now)
        _event(order, "promote.order.created", now=now)
        if wallet.merchant_id and post_obj is not None:
            with recipient_locale(post_obj.user, brand=wallet.merchant):
                mail_after_commit(
                    subject=gettext("%(brand)s is promoting your TikTok post")
                    % {"brand": wallet.merchant.brand_name},
                    message=gettext(
                        "With your agreement, %(brand)s placed promotion #%(number)s for your TikTok video %(video)s. "
                        "Its results are on your Promote page."
                    )
                    % {"brand": wallet.merchant.brand_name, "number": order.pk, "video": post_obj.video_id},
                    recipient_list=[post_obj.user.email or ""],
                )
    return order


def _order_locked(order_id: int) -> tuple[CoinWallet, PromoteOrder]:
    wallet_id = PromoteOrder.objects.values_list("wallet_id", flat=True).get(pk=order_id)
    wallet = CoinWallet.objects.select_for_update().get(pk=wallet_id)
    order = PromoteOrder.objects.select_for_update().get(pk=order_id)
    return wallet, order


@retry_on_conflict
def order_approve(*, order_id: int, actor: User, now: datetime) -> PromoteOrder:
    """Ops approve an order in review: delivery starts now and runs for its duration; its coupon
    is consumed (it no longer comes back)."""
    with transaction.atomic(durable=True):
        _, order = _order_locked(order_id)
        if order.status != OrderStatus.IN_REVIEW:
            raise PromoteError(_not_in_review(order))
        start = now.replace(minute=0, second=0, microsecond=0)
        order.status = OrderStatus.ACTIVE
        order.reviewed_at = now
        order.starts_at = start
        order.delivered_until = start
        order.ends_at = start + timedelta(days=order.duration_days)
        order.save(update_fields=["status", "reviewed_at", "starts_at", "delivered_until", "ends_at"])
        if order.coupon_id:
            Coupon.objects.filter(pk=order.coupon_id).update(status=CouponStatus.CONSUMED)
        _event(order, "promote.order.approved", now=now)
    return order


@retry_on_conflict
def order_reject(*, order_id: int, reason: str, actor: User, now: datetime) -> PromoteOrder:
    """Ops reject an order in review with a reason from the fixed list: the budget and the coupon
    come back at once."""
    if reason not in RejectReason.values:
        raise PromoteError(gettext("Choose a reason from the list."))
    with transaction.atomic(durable=True):
        wallet, order = _order_locked(order_id)
        if order.status != OrderStatus.IN_REVIEW:
            raise PromoteError(_not_in_review(order))
        _escrow_release(order, wallet, actor=actor, now=now, why=f"rejected ({RejectReason(reason).label})")
        order.status = OrderStatus.REJECTED
        order.reject_reason = reason
        order.reviewed_at = now
        order.save(update_fields=["status", "reject_reason", "reviewed_at"])
        if order.coupon_id:
            Coupon.objects.filter(pk=order.coupon_id).update(status=CouponStatus.AVAILABLE)
        _event(order, "promote.order.rejected", now=now)
    return order


@retry_on_conflict
def order_cancel(*, order_id: int, actor: User, now: datetime) -> PromoteOrder:
    """The holder cancels an order still in review (a running order can't be paused or stopped)."""
    with transaction.atomic(durable=True):
        wallet, order = _order_locked(order_id)
        if order.status == OrderStatus.ACTIVE:
            raise PromoteError(
                gettext("Only an order in review can be cancelled: a running promotion can't be stopped.")
            )
        if order.status != OrderStatus.IN_REVIEW:  # cancelled already (a second tab), rejected, ended
            raise PromoteError(_not_in_review(order))
        _escrow_release(order, wallet, actor=actor, now=now, why="cancelled")
        order.status = OrderStatus.CANCELLED
        order.save(update_fields=["status"])
        if order.coupon_id:
            Coupon.objects.filter(pk=order.coupon_id).update(status=CouponStatus.AVAILABLE)
        _event(order, "promote.order.cancelled", now=now)
    return order


@retry_on_conflict
def order_resubmit(
    *, order_id: int, commercial_music_declared: bool, actor: User, now: datetime
) -> PromoteOrder:
    """A rejected order goes back to review once, its budget into escrow again (its coupon too,
    if it is still available and valid; else without it)."""
    with transaction.atomic(durable=True):
        wallet, order = _order_locked(order_id)
        if order.status != OrderStatus.REJECTED:
            raise PromoteError(gettext("Only a rejected order can be resubmitted."))
        if order.submissions >= 2:
            raise PromoteError(gettext("An order can be resubmitted once; place a new one."))
        request = OrderRequest(
            kind=order.kind,
            goal=order.goal,
            budget_coins=order.budget_coins,
            duration_days=order.duration_days,
            commercial_music_declared=commercial_music_declared,
            audience_automatic=order.audience_automatic,
            country=order.country,
            age_min=order.age_min,
            age_max=order.age_max,
            tracked_post_id=order.tracked_post_id,
            video_id=order.video_id,
            live_room=order.live_account,
            spark_auth_code=order.spark_auth_code,
        )
        reasons = order_eligibility(wallet=wallet, request=request, now=now)
        if reasons:
            raise NotEligible(reasons)
        if order.coupon_id:
            coupon = Coupon.objects.select_for_update().get(pk=order.coupon_id)
            if coupon.status != CouponStatus.AVAILABLE or not coupon.valid_from <= now < coupon.valid_until:
                order.coupon = None
                order.coupon_coins = 0
            else:
                coupon.status = CouponStatus.APPLIED
                coupon.save(update_fields=["status"])
        order.status = OrderStatus.IN_REVIEW
        order.reject_reason = ""
        order.commercial_music_declared = commercial_music_declared
        order.submissions += 1
        order.save()
        _escrow_in(order, wallet, actor=actor, now=now)
        _event(order, "promote.order.resubmitted", now=now)
    return order


# --- delivery and settlement -----------------------------------------------------------------


def provider() -> DeliveryProvider:
    """The delivery provider of settings.PROMOTE_DELIVERY: the simulator, or the TikTok Marketing API."""
    if settings.PROMOTE_DELIVERY == "tiktok":
        return TikTokAds()
    return Simulator()


def _provider_price() -> tuple[int, Decimal]:
    """The coin price in the provider's currency (to turn a budget into money and spend back into coins)."""
    price = CoinPrice.objects.filter(currency=settings.TIKTOK_ADS_CURRENCY).first()
    return (price.pack_coins, price.pack_price) if price else (100, Decimal("0.99"))


def _plan(order: PromoteOrder, price: tuple[int, Decimal] = (100, Decimal("0.99"))) -> OrderPlan:
    return OrderPlan(
        order_id=order.pk,
        budget_coins=order.budget_coins,
        duration_days=order.duration_days,
        goal=order.goal,
        kind=order.kind,
        starts_at=order.starts_at,
        external=order.external_ids or {},
        pack_coins=price[0],
        pack_price=price[1],
    )


def orders_launch(*, source: DeliveryProvider | None = None) -> int:
    """Launch approved orders at the provider (once each; nothing to do for the simulator).

    The provider is called outside any transaction; its ids are stored only on an order that
    has none yet, and its creates carry request ids derived from the order, so a launch run
    twice (two workers, a crash between the call and the write) makes the objects once."""
    source = source or provider()
    if not source.needs_launch:
        return 0
    price = _provider_price()
    launched = 0
    for order in PromoteOrder.objects.filter(status=OrderStatus.ACTIVE, external_ids={}).order_by("pk")[:200]:
        countries = (
            [order.country]
            if order.country
            else sorted(LaunchedCountry.objects.filter(kind=order.kind).values_list("country", flat=True))
        )
        ids = source.launch(
            _plan(order, price),
            Launch(
                countries=countries,
                age_min=order.age_min,
                age_max=order.age_max,
                starts_at=order.starts_at,
                spark_auth_code=order.spark_auth_code,
                live_account=order.live_account,
                pack_coins=price[0],
                pack_price=price[1],
            ),
        )
        launched += PromoteOrder.objects.filter(pk=order.pk, external_ids={}).update(external_ids=ids)
    return launched


def deliveries_tick(*, now: datetime, batch: int = 1000, source: DeliveryProvider | None = None) -> int:
    """Record every full hour of delivery up to ``now`` for active orders, and complete the orders
    whose run is over. Returns the number of order-hours recorded. Safe to run in several
    workers at once (each takes the orders nobody else holds) and to run twice."""
    source = source or provider()
    price = _provider_price() if source.needs_launch else (100, Decimal("0.99"))
    recorded = 0
    fields = (
        "wallet_id", "budget_coins", "coupon_coins", "duration_days", "goal", "status", "consumed_coins",
        "refunded_coins", "forfeited_coupon_coins", "reject_reason", "kind", "impressions", "results",
        "delivered_until", "starts_at", "ends_at", "external_ids",
    )  # fmt: skip
    while True:
        with transaction.atomic(durable=True):
            active = PromoteOrder.objects.select_for_update(skip_locked=True).only(*fields)
            if source.needs_launch:
                active = active.exclude(external_ids={})  # not launched yet: nothing to ask for
            orders = list(
                active.filter(
                    status=OrderStatus.ACTIVE, delivered_until__lte=now - timedelta(hours=1)
                ).order_by("pk")[:batch]
            )
            ends = list(
                active.filter(
                    status=OrderStatus.ACTIVE, ends_at__lte=now, delivered_until__gt=now - timedelta(hours=1)
                ).order_by("pk")[:batch]
            )
            if not orders and not ends:
                return recorded
            recorded += _deliver(orders, now=now, source=source, price=price)
            done = [
                o
                for o in orders + ends
                if o.ends_at <= o.delivered_until or o.consumed_coins >= o.budget_coins
            ]
            for order in done:
                order.status = OrderStatus.COMPLETED
                order.completed_at = now
            _rows_update(done, ["status", "completed_at"])
            merchants = dict(
                CoinWallet.objects.filter(
                    pk__in={o.wallet_id for o in done}, merchant__isnull=False
                ).values_list("pk", "merchant_id")
            )
            events_record(
                events=[
                    Event(merchants[o.wallet_id], "promote.order.completed", order_payload(o))
                    for o in done
                    if o.wallet_id in merchants
                ],
                now=now,
            )
            if len(orders) < batch and len(ends) < batch:
                return recorded


def _column_arrays(model, rows: list, fields: list[str]) -> tuple[list[str], list[str], list[list]]:
    """Columns, their array casts and one list of values per column, for ``unnest``."""
    columns = [model._meta.get_field(f) for f in fields]
    casts = [f"%s::{c.db_type(connection)}[]" for c in columns]
    values = [[getattr(row, c.attname) for row in rows] for c in columns]
    return [c.column for c in columns], casts, values


def _rows_update(orders: list[PromoteOrder], fields: list[str]) -> None:
    """Write ``fields`` of many orders in one statement: on PostgreSQL an ``UPDATE ... FROM
    unnest(arrays)`` (one parameter per column; Django's ``bulk_update`` builds a CASE per field
    and row, four times slower for a tick of 1,000 orders); elsewhere ``bulk_update``."""
    if not orders:
        return
    if connection.vendor != "postgresql":
        PromoteOrder.objects.bulk_update(orders, fields)
        return
    columns, casts, values = _column_arrays(PromoteOrder, orders, ["id", *fields])
    sets = ", ".join(f"{c} = v.{c}" for c in columns[1:])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {PromoteOrder._meta.db_table} AS o SET {sets} "  # noqa: S608 - names from the model
            f"FROM unnest({', '.join(casts)}) AS v({', '.join(columns)}) WHERE o.id = v.id",
            values,
        )


TICK_FIELDS = (
    "order_id", "hour", "spent_coins", "impressions", "views", "clicks", "follows", "product_clicks", "live_viewers",
)  # fmt: skip


def _ticks_insert(rows: list[tuple]) -> None:
    """Insert ticks (tuples in ``TICK_FIELDS`` order) once: an hour already recorded is left as
    it is. On PostgreSQL one ``INSERT ... SELECT FROM unnest(arrays)``."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        DeliveryTick.objects.bulk_create(
            [DeliveryTick(**dict(zip(TICK_FIELDS, r, strict=True))) for r in rows], ignore_conflicts=True
        )
        return
    fields = [DeliveryTick._meta.get_field(f) for f in TICK_FIELDS]
    casts = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {DeliveryTick._meta.db_table} ({', '.join(f.column for f in fields)}) "  # noqa: S608 - names from the model
            f"SELECT * FROM unnest({casts}) ON CONFLICT (order_id, hour) DO NOTHING",
            [list(column) for column in zip(*rows, strict=True)],
        )


def _deliver(
    orders: list[PromoteOrder], *, now: datetime, source: DeliveryProvider, price: tuple[int, Decimal]
) -> int:
    ticks = []
    hour = timedelta(hours=1)
    for order in orders:
        first = int((order.delivered_until - order.starts_at) / hour)
        hours = int((min(now, order.ends_at) - order.delivered_until) / hour)
        field = GOAL_FIELD[order.goal]
        for r in source.deliver(_plan(order, price), first_hour=first, hours=hours):
            spent = min(r.spent_coins, order.budget_coins - order.consumed_coins)
            order.consumed_coins += spent
            order.impressions += r.impressions
            order.results += getattr(r, field)
            ticks.append(
                (
                    order.pk,
                    order.starts_at + r.hour_index * hour,
                    spent,
                    r.impressions,
                    r.views,
                    r.clicks,
                    r.follows,
                    r.product_clicks,
                    r.live_viewers,
                )
            )
        order.delivered_until = order.delivered_until + hours * hour
    _ticks_insert(ticks)
    _rows_update(orders, ["consumed_coins", "impressions", "results", "delivered_until"])
    return len(ticks)


@dataclass(frozen=True)
class Split:
    """How an ended order's escrow is shared out (all whole coins)."""

    consumed: int
    refunded: int
    forfeited_coupon: int
    paid_consumed: int


def settlement_split(*, budget: int, coupon: int, consumed: int) -> Split:
    """The coupon is spent first; what it didn't cover is forfeited; the rest of the unspent
    budget goes back to the holder."""
    if not 0 <= consumed <= budget or not 0 <= coupon < max(budget, 1):
        raise ValueError("consumed within the budget, coupon below it")
    forfeited = max(0, coupon - consumed)
    refunded = budget - consumed - forfeited
    return Split(
        consumed=consumed,
        refunded=refunded,
        forfeited_coupon=forfeited,
        paid_consumed=consumed - min(consumed, coupon),
    )


SETTLE_BATCH = 200


@retry_on_conflict
def order_settle(*, order_id: int, now: datetime) -> bool:
    """Settle one completed order exactly once (see ``orders_settle``). Returns False when there
    was nothing to do (already settled, or not completed)."""
    return orders_settle(order_ids=[order_id], now=now) == 1


def orders_settle_due(*, now: datetime) -> int:
    """Settle every completed order, in batches (the schedule runs this every 5 minutes)."""
    settled = 0
    ids = list(
        PromoteOrder.objects.filter(status=OrderStatus.COMPLETED).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(ids), SETTLE_BATCH):
        settled += retry_on_conflict(orders_settle)(order_ids=ids[start : start + SETTLE_BATCH], now=now)
    return settled


def _spend_backed(wallet: CoinWallet, spent: int, accounts: _SettleAccounts, entries: list) -> None:
    """``spent`` of the wallet's paid coins were consumed: their money (the funds' pro rata share,
    rounded down; all that is left for the last coins) goes from its coin funds to revenue."""
    funds = accounts.funds[wallet.pk]
    held = accounts.funds_left[wallet.pk]
    value = paid_coins_value(wallet=wallet, coins_count=spent, funds=Money(held, wallet.currency))
    if value.amount > 0:
        entries += [(funds, -value), (accounts.revenue(wallet.currency), value)]
        accounts.funds_left[wallet.pk] = held - value.amount
    wallet.backed_coins -= spent


def _settle_postings(
    order: PromoteOrder,
    wallet: CoinWallet,
    accounts: _SettleAccounts,
    now: datetime,
    issuer: CoinWallet | None = None,
) -> Posting:
    """``issuer``: the coin wallet of the merchant whose coupon the order used (it pays for the
    coupon coins consumed, and gets the unused ones back)."""
    split = settlement_split(
        budget=order.budget_coins, coupon=order.coupon_coins, consumed=order.consumed_coins
    )
    entries = [(accounts.escrow[order.pk], -coins(order.budget_coins))]
    if split.consumed:
        entries.append((accounts.delivered, coins(split.consumed)))
    if split.refunded:
        entries.append((accounts.coins[wallet.pk], coins(split.refunded)))
    if split.forfeited_coupon:
        unused_to = accounts.coins[issuer.pk] if issuer is not None else accounts.coupons
        entries.append((unused_to, coins(split.forfeited_coupon)))
    if split.paid_consumed:
        _spend_backed(wallet, split.paid_consumed, accounts, entries)
    coupon_consumed = split.consumed - split.paid_consumed
    if issuer is not None and coupon_consumed:
        _spend_backed(issuer, coupon_consumed, accounts, entries)
    order.status = OrderStatus.SETTLED
    order.settled_at = now
    order.refunded_coins = split.refunded
    order.forfeited_coupon_coins = split.forfeited_coupon
    return Posting(
        entries=entries,
        kind="PROMOTE_ORDER_SETTLE",
        reason=(
            f"Promotion #{order.pk} ended: {split.consumed} coins spent, {split.refunded} returned"
            + (
                f", {split.forfeited_coupon} coupon coins unused"
                + (" (back to the brand that gave the coupon)" if issuer is not None else "")
                if split.forfeited_coupon
                else ""
            )
        ),
        idempotency_key=f"promote:order:{order.pk}:settle",
        subject=order,
        now=now,
    )


@dataclass
class _SettleAccounts:
    escrow: dict
    coins: dict
    funds: dict
    funds_left: dict
    delivered: object
    coupons: object
    _revenue: dict

    def revenue(self, currency: str):
        if currency not in self._revenue:
            self._revenue[currency] = account_for(
                owner=PLATFORM, purpose=Purpose.PROMOTE_REVENUE, currency=currency
            )
        return self._revenue[currency]


def _settle_accounts(orders: list[PromoteOrder], wallets: dict[int, CoinWallet]) -> _SettleAccounts:
    """Every ledger account a batch of settlements touches, in a few queries."""
    coin_accounts, funds_accounts = {}, {}
    for owner_type, field in (("accounts.user", "user_id"), ("merchants.merchant", "merchant_id")):
        group = [w for w in wallets.values() if getattr(w, field)]
        if not group:
            continue
        by_owner = accounts_for(
            owner_type=owner_type,
            owner_ids=[getattr(w, field) for w in group],
            purpose=Purpose.PROMOTE_COINS,
            currency=COIN,
        )
        for wallet in group:
            coin_accounts[wallet.pk] = by_owner[getattr(wallet, field)]
        for currency in {w.currency for w in group}:
            same = [w for w in group if w.currency == currency]
            funds_by_owner = accounts_for(
                owner_type=owner_type,
                owner_ids=[getattr(w, field) for w in same],
                purpose=Purpose.PROMOTE_COIN_FUNDS,
                currency=currency,
            )
            for wallet in same:
                funds_accounts[wallet.pk] = funds_by_owner[getattr(wallet, field)]
    keys = {partition_key(o): o.pk for o in orders}
    escrows = {
        keys[a.partition]: a
        for a in Account.objects.filter(
            owner_type=PLATFORM.owner_type,
            purpose=Purpose.PROMOTE_ESCROW,
            currency=COIN,
            partition__in=list(keys),
        )
    }
    return _SettleAccounts(
        escrow=escrows,
        coins=coin_accounts,
        funds=funds_accounts,
        # Read under the wallets' locks: a holder's funds move only under its wallet's lock.
        funds_left={pk: a.balance for pk, a in funds_accounts.items()},
        delivered=account_for(owner=PLATFORM, purpose=Purpose.PROMOTE_DELIVERED, currency=COIN),
        coupons=_coupons_account(),
        _revenue={},
    )


def orders_settle(*, order_ids: list[int], now: datetime) -> int:
    """Settle completed orders exactly once, in one transaction: each escrow goes to delivered
    (consumed), back to the holder's coins (unspent paid coins) and back to the coupon account
    (unspent coupon coins, forfeited); the money of the paid coins consumed goes from the
    holder's funds to revenue, pro rata. Locks the wallets, then the orders, in primary-key
    order; an order another worker settled first is skipped. Returns how many were settled."""
    with transaction.atomic(durable=True):
        pending = PromoteOrder.objects.filter(pk__in=order_ids, status=OrderStatus.COMPLETED)
        wallet_ids = sorted(set(pending.values_list("wallet_id", flat=True)))
        if not wallet_ids:
            return 0
        # The merchants whose coupons these orders used pay for them: their wallets are locked too
        # (all wallets in primary-key order, before the orders).
        issuer_of_coupon = dict(
            Coupon.objects.filter(
                pk__in=pending.filter(coupon__issued_by_merchant__isnull=False).values("coupon_id")
            ).values_list("pk", "issued_by_merchant__coin_wallet")
        )
        lock_ids = sorted(set(wallet_ids) | set(issuer_of_coupon.values()))
        wallets = {
            w.pk: w for w in CoinWallet.objects.select_for_update().filter(pk__in=lock_ids).order_by("pk")
        }
        orders = list(
            PromoteOrder.objects.select_for_update()
            .filter(pk__in=order_ids, status=OrderStatus.COMPLETED, wallet_id__in=wallet_ids)
            .order_by("pk")
        )
        if not orders:
            return 0
        accounts = _settle_accounts(orders, wallets)
        postings = []
        for order in orders:
            order.wallet = wallets[order.wallet_id]
            issuer_id = issuer_of_coupon.get(order.coupon_id) if order.coupon_id else None
            issuer = wallets[issuer_id] if issuer_id else None
            postings.append(_settle_postings(order, order.wallet, accounts, now, issuer=issuer))
        post_many(postings)
        _rows_update(orders, ["status", "settled_at", "refunded_coins", "forfeited_coupon_coins"])
        CoinWallet.objects.bulk_update(list(wallets.values()), ["backed_coins"])
        events = [
            Event(o.wallet.merchant_id, "promote.order.settled", order_payload(o))
            for o in orders
            if o.wallet.merchant_id
        ]
        events_record(events=events, now=now)
    return len(orders)


def order_payload(order: PromoteOrder) -> dict:
    return {
        "id": f"prm_{order.pk}",
        "kind": order.kind,
        "goal": order.goal,
        "status": order.status,
        "budget_coins": order.budget_coins,
        "coupon_coins": order.coupon_coins,
        "consumed_coins": order.consumed_coins,
        "refunded_coins": order.refunded_coins,
        "forfeited_coupon_coins": order.forfeited_coupon_coins,
        "reject_reason": order.reject_reason,
        "results": order.results,
        "starts_at": order.starts_at.isoformat() if order.starts_at else None,
        "ends_at": order.ends_at.isoformat() if order.ends_at else None,
    }


def _event(order: PromoteOrder, type: str, *, now: datetime) -> None:
    """Tell the merchant's webhook endpoints (merchant orders only) through the outbox, in the
    change's transaction."""
    if order.wallet.merchant_id:
        event_record(merchant_id=order.wallet.merchant_id, type=type, data=order_payload(order), now=now)


# --- a person deleting their account (privacy.services.account_delete) ------------------------


def promote_erase_for_person(*, user: User) -> dict[str, int]:
    """Forget the declared birth date, the content labels and Spark codes of the person's orders.
    The wallet, purchases, orders and their coins stay as the books; coupons given to the person
    stay unused (they cost nothing until applied, and a deleted account can't apply them). Inside
    the caller's transaction; returns counts by kind."""
    return {
        "promote_birth_date": CoinWallet.objects.filter(user=user, birth_date__isnull=False).update(
            birth_date=None
        ),
        "promote_orders": PromoteOrder.objects.filter(wallet__user=user).update(
            content_label=ERASED_LABEL, spark_auth_code=""
        ),
    }
