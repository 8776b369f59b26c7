"""The base of every domain error.

A service raises a subclass of ``DomainError`` when what it was asked can't be
done; its message is written for the person who asked (a merchant, a consumer,
an operator). Interfaces turn it into a form error, a message or a 4xx, never
a 500.
"""


class DomainError(Exception):
    """What was asked can't be done; ``str(error)`` says why, in words a person can read."""

    @property
    def message(self) -> str:
        return str(self)
