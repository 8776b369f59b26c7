"""The base of every domain error.

A service raises a subclass of ``DomainError`` when what it was asked can't be
done; its message is written for the person who asked (a merchant, a consumer,
an operator). Interfaces turn it into a form error, a message or a 4xx, never
a 500.
"""

from django.utils.translation import gettext


class DomainError(Exception):
    """What was asked can't be done; ``str(error)`` says why, in words a person can read."""

    @property
    def message(self) -> str:
        return str(self)


class EditConflict(DomainError):
    """The object changed since the form that edits it was opened (another person, another tab)."""

    def __init__(self):
        super().__init__(
            gettext(
                "This was changed since you opened the form (by someone else, or in another tab). "
                "Nothing was saved: here are the current values; make your change again."
            )
        )
