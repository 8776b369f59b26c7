"""Template context about the signed-in person (``person.is_consumer``: the one rule, accounts.people)."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.people import is_consumer


def person(request: HttpRequest) -> dict:
    """Read only by the pages that show it (the site's menu): lazy, so a console page, which
    doesn't, reads no query for it."""
    user = getattr(request, "user", None)
    return {
        "person_is_consumer": SimpleLazyObject(
            lambda: bool(user is not None and user.is_authenticated and is_consumer(user))
        )
    }
