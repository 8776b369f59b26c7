"""The Help pages and a person's support requests (thin: forms in, one service call, a page out)."""

from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.i18n import SOURCE_ACCOUNT, time_zone_for, time_zone_label
from merchants.tenancy import SESSION_KEY as CONSOLE_MERCHANT_KEY
from support import help as help_content
from support import selectors
from support.forms import (
    FormAudience,
    HelpSearchForm,
    ReplyForm,
    SupportRequestForm,
    form_audience,
    new_submission_key,
    safe_page,
)
from support.help_search import stop_words
from support.middleware import error_text, recent_errors
from support.models import RequestStatus, SupportRequest, Topic
from support.services import (
    Context,
    DuplicateRequest,
    SupportError,
    support_reply_by_person,
    support_request_create,
)
from support.tokens import request_token_valid


def _help(request, key: str):
    audience = help_content.AUDIENCES[key]
    form = HelpSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    entries = help_content.search(audience, query)
    return render(
        request,
        "support/help.html",
        {
            "audience": audience,
            "formal": key != "consumers",  # brands and affiliates: formal, down to the footer
            "audiences": help_content.AUDIENCES.values(),
            "form": form,
            "query": query,
            "entries": entries,
            "total": len(audience.entries),
            "stop_words": " ".join(
                sorted(stop_words())
            ),  # for the browser's filter, which ranks the same way
        },
    )


def help_consumers(request):
    return _help(request, "consumers")


def help_merchants(request):
    return _help(request, "merchants")


def help_affiliates(request):
    return _help(request, "affiliates")


def _came_from(request) -> str:
    page = safe_page(request.GET.get("from"))
    if page:
        return page
    referer = request.headers.get("Referer", "")
    host = request.get_host()
    for scheme in ("https://", "http://"):
        if referer.startswith(scheme + host + "/"):
            return safe_page(referer[len(scheme + host) :])
    return ""


def _topic_for(page: str) -> str:
    for prefix, topic in (
        ("/wallet/payouts", Topic.PAYOUTS),
        ("/wallet", Topic.REWARDS),
        ("/b/", Topic.REWARDS),
        ("/console", Topic.MERCHANT),
        ("/help/merchants", Topic.MERCHANT),
        ("/help/affiliates", Topic.AFFILIATES),
        ("/affiliates", Topic.AFFILIATES),
        ("/promote", Topic.PROMOTE),
        ("/me", Topic.ACCOUNT),
        ("/accounts", Topic.ACCOUNT),
    ):
        if page.startswith(prefix):
            return topic
    return Topic.OTHER


@require_http_methods(["GET", "POST"])
def request_new(request):
    user = request.user if request.user.is_authenticated else None
    options = {}
    if user is not None:
        options = {
            "rewards": selectors.attachable_rewards(user=user),
            "payouts": selectors.attachable_payouts(user=user),
            "merchants": selectors.attachable_merchants(user=user),
        }
    errors = recent_errors(request)
    # From the console or the brands' Help: a merchant, addressed formally (and their brand chosen for
    # them); from the affiliate pages or their Help: an affiliate, formally too; from the support pages
    # themselves, as the person's role says; anyone else informally.
    came_from = safe_page(request.POST.get("page") if request.method == "POST" else _came_from(request))
    audience = form_audience(
        came_from,
        merchant_member=bool(options.get("merchants")),
        affiliate=selectors.is_affiliate(user=user),
    )
    formal = audience != FormAudience.CONSUMER
    if request.method == "POST":
        form = SupportRequestForm(request.POST, user=user, formal=formal, **options)
        if form.is_valid():
            data = form.cleaned_data
            try:
                support_request = support_request_create(
                    user=user,
                    email=data.get("email") or "",
                    topic=data["topic"],
                    subject=data["subject"],
                    body=data["message"],
                    context=Context(
                        page=data["page"],
                        merchant=(
                            form.chosen("merchant")
                            if "merchant" in form.fields
                            else selectors.brand_of_page(data["page"])
                            if user is None
                            else None
                        ),
                        reward=form.chosen("reward") if "reward" in form.fields else None,
                        payout=form.chosen("payout") if "payout" in form.fields else None,
                        recent_errors=tuple(errors),
                    ),
                    submission_key=data["submission_key"],
                    language=get_language() or "en",
                    now=timezone.now(),
                )
            except DuplicateRequest as duplicate:
                # Back, then Send again: the first request stands, the person is sent to it.
                messages.info(request, str(duplicate))
                if user is not None:
                    return redirect("support:request", duplicate.existing.pk)
                return _sent(request, duplicate.existing)
            except SupportError as error:
                form.add_error(None, str(error))
            else:
                if not selectors.support_request_person_address(support_request):
                    # No address to write to (a TikTok or WhatsApp sign-in who gave none): said so.
                    thanks = _(
                        "Thanks: we received your request. We answer it here, on its page: you gave us no "
                        "e-mail address to tell you when we do."
                    )
                elif support_request.formal or formal:
                    thanks = pgettext(
                        "to a merchant",
                        "Thanks: we received your request and will answer you here and by e-mail.",
                    )
                else:
                    thanks = _("Thanks: we received your request and will answer you here and by e-mail.")
                messages.success(request, thanks)
                if user is not None:
                    return redirect("support:request", support_request.pk)
                return _sent(request, support_request)
    else:
        page = _came_from(request)
        initial = {"page": page, "topic": _topic_for(page), "submission_key": new_submission_key()}
        if page.startswith("/console") and request.session.get(CONSOLE_MERCHANT_KEY):
            initial["merchant"] = str(
                request.session[CONSOLE_MERCHANT_KEY]
            )  # the brand the console was showing
        elif formal and len(options.get("merchants", ())) == 1:
            initial["merchant"] = str(options["merchants"][0].pk)  # their only brand
        for name in ("reward", "payout", "merchant"):
            if request.GET.get(name):
                initial[name] = request.GET[name][:20]
        form = SupportRequestForm(initial=initial, user=user, formal=formal, **options)
    return render(
        request,
        "support/request_new.html",
        {
            "form": form,
            "page": form["page"].value() or "",
            "recent_errors": [{**error, "text": error_text(error)} for error in errors],
            "formal": formal,
            "audience": audience,
            # Someone signed in without an address (WhatsApp, TikTok) is answered on the site only.
            "answer_by_email": user is None or bool(user.email),
            "help_url_name": FormAudience.HELP_URL_NAMES[audience],
        },
    )


def _sent(request, support_request: SupportRequest):
    audience = (
        FormAudience.MERCHANT
        if support_request.for_merchant
        else FormAudience.AFFILIATE
        if support_request.for_affiliate
        else form_audience(support_request.page, merchant_member=False)
    )
    return render(
        request,
        "support/request_sent.html",
        {
            "support_request": support_request,
            "help_url_name": FormAudience.HELP_URL_NAMES[audience],
        },
    )


@login_required
def request_list(request):
    return render(
        request,
        "support/request_list.html",
        {
            "requests": selectors.requests_of(user=request.user)[:100],
            "formal": selectors.speaks_formally(user=request.user),
            "help_url": reverse(
                "support:help_merchants"
                if selectors.is_merchants_member(user=request.user)
                else "support:help_affiliates"
                if selectors.is_affiliate(user=request.user)
                else "support:help"
            ),
        },
    )


def _thread(request, support_request: SupportRequest, *, user):
    formal = support_request.formal  # a merchant's or an affiliate's request speaks formally
    if request.method == "POST":
        form = ReplyForm(request.POST, formal=formal)
        if form.is_valid():
            try:
                support_reply_by_person(
                    support_request=support_request,
                    user=user,
                    body=form.cleaned_data["message"],
                    submission_key=form.cleaned_data["submission_key"],
                    now=timezone.now(),
                )
            except SupportError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    pgettext("to a merchant", "Your message was sent.")
                    if formal
                    else _("Your message was sent."),
                )
                return redirect(request.path)
    else:
        form = ReplyForm(initial={"submission_key": new_submission_key()}, formal=formal)
    context = {
        "support_request": support_request,
        "thread": selectors.thread_for_person(support_request=support_request),
        "form": form,
        "closed": support_request.status == RequestStatus.CLOSED,
        "formal": formal,
    }
    # A merchant's request read by someone who saved no time zone of their own: its times are the
    # brand's, as in the console (not the browser's guess), and the page says so (docs/support.md).
    brand = None
    if getattr(request, "time_zone_source", "") != SOURCE_ACCOUNT:
        brand = selectors.brand_of_request(support_request=support_request)
    if brand is None:
        return render(request, "support/request_detail.html", context)
    zone = time_zone_for(brand)
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        return render(
            request,
            "support/request_detail.html",
            {**context, "brand_zone": {"brand": brand.brand_name, "zone": time_zone_label(zone)}},
        )


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request, request_id: int):
    support_request = selectors.request_of(user=request.user, request_id=request_id)
    if support_request is None:
        raise Http404
    return _thread(request, support_request, user=request.user)


@require_http_methods(["GET", "POST"])
def request_by_link(request, request_id: int, token: str):
    """A visitor's request, opened from the private link in our e-mails (no account needed)."""
    support_request = SupportRequest.objects.filter(pk=request_id, user=None).first()
    if support_request is None or not request_token_valid(support_request, token):
        raise Http404
    return _thread(request, support_request, user=None)
