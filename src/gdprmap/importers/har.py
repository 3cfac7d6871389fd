"""HAR 1.1/1.2 importer, streaming: entries are parsed one at a time and never held together,
and response bodies are dropped as soon as their entry is read.

Producer quirks handled here (and nowhere else):
- Fiddler writes a UTF-8 byte order mark.
- HAR Viewer's ``.harp`` (PhantomJS's netsniff examples, HAR Viewer users) wraps the HAR in a
  JSONP callback: ``onInputData({...});``.
- ``.zhar`` / ``.har.gz`` files are gzip streams; mitmproxy's ``.zhar`` is a bare zlib stream.
- Firefox often omits ``serverIPAddress`` or writes IPv6 in brackets.
- Chrome writes the page URL as ``pages[].title``; Firefox writes the document title.
- Safari and Charles variants write headers or cookies as objects instead of lists.
- chrome-har (WEC, Blacklight, puppeteer-har) writes ``_initiator`` as a URL string with
  ``_initiator_type``; Chrome DevTools writes an object ``{type, url, stack{callFrames}}``.
- PCAPdroid (creator.name "PCAPdroid") writes HTTP data of decrypted connections only.
- ``data:`` and ``blob:`` URLs have no host.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple
from urllib.parse import SplitResult, urljoin

from pydantic import ValidationError

from ..browser_services import background
from ..enrich.domains import has_public_suffix, registrable_domain
from ..errors import InputError
from ..limits import host_problem
from ..models import CaptureInfo, Flow, Header, SkippedEntry
from ..redact import Redactor, after_host, secret_header, split_url
from . import compressed
from .consent import ConsentPages, run_info
from .jsonstream import JsonError, JsonLimit, JsonText
from .base import (
    EntryGuard,
    HashingReader,
    ImportOptions,
    Memo,
    first_bad_text,
    ip_or_none,
    is_unicode,
    parse_time,
    short,
    skipped_count,
    url_problem,
)
from .tls import tls_info
from .unsent import never_sent

BOM = b"\xef\xbb\xbf"
MAX_URL = 1 << 20  # a longer URL is hostile or broken, not a capture
MAX_FIELD = 1 << 20  # header, cookie and parameter values: the same bound
MAX_BODY = 256 << 10  # request bodies are classified on their first 256 KiB
MAX_INITIATOR_FRAMES = 20
MAX_LANDINGS = 10  # redirects of one page's document followed (browsers stop at about 20)
# yajl re-copies a token that spans read buffers, so one huge string costs O(size^2 / buffer):
# 64 KiB (ijson's default) takes a minute on a 100 MB field, 1 MiB about a second.
READ_BUFFER = 1 << 20
HOSTLESS_SCHEMES = ("data", "blob", "about", "javascript")


class _SeenHeader(NamedTuple):
    header: Header
    lname: str  # the name in lower case
    cookie_names: frozenset[str]  # a Cookie header's cookie names


# A host name alone, as a page title: labels of letters, digits and hyphens, at least one dot
_BARE_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,10}[A-Za-z]{2,63}")

# HARP: a JavaScript callback name and "(" before the HAR's "{"; ")" and ";" after it
# (matched on text without leading white space: a leading \s* would make it quadratic)
_PADDING = re.compile(rb"[A-Za-z_$][\w$.]{0,100}\s*\(\s*(?=\{)")


def sniff(path: Path, head: bytes) -> bool:
    """``head`` is the inflated text of a compressed file (``open_capture`` inflates it)."""
    head = head.removeprefix(BOM).lstrip()
    if padding := _PADDING.match(head):
        head = head[padding.end():].lstrip()
    return head.startswith(b"{") and b'"log"' in head[:4096]



def open_har(path: Path, display: str, options: ImportOptions) -> HarCapture:
    return HarCapture(path, display, options=options)


@dataclass
class HarCapture:
    """An open HAR file. Iterate it for flows; ``info`` is complete once iteration ends."""

    path: Path
    display: str
    options: ImportOptions = field(default_factory=ImportOptions)
    format: str = "har"
    producer: str | None = None
    version: str | None = None
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    entries: int = 0
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None
    sha256: str | None = None
    skipped: list[SkippedEntry] = field(default_factory=list)
    _page_urls: dict[str, str] = field(default_factory=dict)
    _landings: dict[str, list[str]] = field(default_factory=dict)  # pages' redirect targets
    # issue 15: pages whose entries are all beacons (resource type "ping"): with DevTools'
    # "Preserve log" the first page can be the tail of the page left before - its unload beacons
    _beacons_only: dict[str, bool] = field(default_factory=dict)
    # issue #16: a live capture's consent pages and run record (importers/consent.py)
    consent: ConsentPages | None = None
    capture_run: Any = None
    padded: bool = False  # HARP: the HAR is wrapped in a JavaScript callback
    # issue 15: a page record whose title is a bare host name ("dev.xlrt.ai": BrowserMob Proxy's
    # new_har(ref) writes ref as the page's id and title) names the site when the capture
    # requests that domain: registrable domains named, and those seen requested
    _titled_domains: set[str] = field(default_factory=set)
    _titled_seen: set[str] = field(default_factory=set)

    # -- opening ---------------------------------------------------------------------------
    def _open(self) -> IO[bytes]:
        try:
            fh: IO[bytes] = self.path.open("rb")
        except OSError as e:
            raise InputError(self.display, f"cannot read: {e.strerror}") from e
        return fh

    def _text_stream(self, raw: Any) -> Any:
        """The JSON text: inflated when the file is gzip or zlib, without a byte order mark."""
        stream, packed = compressed.inflating(raw)
        if packed:
            self.format = f"har+{packed}"  # mitmproxy's .zhar: a bare zlib stream
        head = stream.read(3).removeprefix(BOM)
        head += stream.read(128)
        if padding := _PADDING.match(stripped := head.lstrip()):  # HARP: ")" is checked later
            head = stripped[padding.end():]
            self.padded = True
            if not self.format.startswith("harp"):
                self.format = self.format.replace("har", "harp", 1)
        return compressed.Prefixed(head, stream)

    def _late_pages(self) -> None:
        """Some producers write ``pages`` after ``entries``. The entries are read first, so the
        pages are wanted before: a search of the bytes for a ``"pages"`` key (no parse), and a
        reading of the pages alone only when there is one (issue 19: most captures without
        pages before their entries have none at all)."""
        key = b'"pages"'
        with self._open() as raw:
            try:
                stream = self._text_stream(raw)
                tail = b""
                while chunk := stream.read(READ_BUFFER):
                    if key in tail + chunk[:len(key)] or key in chunk:
                        break
                    tail = chunk[-len(key):]
                else:
                    return
            except (OSError, EOFError, zlib.error):
                return  # the main pass reports it
        with self._open() as raw:
            try:
                text = JsonText(self._text_stream(raw), READ_BUFFER)
                for key_name in text.members():
                    if key_name != "log":
                        text.skip()
                        continue
                    for name in text.members():
                        if name == "pages":
                            self._set_pages(text.value())
                            return
                        text.skip()
            except (JsonError, OSError, EOFError, zlib.error):
                return  # the main pass reports the error with its entry index

    def _set_pages(self, pages: Any) -> None:
        for page in pages if isinstance(pages, list) else ():
            self._add_page(page)

    def _set_creator(self, creator: Any) -> None:
        if not isinstance(creator, dict):
            return
        for key in ("name", "version"):
            value = creator.get(key)
            if isinstance(value, str) and not is_unicode(value):
                raise InputError(self.display, "not valid Unicode", field=f"log.creator.{key}")
        name, version = creator.get("name"), creator.get("version")
        if isinstance(name, str):
            self.producer = name[:200]
            if isinstance(version, str) and self.producer:
                self.producer = f"{self.producer} {version[:100]}"

    def _set_version(self, version: Any) -> None:
        if not isinstance(version, str):
            raise InputError(self.display, "not a string", field="log.version")
        self.version = version
        if version not in ("1.1", "1.2"):
            raise InputError(self.display, f"unsupported HAR version {version[:20]!r} "
                             "(known: 1.1, 1.2)", field="log.version")

    def _add_page(self, page: Any) -> None:
        if isinstance(page, dict) and (bad := first_bad_text(page)) is not None:
            raise InputError(self.display, "not valid Unicode", field=f"log.pages[].{bad}")
        if isinstance(page, dict) and isinstance(page.get("id"), str):
            self.pages[page["id"]] = page
            if "_consent" in page:  # issue #16: a consent state of a live capture
                if self.consent is None:
                    self.consent = ConsentPages(self.display, self.path, self.options.redactor())
                self.consent.add(page)
            title = page.get("title")
            # Chrome: the title is the URL; WebPagetest: "Run 1, First View for URL" and the URL
            # in "_URL". Not "https://example.org run 1" (sitespeed.io): a URL holds no space;
            # such a page's URL is then its first entry's, as without a title.
            for url in (title, page.get("_URL")):
                if isinstance(url, str) and url.startswith(("http://", "https://")) and \
                        len(url.split(None, 1)) == 1:
                    self._page_urls[page["id"]] = url[:MAX_URL]
                    break
            else:
                if isinstance(title, str) and _BARE_HOST.fullmatch(title) and \
                        has_public_suffix(title.lower()):
                    self._titled_domains.add(registrable_domain(title))

    # -- reading ---------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Flow]:
        """One pass over the file (issue 19): ``log`` is walked key by key, each entry is
        decoded alone by the C scanner (``JsonText``), with nesting and size limits held while
        reading (issue 17). Pages written after the entries are looked for first."""
        guard = EntryGuard(self.display, self.options)
        self.skipped = guard.skipped
        index = -1
        seen_entries = seen_pages = False
        with self._open() as raw:
            hashing = HashingReader(raw)
            try:
                text = JsonText(self._text_stream(hashing), READ_BUFFER)
                if text.peek() != "{":
                    raise InputError(self.display, "not a HAR file (no log.entries)",
                                     field="log.entries")
                for key in text.members():
                    if key != "log" or text.peek() != "{":
                        text.skip()
                        continue
                    for name in text.members():
                        if name == "entries":
                            if text.peek() != "[":
                                raise InputError(self.display, "not a list", field="log.entries")
                            seen_entries = True
                            if not seen_pages:
                                self._late_pages()
                            reader = EntryReader(self.display, self.options.redactor(),
                                                 self.pages, self._page_urls, self.consent,
                                                 self._landings)
                            for index, entry in enumerate(text.items()):
                                try:
                                    flow = reader.flow(index, entry)
                                except InputError as e:
                                    guard.skip(e)
                                    continue
                                self.entries += 1
                                if isinstance(pageref := entry.get("pageref"), str):
                                    ping = (flow.resource_type or "").lower() == "ping"
                                    self._beacons_only[pageref] = ping and \
                                        self._beacons_only.get(pageref, True)
                                if self.first_seen is None or flow.started < self.first_seen:
                                    self.first_seen = flow.started
                                if self.last_seen is None or flow.started > self.last_seen:
                                    self.last_seen = flow.started
                                if self._titled_domains and flow.host and len(
                                        self._titled_seen) < len(self._titled_domains):
                                    domain = registrable_domain(flow.host)
                                    if domain in self._titled_domains:
                                        self._titled_seen.add(domain)
                                yield flow
                            index = -2  # past the entries: an error is the file's
                        elif name == "pages":
                            pages = text.value()
                            if not seen_entries:
                                seen_pages = True
                                self._set_pages(pages)
                        elif name == "version":
                            self._set_version(text.value())
                        elif name == "creator":
                            self._set_creator(text.value())
                        elif name == "_capture":  # issue #16: gdprmap capture's run record
                            self.capture_run = text.value()
                        else:
                            text.skip()
                if self.padded:  # HARP: the callback's ")" and an optional ";"
                    text.expect(")", "')' closing the HARP callback")
                    if text.peek() == ";":
                        text.expect(";", "';'")
                if not text.at_end():
                    raise JsonError(f"extra data at character {text.offset()}")
                while hashing.read(1 << 20):
                    pass  # hash what follows the JSON text too
            except JsonError as e:
                where = {"entry": index + 1} if index > -2 and seen_entries else {}
                what = short(e) if isinstance(e, JsonLimit) or "UTF-8" in short(e) else (
                    f"not valid JSON: {short(e)}")
                raise InputError(self.display, what, **where) from e  # type: ignore[arg-type]
            except (OSError, EOFError, zlib.error) as e:
                raise InputError(self.display, f"cannot decompress: {short(e)}") from e
        if not seen_entries:
            raise InputError(self.display, "not a HAR file (no log.entries)", field="log.entries")
        self.sha256 = hashing.sha.hexdigest()

    def info(self) -> CaptureInfo:
        redactor = self.options.redactor()
        return CaptureInfo(
            path=self.display, sha256=self.sha256 or "", format=self.format,
            producer=self.producer, entries=self.entries,
            first_seen=self.first_seen, last_seen=self.last_seen,
            pages=tuple(redactor.url(u) for u in (*self._visited_pages(), *(
                u for pid, p in self._landings.items() if self._visited(pid) for u in p))),
            skipped=skipped_count(self.skipped), secrets_kept=self.options.keep_secrets,
            first_party_hints=tuple(sorted(self._titled_seen)),
            **self._consent_info(redactor),
        )

    def _visited_pages(self) -> list[str]:
        """Page URLs in capture order, a page holding only beacons put last: it is the page the
        capture began by leaving, not the one visited (its host stays a visited page).
        Where the capture has page records, an entry's ``pageref`` that names none of them is
        a frame's document (WebInspector of 2012 gave each ad iframe its own), not a page the
        capture visited."""
        pages = [(pid, url) for pid, url in self._page_urls.items() if self._visited(pid)]
        return [url for pid, url in pages if not self._beacons_only.get(pid)] + \
            [url for pid, url in pages if self._beacons_only.get(pid)]

    def _visited(self, pageref: str) -> bool:
        return not self.pages or pageref in self.pages

    def _consent_info(self, redactor: Redactor) -> dict[str, Any]:
        """Issue #16: consent pages, the run record and the cookies they list (no values)."""
        out: dict[str, Any] = {}
        if self.capture_run is not None:
            out["run"] = run_info(self.capture_run, self.producer, redactor)
        if self.consent is not None:
            pages = self.consent.pages()
            out["consent"] = pages
            cookies = {(c.name, c.domain, c.path): c for p in pages for c in p.cookies}
            out["cookies"] = tuple(cookies.values())
            storage = {(i.origin, i.key): i for p in pages for i in p.storage}
            out["local_storage"] = tuple(storage.values())
        return out


@dataclass
class EntryReader:
    """Turns one HAR entry (a dict) into a redacted ``Flow``, or raises ``InputError`` naming
    the field. Shared by every importer whose flows come from a HAR."""

    display: str
    redactor: Redactor
    pages: dict[str, dict[str, Any]]
    page_urls: dict[str, str]
    consent: ConsentPages | None = None  # issue #16: live captures' consent states
    # issue 15: where a page's document was redirected to (etat.lu -> www.etat.public.lu): the
    # site the visitor landed on, a page visited (``CaptureInfo.pages`` after the pages)
    landings: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Header values and page/initiator URLs repeat from entry to entry: redact each once.
        # (Not the request URL or its query: those rarely repeat and would only fill the cache.)
        self.header = Memo(self._seen_header)
        self.memo_url = Memo(self.redactor.url, 1024)
        self._secrets: dict[str, _SeenHeader | None] = {}

    def fail(self, index: int, field_name: str, reason: str) -> InputError:
        return InputError(self.display, reason, entry=index, field=field_name)

    def flow(self, index: int, entry: Any) -> Flow:
        try:
            return self._flow(index, entry)
        except ValidationError as e:  # a value our checks let through but the model refuses
            err = e.errors()[0]
            where = ".".join(str(p) for p in err.get("loc", ()))
            raise self.fail(index, where, f"invalid value: {err.get('msg', 'invalid')}") from e
        except RecursionError as e:
            raise self.fail(index, "", "nested too deeply") from e

    def _flow(self, index: int, entry: Any) -> Flow:
        def fail(field_name: str, reason: str) -> InputError:
            return self.fail(index, field_name, reason)

        r = self.redactor
        if not isinstance(entry, dict):
            raise fail("", "entry is not an object")
        request = entry.get("request")
        if not isinstance(request, dict):
            raise fail("request", "missing or not an object")
        started = parse_time(entry.get("startedDateTime"))
        if started is None:
            raise fail("startedDateTime", "missing or not an ISO 8601 date-time")
        method, raw_url = request.get("method"), request.get("url")
        if method is None and "method" in request:
            method = _raw_method(entry)  # WebPageTest 18-19: null where it lost the request line
        elif not isinstance(method, str) or not method or len(method) > 64:
            raise fail("request.method", "missing or not a short string")
        if not isinstance(raw_url, str) or not raw_url:
            raise fail("request.url", "missing or not a string")
        if len(raw_url) > MAX_URL:
            raise fail("request.url", f"longer than {MAX_URL} characters")
        if not is_unicode(raw_url):
            raise fail("request.url", "not valid Unicode (a lone surrogate escape)")
        try:
            parts = split_url(raw_url)
            scheme = parts.scheme.lower()
            hostless = scheme in HOSTLESS_SCHEMES
            host, port = (None, None) if hostless else _host_and_port(parts.netloc)
        except ValueError as e:
            raise fail("request.url", f"not a URL: {url_problem(e)}") from e
        if host and ((problem := _host_problem(host)) or not has_public_suffix(host)):
            # A producer's mangled URL ("https://fonts.googleapis.com400,700" in WebPagetest
            # exports): the request's own Host header names the server it went to, or without
            # one, the host a doubled BrowserMob URL repeats.
            named = _header_host(_pairs(request.get("headers"), fail, "request.headers")) or \
                _doubled_url_host(raw_url)
            if named and not host_problem(named) and has_public_suffix(named):
                host = named
            elif problem:
                raise fail("request.url", problem)
        url, query = r.url_and_query(raw_url, parts)
        cookies = {n for n, _ in _pairs(request.get("cookies"), fail, "request.cookies")}
        headers, referrer = self._headers(request.get("headers"), url, cookies, fail)
        body, body_text = self._body(request.get("postData"), fail)
        response = entry.get("response")
        if response is None:
            response = {}
        elif not isinstance(response, dict):
            raise fail("response", "not an object")
        status = response.get("status")
        redirect = response.get("redirectURL")
        if redirect is not None and not isinstance(redirect, str):
            raise fail("response.redirectURL", "not a string")
        if redirect and len(redirect) > MAX_URL:
            raise fail("response.redirectURL", f"longer than {MAX_URL} characters")
        initiator, initiator_type, chain = _initiator(entry)
        pageref = entry.get("pageref") if isinstance(entry.get("pageref"), str) else None
        page_url = self.page_urls.get(pageref) if pageref else None
        if pageref and page_url is None and scheme in ("http", "https") and \
                not (isinstance(status, int) and status <= 0) and method != "CONNECT" and \
                not _ocsp(request, response) and \
                background(host, referrer, initiator, raw_url) is None:
            # the browser's certificate checks and own requests come first; the first entry
            # is then the document - unless the capture began after it (Firebug saving a
            # loaded page): then the first subresource's Referer names the page. A request
            # that got no answer (status 0: aborted, blocked - a beacon of the page before
            # or of an ad frame) or a proxy's CONNECT tunnel tells nothing of the page: the
            # next one decides.
            page_url = self.page_urls.setdefault(
                pageref, _loaded_by(entry, request, response, fail) or raw_url)
        if redirect and page_url and isinstance(status, int) and 300 <= status < 400:
            chain = self.landings.setdefault(pageref or "", [])
            if (raw_url == page_url or raw_url in chain) and len(chain) < MAX_LANDINGS:
                target = urljoin(raw_url, redirect)
                if target.startswith(("http://", "https://")) and target not in chain and \
                        target != page_url:
                    chain.append(target)
        page_title = None
        if pageref and pageref in self.pages:
            title = self.pages[pageref].get("title")
            if isinstance(title, str) and not title.startswith(("http://", "https://")):
                page_title = r.scrub_text(title[:1000])
        resource_type = _str(entry.get("_resourceType"))
        # JSON may escape a lone surrogate ("\ud800"); it would break every output later.
        texts = (("request.method", method or ""),
                 ("response.redirectURL", redirect or ""),
                 ("_initiator", initiator or ""), ("_initiator", "".join(chain)),
                 ("_initiator_type", initiator_type or ""), ("_resourceType", resource_type or ""))
        if not "".join(text for _, text in texts).isascii():  # the common case: one check
            for where, text in texts:
                if not is_unicode(text):
                    raise fail(where, "not valid Unicode (a lone surrogate escape)")
        # Only the fields that are set: validating the defaults cost a quarter more (issue #9)
        values: dict[str, Any] = {
            "input": self.display, "entry": index, "started": started,
            # interned: every evidence model keeps the method (issue 17)
            "method": sys.intern(method.upper()) if method else None, "url": url,
            "scheme": scheme,
            "host": host.lower().rstrip(".") if host else None,
        }
        # (each set only when not None and not empty, in this order; written out: a generator
        # over a table of pairs cost more than the tests, issue 19)
        if port is not None:
            values["port"] = port
        if (server_ip := ip_or_none(entry.get("serverIPAddress"))) is not None:
            values["server_ip"] = server_ip
        if isinstance(status, int) and not isinstance(status, bool):
            values["status"] = status
        if resource_type is not None:
            values["resource_type"] = resource_type
        if initiator:
            values["initiator"] = self.memo_url(initiator)
        if page_url:
            values["page_url"] = self.memo_url(page_url)
        if page_title is not None:
            values["page_title"] = page_title
        if referrer is not None:
            values["referrer"] = referrer
        if headers:
            values["headers"] = headers
        if cookies:
            values["cookies"] = tuple(sorted(cookies))
        if query:
            values["query"] = query
        if body:
            values["body"] = body
        if body_text is not None:
            values["body_text"] = body_text
        if redirect:
            values["redirect_to"] = r.url(redirect)
        if initiator_type is not None:
            values["initiator_type"] = initiator_type
        if chain:
            values["initiator_chain"] = tuple(self.memo_url(u) for u in chain)
        if "_tls" in entry and (tls := tls_info(entry["_tls"])) is not None:  # issue 15
            values["tls"] = tls
        if self.consent and (state := self.consent.state(pageref, started)) is not None:
            values["consent"] = state
        if (unsent := never_sent(entry, response)) is not None:  # issue 15: an ad blocker ...
            values["unsent"] = unsent
        return Flow.model_validate(values)

    def _headers(self, value: Any, url: str, cookies: set[str], fail: Any,
                 ) -> tuple[tuple[Header, ...], str | None]:
        """The redacted headers and the Referer; names of cookies sent in a ``Cookie`` header
        are added to ``cookies`` (some producers leave ``request.cookies`` empty)."""
        known = self.header.cache  # looked up with the raw pair: no checks for a pair seen before
        headers = []
        referrer = None
        for i, pair in enumerate(_pair_list(value, fail, "request.headers")):
            try:
                seen = known.get((pair["name"], pair["value"]))
            except (TypeError, KeyError):
                seen = None
            if seen is None:
                name, text = _pair(pair, fail, "request.headers", i)
                secret = self._secret_header(name)
                path = (_path_and_query(url) if name.lower() == ":path"
                        and not self.redactor.keep_secrets else None)
                # :path is unique per request, so not memoised: the redacted URL's own; nor is
                # a secret header (a Cookie, often unique): its value is never looked at
                # beyond the cookie names, so it would only push the others out (issue 19)
                if path is not None:
                    seen = _SeenHeader(Header(name=name, value=path), ":path", frozenset())
                elif secret is not None:
                    seen = secret if secret.lname != "cookie" else _SeenHeader(
                        secret.header, secret.lname, _cookie_names(text))
                else:
                    seen = self.header(name, text)
            header, lname, cookie_names = seen
            if cookie_names:
                cookies |= cookie_names
            elif lname == "referer" and referrer is None:
                referrer = header.value
            headers.append(header)
        return tuple(headers), referrer

    def _seen_header(self, name: str, value: str) -> _SeenHeader:
        lname = name.lower()
        names = _cookie_names(value) if lname == "cookie" else frozenset()
        return _SeenHeader(self.redactor.header(name, value), lname, names)

    def _secret_header(self, name: str) -> _SeenHeader | None:
        """The redacted form of a header whose value is a secret whatever it is, or None (for
        any header when secrets are kept)."""
        try:
            return self._secrets[name]
        except KeyError:
            pass
        seen = None
        if not self.redactor.keep_secrets and secret_header(name):
            seen = _SeenHeader(self.redactor.header(name, ""), name.lower(), frozenset())
        if len(self._secrets) < 1024:  # header names: few, but bounded for hostile input
            self._secrets[name] = seen
        return seen

    def _body(self, post: Any, fail: Any) -> tuple[tuple[Any, ...], str | None]:
        if post is None:
            return (), None
        if not isinstance(post, dict):
            raise fail("request.postData", "not an object")
        text = post.get("text")
        mime = str(post.get("mimeType")) if isinstance(post.get("mimeType"), str) else ""
        if text is not None and not isinstance(text, str):
            raise fail("request.postData.text", "not a string")
        if text:
            if not is_unicode(text[:MAX_BODY]):
                raise fail("request.postData.text", "not valid Unicode (a lone surrogate escape)")
            return self.redactor.body_params(mime[:200], text[:MAX_BODY])
        if post.get("params") is not None:
            pairs = _pairs(post["params"], fail, "request.postData.params")
            return tuple(self.redactor.param(n, v) for n, v in pairs), None
        return (), None


@functools.lru_cache(maxsize=4096)
def _host_and_port(netloc: str) -> tuple[str | None, int | None]:
    """``SplitResult.hostname`` and ``.port`` (the same values and errors: both read only the
    network location), once per distinct one (issue 19: ~4 us per request, and a capture
    reaches few servers)."""
    parts = SplitResult("", netloc, "", "", "")
    return parts.hostname, parts.port


_host_problem = functools.lru_cache(maxsize=4096)(host_problem)  # per distinct host, as above


def _ocsp(request: dict[str, Any], response: dict[str, Any]) -> bool:
    """Whether an entry is a certificate status check (OCSP, RFC 6960 Appendix C media types)
    the browser made, not a request of the page."""
    content = response.get("content")
    if isinstance(content, dict) and str(content.get("mimeType", "")).startswith(
            "application/ocsp-response"):
        return True
    post = request.get("postData")
    return isinstance(post, dict) and str(post.get("mimeType", "")).startswith(
        "application/ocsp-request")


_SUBRESOURCE = re.compile(r"^\s*(image|font|audio|video)/|css|javascript|ecmascript|json|woff",
                          re.IGNORECASE)


def _loaded_by(entry: dict[str, Any], request: dict[str, Any], response: dict[str, Any],
               fail: Any) -> str | None:
    """The page that loaded a request which cannot be a page itself (issue 15): answered
    with a subresource's media type (a stylesheet, script, image, font, JSON), not a redirect,
    not typed a document, and with an http(s) Referer that is not a stylesheet or script (a
    font's Referer is its stylesheet). None otherwise: the request may be the document."""
    content = response.get("content")
    mime = content.get("mimeType") if isinstance(content, dict) else None
    if not isinstance(mime, str) or not _SUBRESOURCE.search(mime) or \
            str(entry.get("_resourceType", "")).lower() == "document" or \
            response.get("redirectURL") or response.get("status") in (301, 302, 303, 307, 308):
        return None
    referer = next((v.strip() for n, v in _pairs(request.get("headers"), fail, "request.headers")
                    if n.lower() == "referer"), "")
    if not referer.startswith(("http://", "https://")) or len(referer) > MAX_URL or \
            not is_unicode(referer):
        return None
    path = referer.split("?", 1)[0].split("#", 1)[0].lower()
    return None if path.endswith((".css", ".js")) else referer


# BrowserMob Proxy 2.1's betas write a plain-HTTP request's URL as "http://" + the host + the
# absolute URI the browser sent the proxy: "http://www.amazon.cnhttp://www.amazon.cn/gp/...". The
# host then starts the URI again, which no real URL does (the outer "host" has no public suffix).
_DOUBLED_URL = re.compile(r"https?://(?P<host>[^/?#:@\s]+)https?://(?P=host)(?:[/:?#]|\Z)", re.I)


def _doubled_url_host(url: str) -> str | None:
    """The host of such a doubled URL, lower-case; None for any other URL."""
    m = _DOUBLED_URL.match(url)
    return m.group("host").lower() if m else None


def _header_host(headers: list[tuple[str, str]]) -> str | None:
    """The host a request's ``Host`` (HTTP/1) or ``:authority`` (HTTP/2) header names, without
    its port, lower-case; None without one."""
    for name, value in headers:
        if name.lower() in ("host", ":authority"):
            value = value.strip().lower()
            if value.startswith("["):  # an IPv6 literal
                return value[1:value.find("]")] if "]" in value else None
            head, _, port = value.rpartition(":")
            return (head if head and port.isdigit() else value) or None
    return None


def _initiator(entry: dict[str, Any]) -> tuple[str | None, str | None, list[str]]:
    """The URL that caused the request, its type, and the script URLs of its stack."""
    raw = entry.get("_initiator")
    kind = _str(entry.get("_initiator_type"))
    chain: list[str] = []
    url: str | None = None
    if isinstance(raw, str):  # chrome-har: a URL
        url = raw
    elif isinstance(raw, dict):  # DevTools: {type, url, lineNumber, stack: {callFrames, parent}}
        kind = _str(raw.get("type")) or kind
        url = _str(raw.get("url"))
        stack = raw.get("stack")
        depth = 0
        while isinstance(stack, dict) and depth < MAX_INITIATOR_FRAMES:
            frames = stack.get("callFrames")
            for frame in frames if isinstance(frames, list) else ():
                frame_url = frame.get("url") if isinstance(frame, dict) else None
                if isinstance(frame_url, str) and frame_url and frame_url not in chain:
                    chain.append(frame_url[:MAX_URL])
            stack, depth = stack.get("parent"), depth + 1  # async parents: the whole chain
        chain = chain[:MAX_INITIATOR_FRAMES]
        if url is None and chain:
            url = chain[0]
    if url is not None and (not url or len(url) > MAX_URL):
        url = None
    return url, kind[:40] if kind else None, chain


def _pairs(value: Any, fail: Any, where: str) -> list[tuple[str, str]]:
    """Name/value pairs from a HAR list, or from the object form some producers write."""
    return [_pair(item, fail, where, i) for i, item in enumerate(_pair_list(value, fail, where))]


def _pair_list(value: Any, fail: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, dict):  # Safari/Charles variants: {"Name": "value"}
        return [{"name": k, "value": v} for k, v in value.items()]
    if not isinstance(value, list):
        raise fail(where, "not a list")
    return value


def _pair(item: Any, fail: Any, where: str, index: int | None = None) -> tuple[str, str]:
    """``item``'s name and value; ``where[index]`` names it in an error (the text is made
    only then: issue 19, it was made for every pair of every request)."""
    name = item.get("name") if isinstance(item, dict) else None
    if not isinstance(name, str):
        raise fail(_at(where, index), "not a {name, value} object")
    value = item.get("value", "")
    if not isinstance(value, str):
        value = "" if value is None else str(value)
    if len(value) > MAX_FIELD or len(name) > MAX_FIELD:
        raise fail(_at(where, index), f"longer than {MAX_FIELD} characters")
    if not (value.isascii() and name.isascii()  # the common case, without a call
            or is_unicode(value) and is_unicode(name)):
        raise fail(_at(where, index), "not valid Unicode (a lone surrogate escape)")
    return name, value


def _at(where: str, index: int | None) -> str:
    return where if index is None else f"{where}[{index}]"


def _cookie_names(value: str) -> frozenset[str]:
    """The cookie names of a ``Cookie`` header's value."""
    return frozenset(c.split("=", 1)[0].strip() for c in value.split(";")) - {""}


def _path_and_query(url: str) -> str | None:
    """``/path?query`` of an absolute URL (``scheme://host/path?query``), or None."""
    rest = after_host(url)
    if rest is None:
        return None
    return rest if rest.startswith("/") else "/" + rest


_METHOD = re.compile(r"[A-Za-z]{1,20}")


def _raw_method(entry: dict[str, Any]) -> str | None:
    """The method of an entry whose ``request.method`` is null: WebPageTest 18.09 and 19.04
    write null where they lost the request line, but an HTTP/2 request's ``:method``
    pseudo-header survives in their raw ``_headers.request`` lines. None when nothing says it:
    the request is read all the same (its destination and headers are the evidence), with its
    method shown as not recorded, never guessed."""
    raw = entry.get("_headers")
    lines = raw.get("request") if isinstance(raw, dict) else None
    for line in lines if isinstance(lines, list) else ():
        if isinstance(line, str) and line.startswith(":method:"):
            value = line[len(":method:"):].strip()
            return value if _METHOD.fullmatch(value) else None
    return None


def _str(value: Any) -> str | None:
    return value[:200] if isinstance(value, str) else None


__all__ = ["HarCapture", "Header", "open_har", "sniff"]
