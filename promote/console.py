"""The merchant console's Promote pages (``/console/promote/...``): coins, orders, analytics.

Buying and withdrawing coins needs ``MANAGE_BILLING`` (it moves the prepaid funds), placing an
order ``MANAGE_CAMPAIGNS``; everyone in the team sees the orders and their figures. Every page
is scoped to the selected merchant: another merchant's order is a 404.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import User
from campaigns.models import Video
from core.spreadsheets import download_name
from merchants.console_site import console_render, console_site, console_view
from merchants.consumer_ids import consumer_ref, consumer_user_id
from merchants.days import merchant_zone
from merchants.models import Membership
from merchants.roles import Capability
from merchants.selectors import (
    PersonSeen,
    consenting_people_search,
    consenting_person_get,
    neutral_label,
    people_seen_by_merchant,
)
from merchants.tenancy import console_can, console_membership
from promote import selectors, services
from promote.forms import (
    LIVE_CHOICE,
    BuyCoinsForm,
    MerchantCouponForm,
    OrderForm,
    WithdrawForm,
    order_form_submit,
    order_titles,
)
from promote.models import AuthorizationStatus, Goal, PromoteOrder, ShareAuthorization
from wallets.formats import money_text
from wallets.money import COIN


def _merchant(request: HttpRequest):
    return console_membership(request).merchant


@console_view(Capability.VIEW)
def promote_home(request: HttpRequest) -> HttpResponse:
    merchant = _merchant(request)
    can_pay = console_can(request, Capability.MANAGE_BILLING)
    currencies = selectors.coin_currencies(holder=merchant)
    buy, withdraw = (
        BuyCoinsForm(initial={"currency": merchant.currency}, currencies=currencies),
        WithdrawForm(),
    )
    repeat_question = None
    if request.method == "POST":
        if not can_pay:
            messages.error(request, _("Your role does not allow buying or withdrawing coins."))
            return redirect("console:promote")
        now = timezone.now()
        try:
            if request.POST.get("action") == "buy":
                buy = BuyCoinsForm(request.POST, currencies=currencies)
                if buy.is_valid():
                    purchase = services.coins_buy_from_wallet(
                        holder=merchant,
                        coins_count=buy.cleaned_data["coins"],
                        currency=buy.cleaned_data["currency"],
                        actor=request.user,
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
                    return redirect("console:promote")
            elif request.POST.get("action") == "withdraw":
                withdraw = WithdrawForm(request.POST)
                if withdraw.is_valid():
                    done = services.coins_withdraw(
                        holder=merchant,
                        coins_count=withdraw.cleaned_data["coins"],
                        actor=request.user,
                        now=now,
                    )
                    messages.success(
                        request,
                        _("%(coins)s withdrawn: %(amount)s back in the wallet.")
                        % {
                            "coins": money_text(done.coins, COIN),
                            "amount": money_text(done.amount, done.currency),
                        },
                    )
                    return redirect("console:promote")
        except services.RepeatPurchase as exc:
            # The form again, bound (same values and key), asking whether to buy again.
            repeat_question = _(
                "%(coins)s were bought for %(amount)s at %(at)s, %(ago)s. Buy another %(another)s?"
            ) % exc.words(coins_count=buy.cleaned_data["coins"])
        except services.PromoteError as exc:
            messages.error(request, str(exc))
    wallet = selectors.coin_wallet_get(holder=merchant)
    return console_render(
        request,
        "console/promote/home.html",
        {
            "title": pgettext("product name", "Promote"),
            "coins": selectors.coins_held(wallet=wallet),
            "prices": selectors.coin_prices_text(currency=wallet.currency if wallet else merchant.currency),
            "wallet": wallet,
            "orders": selectors.orders_of(wallet=wallet)[:100],
            "purchases": selectors.purchases_of(wallet=wallet),
            "can_see_invoices": console_can(request, Capability.VIEW_BILLING),
            "buy_form": buy,
            "repeat_question": repeat_question,
            "withdraw_form": withdraw,
            "can_pay": can_pay,
            "can_order": console_can(request, Capability.MANAGE_CAMPAIGNS),
        },
    )


@console_view(Capability.MANAGE_CAMPAIGNS)
def promote_new(request: HttpRequest) -> HttpResponse:
    merchant = _merchant(request)
    videos = (
        Video.objects.filter(merchant=merchant)
        .exclude(tiktok_url="")
        .prefetch_related("texts")
        .order_by("slot")
    )
    language = translation.get_language()
    shares = ShareAuthorization.objects.filter(
        merchant=merchant, status=AuthorizationStatus.GRANTED
    ).select_related("tracked_post")
    rooms = services.live_rooms(holder=merchant)
    choices = [
        (f"{LIVE_CHOICE}{account}", _("Your brand's LIVE room (@%(account)s)") % {"account": account})
        for account in rooms
    ]
    choices += [(f"v{v.pk}", v.title_in(language)) for v in videos] + [
        (
            f"p{a.tracked_post_id}",
            _("A consumer's share: TikTok video %(video)s") % {"video": a.tracked_post.video_id},
        )
        for a in shares
    ]
    form = OrderForm(request.POST or None, content_choices=choices)
    estimate = quote = form_used_for = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        estimate = selectors.estimate_for(budget_coins=data["budget_coins"], goal=data["goal"])
        submitted = order_form_submit(
            form,
            holder=merchant,
            actor=request.user,
            confirmed=request.POST.get("confirm") == "yes",
            now=timezone.now(),
        )
        quote, form_used_for = submitted.quote, submitted.form_used_for
        if quote.reasons:
            estimate = None
        if submitted.order is not None:
            order = submitted.order
            messages.success(
                request, _("Promotion #%(number)s is paid and waiting for review.") % {"number": order.pk}
            )
            return redirect("console:promote_order", pk=order.pk)
    wallet = selectors.coin_wallet_get(holder=merchant)
    return console_render(
        request,
        "console/promote/new.html",
        {
            **order_titles(form, live=_("Promote a LIVE"), other=_("Promote a video")),
            "form": form,
            "estimate": estimate,
            "quote": quote,
            "form_used_for": form_used_for,
            "goal_label": Goal(form.cleaned_data["goal"]).label if estimate else "",
            "coins": selectors.coins_held(wallet=wallet),
            "matrix": selectors.matrix(),
            # A LIVE promotes the brand's TikTok account going live, never a recorded video: without
            # an account TikJoy knows, LIVE is not offered, and the page says why.
            "live_note": ""
            if rooms
            else _(
                "LIVE is not offered: a LIVE promotion promotes your brand's TikTok account when it goes "
                "live, and TikJoy knows that account from the TikTok URLs of your library videos "
                "(https://www.tiktok.com/@account/video/...). Add a video posted on it to the library."
            ),
        },
    )


@console_view(Capability.VIEW)
def promote_shares(request: HttpRequest) -> HttpResponse:
    """Consumers' verified shares of the merchant's videos, and whether they agreed to a promotion."""
    merchant = _merchant(request)
    if request.method == "POST":
        if not console_can(request, Capability.MANAGE_CAMPAIGNS):
            messages.error(request, _("Your role does not allow asking consumers."))
            return redirect("console:promote_shares")
        try:
            post_id = int(request.POST.get("post", ""))
        except ValueError:
            post_id = 0
        try:
            services.share_authorization_request(
                merchant=merchant, tracked_post_id=post_id, actor=request.user, now=timezone.now()
            )
            messages.success(request, _("Asked: the consumer answers on their Promote page."))
        except services.PromoteError as exc:
            messages.error(request, str(exc))
        return redirect("console:promote_shares")
    posts = selectors.shares_latest(merchant=merchant)
    asked = {
        a.tracked_post_id: a
        for a in ShareAuthorization.objects.filter(merchant=merchant, tracked_post__in=[p.pk for p in posts])
    }
    return console_render(
        request,
        "console/promote/shares.html",
        {"title": _("Consumers' shares"), "rows": [(p, asked.get(p.pk)) for p in posts]},
    )


def _order(request: HttpRequest, pk: int) -> PromoteOrder:
    order = (
        PromoteOrder.objects.filter(pk=pk, wallet__merchant=_merchant(request))
        .select_related("video")
        .prefetch_related("video__texts")
        .first()
    )
    if order is None:
        raise Http404(_("No such promotion of this merchant."))
    return order


@console_view(Capability.VIEW)
def promote_order(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    return console_render(
        request,
        "console/promote/order.html",
        {
            "title": _("Promotion #%(number)s") % {"number": order.pk},
            **selectors.order_analytics(order=order, zone=merchant_zone(order.wallet.merchant)),
        },
    )


@console_view(Capability.VIEW)
def promote_order_csv(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    response = HttpResponse(
        selectors.csv_text(order=order, zone=merchant_zone(order.wallet.merchant)),
        content_type="text/csv; charset=utf-8",
    )
    filename = download_name(
        pgettext("file name", "promotion"), order.pk, order.wallet.merchant.slug, day=timezone.localdate()
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _coupon_code(merchant) -> str:
    """A fresh code for a merchant's coupon: its slug's letters and digits, then 8 hex digits."""
    prefix = re.sub(r"[^A-Za-z0-9]", "", merchant.slug)[:16] or "COUPON"
    return f"{prefix}-{secrets.token_hex(4)}".upper()


SEARCH_MAX_LENGTH = 100
COUPONS_PER_PAGE = 50


def _search_term(request: HttpRequest) -> str:
    """What was typed to find the consumer (``q``, in the query string or with the posted form)."""
    return (request.GET.get("q") or request.POST.get("q") or "")[:SEARCH_MAX_LENGTH].replace("\x00", "")


def _person_text(person: PersonSeen) -> str:
    """How a consumer reads in the picker: their label, then the other things they shared (to tell
    two people of the same name apart)."""
    others = [value for value in person.shown.values() if value != person.label]
    return f"{person.label} ({', '.join(others)})" if others else person.label


def _ref(merchant, person: PersonSeen) -> str:
    return consumer_ref(merchant_id=merchant.pk, user_id=person.user_id)


def _person_of_ref(merchant, ref: str) -> PersonSeen | None:
    """The consenting person a posted reference names, None for anything else."""
    user_id = consumer_user_id(merchant_id=merchant.pk, ref=ref)
    return None if user_id is None else consenting_person_get(merchant=merchant, user_id=user_id)


@console_view(Capability.MANAGE_BILLING)
def promote_coupon_consumers(request: HttpRequest) -> JsonResponse:
    """The coupon form's search (JSON): the merchant's consenting consumers whom ``q`` finds in
    what they shared with it, at most 20."""
    merchant = _merchant(request)
    found = consenting_people_search(merchant=merchant, term=_search_term(request))
    return JsonResponse(
        {
            # Each person by the id this brand knows them by (con_..., as in the API), never their user id.
            "results": [
                {"id": _ref(merchant, person), "text": _person_text(person)} for person in found.people
            ],
            "more": found.more,
        }
    )


@console_view(Capability.VIEW)
def promote_coupons(request: HttpRequest) -> HttpResponse:
    """Coupons the merchant gives its consumers: paid from its coins (set aside when issued, back
    when a coupon ends unused or an order leaves part of it), one per order. The consumer is
    searched (``q``; the page's script asks ``promote_coupon_consumers`` as the merchant types)."""
    merchant = _merchant(request)
    can_issue = console_can(request, Capability.MANAGE_BILLING)
    now = timezone.now()
    term = _search_term(request)
    found = consenting_people_search(merchant=merchant, term=term) if can_issue else None
    choices = [(_ref(merchant, person), _person_text(person)) for person in found.people] if found else []
    form = MerchantCouponForm(
        request.POST if request.method == "POST" and request.POST.get("action") == "issue" else None,
        consumer_choices=choices,
        find_person=lambda ref: _person_of_ref(merchant, ref),
        initial={
            "valid_from": now.replace(second=0, microsecond=0),
            "valid_until": (now + timedelta(days=30)).replace(second=0, microsecond=0),
        },
    )
    status = 200
    if request.method == "POST":
        if not can_issue:
            messages.error(
                request, _("Your role does not allow giving coupons: they are paid from the coins.")
            )
            return redirect("console:promote_coupons")
        if request.POST.get("action") not in ("issue", "revoke"):
            return redirect("console:promote_coupons")
        if request.POST.get("action") == "revoke":
            try:
                coupon_id = int(request.POST.get("coupon", ""))
            except ValueError:
                coupon_id = 0
            try:
                done = services.coupon_revoke(
                    coupon_id=coupon_id, merchant=merchant, actor=request.user, now=now
                )
                messages.success(
                    request,
                    _("Coupon %(code)s withdrawn: its %(coins)s are back.")
                    % {"code": done.code, "coins": money_text(done.coins, COIN)},
                )
            except services.PromoteError as exc:
                messages.error(request, str(exc))
            return redirect("console:promote_coupons")
        if form.is_valid():
            data = form.cleaned_data
            try:
                coupon = services.coupon_issue(
                    code=data["code"] or _coupon_code(merchant),
                    coins_count=data["coins"],
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                    kind=data["kind"],
                    user=User.objects.get(pk=form.person.user_id),
                    merchant=merchant,
                    actor=request.user,
                    now=now,
                )
            except services.PromoteError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Coupon %(code)s (%(coins)s) given to %(person)s; they see it on their Promote page.")
                    % {
                        "code": coupon.code,
                        "coins": money_text(coupon.coins, COIN),
                        "person": form.person.label,
                    },
                )
                return redirect("console:promote_coupons")
        picked = form.cleaned_data.get("consumer") if form.person is not None else None
        if picked and picked not in {ref for ref, _text in choices}:
            # The person picked stays offered (the script may have found them with another term).
            form.fields["consumer"].widget.choices.append((picked, _person_text(form.person)))
        status = 400
    wallet = selectors.coin_wallet_get(holder=merchant)
    # 50 a page, newest first, "Older coupons" for the next (rendering a row costs more than
    # reading it: 200 rows were 80 ms of CPU).
    before = request.GET.get("before", "")
    before_id = int(before) if before.isascii() and before.isdigit() and len(before) < 19 else None
    uses = selectors.coupons_of_merchant(merchant=merchant, limit=COUPONS_PER_PAGE + 1, before=before_id)
    older = uses[COUPONS_PER_PAGE - 1].coupon.pk if len(uses) > COUPONS_PER_PAGE else None
    uses = uses[:COUPONS_PER_PAGE]
    people = people_seen_by_merchant(merchant=merchant, user_ids=[use.coupon.user_id for use in uses])
    response = console_render(
        request,
        "console/promote/coupons.html",
        {
            "title": _("Coupons for your consumers"),
            "form": form,
            "can_issue": can_issue,
            "term": term,
            "found": found,
            "older": older,
            # Nobody to give a coupon to: no consumer has an active consent (the newest are listed
            # when nothing is searched).
            "no_consumers": found is not None and not term and not found.people,
            "coins": selectors.coins_held(wallet=wallet),
            "rows": [
                (
                    use,
                    people[use.coupon.user_id].label
                    if use.coupon.user_id in people
                    else neutral_label(merchant_id=merchant.pk, user_id=use.coupon.user_id),
                )
                for use in uses
            ],
        },
    )
    response.status_code = status
    return response


def _figures(merchant, now) -> dict:
    return selectors.merchant_panel_expressions(merchant=merchant)


def _panel(request: HttpRequest, membership: Membership, *, figures: dict) -> dict:
    return {"coins": int(figures["coins"]), "running": figures["running"]}


console_site.register_url("promote/", promote_home, name="promote")
console_site.register_url("promote/new/", promote_new, name="promote_new")
console_site.register_url("promote/shares/", promote_shares, name="promote_shares")
console_site.register_url("promote/coupons/", promote_coupons, name="promote_coupons")
console_site.register_url(
    "promote/coupons/consumers/", promote_coupon_consumers, name="promote_coupon_consumers"
)
console_site.register_url("promote/<int:pk>/", promote_order, name="promote_order")
console_site.register_url("promote/<int:pk>/csv/", promote_order_csv, name="promote_order_csv")
console_site.register_panel(
    key="promote", order=60, template="console/panels/promote.html", context=_panel, figures=_figures
)
