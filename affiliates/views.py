"""The affiliate's pages (/affiliates/...) and the tracked-link redirect (/r/<code>)."""

from __future__ import annotations

import functools
import logging
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from affiliates import clicklog, reports, selectors, services
from affiliates.forms import ApplicationForm, InquiryForm, LinkForm
from affiliates.models import Affiliate, AffiliateStatus, Program, ProgramKind
from core.errors import DomainError
from core.http import client_ip_get, device_id_get
from wallets.debts import debt_owed

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# /r/<code>


@require_http_methods(["GET", "HEAD"])
def tracked_redirect(request: HttpRequest, code: str) -> HttpResponse:
    """302 at once to the link's destination with a click id; the click is written after the response."""
    link = (
        selectors.redirect_link_get(code) if code.isascii() and code.isalnum() and len(code) <= 16 else None
    )
    if link is None or not services.destination_on_domains(link.domains, link.destination):
        raise Http404("No such link.")
    click_id = services.new_click_id()
    response = HttpResponseRedirect(services.redirect_target(link.destination, click_id))
    response["Cache-Control"] = "no-store"
    if link.program_kind == ProgramKind.PLATFORM:
        response.set_cookie(
            services.REFERRAL_COOKIE,
            click_id,
            max_age=link.window_days * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    purpose = request.headers.get("Sec-Purpose") or request.headers.get("Purpose") or ""
    record = functools.partial(
        _click_write_quietly,
        link_id=link.pk,
        click_id=click_id,
        visitor=services.visitor_hash(client_ip_get(request)),
        user_agent=user_agent,
        bot=services.is_bot(method=request.method, user_agent=user_agent, purpose=purpose),
        at=timezone.now(),
    )
    response._resource_closers.append(record)  # run by the server once the response is sent
    return response


def _click_write_quietly(
    *, link_id: int, click_id: str, visitor: str, user_agent: str, bot: bool, at: datetime
):
    try:
        clicklog.click_submit(
            {
                "link_id": link_id,
                "click_id": click_id,
                "visitor": visitor,
                "user_agent": user_agent,
                "bot": bot,
                "at": at,
            }
        )
    except Exception:  # the visitor already has their redirect; a lost click is logged, never an error
        logger.exception("click %s of link %s could not be recorded", click_id, link_id)


# ---------------------------------------------------------------------------
# The affiliate's pages


def programs(request: HttpRequest) -> HttpResponse:
    return render(request, "affiliates/programs.html", {"programs": selectors.programs_open()})


def program_page(request: HttpRequest, program_id: int) -> HttpResponse:
    """Before applying: the program and (signed in) the application form; after: the affiliate's portal."""
    program = get_object_or_404(Program, pk=program_id)
    affiliate = selectors.affiliation_get(user=request.user, program=program)
    if affiliate is None:
        if not program.is_active:
            raise Http404("This program is closed.")
        form = ApplicationForm(request.POST or None)
        if request.method == "POST":
            if not request.user.is_authenticated:
                return redirect_to_login(request.path)
            if form.is_valid():
                try:
                    services.affiliate_apply(
                        program=program,
                        user=request.user,
                        website=form.cleaned_data["website"],
                        promotion_plan=form.cleaned_data["promotion_plan"],
                        device_id=device_id_get(request),
                        visitor_hash=services.visitor_hash(client_ip_get(request)),
                        now=timezone.now(),
                    )
                    messages.success(
                        request, _("Thank you: your application was sent. We'll tell you the answer.")
                    )
                    return redirect("affiliates:program", program_id=program.pk)
                except DomainError as exc:
                    form.add_error(None, str(exc))
        return render(
            request,
            "affiliates/apply.html",
            {"program": program, "form": form, "terms": program.terms_in(get_language())},
        )
    return _portal(request, program=program, affiliate=affiliate)


def _portal(
    request: HttpRequest,
    *,
    program: Program,
    affiliate: Affiliate,
    link_form: LinkForm | None = None,
    inquiry_form: InquiryForm | None = None,
) -> HttpResponse:
    """The affiliate's portal; a refused form is passed in bound, so it shows what was typed, each
    error beside its field (status 200, never a redirect that drops the typing)."""
    context = {
        "program": program,
        "affiliate": affiliate,
        "link_form": link_form or LinkForm(),
        "inquiry_form": inquiry_form or InquiryForm(currency=program.currency),
    }
    if affiliate.status == AffiliateStatus.APPROVED:
        commissions = selectors.commissions_of(affiliate)
        context.update(
            links=selectors.links_of(affiliate),
            commissions=commissions[:100],
            totals=selectors.affiliate_commission_totals(affiliate),
            rejected=selectors.rejected_conversions_of(affiliate)[:50],
            site_url=settings.SITE_URL,
            assets=_assets(program, language=get_language()),
            inquiries=affiliate.inquiries.order_by("-created_at", "-pk")[:50],
            owes=debt_owed(owner=request.user, currency=program.currency),
        )
    return render(request, "affiliates/portal.html", context)


def _assets(program: Program, *, language: str) -> dict:
    """The brand's logo and latest videos, each with its title in the reader's language
    (``Video.title_in``: the merchant's translation, else the video's own title)."""
    merchant = program.merchant
    if merchant is None:
        return {"logo": None, "videos": []}
    videos = list(merchant.videos.prefetch_related("texts").order_by("-pk")[:12])
    return {
        "logo": merchant.logo if merchant.logo else None,
        "videos": [{"video": video, "title": video.title_in(language)} for video in videos],
    }


@login_required
@require_http_methods(["GET", "POST"])
def link_create(request: HttpRequest, program_id: int) -> HttpResponse:
    if request.method == "GET":  # the address of a refused form's page, opened again: the portal
        return redirect("affiliates:program", program_id=program_id)
    program = get_object_or_404(Program, pk=program_id)
    affiliate = selectors.affiliation_get(user=request.user, program=program)
    if affiliate is None:
        raise Http404
    form = LinkForm(request.POST)
    if form.is_valid():
        try:
            link = services.link_create(
                affiliate=affiliate,
                destination=form.cleaned_data["destination"],
                sub_id=form.cleaned_data["sub_id"],
                now=timezone.now(),
            )
            messages.success(
                request, _("Your link is ready: %(url)s") % {"url": f"{settings.SITE_URL}/r/{link.code}"}
            )
            return redirect("affiliates:program", program_id=program.pk)
        except services.LinkExists as exc:  # the page and sub-id's link: said beside the page's field
            form.add_error("destination", str(exc))
            messages.error(request, _("Your link was not created: the form below says why."))
        except DomainError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("Your link was not created: the form below says why."))
    return _portal(request, program=program, affiliate=affiliate, link_form=form)


@login_required
def report(request: HttpRequest, program_id: int) -> HttpResponse:
    """Reports -> Performance of the signed-in affiliate in one program (CSV with ``format=csv``)."""
    program = get_object_or_404(Program, pk=program_id)
    affiliate = selectors.affiliation_get(user=request.user, program=program)
    if affiliate is None or affiliate.status != AffiliateStatus.APPROVED:
        raise Http404
    if request.GET.get("format") == "csv":
        return reports.report_csv(request, program=program, affiliate=affiliate)
    return render(
        request,
        "affiliates/report.html",
        reports.report_context(request, program=program, affiliate=affiliate),
    )


@login_required
@require_http_methods(["GET", "POST"])
def inquiry_open(request: HttpRequest, program_id: int) -> HttpResponse:
    if request.method == "GET":  # as a link's
        return redirect("affiliates:program", program_id=program_id)
    program = get_object_or_404(Program, pk=program_id)
    affiliate = selectors.affiliation_get(user=request.user, program=program)
    if affiliate is None:
        raise Http404
    form = InquiryForm(request.POST, currency=program.currency)
    if form.is_valid():
        try:
            services.inquiry_open(affiliate=affiliate, now=timezone.now(), **form.cleaned_data)
            messages.success(request, _("Your inquiry was sent to the program. You'll see the answer here."))
            return redirect("affiliates:program", program_id=program.pk)
        except DomainError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("Your inquiry was not sent: the form below says why."))
    return _portal(request, program=program, affiliate=affiliate, inquiry_form=form)
