"""A disk cache for registration lookups (WHOIS, RDAP): answers with retrieval time and TTL.

SQLite, one file ``lookups.sqlite3`` in the cache folder: the ``cache_dir`` argument, else
``$GDPRMAP_CACHE_DIR``, else ``$XDG_CACHE_HOME/gdprmap``, else ``~/.cache/gdprmap``. Answers are
kept raw (the text or JSON the server sent) so a later parser can re-read them, and failures are
kept too, with a short TTL, so a dead server is not asked again on every run.

The cache stores what public registries published about domains; it holds nothing from the
captures except the domain names that were looked up.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import GdprmapError
from ..resources import ENV_CACHE_DIR, cache_dir

ENV_DIR = ENV_CACHE_DIR
DEFAULT_TTL = dt.timedelta(days=7)
FAILURE_TTL = dt.timedelta(minutes=30)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key        TEXT PRIMARY KEY,   -- "rdap:example.com", "whois:example.com"
    protocol   TEXT NOT NULL,      -- "rdap" | "whois"
    server     TEXT NOT NULL,      -- URL or host:port that answered
    retrieved  TEXT NOT NULL,      -- ISO 8601 UTC
    expires    TEXT NOT NULL,      -- ISO 8601 UTC
    ok         INTEGER NOT NULL,   -- 1 answer, 0 failure
    status     TEXT NOT NULL,      -- "ok", "not-found", "timeout", "rate-limited", "error"
    payload    TEXT NOT NULL       -- raw answer, or the failure message
)
"""


class CacheError(GdprmapError):
    """The lookup cache cannot be opened or written."""


def default_cache_dir() -> Path:
    return cache_dir()


@dataclass(frozen=True)
class CachedAnswer:
    key: str
    protocol: str
    server: str
    retrieved: dt.datetime
    expires: dt.datetime
    ok: bool
    status: str
    payload: str


class LookupCache:
    """Get and put raw answers; an entry past its ``expires`` is not returned."""

    def __init__(self, cache_dir: Path | str | None = None) -> None:
        self.dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.path = self.dir / "lookups.sqlite3"
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self.dir.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=5)
                self._db.execute(_SCHEMA)
                self._db.commit()
            except (OSError, sqlite3.Error) as e:
                self._db = None
                raise CacheError(f"{self.path}: cannot open the lookup cache: {e}; set "
                                 f"{ENV_DIR} to a writable folder") from e
        return self._db

    def get(self, key: str, now: dt.datetime | None = None) -> CachedAnswer | None:
        now = now or _utcnow()
        with self._lock:
            row = self._conn().execute(
                "SELECT key, protocol, server, retrieved, expires, ok, status, payload "
                "FROM answers WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        answer = CachedAnswer(row[0], row[1], row[2], dt.datetime.fromisoformat(row[3]),
                              dt.datetime.fromisoformat(row[4]), bool(row[5]), row[6], row[7])
        return answer if answer.expires > now else None

    def put(self, key: str, protocol: str, server: str, *, ok: bool, status: str, payload: str,
            ttl: dt.timedelta, retrieved: dt.datetime | None = None) -> CachedAnswer:
        retrieved = retrieved or _utcnow()
        answer = CachedAnswer(key, protocol, server, retrieved, retrieved + ttl, ok, status,
                              payload)
        with self._lock:
            db = self._conn()
            db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (key, protocol, server, retrieved.isoformat(), answer.expires.isoformat(),
                        int(ok), status, payload))
            db.commit()
        return answer

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
