"""Template context about the signed-in person (``is_consumer``: the one rule, and ``is_team_member``: accounts.people)."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.people import is_consumer, is_team_member


def person(request: HttpRequest) -> dict:
    """Read only by the pages that show it (the site's menu): lazy, so a console page, which
    doesn't, reads no query for it."""
    user = getattr(request, "user", None)
    return {
        "person_is_consumer": SimpleLazyObject(
            lambda: bool(user is not None and user.is_authenticated and is_consumer(user))
        ),
        # The console is offered to its users only: a member of a merchant's team.
        "person_is_member": SimpleLazyObject(lambda: bool(user is not None and is_team_member(user))),
    }
