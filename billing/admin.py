"""Billing in the ops admin (/ops/): statements (read-only), invoices (finalise, credit notes, files)."""

from __future__ import annotations

import re

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from billing.downloads import invoice_file, statement_file
from billing.forms import CreditNoteForm
from billing.models import DocumentKind, Invoice, Statement
from billing.months import BadMonth, Month
from billing.selectors import (
    credited_total,
    document_blobs,
    document_with_file,
    sha256_typed,
    statement_years,
)
from billing.services import credit_note_issue, invoice_finalise, invoice_resend
from core.admin import ListAtScaleMixin
from core.errors import DomainError
from merchants.models import Merchant
from wallets.columns import money_column
from wallets.formats import label_text, money_text, number_text
from wallets.money import Currency


class _Files:
    files: tuple[str, ...] = ()

    def _file_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                f"<path:object_id>/{what}/",
                self.admin_site.admin_view(self.download_view),
                {"what": what},
                name=f"{info[0]}_{info[1]}_{what}",
            )
            for what in self.files
        ]

    def get_queryset(self, request: HttpRequest):
        # The files are read only when downloaded (a list of 100 busy statements is a gigabyte).
        return super().get_queryset(request).defer(*document_blobs(self.model))

    @admin.display(description=gettext_lazy("Files"))
    def download(self, obj) -> str:
        if not obj.sha256:  # a draft invoice has no files yet (an issued document always has)
            return "-"
        info = self.opts.app_label, self.opts.model_name
        return format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            ((reverse(f"admin:{info[0]}_{info[1]}_{w}", args=[obj.pk]), w.upper()) for w in self.files),
        )


class CurrencyFilter(admin.SimpleListFilter):
    """The currencies TikJoy handles (Django's default filter reads every row's currency: a scan of
    the table for each page)."""

    title = gettext_lazy("currency")
    parameter_name = "currency__exact"

    def lookups(self, request, model_admin):
        return Currency.choices

    def queryset(self, request, queryset):
        return queryset.filter(currency=self.value()) if self.value() else queryset


class MonthFilter(admin.SimpleListFilter):
    """A statement's month: the twelve months before this one, then every year that has statements,
    newest first. Statements are monthly, so Django's date filter ("Today", "Past 7 days") offered
    choices that match none; the months are computed and the years read in one index-backed query
    (``statement_years``), not by reading the rows for each page."""

    title = gettext_lazy("month")
    parameter_name = "month"
    months_shown = 12

    def lookups(self, request, model_admin):
        months = [Month.before(timezone.now())]
        while len(months) < self.months_shown:
            months.append(months[-1].previous)
        years = [f"{year:04d}" for year in statement_years()]
        return [(str(month), month.text()) for month in months] + [(year, year) for year in years]

    def queryset(self, request, queryset):
        value = self.value() or ""
        if re.fullmatch(r"\d{4}", value):
            # ``0000`` is no year a date can have (the lookup would raise): nothing matches it
            return queryset.filter(month__year=int(value)) if int(value) >= 1 else queryset.none()
        try:
            return queryset.filter(month=Month.parse(value).first_day) if value else queryset
        except BadMonth:
            return queryset.none()


NUMBER = re.compile(r"(?P<series>[A-Z]+-\d{4})-(?P<sequence>\d{1,9})")


def _merchants_matching(term: str):
    return Merchant.objects.filter(Q(brand_name__icontains=term) | Q(slug__icontains=term)).values("pk")


@admin.register(Statement)
class StatementOpsAdmin(ListAtScaleMixin, _Files, admin.ModelAdmin):
    files = ("pdf", "csv")
    list_display = (
        "merchant",
        "month_label",
        "opening_balance_text",
        "closing_balance_text",
        "issued_at",
        "download",
    )
    opening_balance_text = money_column("opening_balance", Statement)
    closing_balance_text = money_column("closing_balance", Statement)
    list_filter = (MonthFilter, CurrencyFilter)
    search_fields = ("merchant__brand_name", "merchant__slug", "sha256")  # see get_search_results
    ordering = ("-month", "-id")  # newest first, whatever order they were issued in
    list_select_related = ("merchant",)
    exclude = ("pdf", "csv", "sections", "pending_at_end")  # shown as tables (sections_table, …)
    readonly_fields = (
        "merchant",
        "currency",
        "month",
        "period_start",
        "period_end",
        "time_zone",
        "opening_balance",
        "money_in",
        "money_out",
        "closing_balance",
        "entry_count",
        "sections_table",
        "pending_at_end_table",
        "sha256",
        "issued_at",
        "download",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return self._file_urls() + super().get_urls()

    # The month as a month ("November 2026"), as the console and the PDF name it, not its first day.
    @admin.display(description=gettext_lazy("Month"), ordering="month")
    def month_label(self, obj: Statement) -> str:
        return date_format(obj.month, "YEAR_MONTH_FORMAT")

    # The stored figures (JSON, amounts with a dot) as the PDF prints them, in the reader's number
    # format; the titles and labels stay in the statement's language, as on the PDF.
    @admin.display(description=capfirst(Statement._meta.get_field("sections").verbose_name))
    def sections_table(self, obj: Statement) -> SafeString | str:
        if not obj.sections:
            return _("No movement on the wallet this month.")
        rows = []
        for section in obj.sections:
            rows.append(format_html('<tr><th colspan="3">{}</th></tr>', section["title"]))
            rows.extend(
                format_html(
                    '<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td></tr>',
                    line["label"],
                    number_text(line["count"]),
                    money_text(line["amount"], obj.currency),
                )
                for line in section["lines"]
            )
            rows.append(
                format_html(
                    '<tr><td>{}</td><td></td><td class="num"><strong>{}</strong></td></tr>',
                    _("Total"),
                    money_text(section["total"], obj.currency),
                )
            )
        return format_html(
            '<table><thead><tr><th>{}</th><th class="num">{}</th><th class="num">{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            _("What"),
            _("Movements"),
            _("Amount"),
            SafeString("".join(rows)),
        )

    @admin.display(description=capfirst(Statement._meta.get_field("pending_at_end").verbose_name))
    def pending_at_end_table(self, obj: Statement) -> SafeString:
        figures = obj.pending_at_end or {}
        return format_html(
            "<table><tbody>{}</tbody></table>",
            format_html_join(
                "",
                '<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td></tr>',
                (
                    (
                        label,
                        number_text(figures.get(f"{kind}_count", 0)),
                        money_text(figures.get(f"{kind}_amount", "0"), obj.currency),
                    )
                    for kind, label in (
                        ("pending", _("Rewards still pending (reversible until their hold ends)")),
                        ("held", _("Rewards held for review")),
                    )
                ),
            ),
        )

    def get_search_results(self, request, queryset, search_term):
        """A PDF's SHA-256 (whole), or a merchant's name or slug: the merchants matched first, then
        their statements through the index, not a substring scan of every statement."""
        term = search_term.strip().lower()
        if not term:
            return queryset, False
        digest = sha256_typed(term)
        if digest is not None:  # the index billing_statement_sha256 (billing.0009)
            return queryset.filter(sha256=digest), False
        # The merchants' ids first: PostgreSQL then knows how many matched (a term every merchant
        # has walks the newest statements; a subquery's estimate had it read them all, then sort).
        merchants = list(_merchants_matching(term).values_list("pk", flat=True))
        return queryset.filter(merchant_id__in=merchants), False

    def download_view(self, request: HttpRequest, object_id: str, what: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return statement_file(
            get_object_or_404(document_with_file(Statement.objects.all(), what), pk=object_id), what
        )


@admin.register(Invoice)
class InvoiceOpsAdmin(ListAtScaleMixin, _Files, admin.ModelAdmin):
    files = ("pdf", "xml")
    list_display = (
        "__str__",
        "merchant",
        "user",
        "status",
        "period_start",
        "gross_amount_text",
        "vat_category",
        "issue_date",
        "download",
    )
    gross_amount_text = money_column("gross_amount", Invoice)
    list_filter = ("status", "kind", "vat_category", CurrencyFilter)
    ordering = ("-period_start", "-id")  # newest first, whatever order they were issued in
    search_fields = ("number", "merchant__brand_name", "merchant__slug", "user__email", "user__display_name")
    list_select_related = ("merchant", "user")
    actions = ["finalise_selected", "resend_selected"]
    exclude = ("pdf", "xml")
    readonly_fields = [f.name for f in Invoice._meta.fields if f.name not in ("pdf", "xml")] + [
        "download",
        "credit_link",
    ]
    change_form_template = "admin/billing/invoice_ops_change_form.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            *self._file_urls(),
            path(
                "<path:object_id>/credit-note/",
                self.admin_site.admin_view(self.credit_note_view),
                name=f"{info[0]}_{info[1]}_credit_note",
            ),
            *super().get_urls(),
        ]

    def get_search_results(self, request, queryset, search_term):
        """A number (its series and sequence: the unique index), or a merchant's name or slug, or a
        consumer's e-mail or name: the merchants and the consumers with coin invoices matched first,
        not a substring scan of every invoice joined to both."""
        term = search_term.strip()
        if not term:
            return queryset, False
        number = NUMBER.fullmatch(term.upper())
        if number:
            return queryset.filter(series=number["series"], sequence=int(number["sequence"])), False
        # The ids first (two small reads), so that PostgreSQL ORs two index scans of the invoices.
        merchants = list(_merchants_matching(term).values_list("pk", flat=True))
        buyers = list(
            User.objects.filter(pk__in=Invoice.objects.filter(user__isnull=False).values("user_id"))
            .filter(Q(email__icontains=term) | Q(display_name__icontains=term))
            .values_list("pk", flat=True)
        )
        return queryset.filter(Q(merchant_id__in=merchants) | Q(user_id__in=buyers)), False

    @admin.display(description=gettext_lazy("Credit note"))
    def credit_link(self, obj: Invoice) -> str:
        if obj.kind != DocumentKind.INVOICE or not obj.is_final:
            return "-"
        url = reverse("admin:billing_invoice_credit_note", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Issue a credit note"))

    def download_view(self, request: HttpRequest, object_id: str, what: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return invoice_file(
            get_object_or_404(document_with_file(Invoice.objects.all(), what), pk=object_id), what
        )

    @admin.action(
        description=gettext_lazy("Finalise the selected drafts (number, validate, PDF)"), permissions=["view"]
    )
    def finalise_selected(self, request: HttpRequest, queryset) -> None:
        if not request.user.is_superuser:
            raise PermissionDenied
        now = timezone.now()
        for invoice in queryset.order_by("pk"):
            if invoice.is_final:
                continue
            try:
                done = invoice_finalise(invoice_id=invoice.pk, actor=request.user, now=now)
            except DomainError as exc:
                messages.error(request, label_text(invoice, exc))
            else:
                messages.success(request, _("Finalised %(number)s.") % {"number": done.number})

    @admin.action(
        description=gettext_lazy("E-mail the selected invoices to their buyers again"), permissions=["view"]
    )
    def resend_selected(self, request: HttpRequest, queryset) -> None:
        for invoice in queryset.order_by("pk"):
            try:
                invoice_resend(invoice_id=invoice.pk)
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                if invoice.merchant_id:  # one whole sentence per case: each language its own preposition
                    done = _("%(invoice)s e-mailed to the owners of %(brand)s.") % {
                        "invoice": invoice,
                        "brand": invoice.merchant,
                    }
                else:
                    done = _("%(invoice)s e-mailed to %(buyer)s.") % {
                        "invoice": invoice,
                        "buyer": invoice.buyer_name,
                    }
                messages.success(request, done)

    def credit_note_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not request.user.is_superuser:
            raise PermissionDenied
        invoice = get_object_or_404(Invoice, pk=object_id, kind=DocumentKind.INVOICE)
        form = CreditNoteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                note = credit_note_issue(
                    invoice_id=invoice.pk,
                    gross_amount=form.cleaned_data["gross_amount"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                    now=timezone.now(),
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Credit note %(number)s issued; the amount is back in the wallet.")
                    % {"number": note.number},
                )
                return redirect("admin:billing_invoice_change", note.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Credit note for %(invoice)s") % {"invoice": invoice},
            "invoice": invoice,
            "remaining": invoice.gross_amount - credited_total(invoice=invoice),
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(
            request, "admin/billing/credit_note_form.html", context, status=400 if form.errors else 200
        )
