"""The affiliate tag for a merchant's shop: ``/embed/v1/affiliates.js`` and what it reports to
``/embed/v1/conversion`` from the thank-you page (docs/affiliates.md, "The thank-you-page tag").

The script (no third-party code, the program's publishable key) keeps the ``tj_click`` id a visitor
landed with in the shop's own storage; on the page that carries the order (``data-order-id``,
``data-amount``) it reports the order once. The report is answered only for the program's registered
domains (the ``Origin`` header, and CORS for exactly that origin), is rate-limited per key, idempotent
on the order id, and never paid on its word: the commission is HELD until the merchant confirms it.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from affiliates.models import Program
from affiliates.services import AffiliateError, DuplicateOrder, destination_on_domains, tag_conversion_record
from api.base import unstorable_text
from api.selectors import publishable_key_get
from api.services import rate_client, rate_limit_hit, rate_limit_verdict
from core.http import client_ip_get
from merchants.origins import origin_of

MAX_BODY = 2_000
MAX_AMOUNT = Decimal("1000000.00")


@require_GET
def tag_js(request: HttpRequest) -> HttpResponse:
    body = render_to_string("embed/affiliates.js", {"origin": origin_of(request.build_absolute_uri("/"))})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"  # loaded by the merchant's pages
    return response


class TagReport(forms.Form):
    """What the tag sends (JSON in a text/plain body, so the browser sends it without a preflight)."""

    key = forms.CharField(max_length=100)
    click_id = forms.CharField(max_length=32)
    order_id = forms.CharField(max_length=200)
    amount = forms.DecimalField(min_value=0, max_value=MAX_AMOUNT, max_digits=12, decimal_places=2)
    currency = forms.CharField(min_length=3, max_length=3)
    event_type = forms.CharField(max_length=40, required=False)


def _answer(payload: dict, *, status: int, origin: str | None = None) -> JsonResponse:
    response = JsonResponse(payload, status=status)
    response["Cache-Control"] = "no-store"
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    return response


def _allowed_origin(request: HttpRequest, program: Program) -> str | None:
    """The request's ``Origin`` if it is on one of the program's registered domains, else None."""
    origin = origin_of(request.headers.get("Origin", "")[:300])
    if origin and destination_on_domains(program.domains, origin + "/"):
        return origin
    return None


@csrf_exempt  # cross-site by design, sends no cookies (credentials: omit); the key and origin decide
@require_http_methods(["POST", "OPTIONS"])
def tag_conversion(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":  # the tag sends simple requests; a preflight gets no permission
        return HttpResponse(status=204)
    try:
        body = request.body
    except RawPostDataException:  # a form (multipart), read as one by the NUL-byte check: not JSON
        return _answer({"status": "invalid", "error": "Send JSON."}, status=400)
    if len(body) > MAX_BODY:
        return _answer({"status": "invalid", "error": "The report is too large."}, status=400)
    try:
        data = json.loads(body.decode() or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # RecursionError: nested too deep
        return _answer({"status": "invalid", "error": "Send JSON."}, status=400)
    if not isinstance(data, dict):
        return _answer({"status": "invalid", "error": "Send a JSON object."}, status=400)
    if unstorable_text(data):  # PostgreSQL can't hold it: every query with it would be a 500
        return _answer(
            {"status": "invalid", "error": "Send text only: no NUL (\\u0000) or lone surrogate (\\ud800)."},
            status=400,
        )
    form = TagReport({k: str(v) for k, v in data.items() if isinstance(v, str | int | float)})
    if not form.is_valid():
        errors = "; ".join(f"{field}: {' '.join(e)}" for field, e in form.errors.items())
        return _answer({"status": "invalid", "error": errors}, status=400)
    report = form.cleaned_data
    now = timezone.now()
    key = publishable_key_get(raw=report["key"], now=now)
    program = Program.objects.filter(merchant=key.merchant).first() if key is not None else None
    if program is None:
        return _answer(
            {"status": "unknown_key", "error": "Unknown key, or no affiliate program."}, status=404
        )
    origin = _allowed_origin(request, program)
    if origin is None:
        return _answer(
            {"status": "origin_refused", "error": "This site is not one of the program's domains."},
            status=403,
        )
    hit = rate_limit_hit(key=key, now=now, client=rate_client(key=key, ip=client_ip_get(request)))
    # The visitor's limit only: the key's ceiling never refuses an order (rate_limit_verdict).
    verdict = rate_limit_verdict(key=key, hit=hit, now=now, ceiling=False)
    if verdict.limited:
        response = _answer(
            {"status": "rate_limited", "error": "Too many reports."}, status=429, origin=origin
        )
        response["Retry-After"] = str(verdict.reset)
        return response
    if report["currency"].upper() != program.currency:
        return _answer(
            {"status": "invalid", "error": f"The program's currency is {program.currency}."},
            status=400,
            origin=origin,
        )
    try:
        conversion = tag_conversion_record(
            program=program,
            click_id=report["click_id"],
            order_id=report["order_id"],
            event_type=report["event_type"] or "sale",
            amount=report["amount"],
            now=now,
        )
    except DuplicateOrder:
        return _answer({"status": "duplicate_order"}, status=409, origin=origin)
    except AffiliateError as exc:
        return _answer({"status": "refused", "error": str(exc)}, status=409, origin=origin)
    if conversion is None:  # not a click of the program's links: most orders come without an affiliate
        return _answer({"status": "ignored"}, status=200, origin=origin)
    state = conversion.commission.state.lower() if conversion.is_accepted else "rejected"
    return _answer({"status": "recorded", "state": state}, status=201, origin=origin)
