"""The site's authentication backends: Django's and allauth's, each reading the signed-in person with
one fixed statement, or none when the person came with the session.

Every signed-in request loads its person (``django.contrib.auth.get_user``, through the backend named
in the session). The session store reads the person's row in the same statement as the session's
(``accounts.session_db``), and ``accounts.middleware.AuthenticationMiddleware`` names that store
while Django's ``get_user`` runs (``persons_read_with``): ``get_user`` takes the person from it when
it is the session's person, read in this request. Otherwise (a session from the cache, Redis in
production; any other caller) the row is read by a fixed statement: the ORM's
``User.objects.get(pk=...)`` cost 0.30 ms of CPU, most of it building and compiling the query; the
same row read by a fixed statement with its values bound by PostgreSQL costs 0.05 ms
(docs/benchmarks.md, "the signed-in request's fixed cost"). Either way the row is this request's:
Django still checks the session's password hash against it, and an inactive person signs nobody in.
Authenticating (a password, a social sign-in) is unchanged: these classes only replace ``get_user``.

Sessions written before these classes existed name the parent classes' paths; ``LEGACY_BACKENDS``
maps them (``accounts.session_db``), so nobody is signed out by the change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import DEFAULT_DB_ALIAS, connection, router

from accounts.models import User
from core.db import bound_cursor

LEGACY_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend": "accounts.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "accounts.backends.AuthenticationBackend",
}

USER_FIELDS = [f.attname for f in User._meta.concrete_fields]


def user_columns(alias: str = "") -> str:
    """The person's columns in ``USER_FIELDS`` order, for a fixed statement (``alias.`` before each)."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + connection.ops.quote_name(f.column) for f in User._meta.concrete_fields)


_TABLE, _PK = (connection.ops.quote_name(n) for n in (User._meta.db_table, User._meta.pk.column))
_SQL = f"SELECT {user_columns()} FROM {_TABLE} WHERE {_PK} = %s"  # noqa: S608 - fixed SQL from the model

# The session store whose person ``get_user`` may take (``persons_read_with``), while Django reads
# the request's person.
_session: ContextVar[object | None] = ContextVar("tikjoy_session_persons", default=None)


@contextmanager
def persons_read_with(session) -> Iterator[None]:
    """In this block, ``get_user`` takes the person ``session`` read with its row, when it has one
    (``session.person_read(user_id)``, ``accounts.session_db``) instead of reading it again."""
    token = _session.set(session)
    try:
        yield
    finally:
        _session.reset(token)


def person_id(value) -> int | None:
    """A person's primary key from a session's stored value (a string), or None."""
    try:
        return User._meta.pk.to_python(value)
    except Exception:  # a session holding something else than an id signs nobody in
        return None


def user_by_id(user_id) -> User | None:
    """The person with this primary key (a session's stored value: a string), or None."""
    pk = person_id(user_id)
    if pk is None:
        return None
    if connection.vendor != "postgresql" or router.db_for_read(User) != DEFAULT_DB_ALIAS:
        return User._default_manager.filter(pk=pk).first()
    with bound_cursor() as cursor:
        cursor.execute(_SQL, [pk])
        row = cursor.fetchone()
    return None if row is None else User.from_db(DEFAULT_DB_ALIAS, USER_FIELDS, row)


def _person_read_with_session(user_id) -> User | None:
    read = getattr(_session.get(), "person_read", None)
    return read(user_id) if read is not None else None


class _OneStatementUser:
    def get_user(self, user_id):
        user = _person_read_with_session(user_id) or user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_OneStatementUser, DjangoModelBackend):
    """Django's backend (e-mail and password, the ops and console sign-in)."""


class AuthenticationBackend(_OneStatementUser, AllauthBackend):
    """allauth's backend (its sign-in flows: TikTok, WhatsApp, e-mail codes)."""
