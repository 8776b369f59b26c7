"""RFC 9457 problem details: every error of the API, with a stable ``code`` (docs/api.md)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from core.errors import DomainError

PROBLEM_TYPE = "https://tikjoy.example/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

# ``title`` and ``detail`` are for a person, in the request's language (Accept-Language, through
# LocaleMiddleware); ``type`` and ``code`` never change with it (docs/api.md, "Languages").
TITLES = {
    400: gettext_lazy("Bad request"),
    401: gettext_lazy("Unauthenticated"),
    403: gettext_lazy("Forbidden"),
    404: gettext_lazy("Not found"),
    405: gettext_lazy("Method not allowed"),
    406: gettext_lazy("Not acceptable"),
    409: gettext_lazy("Conflict"),
    415: gettext_lazy("Unsupported media type"),
    422: gettext_lazy("Unprocessable content"),
    429: gettext_lazy("Too many requests"),
}


class ApiProblem(exceptions.APIException):
    """An error with its own status and stable code."""

    def __init__(self, detail: str, *, status: int, code: str):
        super().__init__(detail=detail, code=code)
        self.status_code = status
        self.problem_code = code


class CampaignProblem(exceptions.APIException):
    """A campaign's field-by-field problems (``campaigns.services.CampaignInvalid``): 422 with ``errors``."""

    status_code = 422

    def __init__(self, error):
        super().__init__(detail=str(error), code="campaign_invalid")
        self.errors = {
            (field or "non_field_errors"): list(messages) for field, messages in error.errors.items()
        }


class ProblemSerializer(serializers.Serializer):
    """An error (RFC 9457). ``code`` is stable: program against it, not against ``detail``."""

    type = serializers.CharField(help_text="A URI naming the kind of problem.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong, for a person.")
    code = serializers.CharField(help_text="Stable, machine-readable: e.g. not_found, rate_limited.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For invalid_request: the messages per field.",
    )


DESCRIPTIONS = {
    400: "Invalid request (invalid_request, invalid_cursor, malformed_json, idempotency_key_missing).",
    401: "No key, or a key that is unknown, revoked or expired (unauthenticated).",
    403: "The key's scope does not allow this (insufficient_scope), its creator no longer may (actor_not_allowed), "
    "or its merchant is closed: reads only (merchant_closed).",
    404: "No such object for this merchant (not_found).",
    405: "Method not allowed (method_not_allowed).",
    406: "Only JSON is served (not_acceptable).",
    409: "Idempotency-Key in flight, or the object's state forbids it (idempotency_key_in_use, ...).",
    415: "Send JSON (unsupported_media_type).",
    422: "The request can't be done as asked (idempotency_key_reused, unsafe_url, ...).",
    429: "Rate limit reached (rate_limited); see Retry-After.",
}


def problems(*statuses: int) -> dict:
    """drf-spectacular ``responses`` entries for these error statuses, as problem+json."""
    return {
        (status, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=DESCRIPTIONS[status])
        for status in statuses
    }


def problem_response(
    *, status: int, code: str, detail: str, errors: dict | None = None, headers=None
) -> Response:
    body = {
        "type": PROBLEM_TYPE + code,
        "title": str(TITLES.get(status, gettext_lazy("Error"))),
        "status": status,
        "detail": str(detail),
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status=status, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out = {}
        for field, value in detail.items():
            if isinstance(value, dict):
                for sub, messages in _flatten(value).items():
                    out[f"{field}.{sub}"] = messages
            else:
                out[str(field)] = [str(m) for m in (value if isinstance(value, list) else [value])]
        return out
    return {"non_field_errors": [str(m) for m in (detail if isinstance(detail, list) else [detail])]}


def problem_handler(exc, context) -> Response | None:
    """DRF's exception handler for the API: problem+json for every error, never a 500 for bad input."""
    headers = {}
    if isinstance(exc, CampaignProblem):
        return problem_response(
            status=422, code="campaign_invalid", detail=str(exc.detail), errors=exc.errors
        )
    if isinstance(exc, ApiProblem):
        return problem_response(status=exc.status_code, code=exc.problem_code, detail=str(exc.detail))
    if isinstance(exc, Http404 | exceptions.NotFound):
        return problem_response(status=404, code="not_found", detail=gettext("No such object."))
    if isinstance(exc, exceptions.ValidationError):
        return problem_response(
            status=400,
            code="invalid_request",
            detail=gettext("Some fields are invalid."),
            errors=_flatten(exc.detail),
        )
    if isinstance(exc, exceptions.ParseError):
        return problem_response(status=400, code="malformed_json", detail=str(exc.detail))
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return problem_response(
            status=401,
            code="unauthenticated",
            detail=str(exc.detail),
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    if isinstance(exc, exceptions.PermissionDenied):
        return problem_response(status=403, code="insufficient_scope", detail=str(exc.detail))
    if isinstance(exc, exceptions.Throttled):
        headers["Retry-After"] = str(int(exc.wait or 1))
        return problem_response(
            status=429,
            code="rate_limited",
            detail=gettext("Too many requests for this key: slow down."),
            headers=headers,
        )
    if isinstance(exc, exceptions.MethodNotAllowed):
        return problem_response(status=405, code="method_not_allowed", detail=str(exc.detail))
    if isinstance(exc, exceptions.NotAcceptable):
        return problem_response(status=406, code="not_acceptable", detail=str(exc.detail))
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return problem_response(status=415, code="unsupported_media_type", detail=str(exc.detail))
    if isinstance(exc, DomainError):
        return problem_response(status=422, code="rejected", detail=str(exc))
    if isinstance(exc, exceptions.APIException):
        return problem_response(status=exc.status_code, code=str(exc.default_code), detail=str(exc.detail))
    return None
