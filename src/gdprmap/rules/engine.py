"""Load the ontology and the rules, bind the as-of date, run the SPARQL, collect the matches.

The legal logic lives in ``ontologies/``: this module only loads it, binds ``?asOf``, runs each
rule's query and reports which rules matched which candidate transfer or recipient, with the
variables each match bound. Verdict rules are tried in ascending priority; the first match
decides a candidate's verdict.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import OntologyError, UsageError
from ..resources import bundled_dir

GM = "https://w3id.org/gdprmap/ns#"
SCENARIOS_DIR = "scenarios"
ONTOLOGY_FILES = ("gdprmap.ttl", "law.ttl", "jurisdictions.ttl", "rules.ttl")
PREFIXES = {
    "gm": GM,
    "gml": "https://w3id.org/gdprmap/law#",
    "gmc": "https://w3id.org/gdprmap/citation#",
    "dpv": "https://w3id.org/dpv#",
    "pd": "https://w3id.org/dpv/pd#",
    "loc": "https://w3id.org/dpv/loc#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dct": "http://purl.org/dc/terms/",
}


@dataclass(frozen=True)
class CitationRef:
    label: str
    iri: str | None


@dataclass(frozen=True)
class Rule:
    id: str
    priority: int
    subject: str  # "candidate" | "recipient"
    severity: str
    verdict: str | None
    titles: dict[str, str]
    explanations: dict[str, str]
    citations: tuple[CitationRef, ...]
    query_file: str
    query_text: str
    query: Any  # prepared rdflib query


@dataclass(frozen=True)
class Match:
    rule: Rule
    subject: str  # candidate or recipient IRI
    bindings: dict[str, Any]


class Ruleset:
    """The ontology graph and the prepared rules, loaded once per process."""

    def __init__(self, directory: Path) -> None:
        from rdflib import Graph

        self.directory = directory
        self.graph = Graph()
        digest = hashlib.sha256()
        for name in ONTOLOGY_FILES:
            path = directory / name
            digest.update(path.read_bytes())
            try:
                self.graph.parse(path, format="turtle")
            except Exception as e:  # rdflib raises many types for bad Turtle
                raise OntologyError(f"{path}: {e}") from e
        self.rules = self._load_rules()
        for rule in self.rules:
            digest.update(rule.query_text.encode())
        self.sha256 = digest.hexdigest()

    def _load_rules(self) -> list[Rule]:
        from rdflib import RDF, Literal, Namespace, URIRef
        from rdflib.collection import Collection
        from rdflib.namespace import DCTERMS, RDFS
        from rdflib.plugins.sparql import prepareQuery

        gm = Namespace(GM)
        g = self.graph
        rules = []
        for node in g.subjects(RDF.type, gm.Rule):
            def one(pred: URIRef) -> Any:
                value = g.value(node, pred)
                if value is None:
                    raise OntologyError(f"rule {node}: missing {pred}")
                return value

            def by_lang(pred: URIRef) -> dict[str, str]:
                return {o.language or "en": str(o) for o in g.objects(node, pred)
                        if isinstance(o, Literal)}

            rule_id = str(one(gm.ruleId))
            citations = []
            for c in Collection(g, one(gm.cites)):
                label = g.value(c, RDFS.label)
                if label is None:
                    raise OntologyError(f"rule {rule_id}: citation {c} has no label")
                eli = g.value(c, gm.eli)
                citations.append(CitationRef(str(label), str(eli) if eli else None))
            query_file = str(one(gm.query))
            path = self.directory / query_file
            try:
                text = path.read_text(encoding="utf-8")
                prepared = prepareQuery(text, initNs=PREFIXES)
            except OSError as e:
                raise OntologyError(f"rule {rule_id}: cannot read {path}") from e
            except Exception as e:
                raise OntologyError(f"rule {rule_id}: {path}: invalid SPARQL: {e}") from e
            verdict = g.value(node, gm.verdict)
            rules.append(Rule(
                id=rule_id,
                priority=int(one(gm.priority)),
                subject=str(one(gm.subject)),
                severity=str(one(gm.severity)),
                verdict=str(verdict) if verdict else None,
                titles=by_lang(DCTERMS.title),
                explanations=by_lang(gm.explanation),
                citations=tuple(citations),
                query_file=query_file,
                query_text=text,
                query=prepared,
            ))
        return sorted(rules, key=lambda r: (r.priority, r.id))

    def scenarios(self) -> list[str]:
        return sorted(p.stem for p in (self.directory / SCENARIOS_DIR).glob("*.ttl"))

    def scenario_graph(self, scenario: str | None, extra: Path | None = None) -> Any:
        """The ontology plus a scenario overlay (a bundled id, or a user's Turtle file)."""
        from rdflib import Graph

        g = Graph()
        g += self.graph
        if scenario:
            path = self.directory / SCENARIOS_DIR / f"{scenario}.ttl"
            if not path.is_file():
                known = ", ".join(self.scenarios())
                raise UsageError(f"unknown scenario {scenario!r} (known: {known})")
            g.parse(path, format="turtle")
        if extra:
            try:
                g.parse(extra, format="turtle")
            except Exception as e:
                raise UsageError(f"{extra}: not a valid Turtle scenario file: {e}") from e
        return g

    def evaluate(self, facts: Any, as_of: dt.date, scenario: str | None = None,
                 scenario_file: Path | None = None) -> list[Match]:
        """Every rule match over ontology + scenario + facts, in rule order."""
        from rdflib import Literal, XSD

        graph = self.scenario_graph(scenario, scenario_file)
        graph += facts
        matches = []
        for rule in self.rules:
            for row in graph.query(rule.query, initBindings={
                "asOf": Literal(as_of.isoformat(), datatype=XSD.date)
            }):
                bindings = {str(k): v for k, v in row.asdict().items()}
                subject = bindings.get("cand") if rule.subject == "candidate" else bindings.get(
                    "recipient")
                if subject is None:
                    raise OntologyError(f"rule {rule.id}: query binds no ?cand/?recipient")
                matches.append(Match(rule, str(subject), bindings))
        return matches

    def label(self, graph: Any, node: Any, lang: str) -> str:
        """A human label for an IRI in the ontology or facts."""
        from rdflib import Literal, URIRef
        from rdflib.namespace import DCTERMS, RDFS

        if isinstance(node, Literal):
            return str(node)
        labels = [o for p in (RDFS.label, DCTERMS.title) for o in graph.objects(URIRef(node), p)]
        for wanted in (lang, "en", None):
            for o in labels:
                if getattr(o, "language", None) == wanted:
                    return str(o)
        return str(labels[0]) if labels else str(node).rsplit("#", 1)[-1]


def deciding_matches(matches: list[Match]) -> dict[str, Match]:
    """Per candidate, the verdict rule that decides it: the first in priority order."""
    deciding: dict[str, Match] = {}
    for m in matches:  # already in rule priority order
        if m.rule.verdict and m.rule.subject == "candidate":
            deciding.setdefault(m.subject, m)
    return deciding


@lru_cache(maxsize=4)
def load_ruleset(directory: str | None = None) -> Ruleset:
    return Ruleset(Path(directory) if directory else bundled_dir("ontologies"))
