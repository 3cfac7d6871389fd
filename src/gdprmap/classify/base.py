"""What every detector shares: the ``View`` of a flow and the way a claim is written down."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from ..models import DataItem, Evidence, Flow, Param
from .keys import leaf

EXCERPT = 300
HASHED_KINDS = frozenset({"token", "identifier"})  # what a redacted hash looks like


class View:
    """A flow with its parameters listed once: ``(field, param, normalised key)``.

    Detectors read the view so the parameter walk and key normalisation are paid once per flow,
    not once per detector (classification runs on every request of 100k-entry captures).
    """

    __slots__ = ("flow", "params")

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        params: list[tuple[str, Param, str]] = []
        for p in flow.query:
            field, key = _query_key(p.path)
            params.append((field, p, key))
        for p in flow.body:
            field, key = _body_key(p.path)
            params.append((field, p, key))
        self.params = params


@lru_cache(maxsize=16384)
def _query_key(path: str) -> tuple[str, str]:
    """A query parameter's field name and normalised key (names repeat: made once each)."""
    return f"request.queryString[{path}]", leaf(path)


@lru_cache(maxsize=16384)
def _body_key(path: str) -> tuple[str, str]:
    return f"request.postData:{path}", leaf(path)



def evidence(flow: Flow, field: str, excerpt: str | None = None) -> Evidence:
    if excerpt and len(excerpt) > EXCERPT:
        excerpt = excerpt[:EXCERPT] + "…"
    url = flow.url if len(flow.url) <= EXCERPT else flow.url[:EXCERPT] + "…"
    # issue #7: the request itself, for the report's exhibits (time, method, URL, server)
    return Evidence(input=flow.input, entry=flow.entry, field=field, excerpt=excerpt,
                    time=flow.started, method=flow.method, url=url, server_ip=flow.server_ip)


class Claim:
    """A data item as a detector finds it. Its ``Evidence`` model is built only when asked
    for (issue #9): the aggregator keeps a few per host and category and counts the rest, and
    validating a model for every claim cost as much as the detectors themselves."""

    __slots__ = ("category", "term", "context", "digest", "flow", "field", "excerpt", "shared")

    def __init__(self, flow: Flow, category: str, field: str, excerpt: str | None = None, *,
                 term: str | None = None, context: str | None = None,
                 digest: str | None = None) -> None:
        self.flow, self.category, self.field, self.excerpt = flow, category, field, excerpt
        self.term, self.context, self.digest = term, context, digest
        self.shared: dict[tuple[str, str | None], Evidence] | None = None

    @property
    def evidence(self) -> Evidence:
        # Claims of one flow that name the same field and excerpt (a Referer proving a page
        # visit and two health terms) share one frozen model: one instance kept, not three
        # (issue 17: evidence models were the largest per-host cost)
        shared = self.shared
        if shared is None:
            return evidence(self.flow, self.field, self.excerpt)
        key = (self.field, self.excerpt)
        found = shared.get(key)
        if found is None:
            found = shared[key] = evidence(self.flow, self.field, self.excerpt)
        return found

    def to_item(self) -> DataItem:
        return DataItem(category=self.category, evidence=self.evidence, term=self.term,
                        context=self.context, digest=self.digest)


def share_evidence(claims: list[Claim]) -> list[Claim]:
    """Lets the claims of one flow share their evidence models (see ``Claim.evidence``)."""
    if len(claims) > 1:
        shared: dict[tuple[str, str | None], Evidence] = {}
        for claim in claims:
            claim.shared = shared
    return claims


Detector = Callable[[View], Iterable[Claim]]


# ``item(flow, category, field, excerpt=None, *, term=None, context=None, digest=None)``: a
# claim, built by the class itself (issue 19: a wrapper call per claim, ~11 per request)
item = Claim


# The notes detectors add to a field or an excerpt, and what a redacted value looked like: the
# English wording the JSON keeps. The report words them in its language with the catalogs'
# ``evidence:<id>`` and ``evidence_what:<id>`` keys, whose English texts are these (tested).
NOTE = {
    "source_address": "source address of the connection",
    "path": "path",
    "page": "the document the request was made from",
    "page_not_recorded": "page not recorded; declared health context",
    "search_terms": "search terms",
    "interaction": "interaction event",
    "fingerprint_redacted": "fingerprint value, redacted",
    "fingerprint_present": "fingerprint value, present",
    "ip": "IP address",
    "hashed_email_path": "hashed e-mail address in the path, redacted",
    "tc_string_redacted": "TC string, value redacted",
    "value_redacted": "value redacted",
}
REDACTED_WHAT = {
    "identifier": "identifier",
    "session_identifier": "session identifier",
    "tcf_string": "IAB TCF consent string",
    "ip": "IP address",
    "truncated_ip": "truncated IP address",
    "email": "e-mail address",
    "phone": "telephone number",
    "name": "name",
    "birthdate": "date of birth",
    "postcode": "postal code",
    "location": "location",
    "hashed_email": "hashed e-mail address",
    "hashed_phone": "hashed telephone number",
    "hashed_name": "hashed name",
    "hashed_birthdate": "hashed date of birth",
    "hashed_postcode": "hashed postal code",
    "hashed_city": "hashed city",
}


def noted(text: str, note: str) -> str:
    """``text (note)`` with the note ``NOTE[note]``."""
    return f"{text} ({NOTE[note]})"


def redacted(p: Param, what: str) -> str:
    """The excerpt for a value that must not be shown: its name and what it looked like
    (``what``: a key of ``REDACTED_WHAT``)."""
    return f"{p.path} ({REDACTED_WHAT[what]}, {NOTE['value_redacted']})"
