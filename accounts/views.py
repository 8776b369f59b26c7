"""The language switcher in every page's footer (docs/i18n.md)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts.services import user_locale_set
from core.i18n import supported_language


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language`` (the cookie, back to a safe ``next``), and for a signed-in person
    the choice saved on the account, so it follows them to other devices and into their e-mails."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and supported_language(language) == language:
        user_locale_set(user=request.user, language=language)
    return response
