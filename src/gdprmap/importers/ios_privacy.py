"""iOS App Privacy Report exports (Settings > Privacy & Security > App Privacy Report > Save App
Activity): JSON Lines, one record per line.

``"type": "networkActivity"`` records say that an app (``bundleID``) contacted a domain
(``domain``) ``hits`` times between ``firstTimeStamp`` and ``timeStamp``; ``initiatedType`` is
``AppInitiated`` (the app's own code) or ``NonAppInitiated`` (web content the app loaded, whose
site is ``context``, e.g. a page open in Safari); ``domainOwner`` is Apple's label for the
domain's owner when it shows one. Each becomes one connection flow - a host, an app, a time; the
URL is synthetic (``https://<domain>/``, method ``CONNECT``), as for the Android connection logs -
with those labels kept as notes: the report holds no request, no address and no payload.
``"type": "access"`` records (an app reading contacts, photos, the location ...) are not network
traffic and are not read. A line that is not a JSON object, or a network record without a valid
domain or time, is a bad entry named by its line number (from 0).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..models import Flow
from .base import EntryGuard, ImportOptions, first_bad_text, parse_time, short
from .connections import ConnectionLog, connection_flow, host_or_ip

NETWORK = "networkActivity"
MAX_LINE = 1 << 20  # a record is a few hundred bytes; a longer line is not one
_SNIFF = re.compile(rb'"type"\s*:\s*"(?:networkActivity|access)"')
_RECORD_KEYS = (b'"bundleID"', b'"accessor"')


def sniff(path: Path, head: bytes) -> bool:
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    first = text.split(b"\n", 1)[0]
    return text.startswith(b"{") and bool(_SNIFF.search(first)) and any(
        k in first for k in _RECORD_KEYS)


def open_report(path: Path, display: str, options: ImportOptions) -> AppPrivacyReport:
    return AppPrivacyReport(path, display, options)


class AppPrivacyReport(ConnectionLog):
    producer = "iOS App Privacy Report"
    FORMAT = "ios-app-privacy-report"

    def _rows(self, text: str, guard: EntryGuard) -> Iterator[tuple[int, dict[str, Any]]]:
        for index, line in enumerate(text.splitlines()):
            if not line.strip():
                continue
            try:
                if len(line) > MAX_LINE:
                    raise InputError(self.display, f"longer than {MAX_LINE} characters",
                                     entry=index)
                try:
                    record = json.loads(line)
                except (ValueError, RecursionError) as e:
                    raise InputError(self.display, f"not valid JSON: {short(e)}",
                                     entry=index) from e
                if not isinstance(record, dict):
                    raise InputError(self.display, "not a JSON object", entry=index)
                if (bad := first_bad_text(record)) is not None:  # would break every output
                    raise InputError(self.display, "not valid Unicode (a lone surrogate escape)",
                                     entry=index, field=bad)
            except InputError as e:
                guard.skip(e)
                continue
            if record.get("type") == NETWORK:
                yield index, record

    def _row(self, index: int, row: dict[str, Any]) -> tuple[Flow, dt.datetime | None]:
        def fail(name: str, reason: str) -> InputError:
            return InputError(self.display, reason, entry=index, field=name)

        domain = row.get("domain")
        host, ip = host_or_ip(domain) if isinstance(domain, str) else (None, None)
        if host is None:
            raise fail("domain", "not a hostname or IP address")
        started = parse_time(row.get("firstTimeStamp")) or parse_time(row.get("timeStamp"))
        if started is None:
            raise fail("firstTimeStamp", "missing or not an ISO 8601 date-time")
        ended = parse_time(row.get("timeStamp"))
        app = row.get("bundleID")
        app = app.strip()[:200] if isinstance(app, str) and app.strip() else None
        notes = []
        hits = row.get("hits")
        if isinstance(hits, int) and not isinstance(hits, bool) and hits > 0:
            notes.append(f"App Privacy Report: {hits} contact(s) from {started.isoformat()}"
                         + (f" to {ended.isoformat()}" if ended else ""))
        for key in ("initiatedType", "context", "domainOwner"):
            value = row.get(key)
            if isinstance(value, str) and value.strip():
                notes.append(f"App Privacy Report {key}: {value.strip()[:200]}")
        return connection_flow(self.display, index, started, host, ip=ip, app=app,
                               notes=tuple(notes)), ended
