"""Flows for captures that saw connections, not HTTP requests (mobile VPN-based tools such as
TrackerControl and PCAPdroid): a host, maybe an IP and port, a time, the app that connected.

Such a flow's URL is synthetic - ``https://<host>/`` says "a connection to this host", not
"this page was fetched" - and is marked so: method ``CONNECT`` and
``resource_type="connection"``. Nothing is invented beyond host, address, port and time.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..models import CaptureInfo, Flow, SkippedEntry
from .base import (
    EntryGuard,
    ImportOptions,
    decode_text,
    ip_or_none,
    read_bytes,
    skipped_count,
)

CONNECTION = "connection"
MAX_CSV = 512 << 20  # a connection log larger than this is not one
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
                       r"(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$")  # RFC 1035
_PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$")


def developer_domain(package: str) -> str | None:
    """The app developer's own registrable domain, read from the reversed-domain package name:
    ``com.example.app`` -> ``example.com``, ``uk.co.bbc.iplayer`` -> ``bbc.co.uk``. A hint, not
    a proof: package names are chosen freely (the capture info calls it a hint)."""
    from ..enrich.domains import registrable_domain

    if not _PACKAGE.match(package or ""):
        return None
    domain = registrable_domain(".".join(reversed(package.lower().split("."))))
    return domain if "." in domain else None


def host_or_ip(daddr: str) -> tuple[str | None, str | None]:
    """(host, ip) from a column that holds a hostname or, when unresolved, an IP address."""
    text = daddr.strip()
    ip = ip_or_none(text)
    if ip is not None:
        return ip, ip
    host = text.lower().rstrip(".")
    return (host, None) if _HOSTNAME.match(host) else (None, None)


def connection_flow(display: str, index: int, started: dt.datetime, host: str, *,
                    ip: str | None = None, port: int | None = None, scheme: str = "https",
                    app: str | None = None, notes: tuple[str, ...] = (),
                    resource_type: str = CONNECTION) -> Flow:
    authority = f"[{host}]" if ":" in host else host  # IPv6 literal
    default = {"https": 443, "http": 80}.get(scheme)
    netloc = authority if port in (None, default) else f"{authority}:{port}"
    return Flow(
        input=display, entry=index, started=started, method="CONNECT",
        url=f"{scheme}://{netloc}/", scheme=scheme, host=host, port=port, server_ip=ip,
        resource_type=resource_type, app=app, notes=notes,
    )


def csv_rows(text: str, display: str) -> Iterator[tuple[int, dict[str, str] | InputError]]:
    """Rows of a CSV with a header, as (0-based row index, {column: value}); a row with the
    wrong number of cells comes as an ``InputError`` naming it, so the caller may skip it and
    go on. A CSV the reader cannot parse at all raises (csv's own field limit of 128 KiB
    stops hostile huge cells here)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(display, "empty CSV") from None
    except csv.Error as e:
        raise InputError(display, f"not a CSV file: {e}") from e
    names = [h.strip() for h in header]
    index = -1
    try:
        for index, row in enumerate(reader):
            if not row:
                continue
            if len(row) != len(names):
                yield index, InputError(display, f"{len(row)} cells, the header has "
                                        f"{len(names)}", entry=index, field="row")
                continue
            yield index, dict(zip(names, row, strict=True))
    except csv.Error as e:
        raise InputError(display, f"not valid CSV: {e}", entry=index + 1) from e


def good_rows(text: str, display: str,
              guard: EntryGuard) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows, with malformed ones (wrong cell count) raised, or skipped and listed when the run
    allows it."""
    for index, row in csv_rows(text, display):
        if isinstance(row, InputError):
            guard.skip(row)
            continue
        yield index, row


def csv_header(head: bytes) -> tuple[str, ...]:
    """The column names of a CSV's first line (for sniffing)."""
    line = head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip().decode("utf-8", "replace")
    return tuple(cell.strip().strip('"') for cell in line.split(","))


@dataclass
class ConnectionLog:
    """A connection log read as flows (a CSV; a JSON Lines log overrides ``_rows``). A format
    subclass names its producer and format label (``FORMAT``), may look at the raw file first
    (``_prepare``, returning the label when it depends on the file) and turns one row into a
    flow and the time the connection ended, if known (``_row``)."""

    path: Path
    display: str
    options: ImportOptions
    skipped: list[SkippedEntry] = field(default_factory=list)
    _info: CaptureInfo | None = None
    producer = "connection log"
    FORMAT = ""

    def _prepare(self, raw: bytes) -> str:
        return self.FORMAT

    def _row(self, index: int, row: dict[str, str]) -> tuple[Flow, dt.datetime | None]:
        raise NotImplementedError

    def _rows(self, text: str, guard: EntryGuard) -> Iterator[tuple[int, dict[str, Any]]]:
        """The log's records as (index, fields): a CSV's rows (a JSON Lines log overrides)."""
        return good_rows(text, self.display, guard)

    def __iter__(self) -> Iterator[Flow]:
        raw = read_bytes(self.path, self.display, MAX_CSV)
        text = decode_text(raw, self.display)
        fmt = self._prepare(raw)
        guard = EntryGuard(self.display, self.options)
        self.skipped = guard.skipped
        apps: dict[str, None] = {}
        first: dt.datetime | None = None
        last: dt.datetime | None = None
        count = 0
        for index, row in self._rows(text, guard):
            try:
                flow, ended = self._row(index, row)
            except InputError as e:
                guard.skip(e)
                continue
            if flow.app:
                apps.setdefault(flow.app)
            first = flow.started if first is None else min(first, flow.started)
            last = max(x for x in (last, flow.started, ended) if x is not None)
            count += 1
            yield flow
        self._info = CaptureInfo(
            path=self.display, sha256=hashlib.sha256(raw).hexdigest(), format=fmt,
            producer=self.producer, entries=count, first_seen=first, last_seen=last,
            apps=tuple(apps),
            first_party_hints=tuple(dict.fromkeys(d for a in apps if (d := developer_domain(a)))),
            skipped=skipped_count(self.skipped), secrets_kept=self.options.keep_secrets,
        )

    def info(self) -> CaptureInfo:
        if self._info is None:
            raise RuntimeError("info() is complete only after iteration")
        return self._info
