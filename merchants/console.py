"""Console pages that are not a model's list: merchant switcher, wallet, add funds."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from moneyed import Money

from core.spreadsheets import amount, download_name
from merchants.console_site import (
    console_render,
    console_site,
    console_view,
    csv_response,
    export_text,
    window_page,
)
from merchants.models import Membership, Merchant
from merchants.roles import Capability
from merchants.selectors import (
    wallet_balance_expression,
    wallet_balances,
    wallet_history,
    wallet_lines,
)
from merchants.tenancy import console_can, console_membership, console_select
from wallets.formats import money_text


def switch(request: HttpRequest) -> HttpResponse:
    """GET: the user's merchants; POST ``merchant``: act for that one from now on."""
    if request.method == "POST":
        try:
            merchant_id = int(request.POST.get("merchant", ""))
        except ValueError:
            merchant_id = 0
        if console_select(request, merchant_id=merchant_id) is None:
            raise PermissionDenied(_("You are not in the team of that merchant."))
        return redirect("console:index")
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("merchant")
        .order_by("merchant__brand_name", "merchant__slug")
    )
    return console_render(
        request, "console/switch.html", {"title": _("Switch merchant"), "memberships": memberships}
    )


switch.console_any_merchant = True  # switching is how a person changes the merchant they act on


@console_view(Capability.VIEW)
def wallet(request: HttpRequest) -> HttpResponse:
    merchant = console_membership(request).merchant
    page = window_page(request, wallet_history(merchant=merchant), 25)
    return console_render(
        request,
        "console/wallet.html",
        {
            "title": pgettext("merchant prepaid wallet", "Wallet"),
            "balances": [money_text(m) for m in wallet_balances(merchant=merchant)],
            "page_obj": page,
            "lines": [(line, money_text(line.money)) for line in wallet_lines(page.object_list)],
            "can_add_funds": console_can(request, Capability.MANAGE_BILLING),
        },
    )


# The wallet CSV's header in the reader's language, as the other files a merchant downloads (the
# columns keep their order: when, what, detail, amount, currency; amounts stay plain numbers).
WALLET_CSV_COLUMNS = (  # capitalised, as the other console lists' exports are headed
    pgettext_lazy("wallet CSV column", "When"),
    pgettext_lazy("wallet CSV column", "What"),
    pgettext_lazy("wallet CSV column", "Detail"),
    pgettext_lazy("wallet CSV column", "Amount"),
    pgettext_lazy("wallet CSV column", "Currency"),
)


@console_view(Capability.VIEW)
def wallet_export(request: HttpRequest) -> HttpResponse:
    """The whole wallet history as CSV, streamed (amounts as numbers with the reader's decimal mark: a
    spreadsheet adds them up; times in the merchant's zone, as the console's list exports write them)."""
    merchant = console_membership(request).merchant
    entries = wallet_history(merchant=merchant).iterator(chunk_size=2000)
    rows = (
        (export_text(line.at), line.what, line.detail, amount(line.money.amount), str(line.money.currency))
        for line in wallet_lines(entries)
    )
    filename = download_name(pgettext("file name", "wallet"), merchant.slug, day=timezone.localdate())
    return csv_response(filename, [str(column) for column in WALLET_CSV_COLUMNS], rows)


@console_view(Capability.MANAGE_BILLING)
def add_funds(request: HttpRequest) -> HttpResponse:
    merchant = console_membership(request).merchant
    return console_render(
        request,
        "console/add_funds.html",
        {"title": _("Add funds"), "merchant": merchant, "bank": settings.PLATFORM_BANK_DETAILS},
    )


def _wallet_figures(merchant: Merchant, now) -> dict:
    return {"balance": wallet_balance_expression(merchant=merchant)}


def _wallet_panel(request: HttpRequest, membership: Membership, *, figures: dict) -> dict:
    merchant = membership.merchant
    balance = Money(figures["balance"] or Decimal("0.00"), merchant.currency)
    return {
        "merchant": merchant,
        "balance": money_text(balance),
        "can_add_funds": console_can(request, Capability.MANAGE_BILLING),
    }


console_site.register_url("switch/", switch, name="switch")
console_site.register_url("wallet/", wallet, name="wallet")
console_site.register_url("wallet/export.csv", wallet_export, name="wallet_export")
console_site.register_url("wallet/add-funds/", add_funds, name="add_funds")
console_site.register_panel(
    key="wallet",
    order=10,
    template="console/panels/wallet.html",
    context=_wallet_panel,
    stylesheet="merchants/console.css",
    figures=_wallet_figures,
)
