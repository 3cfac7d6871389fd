"""Chrome DevTools Protocol network events: what Selenium and Puppeteer users save instead of a
HAR.

Two shapes are read, as a JSON array:
- a ChromeDriver *performance log* (``goog:loggingPrefs: {"performance": "ALL"}``) as
  ``driver.get_log("performance")`` returns it - ``{"level", "message", "timestamp"}`` items
  whose ``message`` is the JSON text ``{"message": {"method", "params"}, "webview"}`` - or with
  that text already decoded;
- a plain list of ``{"method", "params"}`` events (Puppeteer's or chrome-remote-interface's
  ``Network.*`` listeners, the input of the chrome-har package), also as WebPageTest's agent
  writes its ``devtools.json`` - opened by an empty object (``[{}, {"method": ...}, ...]``) -
  or as scripts that dump Selenium's events write it, closed by one (``..., {}]``): an empty
  object is no event and is passed over.

A request is assembled from its events, keyed by ``requestId``: ``Network.requestWillBeSent``
(the request, its initiator, resource type and wall time; a ``redirectResponse`` answers the
previous hop of the same id), ``requestWillBeSentExtraInfo`` (the headers the network stack
really sent, Cookie included), ``responseReceived`` (status, MIME type, server address, TLS
details), ``loadingFailed`` (Chrome's net error: a blocked request was never sent) and
``requestServedFromCache``. Each becomes the HAR entry Chrome's own export writes for it, and
the HAR entry reader redacts and checks it like any other: nothing here reads a value beyond
what a HAR entry holds, so no secret takes another path. Entries are numbered by the index of
their ``requestWillBeSent`` event in the log, so an error names the event to look at.

Pages: each navigation of the top frame (a ``Document`` request of that frame, whose request
id is its loader id) starts a page named by its URL; the top frame is the log's ``webview``,
else the frame of the first such navigation. Requests belong to the page current when they
start. Memory stays bounded: requests are emitted in the order they started, as soon as the
oldest is complete, and at most ``MAX_PENDING`` wait for their last event.
"""

from __future__ import annotations

import json
import re
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ..errors import InputError
from ..models import Flow
from . import compressed
from .base import HashingReader, ImportOptions, epoch_iso, is_unicode, short
from .converted import ConvertedCapture, stream_error
from .har import READ_BUFFER
from .jsonstream import JsonError, JsonText

BOM = b"\xef\xbb\xbf"
MAX_PENDING = 2_000  # requests waiting for their last event; the oldest goes out past this
MAX_EARLY = 10_000  # ExtraInfo events seen before their request (Chrome sends some first)
MAX_PAGES = 10_000  # top-frame navigations; later requests stay on the last page
# a DevTools event's method, as a JSON value or inside a JSON text (ChromeDriver's messages)
_SNIFF = re.compile(rb'(\\?)"method\1"\s*:\s*\1"(?:Network|Page|Target|Runtime|Log)\.[A-Za-z]')
_DONE = ("Network.loadingFinished", "Network.loadingFailed")


def sniff(path: Path, head: bytes) -> bool:
    text = head.removeprefix(BOM).lstrip()
    return not path.is_dir() and text.startswith(b"[") and bool(_SNIFF.search(text))


def open_events(path: Path, display: str, options: ImportOptions) -> DevtoolsCapture:
    return DevtoolsCapture(path, display, options=options)


@dataclass
class _Request:
    """One hop of a request, as its events come in."""

    index: int  # of its requestWillBeSent event
    sent: dict[str, Any]  # that event's params
    page: str | None
    extra_headers: Any = None  # requestWillBeSentExtraInfo.headers
    response: dict[str, Any] | None = None
    error: str | None = None  # loadingFailed.errorText
    cached: str | None = None  # "memory" | "disk"
    done: bool = False


@dataclass
class DevtoolsCapture(ConvertedCapture):
    """An open DevTools event log. Iterate it for flows; ``info`` is complete afterwards."""

    FORMAT: ClassVar[str] = "devtools-events"

    _top_frame: str | None = None
    _page: str | None = None

    def __iter__(self) -> Iterator[Flow]:
        guard, reader = self._reader()
        pending: OrderedDict[int, _Request] = OrderedDict()  # by event index: start order
        current: dict[str, _Request] = {}  # requestId -> its latest hop
        early: OrderedDict[str, Any] = OrderedDict()  # requestId -> ExtraInfo headers
        index = -1

        def ready(force: bool = False) -> Iterator[tuple[int, dict[str, Any]]]:
            while pending:
                first = next(iter(pending.values()))
                if not (first.done or force or len(pending) > MAX_PENDING):
                    return
                del pending[first.index]
                if current.get(rid := _rid(first.sent)) is first:
                    del current[rid]
                yield first.index, _har_entry(first)

        def flows(done: Iterator[tuple[int, dict[str, Any]]]) -> Iterator[Flow]:
            for at, entry in done:
                if (flow := self._flow(guard, reader, at, entry)) is not None:
                    yield flow

        try:
            with self.path.open("rb") as raw:
                hashing = HashingReader(raw)
                stream, packed = compressed.inflating(hashing)  # Lighthouse's .json.gz
                if packed:
                    self.format = f"{self.FORMAT}+{packed}"
                text = JsonText(_Unbommed(stream), READ_BUFFER)
                for index, item in enumerate(text.items()):
                    try:
                        method, params, webview = self._event(index, item)
                    except InputError as e:
                        guard.skip(e)
                        continue
                    if method is None:
                        continue
                    if webview and self._top_frame is None:
                        self._top_frame = webview
                    if method == "Page.frameNavigated" and self._top_frame is None and \
                            isinstance(frame := params.get("frame"), dict) and \
                            "parentId" not in frame and isinstance(frame.get("id"), str):
                        self._top_frame = frame["id"]
                    if method == "Network.requestWillBeSent":
                        rid = _rid(params)
                        hop = current.get(rid)
                        if hop is not None and isinstance(params.get("redirectResponse"), dict):
                            hop.response, hop.done = params["redirectResponse"], True
                        request = _Request(index, params, self._page_of(params))
                        if rid in early:
                            request.extra_headers = early.pop(rid)
                        current[rid] = request
                        pending[index] = request
                    elif method == "Network.requestWillBeSentExtraInfo":
                        rid = _rid(params)
                        if rid in current and current[rid].extra_headers is None:
                            current[rid].extra_headers = params.get("headers")
                        elif rid not in current:
                            early[rid] = params.get("headers")
                            if len(early) > MAX_EARLY:
                                early.popitem(last=False)
                    elif (hop := current.get(_rid(params))) is not None:
                        if method == "Network.responseReceived":
                            if isinstance(params.get("response"), dict):
                                hop.response = params["response"]
                        elif method == "Network.requestServedFromCache":
                            hop.cached = "memory"
                        elif method in _DONE:
                            hop.done = True
                            if method == "Network.loadingFailed":
                                error = params.get("errorText")
                                hop.error = error[:200] if isinstance(error, str) else "failed"
                    yield from flows(ready())
                index = -2  # past the events: an error is the file's
                if not text.at_end():
                    raise JsonError(f"extra data at character {text.offset()}")
                while hashing.read(1 << 20):
                    pass
        except (JsonError, OSError, EOFError, zlib.error) as e:
            raise stream_error(self.display, e, index + 1 if index > -2 else None) from e
        yield from flows(ready(force=True))
        self.sha256 = hashing.sha.hexdigest()

    def _event(self, index: int, item: Any) -> tuple[str | None, dict[str, Any], str | None]:
        """(method, params, webview) of one log item, in either shape."""
        webview = None
        if item == {}:  # no event: WebPageTest's agent opens its log with "[{}", and scripts
            # that dump events close theirs with "{}]" to avoid a trailing comma
            if index == 0:
                self.producer = "WebPageTest DevTools log"
            return None, {}, None
        if isinstance(item, dict) and "message" in item:  # ChromeDriver's performance log
            message = item["message"]
            if isinstance(message, str):
                try:  # (its length is bounded by the reader's value limit)
                    message = json.loads(message)
                except (ValueError, RecursionError) as e:
                    raise InputError(self.display, f"not valid JSON: {short(e)}", entry=index,
                                     field="message") from e
            self.producer = self.producer or "ChromeDriver performance log"
            if isinstance(message, dict) and isinstance(message.get("message"), dict):
                webview = message.get("webview")
                message = message["message"]
            elif isinstance(item.get("webview"), str):
                webview = item["webview"]
            item = message
        if not isinstance(item, dict) or not isinstance(item.get("method"), str):
            raise InputError(self.display, "not a DevTools event (no method)", entry=index)
        self.producer = self.producer or "Chrome DevTools Protocol events"
        params = item.get("params")
        if not isinstance(params, dict):
            params = {}
        return item["method"], params, webview if isinstance(webview, str) else None

    def _page_of(self, sent: dict[str, Any]) -> str | None:
        """The page a request starts on; a top-frame navigation starts a new one."""
        frame = sent.get("frameId")
        url = sent["request"].get("url") if isinstance(sent.get("request"), dict) else None
        navigation = sent.get("type") == "Document" and sent.get("requestId") == \
            sent.get("loaderId") and isinstance(url, str) and \
            url.startswith(("http://", "https://")) and is_unicode(url) and \
            not sent.get("redirectResponse")
        if navigation and self._top_frame is None:
            self._top_frame = frame if isinstance(frame, str) else None
        if navigation and isinstance(url, str) and frame == self._top_frame and \
                len(self.pages) < MAX_PAGES:
            self._page = self._new_page(url)
        return self._page


def _rid(params: dict[str, Any]) -> str:
    rid = params.get("requestId")
    return rid if isinstance(rid, str) else repr(rid)


def _har_entry(hop: _Request) -> dict[str, Any]:
    """The HAR entry Chrome's DevTools export writes for this hop (front_end/models/har)."""
    sent = hop.sent
    request: dict[str, Any] = sent["request"] if isinstance(sent.get("request"), dict) else {}
    url = request.get("url")
    if isinstance(url, str) and isinstance(request.get("urlFragment"), str):
        url += request["urlFragment"]
    headers = hop.extra_headers if isinstance(hop.extra_headers, dict) else request.get("headers")
    har_request: dict[str, Any] = {
        "method": request.get("method"), "url": url, "httpVersion": "",
        "headers": _pairs(headers), "queryString": [], "cookies": [],
        "headersSize": -1, "bodySize": -1}
    if isinstance(request.get("postData"), str):
        mime = next((v for n, v in (headers.items() if isinstance(headers, dict) else ())
                     if isinstance(n, str) and n.lower() == "content-type"), "")
        har_request["postData"] = {"mimeType": mime if isinstance(mime, str) else "",
                                   "text": request["postData"]}
    response = hop.response or {}
    location = next((v for n, v in (response.get("headers") or {}).items()
                     if isinstance(n, str) and n.lower() == "location"), "") \
        if isinstance(response.get("headers"), dict) else ""
    har_response: dict[str, Any] = {
        "status": response.get("status", 0) if hop.error is None else 0,
        "statusText": "", "httpVersion": "", "headers": [], "cookies": [],
        "content": {"size": 0, "mimeType": response.get("mimeType") or ""},
        "redirectURL": location if isinstance(location, str) else "",
        "headersSize": -1, "bodySize": -1}
    if hop.error is not None:
        har_response["_error"] = hop.error
    entry: dict[str, Any] = {
        "startedDateTime": epoch_iso(sent.get("wallTime")), "time": 0,
        "request": har_request, "response": har_response, "cache": {}, "timings": {}}
    if hop.page is not None:
        entry["pageref"] = hop.page
    if isinstance(sent.get("type"), str):
        entry["_resourceType"] = sent["type"].lower()
    if isinstance(sent.get("initiator"), dict):
        entry["_initiator"] = sent["initiator"]
    ip = response.get("remoteIPAddress")
    if isinstance(ip, str) and ip:
        entry["serverIPAddress"] = ip.strip("[]")
    if isinstance(response.get("securityDetails"), dict):
        entry["_tls"] = response["securityDetails"]
    cached = hop.cached or ("disk" if response.get("fromDiskCache") is True else None)
    if cached:
        entry["_fromCache"] = cached
    return entry


def _pairs(headers: Any) -> Any:
    """A DevTools header object as HAR's name/value list (anything else as it is: the entry
    reader names what is wrong with it)."""
    if not isinstance(headers, dict):
        return headers if headers is not None else []
    return [{"name": n, "value": v} for n, v in headers.items()]


class _Unbommed:
    """The stream without a leading UTF-8 byte order mark (Windows editors write one)."""

    def __init__(self, raw: Any) -> None:
        self.raw, self.first = raw, True

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        if self.first:
            self.first = False
            data = data.removeprefix(BOM)
        return data  # type: ignore[no-any-return]
