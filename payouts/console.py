"""The console's page for a merchant's bank details (where a closing merchant's refund goes).

Owners only (``Capability.CLOSE_MERCHANT``, which a closed merchant keeps): the details wait for
a one-time code sent to the owner's own e-mail, then a 48-hour hold starts and every owner is
told, as for a person's details (docs/payouts.md, "Merchant payees").
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from core.i18n import moment_text
from merchants.console_site import console_render, console_site, console_view
from merchants.roles import Capability
from merchants.tenancy import console_membership
from payouts import selectors, services
from payouts.forms import BankDetailsForm, CodeForm
from payouts.models import MERCHANT_PAYEE, BankDetailsChallenge


@console_view(Capability.CLOSE_MERCHANT)
def refund_bank(request: HttpRequest) -> HttpResponse:
    merchant = console_membership(request).merchant
    current = selectors.current_bank_account(owner=merchant)
    initial = {
        "holder_name": merchant.legal_name,
        "postcode": merchant.billing_postcode,
        "town": merchant.billing_city,
    }
    form = BankDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            details = services.bank_details_clean(**form.cleaned_data)
            challenge = services.merchant_bank_details_challenge_start(
                merchant=merchant, user=request.user, details=details, now=timezone.now()
            )
        except services.PayoutError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("console:refund_bank_confirm", challenge_id=challenge.pk)
    return console_render(
        request,
        "console/refund_bank.html",
        {"title": _("Bank account for refunds"), "form": form, "current": current, "merchant": merchant},
    )


@console_view(Capability.CLOSE_MERCHANT)
def refund_bank_confirm(request: HttpRequest, challenge_id: int) -> HttpResponse:
    merchant = console_membership(request).merchant
    challenge = BankDetailsChallenge.objects.filter(
        pk=challenge_id, user=request.user, owner_type=MERCHANT_PAYEE, owner_id=merchant.pk
    ).first()
    if challenge is None:
        messages.error(request, _("This code is no longer valid. Enter the bank details again."))
        return redirect("console:refund_bank")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            now = timezone.now()
            confirmed = services.bank_details_confirm(
                user=request.user, challenge_id=challenge.pk, code=form.cleaned_data["code"], now=now
            )
        except services.PayoutError as exc:
            form.add_error(None, str(exc))
        else:
            account = confirmed.account
            if confirmed.already_saved:  # a second code for the same details, confirmed after the first
                text = services.already_saved_text(account=account, now=now)  # the merchant's zone
            else:
                text = _("Bank details saved: %(iban)s. A refund to them can be sent from %(when)s.") % {
                    "iban": account.iban_masked,
                    "when": moment_text(account.payouts_hold_until, "SHORT_DATETIME_FORMAT"),
                }
            messages.success(request, text)
            return redirect("console:refund_bank")
    return console_render(
        request,
        "console/refund_bank_confirm.html",
        {"title": _("Confirm the bank details"), "form": form, "challenge": challenge},
    )


console_site.register_url("refund-bank/", refund_bank, name="refund_bank")
console_site.register_url(
    "refund-bank/<int:challenge_id>/confirm/", refund_bank_confirm, name="refund_bank_confirm"
)
