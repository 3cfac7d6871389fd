"""mitmproxy's own flow files (``mitmdump -w FILE``, the console's and mitmweb's "save"): a
sequence of tnetstrings, one per flow, each the flow's state dictionary with its format
``version`` (21 in the files mitmproxy 11 writes, 8 in a file of 2020).

An HTTP flow becomes the HAR entry mitmproxy's own HAR export (``har_dump``) would write for it -
the request line and headers (HTTP/2 pseudo-headers left out), the request body as ``postData``
when it is text, the status, the response headers and the MIME type, the server address - and
is read by the HAR entry reader, which redacts and checks it like any other. Only fields both
versions keep are read, in either form: the host as bytes (8) or text (21), the server address
as ``ip_address`` (8) or ``peername`` (21). A flow that never got a response keeps mitmproxy's
error as ``_error``: whether the request reached the server is not known, so it stays a
request. Flows of other protocols (TCP, UDP, DNS) carry no web request and are not read.

There are no page records: a request the browser marked ``Sec-Fetch-Dest: document`` (a
top-level navigation, in Fetch Metadata's terms) is typed a document, and otherwise the page
most requests name as their Referer is the site, as in a HAR without pages. Flows are numbered
from 0 in file order; an error names the flow and its byte offset."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ..errors import InputError
from ..models import Flow
from .base import HashingReader, ImportOptions, epoch_iso
from .converted import ConvertedCapture
from .har import MAX_FIELD, READ_BUFFER
from .tnetstring import Omitted, TnetError, first_keys, read_values

MAX_FLOW = 4 << 30  # one flow with its bodies (over tnetstring.IN_MEMORY: walked on disk)
MAX_BODY_TEXT = 64 << 10  # of a request body passed on as postData (what detectors read)
# a flow file starts with the first flow's size and one of its state keys
_SNIFF = re.compile(rb"^\d{1,12}:\d{1,2}:[a-z_]{2,30}[;,]")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# parts of a flow nothing here reads (the client's connection, the server's certificates and
# cipher lists, WebSocket messages): stepped over unparsed, about a third of a flow's values
_UNREAD = frozenset({"client_conn", "certificate_list", "cert", "cipher_list", "alpn_offers",
                     "websocket", "metadata", "trailers"})


def sniff(path: Path, head: bytes) -> bool:
    """A flow file starts with a dictionary holding a flow's keys. Its values may be large (a
    page's body) and keys come in any order, so the keys are read by skipping the values in
    the file, not looked for in the head."""
    if path.is_dir() or not _SNIFF.match(head):
        return False
    try:
        keys = first_keys(path)
    except (OSError, EOFError, TnetError):
        return False
    return {"request", "version"} <= keys and bool({"type", "client_conn", "server_conn"} & keys)


def open_flows(path: Path, display: str, options: ImportOptions) -> MitmproxyFlows:
    return MitmproxyFlows(path, display, options=options)


@dataclass
class MitmproxyFlows(ConvertedCapture):
    """An open mitmproxy flow file. Iterate it for flows; ``info`` is complete after."""

    FORMAT: ClassVar[str] = "mitmproxy-flows"

    def __iter__(self) -> Iterator[Flow]:
        guard, reader = self._reader()
        versions: set[int] = set()
        count = 0  # flows read: the number of the one a broken frame belongs to
        try:
            with self.path.open("rb", buffering=READ_BUFFER) as raw:
                stream = HashingReader(raw)
                for index, (offset, state) in enumerate(read_values(stream, MAX_FLOW, _UNREAD)):
                    count = index + 1
                    if not isinstance(state, dict):
                        guard.skip(InputError(self.display, "not a mitmproxy flow (not a "
                                              "dictionary)", entry=index,
                                              field=f"byte {offset}"))
                        continue
                    if isinstance(state.get("version"), int):
                        versions.add(state["version"])
                    if state.get("type", "http") != "http":
                        continue  # TCP, UDP, DNS: no web request
                    try:
                        entry = _har_entry(state)
                    except _TooLarge as e:
                        guard.skip(InputError(self.display, e.reason, entry=index,
                                              field=f"flow at byte {offset} ({e.field})"))
                        continue
                    flow = self._flow(guard, reader, index, entry, f"flow at byte {offset}")
                    if flow is not None:
                        yield flow
        except TnetError as e:
            raise InputError(self.display, f"not a readable mitmproxy flow file: {e.reason}",
                             entry=count, field=f"byte {e.offset}") from e
        except OSError as e:
            raise InputError(self.display, f"cannot read: {e.strerror or e}") from e
        self.sha256 = stream.sha.hexdigest()
        self.producer = "mitmproxy" + (
            f" (flow format {', '.join(map(str, sorted(versions)))})" if versions else "")


class _TooLarge(ValueError):
    """A header the reader left out as too large to keep (``tnetstring.Omitted``)."""

    def __init__(self, field: str, size: int) -> None:
        self.field = field
        self.reason = f"a value of {size:,} bytes, over the limit of {MAX_FIELD:,}"
        super().__init__(self.reason)


def _har_entry(state: dict[str, Any]) -> Any:
    """The HAR entry of one HTTP flow's state (a request that is not a dictionary as it is:
    the entry reader says what is wrong with it)."""
    request = state.get("request")
    if not isinstance(request, dict):
        return request
    headers = _headers(request.get("headers"), "request.headers")
    har_request: dict[str, Any] = {
        "method": _text(request.get("method")), "url": _url(request, headers),
        "httpVersion": _text(request.get("http_version")) or "",
        "headers": headers, "queryString": [], "cookies": [],
        "headersSize": -1, "bodySize": -1}
    body = request.get("content")
    if isinstance(body, bytes) and body:
        text = _body_text(body)
        if text is not None:
            har_request["postData"] = {"mimeType": _header(headers, "content-type"),
                                       "text": text}
    entry: dict[str, Any] = {
        "startedDateTime": epoch_iso(request.get("timestamp_start")), "time": 0,
        "request": har_request, "response": _response(state), "cache": {}, "timings": {}}
    ip = _server_ip(state.get("server_conn"))
    if ip:
        entry["serverIPAddress"] = ip
    if _header(headers, "sec-fetch-dest").strip().lower() == "document":
        entry["_resourceType"] = "document"  # the browser's own word for a top-level page
    return entry


def _response(state: dict[str, Any]) -> dict[str, Any]:
    response = state.get("response")
    if not isinstance(response, dict):
        har: dict[str, Any] = {"status": 0, "statusText": "", "httpVersion": "",
                               "headers": [], "cookies": [], "content": {"size": 0,
                                                                         "mimeType": ""},
                               "redirectURL": "", "headersSize": -1, "bodySize": -1}
        error = state.get("error")
        if isinstance(error, dict) and isinstance(error.get("msg"), str):
            har["_error"] = error["msg"]  # mitmproxy's words, e.g. "connection closed"
        return har
    headers = _headers(response.get("headers"), "response.headers")
    status = response.get("status_code")
    content = response.get("content")
    return {"status": status if isinstance(status, int) and not isinstance(status, bool)
            else 0,
            "statusText": _text(response.get("reason")) or "",
            "httpVersion": _text(response.get("http_version")) or "",
            "headers": headers, "cookies": [],
            "content": {"size": len(content) if isinstance(content, bytes)
                        else content.size if isinstance(content, Omitted) else 0,
                        "mimeType": _header(headers, "content-type")},
            "redirectURL": _header(headers, "location"), "headersSize": -1, "bodySize": -1}


def _url(request: dict[str, Any], headers: list[dict[str, str]]) -> Any:
    """scheme://authority/path as the client asked for it: the request's authority (the Host
    header, or HTTP/2's :authority, in older versions), else its host and port."""
    scheme = _text(request.get("scheme"))
    path = _text(request.get("path"))
    if not scheme or path is None:
        return None
    authority = _text(request.get("authority")) or _header(headers, "host") or _text(
        _pseudo(request.get("headers"), b":authority"))
    if not authority:
        host = _text(request.get("host"))
        port = request.get("port")
        if not host:
            return None
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        authority = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if not path.startswith("/"):
        path = "/" + path if path != "*" else "/"
    return f"{scheme}://{authority}{path}"


def _headers(pairs: Any, where: str) -> Any:
    """mitmproxy's [[name, value], ...] as HAR's name/value list, without HTTP/2 pseudo-headers
    (anything else as it is: the entry reader names what is wrong)."""
    if not isinstance(pairs, list):
        return [] if pairs is None else pairs
    out = []
    for i, pair in enumerate(pairs):
        if isinstance(pair, list) and (big := next((v for v in pair if isinstance(v, Omitted)),
                                                   None)):
            raise _TooLarge(f"{where}[{i}]", big.size)
        if isinstance(pair, list) and len(pair) == 2:
            name, value = _text(pair[0]), _text(pair[1])
            if name is None or not name.startswith(":"):  # anything not text as it is
                out.append({"name": pair[0] if name is None else name,
                            "value": pair[1] if value is None else value})
        else:
            out.append(pair)
    return out


def _pseudo(pairs: Any, name: bytes) -> Any:
    for pair in pairs if isinstance(pairs, list) else ():
        if isinstance(pair, list) and len(pair) == 2 and pair[0] == name:
            return pair[1]
    return None


def _header(headers: Any, name: str) -> str:
    for h in headers if isinstance(headers, list) else ():
        if isinstance(h, dict) and str(h.get("name", "")).lower() == name:
            return str(h.get("value", ""))
    return ""


def _text(value: Any) -> str | None:
    """Text of a field mitmproxy writes as bytes or as text; HTTP's bytes are UTF-8 or, failing
    that, ISO-8859-1 (every byte a character, as the HTTP/1.1 grammar reads them)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.decode("latin-1")
    return None


def _body_text(body: bytes) -> str | None:
    """A request body as text when it is UTF-8 (forms, JSON beacons), its first
    ``MAX_BODY_TEXT`` bytes; binary bodies are not text a detector can read."""
    try:
        return body[:MAX_BODY_TEXT].decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start >= MAX_BODY_TEXT - 3:  # a character cut at the limit
            return body[:e.start].decode("utf-8")
        return None


def _server_ip(conn: Any) -> str | None:
    """The server's address: ``peername`` (version 13 on), ``ip_address`` before; either
    [ip, port, ...] or, in the oldest versions, {"address": [ip, port]}."""
    if not isinstance(conn, dict):
        return None
    for key in ("peername", "ip_address"):
        value = conn.get(key)
        if isinstance(value, dict):
            value = value.get("address")
        if isinstance(value, list) and value and isinstance(ip := _text(value[0]), str) and ip:
            return ip
    return None
