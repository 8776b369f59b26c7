"""The merchant console's affiliate pages (/console/affiliates/...): the program, its affiliates, commissions, report.

Registered on ``merchants.console_site.console_site`` (imported by ``merchants.apps`` autodiscovery).
Everything is scoped to the selected merchant's own program. Managing the program needs
MANAGE_CAMPAIGNS (owners, managers, agencies); the report needs VIEW.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from affiliates import reports, selectors, services
from affiliates.forms import AdjustForm, DecisionForm, InquiryAnswerForm, ProgramForm, ReverseForm
from affiliates.models import Affiliate, AffiliateStatus, Commission, Inquiry, InquiryStatus, Program
from core.errors import DomainError
from core.i18n import language_for
from merchants.console_site import console_render, console_site, console_view, window_page
from merchants.roles import Capability
from merchants.tenancy import console_can, console_membership


def _program(request: HttpRequest) -> Program | None:
    return Program.objects.filter(merchant_id=console_membership(request).merchant_id).first()


@console_view(Capability.MANAGE_CAMPAIGNS)
def program(request: HttpRequest) -> HttpResponse:
    """GET: the program (or a form to start one), its affiliates and latest commissions; POST: save the program."""
    merchant = console_membership(request).merchant
    current = _program(request)
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
            "name": _("%(brand)s affiliate program") % {"brand": merchant.brand_name},
            "bounty": Decimal("40.00"),
            "is_active": True,
        }
    )
    form = ProgramForm(request.POST or None, initial=initial, owner_language=language_for(merchant))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if current is None:
                services.program_create(
                    merchant=merchant,
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
            messages.success(request, _("The affiliate program is saved."))
            return redirect("console:affiliates_program")
        except DomainError as exc:
            form.add_error(None, str(exc))
    context = {"title": _("Affiliate program"), "form": form, "program": current}
    if current is not None:
        adjust = AdjustForm(auto_id=False)  # one copy for every row: no id to repeat
        context.update(
            # 50 a page (applications waiting first), counted only as far as the pages offered.
            affiliates=window_page(request, selectors.affiliates_of(current), 50, param="affiliates"),
            commissions=selectors.program_commissions(current)[:100],
            totals=selectors.program_commission_totals(current),
            # The row forms are the same on every row: rendered once here, not once a row.
            decision_form=DecisionForm().as_p(),
            reverse_code=format_html("{}", ReverseForm()["code"]),
            adjust_fields=format_html("{} {}", adjust["amount"], adjust["reason"]),
            inquiries=Inquiry.objects.filter(affiliate__program=current, status=InquiryStatus.OPEN)
            .select_related("affiliate__user")
            .order_by("created_at"),
            inquiry_form=InquiryAnswerForm(),
        )
    return console_render(request, "console/affiliates/program.html", context)


@console_view(Capability.MANAGE_CAMPAIGNS)
def affiliate_decide(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    current = _program(request)
    affiliate = get_object_or_404(Affiliate, pk=pk, program=current) if current else None
    if affiliate is None:
        raise Http404
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.affiliate_decide(
                affiliate_id=affiliate.pk,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                now=timezone.now(),
            )
            messages.success(request, _("%(person)s: done.") % {"person": affiliate.user})
        except DomainError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("Choose what to do."))
    return redirect("console:affiliates_program")


@console_view(Capability.MANAGE_CAMPAIGNS)
def commission_action(request: HttpRequest, pk: int) -> HttpResponse:
    """POST ``action``: reverse (with a reason code), release a held one, or adjust after lock."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    current = _program(request)
    commission = get_object_or_404(Commission, pk=pk, affiliate__program=current) if current else None
    if commission is None:
        raise Http404
    action = request.POST.get("action")
    now = timezone.now()
    try:
        if action == "reverse":
            form = ReverseForm(request.POST)
            if not form.is_valid():
                raise services.AffiliateError(_("Choose a reason from the list."))
            services.commission_reverse(
                commission_id=commission.pk, code=form.cleaned_data["code"], actor=request.user, now=now
            )
            messages.success(
                request,
                _("Commission #%(number)s reversed: the money is back in your wallet.")
                % {"number": commission.pk},
            )
        elif action == "release":
            services.commission_release(commission_id=commission.pk, actor=request.user, now=now)
            messages.success(
                request,
                _("Commission #%(number)s released: it goes on as pending.") % {"number": commission.pk},
            )
        elif action == "adjust":
            form = AdjustForm(request.POST)
            if not form.is_valid():
                raise services.AffiliateError(" ".join(e for errs in form.errors.values() for e in errs))
            services.commission_adjust(
                commission_id=commission.pk,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                now=now,
            )
            messages.success(request, _("Commission #%(number)s adjusted.") % {"number": commission.pk})
        else:
            messages.error(request, _("Choose what to do."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("console:affiliates_program")


@console_view(Capability.MANAGE_CAMPAIGNS)
def inquiry_answer(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    current = _program(request)
    inquiry = get_object_or_404(Inquiry, pk=pk, affiliate__program=current) if current else None
    if inquiry is None:
        raise Http404
    form = InquiryAnswerForm(request.POST)
    if not form.is_valid():  # an answer too long is said as such, not as a missing decision
        messages.error(
            request,
            _("Choose to accept or decline.")
            if "decision" in form.errors
            else " ".join(form.errors["answer"]),
        )
        return redirect("console:affiliates_program")
    try:
        services.inquiry_decide(
            inquiry_id=inquiry.pk,
            accept=form.cleaned_data["decision"] == "accept",
            answer=form.cleaned_data["answer"],
            actor=request.user,
            now=timezone.now(),
        )
        messages.success(request, _("Inquiry about order %(order)s answered.") % {"order": inquiry.order_id})
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("console:affiliates_program")


@console_view(Capability.VIEW)
def report(request: HttpRequest) -> HttpResponse:
    current = _program(request)
    if current is None:
        return console_render(
            request, "console/affiliates/report.html", {"title": _("Affiliate performance")}
        )
    if request.GET.get("format") == "csv":
        return reports.report_csv(request, program=current)
    return console_render(
        request,
        "console/affiliates/report.html",
        {"title": _("Affiliate performance"), **reports.report_context(request, program=current)},
    )


console_site.register_url("affiliates/", program, name="affiliates_program")
console_site.register_url("affiliates/<int:pk>/decide/", affiliate_decide, name="affiliates_decide")
console_site.register_url("affiliates/commissions/<int:pk>/", commission_action, name="affiliates_commission")
console_site.register_url("affiliates/report/", report, name="affiliates_report")
console_site.register_url("affiliates/inquiries/<int:pk>/", inquiry_answer, name="affiliates_inquiry")


def _panel(request: HttpRequest, membership) -> dict:
    if not console_can(request, Capability.MANAGE_CAMPAIGNS):
        return {"hidden": True}
    current = Program.objects.filter(merchant_id=membership.merchant_id).first()
    if current is None:
        return {"program": None}
    statuses = dict(
        Affiliate.objects.filter(program=current).values_list("status").annotate(n=Count("id")).order_by()
    )
    return {
        "program": current,
        "approved": statuses.get(AffiliateStatus.APPROVED, 0),
        "applied": statuses.get(AffiliateStatus.APPLIED, 0),
        "totals": selectors.program_commission_totals(current),
    }


console_site.register_panel(
    key="affiliates", order=80, template="console/panels/affiliates.html", context=_panel
)
