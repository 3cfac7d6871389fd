"""HAR 1.1/1.2 importer, streaming: entries are parsed one at a time and never held together.

Producer quirks handled here (and nowhere else):
- Fiddler writes a UTF-8 byte order mark.
- ``.zhar`` / ``.har.gz`` files are gzip streams.
- Firefox often omits ``serverIPAddress`` or writes IPv6 in brackets.
- Chrome writes the page URL as ``pages[].title``; Firefox writes the document title.
- Safari and Charles variants write headers or cookies as objects instead of lists.
- ``data:`` and ``blob:`` URLs have no host.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import ipaddress
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from .. import redact
from ..errors import InputError
from ..models import CaptureInfo, Flow, Header

GZIP_MAGIC = b"\x1f\x8b"
BOM = b"\xef\xbb\xbf"
MAX_URL = 1 << 20  # a longer URL is hostile or broken, not a capture
MAX_BODY = 256 << 10  # request bodies are classified on their first 256 KiB


def sniff(head: bytes) -> bool:
    if head.startswith(GZIP_MAGIC) or _is_zlib(head):
        return True  # compressed: the JSON inside is checked when it is read
    head = head.removeprefix(BOM).lstrip()
    return head.startswith(b"{") and b'"log"' in head[:4096]


def _is_zlib(head: bytes) -> bool:
    """A zlib stream header: deflate method, and a check value that makes it divisible by 31."""
    return len(head) >= 2 and head[0] == 0x78 and (head[0] << 8 | head[1]) % 31 == 0


class _HashingReader:
    """A file wrapper that hashes what it reads, so the SHA-256 costs no second pass."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.sha = raw, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.sha.update(data)
        return data


@dataclass
class HarCapture:
    """An open HAR file. Iterate it for flows; ``info`` is complete once iteration ends."""

    path: Path
    display: str
    format: str = "har"
    producer: str | None = None
    version: str | None = None
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    entries: int = 0
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None
    sha256: str | None = None
    _page_urls: dict[str, str] = field(default_factory=dict)

    # -- opening ---------------------------------------------------------------------------
    def _open(self) -> IO[bytes]:
        try:
            fh: IO[bytes] = self.path.open("rb")
        except OSError as e:
            raise InputError(self.display, f"cannot read: {e.strerror}") from e
        return fh

    def _text_stream(self, raw: Any) -> Any:
        """The JSON text: gunzipped when the file is gzip, without a byte order mark."""
        first = raw.read(3)
        unzipped: Any = None
        if first[:2] == GZIP_MAGIC:
            self.format = "har+gzip"
            unzipped = gzip.GzipFile(fileobj=_Prefixed(first, raw))  # type: ignore[arg-type]
        elif _is_zlib(first):
            self.format = "har+zlib"  # mitmproxy's .zhar: a bare zlib stream
            unzipped = _Inflating(_Prefixed(first, raw))
        if unzipped is not None:
            return _Prefixed(unzipped.read(3).removeprefix(BOM), unzipped)
        return _Prefixed(first.removeprefix(BOM), raw)

    def _read_header(self) -> None:
        """Read ``log.version``, ``log.creator`` and ``log.pages`` before the entries."""
        import ijson

        with self._open() as raw:
            builder: Any = None
            seen_pages = False
            try:
                for prefix, event, value in ijson.parse(self._text_stream(raw), use_float=True):
                    if prefix == "log.entries" and event == "start_array":
                        break
                    if prefix == "log.version" and event == "string":
                        self.version = value
                    elif prefix == "log.creator.name" and event == "string":
                        self.producer = value
                    elif prefix == "log.creator.version" and event == "string" and self.producer:
                        self.producer = f"{self.producer} {value}"
                    elif prefix == "log.pages" and event == "start_array":
                        seen_pages = True
                    elif prefix.startswith("log.pages.item"):
                        if prefix == "log.pages.item" and event == "start_map":
                            builder = ijson.ObjectBuilder()
                        if builder is not None:
                            builder.event(event, value)
                            if prefix == "log.pages.item" and event == "end_map":
                                self._add_page(builder.value)
                                builder = None
            except (ijson.JSONError, ijson.IncompleteJSONError) as e:
                raise InputError(self.display, f"not valid JSON: {_short(e)}") from e
            except (OSError, EOFError, zlib.error) as e:
                raise InputError(self.display, f"cannot decompress: {_short(e)}") from e
        if not seen_pages:
            self._read_late_pages()

    def _read_late_pages(self) -> None:
        """Some producers write ``pages`` after ``entries``: one extra streaming pass."""
        import ijson

        with self._open() as raw:
            try:
                for page in ijson.items(self._text_stream(raw), "log.pages.item", use_float=True):
                    self._add_page(page)
            except (ijson.JSONError, ijson.IncompleteJSONError, OSError, EOFError, zlib.error):
                return  # the main pass reports the error with its entry index

    def _add_page(self, page: Any) -> None:
        if isinstance(page, dict) and isinstance(page.get("id"), str):
            self.pages[page["id"]] = page
            title = page.get("title")
            if isinstance(title, str) and title.startswith(("http://", "https://")):
                self._page_urls[page["id"]] = title  # Chrome: the title is the URL

    # -- reading ---------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Flow]:
        import ijson

        self._read_header()
        if self.version is not None and self.version not in ("1.1", "1.2"):
            raise InputError(self.display, f"unsupported HAR version {self.version!r}",
                             field="log.version")
        with self._open() as raw:
            hashing = _HashingReader(raw)
            index = -1
            try:
                for index, entry in enumerate(
                    ijson.items(self._text_stream(hashing), "log.entries.item", use_float=True)
                ):
                    flow = self._flow(index, entry)
                    self.entries += 1
                    if self.first_seen is None or flow.started < self.first_seen:
                        self.first_seen = flow.started
                    if self.last_seen is None or flow.started > self.last_seen:
                        self.last_seen = flow.started
                    yield flow
                while hashing.read(1 << 20):
                    pass  # hash what follows the entries too
            except (ijson.JSONError, ijson.IncompleteJSONError) as e:
                raise InputError(self.display, f"not valid JSON after entry {index}: {_short(e)}",
                                 entry=index + 1) from e
            except (OSError, EOFError, zlib.error) as e:
                raise InputError(self.display, f"cannot decompress: {_short(e)}") from e
            except UnicodeDecodeError as e:
                raise InputError(self.display, "not UTF-8 text", entry=index + 1) from e
            self.sha256 = hashing.sha.hexdigest()
        if self.entries == 0 and self.version is None:
            raise InputError(self.display, "not a HAR file (no log.entries)", field="log")

    def info(self) -> CaptureInfo:
        return CaptureInfo(
            path=self.display, sha256=self.sha256 or "", format=self.format,
            producer=self.producer, entries=self.entries,
            first_seen=self.first_seen, last_seen=self.last_seen,
            pages=tuple(redact.url(u) for u in self._page_urls.values()),
        )

    def _flow(self, index: int, entry: Any) -> Flow:
        def fail(field_name: str, reason: str) -> InputError:
            return InputError(self.display, reason, entry=index, field=field_name)

        if not isinstance(entry, dict):
            raise fail("", "entry is not an object")
        request = entry.get("request")
        if not isinstance(request, dict):
            raise fail("request", "missing or not an object")
        started = _parse_time(entry.get("startedDateTime"))
        if started is None:
            raise fail("startedDateTime", "missing or not an ISO 8601 date-time")
        method, raw_url = request.get("method"), request.get("url")
        if not isinstance(method, str) or not method:
            raise fail("request.method", "missing or not a string")
        if not isinstance(raw_url, str) or not raw_url:
            raise fail("request.url", "missing or not a string")
        if len(raw_url) > MAX_URL:
            raise fail("request.url", f"longer than {MAX_URL} characters")
        try:
            parts = urlsplit(raw_url)
            host = parts.hostname
            port = parts.port
        except ValueError as e:
            raise fail("request.url", f"not a URL: {e}") from e
        headers = tuple(redact.header(n, v) for n, v in _pairs(request.get("headers"),
                                                                fail, "request.headers"))
        cookies = tuple(sorted({n for n, _ in _pairs(request.get("cookies"), fail,
                                                     "request.cookies")}))
        cookie_header = next((h for h in headers if h.name.lower() == "cookie"), None)
        if cookie_header is not None:
            cookies = tuple(sorted(set(cookies) | _cookie_names(request, fail)))
        body, body_text = (), None
        post = request.get("postData")
        if isinstance(post, dict):
            text = post.get("text")
            mime = post.get("mimeType") if isinstance(post.get("mimeType"), str) else ""
            if isinstance(text, str) and text:
                body, body_text = redact.body_params(mime, text[:MAX_BODY])
            elif isinstance(post.get("params"), list):
                body = tuple(redact.param(n, v) for n, v in _pairs(post["params"], fail,
                                                                   "request.postData.params"))
        response = entry.get("response") if isinstance(entry.get("response"), dict) else {}
        status = response.get("status")
        pageref = entry.get("pageref") if isinstance(entry.get("pageref"), str) else None
        page_url = self._page_urls.get(pageref) if pageref else None
        if pageref and page_url is None and parts.scheme in ("http", "https"):
            page_url = self._page_urls.setdefault(pageref, raw_url)  # first entry: the document
        page_title = None
        if pageref and pageref in self.pages:
            title = self.pages[pageref].get("title")
            if isinstance(title, str) and not title.startswith(("http://", "https://")):
                page_title = redact.scrub_text(title)
        initiator = entry.get("_initiator")
        if isinstance(initiator, dict):
            initiator = initiator.get("url") or initiator.get("type")
        referrer = next((h.value for h in headers if h.name.lower() == "referer"), None)
        return Flow(
            input=self.display,
            entry=index,
            started=started,
            method=method.upper(),
            url=redact.url(raw_url),
            scheme=parts.scheme.lower(),
            host=host.lower().rstrip(".") if host and parts.scheme not in ("data", "blob") else None,
            port=port,
            server_ip=_ip(entry.get("serverIPAddress")),
            status=status if isinstance(status, int) and not isinstance(status, bool) else None,
            resource_type=_str(entry.get("_resourceType")),
            initiator=redact.url(initiator) if isinstance(initiator, str) else None,
            page_url=redact.url(page_url) if page_url else None,
            page_title=page_title,
            referrer=referrer,
            headers=headers,
            cookies=cookies,
            query=redact.query_params(parts.query),
            body=body,
            body_text=body_text,
        )


class _Inflating:
    """A zlib stream, decompressed as it is read."""

    def __init__(self, raw: Any) -> None:
        self.raw, self.inflater, self.buffer = raw, zlib.decompressobj(), b""

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self.buffer) < n:
            chunk = self.raw.read(1 << 16)
            if not chunk:
                self.buffer += self.inflater.flush()
                break
            self.buffer += self.inflater.decompress(chunk)
        if n < 0:
            out, self.buffer = self.buffer, b""
        else:
            out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out


class _Prefixed:
    """Bytes already read, followed by the rest of a stream."""

    def __init__(self, prefix: bytes, rest: Any) -> None:
        self.prefix, self.rest = prefix, rest

    def read(self, n: int = -1) -> bytes:
        if not self.prefix:
            return self.rest.read(n)
        if n < 0:
            out, self.prefix = self.prefix + self.rest.read(), b""
            return out
        out, self.prefix = self.prefix[:n], self.prefix[n:]
        if len(out) < n:
            out += self.rest.read(n - len(out))
        return out


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)  # no offset written: read as UTC
    return parsed


def _pairs(value: Any, fail: Any, where: str) -> Iterator[tuple[str, str]]:
    """Name/value pairs from a HAR list, or from the object form some producers write."""
    if value is None:
        return
    if isinstance(value, dict):  # Safari/Charles variants: {"Name": "value"}
        value = [{"name": k, "value": v} for k, v in value.items()]
    if not isinstance(value, list):
        raise fail(where, "not a list")
    for i, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise fail(f"{where}[{i}]", "not a {name, value} object")
        v = item.get("value", "")
        yield item["name"], v if isinstance(v, str) else "" if v is None else str(v)


def _cookie_names(request: dict[str, Any], fail: Any) -> set[str]:
    names = set()
    for name, value in _pairs(request.get("headers"), fail, "request.headers"):
        if name.lower() == "cookie":
            for part in value.split(";"):
                cname = part.split("=", 1)[0].strip()
                if cname:
                    names.add(cname)
    return names


def _ip(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    value = value.strip().removeprefix("[").split("]")[0]  # Firefox: "[2001:db8::1]"
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _short(e: BaseException) -> str:
    """The first line of an error, printable: parser messages may quote raw input bytes."""
    text = e.args[0] if e.args else ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = str(text).strip().splitlines()[0] if str(text).strip() else type(e).__name__
    return "".join(c if c.isprintable() else "?" for c in text)[:160]


__all__ = ["HarCapture", "Header", "sniff"]
