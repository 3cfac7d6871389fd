"""Live capture with consent states (issue #16): ``gdprmap capture URL -o site.har``.

A real headless Chromium visits the URL once per consent state (``none``: no choice made;
``accept``: the accept-all control clicked; ``reject``: the refuse control clicked), each in a
fresh profile, and the requests of all states go into one standard HAR 1.2 file with one page
per state (see ``har.py`` for its fields) and a screenshot per state beside it.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .session import STATES, CaptureOptions

__all__ = ["CaptureOptions", "CaptureResult", "STATES", "capture", "parse_consent",
           "parse_viewport"]


@dataclass(frozen=True)
class CaptureResult:
    har: Path
    screenshots: tuple[Path, ...]
    states: tuple[str, ...]
    outcomes: dict[str, str]  # state -> no-banner | shown | clicked | no-control
    cmp: dict[str, str | None]
    entries: int
    browser: str
    seconds: dict[str, float]  # state -> seconds
    browser_args: tuple[str, ...] = ()  # as started (with --gdprmap-run=ID, a marker)


def parse_consent(value: str) -> tuple[str, ...]:
    if value == "all":
        return STATES
    states = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    bad = [s for s in states if s not in STATES]
    if not states or bad:
        raise UsageError(f"--consent {value!r}: give none, accept, reject or all "
                         "(or a comma-separated list)")
    return states


def parse_viewport(value: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in value.lower().split("x"))
    except ValueError:
        raise UsageError(f"--viewport {value!r}: give WIDTHxHEIGHT, e.g. 1366x768") from None
    if not (200 <= w <= 8000 and 200 <= h <= 8000):
        raise UsageError(f"--viewport {value!r}: width and height must be 200 to 8000")
    return w, h


def capture(url: str, output: str | os.PathLike[str], options: CaptureOptions | None = None,
            log: Any = None) -> CaptureResult:
    """Capture ``url`` in the consent states of ``options`` into the HAR file ``output`` (and
    ``<stem>-<state>.png`` screenshots beside it). Raises ``CaptureError`` when the browser is
    missing, the URL cannot be loaded or a page does not finish loading in time, and
    ``UsageError`` for a bad URL or option; nothing is written then.

    >>> r = capture("https://www.example.fr/", "site.har")   # doctest: +SKIP
    >>> r.outcomes                                            # doctest: +SKIP
    {'none': 'shown', 'accept': 'clicked', 'reject': 'clicked'}
    """
    from .. import __version__
    from . import har
    from .banner import autoconsent_version
    from .session import check_url, run_states

    options = options or CaptureOptions()
    check_url(url)
    out = Path(output)
    if out.suffix.lower() != ".har":
        raise UsageError(f"{out}: the capture is written as HAR: give an -o name ending in .har")
    if not out.parent.is_dir():
        raise UsageError(f"{out.parent}: no such folder")
    if options.wait < 0 or options.timeout <= 0 or options.pages < 0:
        raise UsageError("--wait and --pages must be >= 0 and --timeout > 0")
    bad = [s for s in options.consent if s not in STATES]
    if not options.consent or bad:
        raise UsageError(f"unknown consent state(s) {bad} (known: {', '.join(STATES)})")
    if options.host_resolver_rules is not None and "\n" in options.host_resolver_rules:
        raise UsageError("--host-resolver-rules: one line of Chromium rules")
    options = replace(options, consent=tuple(options.consent))
    started = dt.datetime.now(dt.timezone.utc)
    runs, browser, args = run_states(url, options, out.parent, out.stem, log=log)
    ended = dt.datetime.now(dt.timezone.utc)
    doc = har.document(url, runs, browser, args, options, started, ended,
                       out.parent, __version__, autoconsent_version())
    har.write(doc, out)
    return CaptureResult(
        har=out,
        screenshots=tuple(r.screenshot for r in runs if r.screenshot),
        states=tuple(r.state for r in runs),
        outcomes={r.state: r.banner.outcome for r in runs},
        cmp={r.state: r.banner.cmp for r in runs},
        entries=sum(len(r.entries) for r in runs),
        browser=browser,
        seconds={r.state: round((r.ended - r.started).total_seconds(), 3)
                 for r in runs if r.ended},
        browser_args=tuple(args),
    )
