"""What every ``/api/v1/`` view shares: key auth, scopes, rate limits, problem+json, idempotent POSTs,
typed string ids and cursor pages (docs/api.md)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from functools import wraps

from django.db.models import QuerySet
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import ApiKeyAuthentication, KeyScope
from api.models import ApiKey
from api.problems import ApiProblem, problem_handler
from api.services import (
    IdempotencyConflict,
    IdempotencyMismatch,
    idempotency_abandon,
    idempotency_begin,
    idempotency_finish,
    rate_client,
    rate_limit_hit,
    rate_limit_verdict,
    request_fingerprint,
)
from core.http import client_ip_get

MAX_ID = 2**63 - 1


def typed_id(prefix: str, pk: int) -> str:
    return f"{prefix}_{pk}"


def parse_id(prefix: str, value: str) -> int:
    """``rwd_42`` -> 42; anything else is a 404 (no such object), never a 500."""
    head, _, number = value.partition("_")
    if head != prefix or not number.isascii() or not number.isdigit() or not 0 < int(number) <= MAX_ID:
        raise exceptions.NotFound()
    return int(number)


def unstorable_text(data) -> bool:
    """Whether a string or key in parsed JSON holds a NUL (``\\u0000``) or a lone surrogate (``\\ud800``):
    text PostgreSQL can't store (nor UTF-8 encode), which an error that echoes it would carry into the
    stored answer of an Idempotency-Key (``jsonb``), and into the answer itself."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or (not item.isascii() and _lone_surrogate(item)):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class ApiJSONParser(JSONParser):
    """DRF's JSON parser, with JSON nested too deep for ``json.loads`` (a ``RecursionError``, about a
    thousand levels: a few kB of ``[``) refused as malformed (400) instead of a 500, and so is text no
    field can hold (``unstorable_text``)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(gettext("The JSON nests too deeply.")) from None
        if unstorable_text(data):
            raise exceptions.ParseError(
                gettext(
                    "The JSON holds a NUL character (\\u0000) or a lone surrogate (\\ud800-\\udfff): send text only."
                )
            )
        return data


class ProblemJSONRenderer(JSONRenderer):
    media_type = "application/problem+json"


class ApiView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [KeyScope]
    renderer_classes = [JSONRenderer, ProblemJSONRenderer]
    parser_classes = [ApiJSONParser]
    required_scopes: dict[str, str] = {}

    def get_exception_handler(self):
        return problem_handler

    def perform_content_negotiation(self, request, force=False):
        # One representation: JSON (errors as problem+json). Never a 406 on an odd Accept header.
        return (self.renderer_classes[0](), self.renderer_classes[0].media_type)

    def check_throttles(self, request):
        key = request.auth
        if not isinstance(key, ApiKey):
            return
        now = timezone.now()
        hit = getattr(key, "rate_hit", None)  # counted when the key was confirmed (api.auth)
        if hit is None:
            hit = rate_limit_hit(key=key, now=now, client=rate_client(key=key, ip=client_ip_get(request)))
        verdict = rate_limit_verdict(key=key, hit=hit, now=now)
        request._ratelimit = verdict
        if verdict.limited:
            raise exceptions.Throttled(wait=verdict.reset)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        verdict = getattr(request, "_ratelimit", None)
        if verdict is not None:  # draft-ietf-httpapi-ratelimit-headers
            response["RateLimit-Policy"] = verdict.policy
            response["RateLimit"] = verdict.state
        if response.status_code >= 400 and isinstance(response, Response) and not response.content_type:
            response.content_type = "application/problem+json"  # e.g. a replayed error
        return response

    @property
    def key(self) -> ApiKey:
        return self.request.auth


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="A unique value per request (e.g. a UUID). A retry with the same key and body returns the "
    "first response; with another body, 422; while the first is in flight, 409. Kept 24 h.",
)


def idempotent(method: Callable) -> Callable:
    """Run a POST once per Idempotency-Key and merchant; replays get the stored response."""

    @wraps(method)
    def wrapper(self: ApiView, request, *args, **kwargs):
        raw_key = request.headers.get("Idempotency-Key", "")
        if not raw_key:
            raise ApiProblem(
                gettext("Send an Idempotency-Key header with every POST (e.g. a UUID)."),
                status=400,
                code="idempotency_key_missing",
            )
        if len(raw_key) > 255:
            raise ApiProblem(
                gettext("The Idempotency-Key is at most 255 characters."), status=400, code="invalid_request"
            )
        try:
            body = request.body
        except RawPostDataException:
            # A form (multipart) body: the NUL-byte check (core.hardening) read it as a form, and
            # its raw bytes are gone. The API takes JSON only: the same 415 as its parser says.
            raise exceptions.UnsupportedMediaType(request.content_type) from None
        now = timezone.now()
        try:
            record = idempotency_begin(
                merchant=self.key.merchant,
                key=raw_key,
                fingerprint=request_fingerprint(method=request.method, path=request.path, body=body),
                now=now,
            )
        except IdempotencyMismatch as error:
            raise ApiProblem(str(error), status=422, code="idempotency_key_reused") from error
        except IdempotencyConflict as error:
            raise ApiProblem(str(error), status=409, code="idempotency_key_in_use") from error
        if record.response_status is not None:
            response = Response(record.response_body, status=record.response_status)
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            try:
                response = method(self, request, *args, **kwargs)
            except Exception as exc:
                response = self.handle_exception(exc)  # problem+json (or re-raised: a server error)
        except Exception:
            idempotency_abandon(record=record)
            raise
        if response.status_code >= 500:
            idempotency_abandon(record=record)
            return response
        idempotency_finish(
            record=record,
            status=response.status_code,
            body=getattr(response, "replay_data", response.data),  # a view may keep a secret out of it
            audit_key=self.key if response.status_code < 300 else None,
            audit_detail=f"{request.method} {request.path} -> {response.status_code}",
            now=now,
        )
        return response

    return wrapper


def page_params(request) -> tuple[int, int | None]:
    try:
        limit = int(request.query_params.get("limit", 50))
    except ValueError:
        limit = 0
    if not 1 <= limit <= 100:
        raise ApiProblem(
            gettext("limit is a whole number from 1 to 100."), status=400, code="invalid_request"
        )
    cursor = request.query_params.get("cursor")
    if not cursor:
        return limit, None
    try:
        after = int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
    except (ValueError, UnicodeError, binascii.Error):
        after = -1
    if not 0 < after <= MAX_ID:
        raise ApiProblem(gettext("This cursor is not one we gave you."), status=400, code="invalid_cursor")
    return limit, after


def _page(rows: list, limit: int, serialize: Callable | None, pk: Callable) -> dict:
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = base64.urlsafe_b64encode(str(pk(rows[-1])).encode()).decode().rstrip("=") if more else None
    return {
        "data": rows if serialize is None else [serialize(row) for row in rows],
        "next_cursor": next_cursor,
    }


def page_of(rows: list[dict], limit: int, *, pk: Callable) -> dict:
    """The page of rows already shaped as the API shows them (``limit`` + 1 read: one more means a next page)."""
    return _page(rows, limit, None, pk)


def cursor_page(
    request, queryset: QuerySet, serialize: Callable, *, pk: Callable = lambda row: row.pk
) -> dict:
    """A keyset page, newest first: ``limit`` (1-100, default 50) items after the opaque ``cursor``.

    ``queryset`` may be a ``.values()`` one (then ``pk`` reads the row's key).
    """
    limit, after = page_params(request)
    if after is not None:
        queryset = queryset.filter(pk__lt=after)
    return _page(list(queryset.order_by("-pk")[: limit + 1]), limit, serialize, pk)


def cursor_page_of_list(request, items: list, serialize: Callable, *, pk: Callable) -> dict:
    """The same page over a list a selector returned, in ascending ``pk`` order."""
    limit, after = page_params(request)
    rows = sorted((i for i in items if after is None or pk(i) > after), key=pk)
    return _page(rows[: limit + 1], limit, serialize, pk)
