"""Parameter-name lists from ``patterns.toml`` and the key normalisation they are compared with.

Loaded once, as frozensets and compiled patterns: detectors do set look-ups, not regex scans.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

PATTERNS_FILE = Path(__file__).parent / "patterns.toml"
_SEGMENT = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")


@lru_cache(maxsize=65536)
def leaf(path: str) -> str:
    """The last alphabetic segment of a parameter path, normalised for comparison:
    ``ud[em]`` -> ``em``, ``ep.search_term`` -> ``searchterm``, ``user.firstName`` ->
    ``firstname``, ``breadcrumbs.values[0].category`` -> ``category``."""
    segments = _SEGMENT.findall(path)
    if not segments:
        return ""
    return str(segments[-1]).lower().replace("_", "").replace("-", "")


@lru_cache(maxsize=65536)
def segments(path: str) -> frozenset[str]:
    """Every alphabetic segment of a parameter path, normalised like ``leaf``."""
    return frozenset(s.lower().replace("_", "").replace("-", "") for s in _SEGMENT.findall(path))


class Patterns:
    """Typed access to ``patterns.toml``: every list becomes a frozenset of normalised keys."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def keys(self, section: str, name: str) -> frozenset[str]:
        return frozenset(leaf(k) or k for k in self._data[section][name])

    def regex(self, section: str, name: str) -> re.Pattern[str]:
        return re.compile(self._data[section][name], re.I)

    def data(self, section: str, name: str) -> Any:
        return self._data[section][name]

    def number(self, section: str, name: str) -> int:
        return int(self._data[section][name])


@lru_cache(maxsize=1)
def patterns() -> Patterns:
    with PATTERNS_FILE.open("rb") as fh:
        return Patterns(tomllib.load(fh))
