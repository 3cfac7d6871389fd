"""Locate bundled data files, and keep parsed forms of them in the user's cache folder.

In a wheel, ``ontologies/`` and ``reports/templates/`` are packaged under ``gdprmap/_bundled``
(see pyproject.toml); in a checkout they sit at the repository's top level, as the design card
asks. Package data under ``gdprmap/data`` is found the ordinary way.

``DerivedCache`` (issue #9) keeps what is costly to derive from those files on every start (the
parsed ontology and prepared SPARQL, the merged knowledge base) under ``derived/`` in the cache
folder: the ``GDPRMAP_CACHE_DIR`` folder, else ``$XDG_CACHE_HOME/gdprmap``, else
``~/.cache/gdprmap``. An entry is named by a SHA-256 of everything it was derived from, so a
changed input is a different name and never a stale hit. A missing, unreadable or damaged entry
only costs the time to derive it again; a folder that cannot be written leaves the run as it
would be without a cache. ``GDPRMAP_NO_CACHE=1`` turns it off (neither read nor written).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import IO, Any

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent.parent

ENV_CACHE_DIR = "GDPRMAP_CACHE_DIR"
ENV_NO_CACHE = "GDPRMAP_NO_CACHE"


def bundled_dir(name: str) -> Path:
    """``ontologies``, ``templates`` or ``queries``: the wheel's copy first, then the
    checkout's."""
    top = {"ontologies": "ontologies", "templates": "reports/templates",
           "queries": "docs/queries"}[name]
    for candidate in (_PACKAGE / "_bundled" / name, _CHECKOUT / top):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"gdprmap data folder {name!r} is missing from this installation")


def data_path(name: str) -> Path:
    return _PACKAGE / "data" / name


def cache_dir() -> Path:
    """The user's gdprmap cache folder (lookup answers, derived data); it may not exist yet."""
    if env := os.environ.get(ENV_CACHE_DIR):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gdprmap"


def cache_disabled() -> bool:
    return os.environ.get(ENV_NO_CACHE, "").strip().lower() not in ("", "0", "false", "no")


def digest(*parts: bytes | str) -> str:
    """SHA-256 over length-prefixed parts (so ``("ab", "c")`` and ``("a", "bc")`` differ)."""
    h = hashlib.sha256()
    for part in parts:
        raw = part.encode() if isinstance(part, str) else part
        h.update(len(raw).to_bytes(8, "little"))
        h.update(raw)
    return h.hexdigest()


class DerivedCache:
    """One derived form of bundled data, as bytes in ``<cache>/derived/<kind>-<key>``.

    ``key`` must digest every input the bytes depend on (file contents, library and format
    versions). Writing replaces the file atomically (temporary file + rename, so a reader never
    sees half an entry) and removes older entries of the same kind. Every failure to read or
    write is a cache miss, never an error: the caller derives the data again.
    """

    def __init__(self, kind: str, key: str, directory: Path | None = None) -> None:
        self.kind = kind
        self.dir = (directory or cache_dir()) / "derived"
        self.path = self.dir / f"{kind}-{key}"
        self.enabled = not cache_disabled()

    def read(self) -> bytes | None:
        if not self.enabled:
            return None
        try:
            with self.path.open("rb") as fh:
                if not _owned_by_us(os.fstat(fh.fileno())):
                    return None  # someone else's file in a shared folder: do not trust it
                return fh.read()
        except OSError:
            return None

    def write(self, data: bytes) -> bool:
        """Store ``data``; False when the folder cannot be written (the run goes on)."""
        if not self.enabled:
            return False
        tmp: str | None = None
        try:
            self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.kind}-", dir=self.dir)  # mode 0600
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, self.path)
            tmp = None
        except OSError:
            return False
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
        for old in self.dir.glob(f"{self.kind}-*"):
            if old != self.path:
                try:
                    old.unlink()
                except OSError:  # gone already, or open elsewhere (Windows): left for later
                    pass
        return True


def _owned_by_us(st: os.stat_result) -> bool:
    getuid = getattr(os, "getuid", None)  # absent on Windows, where folders are per user
    return getuid is None or st.st_uid == getuid()


class AtomicFile:
    """A file written under a temporary name beside ``path`` and renamed into place only when
    the ``with`` block ends cleanly: a reader never sees half a file, and a failure leaves the
    earlier file (or none) as it was. ``mode`` and ``options`` are those of ``open``."""

    def __init__(self, path: Path, mode: str = "wb", **options: Any) -> None:
        self.path = Path(path)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.",
                                        dir=self.path.parent or Path("."))
        self.file: IO[Any] = open(fd, mode, **options)  # noqa: SIM115 - closed in __exit__

    def __enter__(self) -> IO[Any]:
        return self.file

    def __exit__(self, kind: object, *_: object) -> None:
        self.file.close()
        if kind is None:
            os.replace(self.tmp, self.path)
        elif os.path.exists(self.tmp):
            os.unlink(self.tmp)
