"""Exports of an ``Assessment`` for other tools: RDF in W3C DPV terms (Turtle, JSON-LD),
GraphML of the flow graph (Gephi, yEd), and a notebook table.

Every export reads only the ``Assessment`` and is deterministic: the same assessment gives
byte-identical output (triples and nodes are written in sorted order).

>>> from gdprmap.export import to_turtle, to_graphml   # doctest: +SKIP
>>> to_turtle(assessment)[:40]                          # doctest: +SKIP
"""

from __future__ import annotations

from .graphml import to_graphml
from .rdf import assessment_to_rdf, to_jsonld, to_turtle

__all__ = ["assessment_to_rdf", "to_graphml", "to_jsonld", "to_turtle"]
