"""The browser's own traffic (issue 15): requests a browser makes by itself - list updates,
push, new-tab content, its account checks - that a proxy capture records beside the page's.
They are not the site's disclosures, so they are reported apart, never as the site's
recipients; and a page whose first request is one of them is not that host's page. The hosts
(with, where a host also serves pages, the paths or query parameters that single out the
browser's requests) and their sources are ``data/browser-services.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from .resources import data_path

if TYPE_CHECKING:
    from .models import Flow


@dataclass(frozen=True)
class BrowserService:
    browser: str
    purpose: str
    source: str
    paths: tuple[str, ...] = ()  # only these URL paths of the host (none: any)
    query: tuple[tuple[str, str], ...] = ()  # only URLs carrying every one of these parameters

    def matches(self, url: str | None) -> bool:
        if not (self.paths or self.query):
            return True
        if not url:
            return False
        try:
            parts = urlsplit(url)
        except ValueError:
            return False
        if self.paths and parts.path not in self.paths:
            return False
        params = set(parse_qsl(parts.query, keep_blank_values=True))
        return all(pair in params for pair in self.query)


@lru_cache(maxsize=1)
def _services() -> dict[str, tuple[BrowserService, ...]]:
    raw = tomllib.loads(data_path("browser-services.toml").read_text("utf-8"))
    out: dict[str, tuple[BrowserService, ...]] = {}
    for s in raw["services"]:
        service = BrowserService(s["browser"], s["purpose"], s["source"],
                                 tuple(s.get("paths", ())),
                                 tuple(sorted(s.get("query", {}).items())))
        for host in s["hosts"]:
            out[host] = (*out.get(host, ()), service)
    return out


def background(host: str | None, referrer: str | None, initiator: str | None = None,
               url: str | None = None) -> BrowserService | None:
    """The browser service behind a request for ``url`` on ``host`` made without a Referer and
    without an initiator (a page's own request to such a host names the page), else None."""
    if not host or referrer or initiator:
        return None
    return next((s for s in _services().get(host.lower().rstrip("."), ()) if s.matches(url)),
                None)


# A capture that records who initiated each request (Chrome's NetLog: the browser itself, its
# New Tab page, an extension) marks these as the initiator's type; such a request is reported
# apart whatever its host. The NetLog reader writes them (importers/netlog.py).
_NETLOG = ("Chromium NetLog: the request's URL_REQUEST_START_JOB names no page as its initiator "
           "(\"not an origin\", or a chrome:// or chrome-search:// page) and is not a page "
           "navigation")
INITIATED_BY = {
    "browser": BrowserService("Chrome", "a request the browser made by itself (no page "
                              "initiated it)", _NETLOG),
    "extension": BrowserService("Chrome", "a browser extension's request (a chrome-extension:// "
                                "initiator)", "Chromium NetLog: the request's "
                                "URL_REQUEST_START_JOB names a chrome-extension:// initiator"),
}


def of_flow(flow: Flow) -> BrowserService | None:
    """:func:`background` for an imported request, or the browser's own by the capture's word
    (:data:`INITIATED_BY`); a declared register's flow is never the browser's own."""
    if flow.origin == "declared":
        return None
    if flow.initiator_type in INITIATED_BY and flow.initiator is None:
        return INITIATED_BY[flow.initiator_type]
    return background(flow.host, flow.referrer, flow.initiator, flow.url)
