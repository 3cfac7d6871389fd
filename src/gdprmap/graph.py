"""The flow graph: data categories -> hosts -> legal entities (with parents) -> jurisdictions.

Flows are folded into per-host statistics as they stream past (``HostStats``), so memory grows
with the number of hosts, not of requests. ``FlowGraph`` wraps a networkx DiGraph with stable
node ids (``category:<iri>``, ``host:<name>``, ``entity:<id>``, ``jurisdiction:<CC>``) and typed
queries; ``.nx`` is the raw graph for anything the queries do not cover.
"""

from __future__ import annotations

import datetime as dt
import heapq
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .models import Evidence, Flow

if TYPE_CHECKING:
    import networkx as nx

EVIDENCE_PER_CATEGORY = 5  # kept per host and category; counts cover every flow
# Issue 19: what is kept per host does not grow with the requests. Server addresses and
# identifier digests are kept as bounded deterministic samples: the values of smallest hash
# (a bottom-k sample), the same whatever the order of the requests, so two hosts that share
# an address or an identifier keep it in both samples whenever it is among the smallest.
SERVER_IPS_KEPT = 256  # per host and per recipient
DIGESTS_KEPT = 4096  # per host
CONTEXTS_KEPT = 20  # per host and category: why flows count by context, each with its proof


def stable_hash(text: str) -> int:
    """A hash that is the same in every process (``hash()`` of a str is salted)."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


class BottomK:
    """At most ``k`` distinct values, those of smallest (``stable_hash``, value): a sample
    that is the same whatever the order of arrival. ``values`` is a set; ``more`` says that
    some values were left out."""

    __slots__ = ("k", "values", "_heap", "more")

    def __init__(self, k: int) -> None:
        self.k, self.values, self.more = k, set[str](), False
        self._heap: list[tuple[int, str]] = []  # (-hash, value): the largest kept on top

    def add(self, value: str) -> None:
        if value in self.values:
            return
        h = stable_hash(value)
        if len(self.values) < self.k:
            heapq.heappush(self._heap, (-h, value))
            self.values.add(value)
            return
        self.more = True
        top_hash, top_value = -self._heap[0][0], self._heap[0][1]
        if (h, value) < (top_hash, top_value):  # it replaces the largest kept
            heapq.heapreplace(self._heap, (-h, value))
            self.values.discard(top_value)
            self.values.add(value)


def bottom_k(values: Iterable[str], k: int) -> tuple[list[str], bool]:
    """The ``k`` values of smallest ``stable_hash``, sorted, and whether some were left out."""
    sample = BottomK(k)
    for v in values:
        sample.add(v)
    return sorted(sample.values), sample.more
MAX_COOKIE_NAMES = 64  # issue 15: cookie names kept per host (first-party evidence)


class Item(Protocol):
    """What the aggregator reads of a data item: a ``DataItem``, or a classifier's ``Claim``
    whose evidence is built only if it is kept."""

    @property
    def category(self) -> str: ...
    @property
    def evidence(self) -> Evidence: ...
    @property
    def term(self) -> str | None: ...
    @property
    def context(self) -> str | None: ...
    @property
    def digest(self) -> str | None: ...


@dataclass
class CategoryStats:
    flows: int = 0
    terms: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    contexts: list[str] = field(default_factory=list)  # issue #4: e.g. a health service's page
    first_seen: dt.datetime | None = None  # issue 19: the first and last request carrying it
    last_seen: dt.datetime | None = None

    def add(self, item: Item, new_flow: bool) -> None:
        self.flows += new_flow
        if item.context and item.context not in self.contexts and (
                len(self.contexts) < CONTEXTS_KEPT):
            self.contexts.append(item.context)
            self._keep(item.evidence)  # the context keeps its proof
            return
        if item.term and item.term not in self.terms:
            self.terms.append(item.term)
            if len(self.evidence) < EVIDENCE_PER_CATEGORY * 2:
                self._keep(item.evidence)  # each distinct term keeps its proof
                return
        if new_flow and len(self.evidence) < EVIDENCE_PER_CATEGORY:
            self.evidence.append(item.evidence)

    def _keep(self, evidence: Evidence) -> None:
        """Two terms or contexts read in the same field of the same request have one proof:
        listed once (a report repeating an exhibit overstates it)."""
        if evidence not in self.evidence:  # identity, then equality
            self.evidence.append(evidence)


@dataclass
class HostStats:
    host: str
    flows: int = 0
    inputs: set[str] = field(default_factory=set)
    server_ips: set[str] = field(default_factory=set)
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None
    categories: dict[str, CategoryStats] = field(default_factory=dict)
    sample: list[Evidence] = field(default_factory=list)  # the first requests, for verdicts
    observed: int = 0  # flows seen in captures (the others were declared in a register)
    # issue #4: keyed digests of identifier values sent (never rendered), for cross-site matching
    identifier_digests: set[str] = field(default_factory=set)
    # issue 15: attribution evidence - vendor request signatures seen (signature id -> the first
    # request), the server certificate (live captures), names of cookies sent (bounded)
    signatures: dict[str, Evidence] = field(default_factory=dict)
    tls: Any = None  # models.TlsInfo
    cookie_names: set[str] = field(default_factory=set)
    # issue 19: ``server_ips`` and ``identifier_digests`` are these samples' sets (bounded)
    ip_sample: BottomK = field(default_factory=lambda: BottomK(SERVER_IPS_KEPT))
    digest_sample: BottomK = field(default_factory=lambda: BottomK(DIGESTS_KEPT))

    def __post_init__(self) -> None:
        self.server_ips = self.ip_sample.values
        self.identifier_digests = self.digest_sample.values

    def add(self, flow: Flow, items: Iterable[Item]) -> None:
        self.flows += 1
        self.observed += flow.origin == "observed"
        self.inputs.add(flow.input)
        if flow.server_ip and flow.server_ip not in self.server_ips:
            self.ip_sample.add(flow.server_ip)
        if self.first_seen is None or flow.started < self.first_seen:
            self.first_seen = flow.started
        if self.last_seen is None or flow.started > self.last_seen:
            self.last_seen = flow.started
        if len(self.sample) < EVIDENCE_PER_CATEGORY:
            self.sample.append(Evidence(input=flow.input, entry=flow.entry, field="request.url",
                                        excerpt=flow.request_line[:300],
                                        time=flow.started, method=flow.method,  # issue #7
                                        url=flow.url[:300], server_ip=flow.server_ip))
        counted: set[str] = set()
        categories = self.categories
        started = flow.started
        for item in items:
            category = item.category
            stats = categories.get(category)
            if stats is None:  # (setdefault would build a CategoryStats for every item)
                stats = categories[category] = CategoryStats()
            new_flow = category not in counted
            if item.context or item.term or new_flow and len(
                    stats.evidence) < EVIDENCE_PER_CATEGORY:
                stats.add(item, new_flow)
            else:  # what CategoryStats.add does then, without the call (issue 19;
                # tests/test_fast_paths.py holds add to it)
                stats.flows += new_flow
            if new_flow:
                counted.add(category)
                if stats.first_seen is None or started < stats.first_seen:
                    stats.first_seen = started
                if stats.last_seen is None or started > stats.last_seen:
                    stats.last_seen = started
            if (digest := item.digest) and digest not in self.identifier_digests:
                self.digest_sample.add(digest)
        if flow.cookies and len(self.cookie_names) < MAX_COOKIE_NAMES:
            self.cookie_names.update(flow.cookies[:MAX_COOKIE_NAMES])
        if flow.tls is not None and self.tls is None:
            self.tls = flow.tls


    def summary(self) -> HostSummary:
        return HostSummary(self.flows, tuple(sorted(self.server_ips)), _shared_counts(
            tuple((iri, cat.flows) for iri, cat in self.categories.items())))


_COUNTS: dict[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]] = {}
_COUNTS_MAX = 4096


def _shared_counts(counts: tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
    """One instance per distinct (category, flows) list: thousands of hosts share a few."""
    shared = _COUNTS.get(counts)
    if shared is None:
        if len(_COUNTS) < _COUNTS_MAX:
            _COUNTS[counts] = counts
        return counts
    return shared


class HostSummary:
    """What the flow graph reads of a host once its recipient is judged (issue 17: the
    ``HostStats`` of 64,000 hosts, with their evidence lists and samples, are ~3 kB each; this
    is ~0.1 kB): flows, the sampled server addresses (sorted) and flows per category."""

    __slots__ = ("flows", "server_ips", "category_flows")

    def __init__(self, flows: int, server_ips: tuple[str, ...],
                 category_flows: tuple[tuple[str, int], ...]) -> None:
        self.flows, self.server_ips, self.category_flows = flows, server_ips, category_flows


# Issue 15: names the vendor request signatures a flow matches (enrich.cloaking)
SignatureObserver = Callable[[Flow], Iterable[str]]


class FlowAggregator:
    """Folds a stream of classified flows into per-host statistics."""

    def __init__(self, observer: SignatureObserver | None = None) -> None:
        self.hosts: dict[str, HostStats] = {}
        self.hostless = 0  # data:, blob: … requests that never left the browser
        self.observer = observer

    def add(self, flow: Flow, items: Iterable[Item]) -> None:
        if flow.host is None:
            self.hostless += 1
            return
        stats = self.hosts.get(flow.host)
        if stats is None:
            stats = self.hosts[flow.host] = HostStats(flow.host)
        stats.add(flow, items)
        if self.observer is not None:
            for signature in self.observer(flow):
                if signature not in stats.signatures:
                    stats.signatures[signature] = Evidence(
                        input=flow.input, entry=flow.entry, field="request.url",
                        excerpt=flow.request_line[:300], time=flow.started,
                        method=flow.method, url=flow.url[:300], server_ip=flow.server_ip)


class FlowGraph:
    """Typed queries over the networkx graph of an assessment.

    >>> g = gdprmap.analyze("capture.har").graph                   # doctest: +SKIP
    >>> g.recipients_of("https://w3id.org/dpv/pd#Health")           # doctest: +SKIP
    ['org:at-internet', 'org:aws-emea-sarl', ...]
    >>> g.recipients_in_country("US", basis="parent")               # doctest: +SKIP
    >>> g.nx.number_of_nodes()                                      # doctest: +SKIP
    """

    def __init__(self, graph: nx.DiGraph[str]) -> None:
        self.nx = graph

    def __repr__(self) -> str:
        kinds: dict[str, int] = {}
        for _, kind in self.nx.nodes(data="kind"):
            kinds[str(kind)] = kinds.get(str(kind), 0) + 1
        parts = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        return (f"<FlowGraph {self.nx.number_of_nodes()} nodes ({parts}), "
                f"{self.nx.number_of_edges()} edges>")

    def scalar(self) -> nx.DiGraph[str]:
        """A copy whose attributes are all strings, in sorted order - what GraphML and other
        flat formats accept (``nx.write_graphml(a.graph.scalar(), path)``); ``.nx`` keeps
        lists (e.g. ``destination_countries``) for the typed queries."""
        import networkx as nx

        g: nx.DiGraph[str] = nx.DiGraph()
        for n in sorted(self.nx.nodes):
            attrs = _scalar_attrs(self.nx.nodes[n])
            attrs.setdefault("label", attrs.get("name") or attrs.get("code")
                             or attrs.get("iri") or str(n))
            g.add_node(n, **attrs)
        for u, v in sorted(self.nx.edges):
            g.add_edge(u, v, **_scalar_attrs(self.nx.edges[u, v]))
        return g

    @staticmethod
    def node(kind: str, key: str) -> str:
        return f"{kind}:{key}"

    def _nodes(self, kind: str) -> Iterator[str]:
        return (n for n, d in self.nx.nodes(data=True) if d.get("kind") == kind)

    def hosts(self) -> list[str]:
        return sorted(self.nx.nodes[n]["name"] for n in self._nodes("host"))

    def hosts_of(self, entity_id: str) -> list[str]:
        """Hosts operated by an entity or by any entity it controls."""
        target = self.node("entity", entity_id)
        out = []
        for h in self._nodes("host"):
            for _, op, d in self.nx.out_edges(h, data=True):
                if d.get("kind") == "operated_by" and (op == target or self._controls(target, op)):
                    out.append(self.nx.nodes[h]["name"])
        return sorted(out)

    def _controls(self, parent: str, entity: str) -> bool:
        current = entity
        seen = set()
        while current not in seen:
            seen.add(current)
            parents = [v for _, v, d in self.nx.out_edges(current, data=True)
                       if d.get("kind") == "subsidiary_of"]
            if not parents:
                return False
            current = parents[0]
            if current == parent:
                return True
        return False

    def recipients_of(self, category_iri: str) -> list[str]:
        """Recipient ids that receive a data category."""
        cat = self.node("category", category_iri)
        if cat not in self.nx:
            return []
        return sorted({self.nx.nodes[h]["recipient"] for h in self.nx.successors(cat)
                       if self.nx.nodes[h].get("recipient")})

    def recipients_by_verdict(self, verdict: str) -> list[str]:
        return sorted(n.split(":", 1)[1] for n, d in self.nx.nodes(data=True)
                      if d.get("kind") == "recipient" and d.get("verdict") == verdict)

    def paths_to_jurisdiction(self, category_iri: str, country: str) -> list[list[str]]:
        import networkx as nx

        src, dst = self.node("category", category_iri), self.node("jurisdiction", country)
        if src not in self.nx or dst not in self.nx:
            return []
        return [list(p) for p in nx.all_simple_paths(self.nx, src, dst, cutoff=6)]

    # --- issue #8: more typed queries -----------------------------------------------------

    def recipients(self) -> list[str]:
        """Every recipient id (``org:<entity>`` or ``domain:<registrable domain>``)."""
        return sorted(n.split(":", 1)[1] for n in self._nodes("recipient"))

    def recipients_in_country(self, country: str, basis: str = "entity") -> list[str]:
        """Recipient ids tied to a country (ISO code). ``basis``: ``entity`` (the receiving
        entity's country of incorporation), ``parent`` (its ultimate parent's), ``destination``
        (a place the data are received or processed) or ``server`` (server IP country,
        indicative only)."""
        if basis not in RECIPIENT_COUNTRY_BASES:
            raise ValueError(f"unknown basis {basis!r} (known: "
                             f"{', '.join(RECIPIENT_COUNTRY_BASES)})")
        attr = RECIPIENT_COUNTRY_BASES[basis]
        code = country.upper()
        out = []
        for n in self._nodes("recipient"):
            value = self.nx.nodes[n].get(attr)
            values = value if isinstance(value, (list, tuple)) else [value]
            if code in values:
                out.append(n.split(":", 1)[1])
        return sorted(out)

    def shares_identifier_with(self, recipient_id: str) -> list[str]:
        """The other recipients that received the same identifier value as ``recipient_id``
        (matched by the redactor's keyed digest; the value itself is never kept)."""
        node = self.node("recipient", recipient_id)
        if node not in self.nx:
            return []
        return sorted(v.split(":", 1)[1] for _, v, d in self.nx.out_edges(node, data=True)
                      if d.get("kind") == "shares_identifier")

    def identifier_links(self) -> list[tuple[str, str]]:
        """Pairs of recipients (sorted, each pair once) that received a same identifier."""
        pairs = {tuple(sorted((u.split(":", 1)[1], v.split(":", 1)[1])))
                 for u, v, d in self.nx.edges(data=True) if d.get("kind") == "shares_identifier"}
        return sorted((a, b) for a, b in pairs)

    @classmethod
    def from_assessment(cls, assessment: Any) -> FlowGraph:
        """Rebuild the graph from an ``Assessment`` alone (e.g. one loaded from JSON).

        A saved assessment records data categories per recipient, not per host: in the rebuilt
        graph each category is linked to every host of a recipient that received it (edges
        marked ``approximate=True``). Recipient-level queries give the same answers as on the
        graph built by the pipeline."""
        import networkx as nx

        g: nx.DiGraph[str] = nx.DiGraph(rebuilt=True)
        node = cls.node
        for rec in assessment.recipients:
            _add_recipient(g, rec)
            chain = rec.organisation.chain if rec.organisation else ()
            for h in rec.hosts:
                hn = node("host", h)
                g.add_node(hn, kind="host", name=h, recipient=rec.id)
                g.add_edge(hn, node("recipient", rec.id), kind="part_of")
                for cat in rec.data:
                    c = node("category", cat.iri)
                    g.add_node(c, kind="category", iri=cat.iri)
                    g.add_edge(c, hn, kind="sent_to", flows=cat.flows, approximate=True)
                if chain:
                    g.add_edge(hn, node("entity", chain[0].id), kind="operated_by",
                               source=rec.organisation.source or "kb")
                for dest in rec.destinations:
                    g.add_node(node("jurisdiction", dest.country), kind="jurisdiction",
                               code=dest.country)
                    g.add_edge(hn, node("jurisdiction", dest.country), kind="processed_in",
                               entity=dest.entity, basis=dest.basis)
            _add_chain(g, chain)
        _add_identifier_links(g, assessment.recipients)
        return cls(g)


def _scalar_attrs(data: dict[str, Any]) -> dict[str, str]:
    """Lists become comma-separated strings, booleans "true"/"false"; missing values are left
    out (GraphML has no null)."""
    out: dict[str, str] = {}
    for key, value in sorted(data.items()):
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            value = ", ".join(sorted(str(v) for v in value))
        out[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


# FlowGraph.recipients_in_country: basis -> recipient node attribute
RECIPIENT_COUNTRY_BASES = {"entity": "country", "parent": "parent_country",
                           "destination": "destination_countries", "server": "server_countries"}


def _add_recipient(g: Any, rec: Any) -> None:
    """A recipient node with the attributes the typed queries read."""
    org = rec.organisation
    g.add_node(FlowGraph.node("recipient", rec.id), kind="recipient", verdict=str(rec.verdict),
               name=org.name if org else rec.id,
               country=org.country if org else None,
               parent_country=(org.parent_country or org.country) if org else None,
               destination_countries=sorted({d.country for d in rec.destinations}
                                            | {t.country for t in rec.transfers if t.country}),
               server_countries=sorted(rec.server_countries),
               requests=rec.requests)


def _add_chain(g: Any, chain: Any) -> None:
    node = FlowGraph.node
    for child, parent in zip(chain, chain[1:]):
        g.add_edge(node("entity", child.id), node("entity", parent.id), kind="subsidiary_of")
    for ent in chain:
        g.add_node(node("entity", ent.id), kind="entity", name=ent.name, country=ent.country)
        g.add_node(node("jurisdiction", ent.country), kind="jurisdiction", code=ent.country)
        g.add_edge(node("entity", ent.id), node("jurisdiction", ent.country),
                   kind="incorporated_in")


def _add_identifier_links(g: Any, recipients: Iterable[Any]) -> None:
    """Recipient -> recipient edges (both ways) for a shared identifier (issue #4 data)."""
    node = FlowGraph.node
    for rec in recipients:
        for other in getattr(rec, "shared_identifiers", ()):
            if node("recipient", other) in g:
                g.add_edge(node("recipient", rec.id), node("recipient", other),
                           kind="shares_identifier")
                g.add_edge(node("recipient", other), node("recipient", rec.id),
                           kind="shares_identifier")


def build_graph(hosts: Mapping[str, HostStats | HostSummary], attribution: dict[str, Any],
                recipients: dict[str, Any]) -> FlowGraph:
    """The networkx graph of one assessment.

    ``attribution`` maps host -> HostMatch or None; ``recipients`` maps recipient id ->
    Recipient (already judged), so recipient nodes carry their verdicts.
    """
    import networkx as nx

    g: nx.DiGraph[str] = nx.DiGraph()
    node = FlowGraph.node
    for rid, rec in recipients.items():
        _add_recipient(g, rec)  # issue #8: countries and counts for the typed queries
        for h in rec.hosts:
            g.add_node(node("host", h), kind="host", name=h, recipient=rid)
            g.add_edge(node("host", h), node("recipient", rid), kind="part_of")
    for host, stats in sorted(hosts.items()):
        h = node("host", host)
        if h not in g:
            g.add_node(h, kind="host", name=host, recipient=None)
        if isinstance(stats, HostStats):
            stats = stats.summary()
        g.nodes[h]["flows"] = stats.flows
        g.nodes[h]["server_ips"] = list(stats.server_ips)
        for iri, flows in stats.category_flows:
            c = node("category", iri)
            g.add_node(c, kind="category", iri=iri)
            g.add_edge(c, h, kind="sent_to", flows=flows)
        match = attribution.get(host)
        if match is None:
            continue
        chain = match.chain
        g.add_edge(h, node("entity", chain[0].id), kind="operated_by", source=match.facts[0].source)
        _add_chain(g, chain)
        for dest in match.destinations:
            g.add_node(node("jurisdiction", dest.country), kind="jurisdiction", code=dest.country)
            g.add_edge(h, node("jurisdiction", dest.country), kind="processed_in",
                       entity=dest.entity, basis=dest.basis)
    _add_identifier_links(g, recipients.values())
    return FlowGraph(g)
