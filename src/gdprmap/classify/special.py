"""Special categories (GDPR Art. 9) revealed by what a request sends.

Terms from ``lexicons/<topic>.<lang>.txt`` are looked for in the request URL path, the
``Referer`` (host, path and query), every unredacted query or body value (page URLs, titles,
search terms, event labels) and the unstructured body. A probable link suffices: data that
*indirectly* reveal a special category are special-category data (CJEU C-184/20 *OT*, 1 Aug
2022); data entered when ordering from a pharmacy are health data (C-21/23 *Lindenapotheke*,
4 Oct 2024); visits to such pages collected by a third party can be Art. 9 processing
(C-252/21 *Meta v Bundeskartellamt*). Each item names the matched term and the field.

``TOPICS`` maps a lexicon topic to its DPV IRI:
health -> ``pd:Health``, religion -> ``pd:Religion``, sexual -> ``pd:Sexual``,
political -> ``pd:PoliticalOpinion``, union -> ``pd:TradeUnionMembership``.

Health context: every flow from a page of a health service (knowledge base
``health_service = true``, or declared with ``--health-context``) is a health-context flow
(GDPR Recital 35: data collected when registering for or receiving health services), whatever
its URL says; ``DataItem.context`` says why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from .. import catalogs, vocab
from ..redact import after_host
from ..redact import url as redact_url
from .base import NOTE, Claim, View, item, noted
from .lexicon import Lexicon

TOPICS: dict[str, vocab.Category] = {
    "health": vocab.HEALTH,
    "religion": vocab.RELIGION,
    "sexual": vocab.SEXUAL,
    "political": vocab.POLITICAL_OPINION,
    "union": vocab.TRADE_UNION,
}


def special_terms(view: View) -> Iterator[Claim]:
    flow = view.flow
    seen: set[tuple[str, str]] = set()

    def found(terms: tuple[tuple[str, str], ...], field: str, excerpt: str) -> Iterator[Claim]:
        for topic, term in terms:
            if (topic, term) not in seen:
                seen.add((topic, term))
                yield item(flow, TOPICS[topic].iri, field, excerpt, term=term)

    # most texts hold no term: their field and excerpt are written only when one does (issue 19)
    if terms := _terms(_url_path(flow.url)):
        yield from found(terms, _URL_PATH, flow.url)
    if flow.referrer and (terms := _terms(flow.referrer)):
        yield from found(terms, "request.headers[Referer]", flow.referrer)
    for fld, p, _ in view.params:
        if not p.redacted and p.value and (terms := _terms(p.value)):
            yield from found(terms, fld, f"{p.path}={p.value}")
    if flow.body_text and (terms := _terms(flow.body_text)):
        yield from found(terms, "request.postData.text", flow.body_text)


_URL_PATH = noted("request.url", "path")


@lru_cache(maxsize=16384)
def _terms(text: str) -> tuple[tuple[str, str], ...]:
    """``(topic, term)`` pairs in a text, percent-decoded; memoised here, in one call, because
    the same page URLs and labels come back in every request of a page (issue #9)."""
    return tuple(Lexicon.special().find_topics(unquote(text) if "%" in text else text))


def _url_path(url: str) -> str:
    """``urlsplit(url).path``, without parsing the URL again (it cost more than the scan)."""
    rest = after_host(url)
    if rest is None:
        return urlsplit(url).path
    return rest.split("#", 1)[0].split("?", 1)[0]


# The reasons' sentences are the catalogs' `health:` keys (gdprmap/locale).


@dataclass
class HealthContext:
    """Which pages are a health service's. ``lookup(host)`` returns the operator's name when
    the knowledge base records it as a health service; ``declared`` makes every page one.
    ``lang`` is the language of the reason written into ``DataItem.context``."""

    declared: bool = False
    lookup: Callable[[str], str | None] | None = None
    lang: str = "en"
    _cache: dict[str, str | None] = field(default_factory=dict)

    def reason(self, page_host: str) -> str | None:
        if page_host in self._cache:
            return self._cache[page_host]
        known = catalogs.text(self.lang, "health:kb")
        declared = catalogs.text(self.lang, "health:declared")
        reason = None
        operator = self.lookup(page_host) if self.lookup and page_host else None
        if operator:
            reason = known.format(host=page_host, operator=operator)
        elif self.declared:
            reason = declared
        self._cache[page_host] = reason
        return reason


def health_context(view: View, context: HealthContext | None) -> Iterator[Claim]:
    if context is None:
        return
    flow = view.flow
    page = flow.page_url or flow.referrer
    host = _host(page) if page else None
    if host is None and not context.declared:
        return
    reason = context.reason(host or "")
    if reason:
        yield item(flow, vocab.HEALTH.iri, noted("page", "page"),
                   redact_url(page) if page else f"({NOTE['page_not_recorded']})",
                   context=reason)


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None
