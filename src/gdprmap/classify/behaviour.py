"""Browsing behaviour: where the visitor is, what she reads, searches and clicks.

- ``pd:BrowsingReferral`` - the page URL sent as ``Referer``.
- ``pd:BrowsingBehaviour`` - the page URL, path or title inside the request (``dl``, ``dp``,
  ``dt``, ``title``, ``page`` ...), search terms the visitor typed (``q``, ``query``,
  ``search`` ...), and interaction events other than clicks (scroll, form submit, play ...).
- ``pd:LinkClicked`` - a click event (``event=click``, GA ``ea=click``, Sentry ``ui.click``
  breadcrumbs ...). ``DataCategory.flows`` counts the beacons: one per click when "every click
  is sent".
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl

from .. import vocab
from .base import Claim, View, item, noted
from .keys import leaf, patterns

_P = patterns()
_TITLE = _P.keys("behaviour", "title_keys")
_PATH = _P.keys("behaviour", "path_keys")
_NOT_PAGE = _P.keys("behaviour", "not_page_keys")
_SEARCH = _P.keys("behaviour", "search_keys")
_NESTED = _P.keys("behaviour", "nested_query_keys")
_EVENT = _P.keys("behaviour", "event_keys")
_CLICK = _P.regex("behaviour", "click_pattern")
_INTERACTION = _P.regex("behaviour", "interaction_pattern")


def referrer(view: View) -> Iterator[Claim]:
    flow = view.flow
    if flow.referrer:
        yield item(flow, vocab.REFERRAL.iri, "request.headers[Referer]", flow.referrer)


def page(view: View) -> Iterator[Claim]:
    """The page (URL, path or title) sent inside the request."""
    for field, p, key in view.params:
        if p.redacted or key in _NOT_PAGE:
            continue
        value = p.value
        if value.startswith(("http://", "https://")) or (
                key in _PATH and value.startswith("/") and len(value) > 1) or (
                key in _TITLE and any(c.isalpha() for c in value)):
            yield item(view.flow, vocab.BROWSING.iri, field, f"{p.path}={value}")


def search_terms(view: View) -> Iterator[Claim]:
    """Search terms the visitor typed, sent to the recipient."""
    for field, p, key in view.params:
        if p.redacted:
            continue
        value = p.value
        if key in _SEARCH and _is_search_text(value):
            yield item(view.flow, vocab.BROWSING.iri, field, noted(f"{p.path}={value}", "search_terms"))
        elif key in _NESTED and "=" in value:
            for name, inner in parse_qsl(value):
                if leaf(name) in _SEARCH and _is_search_text(inner):
                    yield item(view.flow, vocab.BROWSING.iri, field,
                               noted(f"{p.path}: {name}={inner}", "search_terms"))
                    break


def _is_search_text(value: str) -> bool:
    return ("{" not in value and len(value) <= 200 and any(c.isalpha() for c in value)
            and not value.startswith(("http://", "https://")))


def events(view: View) -> Iterator[Claim]:
    """Click and interaction events; one item per category and flow (flows are counted)."""
    clicked = interacted = False
    for field, p, key in view.params:
        if key not in _EVENT or p.redacted or len(p.value) > 40:
            continue
        value = p.value.strip()
        if not clicked and _CLICK.match(value):
            clicked = True
            yield item(view.flow, vocab.LINK_CLICKED.iri, field, f"{p.path}={value}")
        elif not interacted and _INTERACTION.match(value):
            interacted = True
            yield item(view.flow, vocab.BROWSING.iri, field,
                       noted(f"{p.path}={value}", "interaction"))
