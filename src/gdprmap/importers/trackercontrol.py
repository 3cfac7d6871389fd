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
from pathlib import Path

from ..errors import InputError
from ..models import Flow
from .base import ImportOptions, parse_epoch
from .connections import ConnectionLog, connection_flow, csv_header, host_or_ip

ONE_APP = ("daddr", "time", "uncertain", "Tracker Name", "Tracker Category")
ALL_APPS = ("uid", "daddr", "time", "uncertain", "Tracker", "Category", "Package", "App")
# One greedy run (linear, issue #17); the package must hold a dot (checked where it is used).
_FILE_PACKAGE = re.compile(r"^(?P<package>[A-Za-z][\w.]*)_\d{8}\.csv$")


def sniff(path: Path, head: bytes) -> bool:
    return csv_header(head) in (ONE_APP, ALL_APPS)


def open_csv(path: Path, display: str, options: ImportOptions) -> TrackerControlCapture:
    return TrackerControlCapture(path, display, options)


class TrackerControlCapture(ConnectionLog):
    producer = "TrackerControl"
    _layout = "one-app"
    _file_package: str | None = None

    def _prepare(self, raw: bytes) -> str:
        self._layout = "all-apps" if csv_header(raw[:4096]) == ALL_APPS else "one-app"
        if self._layout == "one-app":  # the package is only in the file name
            m = _FILE_PACKAGE.match(self.path.name)
            self._file_package = (m.group("package") if m and "." in m.group("package")[1:-1]
                                  else None)
        return f"trackercontrol-csv ({self._layout})"

    def _row(self, index: int, row: dict[str, str]) -> tuple[Flow, dt.datetime | None]:
        return self._flow(index, row, self._layout, self._file_package), None

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
