"""Output folders of browser-based evidence collectors: the EDPS Website Evidence Collector
(WEC) and The Markup's Blacklight. Both write ``inspection.json`` next to ``requests.har``.

The flows come from ``requests.har`` (through the HAR importer: chrome-har via puppeteer-har,
no response bodies). ``inspection.json`` adds what a HAR does not hold, kept as capture
provenance: the run (tool version, browser, start and end time, the URL inspected), the cookies
the tool saw set with expiry and first/third party, localStorage keys, beacons matched against
EasyPrivacy, and the first-party host list (the tool's own split, used as a hint).
WEC writes camelCase (``firstParty``), Blacklight snake_case (``first_party``).

Without ``requests.har`` only ``inspection.json`` remains: beacons become flows (their URLs are
real requests) and every other listed host one synthetic flow (``resource_type="host-list"``,
method ``CONNECT``, time = the run's start), since the lists hold bare host names.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import InputError
from ..limits import outside
from ..models import (
    Beacon,
    CaptureInfo,
    Flow,
    InputFile,
    RunInfo,
    SkippedEntry,
    StorageItem,
    StoredCookie,
)
from .base import (
    ImportOptions,
    decode_text,
    first_bad_text,
    parse_epoch,
    parse_time,
    read_bytes,
    sha256_file,
    short,
    skipped_count,
)
from .connections import connection_flow, host_or_ip
from .har import MAX_URL, HarCapture

INSPECTION = "inspection.json"
HAR = "requests.har"
MAX_INSPECTION = 256 << 20
MAX_ITEMS = 100_000  # cookies, storage keys or beacons: more is not a browsing session


def sniff(path: Path, head: bytes) -> bool:
    if path.is_dir():
        return (path / INSPECTION).is_file()
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return text.startswith(b"{") and b'"uri_ins"' in text and b'"log"' not in text[:64]


def open_inspection(path: Path, display: str, options: ImportOptions) -> InspectionCapture:
    if path.is_dir():
        return InspectionCapture(path, display, options)
    if path.name == INSPECTION:  # the tool's own file: its folder is the capture (with the HAR)
        return InspectionCapture(path.parent, str(Path(display).parent), options)
    # saved under another name, it stands alone: a requests.har beside it may be another run's
    return InspectionCapture(path.parent, display, options, inspection=path.name)


@dataclass
class InspectionCapture:
    folder: Path
    display: str
    options: ImportOptions
    inspection: str = INSPECTION  # the file's name in ``folder``
    skipped: list[SkippedEntry] = field(default_factory=list)
    _info: CaptureInfo | None = None

    @property
    def alone(self) -> bool:
        """An inspection file saved under another name: ``display`` names it, no HAR is read."""
        return self.inspection != INSPECTION

    @property
    def _inspection_display(self) -> str:
        return self.display if self.alone else f"{self.display.rstrip('/')}/{INSPECTION}"

    def __iter__(self) -> Iterator[Flow]:
        path = self.folder / self.inspection
        for inside_name in () if self.alone else (INSPECTION, HAR):
            if (self.folder / inside_name).exists() and outside(self.folder,
                                                                self.folder / inside_name):
                raise InputError(f"{self.display.rstrip('/')}/{inside_name}",
                                 "a symbolic link leading outside the capture folder; links "
                                 "are followed only inside it")
        raw = read_bytes(path, self._inspection_display, MAX_INSPECTION)
        try:
            doc = json.loads(decode_text(raw, self._inspection_display))
        except ValueError as e:
            raise InputError(self._inspection_display, f"not valid JSON: {short(e)}") from e
        except RecursionError as e:
            raise InputError(self._inspection_display, "nested too deeply") from e
        if (bad := first_bad_text(doc)) is not None:
            raise InputError(self._inspection_display, "not valid Unicode (a lone surrogate "
                             "escape)", field=bad)
        meta = _Inspection(self._inspection_display, doc, self.options)
        har_path = self.folder / HAR
        files = [InputFile(path=self._inspection_display, sha256=sha256_file(path))]
        if not self.alone and har_path.is_file():
            har = HarCapture(har_path, f"{self.display.rstrip('/')}/{HAR}", options=self.options)
            yield from har
            self.skipped = har.skipped
            har_info = har.info()
            files.append(InputFile(path=har_info.path, sha256=har_info.sha256))
            producer = f"{meta.tool} (HAR: {har_info.producer or 'unknown'})"
            entries, first, last = har_info.entries, har_info.first_seen, har_info.last_seen
            pages, fmt = har_info.pages, f"{meta.kind}+har"
        else:
            flows = list(meta.flows())
            yield from flows
            producer, entries, pages, fmt = meta.tool, len(flows), (), meta.kind
            first = min((f.started for f in flows), default=None)
            last = max((f.started for f in flows), default=None)
        self._info = CaptureInfo(
            path=self.display, sha256=files[-1].sha256, format=fmt, producer=producer,
            entries=entries, first_seen=first, last_seen=last, pages=pages, files=tuple(files),
            first_party_hints=meta.first_party_hints(), run=meta.run(), cookies=meta.cookies(),
            local_storage=meta.local_storage(), beacons=meta.beacons(),
            skipped=skipped_count(self.skipped), secrets_kept=self.options.keep_secrets,
        )

    def info(self) -> CaptureInfo:
        if self._info is None:
            raise RuntimeError("info() is complete only after iteration")
        return self._info


@dataclass
class _Inspection:
    """Typed access to an ``inspection.json``; a wrong type raises ``InputError`` naming the
    JSON path, a missing optional part is simply absent."""

    display: str
    doc: Any
    options: ImportOptions

    def __post_init__(self) -> None:
        if not isinstance(self.doc, dict):
            raise InputError(self.display, "not a JSON object")
        self.redactor = self.options.redactor()
        hosts = self.get("hosts", dict) or {}
        # Blacklight writes snake_case keys, WEC camelCase.
        self.snake = any(isinstance(v, dict) and "first_party" in v for v in hosts.values())
        self.kind = "blacklight" if self.snake or "reports" in self.doc else "wec"

    def get(self, path: str, kind: type | tuple[type, ...], node: Any = None) -> Any:
        node = self.doc if node is None else node
        for key in path.split("."):
            if not isinstance(node, dict):
                return None
            node = node.get(key)
        if node is not None and not isinstance(node, kind):
            raise InputError(self.display, f"not a {_type_name(kind)}", field=path)
        return node

    @property
    def tool(self) -> str:
        version = self.get("script.version.npm", str) or self.get("script.version", str)
        name = "Blacklight" if self.kind == "blacklight" else "EDPS Website Evidence Collector"
        return f"{name} {version}" if version else name

    def run(self) -> RunInfo:
        browser = self.get("browser", dict) or {}
        uris = self.get("script.config.firstPartyUri", list) or []
        return RunInfo(
            tool=self.tool.split(" ", 1)[0] if self.kind == "blacklight" else
            "EDPS Website Evidence Collector",
            tool_version=self.get("script.version.npm", str)
            or self.get("script.version.commit", str),
            browser=_clip(self.get("name", str, browser)),
            browser_version=_clip(self.get("version", str, browser)),
            user_agent=_clip(self.redactor.scrub_text(self.get("user_agent", str, browser)
                                                      or ""), 500) or None,
            started=parse_time(self.get("start_time", str)),
            ended=parse_time(self.get("end_time", str)),
            start_url=self._url(self.get("uri_ins", str)),
            first_party_uris=tuple(u for x in uris if isinstance(x, str) and (u := self._url(x))),
        )

    def _url(self, raw: Any) -> str | None:
        if not isinstance(raw, str) or not raw or len(raw) > MAX_URL:
            return None
        return self.redactor.url(raw)

    def _host_lists(self, name: str) -> tuple[list[str], list[str]]:
        lists = self.get(f"hosts.{name}", dict) or {}
        keys = ("first_party", "third_party") if self.snake else ("firstParty", "thirdParty")
        out = []
        for key in keys:
            values = self.get(key, list, lists) or []
            out.append([h for v in values if isinstance(v, str) and (h := host_or_ip(v)[0])])
        return out[0], out[1]

    def first_party_hints(self) -> tuple[str, ...]:
        """Hosts the tool classed as first party for requests - not those also in its
        third-party list (WEC puts ``localhost`` in both in its own test output)."""
        first, third = self._host_lists("requests")
        hosts = [h for h in first if h not in third]
        for uri in [self.get("uri_ins", str), *(self.get("script.config.firstPartyUri", list)
                                                or [])]:
            # the inspected site is first party by WEC's own definition (--first-party-uri
            # defaults to it); the URIs given with --first-party-uri are too
            host = _host_of(uri) if isinstance(uri, str) else None
            if host:
                hosts.append(host)
        return tuple(dict.fromkeys(hosts))

    def cookies(self) -> tuple[StoredCookie, ...]:
        out = []
        for i, c in enumerate((self.get("cookies", list) or [])[:MAX_ITEMS]):
            if not isinstance(c, dict) or not isinstance(c.get("name"), str):
                raise InputError(self.display, "not a cookie object", field=f"cookies[{i}]")
            expires = c.get("expires")
            session = bool(c.get("session")) or expires in (-1, None)
            when = None if session else parse_epoch(expires, millis=False)
            log = _obj(c.get("log"))
            location = log.get("location") if isinstance(log.get("location"), str) else None
            out.append(StoredCookie(
                name=self.redactor.name(c["name"][:500]),
                domain=_clip(_s(c.get("domain"))) or "",
                path=_clip(self.redactor.path(_s(c.get("path")) or "")) or "/",
                expires=when, session=session,
                first_party=_b(c.get("firstPartyStorage")), http_only=_b(c.get("httpOnly")),
                secure=_b(c.get("secure")), same_site=_clip(_s(c.get("sameSite"))),
                set_by=_clip(_s(log.get("type"))), set_at=self._url(location),
            ))
        return tuple(out)

    def local_storage(self) -> tuple[StorageItem, ...]:
        out = []
        for origin, items in (self.get("localStorage", dict) or {}).items():
            if not isinstance(items, dict):
                raise InputError(self.display, "not an object", field=f"localStorage.{origin}")
            for key, item in items.items():
                first = item.get("firstPartyStorage") if isinstance(item, dict) else None
                out.append(StorageItem(origin=self.redactor.url(origin[:500]),
                                       key=self.redactor.name(key[:500]), first_party=_b(first)))
                if len(out) >= MAX_ITEMS:
                    return tuple(out)
        return tuple(out)

    def beacons(self) -> tuple[Beacon, ...]:
        out = []
        for i, b in enumerate((self.get("beacons", list) or [])[:MAX_ITEMS]):
            url = self._url(b.get("url") if isinstance(b, dict) else None)
            if url is None:
                raise InputError(self.display, "no URL", field=f"beacons[{i}].url")
            count = b.get("occurrances", b.get("occurrences", 1))  # misspelt in WEC's source
            out.append(Beacon(url=url, filter=_clip(_s(b.get("filter"))),
                              list_name=_clip(_s(b.get("listName"))),
                              occurrences=count if isinstance(count, int) and count > 0 else 1))
        return tuple(out)

    def flows(self) -> Iterator[Flow]:
        """Flows when there is no HAR: beacons, then one synthetic flow per other listed host."""
        from .har import EntryReader

        start = parse_time(self.get("start_time", str))
        if start is None:
            raise InputError(self.display, "missing or not an ISO 8601 date-time "
                             "(needed without requests.har)", field="start_time")
        reader = EntryReader(self.display, self.redactor, {}, {})
        seen: set[str] = set()
        index = 0
        for i, b in enumerate((self.get("beacons", list) or [])[:MAX_ITEMS]):
            if not isinstance(b, dict) or not isinstance(b.get("url"), str):
                raise InputError(self.display, "no URL", field=f"beacons[{i}].url")
            log = _obj(b.get("log"))
            when = parse_time(log.get("timestamp")) or start
            # the method is not recorded for beacons: say so rather than guess GET
            entry = {"startedDateTime": when.isoformat(),
                     "request": {"method": "UNKNOWN", "url": b["url"]}, "_resourceType": "beacon"}
            flow = reader.flow(index, entry)
            seen.add(flow.host or "")
            yield flow.model_copy(update={"notes": ((f"listed as beacon by {self.kind} "
                                                    f"(filter {_s(b.get('filter'))})"),)})
            index += 1
        first, third = self._host_lists("requests")
        for host in dict.fromkeys(first + third):
            if host in seen:
                continue
            yield connection_flow(
                self.display, index, start, host, resource_type="host-list",
                notes=(f"host listed in {self.kind} hosts.requests; time is the run's start",))
            index += 1


def _host_of(url: str) -> str | None:
    try:
        host = urlsplit(url[:MAX_URL]).hostname
    except ValueError:
        return None
    return host_or_ip(host)[0] if host else None


def _s(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _b(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _obj(value: Any) -> dict[Any, Any]:
    """A JSON object as is; anything else (absent, wrong type) as an empty object."""
    return value if isinstance(value, dict) else {}


def _clip(value: str | None, n: int = 200) -> str | None:
    return value[:n] if value else None


def _type_name(kind: type | tuple[type, ...]) -> str:
    names: dict[type, str] = {dict: "JSON object", list: "JSON list", str: "string"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)

