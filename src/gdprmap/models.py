"""The typed records that flow through the pipeline.

capture files -> ``Flow`` (importers) -> ``DataItem`` (classify) -> graph -> ``Recipient`` with
``Finding`` (rules) -> ``Assessment`` (renderers read only this).

All models are frozen and forbid unknown fields: past the importers everything is strict.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from .verdicts import Verdict as Verdict  # re-exported: models.Verdict stays valid

if TYPE_CHECKING:
    import pandas

    from .graph import FlowGraph

# 1.1: verdict "safeguarded", finding steps, doctrine choice;
# 1.2: recipients' cloaked/cloaking (first-party hosts served by a vendor) and
# first_party_probable/first_party_reasons (the site's own domains, probably) - issue 15;
#      live captures with consent states: recipients[].consent_states, top-level consent,
#      inputs[].consent, flows' consent state - issue #16
# 1.3: entities' DPF status as of the as-of date with its basis and listing dates,
# knowledge.dpf_list (issue 14); recipients' server_ips_sampled, network facts per network
# instead of per address, data categories' first_seen/last_seen (issue 19)
# 1.4: received_in / controlled_from / control_established, chain entities' parent_established,
# sector, controlled_from - issue 13
SCHEMA_VERSION = "1.8"


# Issue 17: pydantic gives every instance its own set of the field names it was given (728 bytes
# for eight names, 2 kB for a recipient's thirty): 16 models per recipient made these sets 11.6
# of 20 kB per unknown recipient. Models are frozen, so the set is never changed in place
# (model_copy copies it first): instances given the same names share one set.
_FIELDS_SETS: dict[frozenset[str], set[str]] = {}
_FIELDS_SETS_MAX = 4096


def _share_fields_set(model: BaseModel) -> None:
    own = model.__pydantic_fields_set__
    key = frozenset(own)
    shared = _FIELDS_SETS.get(key)
    if shared is None:
        if len(_FIELDS_SETS) < _FIELDS_SETS_MAX:
            _FIELDS_SETS[key] = own
    elif shared is not own:
        object.__setattr__(model, "__pydantic_fields_set__", shared)


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def model_post_init(self, context: Any, /) -> None:
        _share_fields_set(self)

    def model_copy(self, *, update: Mapping[str, Any] | None = None,
                   deep: bool = False) -> Self:
        copied = super().model_copy(update=update, deep=deep)
        _share_fields_set(copied)
        return copied




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
    method: str | None  # None: the capture tool did not record it (WebPageTest 18-19)
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
    # Added for issue #3 (importers); all optional so older JSON and callers keep working.
    origin: Literal["observed", "declared"] = "observed"  # declared: from a DPO's register
    redirect_to: str | None = None  # HAR response.redirectURL (redacted), when the server redirected
    initiator_type: str | None = None  # "script", "parser", "other" ... as the producer wrote it
    initiator_chain: tuple[str, ...] = ()  # script URLs of the initiator stack, innermost first
    app: str | None = None  # mobile captures: the app package that made the connection
    notes: tuple[str, ...] = ()  # producer claims kept verbatim (e.g. a tracker list's label)
    declared_data: tuple[str, ...] = ()  # register: DPV IRIs the controller declares as sent
    # issue #16: the consent state the request was made in (live captures): "none" before any
    # choice (also before the click of an accept/reject page), "accept"/"reject" after it
    consent: str | None = None
    tls: TlsInfo | None = None  # issue 15: the server certificate (HAR _tls, live captures)
    # issue 15: the producer's error when it shows the request never left the browser (HAR
    # response._error net::ERR_BLOCKED_BY_CLIENT, a host name that did not resolve)
    unsent: str | None = None

    @property
    def request_line(self) -> str:
        """``GET https://...`` - the URL alone when the method was not recorded."""
        return f"{self.method} {self.url}" if self.method else self.url


class TlsInfo(Record):
    """The server certificate a live capture saw (HAR ``_tls``; issue 15): who it names."""

    subject: str | None = None  # subject common name
    organisation: str | None = None  # subject O=
    issuer: str | None = None
    sans: tuple[str, ...] = ()  # subject alternative names (DNS), lower case


class CaptureInfo(Record):
    path: str
    sha256: str
    format: str
    producer: str | None = None
    entries: int
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None
    pages: tuple[str, ...] = ()  # page URLs (redacted), in order
    # Added for issue #3 (importers); all optional.
    files: tuple[InputFile, ...] = ()  # every file read, when the input is a folder
    apps: tuple[str, ...] = ()  # mobile captures: app packages seen (they are the first party)
    first_party_hints: tuple[str, ...] = ()  # domains the capture says are the first party's
    run: RunInfo | None = None  # the capturing tool's own record of the run
    cookies: tuple[StoredCookie, ...] = ()  # cookies the tool saw set (values never kept)
    local_storage: tuple[StorageItem, ...] = ()
    beacons: tuple[Beacon, ...] = ()
    declared: dict[str, Any] | None = None  # a validated processing register (register.py)
    skipped: int = 0  # entries left out with --skip-bad-entries (listed in Assessment.skipped)
    secrets_kept: bool = False  # read with keep_secrets: values are NOT redacted
    consent: tuple[ConsentPage, ...] = ()  # issue #16: the consent states of a live capture


class ConsentClick(Record):
    """A click on a consent banner's control (issue #16)."""

    text: str
    css: str
    frame: str | None = None  # URL of the frame holding the control (redacted)
    time: dt.datetime | None = None


class ConsentPage(Record):
    """One consent state of a live capture (a HAR page with ``_consent``), issue #16.

    ``outcome``: ``no-banner`` (none found: the state is not a refusal or an acceptance),
    ``shown`` (found, not answered: state ``none``), ``clicked`` (answered), ``no-control`` (a
    banner without the control asked for)."""

    state: str  # none | accept | reject
    page: str  # the HAR page id
    url: str | None = None  # redacted
    cmp: str | None = None  # the platform's name, "generic", or None
    method: str | None = None  # "autoconsent" | "generic" | None
    outcome: str = "unknown"
    action: ConsentClick | None = None  # the click that made the choice
    clicks: tuple[ConsentClick, ...] = ()
    note: str | None = None
    screenshot: str | None = None  # file name as the HAR gives it (beside the HAR)
    screenshot_path: str | None = None  # where it was read when the capture was assessed
    screenshot_sha256: str | None = None  # of the file read (None: missing)
    screenshot_recorded_sha256: str | None = None  # as the capture recorded it
    cookies: tuple[StoredCookie, ...] = ()  # present after the state (never values)
    storage: tuple[StorageItem, ...] = ()  # localStorage keys
    started: dt.datetime | None = None
    ended: dt.datetime | None = None
    requests: int = 0


class InputFile(Record):
    path: str
    sha256: str


class RunInfo(Record):
    """Provenance a capture tool records about its run (e.g. the EDPS Website Evidence
    Collector): which tool, which browser, when."""

    tool: str
    tool_version: str | None = None
    browser: str | None = None
    browser_version: str | None = None
    user_agent: str | None = None
    started: dt.datetime | None = None
    ended: dt.datetime | None = None
    start_url: str | None = None  # redacted
    first_party_uris: tuple[str, ...] = ()
    # issue #16 (gdprmap capture): how the capture was made
    command: tuple[str, ...] = ()
    browser_args: tuple[str, ...] = ()
    timezone: str | None = None  # the capturing machine's zone name and UTC offset


class StoredCookie(Record):
    """A cookie a capture tool saw set. The value is never kept, only whether there was one."""

    name: str
    domain: str
    path: str = "/"
    expires: dt.datetime | None = None  # None: session cookie
    session: bool = False
    first_party: bool | None = None  # as the capture tool classified it
    http_only: bool | None = None
    secure: bool | None = None
    same_site: str | None = None
    set_by: str | None = None  # "Cookie.HTTP" (response header) or "Cookie.JS" (script)
    set_at: str | None = None  # URL of the script or page that set it (redacted)


class CookieLifetime(Record):
    """Issue #4: a cookie a recipient can read and how long it lives (Art. 30(1)(f) hint)."""

    name: str
    domain: str
    days: float | None = None  # None: a session cookie
    source: str  # the capture that recorded it ("EDPS Website Evidence Collector 2.1.1")
    set_by_script: str | None = None  # a first-party cookie set by this recipient's script (URL)


class StorageItem(Record):
    origin: str
    key: str
    first_party: bool | None = None


class Beacon(Record):
    """A request a capture tool matched against a tracker list (WEC: EasyPrivacy)."""

    url: str  # redacted
    filter: str | None = None
    list_name: str | None = None
    occurrences: int = 1


# --- evidence and data --------------------------------------------------------------------


class Evidence(Record):
    """Where a fact was observed: capture file, entry index, field (and a redacted excerpt)."""

    input: str
    entry: int
    field: str
    excerpt: str | None = None
    # issue #7 (report exhibits); optional: the request this evidence was read from
    time: dt.datetime | None = None  # when the request started (the capture's own offset)
    method: str | None = None
    url: str | None = None  # the redacted URL
    server_ip: str | None = None


class DataItem(Record):
    """One category of personal data carried by one flow, with the field that proves it."""

    category: str  # DPV IRI
    evidence: Evidence
    term: str | None = None  # the lexicon term that matched (special categories)
    # Added for issue #4 (classification); optional.
    context: str | None = None  # why the flow is special by context (e.g. a health service's page)
    digest: str | None = None  # keyed digest of the identifier sent (never rendered), for matching


class DataCategory(Record):
    """A category of personal data received by a recipient, aggregated over its flows."""

    iri: str
    label: str
    special: bool = False
    flows: int
    terms: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()  # the first few; ``flows`` counts them all
    contexts: tuple[str, ...] = ()  # issue #4: why flows count by context (health-service site)
    # issue 19: the first and last request that carried it (``evidence`` keeps a bounded few)
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None


# --- attribution --------------------------------------------------------------------------


class Fact(Record):
    """An enrichment fact and where it came from."""

    value: str
    source: str  # "kb:organisations.toml", "whois", "rdap", "asn-db", "user-override", ...
    reference: str | None = None  # URL or document the source relies on
    checked: dt.date | None = None
    # issue #5 (registration and IP data); optional
    subject: str | None = None  # the host, domain or IP address the fact is about
    note: str | None = None  # caveat, e.g. "indicative: CDN and anycast ranges are often mislocated"


class Entity(Record):
    """A legal entity from the organisation knowledge base."""

    id: str
    name: str
    country: str  # ISO 3166-1 alpha-2
    parent: str | None = None  # entity id
    # whether who controls this entity is established: a recorded parent, or a source saying it
    # is the ultimate parent. False: the control chain stops here for lack of a fact (issue 13).
    parent_established: bool = False
    sector: str | None = None  # private | public-body | international-organisation
    controlled_from: str | None = None  # ISO code where a source says it is run from
    # active | inactive | not-listed | unknown. In an assessment: the status AS OF its as-of
    # date (issue 14, gdprmap.enrich.dpf.judge), with dpf_basis saying why; in the knowledge
    # base's own view (no date): the status as recorded.
    dpf: str = "unknown"
    dpf_checked: dt.date | None = None  # when the record or the List was read
    dpf_source: str | None = None  # URL read, or the List file and row
    dpf_id: str | None = None  # the List's participant id
    dpf_since: dt.date | None = None  # the List's Install Date
    dpf_until: dt.date | None = None  # the List's Inactive Start Date
    dpf_basis: str | None = None  # one sentence: why this status on the as-of date
    # certified | not-certified | unknown; in an assessment, as of its as-of date like `dpf`
    privacy_shield: str = "unknown"
    privacy_shield_basis: str | None = None  # why this status on the as-of date, with the source
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
    # issue #5: where the attribution comes from; the knowledge base is the only source that
    # identifies the legal entity (registration data stays a Fact, see Recipient.facts)
    source: str | None = None  # "kb"
    confidence: str | None = None  # "high" (kb) | "low"


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


class Step(Record):
    """One link of a verdict's explanation chain: a fact, a legal rule, or the conclusion."""

    kind: str  # "fact" | "law" | "rule" | "conclusion"
    text: str
    source: str | None = None  # where the fact comes from, or the legal source
    reference: str | None = None  # URL, ELI or capture location


class Finding(Record):
    rule: str
    title: str
    severity: Severity
    verdict: Verdict | None = None  # set when the rule decides the recipient's verdict
    citations: tuple[Citation, ...] = ()
    explanation: str
    evidence: tuple[Evidence, ...] = ()
    steps: tuple[Step, ...] = ()  # the explanation chain, usable verbatim in a complaint annex


class Transfer(Record):
    """One place a recipient's data are received, and the verdict the rules gave it."""

    country: str | None  # ISO code; None when not identified
    entity: str | None  # receiving entity id
    entity_name: str | None = None
    verdict: Verdict
    rule: str | None = None  # the deciding rule
    derived: bool = False  # added by the doctrine exposure-is-transfer


class CloakEvidence(Record):
    """Issue 15: why a host under the site's own domain is attributed to a vendor (cloaking)."""

    host: str
    signal: str  # request-path | query | cookie | asn | tls-organisation | tls-san | cname
    detail: str  # what was seen, e.g. "request path /b/ss/ (Adobe Analytics image request)"
    strong: bool = True  # False: supporting only (never enough alone)
    source: str | None = None  # where the signature is documented (URL), or the data used
    evidence: Evidence | None = None  # the request it was read from, when there is one


class FirstPartyReason(Record):
    """Issue 15: one reason to think a domain is the site's own (first party, probable)."""

    signal: str  # brand-token | same-network | shared-cookie | tls-san | kb-group |
    # visited-page | same-registrant (--online)
    detail: str
    domain: str  # the domain it speaks of (the recipient's)


class Recipient(Record):
    id: str  # stable: "org:<entity id>" or "domain:<registrable domain>"
    organisation: Organisation | None
    services: tuple[str, ...] = ()
    category: str | None = None  # service category (analytics, cdn, ...)
    hosts: tuple[str, ...]
    server_ips: tuple[str, ...] = ()
    # issue 19: True when ``server_ips`` is a sample (at most 256 addresses, those of smallest
    # CRC-32: the same sample on every run); the network facts say how many were seen
    server_ips_sampled: bool = False
    server_countries: tuple[str, ...] = ()
    destinations: tuple[Destination, ...] = ()
    # issue 13, one truth per country: where the recipient RECEIVES data (the countries of its
    # transfers, observed or declared; a doctrine's derived transfers excluded) and where it is
    # CONTROLLED FROM (its ultimate parent's country, and the country a source says the parent
    # is run from). Summary, world-map table, Art. 30(e), CSV and JSON all read these two.
    received_in: tuple[str, ...] = ()
    controlled_from: tuple[str, ...] = ()
    control_established: bool | None = None  # None: no organisation identified
    requests: int
    observed_requests: int | None = None  # requests seen in captures (None: not recorded)
    data_categories: tuple[str, ...]
    special_categories: tuple[str, ...]
    data: tuple[DataCategory, ...] = ()
    verdict: Verdict
    transfers: tuple[Transfer, ...] = ()  # per destination; ``verdict`` is the worst of them
    findings: tuple[Finding, ...] = ()
    # issue #4: other recipients that received the same identifier value (cross-site identifier)
    shared_identifiers: tuple[str, ...] = ()
    # issue #4: cookies the recipient's hosts can read, with the lifetime the capture recorded
    cookie_lifetimes: tuple[CookieLifetime, ...] = ()
    # issue #5: registration (WHOIS/RDAP) and IP data (ASN, country) facts with provenance
    facts: tuple[Fact, ...] = ()
    # issue #16: the consent states in which it received requests (live captures), sorted
    consent_states: tuple[str, ...] = ()
    # issue 15: hosts under the site's own domains that the evidence attributes to this vendor
    # (CNAME cloaking); they are listed in ``hosts`` and explained in ``cloaking``
    cloaked: bool = False
    cloaking: tuple[CloakEvidence, ...] = ()
    # issue 15: probably the site's own domain (its CDN, a sister domain): still a recipient,
    # shown apart with the reasons; ``--first-party DOMAIN`` settles it
    first_party_probable: bool = False
    first_party_reasons: tuple[FirstPartyReason, ...] = ()

    def __repr__(self) -> str:
        name = self.organisation.name if self.organisation else self.id
        return (f"<Recipient {self.id} {name!r}: {self.verdict}, {len(self.hosts)} host(s), "
                f"{self.requests} request(s)>")


class Generator(Record):
    name: str = "gdprmap"
    version: str


class DpfListInfo(Record):
    """The DPF List file whose statuses replaced the bundled ones for US entities."""

    path: str
    sha256: str
    date: dt.date | None = None  # the List's own date, when the file records one
    date_basis: str | None = None
    entries: int  # EU-U.S. DPF entries read
    us_entities_matched: int | None = None  # knowledge-base US entities found on it
    us_entities: int | None = None
    ambiguous: tuple[str, ...] = ()  # entity ids matching several entries (judged unknown)


class KnowledgeInfo(Record):
    """Which bundled data the assessment rests on, with hashes for the integrity annex."""

    organisations: int
    organisations_sha256: str
    ontology_sha256: str
    rules: tuple[str, ...]
    ipdb_date: str | None = None  # issue #5: date of the bundled IP data (ip-location-db)
    dpf_list: DpfListInfo | None = None  # issue 14: the DPF List file used (--dpf-list)


class Lookup(Record):
    """One registration lookup (issue #5): which protocol asked which server, when, and how it
    ended. ``status``: ok | not-found | timeout | rate-limited | error | skipped."""

    protocol: str  # "rdap" | "whois" | "dns" (issue 15: CNAME chains with --online)
    query: str  # the registrable domain asked about
    server: str | None = None  # RDAP origin or WHOIS host:port (None when none is known)
    time: dt.datetime  # when the answer was retrieved (cached answers keep their own time)
    status: str
    cached: bool = False
    detail: str | None = None  # the failure, when there was one


class SkippedEntry(Record):
    input: str
    entry: int
    reason: str


class BrowserRequests(Record):
    """Issue 15: requests the browser made on its own to one host (a proxy capture records
    them): not the site's disclosure, so not a recipient of the site."""

    host: str
    browser: str  # "Firefox"
    purpose: str  # "Safe Browsing and tracking-protection list updates"
    requests: int
    input: str  # the first such request
    entry: int
    source: str  # where the host is named as the browser's own connection


class LocalRequests(Record):
    """Issue 15: requests to one host that stays on the visitor's device or local network
    (``127.0.0.1``, ``localhost``, ``192.168.1.1``, ``printer.local``): no organisation receives
    them over the internet, so they are neither recipients nor transfers."""

    host: str
    kind: str  # "device" | "local-network" | "provider-network"
    reason: str  # why the address or name is local
    source: str  # the standard that makes it so (RFC)
    requests: int
    input: str  # the first such request
    entry: int


class UnsentRequests(Record):
    """Issue 15: requests to one host that the capture tool says never left the browser (an
    ad blocker cancelled them, the host name did not resolve): nothing was disclosed, so the
    host is not a recipient for them."""

    host: str
    error: str  # as the producer wrote it (net::ERR_BLOCKED_BY_CLIENT ...)
    reason: str
    source: str  # where the producer defines the error
    requests: int
    input: str  # the first such request
    entry: int


class ConsentSummary(Record):
    """Issue #16: the consent states the captures hold, how each banner was found and
    answered, and the screenshots' SHA-256 (the integrity annex lists them)."""

    states: tuple[str, ...]  # captured, in order none, accept, reject
    pages: tuple[ConsentPage, ...]  # one per state and input
    rules: tuple[str, ...] = ()  # the consent rules evaluated
    rules_sha256: str | None = None  # of the consent ontology and its queries
    note: str | None = None


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
    # issue 15 (schema 1.5): the browser's own requests, reported apart from the recipients
    browser_traffic: tuple[BrowserRequests, ...] = ()
    # issue 15 (schema 1.7): requests that stayed on the device or local network
    local_traffic: tuple[LocalRequests, ...] = ()
    # issue 15 (schema 1.8): requests the capture tool says were never sent
    not_sent: tuple[UnsentRequests, ...] = ()
    command: tuple[str, ...] = ()  # the command line that reproduces the report
    extra: dict[str, Any] = Field(default_factory=dict)
    secrets_kept: bool = False  # True: run with --keep-secrets, values NOT redacted (debug only)
    lookups: tuple[Lookup, ...] = ()  # issue #5: registration lookups made with --online
    consent: ConsentSummary | None = None  # issue #16: live captures' consent states
    _graph: Any = PrivateAttr(default=None)

    @property
    def graph(self) -> FlowGraph:
        """The ``FlowGraph`` the assessment was drawn from; for an assessment loaded from JSON,
        one rebuilt from its recipients (``FlowGraph.from_assessment``)."""
        if self._graph is None:
            self._graph = _view("graph")(self)
        elif callable(self._graph):  # analyze() leaves the build for the first use (issue 19)
            self._graph = self._graph()
        return self._graph  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        """Short, for notebooks and logs: the full record is ``to_json()``."""
        counts = ", ".join(f"{n} {v}" for v, n in self.counts().items() if n) or "none"
        inputs = ", ".join(i.path for i in self.inputs[:3]) + (", ..." if len(self.inputs) > 3 else "")
        return (f"<Assessment as of {self.as_of}: {len(self.recipients)} recipients ({counts}); "
                f"inputs: {inputs or 'none'}>")

    __str__ = __repr__

    # --- issue #8: programmatic use ---------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        """Equal when the data are equal: the cached ``graph`` is derived and does not count
        (an assessment read back with ``from_json`` equals the one written)."""
        if not isinstance(other, Assessment):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    __hash__ = Record.__hash__  # defining __eq__ would otherwise drop it

    def to_json(self) -> str:
        """The JSON report (the versioned contract); ``Assessment.from_json`` reads it back.

        >>> again = Assessment.from_json(assessment.to_json())  # doctest: +SKIP
        >>> again == assessment                                  # doctest: +SKIP
        True
        """
        return _view("json")(self)  # type: ignore[no-any-return]

    @classmethod
    def from_json(cls, data: str | bytes) -> Assessment:
        """An assessment from its JSON report (``to_json`` or ``gdprmap report -o x.json``)."""
        return cls.model_validate_json(data)

    def to_rdf(self, include_ontology: bool = True) -> Any:
        """The assessment as an rdflib ``Graph`` in W3C DPV terms (transfers as
        ``dpv:CrossBorderTransfer``, recipients as ``dpv:Recipient``/``dpv:LegalEntity``,
        verdicts and findings in ``https://w3id.org/gdprmap/ns#``), with the gdprmap ontology
        (law, jurisdictions, rules and citations) unless ``include_ontology`` is False.

        >>> g = assessment.to_rdf()                       # doctest: +SKIP
        >>> g.query("SELECT ?r WHERE { ?r a dpv:Recipient }")  # doctest: +SKIP
        """
        return _view("rdf")(self, include_ontology=include_ontology)

    def _repr_html_(self) -> str:
        """A compact table of recipients and verdicts for notebooks (all text escaped)."""
        return _view("html")(self)  # type: ignore[no-any-return]

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per recipient with the CSV register's columns (see ``gdprmap report -o
        x.csv``), values unescaped and ``requests`` an int; no pandas needed."""
        return _view("records")(self)  # type: ignore[no-any-return]

    def to_pandas(self) -> pandas.DataFrame:
        """The recipients as a ``pandas.DataFrame`` (one row each, the CSV register's columns).
        pandas is an optional extra: ``pip install 'gdprmap[pandas]'``."""
        try:
            import pandas as pd
        except ImportError as e:
            from .errors import UsageError

            raise UsageError("to_pandas() needs pandas: pip install 'gdprmap[pandas]'") from e
        return pd.DataFrame.from_records(self.to_records(), columns=list(_view("columns")))

    def counts(self) -> dict[Verdict, int]:
        counts = {v: 0 for v in Verdict}
        for r in self.recipients:
            counts[r.verdict] += 1
        return counts

    def worst(self) -> Verdict | None:
        return max((r.verdict for r in self.recipients), key=lambda v: v.rank, default=None)

    def hosts_not_sent(self) -> tuple[str, ...]:
        """Issue 15: the third-party hosts the capture's ``not_sent`` requests named, sorted."""
        return tuple(sorted({u.host for u in self.not_sent}))


# Records do not import their renderers (that would be an import cycle: the renderers read
# these records). The conveniences above find them through this registry, by name, when called.
_VIEWS = {
    "graph": "gdprmap.graph:FlowGraph.from_assessment",
    "json": "gdprmap.reports.json_report:render_json",
    "rdf": "gdprmap.export.rdf:assessment_to_rdf",
    "html": "gdprmap.export.html:assessment_table",
    "records": "gdprmap.reports.csv_report:records",
    "columns": "gdprmap.reports.csv_report:COLUMNS",
}


def _view(name: str) -> Any:
    import importlib

    module, _, path = _VIEWS[name].partition(":")
    target: Any = importlib.import_module(module)
    for attribute in path.split("."):
        target = getattr(target, attribute)
    return target
