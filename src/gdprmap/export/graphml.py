"""The flow graph as GraphML (Gephi, yEd), from ``Assessment.graph``.

GraphML attributes must be scalars: ``FlowGraph.scalar()`` turns lists into comma-separated
strings and leaves missing values out. Nodes and edges are written in sorted order so the same assessment gives the same
bytes."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..models import Assessment


def to_graphml(assessment: Assessment) -> str:
    """The assessment's flow graph (categories, hosts, recipients, entities, jurisdictions)
    as a GraphML document with string attributes only."""
    import networkx as nx

    buffer = io.BytesIO()
    nx.write_graphml(assessment.graph.scalar(), buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue().decode("utf-8")
