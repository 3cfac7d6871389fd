"""The typed records that flow through the pipeline.

capture files -> ``Flow`` (importers) -> ``DataItem`` (classify) -> graph -> ``Recipient`` with
``Finding`` (rules) -> ``Assessment`` (renderers read only this).

All models are frozen and forbid unknown fields: past the importers everything is strict.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

SCHEMA_VERSION = "1.0"


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Verdict(StrEnum):
    """The verdict words users script against. Their order is the ``--fail-on`` scale."""

    NO_TRANSFER = "no-transfer"
    ADEQUATE = "adequate"
    EXPOSED = "exposed"
    SAFEGUARDS_REQUIRED = "safeguards-required"
    UNKNOWN = "unknown"
    UNLAWFUL = "unlawful"

    @property
    def rank(self) -> int:
        return list(Verdict).index(self)


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


# --- capture side -------------------------------------------------------------------------


class Header(Record):
    """A request header. ``value`` is already redacted when the header carries a secret."""

    name: str
    value: str
    redacted: bool = False


class Param(Record):
    """A query-string, form or JSON-body value; ``path`` locates it (``user.id``, ``q``)."""

    path: str
    value: str
    redacted: bool = False
    kind: str | None = None  # what the redactor recognised: "secret", "email", "identifier" ...
    digest: str | None = None  # keyed hash of a redacted value, for matching; never rendered


class Flow(Record):
    """One observed request, normalised and redacted at the importer boundary."""

    input: str  # the capture's display path
    entry: int  # index in the capture (HAR log.entries index)
    started: dt.datetime
    method: str
    url: str  # redacted URL (token-like query values replaced)
    scheme: str
    host: str | None  # None for data:, blob: and other host-less URLs
    port: int | None = None
    server_ip: str | None = None
    status: int | None = None
    resource_type: str | None = None
    initiator: str | None = None
    page_url: str | None = None  # document the request belongs to (HAR pageref -> page title/url)
    page_title: str | None = None
    referrer: str | None = None
    headers: tuple[Header, ...] = ()
    cookies: tuple[str, ...] = ()  # names only; values never leave the importer
    query: tuple[Param, ...] = ()
    body: tuple[Param, ...] = ()  # structured body values (form / JSON), redacted
    body_text: str | None = None  # unstructured body excerpt, redacted and truncated


class CaptureInfo(Record):
    path: str
    sha256: str
    format: str
    producer: str | None = None
    entries: int
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None
    pages: tuple[str, ...] = ()  # page URLs (redacted), in order


# --- evidence and data --------------------------------------------------------------------


class Evidence(Record):
    """Where a fact was observed: capture file, entry index, field (and a redacted excerpt)."""

    input: str
    entry: int
    field: str
    excerpt: str | None = None


class DataItem(Record):
    """One category of personal data carried by one flow, with the field that proves it."""

    category: str  # DPV IRI
    evidence: Evidence
    term: str | None = None  # the lexicon term that matched (special categories)


class DataCategory(Record):
    """A category of personal data received by a recipient, aggregated over its flows."""

    iri: str
    label: str
    special: bool = False
    flows: int
    terms: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()  # the first few; ``flows`` counts them all


# --- attribution --------------------------------------------------------------------------


class Fact(Record):
    """An enrichment fact and where it came from."""

    value: str
    source: str  # "kb:organisations.toml", "whois", "rdap", "asn-db", "user-override", ...
    reference: str | None = None  # URL or document the source relies on
    checked: dt.date | None = None


class Entity(Record):
    """A legal entity from the organisation knowledge base."""

    id: str
    name: str
    country: str  # ISO 3166-1 alpha-2
    parent: str | None = None  # entity id
    dpf: str = "unknown"  # active | inactive | not-listed | unknown
    dpf_checked: dt.date | None = None
    privacy_shield: str = "unknown"  # certified | not-certified | unknown
    fisa702: str = "unknown"  # in-scope | out-of-scope | unknown
    sources: tuple[str, ...] = ()


class Organisation(Record):
    """The JSON contract's view of a recipient organisation."""

    id: str
    name: str
    country: str
    parent: str | None = None
    parent_country: str | None = None
    chain: tuple[Entity, ...] = ()  # the entity, then each parent up to the ultimate one


class Destination(Record):
    """A place the recipient's data is received or processed, and by which entity."""

    country: str
    entity: str  # entity id receiving the data there
    basis: str  # why we believe the data goes there
    source: str


# --- assessment ---------------------------------------------------------------------------


class Citation(Record):
    label: str  # "GDPR Art. 44", "CJEU C-311/18 Schrems II, para. 185"
    iri: str | None = None  # ELI or ECLI IRI where one exists


class Finding(Record):
    rule: str
    title: str
    severity: Severity
    verdict: Verdict | None = None  # set when the rule decides the recipient's verdict
    citations: tuple[Citation, ...] = ()
    explanation: str
    evidence: tuple[Evidence, ...] = ()


class Recipient(Record):
    id: str  # stable: "org:<entity id>" or "domain:<registrable domain>"
    organisation: Organisation | None
    services: tuple[str, ...] = ()
    category: str | None = None  # service category (analytics, cdn, ...)
    hosts: tuple[str, ...]
    server_ips: tuple[str, ...] = ()
    server_countries: tuple[str, ...] = ()
    destinations: tuple[Destination, ...] = ()
    requests: int
    data_categories: tuple[str, ...]
    special_categories: tuple[str, ...]
    data: tuple[DataCategory, ...] = ()
    verdict: Verdict
    findings: tuple[Finding, ...] = ()


class Generator(Record):
    name: str = "gdprmap"
    version: str


class KnowledgeInfo(Record):
    """Which bundled data the assessment rests on, with hashes for the integrity annex."""

    organisations: int
    organisations_sha256: str
    ontology_sha256: str
    rules: tuple[str, ...]


class SkippedEntry(Record):
    input: str
    entry: int
    reason: str


class Assessment(Record):
    """What the rules concluded. Renderers read only this."""

    schema_version: str = SCHEMA_VERSION
    generator: Generator
    inputs: tuple[CaptureInfo, ...]
    as_of: dt.date
    as_of_basis: str  # "capture" | "option"
    scenario: str | None = None
    doctrine: str = "exposure-is-risk"
    language: str = "en"  # language of titles and explanations
    controller: str | None = None
    first_party_domains: tuple[str, ...] = ()
    recipients: tuple[Recipient, ...]
    knowledge: KnowledgeInfo
    skipped: tuple[SkippedEntry, ...] = ()
    command: tuple[str, ...] = ()  # the command line that reproduces the report
    extra: dict[str, Any] = Field(default_factory=dict)
    _graph: Any = PrivateAttr(default=None)

    @property
    def graph(self) -> Any:
        """The ``FlowGraph`` the assessment was drawn from (None once loaded from JSON)."""
        return self._graph

    def counts(self) -> dict[Verdict, int]:
        counts = {v: 0 for v in Verdict}
        for r in self.recipients:
            counts[r.verdict] += 1
        return counts

    def worst(self) -> Verdict | None:
        return max((r.verdict for r in self.recipients), key=lambda v: v.rank, default=None)
