"""Template context about the signed-in person (``person.is_consumer``: the one rule, accounts.people)."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.people import is_consumer


def person(request: HttpRequest) -> dict:
    """Read when the template asks (a view that knows it already passes its own
    ``person_is_consumer``, which wins over this one)."""
    user = getattr(request, "user", None)
    return {
        "person_is_consumer": SimpleLazyObject(
            lambda: bool(user is not None and user.is_authenticated and is_consumer(user))
        )
    }
