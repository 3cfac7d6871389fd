"""The visited page's host in a capture that has no page records.

A HAR with ``log.pages`` names the page; DevTools exports of a page already loaded, mitmproxy
and app captures do not. Two signals stand in for it, read as the flows go by:

- the first request the producer types a *document* - but an iframe is a document too (a
  DoubleClick Floodlight tag is one), and taking a tracker as the site hides that recipient
  together with every domain of its operator (issue 15);
- the page most requests name as their ``Referer`` (else their ``Origin``, which cross-origin
  fetches carry where a referrer policy withholds the Referer): a page's subresources carry it.

The Referer page wins only when it made most of the capture's requests and the first document
is absent or was itself loaded by that page (a subframe). A document reached from elsewhere (a
click from a search page) keeps its place. In app traffic without documents most requests carry
no Referer, so no page is guessed and no recipient is hidden (issue #3).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .limits import host_problem

MAX_HOSTS = 1_000  # distinct Referer hosts counted; memory stays flat (issue 19)


def referer_host(url: str | None) -> str | None:
    """The lower-case host of an http(s) URL or origin, without user info or port; cheap, no
    parsing."""
    if not url or not url.startswith(("http://", "https://")):
        return None
    netloc = url.split("/", 3)[2].rsplit("@", 1)[-1]
    if netloc.startswith("["):
        host = netloc[1:netloc.find("]")] if "]" in netloc else ""
    else:
        host = netloc.split(":", 1)[0]
    return host.lower().rstrip(".") or None


@dataclass
class StartPage:
    """Reads a capture's flows and guesses its visited page's host (None: no guess)."""
    requests: int = 0
    first_document: str | None = None
    first_document_referer: str | None = None
    referers: Counter[str] = field(default_factory=Counter)

    def add(self, flow: Any) -> None:
        """Count one request (a ``Flow``: host, resource_type, referrer, headers)."""
        host = flow.host
        if not host:
            return
        self.requests += 1
        from_page = referer_host(flow.referrer)
        if from_page is None:
            origin = next((h.value for h in flow.headers if h.name.lower() == "origin"), None)
            from_page = referer_host(origin)
        if self.first_document is None and flow.resource_type in ("document", "Document"):
            self.first_document = host
            self.first_document_referer = from_page
        if from_page and (from_page in self.referers or len(self.referers) < MAX_HOSTS):
            self.referers[from_page] += 1

    def host(self) -> str | None:
        page = self.referer_page()
        if page and (self.first_document is None or self.first_document_referer == page):
            return page
        return self.first_document

    def referer_page(self) -> str | None:
        """The host most requests name as their Referer, when it made most of the requests."""
        if not self.referers:
            return None
        (page, count), *rest = self.referers.most_common(2)
        if count * 2 <= self.requests or (rest and rest[0][1] == count) or host_problem(page):
            return None
        return page
