"""The library façade: every CLI command is one call here. No printing, no exiting."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

from .assess import Options
from .assess import analyze as _analyze
from .models import Assessment, Flow

PathLike = str | os.PathLike[str]


def analyze(
    *captures: PathLike,
    as_of: dt.date | str | None = None,
    scenario: str | None = None,
    lang: str = "en",
    controller: str | None = None,
    first_party: tuple[str, ...] = (),
    kb_override: tuple[PathLike, ...] = (),
    command: tuple[str, ...] = (),
) -> Assessment:
    """Assess one or more captures. ``as_of`` defaults to the first observation's date.

    >>> a = analyze("examples/health-booking/capture.har")  # doctest: +SKIP
    >>> a.counts()                                          # doctest: +SKIP
    """
    if isinstance(as_of, str):
        from .errors import UsageError

        try:
            as_of = dt.date.fromisoformat(as_of)
        except ValueError as e:
            raise UsageError(f"as-of date {as_of!r} is not YYYY-MM-DD") from e
    options = Options(as_of=as_of, scenario=scenario, lang=lang, controller=controller,
                      first_party=tuple(first_party),
                      kb_overrides=tuple(Path(p) for p in kb_override), command=command)
    return _analyze([Path(c) for c in captures], options)


def load(*captures: PathLike) -> Iterator[Flow]:
    """The redacted flows of captures, streamed, without any assessment."""
    from .importers import open_capture

    for capture in captures:
        yield from open_capture(Path(capture), str(capture))
