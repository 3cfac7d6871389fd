"""The browser's own traffic (issue 15): requests a browser makes by itself - list updates,
push, new-tab content - that a proxy capture records beside the page's. They are not the
site's disclosures, so they are reported apart, never as the site's recipients; and a page
whose first request is one of them is not that host's page. The hosts and their sources are
``data/browser-services.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .resources import data_path

if TYPE_CHECKING:
    from .models import Flow


@dataclass(frozen=True)
class BrowserService:
    browser: str
    purpose: str
    source: str


@lru_cache(maxsize=1)
def _services() -> dict[str, BrowserService]:
    raw = tomllib.loads(data_path("browser-services.toml").read_text("utf-8"))
    return {host: BrowserService(s["browser"], s["purpose"], s["source"])
            for s in raw["services"] for host in s["hosts"]}


def background(host: str | None, referrer: str | None, initiator: str | None = None,
               ) -> BrowserService | None:
    """The browser service behind a request to ``host`` made without a Referer and without an
    initiator (a page's own request to such a host names the page), else None."""
    if not host or referrer or initiator:
        return None
    return _services().get(host.lower().rstrip("."))


def of_flow(flow: Flow) -> BrowserService | None:
    """:func:`background` for an imported request; a declared register's flow is never the
    browser's own."""
    if flow.origin == "declared":
        return None
    return background(flow.host, flow.referrer, flow.initiator)
