"""The consumer's subscriptions page, ``/wallet/subscriptions/``: the plans and their rules, subscribe,
see the renewal date and benefits, cancel (at the end of the paid month) or keep."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cards.stripe import CardPaymentUnavailable
from subscriptions import selectors
from subscriptions.forms import SubscribeForm
from subscriptions.models import SubscriptionPayment, SubscriptionStatus
from subscriptions.services import (
    SubscriptionError,
    subscription_cancel,
    subscription_card_checkout_start,
    subscription_keep,
    subscription_start,
)
from wallets.debts import debts_of
from wallets.formats import money_text
from wallets.models import Purpose
from wallets.services import account_for, balance


def _page(
    request: HttpRequest, *, form: SubscribeForm | None = None, form_plan: int | None = None, status=200
):
    user = request.user
    mine = list(selectors.subscriptions_of(user=user)[:20])
    running = {s.plan_id for s in mine if s.status == SubscriptionStatus.ACTIVE}
    plans = [
        {
            "plan": plan,
            "terms": selectors.plan_terms(plan),
            "subscribed": plan.pk in running,
            "available": balance(
                account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency=plan.currency)
            ),
            "form": form
            if form is not None and form_plan == plan.pk
            else SubscribeForm(initial={"plan": plan.pk}),
        }
        for plan in selectors.plans_offered()
    ]
    shown = form is not None and any(
        item["plan"].pk == form_plan and not item["subscribed"] for item in plans
    )
    return render(
        request,
        "subscriptions/home.html",
        {
            "plans": plans,
            "mine": [{"subscription": s, "terms": s.terms.split("\n\n")} for s in mine],
            "payments": SubscriptionPayment.objects.filter(subscription__user=user)
            .select_related("subscription__plan")
            .order_by("-paid_at", "-pk")[:12],
            "debts": debts_of(owner=user),
            "card_returned": request.GET.get("card") == "paid",
            "errors": form.non_field_errors() if form is not None and not shown else [],
        },
        status=status,
    )


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a plan on the page."))
        return redirect("subscriptions:home")
    if form.cleaned_data["pay_with"] == "CARD":
        home_url = request.build_absolute_uri(reverse("subscriptions:home"))
        try:
            url = subscription_card_checkout_start(
                user=request.user,
                plan_id=form.cleaned_data["plan"],
                terms_accepted=form.cleaned_data["accept"],
                success_url=home_url + "?card=paid",
                cancel_url=home_url,
                now=timezone.now(),
            )
        except (SubscriptionError, CardPaymentUnavailable) as exc:
            form.add_error(None, str(exc))
            return _page(request, form=form, form_plan=form.cleaned_data["plan"], status=400)
        return redirect(url)
    try:
        subscription = subscription_start(
            user=request.user,
            plan_id=form.cleaned_data["plan"],
            terms_accepted=form.cleaned_data["accept"],
            now=timezone.now(),
        )
    except SubscriptionError as exc:
        form.add_error(None, str(exc))
        return _page(request, form=form, form_plan=form.cleaned_data["plan"], status=400)
    until = date_format(timezone.localtime(subscription.period_end), "DATE_FORMAT")
    messages.success(
        request,
        _(
            "You have %(plan)s: %(fee)s was taken from your available balance. "
            "It applies to the rewards you earn from now on and renews on %(until)s."
        )
        % {"plan": subscription.plan.name, "fee": money_text(subscription.fee_money), "until": until},
    )
    return redirect("subscriptions:home")


@login_required
@require_POST
def cancel(request: HttpRequest, subscription_id: int) -> HttpResponse:
    try:
        subscription = subscription_cancel(
            user=request.user, subscription_id=subscription_id, now=timezone.now()
        )
    except SubscriptionError as exc:
        messages.error(request, str(exc))
        return redirect("subscriptions:home")
    until = date_format(timezone.localtime(subscription.period_end), "DATE_FORMAT")
    messages.success(
        request,
        _("%(plan)s is cancelled: it runs until %(until)s, and nothing more is taken.")
        % {"plan": subscription.plan.name, "until": until},
    )
    return redirect("subscriptions:home")


@login_required
@require_POST
def keep(request: HttpRequest, subscription_id: int) -> HttpResponse:
    try:
        subscription = subscription_keep(
            user=request.user, subscription_id=subscription_id, now=timezone.now()
        )
    except SubscriptionError as exc:
        messages.error(request, str(exc))
        return redirect("subscriptions:home")
    until = date_format(timezone.localtime(subscription.period_end), "DATE_FORMAT")
    messages.success(
        request, _("%(plan)s will renew on %(until)s.") % {"plan": subscription.plan.name, "until": until}
    )
    return redirect("subscriptions:home")
