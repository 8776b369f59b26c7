"""Remember the last errors a person met, so that a support request can carry them.

``RecentErrorsMiddleware`` (last in ``MIDDLEWARE``: inside sessions, authentication and
messages) keeps in the person's own session the last ``RECENT_ERRORS_KEPT`` answers that went
wrong for them: a 4xx or 5xx response (the page and the status) and every error message the
site showed them (``messages.error``). Nothing is written to a table: the list lives and dies
with the session, only the person's own browser can bring it into a support request, and it
is recorded only for someone who already has a session (a signed-in person, or a visitor who
used a form), so a crawler's 404s create nothing.
"""

from __future__ import annotations

import logging

from django.contrib.messages import constants as message_levels
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

SESSION_KEY = "support_recent_errors"
RECENT_ERRORS_KEPT = 5
TEXT_MAX = 300
# Pages whose errors say nothing about the person's problem (static files, the widget's JSON
# polls, health checks): left out.
IGNORED_PREFIXES = ("/static/", "/media/", "/healthz", "/favicon.ico", "/support/")


def _clip(text: str, limit: int = TEXT_MAX) -> str:
    text = str(text).replace("\x00", "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RecentErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        try:
            self._record(request, response)
        except Exception:  # a record of errors must never become one
            logger.exception("could not record a recent error for support")
        return response

    def _record(self, request, response) -> None:
        session = getattr(request, "session", None)
        if session is None or request.path.startswith(IGNORED_PREFIXES):
            return
        user = getattr(request, "user", None)
        if not session.session_key and not (user is not None and user.is_authenticated):
            return
        found = []
        at = timezone.now().isoformat(timespec="seconds")
        path = _clip(request.path, 200)
        if response.status_code >= 400:
            found.append(
                {
                    "at": at,
                    "page": path,
                    "method": request.method,
                    "status": response.status_code,
                    "message": _clip(getattr(response, "reason_phrase", "") or ""),
                }
            )
        storage = getattr(request, "_messages", None)
        for message in getattr(storage, "_queued_messages", []) or []:
            if message.level >= message_levels.ERROR:
                found.append(
                    {
                        "at": at,
                        "page": path,
                        "method": request.method,
                        "status": None,
                        "message": _clip(message),
                    }
                )
        if not found:
            return
        kept = list(session.get(SESSION_KEY, []))[-RECENT_ERRORS_KEPT:]
        session[SESSION_KEY] = (kept + found)[-RECENT_ERRORS_KEPT:]
        if response.status_code >= 500:
            # SessionMiddleware doesn't save a session on a 5xx answer: save the list ourselves.
            session.save()


# What an HTTP error status means, for the person reading their own recent errors (the request
# records the server's English reason phrase, which ops read as it is).
STATUS_TEXTS = {
    400: _("The request could not be read"),
    403: _("Access denied"),
    404: _("Page not found"),
    405: _("This page can't be opened directly"),
    413: _("Too large"),
    429: _("Too many requests"),
    500: _("Server error"),
    502: _("Service unavailable"),
    503: _("Service unavailable"),
}


def error_text(error: dict) -> str:
    """A recorded error in the reader's language: an HTTP status by what it means, a message as it
    was shown (it was already in the page's language)."""
    status = error.get("status")
    if status:
        return str(STATUS_TEXTS.get(status, error.get("message", "")))
    return str(error.get("message", ""))


def recent_errors(request) -> list[dict]:
    """The person's recent errors, newest last (what a support request attaches)."""
    session = getattr(request, "session", None)
    if session is None:
        return []
    errors = session.get(SESSION_KEY, [])
    return (
        [e for e in errors if isinstance(e, dict)][-RECENT_ERRORS_KEPT:] if isinstance(errors, list) else []
    )


def forget_recent_errors(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: a new sign-in starts with no recorded errors."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(SESSION_KEY, None)
