"""The flow graph as GraphML (Gephi, yEd), from ``Assessment.graph``.

GraphML attributes must be scalars: lists become comma-separated strings and missing values
are left out. Nodes and edges are written in sorted order so the same assessment gives the same
bytes."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..models import Assessment


def _attrs(data: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in sorted(data.items()):
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            value = ", ".join(sorted(str(v) for v in value))
        out[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


def to_graphml(assessment: Assessment) -> str:
    """The assessment's flow graph (categories, hosts, recipients, entities, jurisdictions)
    as a GraphML document with string attributes only."""
    import networkx as nx

    source = assessment.graph.nx
    g: nx.DiGraph[str] = nx.DiGraph()
    for n in sorted(source.nodes):
        attrs = _attrs(source.nodes[n])
        attrs.setdefault("label", attrs.get("name") or attrs.get("code") or attrs.get("iri")
                         or str(n))
        g.add_node(n, **attrs)
    for u, v in sorted(source.edges):
        g.add_edge(u, v, **_attrs(source.edges[u, v]))
    buffer = io.BytesIO()
    nx.write_graphml(g, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue().decode("utf-8")
