"""Template context about the signed-in person (``person.is_consumer``: the one rule, accounts.people)."""

from django.http import HttpRequest

from accounts.people import is_consumer


def person(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {"person_is_consumer": bool(user is not None and user.is_authenticated and is_consumer(user))}
