"""WebPageTest's JSON test result (``jsonResult.php``, the API's ``/result`` and the
``webpagetest`` npm client's output): ``{"data": {"testUrl", "runs": {"1": {"firstView",
"repeatView"}}}}``, each view (or each step of a scripted view, ``steps``) with its
``requests``.

Every view is a page visit: its page is the view's document URL (``document_URL``, else
``final_url``, else ``URL``) and its requests start at the view's ``date`` plus their
``load_start`` milliseconds. A request becomes the HAR entry WebPageTest's own HAR export
writes for it - ``full_url``, ``method``, the request headers WebPageTest recorded as
``"Name: value"`` lines (HTTP/2 pseudo-headers and the request line left out), ``responseCode``,
``contentType``, ``ip_addr``, the initiator and a ``location`` response header as the redirect
- and is read by the HAR entry reader, which redacts and checks it like any other. Entries are
numbered across the file in view order; an error also names the run, view and request index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ..errors import InputError
from ..models import Flow
from .base import ImportOptions, first_bad_text, header_lines, is_unicode, read_bytes, short
from .converted import ConvertedCapture
from .har import MAX_URL

MAX_RESULT = 128 << 20  # a result of thousands of requests over nine runs is ~50 MB
VIEWS = ("firstView", "repeatView")
_SNIFF = re.compile(rb'^\{\s*"data"\s*:\s*\{.{0,4000}"testUrl"\s*:', re.S)


def sniff(path: Path, head: bytes) -> bool:
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return not path.is_dir() and bool(_SNIFF.match(text)) and (
        b'"connectivity"' in text or b'"testRuns"' in text or b'"fvonly"' in text)


def open_result(path: Path, display: str, options: ImportOptions) -> WebPageTestResult:
    return WebPageTestResult(path, display, options=options)


@dataclass
class WebPageTestResult(ConvertedCapture):
    """An open WebPageTest JSON result. Iterate it for flows; ``info`` is complete after."""

    FORMAT: ClassVar[str] = "webpagetest-json"

    def __iter__(self) -> Iterator[Flow]:
        raw = read_bytes(self.path, self.display, MAX_RESULT)
        self.sha256 = hashlib.sha256(raw).hexdigest()
        try:
            doc = json.loads(raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8"),
                             parse_constant=_no_constant)
        except UnicodeDecodeError as e:
            raise InputError(self.display, f"not UTF-8 text (byte {e.start})") from e
        except RecursionError as e:
            raise InputError(self.display, "nested too deeply") from e
        except ValueError as e:
            raise InputError(self.display, f"not valid JSON: {short(e)}") from e
        data = doc.get("data") if isinstance(doc, dict) else None
        if not isinstance(data, dict) or not isinstance(runs := data.get("runs"), dict):
            raise InputError(self.display, "not a WebPageTest result (no data.runs)",
                             field="data.runs")
        # the result's own fields (its requests are checked one by one by the entry reader)
        head = {"data": {k: v for k, v in data.items() if k != "runs"},
                "webPagetestVersion": doc.get("webPagetestVersion")}
        if (bad := first_bad_text(head)) is not None:
            raise InputError(self.display, "not valid Unicode (a lone surrogate escape)",
                             field=bad)
        version = doc.get("webPagetestVersion")
        location = data.get("location")
        self.producer = "WebPageTest" + (f" {version}" if isinstance(version, str) else "") + (
            f" ({location[:100]})" if isinstance(location, str) and location else "")
        guard, reader = self._reader()
        number = -1
        for where, view in _views(runs):
            page = f"page_{len(self.pages) + 1}"
            url = next((u for k in ("document_URL", "final_url", "URL")
                        if isinstance(u := view.get(k), str)
                        and u.startswith(("http://", "https://"))), None)
            if url is not None and not is_unicode(url):
                raise InputError(self.display, "not valid Unicode (a lone surrogate escape)",
                                 field=f"{where} (page URL)")
            self.pages[page] = {"id": page, "title": url or where}
            if url is not None:
                self._page_urls[page] = url[:MAX_URL]
            start = view.get("date")
            requests = view.get("requests")
            for i, request in enumerate(requests if isinstance(requests, list) else ()):
                number += 1
                flow = self._flow(guard, reader, number, _har_entry(request, start, page),
                                  f"{where}.requests[{i}]")
                if flow is not None:
                    yield flow


def _views(runs: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, view) for each run's views in run order, a scripted view's steps one by one."""
    def order(key: str) -> tuple[int, str]:
        return (int(key), key) if key.isdigit() else (1 << 30, key)

    for run in sorted(runs, key=order):
        views = runs[run] if isinstance(runs[run], dict) else {}
        for name in VIEWS:
            view = views.get(name)
            if not isinstance(view, dict):
                continue
            steps = view.get("steps")
            if isinstance(steps, list) and steps:
                for s, step in enumerate(steps):
                    if isinstance(step, dict):
                        yield f"data.runs.{run}.{name}.steps[{s}]", step
            else:
                yield f"data.runs.{run}.{name}", view


def _har_entry(request: Any, start: Any, page: str) -> Any:
    """The HAR entry of one WebPageTest request (anything not an object as it is: the entry
    reader says it is not one)."""
    if not isinstance(request, dict):
        return request
    headers: dict[str, Any] = request["headers"] if isinstance(request.get("headers"),
                                                                dict) else {}
    sent = header_lines(headers.get("request"))
    received = header_lines(headers.get("response"))
    location = next((v for n, v in received if n.lower() == "location"), "")
    entry: dict[str, Any] = {
        "startedDateTime": _started(start, request.get("load_start")),
        "time": 0, "pageref": page,
        "request": {"method": request.get("method"), "url": request.get("full_url"),
                    "httpVersion": "", "headers": [{"name": n, "value": v} for n, v in sent],
                    "queryString": [], "cookies": [], "headersSize": -1, "bodySize": -1},
        "response": {"status": request.get("responseCode"), "statusText": "",
                     "httpVersion": "", "headers": [], "cookies": [],
                     "content": {"size": 0, "mimeType": request.get("contentType") or ""},
                     "redirectURL": location, "headersSize": -1, "bodySize": -1},
        "cache": {}, "timings": {}}
    if isinstance(request.get("ip_addr"), str) and request["ip_addr"]:
        entry["serverIPAddress"] = request["ip_addr"]
    if isinstance(request.get("initiator"), str) and request["initiator"]:
        entry["_initiator"] = request["initiator"]
    if isinstance(request.get("initiator_type"), str):
        entry["_initiator_type"] = request["initiator_type"]
    status = entry["response"]["status"]
    if not isinstance(status, int) or isinstance(status, bool) or status < 0:
        entry["response"]["status"] = 0  # -1 or missing: no response recorded
    return entry


def _started(start: Any, offset_ms: Any) -> str | None:
    """The view's start (seconds since 1970) plus the request's offset, as ISO 8601."""
    if isinstance(start, bool) or not isinstance(start, (int, float)) or start <= 0:
        return None
    offset = offset_ms if isinstance(offset_ms, (int, float)) and not isinstance(
        offset_ms, bool) and 0 <= offset_ms < 86_400_000 else 0
    try:
        return dt.datetime.fromtimestamp(start + offset / 1000, tz=dt.UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
