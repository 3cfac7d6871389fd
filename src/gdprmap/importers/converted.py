"""What the importers of formats that are not HAR but become HAR entries share (DevTools event
logs, WebPageTest results): each request is built into the HAR entry the tool's own export
writes and read by ``har.EntryReader``, so every check, limit and redaction of a HAR applies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..errors import InputError
from ..models import CaptureInfo, Flow
from .base import EntryGuard, ImportOptions, short, skipped_count
from .har import MAX_URL, EntryReader
from .jsonstream import JsonError, JsonLimit


def stream_error(display: str, error: Exception, entry: int | None) -> InputError:
    """The one-line error of a JSON log read as a stream (DevTools events, NetLog): broken JSON
    at ``entry`` (None: outside the entries), or the file or its compression unreadable."""
    if isinstance(error, JsonError):
        text = short(error)
        what = text if isinstance(error, JsonLimit) or "UTF-8" in text else (
            f"not valid JSON: {text}")
        return InputError(display, what, entry=entry)
    why = getattr(error, "strerror", None) or short(error)  # (a broken gzip has no strerror)
    return InputError(display, f"cannot read: {why}")


@dataclass
class ConvertedCapture:
    """An open capture of HAR entries built from another format. Iterate it for flows (a
    subclass's ``__iter__``); ``info`` is complete afterwards."""

    FORMAT: ClassVar[str] = ""

    path: Path
    display: str
    options: ImportOptions = field(default_factory=ImportOptions)
    producer: str | None = None
    entries: int = 0
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None
    sha256: str | None = None
    skipped: list[Any] = field(default_factory=list)
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)  # HAR page records
    format: str = ""  # FORMAT, or FORMAT+gzip when the file is compressed (set while read)
    _page_urls: dict[str, str] = field(default_factory=dict)

    def _reader(self) -> tuple[EntryGuard, EntryReader]:
        """The guard that raises or lists bad entries, and the HAR entry reader of the pages."""
        guard = EntryGuard(self.display, self.options)
        self.skipped = guard.skipped
        return guard, EntryReader(self.display, self.options.redactor(), self.pages,
                                  self._page_urls)

    def _new_page(self, url: str) -> str:
        """The page record of a visit of ``url`` (a navigation the log shows): its id."""
        page = f"page_{len(self.pages) + 1}"
        self.pages[page] = {"id": page, "title": url}
        self._page_urls[page] = url[:MAX_URL]
        return page

    def _flow(self, guard: EntryGuard, reader: EntryReader, index: int, entry: Any,
              place: str | None = None) -> Flow | None:
        """One built entry read as a flow and counted; None if it was skipped as bad. An error
        names ``place``, where the entry came from in the file, before the HAR field."""
        try:
            flow = reader.flow(index, entry)
        except InputError as e:
            if place is not None:
                e = InputError(self.display, e.reason, entry=e.entry,
                               field=place + (f" ({e.field})" if e.field else ""))
            guard.skip(e)
            return None
        self.entries += 1
        if self.first_seen is None or flow.started < self.first_seen:
            self.first_seen = flow.started
        if self.last_seen is None or flow.started > self.last_seen:
            self.last_seen = flow.started
        return flow

    def info(self) -> CaptureInfo:
        redactor = self.options.redactor()
        return CaptureInfo(
            path=self.display, sha256=self.sha256 or "", format=self.format or self.FORMAT,
            producer=self.producer, entries=self.entries,
            first_seen=self.first_seen, last_seen=self.last_seen,
            pages=tuple(dict.fromkeys(redactor.url(u) for u in self._page_urls.values())),
            skipped=skipped_count(self.skipped), secrets_kept=self.options.keep_secrets,
        )
