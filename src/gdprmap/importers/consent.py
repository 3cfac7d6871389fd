"""The consent fields of a live capture's HAR (issue #16, written by ``gdprmap capture``; see
``gdprmap/capture/har.py``): pages with ``_consent``, and ``log._capture``.

Kept apart from ``har.py``'s streaming hot path: the HAR importer hands over the page objects
and the ``_capture`` object it read, and asks ``ConsentPages.state`` for each entry's state.
A page without ``_consent`` (any other producer's HAR) gives no consent record and no state.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..models import ConsentClick, ConsentPage, RunInfo, StorageItem, StoredCookie
from ..redact import Redactor
from .base import parse_time, sha256_file

STATES = ("none", "accept", "reject")
OUTCOMES = ("no-banner", "shown", "clicked", "no-control", "unknown")
MAX_TEXT = 1000
MAX_ITEMS = 5000


def _text(value: Any, limit: int = MAX_TEXT) -> str | None:
    return value[:limit] if isinstance(value, str) else None


class ConsentPages:
    """The consent pages of one HAR, by page id."""

    def __init__(self, display: str, har_path: Path, redactor: Redactor) -> None:
        self.display, self.har_path, self.redactor = display, har_path, redactor
        self.raw: dict[str, dict[str, Any]] = {}
        self.action_time: dict[str, dt.datetime | None] = {}
        self.counts: dict[str, int] = {}

    def add(self, page: dict[str, Any]) -> None:
        state = page.get("_consent")
        if state is None:
            return
        pid = page.get("id")
        if state not in STATES:
            raise InputError(self.display, f"unknown consent state {str(state)[:20]!r} "
                             f"(known: {', '.join(STATES)})", field=f"log.pages[{pid}]._consent")
        self.raw[str(pid)] = page
        action = page.get("_action")
        when = parse_time(action.get("time")) if isinstance(action, dict) else None
        self.action_time[str(pid)] = when if page.get("_outcome") == "clicked" else None

    def state(self, pageref: str | None, started: dt.datetime) -> str | None:
        """The state a request was made in: the page's state after the choice was made, and
        ``none`` before it (or when no choice was made: no banner, no control)."""
        if pageref is None or pageref not in self.raw:
            return None
        self.counts[pageref] = self.counts.get(pageref, 0) + 1
        page_state = str(self.raw[pageref]["_consent"])
        when = self.action_time.get(pageref)
        if page_state == "none" or when is None or started < when:
            return "none"
        return page_state

    def pages(self) -> tuple[ConsentPage, ...]:
        return tuple(self._page(pid, page) for pid, page in self.raw.items())

    def _click(self, value: Any) -> ConsentClick | None:
        if not isinstance(value, dict) or not isinstance(value.get("css"), str):
            return None
        frame = _text(value.get("frame"), 4000)
        return ConsentClick(text=self.redactor.scrub_text(_text(value.get("text")) or ""),
                            css=value["css"][:MAX_TEXT],
                            frame=self.redactor.url(frame) if frame else None,
                            time=parse_time(value.get("time")))

    def _page(self, pid: str, page: dict[str, Any]) -> ConsentPage:
        shot = _text(page.get("_screenshot"), 500)
        path = sha = None
        if shot:
            candidate = (self.har_path.parent / shot)
            # only a file beside the HAR (or below it): a HAR must not point anywhere else
            try:
                inside = candidate.resolve().is_relative_to(self.har_path.parent.resolve())
            except OSError:
                inside = False
            if inside and candidate.is_file():
                path = str(candidate)
                sha = sha256_file(candidate)
        clicks: list[Any] = page["_clicks"] if isinstance(page.get("_clicks"), list) else []
        outcome = page.get("_outcome") if page.get("_outcome") in OUTCOMES else "unknown"
        title = _text(page.get("title"), 4000)
        return ConsentPage(
            state=str(page["_consent"]), page=pid,
            url=self.redactor.url(title) if title and title.startswith(("http://", "https://"))
            else None,
            cmp=_text(page.get("_cmp"), 200), method=_text(page.get("_method"), 40),
            outcome=str(outcome), action=self._click(page.get("_action")),
            clicks=tuple(c for v in clicks[:50] if (c := self._click(v)) is not None),
            note=_text(page.get("_note")),
            screenshot=shot, screenshot_path=path, screenshot_sha256=sha,
            screenshot_recorded_sha256=_text(page.get("_screenshotSha256"), 64),
            cookies=tuple(_cookies(page.get("_cookies"))),
            storage=tuple(_storage(page.get("_storage"))),
            started=parse_time(page.get("startedDateTime")), ended=parse_time(page.get("_ended")),
            requests=self.counts.get(pid, 0),
        )


def _cookies(value: Any) -> list[StoredCookie]:
    out = []
    for c in value[:MAX_ITEMS] if isinstance(value, list) else ():
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            continue  # a value is never read, even if a producer wrote one
        expires = parse_time(c.get("expires"))
        out.append(StoredCookie(
            name=c["name"][:200], domain=str(c.get("domain", ""))[:300],
            path=str(c.get("path", "/"))[:300], expires=expires, session=expires is None,
            first_party=c.get("firstParty") if isinstance(c.get("firstParty"), bool) else None,
            http_only=c.get("httpOnly") if isinstance(c.get("httpOnly"), bool) else None,
            secure=c.get("secure") if isinstance(c.get("secure"), bool) else None,
            same_site=_text(c.get("sameSite"), 20)))
    return out


def _storage(value: Any) -> list[StorageItem]:
    return [StorageItem(origin=str(s.get("origin", ""))[:300], key=str(s["key"])[:300])
            for s in (value[:MAX_ITEMS] if isinstance(value, list) else ())
            if isinstance(s, dict) and isinstance(s.get("key"), str)]


def run_info(capture: Any, producer: str | None, redactor: Redactor) -> RunInfo | None:
    """``log._capture`` as the run record (tool, browser, command line, start/end, zone)."""
    if not isinstance(capture, dict):
        return None
    tz = capture.get("timezone")
    zone = None
    if isinstance(tz, dict):
        zone = " ".join(str(tz.get(k, "")) for k in ("name", "utcOffset") if tz.get(k)) or None
    url = _text(capture.get("url"), 4000)
    command: list[Any] = capture["command"] if isinstance(capture.get("command"), list) else []
    args: list[Any] = (capture["browserArgs"] if isinstance(capture.get("browserArgs"), list)
                       else [])
    browser = _text(capture.get("browser"), 300)
    return RunInfo(
        tool=(producer or "gdprmap").split(" ")[0], tool_version=(producer or "").partition(" ")[2]
        or None,
        browser=browser.split(" ")[0] if browser else None,
        browser_version=browser.partition(" ")[2] or None if browser else None,
        user_agent=_text(capture.get("userAgent")),
        started=parse_time(capture.get("started")), ended=parse_time(capture.get("ended")),
        start_url=redactor.url(url) if url else None,
        command=tuple(redactor.scrub_text(str(c)[:MAX_TEXT]) for c in command[:200]),
        browser_args=tuple(str(a)[:MAX_TEXT] for a in args[:200]),
        timezone=zone,
    )
