"""A consumer's Promote pages: ``/promote/`` (coins, orders), a new order, an order's analytics and CSV."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.i18n import time_zone_label
from core.spreadsheets import download_name
from promote import selectors, services
from promote.forms import (
    LIVE_CHOICE,
    BirthDateForm,
    BuyCoinsForm,
    OrderForm,
    ResubmitForm,
    WithdrawForm,
    order_form_submit,
    order_titles,
)
from promote.models import Goal, Kind, PromoteOrder
from social.models import TrackedPost
from wallets.formats import money_text
from wallets.money import COIN


def _own_order(request: HttpRequest, order_id: int) -> PromoteOrder:
    order = (
        PromoteOrder.objects.filter(pk=order_id, wallet__user=request.user).select_related("wallet").first()
    )
    if order is None:
        raise Http404(_("No such promotion of yours."))
    return order


@login_required
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    currencies = selectors.coin_currencies(holder=user)
    wallet = selectors.coin_wallet_get(holder=user)
    ask_birth_date = wallet is None or wallet.birth_date is None  # asked before anything is sold
    buy = BuyCoinsForm(currencies=currencies, ask_birth_date=ask_birth_date)
    # Its own ids beside the buy form's (both have a "coins" field): each label names its own box.
    withdraw, birth = WithdrawForm(auto_id="id_withdraw_%s"), BirthDateForm()
    declared = repeat_question = None
    if request.method == "POST":
        now = timezone.now()
        action = request.POST.get("action")
        try:
            if action in ("buy", "card"):
                buy = BuyCoinsForm(request.POST, currencies=currencies, ask_birth_date=ask_birth_date)
                if buy.is_valid() and ask_birth_date:
                    declared = services.birth_date_declare(
                        user=user,
                        birth_date=buy.cleaned_data["birth_date"],
                        currency=buy.cleaned_data["currency"],
                        now=now,
                    )
                    if services.under_age(wallet=declared, today=now.date()):
                        messages.error(request, services.under_age_text())
                        return redirect("promote:home")
            if action == "buy":
                if buy.is_valid():
                    purchase = services.coins_buy_from_wallet(
                        holder=user,
                        coins_count=buy.cleaned_data["coins"],
                        currency=buy.cleaned_data["currency"],
                        actor=user,
                        now=now,
                        request_key=buy.cleaned_data.get("request_key"),
                        repeat_confirmed=request.POST.get("repeat_confirmed") == "yes",
                    )
                    messages.success(
                        request,
                        _("%(coins)s bought for %(amount)s.")
                        % {
                            "coins": money_text(purchase.coins, COIN),
                            "amount": money_text(purchase.amount, purchase.currency),
                        },
                    )
                    return redirect("promote:home")
            elif action == "card":
                if buy.is_valid():
                    url = services.card_checkout_start(
                        holder=user,
                        coins_count=buy.cleaned_data["coins"],
                        currency=buy.cleaned_data["currency"],
                        actor=user,
                        success_url=request.build_absolute_uri(reverse("promote:home")) + "?paid=1",
                        cancel_url=request.build_absolute_uri(reverse("promote:home")),
                        now=now,
                    )
                    return redirect(url)
            elif action == "withdraw":
                withdraw = WithdrawForm(request.POST, auto_id="id_withdraw_%s")
                if withdraw.is_valid():
                    done = services.coins_withdraw(
                        holder=user, coins_count=withdraw.cleaned_data["coins"], actor=user, now=now
                    )
                    messages.success(
                        request,
                        _("%(coins)s withdrawn: %(amount)s are back in your wallet.")
                        % {
                            "coins": money_text(done.coins, COIN),
                            "amount": money_text(done.amount, done.currency),
                        },
                    )
                    return redirect("promote:home")
            elif action == "birth_date":
                birth = BirthDateForm(request.POST)
                if birth.is_valid():
                    wallet = services.birth_date_declare(
                        user=user, birth_date=birth.cleaned_data["birth_date"], now=now
                    )
                    if services.under_age(wallet=wallet, today=now.date()):
                        messages.error(request, services.under_age_text())
                    else:
                        messages.success(request, _("Thank you: your birth date is saved."))
                    return redirect("promote:home")
        except services.RepeatPurchase as exc:
            # The form again, bound (same values and key), asking whether to buy again.
            repeat_question = _(
                "You bought %(coins)s for %(amount)s at %(at)s, %(ago)s. Buy another %(another)s?"
            ) % exc.words(coins_count=buy.cleaned_data["coins"])
        except DomainError as exc:
            messages.error(request, str(exc))
            if declared is not None:  # the date is kept: the form asks for it no more
                return redirect("promote:home")
    if request.GET.get("paid"):
        # Back from the card payment: thanked once, at the page's own address, so a reload or the
        # back button doesn't thank again.
        messages.info(
            request, _("Thank you: your coins appear here as soon as the card payment is confirmed.")
        )
        return redirect("promote:home")
    wallet = selectors.coin_wallet_get(holder=user)
    # Paid in one currency once a purchase chose it (a wallet may hold only the birth date so far).
    currency = wallet.currency if wallet is not None and wallet.currency_is_chosen() else None
    return render(
        request,
        "promote/home.html",
        {
            "currency": currency,
            "authorizations": selectors.authorizations_for(user=user),
            "brand_orders": selectors.orders_on_posts_of(user=user),
            "wallet": wallet,
            "coins": selectors.coins_held(wallet=wallet),
            # Someone under 18 is told why and sold no coins; they may withdraw those they hold.
            "under_age": services.under_age(wallet=wallet, today=timezone.now().date()),
            "under_age_text": services.under_age_text(),
            "birth_date_wrong_text": services.birth_date_wrong_text(),
            "prices": selectors.coin_prices_text(currency=currency),
            "orders": selectors.orders_of(wallet=wallet)[:50],
            "purchases": selectors.purchases_of(wallet=wallet),
            # Dated as their invoices are: the seller's calendar (billing.months.billing_zone), not the reader's.
            "purchases_zone": time_zone_label(settings.BILLING_TIME_ZONE),
            "coupons": selectors.coupons_usable(user=user, now=timezone.now()),
            "zone_label": time_zone_label(timezone.get_current_timezone_name()),
            "buy_form": buy,
            "repeat_question": repeat_question,
            "withdraw_form": withdraw,
            "birth_form": birth,
        },
    )


def _content_choices(user) -> list[tuple[int | str, str]]:
    """The person's LIVE room (their connected TikTok account: a LIVE promotes it, never a
    recorded video) and their public posts (the form shows the posts first)."""
    rooms = [
        (f"{LIVE_CHOICE}{account}", _("Your LIVE room (@%(account)s)") % {"account": account})
        for account in services.live_rooms(holder=user)
    ]
    posts = TrackedPost.objects.filter(user=user, status=TrackedPost.Status.ACTIVE).order_by("-posted_at")[
        :100
    ]
    return rooms + [
        (p.pk, _("TikTok video %(video)s: %(caption)s") % {"video": p.video_id, "caption": p.caption[:60]})
        for p in posts
    ]


@login_required
@require_http_methods(["GET", "POST"])
def order_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {}
    if request.GET.get("post"):
        initial["content"] = request.GET["post"]
    choices = _content_choices(user)
    form = OrderForm(request.POST or None, initial=initial, content_choices=choices)
    estimate = quote = form_used_for = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        estimate = selectors.estimate_for(budget_coins=data["budget_coins"], goal=data["goal"])
        submitted = order_form_submit(
            form, holder=user, actor=user, confirmed=request.POST.get("confirm") == "yes", now=timezone.now()
        )
        quote, form_used_for = submitted.quote, submitted.form_used_for
        if quote.reasons:
            estimate = None
        if submitted.order is not None:
            order = submitted.order
            messages.success(
                request, _("Promotion #%(number)s is paid and waiting for review.") % {"number": order.pk}
            )
            return redirect("promote:order", order_id=order.pk)
    wallet = selectors.coin_wallet_get(holder=user)
    return render(
        request,
        "promote/order_new.html",
        {
            **order_titles(form, live=pgettext("consumer", "Promote a LIVE"), other=_("Promote a post")),
            "form": form,
            "estimate": estimate,
            "quote": quote,
            "form_used_for": form_used_for,
            "goal_label": Goal(form.cleaned_data["goal"]).label if estimate else "",
            "coins": selectors.coins_held(wallet=wallet),
            # Someone under 18 is told why and sold no coins; they may withdraw those they hold.
            "under_age": services.under_age(wallet=wallet, today=timezone.now().date()),
            "under_age_text": services.under_age_text(),
            "birth_date_wrong_text": services.birth_date_wrong_text(),
            "matrix": selectors.matrix(),
            "live_note": ""
            if any(str(value).startswith(LIVE_CHOICE) for value, _label in choices)
            else _("A LIVE promotion promotes your LIVE room: connect your TikTok account to promote it."),
        },
    )


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _own_order(request, order_id)
    return render(
        request,
        "promote/order.html",
        selectors.order_analytics(order=order, zone=timezone.get_current_timezone())
        | {"resubmit_form": ResubmitForm()},
    )


@login_required
def order_csv(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _own_order(request, order_id)
    response = HttpResponse(
        selectors.csv_text(order=order, zone=timezone.get_current_timezone()),
        content_type="text/csv; charset=utf-8",
    )
    filename = download_name(pgettext("file name", "promotion"), order.pk, day=timezone.localdate())
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def order_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _own_order(request, order_id)
    try:
        order = services.order_cancel(order_id=order.pk, actor=request.user, now=timezone.now())
        messages.success(request, selectors.cancelled_text(order))
    except services.PromoteError as exc:
        messages.error(request, str(exc))
    return redirect("promote:order", order_id=order.pk)


@login_required
@require_POST
def order_resubmit(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _own_order(request, order_id)
    live = order.kind == Kind.LIVE  # a LIVE room has no music to declare
    if not live and not ResubmitForm(request.POST).is_valid():
        messages.error(request, _("Declare that the music is commercial music to resubmit."))
        return redirect("promote:order", order_id=order.pk)
    try:
        services.order_resubmit(
            order_id=order.pk, commercial_music_declared=not live, actor=request.user, now=timezone.now()
        )
        messages.success(request, _("Resubmitted: the order is in review again."))
    except services.PromoteError as exc:
        messages.error(request, str(exc))
    return redirect("promote:order", order_id=order.pk)


@login_required
@require_POST
def authorization_decide(request: HttpRequest, authorization_id: int) -> HttpResponse:
    grant = request.POST.get("decision") == "grant"
    try:
        done = services.share_authorization_decide(
            authorization_id=authorization_id, user=request.user, grant=grant, now=timezone.now()
        )
        messages.success(
            request,
            (_("%(brand)s may promote your post.") if grant else _("You said no to %(brand)s."))
            % {"brand": done.merchant.brand_name},
        )
    except services.PromoteError as exc:
        messages.error(request, str(exc))
    return redirect("promote:home")


@login_required
def shared_order(request: HttpRequest, order_id: int) -> HttpResponse:
    """A brand's promotion of the person's own post: its results (nothing of the brand's coins)."""
    order = PromoteOrder.objects.filter(
        pk=order_id, tracked_post__user=request.user, wallet__merchant__isnull=False
    ).first()
    if order is None:
        raise Http404(_("No such promotion of your post."))
    return render(
        request,
        "promote/shared_order.html",
        selectors.order_analytics(order=order, zone=timezone.get_current_timezone())
        | {"brand": order.wallet.merchant},
    )
