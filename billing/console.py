"""The merchant console's billing pages: Statements and Invoices, with their files.

Registered from ``BillingConfig.ready``. Both lists are scoped by ``ConsoleModelAdmin`` to the
selected merchant; the downloads go through the same scoped queryset, so another merchant's
document is a 404 (the generic walk in ``merchants/tests/test_tenant_isolation.py`` checks it).
Every member who may VIEW the console sees them (the role table in ``merchants.roles``).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.downloads import invoice_file, statement_file
from billing.models import Invoice, InvoiceStatus, Statement
from billing.selectors import (
    MERCHANT_OWNER,
    coin_purchase_figures,
    document_blobs,
    document_with_file,
    invoice_line_get,
    sha256_typed,
)
from billing.services import coin_invoice_issue
from merchants.console_site import ConsoleModelAdmin, console_site, console_view
from merchants.roles import Capability
from merchants.tenancy import console_membership
from wallets.columns import money_column
from wallets.formats import label_text, money_text, percent_text


class _DocumentConsoleAdmin(ConsoleModelAdmin):
    """Statements and invoices: for the roles that may see billing (``Capability.VIEW_BILLING``)."""

    view_capability = Capability.VIEW_BILLING
    files: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest):
        # The files (megabytes for a month of a busy merchant) are read only when downloaded.
        return super().get_queryset(request).defer(*document_blobs(self.model))

    def _document(self, request: HttpRequest, object_id: str, what: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        obj = (
            document_with_file(self.get_queryset(request), what).filter(pk=object_id).first()
            if str(object_id).isascii() and str(object_id).isdigit()
            else None
        )
        if obj is None:
            raise Http404(_("No such document in this merchant."))
        return obj

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                f"<path:object_id>/{what}/",
                self.admin_site.admin_view(self.download_view),
                {"what": what},
                name=f"{info[0]}_{info[1]}_{what}",
            )
            for what in self.files
        ]
        return urls + super().get_urls()

    def _links(self, obj) -> str:
        info = self.opts.app_label, self.opts.model_name
        return format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            (
                (reverse(f"console:{info[0]}_{info[1]}_{what}", args=[obj.pk]), what.upper())
                for what in self.files
            ),
        )

    @admin.display(description=gettext_lazy("Download"))
    def download(self, obj) -> str:
        return self._links(obj)


class StatementConsoleAdmin(_DocumentConsoleAdmin):
    files = ("pdf", "csv")
    # "issued at" is shown in the merchant's zone: the list and the detail name it, as the wallet does.
    change_list_template = "console/billing/statement_change_list.html"
    change_form_template = "console/billing/statement_change_form.html"
    list_display = ("month_label", "opening_balance_text", "closing_balance_text", "issued_at", "download")
    opening_balance_text = money_column("opening_balance", Statement)
    closing_balance_text = money_column("closing_balance", Statement)
    money_in_text = money_column("money_in", Statement)
    money_out_text = money_column("money_out", Statement)
    list_filter = ("currency",)
    list_select_related = ("merchant",)  # each row's name (its checkbox's label) names the merchant
    fields = (
        "month_label",
        "period_text",
        "currency",
        "opening_balance_text",
        "money_in_text",
        "money_out_text",
        "closing_balance_text",
        "entry_count",
        "issued_at",
        "sha256",
        "download",
    )
    readonly_fields = fields
    export_fields = (
        "month",
        "currency",
        "opening_balance",
        "money_in",
        "money_out",
        "closing_balance",
        "sha256",
    )
    ordering = ("-month", "currency")
    search_fields = ("sha256",)  # see get_search_results
    search_help_text = gettext_lazy(
        "Paste the SHA-256 of a statement's PDF file (64 letters and digits) to find the statement "
        "it is: a file that was changed matches none."
    )

    def get_search_results(self, request, queryset, search_term):
        """A whole SHA-256 in any case (the index billing_statement_sha256), nothing else: a part of
        one would read every statement."""
        if not search_term.strip():
            return queryset, False
        digest = sha256_typed(search_term)
        return (queryset.filter(sha256=digest) if digest else queryset.none()), False

    @admin.display(description=gettext_lazy("Month"), ordering="month")
    def month_label(self, obj: Statement) -> str:
        return date_format(obj.month, "YEAR_MONTH_FORMAT")

    @admin.display(description=gettext_lazy("Period"))
    def period_text(self, obj: Statement) -> str:
        """The instants it covers, in the zone it was issued in (the merchant's then)."""
        return _("%(start)s to %(end)s, time zone: %(zone)s") % obj.period.words()

    def download_view(self, request: HttpRequest, object_id: str, what: str) -> HttpResponse:
        return statement_file(self._document(request, object_id, what), what)


class InvoiceConsoleAdmin(_DocumentConsoleAdmin):
    files = ("pdf", "xml")
    list_display = ("number", "kind", "period", "gross_amount_text", "issue_date", "download")
    net_amount_text = money_column("net_amount", Invoice)
    vat_amount_text = money_column("vat_amount", Invoice)
    gross_amount_text = money_column("gross_amount", Invoice)
    list_filter = ("kind", "currency")
    fields = (
        "number",
        "kind",
        "period",
        "line",
        "net_amount_text",
        "vat_rate_shown",
        "vat_amount_text",
        "gross_amount_text",
        "currency",
        "vat_note",
        "issue_date",
        "download",
    )
    readonly_fields = fields
    export_fields = ("number", "kind", "issue_date", "net_amount", "vat_amount", "gross_amount", "currency")
    ordering = ("-issue_date", "-pk")

    def get_queryset(self, request: HttpRequest):
        # Drafts are the platform's working copies: merchants see finalised documents only.
        return super().get_queryset(request).filter(status=InvoiceStatus.FINALISED)

    @admin.display(description=gettext_lazy("Period"), ordering="month")
    def period(self, obj: Invoice) -> str:
        return date_format(obj.month, "YEAR_MONTH_FORMAT")

    @admin.display(description=gettext_lazy("VAT rate"))
    def vat_rate_shown(self, obj: Invoice) -> str:
        """As a percentage the reader's language writes ("19 %", "0 %"; it read "0,00")."""
        return percent_text(obj.vat_rate)

    @admin.display(description=gettext_lazy("description"))
    def line(self, obj: Invoice) -> str:
        """In the reader's language for a coin invoice (the PDF and XML keep the issued text); an invoice
        of several lines (the margin on rewards, on affiliate commissions, on WhatsApp messages) gives
        each line with its net amount, as the PDF does."""
        lines = obj.lines
        if len(lines) < 2:
            return invoice_line_get(obj)
        return format_html_join(
            mark_safe("<br>"),
            "{}",
            ((label_text(text, money_text(net, obj.currency)),) for text, net in lines),
        )

    def download_view(self, request: HttpRequest, object_id: str, what: str) -> HttpResponse:
        return invoice_file(self._document(request, object_id, what), what)


@console_view(Capability.VIEW_BILLING)
def coin_purchase_invoice(request: HttpRequest, transaction_id: int) -> HttpResponse:
    """The invoice of one of the selected merchant's coin purchases (issued now if the schedule
    hasn't yet), linked from the console's Promote page."""
    merchant = console_membership(request).merchant
    figures = coin_purchase_figures(transaction_id=transaction_id)
    if figures is None or (figures.owner_type, figures.owner_id) != (MERCHANT_OWNER, merchant.pk):
        raise Http404(_("No such coin purchase of this merchant."))
    invoice = coin_invoice_issue(transaction_id=transaction_id, now=timezone.now())
    if not invoice.is_final:
        messages.info(request, _("The invoice is being prepared: it will be listed under Invoices shortly."))
        return redirect("console:billing_invoice_changelist")
    return redirect("console:billing_invoice_pdf", invoice.pk)


console_site.register_url(
    "billing/coins/<int:transaction_id>/invoice/", coin_purchase_invoice, name="billing_coin_purchase_invoice"
)
console_site.register(Statement, StatementConsoleAdmin)
console_site.register(Invoice, InvoiceConsoleAdmin)
