"""Sessions in the database, read together with their person in one statement (``SESSION_ENGINE``
when the cache is one process's memory: development, tests, one process; with Redis,
``accounts.sessions`` reads the cache first and this statement on a miss).

The table is ``accounts.Session`` (Django's documented ``AbstractBaseSession``) with the signed-in
person's id as a column, written from the session's own data on every save. Reading a session reads
that person's row in the same statement (a join); ``accounts.middleware.AuthenticationMiddleware``
hands it to the backend's ``get_user`` (``accounts.backends``) instead of a second read. The person
is still read fresh on every request (the row comes with the session's row, not from a copy kept
anywhere), so Django's checks are unchanged: an inactive person signs nobody in, a session whose
password hash no longer matches is flushed.

What it reads and when is Django's: the unexpired row of the key, else no session. On PostgreSQL the
statement is fixed text with its values bound by the server (``core.db.bound_cursor``): Django's
``Session.objects.get(...)`` spent most of its 0.36 ms of CPU building and compiling the query
(docs/benchmarks.md, "the signed-in request's fixed cost"). Elsewhere (SQLite in ``make run``) the
ORM reads the same in one query (``select_related``).

Sessions written before this table existed are in Django's ``django_session``, read when a key is
not in this one (``_legacy_row``): nobody is signed out by the release. Such a session moves here the
first time it is saved (``save``); ending it deletes it from both tables (``delete``), and
``clearsessions`` clears both. A session written before ``accounts.backends`` existed names
Django's or allauth's backend path: ``load`` reads it as ours (``LEGACY_BACKENDS``).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.base import CreateError, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.contrib.sessions.models import Session as LegacySession
from django.core import signing
from django.db import DEFAULT_DB_ALIAS, connection, router, transaction
from django.utils import timezone

from accounts.backends import LEGACY_BACKENDS, USER_FIELDS, person_id, user_columns
from accounts.models import Session, User
from core.db import bound_cursor

_SESSION_FIELDS = ["session_key", "session_data", "expire_date"]


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


_KEY, _DATA, _EXPIRE = (_quote(n) for n in ("session_key", "session_data", "expire_date"))
_SESSIONS, _SESSION_USER = _quote(Session._meta.db_table), _quote(Session._meta.get_field("user").column)
_USERS, _USER_PK = _quote(User._meta.db_table), _quote(User._meta.pk.column)
# The session's row and its person's (NULL when anonymous, or the person is gone), by the key.
_SQL = (
    f"SELECT s.{_DATA}, s.{_EXPIRE}, {user_columns('u')} FROM {_SESSIONS} s "  # noqa: S608 - fixed SQL from the models
    f"LEFT JOIN {_USERS} u ON u.{_USER_PK} = s.{_SESSION_USER} WHERE s.{_KEY} = %s AND s.{_EXPIRE} > %s"
)
_LEGACY_SQL = (
    f"SELECT {_DATA}, {_EXPIRE} FROM {_quote(LegacySession._meta.db_table)} "  # noqa: S608
    f"WHERE {_KEY} = %s AND {_EXPIRE} > %s"
)


# A session's data, its signature checked, by the signed text it was read from (``SessionStore.decode``).
_VERIFIED: dict[tuple, str] = {}
VERIFIED_KEPT = 4096  # texts remembered per process; all forgotten when full


def backend_paths_current(data: dict) -> dict:
    """The session's data with a backend path from before ``accounts.backends`` read as ours."""
    legacy = data.get(BACKEND_SESSION_KEY)
    if legacy in LEGACY_BACKENDS:
        data[BACKEND_SESSION_KEY] = LEGACY_BACKENDS[legacy]
    return data


class SessionStore(DBStore):
    """Django's database sessions in ``accounts.Session``, read with their person in one statement."""

    # (session key, the person read with its row or None): set by every read of the row.
    _person_read: tuple[str, User | None] | None = None

    @classmethod
    def get_model_class(cls):
        return Session

    def load(self) -> dict:
        return backend_paths_current(super().load())

    def decode(self, session_data: str) -> dict:
        """Django's (the signature checked with the secret key, then the JSON read), remembered per
        process by the signed text: a signed-in person's session is read on every request and its
        text changes only when the session is saved, so the second request on does not check the
        same signature again (about a sixth of what a signed-in request adds; docs/benchmarks.md,
        "brandsig"). Only a text whose signature was checked is remembered (a tampered one is
        checked, refused and logged every time, as Django does), under the keys it was checked with
        (another secret key checks it again); each call gets its own copy of the data (read from
        JSON), so a request changing its session changes nothing kept."""
        key = (self.key_salt, settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS, session_data)
        verified = _VERIFIED.get(key)
        if verified is not None:
            return json.loads(verified)
        data = super().decode(session_data)
        if data and self.serializer is signing.JSONSerializer:
            if len(_VERIFIED) >= VERIFIED_KEPT:
                _VERIFIED.clear()
            _VERIFIED[key] = json.dumps(data)
        return data

    def person_read(self, user_id) -> User | None:
        """The person read with this session's row in this request, if that is ``user_id`` (and the
        session still has the key it was read by); else None (the backend reads the person)."""
        if self._person_read is None:
            return None
        key, person = self._person_read
        if person is None or key != self.session_key or person.pk != person_id(user_id):
            return None
        return person

    def create_model_instance(self, data):
        obj = super().create_model_instance(data)
        obj.user_id = person_id(data.get(SESSION_KEY))
        return obj

    def _get_session_from_db(self):
        self._person_read = None
        key = self.session_key
        row = self._row() if key is not None else None
        if row is None and key is not None:
            row = self._legacy_row()
        if row is None:
            self._session_key = None
        return row

    def _on_postgresql(self) -> bool:
        return connection.vendor == "postgresql" and router.db_for_read(Session) == DEFAULT_DB_ALIAS

    def _row(self) -> Session | None:
        key = self.session_key
        if not self._on_postgresql():
            row = Session.objects.select_related("user").filter(
                session_key=key, expire_date__gt=timezone.now()
            )
            session = row.first()
            if session is not None:
                self._person_read = (key, session.user)
            return session
        with bound_cursor() as cursor:
            cursor.execute(_SQL, [key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            return None
        person = None if row[2] is None else User.from_db(DEFAULT_DB_ALIAS, USER_FIELDS, row[2:])
        self._person_read = (key, person)
        return Session.from_db(DEFAULT_DB_ALIAS, _SESSION_FIELDS, (key, row[0], row[1]))

    def _legacy_row(self) -> LegacySession | None:
        """The unexpired row of the key in Django's table (a session from before ``accounts.Session``)."""
        key = self.session_key
        if not self._on_postgresql():
            return LegacySession.objects.filter(session_key=key, expire_date__gt=timezone.now()).first()
        with bound_cursor() as cursor:
            cursor.execute(_LEGACY_SQL, [key, timezone.now()])
            row = cursor.fetchone()
        return None if row is None else LegacySession.from_db(DEFAULT_DB_ALIAS, _SESSION_FIELDS, (key, *row))

    def save(self, must_create: bool = False) -> None:
        try:
            super().save(must_create)
        except UpdateError:
            # Not in this table: a session from Django's table moves here on its first save; one
            # ended meanwhile (in neither table) stays ended.
            if must_create or not self._legacy_move():
                raise

    def _legacy_move(self) -> bool:
        """Write this session here and delete it from Django's table, if it is still there."""
        with transaction.atomic(using=router.db_for_write(Session)):
            # The delete first: it waits for (and then misses) a sign-out deleting the row meanwhile.
            moved, _ = LegacySession.objects.filter(session_key=self.session_key).delete()
            if not moved:
                return False
            try:
                super().save(must_create=True)
            except CreateError:  # a request of the same session moved it first
                super().save()
        return True

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        # Django's table first: a sign-out that waits for a move deletes the moved row afterwards.
        LegacySession.objects.filter(session_key=session_key).delete()
        Session.objects.filter(session_key=session_key).delete()

    @classmethod
    def clear_expired(cls) -> None:
        now = timezone.now()
        LegacySession.objects.filter(expire_date__lt=now).delete()
        Session.objects.filter(expire_date__lt=now).delete()
