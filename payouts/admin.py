"""Payouts in /ops/: the request queue, identities, SEPA batches (four eyes), bank files.

Nothing here edits money or state directly: every button calls one service of
``payouts.services`` per row, and the ledger records each movement.
"""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.admin import (
    ListAtScaleMixin,
    ReadOnlyAdmin,
    SearchBy,
    WindowChangeList,
    digits,
    email_start,
    name_part,
)
from merchants.models import Merchant
from payouts import event_reasons, sandbox_bank, selectors, services
from payouts.countries import address_country_choices
from payouts.import_summary import outcome_text, summary_text
from payouts.models import (
    MERCHANT_PAYEE,
    BankAccount,
    BankFile,
    BankLine,
    BatchState,
    IdentityStatus,
    PayeeIdentity,
    Payout,
    PayoutBatch,
    PayoutEvent,
)
from wallets.columns import money_column
from wallets.formats import label_text


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=300, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("The person sees it.")
    )


def _imported_text(result: services.ImportResult) -> str:
    """The message after an import. It never starts with the file's name: the admin capitalises a
    message's first letter, and the ISO names are written in lower case (pain.002, camt.054)."""
    return gettext("Imported %(file)s: %(summary)s") % {"file": result.bank_file, "summary": result.message()}


def _each(modeladmin, request, queryset, apply, title: str) -> None:
    done = 0
    for obj in queryset.order_by("pk"):
        try:
            apply(obj)
            done += 1
        except services.PayoutError as exc:
            modeladmin.message_user(request, label_text(obj, exc), messages.ERROR)
    if done:
        modeladmin.message_user(
            request,
            gettext("%(action)s: %(count)s done.") % {"action": title, "count": done},
            messages.SUCCESS,
        )


def _with_reason(modeladmin, request: HttpRequest, queryset: QuerySet, *, title: str, apply):
    """Ask for a reason on an intermediate page, then apply ``apply(obj, reason)`` to each row."""
    if "apply" in request.POST:
        form = ReasonForm(request.POST)
        if form.is_valid():
            _each(modeladmin, request, queryset, lambda obj: apply(obj, form.cleaned_data["reason"]), title)
            return None
    else:
        form = ReasonForm()
    return TemplateResponse(
        request,
        "admin/reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "action": request.POST.get("action"),
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


class PayoutEventInline(admin.TabularInline):
    model = PayoutEvent
    fields = ("at", "from_state_text", "to_state_text", "reason_text", "reason_code", "actor", "bank_file")
    readonly_fields = fields
    extra = 0
    can_delete = False

    # The states by name ("Sent to the bank"), not their codes ("EXPORTED").
    @admin.display(description=_("from"))
    def from_state_text(self, obj: PayoutEvent) -> str:
        return obj.from_state_name

    @admin.display(description=_("to"))
    def to_state_text(self, obj: PayoutEvent) -> str:
        return obj.to_state_name

    # Why, in the reader's language (recorded in English).
    @admin.display(description=_("reason"))
    def reason_text(self, obj: PayoutEvent) -> str:
        return event_reasons.reason_text(obj.reason)

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # Each event's actor and bank file by name, with the events; never the file's raw bytes.
        return super().get_queryset(request).select_related("actor", "bank_file").defer("bank_file__raw")


def reference(term: str) -> str | None:
    """A payout's or a file's reference as an operator may type it: any case, with spaces."""
    text = term.replace(" ", "").upper()
    return text if text.isalnum() and len(text) <= 35 else None


def iban_hash_of(term: str) -> str | None:
    """The keyed hash of an IBAN typed or pasted with spaces, dashes or dots, or in lower case (``None``: not an IBAN)."""
    text = services.iban_compact(term)
    if IBAN_SHAPE.fullmatch(text) is None:
        return None
    return services.iban_hash(text)


IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")


class _PayoutChangeList(WindowChangeList):
    """The page's risk signals in four queries for all its rows (not three a row)."""

    def get_results(self, request):
        super().get_results(request)
        signals = services.payout_risk_signals_many(self.result_list)
        for payout in self.result_list:
            payout.risk_signals = signals[payout.pk]


class _BankAccountChangeList(WindowChangeList):
    """How many people stand behind each IBAN of the page, in one query (not one a row)."""

    def get_results(self, request):
        super().get_results(request)
        shared = selectors.iban_shared_counts([a.iban_hash for a in self.result_list])
        for account in self.result_list:
            account.shared_count = shared.get(account.iban_hash, 1)


@admin.register(Payout)
class PayoutAdmin(ListAtScaleMixin, ReadOnlyAdmin):
    list_display = (
        "id",
        "requested_at",
        "payee",
        "requested_by",
        "amount_text",
        "state",
        "kyc",
        "hold",
        "risk",
        "escalation",
        "batch",
    )
    amount_text = money_column("amount", Payout)
    list_filter = ("state", "escalation")
    # What each search matches (docs/payouts.md, "Ops lists at scale"), each through an index.
    search_fields = ("id", "end_to_end_id", "bank_account__iban", "requested_by__email", "creditor_name")
    search_by = (
        SearchBy("id", normalize=digits),
        SearchBy("end_to_end_id", normalize=reference),
        SearchBy("bank_account__iban_hash", normalize=iban_hash_of),
        SearchBy("requested_by__email", how="prefix", normalize=email_start),
        SearchBy("creditor_name", how="contains", normalize=name_part),
    )
    search_help_text = _(
        "A payout's number or reference (TJP...), an IBAN (spaces and case don't matter), the "
        "requester's e-mail address or its start up to the @, or part of the payee's name (3 letters "
        "or more)."
    )
    list_select_related = ("requested_by", "bank_account", "batch", "requested_by__payee_identity")
    ordering = ("-requested_at", "-id")  # newest first (the payouts_requested_id index)
    sortable_by = ("id", "requested_at")
    inlines = [PayoutEventInline]
    actions = ["approve", "reject", "build_batch"]
    # Who is paid reads as such ("person", "merchant refund: ... (merchant #3)"), not as the owner's
    # content type and id ("accounts.user", 10): requested_by names the person.
    # Where it stands reads in the reader's language ("reason_shown"; recorded in English).
    readonly_fields = [
        {"owner_type": "payee", "reason": "reason_shown"}.get(f.name, f.name)
        for f in Payout._meta.fields
        if f.name != "owner_id"
    ]
    exclude = ("owner_type", "owner_id", "reason")

    @admin.display(description=_("reason"))
    def reason_shown(self, obj: Payout) -> str:
        return event_reasons.payout_reason_text(obj.reason)

    @admin.display(description=_("payee"))
    def payee(self, obj: Payout) -> str:
        if obj.owner_type == MERCHANT_PAYEE:
            return gettext("merchant refund: %(name)s (merchant #%(id)s)") % {
                "name": obj.creditor_name,
                "id": obj.owner_id,
            }
        return pgettext("payee kind", "person")

    @admin.display(description=_("KYC"))
    def kyc(self, obj: Payout) -> str:
        if obj.owner_type == MERCHANT_PAYEE:
            return gettext("business: legal details on the merchant")
        identity = getattr(obj.requested_by, "payee_identity", None)
        return identity.get_status_display() if identity else gettext("none given")

    @admin.display(description=_("hold"))
    def hold(self, obj: Payout) -> str:
        account = obj.bank_account
        if account.is_blocked:
            return gettext("blocked (%(code)s)") % {"code": account.blocked_code}
        if account.payouts_hold_until > timezone.now():
            return gettext("until %(when)s") % {
                "when": date_format(timezone.localtime(account.payouts_hold_until), "SHORT_DATETIME_FORMAT")
            }
        return "-"

    def get_changelist(self, request, **kwargs):
        return _PayoutChangeList

    def get_queryset(self, request):
        # The people, the account and the file a payout names, read with it (its page and the list:
        # Django then leaves list_select_related aside, so it is all here); never the file's
        # pain.001 (a megabyte for 2,000 payouts, once per row of its payouts).
        return (
            super()
            .get_queryset(request)
            .select_related(*self.list_select_related, "approved_by")
            .defer("batch__xml")
        )

    @admin.display(description=_("risk signals"))
    def risk(self, obj: Payout) -> str:
        signals = getattr(obj, "risk_signals", None)
        if signals is None:
            signals = services.payout_risk_signals(obj)
        return "; ".join(signals) or "-"

    @admin.action(description=_("Approve selected payouts"))
    def approve(self, request, queryset):
        now = timezone.now()
        _each(
            self,
            request,
            queryset,
            lambda p: services.payout_approve(payout_id=p.pk, actor=request.user, now=now),
            pgettext_lazy("ops action done", "Approved"),
        )

    @admin.action(description=_("Reject selected payouts (with a reason)"))
    def reject(self, request, queryset):
        now = timezone.now()
        return _with_reason(
            self,
            request,
            queryset,
            title=_("Reject payouts"),
            apply=lambda p, reason: services.payout_reject(
                payout_id=p.pk, actor=request.user, reason=reason, now=now
            ),
        )

    @admin.action(description=_("Build a SEPA file from all approved payouts"))
    def build_batch(self, request, queryset):
        try:
            batch = services.batch_build(actor=request.user, now=timezone.now())
        except services.PayoutError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return None
        self.message_user(
            request,
            gettext("Built %(batch)s. Another person must release it before it goes to the bank.")
            % {"batch": batch},
            messages.SUCCESS,
        )
        return redirect(reverse("admin:payouts_payoutbatch_change", args=[batch.pk]))


class SandboxAnswerForm(forms.Form):
    reject = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: EndToEndId CODE (e.g. AC04); the bank rejects these in its pain.002."),
    )
    give_back = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: EndToEndId CODE (e.g. MD07); paid, then returned in the camt.054."),
    )

    @staticmethod
    def _codes(value: str) -> dict[str, str]:
        out = {}
        for line in value.splitlines():
            parts = line.split()
            if len(parts) != 2 or len(parts[1]) != 4:
                raise forms.ValidationError(
                    gettext("%(line)s: write the EndToEndId, a space and a 4-letter ISO code.")
                    % {"line": repr(line)}
                )
            out[parts[0]] = parts[1].upper()
        return out

    def clean_reject(self):
        return self._codes(self.cleaned_data["reject"])

    def clean_give_back(self):
        return self._codes(self.cleaned_data["give_back"])


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnlyAdmin):
    list_display = (
        "msg_id",
        "state",
        "count",
        "control_sum_text",
        "built_by",
        "built_at",
        "released_by",
        "released_at",
    )
    control_sum_text = money_column("control_sum", PayoutBatch)  # "€16.00", not "16.00"
    list_filter = ("state",)
    search_fields = ("msg_id", "pmt_inf_id")
    list_select_related = ("built_by", "released_by")
    ordering = ("-built_at", "-id")  # newest first
    actions = ["release", "discard"]
    exclude = ("xml",)

    def get_queryset(self, request):
        # The pain.001 file (a megabyte for 2,000 payouts) is read only when downloaded.
        return super().get_queryset(request).defer("xml")

    readonly_fields = (
        "msg_id",
        "pmt_inf_id",
        "state",
        "currency",
        "count",
        "control_sum_text",
        "execution_date",
        "built_by",
        "built_at",
        "released_by",
        "released_at",
        "file",
    )
    fields = readonly_fields  # every one read-only, in this order (the total with its currency only)

    @admin.display(description=_("file"))
    def file(self, obj: PayoutBatch) -> str:
        # Four eyes: the file for the bank exists for people only once a second person released it
        # (a built file downloaded by its builder could be sent to the bank by one person alone).
        if obj.state == BatchState.BUILT:
            return gettext("It can be downloaded once another person has released it.")
        if obj.state != BatchState.EXPORTED:
            return gettext("Discarded before release: never to be sent to the bank.")
        links = format_html(
            '<a href="{}">{}</a>',
            reverse("admin:payouts_batch_xml", args=[obj.pk]),
            gettext("Download %(file)s") % {"file": obj.filename},
        )
        if settings.SOCIAL_SANDBOX and obj.state == BatchState.EXPORTED:
            links += format_html(
                ' · <a href="{}">{}</a>',
                reverse("admin:payouts_batch_sandbox", args=[obj.pk]),
                gettext("Answer as the sandbox bank"),
            )
        return links

    def get_urls(self):
        return [
            path("<int:batch_id>/xml/", self.admin_site.admin_view(self.xml_view), name="payouts_batch_xml"),
            path(
                "<int:batch_id>/sandbox-bank/",
                self.admin_site.admin_view(self.sandbox_view),
                name="payouts_batch_sandbox",
            ),
            *super().get_urls(),
        ]

    def xml_view(self, request, batch_id: int) -> HttpResponse:
        batch = get_object_or_404(PayoutBatch, pk=batch_id)
        if batch.state != BatchState.EXPORTED:  # four eyes: see ``file``
            self.message_user(
                request,
                gettext("%(file)s was not released to the bank: it can't be downloaded.")
                % {"file": batch.filename},
                messages.ERROR,
            )
            return redirect(reverse("admin:payouts_payoutbatch_change", args=[batch.pk]))
        response = HttpResponse(bytes(batch.xml), content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{batch.filename}"'
        return response

    def sandbox_view(self, request, batch_id: int) -> HttpResponse:
        batch = get_object_or_404(PayoutBatch, pk=batch_id, state=BatchState.EXPORTED)
        if not settings.SOCIAL_SANDBOX:
            self.message_user(
                request, gettext("The sandbox bank only answers in sandbox mode."), messages.ERROR
            )
            return redirect(reverse("admin:payouts_payoutbatch_change", args=[batch.pk]))
        form = SandboxAnswerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            answer = sandbox_bank.BankAnswer(
                reject=form.cleaned_data["reject"], give_back=form.cleaned_data["give_back"]
            )
            try:
                results = sandbox_bank.answer_and_import(
                    batch=batch, answer=answer, actor=request.user, now=timezone.now()
                )
            except services.PayoutError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                for result in results:
                    self.message_user(request, _imported_text(result), messages.SUCCESS)
                return redirect(reverse("admin:payouts_payoutbatch_change", args=[batch.pk]))
        return TemplateResponse(
            request,
            "admin/payouts/sandbox_bank.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Sandbox bank: answer %(msg_id)s") % {"msg_id": batch.msg_id},
                "form": form,
                "batch": batch,
                "payouts": batch.payouts.order_by("pk")[:200],
                "opts": self.model._meta,
            },
        )

    @admin.action(description=_("Release selected files to the bank (four eyes: not the builder)"))
    def release(self, request, queryset):
        now = timezone.now()
        _each(
            self,
            request,
            queryset,
            lambda b: services.batch_release(batch_id=b.pk, actor=request.user, now=now),
            pgettext_lazy("ops action done", "Released"),
        )

    @admin.action(description=_("Discard selected files (payouts go back to the approved queue)"))
    def discard(self, request, queryset):
        now = timezone.now()
        _each(
            self,
            request,
            queryset,
            lambda b: services.batch_discard(batch_id=b.pk, actor=request.user, now=now),
            pgettext_lazy("ops action done", "Discarded"),
        )


class BankLineInline(admin.TabularInline):
    model = BankLine
    fields = ("reference", "end_to_end_id", "amount", "status", "reason_code", "payout", "outcome_in_words")
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0

    @admin.display(description=_("outcome"))
    def outcome_in_words(self, obj: BankLine) -> str:
        # Recorded in English (BankLine.outcome); read in the ops person's language.
        return outcome_text(obj.outcome)

    def get_queryset(self, request):
        # Each line's payout by name, with the lines (a camt.054 answers for 2,000 payouts).
        return super().get_queryset(request).select_related("payout")


class BankFileUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("A pain.002, camt.054 or camt.053 XML file from the bank.")
    )


@admin.register(BankFile)
class BankFileAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "msg_id", "name", "uploaded_by", "uploaded_at", "summary_in_words")
    list_filter = ("kind",)
    search_fields = ("msg_id", "name", "sha256", "lines__end_to_end_id")
    ordering = ("-uploaded_at", "-id")  # newest first
    exclude = ("raw", "summary", "details")
    readonly_fields = ("summary_in_words",)
    inlines = [BankLineInline]
    change_list_template = "admin/payouts/bankfile_change_list.html"

    @admin.display(description=_("summary"))
    def summary_in_words(self, obj: BankFile) -> str:
        # Recorded in English (BankFile.summary); read in the ops person's language from its details.
        return summary_text(obj.details, recorded=obj.summary)

    def get_queryset(self, request):
        # The file's bytes are read only when downloaded (raw_view), never for the list or its page.
        return super().get_queryset(request).defer("raw")

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="payouts_bankfile_upload"),
            path(
                "<int:file_id>/raw/", self.admin_site.admin_view(self.raw_view), name="payouts_bankfile_raw"
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request) -> HttpResponse:
        if not self.has_view_permission(request) or not request.user.has_perm("payouts.add_bankfile"):
            self.message_user(request, gettext("You may not import bank files."), messages.ERROR)
            return redirect(reverse("admin:payouts_bankfile_changelist"))
        form = BankFileUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = services.bank_file_import(
                    raw=upload.read(), name=upload.name, actor=request.user, now=timezone.now()
                )
            except services.PayoutError as exc:
                form.add_error("file", str(exc))
            else:
                self.message_user(request, _imported_text(result), messages.SUCCESS)
                return redirect(reverse("admin:payouts_bankfile_change", args=[result.bank_file.pk]))
        return TemplateResponse(
            request,
            "admin/payouts/upload.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Import a bank file"),
                "form": form,
                "opts": self.model._meta,
            },
        )

    def raw_view(self, request, file_id: int) -> HttpResponse:
        bank_file = get_object_or_404(BankFile, pk=file_id)
        response = HttpResponse(bytes(bank_file.raw), content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="bank-file-{bank_file.pk}.xml"'
        return response


@admin.register(PayeeIdentity)
class PayeeIdentityAdmin(ReadOnlyAdmin):
    list_display = (
        "user",
        "legal_name",
        "date_of_birth",
        "country",
        "tax_id",
        "status",
        "submitted_at",
        "reviewed_by",
    )
    list_filter = ("status",)
    search_fields = ("legal_name", "user__email", "tax_id")
    actions = ["verify", "ask_for_more"]

    @admin.action(description=_("Mark selected people verified"))
    def verify(self, request, queryset):
        now = timezone.now()
        _each(
            self,
            request,
            queryset.exclude(status=IdentityStatus.VERIFIED),
            lambda i: services.identity_review(
                identity=i, actor=request.user, verified=True, reason="", now=now
            ),
            pgettext_lazy("ops action done", "Verified"),
        )

    @admin.action(description=_("Ask selected people for more (with a reason)"))
    def ask_for_more(self, request, queryset):
        now = timezone.now()
        return _with_reason(
            self,
            request,
            queryset,
            title=_("Ask for more"),
            apply=lambda i, reason: services.identity_review(
                identity=i, actor=request.user, verified=False, reason=reason, now=now
            ),
        )


class CountryFilter(admin.SimpleListFilter):
    """The SEPA countries, from the country table (not ``SELECT DISTINCT`` over every account)."""

    title = _("country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        return address_country_choices()

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(country=value) if value else queryset


@admin.register(BankAccount)
class BankAccountAdmin(ListAtScaleMixin, ReadOnlyAdmin):
    list_display = (
        "id",
        "user",
        "holder_name",
        "masked",
        "bic",
        "sepa_eea",
        "shared",
        "payouts_hold_until",
        "blocked_code",
        "retired_at",
    )
    list_filter = ("sepa_eea", CountryFilter)
    search_fields = ("id", "iban", "user__email", "holder_name")
    search_by = (
        SearchBy("id", normalize=digits),
        SearchBy("iban_hash", normalize=iban_hash_of),
        SearchBy("user__email", how="prefix", normalize=email_start),
        SearchBy("holder_name", how="contains", normalize=name_part),
    )
    search_help_text = _(
        "An account's number, an IBAN (spaces and case don't matter), the owner's e-mail address or "
        "its start up to the @, or part of the holder's name (3 letters or more)."
    )
    list_select_related = ("user",)
    ordering = ("-id",)
    sortable_by = ("id",)
    # Whose details these are in words, not the ledger's owner key ("accounts.user", 42).
    exclude = ("iban_hash", "owner_type", "owner_id")
    readonly_fields = ("owner",)
    actions = ["end_hold"]

    def get_fields(self, request, obj=None):
        return ["owner", *(f for f in super().get_fields(request, obj) if f != "owner")]

    @admin.display(description=_("details of"))
    def owner(self, obj: BankAccount) -> str:
        if obj.owner_type == MERCHANT_PAYEE:
            name = Merchant.objects.filter(pk=obj.owner_id).values_list("brand_name", flat=True).first()
            return gettext("merchant: %(name)s (merchant #%(id)s)") % {
                "name": name or "-",
                "id": obj.owner_id,
            }
        return pgettext("payee kind", "person")

    @admin.action(description=_("End the payout hold (after confirming the change with the person)"))
    def end_hold(self, request, queryset):
        now = timezone.now()
        return _with_reason(
            self,
            request,
            queryset,
            title=_("End the hold"),
            apply=lambda a, reason: services.bank_account_hold_end(
                account_id=a.pk, actor=request.user, reason=reason, now=now
            ),
        )

    @admin.display(description=_("IBAN"))
    def masked(self, obj: BankAccount) -> str:
        return obj.iban_masked

    def get_changelist(self, request, **kwargs):
        return _BankAccountChangeList

    @admin.display(description=_("people with this IBAN"))
    def shared(self, obj: BankAccount) -> int:
        counted = getattr(obj, "shared_count", None)
        if counted is not None:
            return counted
        return selectors.iban_shared_counts([obj.iban_hash]).get(obj.iban_hash, 1)
