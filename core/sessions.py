"""Sessions kept in the database and read through the cache, which may be away.

Django's ``cached_db`` store already falls back to the database when a cache
read fails, but not when it writes back what it read, checks that a new key is
free, or deletes a session at logout: each of those turns a Redis outage into
a 500 on every signed-in page and on the login itself. Here the cache is only
ever a copy (see :mod:`core.resilience`): while it is away, sessions are
read from and written to the database alone.

A copy is kept at most ``SESSION_CACHE_SECONDS`` (default 300). A logout made
while the cache was away deletes the database row but cannot delete the copy;
if the cache comes back with its data (a network cut rather than a restart),
that copy would sign the session in again until it expires. Five minutes
bounds that, at the price of one indexed read per session every five minutes.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.backends import cached_db

from core import resilience


class SessionStore(cached_db.SessionStore):
    def _copy_seconds(self, expiry_age: int) -> int:
        return max(0, min(expiry_age, getattr(settings, "SESSION_CACHE_SECONDS", 300)))

    def load(self):
        data = resilience.cache_get(self.cache_key, backend=self._cache)
        if data is not None:
            return data
        s = self._get_session_from_db()
        if not s:
            return {}
        data = self.decode(s.session_data)
        resilience.cache_set(
            self.cache_key, data, self._copy_seconds(self.get_expiry_age(expiry=s.expire_date)), backend=self._cache
        )
        return data

    def exists(self, session_key):
        if not session_key:
            return False
        key = self.cache_key_prefix + session_key
        return resilience.cache_contains(key, backend=self._cache) or super(cached_db.SessionStore, self).exists(
            session_key
        )

    def save(self, must_create=False):
        # The database first (it is the record), then the copy.
        super(cached_db.SessionStore, self).save(must_create)
        resilience.cache_set(
            self.cache_key, self._session, self._copy_seconds(self.get_expiry_age()), backend=self._cache
        )

    def delete(self, session_key=None):
        super(cached_db.SessionStore, self).delete(session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        resilience.cache_delete(self.cache_key_prefix + session_key, backend=self._cache)
