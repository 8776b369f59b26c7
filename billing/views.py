"""A consumer's invoices for Promote coins: ``/billing/invoices/`` (list, PDF, XML) and the
on-demand invoice of one purchase (``/billing/coins/<transaction>/invoice/``, linked from the
Promote page). Merchants find theirs in the console (Invoices)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.downloads import invoice_file
from billing.models import Invoice, InvoiceStatus
from billing.months import billing_zone
from billing.selectors import coin_invoices_of_user, coin_purchase_figures
from billing.services import coin_invoice_issue

USER_OWNER = "accounts.user"
FILES = ("pdf", "xml")


@login_required
def invoices(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "billing/my_invoices.html",
        {"invoices": coin_invoices_of_user(user=request.user), "zone": billing_zone().key},
    )


@login_required
def invoice_download(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    invoice = Invoice.objects.filter(pk=pk, user=request.user, status=InvoiceStatus.FINALISED).first()
    if invoice is None or what not in FILES:
        raise Http404("No such invoice of yours.")
    return invoice_file(invoice, what)


@login_required
def coin_purchase_invoice(request: HttpRequest, transaction_id: int) -> HttpResponse:
    """The invoice of one of the person's coin purchases: issued now if the schedule hasn't yet."""
    figures = coin_purchase_figures(transaction_id=transaction_id)
    if figures is None or (figures.owner_type, figures.owner_id) != (USER_OWNER, request.user.pk):
        raise Http404("No such coin purchase of yours.")
    invoice = coin_invoice_issue(transaction_id=transaction_id, now=timezone.now())
    if not invoice.is_final:
        messages.info(request, _("Your invoice is being prepared: it will be listed here shortly."))
        return redirect("billing:invoices")
    return redirect("billing:invoice_download", pk=invoice.pk, what="pdf")
