"""TrackerControl CSV exports (Android; NetGuard-based VPN that logs connections per app).

Two layouts, read from TrackerControl's source (``DetailsActivity.ExportDatabaseCSVTask`` and
``ActivityMain.csvExport``):
- one app:  ``daddr,time,uncertain,Tracker Name,Tracker Category`` in ``<package>_YYYYMMDD.csv``
  (the package is only in the file name);
- all apps: ``uid,daddr,time,uncertain,Tracker,Category,Package,App``.
``daddr`` is the hostname, or the IP when unresolved; ``time`` is epoch milliseconds (NetGuard's
``access`` table). ``uncertain=1`` means TrackerControl is unsure which hostname the connection
belongs to; tracker and category are TrackerControl's own labels. Both are kept as notes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..models import CaptureInfo, Flow, SkippedEntry
from .base import EntryGuard, ImportOptions, decode_text, parse_epoch, read_bytes
from .connections import (
    MAX_CSV,
    connection_flow,
    developer_domain,
    good_rows,
    host_or_ip,
)

ONE_APP = ("daddr", "time", "uncertain", "Tracker Name", "Tracker Category")
ALL_APPS = ("uid", "daddr", "time", "uncertain", "Tracker", "Category", "Package", "App")
_FILE_PACKAGE = re.compile(r"^(?P<package>[A-Za-z][\w.]*\.[\w.]+)_\d{8}\.csv$")


def _header(head: bytes) -> tuple[str, ...]:
    line = head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip().decode("utf-8", "replace")
    return tuple(cell.strip().strip('"') for cell in line.split(","))


def sniff(path: Path, head: bytes) -> bool:
    return _header(head) in (ONE_APP, ALL_APPS)


def open_csv(path: Path, display: str, options: ImportOptions) -> TrackerControlCapture:
    return TrackerControlCapture(path, display, options)


@dataclass
class TrackerControlCapture:
    path: Path
    display: str
    options: ImportOptions
    skipped: list[SkippedEntry] = field(default_factory=list)
    _info: CaptureInfo | None = None

    def __iter__(self) -> Iterator[Flow]:
        raw = read_bytes(self.path, self.display, MAX_CSV)
        import hashlib

        sha = hashlib.sha256(raw).hexdigest()
        text = decode_text(raw, self.display)
        layout = "all-apps" if _header(raw[:4096]) == ALL_APPS else "one-app"
        file_package = None
        if layout == "one-app":
            m = _FILE_PACKAGE.match(self.path.name)
            file_package = m.group("package") if m else None
        guard = EntryGuard(self.display, self.options)
        self.skipped = guard.skipped
        apps: dict[str, None] = {}
        times: list[dt.datetime] = []
        count = 0
        for index, row in good_rows(text, self.display, guard):
            try:
                flow = self._flow(index, row, layout, file_package)
            except InputError as e:
                guard.skip(e)
                continue
            if flow.app:
                apps.setdefault(flow.app)
            times.append(flow.started)
            count += 1
            yield flow
        hints = tuple(dict.fromkeys(d for a in apps if (d := developer_domain(a))))
        self._info = CaptureInfo(
            path=self.display, sha256=sha, format=f"trackercontrol-csv ({layout})",
            producer="TrackerControl", entries=count,
            first_seen=min(times, default=None), last_seen=max(times, default=None),
            apps=tuple(apps), first_party_hints=hints, skipped=len(self.skipped),
            secrets_kept=self.options.keep_secrets,
        )

    def _flow(self, index: int, row: dict[str, str], layout: str,
              file_package: str | None) -> Flow:
        def fail(name: str, reason: str) -> InputError:
            return InputError(self.display, reason, entry=index, field=name)

        host, ip = host_or_ip(row["daddr"])
        if host is None:
            raise fail("daddr", "not a hostname or IP address")
        started = parse_epoch(row["time"], millis=True)
        if started is None or started.year < 2000:
            raise fail("time", "not epoch milliseconds")
        if row["uncertain"].strip() not in ("0", "1", ""):
            raise fail("uncertain", "not 0 or 1")
        tracker = row.get("Tracker" if layout == "all-apps" else "Tracker Name", "").strip()
        category = row.get("Category" if layout == "all-apps" else "Tracker Category", "").strip()
        app = (row.get("Package") or "").strip() or file_package
        notes = []
        if tracker:
            notes.append(f"TrackerControl tracker: {tracker}"
                         + (f" ({category})" if category else ""))
        if row["uncertain"].strip() == "1":
            notes.append("TrackerControl: hostname attribution uncertain")
        return connection_flow(self.display, index, started, host, ip=ip, app=app,
                               notes=tuple(notes))

    def info(self) -> CaptureInfo:
        if self._info is None:
            raise RuntimeError("info() is complete only after iteration")
        return self._info
