"""Sessions kept in the database with a copy in the shared cache (``SESSION_ENGINE`` when the cache is
Redis, ``tikjoy/settings.py``): a signed-in request reads its session from the cache instead of the
database. Signing out deletes both (``cached_db``); changing the password still signs out every
other session (Django checks the session's password hash against the user on every request).
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

logger = logging.getLogger(__name__)


class SessionStore(CachedDBStore):
    """Django's ``cached_db`` sessions, where a cache that is down costs a database read instead of a
    500 (Django's own store raises when it can't copy a session read from the database into the
    cache). Deleting is Django's: a sign-out that can't reach the cache fails rather than leaving a
    copy there."""

    def load(self) -> dict:
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # a cache down, or a key it refuses: the database has the session
            logger.warning("session cache unavailable; reading the session from the database")
            data = None
        if data is not None:
            return data
        row = self._get_session_from_db()
        if row is None:
            return {}
        data = self.decode(row.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=row.expire_date))
        except Exception:
            logger.warning("session cache unavailable; the session was not copied there")
        return data
