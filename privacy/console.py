"""The console page where an owner closes the merchant (``/console/close/``) and sees it through.

Before: what closing does to the money (or why it can't be done now, in words), reversing the
pending rewards with a reason, the bank account for the refund. After: the refund's state, asking
for it again when it came back, the final statement. Owners only (``Capability.CLOSE_MERCHANT``).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from moneyed import Money

from core.errors import DomainError
from merchants.console_site import console_render, console_site, console_view
from merchants.models import Membership
from merchants.roles import Capability
from merchants.selectors import wallet_balance
from merchants.tenancy import console_can, console_membership
from payouts.selectors import current_bank_account, payouts_for
from privacy import services
from privacy.forms import CloseMerchantForm, ReverseRewardsForm
from privacy.selectors import merchant_closure_get, merchant_closure_plan_get
from promote.selectors import coin_holdings_get
from wallets.formats import list_text, money_text


@console_view(Capability.CLOSE_MERCHANT)
def close(request: HttpRequest) -> HttpResponse:
    merchant = console_membership(request).merchant
    now = timezone.now()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    close_form = CloseMerchantForm(request.POST if action == "close" else None)
    reverse_form = ReverseRewardsForm(request.POST if action == "reverse" else None)
    if action == "refund":
        try:
            payout = services.merchant_refund_request(merchant=merchant, actor=request.user, now=now)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                gettext("The refund of %(amount)s is asked for again.")
                % {"amount": money_text(payout.money)},
            )
        return redirect("console:close")
    try:
        if action == "close" and close_form.is_valid():
            services.merchant_close(
                merchant=merchant, actor=request.user, confirmed=close_form.cleaned_data["confirmed"], now=now
            )
            messages.success(request, gettext("%(brand)s is closed.") % {"brand": merchant.brand_name})
            return redirect("console:close")
        if action == "reverse" and reverse_form.is_valid():
            done = services.merchant_rewards_reverse(
                merchant=merchant, actor=request.user, reason=reverse_form.cleaned_data["reason"], now=now
            )
            # Every reward reversed, a share's engagement rewards with it, as the wallet lists them.
            messages.success(
                request,
                ngettext(
                    "%(count)s reward reversed: %(amount)s is back in the wallet.",
                    "%(count)s rewards reversed: %(amount)s is back in the wallet.",
                    len(done.rewards),
                )
                % {
                    "count": len(done.rewards),
                    "amount": list_text(
                        money_text(amount) for amount in done.refunded() or [Money(0, merchant.currency)]
                    ),
                },
            )
            return redirect("console:close")
    except DomainError as exc:
        (close_form if action == "close" else reverse_form).add_error(None, str(exc))
    merchant.refresh_from_db()
    context = {"title": gettext("Close %(brand)s") % {"brand": merchant.brand_name}, "merchant": merchant}
    if merchant.closed_at is None:
        plan = merchant_closure_plan_get(merchant=merchant, now=now)
        close_form = (
            close_form if close_form.is_bound else CloseMerchantForm(initial={"confirmed": plan.fingerprint})
        )
        if close_form.is_bound:
            close_form.data = close_form.data.copy()
            close_form.data["confirmed"] = plan.fingerprint
        context |= {"plan": plan, "close_form": close_form, "reverse_form": reverse_form}
    else:
        context |= {
            "closure": merchant_closure_get(merchant=merchant),
            "refunds": list(payouts_for(owner=merchant)[:20]),
            "left": wallet_balance(merchant=merchant),
            "returned": coin_holdings_get(holder=merchant),
        }
    context["bank"] = current_bank_account(owner=merchant)
    return console_render(request, "console/close.html", context)


def _closing_panel(request: HttpRequest, membership: Membership) -> dict:
    return {"merchant": membership.merchant, "can_close": console_can(request, Capability.CLOSE_MERCHANT)}


console_site.register_url("close/", close, name="close")
console_site.register_panel(
    key="closing", order=990, template="console/panels/closing.html", context=_closing_panel
)
