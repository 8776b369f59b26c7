"""The person's payout pages under /wallet/payouts/: bank details (with a one-time code), identity, requests."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from moneyed import Money

from core.i18n import moment_text
from payouts import selectors, services
from payouts.countries import SEPA_COUNTRIES
from payouts.forms import BankDetailsForm, CodeForm, IdentityForm, PayoutRequestForm
from payouts.models import BankDetailsChallenge, IdentityStatus, PayeeIdentity
from payouts.services import OVER_BALANCE
from social.phone_regions import visitor_phone_region
from wallets.formats import money_text


def _address_country_guess(request: HttpRequest) -> dict[str, str]:
    """The address's country first shown to a person who gave none yet: their own WhatsApp number's, else
    their browser's (es-ES, es: Spain), when it is a SEPA country; else the form's own default. A Spanish
    visitor was offered Germany and could send a Madrid address as German."""
    region = visitor_phone_region(request)
    return {"country": region} if region in SEPA_COUNTRIES else {}


@login_required
def payouts_home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    page = selectors.payouts_page_get(user=request.user, now=now)
    form = PayoutRequestForm(
        request.POST or None,
        initial={"amount": page.available.amount},
    )
    if request.method == "POST" and form.is_valid():
        whole = form.cleaned_data["whole"]
        shown = form.cleaned_data["shown_available"]
        if whole and shown is not None and shown != page.available.amount:  # a stale tab's button
            form.add_error(
                None,
                _("Your balance changed: nothing was requested. Available now: %(available)s.")
                % {"available": money_text(page.available)},
            )
            return render(request, "payouts/home.html", {"page": page, "form": form})
        amount = page.available if whole else Money(form.cleaned_data["amount"], "EUR")
        try:
            payout = services.payout_request(user=request.user, amount=amount, now=now)
        except services.PayoutError as exc:
            message = str(exc)
            if whole:
                page = selectors.payouts_page_get(user=request.user, now=now)
                if page.available != amount:  # another request took it between the read and the lock
                    message = _(
                        "Your balance changed: nothing was requested. Available now: %(available)s."
                    ) % {"available": money_text(page.available)}
            form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Your payout of %(amount)s is requested. We will send it to your bank.")
                % {"amount": money_text(payout.money)},
            )
            return redirect("payouts:home")
    if form.has_error("amount", "too_large"):
        # Twenty-three digits are above this person's balance: said as such, not as the form's limit.
        form.errors["amount"] = form.error_class([OVER_BALANCE])
    return render(request, "payouts/home.html", {"page": page, "form": form})


@login_required
@require_POST
def payout_cancel(request: HttpRequest, payout_id: int) -> HttpResponse:
    try:
        payout = services.payout_cancel(payout_id=payout_id, user=request.user, now=timezone.now())
    except services.PayoutError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Payout cancelled: %(amount)s is back in your wallet.") % {"amount": money_text(payout.money)},
        )
    return redirect("payouts:home")


@login_required
def bank_details(request: HttpRequest) -> HttpResponse:
    current = selectors.current_bank_account(owner=request.user)
    initial = _address_country_guess(request)
    if current:
        initial = {
            "holder_name": current.holder_name,
            "street": current.street,
            "building_number": current.building_number,
            "postcode": current.postcode,
            "town": current.town,
            "country": current.country,
        }
    form = BankDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            details = services.bank_details_clean(**form.cleaned_data)
            challenge = services.bank_details_challenge_start(
                user=request.user, details=details, now=timezone.now()
            )
        except services.PayoutError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("payouts:bank_confirm", challenge_id=challenge.pk)
    return render(
        request,
        "payouts/bank.html",
        {
            "form": form,
            "current": current,
            "code_channel": services.code_channel_for(request.user),
        },
    )


@login_required
def bank_details_confirm(request: HttpRequest, challenge_id: int) -> HttpResponse:
    challenge = BankDetailsChallenge.objects.filter(pk=challenge_id, user=request.user).first()
    if challenge is None:
        messages.error(request, _("This code is no longer valid. Enter your bank details again."))
        return redirect("payouts:bank")
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
                text = services.already_saved_text(account=account, now=now)
            else:
                text = _(
                    "Bank details saved: %(iban)s. For your safety, payouts to them can start after %(when)s."
                ) % {
                    "iban": account.iban_masked,
                    "when": moment_text(account.payouts_hold_until, "SHORT_DATETIME_FORMAT"),
                }
            messages.success(request, text)
            return redirect("payouts:home")
    return render(request, "payouts/bank_confirm.html", {"form": form, "challenge": challenge})


@login_required
def identity(request: HttpRequest) -> HttpResponse:
    current = PayeeIdentity.objects.filter(user=request.user).first()
    initial = _address_country_guess(request)
    if current:
        initial = {
            field: getattr(current, field)
            for field in (
                "legal_name",
                "date_of_birth",
                "street",
                "building_number",
                "postcode",
                "town",
                "country",
                "tax_id",
            )
        }
    form = IdentityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.identity_submit(user=request.user, now=timezone.now(), **form.cleaned_data)
        except services.PayoutError as exc:
            form.add_error(None, str(exc))
        else:
            if current is not None and saved.submitted_at == current.submitted_at:  # the same details
                if saved.status == IdentityStatus.VERIFIED:
                    messages.success(
                        request, _("Your details are unchanged and already verified: nothing to do.")
                    )
                else:
                    messages.success(request, _("Your details are unchanged: we are still checking them."))
            elif selectors.payouts_for(owner=request.user).exists():  # "first" would be untrue
                messages.success(request, _("Thank you. We check your new details before your next payout."))
            else:
                messages.success(request, _("Thank you. We check your details before your first payout."))
            return redirect("payouts:home")
    return render(request, "payouts/identity.html", {"form": form, "current": current})
