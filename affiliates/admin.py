"""Affiliates in /ops/: every program, TikJoy's own program's settings, applications, commissions, reports.

Nothing here edits money or state directly: each action calls one service per row, with the
reason (or reason code) the affiliate sees.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from affiliates import reports, services
from affiliates.forms import ProgramForm
from affiliates.models import (
    Affiliate,
    AffiliateStatus,
    Click,
    Commission,
    Conversion,
    Inquiry,
    Link,
    Program,
    ReversalCode,
)
from core.admin import (
    ListAtScaleMixin,
    ReadOnlyAdmin,
    SearchBy,
    WindowChangeList,
    digits,
    email_start,
)
from core.errors import DomainError
from wallets.columns import money_column
from wallets.debts import debt_owed
from wallets.formats import money_text
from wallets.models import Account, Purpose


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The affiliate sees it."),
    )


class ReversalCodeForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason code"), choices=ReversalCode.chosen_by_people(), help_text=_("The affiliate sees it.")
    )


def _each(modeladmin, request, queryset, apply, title: str) -> None:
    done = 0
    for obj in queryset.order_by("pk"):
        try:
            apply(obj)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(
                request, gettext("%(item)s: %(error)s") % {"item": obj, "error": exc}, messages.ERROR
            )
    if done:
        modeladmin.message_user(
            request,
            gettext("%(action)s: %(count)s done.") % {"action": title, "count": done},
            messages.SUCCESS,
        )


def _with_reason(
    modeladmin, request: HttpRequest, queryset: QuerySet, *, title: str, apply, form_class=ReasonForm
):
    """Ask for a reason on the shared intermediate page, then apply ``apply(obj, reason)`` to each row."""
    if "apply" in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            _each(modeladmin, request, queryset, lambda obj: apply(obj, form.cleaned_data["reason"]), title)
            return None
    else:
        form = form_class()
    return TemplateResponse(
        request,
        "admin/reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "queryset": queryset,
            "form": form,
            "action": request.POST.get("action"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "opts": modeladmin.model._meta,
        },
    )


@admin.register(Program)
class ProgramAdmin(ReadOnlyAdmin):
    list_display = (
        "program_name",
        "kind",
        "merchant",
        "bounty",
        "currency",
        "window_days",
        "attribution",
        "is_active",
        "report",
    )
    list_filter = ("kind", "is_active")
    search_fields = ("name", "merchant__brand_name")

    @admin.display(description=Program._meta.get_field("name").verbose_name, ordering="name")
    def program_name(self, obj: Program) -> str:
        """As every page names it: in the reader's language (TikJoy's own program's default name too)."""
        return obj.display_name

    @admin.display(description=_("Performance"))
    def report(self, obj: Program) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:affiliates_program_report", args=[obj.pk]),
            pgettext("a link to a program's report", "report"),
        )

    def get_urls(self):
        return [
            path(
                "platform/",
                self.admin_site.admin_view(self.platform_view),
                name="affiliates_program_platform",
            ),
            path(
                "<int:pk>/report/",
                self.admin_site.admin_view(self.report_view),
                name="affiliates_program_report",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"platform_url": reverse("admin:affiliates_program_platform")}
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def platform_view(self, request: HttpRequest) -> HttpResponse:
        """Start or change TikJoy's own program (paid by the platform)."""
        if not request.user.is_superuser:
            messages.error(request, gettext("Only superusers change TikJoy's own program."))
            return redirect("admin:affiliates_program_changelist")
        current = services.platform_program()
        initial = (
            {
                "name": current.name,
                "bounty": current.bounty,
                "domains": "\n".join(current.domains_readable),
                "window_days": current.window_days,
                "attribution": current.attribution,
                "terms": current.terms,
                **{f"terms_{code}": text for code, text in current.terms_translations.items()},
                **{f"name_{code}": text for code, text in current.name_translations.items()},
                "is_active": current.is_active,
            }
            if current
            else {
                "name": "TikJoy affiliate program",  # a name (data): "affiliates, never partners"
                "bounty": "40.00",
                "is_active": True,
                "domains": request.get_host().split(":")[0],
            }
        )
        form = ProgramForm(request.POST or None, initial=initial, owner_language=settings.LANGUAGE_CODE)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if current is None:
                    services.program_create(
                        merchant=None,
                        name=data["name"],
                        bounty=data["bounty"],
                        domains=form.domain_list(),
                        window_days=data["window_days"],
                        attribution=data["attribution"],
                        terms=data["terms"],
                        terms_translations=form.terms_translations(),
                        name_translations=form.name_translations(),
                        now=timezone.now(),
                    )
                else:
                    services.program_update(
                        program_id=current.pk,
                        name=data["name"],
                        bounty=data["bounty"],
                        domains=form.domain_list(),
                        window_days=data["window_days"],
                        attribution=data["attribution"],
                        terms=data["terms"],
                        terms_translations=form.terms_translations(),
                        name_translations=form.name_translations(),
                        is_active=data["is_active"],
                    )
                messages.success(request, gettext("TikJoy's program is saved."))
                return redirect("admin:affiliates_program_changelist")
            except DomainError as exc:
                form.add_error(None, str(exc))
        return TemplateResponse(
            request,
            "admin/affiliates/platform_program.html",
            {
                **self.admin_site.each_context(request),
                "title": _("TikJoy's affiliate program"),
                "form": form,
                "opts": self.opts,
            },
        )

    def report_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        program = get_object_or_404(Program, pk=pk)
        if request.GET.get("format") == "csv":
            return reports.report_csv(request, program=program)
        return TemplateResponse(
            request,
            "admin/affiliates/report.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Performance · %(program)s") % {"program": program.display_name},
                "opts": self.opts,
                **reports.report_context(request, program=program),
            },
        )


def as_typed(term: str) -> str:
    """An order id or a customer reference, exactly as the merchant sent it (spaces around dropped)."""
    return term.strip()


def click_id(term: str) -> str | None:
    """A click id (``new_click_id``: 24 characters; longer than any link code)."""
    text = term.strip()
    return text if len(text) > LINK_CODE_MAX else None


def link_code(term: str) -> str | None:
    """A link's code, typed alone or as its address (``/r/<code>``, the site's address before it)."""
    text = term.strip().rstrip("/").rpartition("/")[2]
    return text if 0 < len(text) <= LINK_CODE_MAX else None


LINK_CODE_MAX = Link._meta.get_field("code").max_length


class _AffiliateChangeList(WindowChangeList):
    """What each affiliate of the page owes, in one query (not one a row)."""

    def get_results(self, request):
        super().get_results(request)
        owed = {
            (owner_id, currency): -balance
            for owner_id, currency, balance in Account.objects.filter(
                owner_type="accounts.user",
                owner_id__in={a.user_id for a in self.result_list},
                purpose=Purpose.USER_OWED,
                partition="",
            ).values_list("owner_id", "currency", "balance")
        }
        for affiliate in self.result_list:
            currency = affiliate.program.currency
            affiliate.owed = Money(owed.get((affiliate.user_id, currency), 0), currency)


@admin.register(Affiliate)
class AffiliateAdmin(ListAtScaleMixin, ReadOnlyAdmin):
    list_display = ("user", "program", "status", "status_reason", "website", "applied_at", "owes")
    list_filter = ("status", "program")
    search_fields = ("user__email", "website")
    search_by = (
        SearchBy("user__email", how="prefix", normalize=email_start),
        SearchBy("website", how="contains"),
    )
    search_help_text = _(
        "The affiliate's e-mail address or its start up to the @, or part of the website (3 letters or more)."
    )
    list_select_related = ("user", "program")
    ordering = ("-applied_at",)
    sortable_by = ("applied_at",)
    actions = ["approve", "reject", "deactivate", "ban"]

    def get_changelist(self, request, **kwargs):
        return _AffiliateChangeList

    @admin.display(description=_("owes (ledger)"))
    def owes(self, obj: Affiliate) -> str:
        owed = getattr(obj, "owed", None)
        if owed is None:
            owed = debt_owed(owner=obj.user, currency=obj.program.currency)
        return money_text(owed) if owed.amount else "-"

    def _decide(self, request, queryset, status: str, reason: str) -> None:
        now = timezone.now()
        _each(
            self,
            request,
            queryset,
            lambda a: services.affiliate_decide(
                affiliate_id=a.pk, status=status, reason=reason, actor=request.user, now=now
            ),
            AffiliateStatus(status).label,
        )

    @admin.action(description=_("Approve"))
    def approve(self, request, queryset):
        self._decide(request, queryset, AffiliateStatus.APPROVED, "")

    def _with(self, request, queryset, status: str, title: str):
        now = timezone.now()
        return _with_reason(
            self,
            request,
            queryset,
            title=title,
            apply=lambda a, reason: services.affiliate_decide(
                affiliate_id=a.pk, status=status, reason=reason, actor=request.user, now=now
            ),
        )

    @admin.action(description=_("Reject (with a reason)"))
    def reject(self, request, queryset):
        return self._with(request, queryset, AffiliateStatus.REJECTED, pgettext_lazy("ops action", "Reject"))

    @admin.action(description=_("Deactivate (with a reason)"))
    def deactivate(self, request, queryset):
        return self._with(
            request, queryset, AffiliateStatus.DEACTIVATED, pgettext_lazy("ops action", "Deactivate")
        )

    @admin.action(description=_("Ban (with a reason)"))
    def ban(self, request, queryset):
        return self._with(request, queryset, AffiliateStatus.BANNED, pgettext_lazy("ops action", "Ban"))


@admin.register(Commission)
class CommissionAdmin(ListAtScaleMixin, ReadOnlyAdmin):
    list_display = (
        "id",
        "affiliate",
        "state",
        "amount_text",
        "margin_text",
        "tracked_at",
        "lock_date",
        "approve_date",
        "hold",
        "reversal_code",
    )
    amount_text = money_column("amount", Commission)
    margin_text = money_column("margin", Commission)
    list_filter = ("state", "program")  # the commission's own program (indexed), not through its affiliate
    search_fields = ("id", "conversion__order_id", "affiliate__user__email")
    search_by = (
        SearchBy("id", normalize=digits),
        SearchBy("conversion__order_id", normalize=as_typed),
        SearchBy("affiliate__user__email", how="prefix", normalize=email_start),
    )
    search_help_text = _(
        "A commission's number, the order id as the merchant sent it, or the affiliate's e-mail "
        "address or its start up to the @."
    )
    list_select_related = ("affiliate__user", "affiliate__program")
    ordering = ("-id",)
    sortable_by = ("id",)
    actions = ["reverse", "release"]

    @admin.display(description=Commission._meta.get_field("hold_reason").verbose_name)
    def hold(self, obj: Commission) -> str:
        """Why it is held, in the reader's language, as the console writes it (``Commission.hold_text``)."""
        return obj.hold_text

    @admin.action(description=_("Reverse (before lock, with a reason code)"))
    def reverse(self, request, queryset):
        now = timezone.now()
        return _with_reason(
            self,
            request,
            queryset,
            title=_("Reverse"),
            form_class=ReversalCodeForm,
            apply=lambda c, code: services.commission_reverse(
                commission_id=c.pk, code=code, actor=request.user, now=now
            ),
        )

    @admin.action(description=_("Release a held commission"))
    def release(self, request, queryset):
        now = timezone.now()
        _each(
            self,
            request,
            queryset,
            lambda c: services.commission_release(commission_id=c.pk, actor=request.user, now=now),
            pgettext_lazy("ops action", "Release"),
        )


@admin.register(Conversion)
class ConversionAdmin(ListAtScaleMixin, ReadOnlyAdmin):
    list_display = (
        "order_id",
        "program",
        "event_type",
        "amount_text",
        "affiliate",
        "is_accepted",
        "reject_reason",
        "source",
        "superseded_at",
        "created_at",
    )
    amount_text = money_column("amount", Conversion)
    list_filter = ("is_accepted", "reject_reason", "source", "program")
    search_fields = ("order_id", "customer_ref")
    search_by = (SearchBy("order_id", normalize=as_typed), SearchBy("customer_ref", normalize=as_typed))
    search_help_text = _("The order id or the customer reference, exactly as the merchant sent it.")
    list_select_related = ("program", "affiliate__user", "affiliate__program")
    ordering = ("-id",)
    sortable_by = ()


@admin.register(Click)
class ClickAdmin(ListAtScaleMixin, ReadOnlyAdmin):
    list_display = ("click_id", "link", "at", "is_bot", "is_unique", "user_agent")
    list_filter = ("is_bot", "is_unique")
    search_fields = ("click_id", "link__code")
    search_by = (SearchBy("click_id", normalize=click_id), SearchBy("link__code", normalize=link_code))
    search_help_text = _("A click id, or a link's code (or its address, /r/...).")
    list_select_related = ("link",)
    ordering = ("-id",)
    sortable_by = ()


@admin.register(Inquiry)
class InquiryAdmin(ReadOnlyAdmin):
    list_display = ("order_id", "affiliate", "order_date", "amount_text", "status", "answer", "created_at")
    list_filter = ("status", "affiliate__program")
    search_fields = ("order_id", "affiliate__user__email")
    list_select_related = ("affiliate__user", "affiliate__program")
    ordering = ("-id",)
    actions = ["accept", "decline"]

    @admin.display(description=capfirst(Inquiry._meta.get_field("amount").verbose_name), ordering="amount")
    def amount_text(self, obj: Inquiry) -> str:
        """The claimed amount in its program's currency (an inquiry has none of its own)."""
        return money_text(obj.amount, obj.affiliate.program.currency)

    @admin.action(description=_("Accept: credit the conversion (its lock date runs from now)"))
    def accept(self, request, queryset):
        now = timezone.now()
        _each(
            self,
            request,
            queryset,
            lambda i: services.inquiry_decide(
                inquiry_id=i.pk, accept=True, answer="", actor=request.user, now=now
            ),
            pgettext_lazy("ops action", "Accept"),
        )

    @admin.action(description=_("Decline (with an answer)"))
    def decline(self, request, queryset):
        now = timezone.now()
        return _with_reason(
            self,
            request,
            queryset,
            title=_("Decline"),
            apply=lambda i, answer: services.inquiry_decide(
                inquiry_id=i.pk, accept=False, answer=answer, actor=request.user, now=now
            ),
        )
