"""The flow graph: data categories -> hosts -> legal entities (with parents) -> jurisdictions.

Flows are folded into per-host statistics as they stream past (``HostStats``), so memory grows
with the number of hosts, not of requests. ``FlowGraph`` wraps a networkx DiGraph with stable
node ids (``category:<iri>``, ``host:<name>``, ``entity:<id>``, ``jurisdiction:<CC>``) and typed
queries; ``.nx`` is the raw graph for anything the queries do not cover.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .models import DataItem, Evidence, Flow

if TYPE_CHECKING:
    import networkx as nx

EVIDENCE_PER_CATEGORY = 5  # kept per host and category; counts cover every flow


@dataclass
class CategoryStats:
    flows: int = 0
    terms: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def add(self, item: DataItem, new_flow: bool) -> None:
        self.flows += new_flow
        if item.term and item.term not in self.terms:
            self.terms.append(item.term)
            if len(self.evidence) < EVIDENCE_PER_CATEGORY * 2:
                self.evidence.append(item.evidence)  # each distinct term keeps its proof
                return
        if new_flow and len(self.evidence) < EVIDENCE_PER_CATEGORY:
            self.evidence.append(item.evidence)


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

    def add(self, flow: Flow, items: Iterable[DataItem]) -> None:
        self.flows += 1
        self.inputs.add(flow.input)
        if flow.server_ip:
            self.server_ips.add(flow.server_ip)
        if self.first_seen is None or flow.started < self.first_seen:
            self.first_seen = flow.started
        if self.last_seen is None or flow.started > self.last_seen:
            self.last_seen = flow.started
        if len(self.sample) < EVIDENCE_PER_CATEGORY:
            self.sample.append(Evidence(input=flow.input, entry=flow.entry, field="request.url",
                                        excerpt=f"{flow.method} {flow.url}"[:300]))
        counted: set[str] = set()
        for item in items:
            stats = self.categories.setdefault(item.category, CategoryStats())
            stats.add(item, item.category not in counted)
            counted.add(item.category)


class FlowAggregator:
    """Folds a stream of classified flows into per-host statistics."""

    def __init__(self) -> None:
        self.hosts: dict[str, HostStats] = {}
        self.hostless = 0  # data:, blob: … requests that never left the browser

    def add(self, flow: Flow, items: Iterable[DataItem]) -> None:
        if flow.host is None:
            self.hostless += 1
            return
        stats = self.hosts.get(flow.host)
        if stats is None:
            stats = self.hosts[flow.host] = HostStats(flow.host)
        stats.add(flow, items)


class FlowGraph:
    """Typed queries over the networkx graph of an assessment."""

    def __init__(self, graph: nx.DiGraph) -> None:
        self.nx = graph

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


def build_graph(hosts: dict[str, HostStats], attribution: dict[str, Any],
                recipients: dict[str, Any]) -> FlowGraph:
    """The networkx graph of one assessment.

    ``attribution`` maps host -> HostMatch or None; ``recipients`` maps recipient id ->
    Recipient (already judged), so recipient nodes carry their verdicts.
    """
    import networkx as nx

    g = nx.DiGraph()
    node = FlowGraph.node
    for rid, rec in recipients.items():
        g.add_node(node("recipient", rid), kind="recipient", verdict=str(rec.verdict),
                   name=rec.organisation.name if rec.organisation else rid)
        for h in rec.hosts:
            g.add_node(node("host", h), kind="host", name=h, recipient=rid)
            g.add_edge(node("host", h), node("recipient", rid), kind="part_of")
    for host, stats in sorted(hosts.items()):
        h = node("host", host)
        if h not in g:
            g.add_node(h, kind="host", name=host, recipient=None)
        g.nodes[h]["flows"] = stats.flows
        g.nodes[h]["server_ips"] = sorted(stats.server_ips)
        for iri, cat in stats.categories.items():
            c = node("category", iri)
            g.add_node(c, kind="category", iri=iri)
            g.add_edge(c, h, kind="sent_to", flows=cat.flows)
        match = attribution.get(host)
        if match is None:
            continue
        chain = match.chain
        g.add_edge(h, node("entity", chain[0].id), kind="operated_by", source=match.facts[0].source)
        for child, parent in zip(chain, chain[1:]):
            g.add_edge(node("entity", child.id), node("entity", parent.id), kind="subsidiary_of")
        for ent in chain:
            g.add_node(node("entity", ent.id), kind="entity", name=ent.name, country=ent.country)
            g.add_node(node("jurisdiction", ent.country), kind="jurisdiction", code=ent.country)
            g.add_edge(node("entity", ent.id), node("jurisdiction", ent.country),
                       kind="incorporated_in")
        for dest in match.destinations:
            g.add_node(node("jurisdiction", dest.country), kind="jurisdiction", code=dest.country)
            g.add_edge(h, node("jurisdiction", dest.country), kind="processed_in",
                       entity=dest.entity, basis=dest.basis)
    return FlowGraph(g)
