"""Sessions kept in the database with a copy in the shared cache (``SESSION_ENGINE`` when the cache is
Redis, ``tikjoy/settings.py``): a signed-in request reads its session from the cache instead of the
database.

Ending a session (signing out, a sign-in's or a password change's new key, ``flush``) puts a marker
in the cache in place of its copy (``ENDED``, kept for the session's age), then deletes the database
row. A request that read the row just before copies it to the cache only if nothing is there
(``cache.add``): it can't put an ended session back over the marker. When the cache can't be
reached, its copy would outlive the row and sign the person back in once the cache is back: then, if
that copy could still sign someone in, every session of that person is ended
(``accounts.services.user_sessions_end``: the hash each session must carry changes) before the row
goes. Signing out during a cache outage thus signs the person out on every device; it never leaves a
session alive. A cache that is down otherwise costs a database read, never a 500.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.utils.crypto import constant_time_compare

from accounts import session_db
from accounts.services import user_sessions_end

logger = logging.getLogger(__name__)


ENDED = "tikjoy:session-ended"  # what the cache holds for a session that was ended


class SessionStore(CachedDBStore, session_db.SessionStore):
    """Django's ``cached_db`` sessions over ``accounts.session_db`` (the row and its person in one
    statement on a miss), where a cache that is down costs a database read instead of a 500, and an
    ended session stays ended (above). A session from the cache carries no person: the backend reads
    the person's row (one fixed statement), fresh on every request as Django's checks need.

    ``CachedDBStore``'s database calls (``super()``) reach ``session_db.SessionStore``; the methods
    below that replace ``CachedDBStore``'s own call ``session_db.SessionStore`` by name."""

    def load(self) -> dict:
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # a cache down, or a key it refuses: the database has the session
            logger.warning("session cache unavailable; reading the session from the database")
            data = None
        if data == ENDED:
            self._session_key = None
            return {}
        if data is not None:
            return session_db.backend_paths_current(data)
        row = self._get_session_from_db()
        if row is None:
            return {}
        data = self.decode(row.session_data)
        try:
            # Only if absent: a sign-out since the row was read left its marker, which stays.
            self._cache.add(self.cache_key, data, self.get_expiry_age(expiry=row.expire_date))
        except Exception:
            logger.warning("session cache unavailable; the session was not copied there")
        return session_db.backend_paths_current(data)

    def exists(self, session_key: str) -> bool:
        try:
            if (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:  # a cache down: the database says
            logger.warning("session cache unavailable; asking the database whether a session key is taken")
        return session_db.SessionStore.exists(self, session_key)

    def delete(self, session_key: str | None = None) -> None:
        """The marker in the cache first, then the row (Django deletes the row first, and a cache
        that fails after it is gone leaves the copy signed in)."""
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        try:
            self._cache.set(self.cache_key_prefix + session_key, ENDED, settings.SESSION_COOKIE_AGE)
        except Exception:
            logger.warning("session cache unavailable while ending a session; ending the person's sessions")
            self._end_signed_in_copy(session_key)
        session_db.SessionStore.delete(self, session_key)

    def _end_signed_in_copy(self, session_key: str) -> None:
        """The cache may keep a copy of this session: if that copy can still sign its person in (its
        hash is the person's current one), end every session of theirs. An anonymous session, or one
        whose hash no longer matches (the password changed), signs nobody in."""
        row = self.model.objects.filter(session_key=session_key).first() or (
            session_db.LegacySession.objects.filter(session_key=session_key).first()
        )
        data = self.decode(row.session_data) if row is not None else {}
        user_id, backend_path, stored = (
            data.get(k) for k in (SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY)
        )
        if not (user_id and backend_path and stored):
            return
        user = load_backend(backend_path).get_user(user_id)
        if user is not None and constant_time_compare(stored, user.get_session_auth_hash()):
            user_sessions_end(user_id=user.pk)
