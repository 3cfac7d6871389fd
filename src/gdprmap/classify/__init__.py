"""Personal-data categories carried by a flow, each with the field that proves it.

Detectors are small functions ``(flow) -> iterable of DataItem``; ``DETECTORS`` is the registry.
They read only the redacted ``Flow``: secrets were replaced at the importer boundary, and what a
redacted value looked like is in ``Param.kind``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from urllib.parse import unquote, urlsplit

from ..models import DataItem, Evidence, Flow, Param
from .. import vocab
from .lexicon import Lexicon

Detector = Callable[[Flow], Iterable[DataItem]]

_EXCERPT = 300


def _evidence(flow: Flow, field: str, excerpt: str | None = None) -> Evidence:
    if excerpt and len(excerpt) > _EXCERPT:
        excerpt = excerpt[:_EXCERPT] + "…"
    return Evidence(input=flow.input, entry=flow.entry, field=field, excerpt=excerpt)


def _param_field(flow: Flow, location: str, path: str) -> str:
    return f"request.queryString[{path}]" if location == "query" else f"request.postData:{path}"


def _params(flow: Flow) -> Iterator[tuple[str, str, Param]]:
    for p in flow.query:
        yield "query", _param_field(flow, "query", p.path), p
    for p in flow.body:
        yield "body", _param_field(flow, "body", p.path), p


def ip_address(flow: Flow) -> Iterator[DataItem]:
    """Every request discloses the sender's IP address to the server it reaches."""
    yield DataItem(category=vocab.IP_ADDRESS.iri,
                   evidence=_evidence(flow, "request (source address of the connection)",
                                      f"{flow.method} {flow.url}"))


def identifiers(flow: Flow) -> Iterator[DataItem]:
    for name in flow.cookies:
        yield DataItem(category=vocab.IDENTIFIER.iri,
                       evidence=_evidence(flow, f"request.cookies[{name}]",
                                          f"cookie {name} (value redacted)"))
    for _, field, p in _params(flow):
        if p.kind == "identifier":
            yield DataItem(category=vocab.IDENTIFIER.iri,
                           evidence=_evidence(flow, field, f"{p.path} (value redacted)"))
        elif p.kind == "email":
            yield DataItem(category=vocab.EMAIL.iri,
                           evidence=_evidence(flow, field, f"{p.path} (value redacted)"))


def browsing(flow: Flow) -> Iterator[DataItem]:
    """The page the visitor is on, sent as Referer or inside the request (URL, body)."""
    if flow.referrer:
        yield DataItem(category=vocab.REFERRAL.iri,
                       evidence=_evidence(flow, "request.headers[Referer]", flow.referrer))
    for _, field, p in _params(flow):
        value = p.value
        if value.startswith(("http://", "https://")):
            yield DataItem(category=vocab.BROWSING.iri,
                           evidence=_evidence(flow, field, f"{p.path}={value}"))


def device(flow: Flow) -> Iterator[DataItem]:
    for h in flow.headers:
        if h.name.lower() == "user-agent" and h.value:
            yield DataItem(category=vocab.USER_AGENT.iri,
                           evidence=_evidence(flow, "request.headers[User-Agent]", h.value))
            return


def health(flow: Flow) -> Iterator[DataItem]:
    """Health terms (French, English) in what the request sends: its URL, the Referer, values
    in its query or body. A probable link suffices (CJEU C-184/20, C-21/23)."""
    lexicon = Lexicon.health()
    seen: set[str] = set()

    def scan(text: str, field: str, excerpt: str) -> Iterator[DataItem]:
        for term in lexicon.find(text):
            if term not in seen:
                seen.add(term)
                yield DataItem(category=vocab.HEALTH.iri, term=term,
                               evidence=_evidence(flow, field, excerpt))

    parts = urlsplit(flow.url)
    yield from scan(unquote(parts.path), "request.url (path)", flow.url)
    if flow.referrer:
        yield from scan(unquote(urlsplit(flow.referrer).path), "request.headers[Referer]",
                        flow.referrer)
    for _, field, p in _params(flow):
        if not p.redacted:
            value = unquote(p.value)
            yield from scan(value, field, f"{p.path}={p.value}")
    if flow.body_text:
        yield from scan(flow.body_text, "request.postData.text", flow.body_text)


DETECTORS: dict[str, Detector] = {
    "ip-address": ip_address,
    "identifiers": identifiers,
    "browsing": browsing,
    "device": device,
    "health": health,
}


def classify(flow: Flow) -> list[DataItem]:
    """All data items one flow discloses to the host it reaches."""
    if flow.host is None:
        return []  # data: and blob: URLs never leave the browser
    return [item for detect in DETECTORS.values() for item in detect(flow)]
