"""The site's authentication backends: Django's and allauth's, each reading the signed-in person with
one fixed statement.

Every signed-in request loads its person (``django.contrib.auth.get_user``, through the backend named
in the session). The ORM's ``User.objects.get(pk=...)`` cost 0.30 ms of CPU, most of it building and
compiling the query; the same row read by a fixed statement with its values bound by PostgreSQL costs
0.05 ms (docs/benchmarks.md, "the signed-in request's fixed cost"). Authenticating (a password, a
social sign-in) is unchanged: these classes only replace ``get_user``. Django still checks the
session's password hash against the row on every request.

Sessions written before these classes existed name the parent classes' paths; ``LEGACY_BACKENDS``
maps them (``accounts.session_db``), so nobody is signed out by the change.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import DEFAULT_DB_ALIAS, connection, router

from accounts.models import User
from core.db import bound_cursor

LEGACY_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend": "accounts.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "accounts.backends.AuthenticationBackend",
}

_FIELDS = [f.attname for f in User._meta.concrete_fields]
_SQL = "SELECT {columns} FROM {table} WHERE {pk} = %s".format(  # noqa: S608 - fixed SQL from the model
    columns=", ".join(connection.ops.quote_name(f.column) for f in User._meta.concrete_fields),
    table=connection.ops.quote_name(User._meta.db_table),
    pk=connection.ops.quote_name(User._meta.pk.column),
)


def user_by_id(user_id) -> User | None:
    """The person with this primary key (a session's stored value: a string), or None."""
    try:
        pk = User._meta.pk.to_python(user_id)
    except Exception:  # a session holding something else than an id signs nobody in
        return None
    if connection.vendor != "postgresql" or router.db_for_read(User) != DEFAULT_DB_ALIAS:
        return User._default_manager.filter(pk=pk).first()
    with bound_cursor() as cursor:
        cursor.execute(_SQL, [pk])
        row = cursor.fetchone()
    return None if row is None else User.from_db(DEFAULT_DB_ALIAS, _FIELDS, row)


class _OneStatementUser:
    def get_user(self, user_id):
        user = user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_OneStatementUser, DjangoModelBackend):
    """Django's backend (e-mail and password, the ops and console sign-in)."""


class AuthenticationBackend(_OneStatementUser, AllauthBackend):
    """allauth's backend (its sign-in flows: TikTok, WhatsApp, e-mail codes)."""
