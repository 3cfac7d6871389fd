"""The HAR 1.2 file a live capture writes: one page per consent state, standard entries, and
gdprmap's own fields prefixed with an underscore (as HAR 1.2 allows for custom fields).

Page fields: ``_consent`` (none | accept | reject), ``_cmp`` (platform, ``generic`` or null),
``_method``, ``_outcome`` (no-banner | shown | clicked | no-control), ``_action`` (the click
that made the choice: text, CSS path, frame, time; null when nothing was clicked), ``_clicks``,
``_screenshot`` (PNG beside the HAR) with ``_screenshotSha256``, ``_cookies`` (name, domain,
path, expiry, flags, first party - never the value), ``_storage`` (localStorage keys),
``_visited``. Entry fields: ``_resourceType``, ``_tls`` (protocol, subject, SANs, issuer,
validity; ``subjectOrganization`` where the browser exposed the certificate), ``_failure``.
``log._capture`` records the URL, gdprmap's command line, the browser and its arguments, the
start and end (UTC) and the machine's time zone.

Cookie values and ``Authorization`` headers are never written: the file is meant to be shared.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..importers.base import sha256_file
from ..redact import REDACTED, secret_header



def _iso(epoch_s: float) -> str:
    return dt.datetime.fromtimestamp(epoch_s, dt.timezone.utc).astimezone().isoformat(
        timespec="milliseconds")


def _call(fn: Any, default: Any = None) -> Any:
    try:
        return fn()
    except Exception:
        return default


def _headers(raw: dict[str, str] | None) -> tuple[list[dict[str, str]], list[str]]:
    """HAR headers with cookie values and credentials replaced; and the cookie names sent."""
    out: list[dict[str, str]] = []
    names: list[str] = []
    for name, value in (raw or {}).items():
        lname = name.lower()
        if lname == "cookie":
            pairs = [p.split("=", 1)[0].strip() for p in value.split(";") if p.strip()]
            names += pairs
            value = "; ".join(f"{n}={REDACTED}" for n in pairs)
        elif lname == "set-cookie":
            value = "\n".join(f"{line.split('=', 1)[0].strip()}={REDACTED}"
                              for line in value.split("\n") if line.strip())
        elif secret_header(lname):  # the importer's list: Authorization, X-Api-Key, ...
            value = REDACTED
        out.append({"name": name, "value": value})
    return out, names


def _timings(timing: dict[str, float] | None) -> tuple[dict[str, float], float]:
    """HAR timings (ms, -1 when not applicable) from the Resource Timing the browser reported."""
    t = timing or {}

    def span(a: str, b: str) -> float:
        x, y = t.get(a, -1), t.get(b, -1)
        return round(y - x, 3) if x is not None and y is not None and x >= 0 and y >= x else -1

    ssl = span("secureConnectionStart", "connectEnd") if t.get("secureConnectionStart", -1) > 0 \
        else -1
    timings = {
        "blocked": -1,
        "dns": span("domainLookupStart", "domainLookupEnd"),
        "connect": span("connectStart", "connectEnd"),
        "ssl": ssl,
        "send": 0,
        "wait": span("requestStart", "responseStart"),
        "receive": span("responseStart", "responseEnd"),
    }
    total = sum(v for k, v in timings.items() if v > 0 and k != "ssl")  # ssl is in connect
    return timings, round(total, 3)


def entry(rec: Any, state: str, tls: dict[str, Any]) -> dict[str, Any] | None:
    req = rec.request
    url = str(req.url)
    if not url.startswith(("http://", "https://")):
        return None  # data:, blob:, chrome-extension: never left the browser
    resp = rec.response
    timing = _call(lambda: req.timing) if resp is not None else None
    started = (timing or {}).get("startTime", -1)
    started_s = started / 1000 if started and started > 0 else rec.wall
    req_headers = _call(req.all_headers if rec.finished else (lambda: req.headers), {}) or {}
    headers, cookie_names = _headers(req_headers)
    request: dict[str, Any] = {
        "method": req.method, "url": url, "httpVersion": "",
        "cookies": [{"name": n, "value": ""} for n in cookie_names],
        "headers": headers,
        "queryString": [{"name": k, "value": v}
                        for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)],
        "headersSize": -1, "bodySize": -1,
    }
    post = _call(lambda: req.post_data)
    if post:
        request["postData"] = {"mimeType": req_headers.get("content-type", ""), "text": post}
        request["bodySize"] = len(post.encode("utf-8", "replace"))
    timings, total = _timings(timing)
    out: dict[str, Any] = {
        "pageref": f"consent-{state}",
        "startedDateTime": _iso(started_s),
        "time": total,
        "request": request,
        "cache": {},
        "timings": timings,
        "_resourceType": req.resource_type,
    }
    if resp is None:
        out["response"] = {"status": 0, "statusText": "", "httpVersion": "", "cookies": [],
                           "headers": [], "content": {"size": 0, "mimeType": ""},
                           "redirectURL": "", "headersSize": -1, "bodySize": -1}
        out["_failure"] = rec.failure or "no response before the state ended"
        return out
    resp_raw = _call(resp.all_headers if rec.finished else (lambda: resp.headers), {}) or {}
    resp_headers, _ = _headers(resp_raw)
    out["response"] = {
        "status": resp.status, "statusText": resp.status_text or "", "httpVersion": "",
        "cookies": [], "headers": resp_headers,
        "content": {"size": int(resp_raw.get("content-length", 0) or 0)
                    if str(resp_raw.get("content-length", "0")).isdigit() else 0,
                    "mimeType": resp_raw.get("content-type", "")},
        "redirectURL": resp_raw.get("location", "") if 300 <= resp.status < 400 else "",
        "headersSize": -1, "bodySize": -1,
    }
    addr = _call(resp.server_addr)
    if addr and addr.get("ipAddress"):
        out["serverIPAddress"] = addr["ipAddress"]
        out["_serverPort"] = addr.get("port")
    if rec.failure:
        out["_failure"] = rec.failure
    details = _call(resp.security_details) if url.startswith("https://") else None
    if details:
        parts = urlsplit(url)
        origin = f"https://{parts.netloc}"
        record: dict[str, Any] = {
            "protocol": details.get("protocol"),
            "subjectName": details.get("subjectName"),
            "issuer": details.get("issuer"),
            "validFrom": _iso(details["validFrom"]) if details.get("validFrom") else None,
            "validTo": _iso(details["validTo"]) if details.get("validTo") else None,
            "san": tls.get("san", {}).get(url),
        }
        if origin in tls.get("org", {}):  # the browser exposed this certificate
            record["subjectOrganization"] = tls["org"][origin]
        out["_tls"] = record
    return out


def _action(banner: Any) -> dict[str, Any] | None:
    if banner.outcome != "clicked" or not banner.clicks:
        return None
    last = banner.clicks[-1]
    return {"text": last.text, "css": last.css, "frame": last.frame,
            "time": _iso(banner.action_time or last.time)}


def page(run: Any, har_dir: Path) -> dict[str, Any]:
    banner = run.banner
    shot = run.screenshot
    return {
        "id": f"consent-{run.state}",
        "title": run.url,  # as Chrome writes it: the page URL
        "startedDateTime": run.started.astimezone().isoformat(timespec="milliseconds"),
        "pageTimings": {"onContentLoad": round(run.on_content_load_ms, 3)
                        if run.on_content_load_ms else -1,
                        "onLoad": round(run.on_load_ms, 3) if run.on_load_ms else -1},
        "_consent": run.state,
        "_cmp": banner.cmp,
        "_method": banner.method,
        "_outcome": banner.outcome,
        "_action": _action(banner),
        "_clicks": [{"text": c.text, "css": c.css, "frame": c.frame, "time": _iso(c.time)}
                    for c in banner.clicks],
        "_note": banner.note,
        "_screenshot": os.path.relpath(shot, har_dir) if shot else None,
        "_screenshotSha256": sha256_file(shot) if shot else None,
        "_cookies": run.cookies,
        "_storage": run.storage,
        "_visited": run.visited,
        "_title": run.title[:500],
        "_ended": run.ended.astimezone().isoformat(timespec="milliseconds") if run.ended else None,
        "_userAgent": run.user_agent,
    }


def timezone_record() -> dict[str, str]:
    now = dt.datetime.now().astimezone()
    name = os.environ.get("TZ") or _read("/etc/timezone") or now.tzname() or ""
    offset = now.strftime("%z")
    return {"name": name, "utcOffset": f"{offset[:3]}:{offset[3:]}" if offset else ""}


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def document(url: str, runs: list[Any], browser: str, args: list[str], options: Any,
             started: dt.datetime, ended: dt.datetime, har_dir: Path,
             version: str, autoconsent: str) -> dict[str, Any]:
    name, _, rest = browser.partition(" ")
    return {"log": {
        "version": "1.2",
        "creator": {"name": "gdprmap", "version": version},
        "browser": {"name": name or "Chromium", "version": rest.split(" ")[0] if rest else ""},
        "_capture": {
            "url": url,
            "command": list(options.command),
            "browser": browser,
            "browserArgs": args,
            "userAgent": next((r.user_agent for r in runs if r.user_agent), None),
            "started": started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "ended": ended.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "timezone": timezone_record(),
            "consentRules": autoconsent,
            "options": {"consent": list(options.consent), "wait": options.wait,
                        "timeout": options.timeout, "viewport": list(options.viewport),
                        "pages": options.pages, "userAgent": options.user_agent,
                        "hostResolverRules": options.host_resolver_rules,
                        "insecure": options.insecure},
        },
        # pages and entries last: readers stream the entries after the header fields
        "pages": [page(r, har_dir) for r in runs],
        "entries": [e for r in runs for e in r.entries],
    }}


def write(doc: dict[str, Any], path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{int(time.time() * 1000)}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(doc, fh, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
