"""Two rules every request follows, in one place each (see docs/security.md).

- :class:`RefuseNulBytesMiddleware`: a NUL character anywhere in the path, the query
  string, a submitted form (names, values, file names) is refused with a 400 and a
  message. PostgreSQL can't store NUL in text and refuses it as a query parameter,
  so without this any filter, search box or form field could be turned into a 500.
- :class:`NoStoreMiddleware`: every response to a signed-in person (their wallet,
  /me/, the console...) carries ``Cache-Control: private, no-store``, so no shared
  cache or browser history keeps personal or money data.
- :func:`formfield_with_db_bounds`: a form field built from a model field gets the
  bounds the database can hold (an integer column's range), even when the form skips
  the model's own validation.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.html import escape

NUL = "\x00"
NO_STORE = "private, no-store"

NUL_MESSAGE = (
    "What you sent contains a NUL character (\\0, often from a pasted or crafted value), "
    "which TikJoy does not accept. Remove it and try again; nothing was changed."
)


def _has_nul(request: HttpRequest) -> str | None:
    """Where the request carries a NUL character, or None."""
    if NUL in request.path:
        return "the address"
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in v for v in values):
            return f"the parameter {key!r}"
    if request.method in ("POST", "PUT", "PATCH"):
        _keep_small_form_body(request)
        for key, values in request.POST.lists():
            if NUL in key or any(NUL in v for v in values):
                return f"the field {key.replace(NUL, '')!r}"
        for key, files in request.FILES.lists():
            if NUL in key or any(NUL in (f.name or "") for f in files):
                return f"the file name in {key.replace(NUL, '')!r}"
    return None


def _keep_small_form_body(request: HttpRequest) -> None:
    """Read a small multipart body whole before it is parsed as a form, so a view that reads the raw
    bytes (a webhook's signature, the API's JSON) still can: parsed as a stream, the bytes are gone, and
    ``request.body`` raised ``RawPostDataException``, a 500 where a form reached a JSON endpoint. A large
    one (an upload) is still parsed as a stream, never held in memory whole."""
    if request.content_type != "multipart/form-data":
        return
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    if 0 < length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        request.body  # noqa: B018 - read for its side effect: Django keeps the bytes for the form's parser


class RefuseNulBytesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = _has_nul(request)
        if where is not None:
            response = HttpResponse(
                f"<!doctype html><title>Bad request</title><h1>Bad request</h1>"
                f"<p>{escape(NUL_MESSAGE)}</p><p>(Found in {escape(where.replace(NUL, ''))}.)</p>",
                status=400,
                content_type="text/html; charset=utf-8",
            )
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)


def personal_data(view):
    """Marks a view whose page shows personal data to someone not signed in (an invitation
    names the invited address): :class:`NoStoreMiddleware` gives it ``private, no-store`` too."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.shows_personal_data = True
        return view(request, *args, **kwargs)

    return wrapper


class NoStoreMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in person, and on pages
    marked :func:`personal_data`.

    Sits after ``AuthenticationMiddleware``. A view's own directives stay (``public``
    is dropped); other anonymous pages (brand pages, the home page) keep theirs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or getattr(request, "shows_personal_data", False):
            if "Cache-Control" in response:
                patch_cache_control(response, private=True, no_store=True)
            else:  # what patch_cache_control writes on a response without the header, without parsing
                response["Cache-Control"] = NO_STORE
        return response


def formfield_with_db_bounds(db_field, formfield):
    """``formfield`` with the database range of ``db_field`` (integers) as validators and min/max.

    Model fields know their column's range (``IntegerField.validators``), but only model
    validation checks it; forms that exclude it (to explain rules in words) let
    ``99999999999999999999`` through to the database. Returns ``formfield``.
    """
    if formfield is None:
        return formfield
    for validator in db_field.validators:
        if (
            isinstance(validator, (MinValueValidator, MaxValueValidator))
            and validator not in formfield.validators
        ):
            formfield.validators.append(validator)
            attr = "min" if isinstance(validator, MinValueValidator) else "max"
            limit = validator.limit_value() if callable(validator.limit_value) else validator.limit_value
            formfield.widget.attrs.setdefault(attr, limit)
    return formfield


# Unicode's bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): in a name,
# U+202E ("right-to-left override") turns the text after it around wherever it is shown ("Change" read
# "egnahC" after a bank holder's name; a brand name could spoof the lines around it). Names don't need
# them: right-to-left scripts are laid out by the browser, and the left-to-right and right-to-left
# marks (U+200E, U+200F) stay.
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def without_bidi_controls(text: str) -> str:
    """``text`` without bidirectional embedding, override and isolate characters (see above)."""
    return text.translate(_BIDI_CONTROLS)
