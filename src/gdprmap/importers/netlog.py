"""Chrome's NetLog (``chrome://net-export``, ``--log-net-log=FILE``; also gzip-compressed): the
browser's own network log, ``{"constants": {...}, "events": [...]}``, as Chrome writes it -
constants first, then the events in time order (a ``polledData`` member may follow).

Events name their kind, phase and source by numbers the file's ``constants`` define
(``logEventTypes``, ``logEventPhase``, ``logSourceType``), so those are read first. A request
is a ``URL_REQUEST`` source; each ``URL_REQUEST_START_JOB`` that begins in it is one hop (a
redirect starts the next one) with its URL, method and initiator; the request headers are those
the network stack sent (``HTTP_TRANSACTION_SEND_REQUEST_HEADERS`` for HTTP/1, its
``_HTTP2_`` and ``_QUIC_`` forms, HTTP/2 pseudo-headers left out), the response is
``HTTP_TRANSACTION_READ_RESPONSE_HEADERS`` (status line and headers), and a ``net_error`` on
the request's end is Chrome's error (named as Chrome names it, from the constants' ``netError``).
A hop the HTTP cache answered without sending request headers is marked as served from the
cache; one blocked or unresolved keeps its error; any other hop that ended within the log without
being bound to a connection or sending request headers (an HSTS upgrade's internal redirect, a
cache-only lookup that missed) is marked as never sent - the log records every binding and every
send - and the HAR reader leaves them all out of the recipients. A hop bound to a connection
stays a request even if it sent nothing (the connection showed the server the visitor's
address), as does a request still open when the log ends. Pages: each main-frame request
(``request_type``) that is not a redirect starts one. Each hop becomes the HAR
entry a DevTools export would write for it and is read by the HAR entry reader, which redacts
and checks it like any other (cookie values: Chrome strips them unless the log was captured
with "Include cookies and credentials"; when it was not, the reader redacts them).

Server addresses: a NetLog names them on the sources a request is bound to, not on the request -
a TCP socket's connected ``remote_address`` (through the stream job the request is bound to, and
an HTTP/2 session's socket) or a QUIC session's ``peer_address`` - and each hop takes the first
address found along those bindings. Not read: bodies (``bytes`` of the "Everything" capture
mode). Times:
the constants' ``timeTickOffset`` plus the event's ``time`` (milliseconds). Entries are numbered
by the index of their ``URL_REQUEST_START_JOB`` event, so an error names the event to look at.
Memory stays bounded: a request goes out when it ends, and at most ``MAX_PENDING`` wait.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..errors import InputError
from ..models import Flow
from . import compressed
from .base import HashingReader, ImportOptions, epoch_iso, header_lines, is_unicode
from .converted import ConvertedCapture, stream_error
from .devtools import BOM, MAX_PAGES, _Unbommed
from .har import READ_BUFFER
from .jsonstream import JsonError, JsonText
from .unsent import NETLOG_UNSENT

MAX_PENDING = 2_000  # requests waiting for their end; the oldest goes out past this
MAX_HOPS = 50  # redirects followed within one request (Chrome stops at 20)
MAX_SOURCES = 100_000  # sockets, sessions and jobs remembered for their bindings and addresses
MAX_BINDS = 64  # bindings kept per request hop or source (a job binds one socket or session)
# events that bind one source to another (params.source_dependency), on the way from a request
# to the connection that carried it
_BINDS = frozenset({
    "HTTP_STREAM_REQUEST_BOUND_TO_JOB", "HTTP_STREAM_REQUEST_BOUND_TO_QUIC_SESSION",
    "SOCKET_POOL_BOUND_TO_SOCKET", "QUIC_SESSION_POOL_USE_EXISTING_SESSION",
    "HTTP2_SESSION_POOL_IMPORTED_SESSION_FROM_SOCKET", "HTTP2_SESSION_POOL_FOUND_EXISTING_SESSION",
    "HTTP2_SESSION_INITIALIZED"})
_SNIFF = re.compile(rb'^\{\s*"constants"\s*:\s*\{')
_SEND = ("HTTP_TRANSACTION_SEND_REQUEST_HEADERS", "HTTP_TRANSACTION_HTTP2_SEND_REQUEST_HEADERS",
         "HTTP_TRANSACTION_QUIC_SEND_REQUEST_HEADERS")
_NEEDED = ("logEventTypes", "logEventPhase", "logSourceType")


def sniff(path: Path, head: bytes) -> bool:
    text = head.removeprefix(BOM).lstrip()
    return not path.is_dir() and bool(_SNIFF.match(text)) and (
        b'"logEventTypes"' in text or b'"clientInfo"' in text or b'"certStatusFlag"' in text
        or b'"addressFamily"' in text)


def open_netlog(path: Path, display: str, options: ImportOptions) -> NetLogCapture:
    return NetLogCapture(path, display, options=options)


@dataclass
class _Hop:
    index: int  # of its URL_REQUEST_START_JOB event
    start: dict[str, Any]  # that event's params
    time: Any  # its time (milliseconds since the offset)
    sent: list[Any] | None = None  # request header lines
    line: str | None = None  # HTTP/1 request line
    received: list[Any] | None = None  # status line and response header lines
    error: int | None = None  # Chrome's net error (negative)
    cached: bool = False  # the HTTP cache was read for it
    page: str | None = None
    bound: list[Any] = field(default_factory=list)  # sources it was bound to


@dataclass
class _Request:
    hops: list[_Hop] = field(default_factory=list)
    ended: bool = False  # its REQUEST_ALIVE ended within the log


@dataclass
class NetLogCapture(ConvertedCapture):
    """An open NetLog. Iterate it for flows; ``info`` is complete afterwards."""

    FORMAT: ClassVar[str] = "chrome-netlog"

    _page: str | None = None
    _at: int = -1  # the last event read
    # sockets, sessions and jobs: what each was bound to, and a connection's peer address
    _binds: OrderedDict[Any, list[Any]] = field(default_factory=OrderedDict)
    _addresses: OrderedDict[Any, str] = field(default_factory=OrderedDict)

    def __iter__(self) -> Iterator[Flow]:
        guard, reader = self._reader()
        reading = False  # inside the events
        try:
            with self.path.open("rb") as raw:
                hashing = HashingReader(raw)
                stream, packed = compressed.inflating(hashing)
                if packed:
                    self.format = f"{self.FORMAT}+{packed}"
                text = JsonText(_Unbommed(stream), READ_BUFFER)
                names: _Names | None = None
                for member in text.members():
                    if member == "constants":
                        names = _Names.of(self.display, text.value())
                        self.producer = names.producer
                    elif member == "events":
                        if names is None:
                            raise InputError(self.display, "a NetLog's constants must come "
                                                           "before its events", field="events")
                        reading = True
                        for at, entry in self._hops(text, names, guard):
                            if (flow := self._flow(guard, reader, at, entry)) is not None:
                                yield flow
                        reading = False
                    else:
                        text.skip()
                if not text.at_end():
                    raise JsonError(f"extra data at character {text.offset()}")
                while hashing.read(1 << 20):
                    pass
        except (JsonError, OSError, EOFError, zlib.error) as e:
            # the event that did not parse, when it was one
            raise stream_error(self.display, e, self._at + 1 if reading else None) from e
        if names is None:
            raise InputError(self.display, "not a NetLog (no constants)", field="constants")
        self.sha256 = hashing.sha.hexdigest()

    def _hops(self, text: JsonText, names: _Names,
              guard: Any) -> Iterator[tuple[int, dict[str, Any]]]:
        """The HAR entries of the requests, each when it ends (all at the end of the log)."""
        pending: OrderedDict[Any, _Request] = OrderedDict()  # source id -> request
        self._at = -1
        for index, event in enumerate(text.items()):
            self._at = index
            if not isinstance(event, dict) or not isinstance(event.get("type"), int) or \
                    not isinstance(source := event.get("source"), dict) or \
                    not isinstance(source.get("id"), (int, str)):
                guard.skip(InputError(self.display, "not a NetLog event (no type or source)",
                                      entry=index))
                continue
            kind = names.events.get(event["type"])
            phase = event.get("phase")
            given = event.get("params")
            params: dict[str, Any] = given if isinstance(given, dict) else {}
            sid = source.get("id")
            if source.get("type") != names.url_request:
                self._connection(sid, kind, params)
                continue
            if kind == "URL_REQUEST_START_JOB" and phase == names.begin:
                request = pending.setdefault(sid, _Request())
                if len(request.hops) < MAX_HOPS:
                    request.hops.append(_Hop(index, params, event.get("time"),
                                             page=self._page_of(params, bool(request.hops),
                                                                names)))
                if len(pending) > MAX_PENDING:
                    _, oldest = pending.popitem(last=False)
                    yield from self._entries(oldest, names)
                continue
            open_request = pending.get(sid)
            if open_request is None or not open_request.hops:
                continue
            hop = open_request.hops[-1]
            if kind in _BINDS and (target := _dependency(params)) is not None:
                if len(hop.bound) < MAX_BINDS:
                    hop.bound.append(target)
            elif kind in _SEND and hop.sent is None:
                hop.sent = params.get("headers") if isinstance(params.get("headers"), list) \
                    else []
                hop.line = params.get("line") if isinstance(params.get("line"), str) else None
            elif kind in ("HTTP_CACHE_READ_INFO", "HTTP_CACHE_READ_DATA"):
                hop.cached = True
            elif kind == "HTTP_TRANSACTION_READ_RESPONSE_HEADERS" and \
                    isinstance(params.get("headers"), list):
                hop.received = params["headers"]
            elif kind in ("URL_REQUEST_START_JOB", "REQUEST_ALIVE") and phase == names.end:
                if isinstance(error := params.get("net_error"), int) and error < 0:
                    hop.error = error
                if kind == "REQUEST_ALIVE":
                    open_request.ended = True
                    del pending[sid]
                    yield from self._entries(open_request, names)
        for request in pending.values():
            yield from self._entries(request, names)

    def _page_of(self, start: dict[str, Any], redirect: bool, names: _Names) -> str | None:
        """The page a request starts on; a main-frame request that is not a redirect's next hop
        starts a new one (NetLog has no page records; its ``request_type`` says "main frame",
        in older logs a load flag)."""
        url = start.get("url")
        if _main_frame(start, names) and not redirect and isinstance(url, str) \
                and url.startswith(("http://", "https://")) and is_unicode(url) and \
                len(self.pages) < MAX_PAGES:
            self._page = self._new_page(url)
        return self._page

    def _entries(self, request: _Request,
                 names: _Names) -> Iterator[tuple[int, dict[str, Any]]]:
        for number, hop in enumerate(request.hops):
            last = number == len(request.hops) - 1
            yield hop.index, _har_entry(hop, names, redirected=not last,
                                        address=self._address(hop.bound),
                                        finished=request.ended or not last)

    def _connection(self, sid: Any, kind: str | None, params: dict[str, Any]) -> None:
        """Remember a binding between sources, and a socket's or QUIC session's peer."""
        if kind in _BINDS and (target := _dependency(params)) is not None:
            targets = self._binds.setdefault(sid, [])
            if len(targets) < MAX_BINDS:
                targets.append(target)
            if len(self._binds) > MAX_SOURCES:
                self._binds.popitem(last=False)
        peer = params.get("remote_address") if kind == "TCP_CONNECT" else \
            params.get("peer_address") if isinstance(kind, str) and \
            kind.startswith("QUIC_SESSION") else None
        if isinstance(peer, str) and sid not in self._addresses:
            self._addresses[sid] = peer
            if len(self._addresses) > MAX_SOURCES:
                self._addresses.popitem(last=False)

    def _address(self, bound: list[Any]) -> str | None:
        """The first peer address along a hop's bindings (three steps at most: request, stream
        job, HTTP/2 session, socket)."""
        frontier, seen = list(bound), set()
        for _ in range(4):
            following: list[Any] = []
            for source in frontier:
                if source in seen:
                    continue
                seen.add(source)
                if source in self._addresses:
                    return self._addresses[source]
                following += self._binds.get(source, ())
            frontier = following
        return None


@dataclass
class _Names:
    """What the constants say the event numbers mean."""

    events: dict[int, str]
    errors: dict[int, str]  # net error number -> its name (ERR_BLOCKED_BY_CLIENT)
    main_frame: int  # the load flag of a main-frame load in older logs (0: none)
    url_request: int
    begin: int
    end: int
    offset_ms: float
    producer: str

    @classmethod
    def of(cls, display: str, constants: Any) -> _Names:
        if not isinstance(constants, dict) or not all(
                isinstance(constants.get(k), dict) for k in _NEEDED):
            raise InputError(display, "not a NetLog: its constants have no "
                                      f"{', '.join(_NEEDED)}", field="constants")
        events = {v: k for k, v in constants["logEventTypes"].items()
                  if isinstance(v, int) and isinstance(k, str)}
        phases, sources = constants["logEventPhase"], constants["logSourceType"]
        errors = {v: k for k, v in (constants.get("netError") or {}).items()
                  if isinstance(v, int) and isinstance(k, str)} \
            if isinstance(constants.get("netError"), dict) else {}
        url_request = sources.get("URL_REQUEST")
        begin, end = phases.get("PHASE_BEGIN"), phases.get("PHASE_END")
        if not all(isinstance(v, int) for v in (url_request, begin, end)):
            raise InputError(display, "not a NetLog: its constants do not define URL_REQUEST, "
                                      "PHASE_BEGIN and PHASE_END", field="constants")
        try:
            offset = float(str(constants.get("timeTickOffset")))
            if not math.isfinite(offset):
                raise ValueError(offset)
        except (TypeError, ValueError):
            raise InputError(display, "a NetLog without its time offset (timeTickOffset)",
                             field="constants.timeTickOffset") from None
        given = constants.get("clientInfo")
        client: dict[str, Any] = given if isinstance(given, dict) else {}
        name, version = client.get("name"), client.get("version")
        if not (isinstance(version, str) and is_unicode(version)):
            version = None
        producer = "Chrome NetLog" + (
            f" ({name[:60]}{' ' + version[:40] if version else ''})"
            if isinstance(name, str) and name and is_unicode(name) else "")
        given = constants.get("loadFlag")
        flags: dict[str, Any] = given if isinstance(given, dict) else {}
        main_frame = next((v for k in ("MAIN_FRAME_DEPRECATED", "MAIN_FRAME")
                           if isinstance(v := flags.get(k), int) and v > 0), 0)
        return cls(events, errors, main_frame, url_request, begin, end, offset, producer)


def _main_frame(start: dict[str, Any], names: _Names) -> bool:
    """A top-level page load: ``request_type`` "main frame", or in older logs the load flag."""
    flags = start.get("load_flags")
    return start.get("request_type") == "main frame" or (
        bool(names.main_frame) and isinstance(flags, int) and bool(flags & names.main_frame))


def _dependency(params: dict[str, Any]) -> Any:
    dependency = params.get("source_dependency")
    target = dependency.get("id") if isinstance(dependency, dict) else None
    return target if isinstance(target, (int, str)) else None


def _host_of(address: str | None) -> str | None:
    """``198.51.100.7:443`` or ``[2001:db8::1]:443`` without its port."""
    if not address:
        return None
    if address.startswith("["):
        return address[1:].split("]", 1)[0]
    return address.rsplit(":", 1)[0] if address.count(":") == 1 else address


def _har_entry(hop: _Hop, names: _Names, *, redirected: bool,
               address: str | None = None, finished: bool = True) -> dict[str, Any]:
    start = hop.start
    headers = header_lines(hop.sent)
    try:
        moment = (names.offset_ms + float(hop.time)) / 1000
        started = epoch_iso(moment) if math.isfinite(moment) else None
    except (TypeError, ValueError, OverflowError):
        started = None
    version = hop.line.rsplit(" ", 1)[-1].strip() if hop.line else ""
    request: dict[str, Any] = {
        "method": start.get("method"), "url": start.get("url"), "httpVersion": version,
        "headers": [{"name": n, "value": v} for n, v in headers], "queryString": [],
        "cookies": [], "headersSize": -1, "bodySize": -1}
    status, response_headers = 0, []
    if hop.received:
        first = hop.received[0] if isinstance(hop.received[0], str) else ""
        code = first.split(" ", 2)[1] if first.count(" ") >= 1 else ""
        status = int(code) if code.isdigit() and len(code) == 3 else 0
        response_headers = header_lines(hop.received[1:])
    mime = next((v for n, v in response_headers if n.lower() == "content-type"), "")
    location = next((v for n, v in response_headers if n.lower() == "location"), "")
    response: dict[str, Any] = {
        "status": status if hop.error is None or redirected else 0, "statusText": "",
        "httpVersion": "", "headers": [], "cookies": [],
        "content": {"size": 0, "mimeType": mime},
        "redirectURL": location, "headersSize": -1, "bodySize": -1}
    if hop.error is not None and not redirected:
        response["_error"] = f"net::{names.errors.get(hop.error, hop.error)}"
    entry: dict[str, Any] = {
        "startedDateTime": started, "time": 0, "request": request, "response": response,
        "cache": {}, "timings": {}}
    if hop.page is not None:
        entry["pageref"] = hop.page
    if server := _host_of(address):
        entry["serverIPAddress"] = server
    if isinstance(start.get("request_type"), str):
        entry["_resourceType"] = "document" if start["request_type"] == "main frame" else \
            start["request_type"]
    initiator = start.get("initiator")
    if isinstance(initiator, str) and initiator.startswith(("http://", "https://")):
        entry["_initiator"] = {"type": "other", "url": initiator}
    elif isinstance(initiator, str) and initiator.startswith("chrome-extension://"):
        entry["_initiator"] = {"type": "extension"}
    elif (initiator == "not an origin" or isinstance(initiator, str) and initiator.startswith(
            ("chrome://", "chrome-search://"))) and not _main_frame(start, names):
        entry["_initiator"] = {"type": "browser"}  # Chrome's own (omnibox, updates, New Tab)
    if hop.sent is None and hop.cached and hop.error is None:
        entry["_fromCache"] = "disk"  # the HTTP cache answered; no request headers were sent
    elif hop.sent is None and finished and not hop.bound:
        # over within the log, on no connection and nothing sent (a connection opened for it
        # would have shown the server the visitor's address: that stays a request)
        entry["_failure"] = NETLOG_UNSENT
    return entry
