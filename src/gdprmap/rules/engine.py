"""Load the ontology and the rules, bind the as-of date, run the SPARQL, collect the matches.

The legal logic lives in ``ontologies/``: this module only loads it, binds ``?asOf``, runs each
rule's query and reports which rules matched which candidate transfer or recipient, with the
variables each match bound. Verdict rules are tried in ascending priority; the first match
decides a candidate's verdict.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import OntologyError, UsageError
from ..resources import bundled_dir
from .namespaces import GM as GM  # re-exported: rules.engine.GM stays valid
from .namespaces import PREFIXES as PREFIXES

SCENARIOS_DIR = "scenarios"
DOCTRINES = {"exposure-is-risk": "ExposureIsRisk", "exposure-is-transfer": "ExposureIsTransfer"}
ONTOLOGY_FILES = ("gdprmap.ttl", "law.ttl", "jurisdictions.ttl", "rules.ttl")


@dataclass(frozen=True)
class CitationRef:
    label: str  # English: the JSON's and the CLI's form
    iri: str | None
    labels: tuple[tuple[str, str], ...] = ()  # (language, label) of the other languages

    def label_in(self, lang: str) -> str:
        """The label in ``lang`` (``rdfs:label "..."@de`` in the ontology), else English."""
        return dict(self.labels).get(lang, self.label)


def citation_ref(graph: Any, node: Any) -> CitationRef | None:
    """A citation node's labels by language and its ELI; None when it has no label."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDFS

    texts = {o.language or "en": str(o) for o in graph.objects(node, RDFS.label)
             if isinstance(o, Literal)}
    if "en" not in texts:
        return None
    eli = graph.value(node, URIRef(GM + "eli"))
    return CitationRef(texts.pop("en"), str(eli) if eli else None, tuple(sorted(texts.items())))


@dataclass(frozen=True)
class Rule:
    id: str
    priority: int
    subject: str  # "candidate" | "recipient"
    severity: str
    special_severity: str | None  # severity when special-category data are involved
    verdict: str | None
    titles: dict[str, str]
    explanations: dict[str, str]
    citations: tuple[CitationRef, ...]
    doctrine: str | None  # the rule applies only under this doctrine (IRI)
    query_file: str
    query_text: str
    query: Any  # prepared rdflib query


@dataclass(frozen=True)
class Match:
    rule: Rule
    subject: str  # candidate or recipient IRI
    bindings: dict[str, Any]


@dataclass
class Evaluation:
    """Rule matches in rule order, candidates a doctrine derived (derived -> origin IRI), and
    the graph they were evaluated on (ontology + scenario + facts), for labels and sources.

    Issue 17: recipients whose facts are identical (the same data categories, candidates with
    the same destination, chain, safeguards, server countries ...) are evaluated once, on one
    representative of their class: ``matches`` and ``derived`` name the representatives'
    candidates and recipients, and ``recipient_alias`` / ``candidate_alias`` map every other
    member's recipient id / candidate key to its representative's. ``for_recipient`` gives the
    substitution that turns a representative's matches into a member's."""

    matches: list[Match]
    derived: dict[str, str]
    graph: Any
    recipient_alias: dict[str, str] = field(default_factory=dict)
    candidate_alias: dict[str, str] = field(default_factory=dict)

    def deciding(self) -> dict[str, Match]:
        """Per candidate, the verdict rule that decides it: the first in priority order."""
        deciding: dict[str, Match] = {}
        for m in self.matches:
            if m.rule.verdict and m.rule.subject == "candidate":
                deciding.setdefault(m.subject, m)
        return deciding

    def for_recipient(self, rid: str, keys: Iterable[str]) -> Swap:
        """The renaming from a recipient's representative to the recipient (and its candidates
        ``keys``); the identity for a representative."""
        rep = self.recipient_alias.get(rid)
        if rep is None:
            return Swap(())
        from .facts import candidate_iri, recipient_iri

        pairs = [(recipient_iri(rep), recipient_iri(rid))]
        pairs += [(candidate_iri(self.candidate_alias.get(k, k)), candidate_iri(k)) for k in keys]
        return Swap(tuple(pairs))

    def expanded(self, candidates: list[Any], received: Iterable[str]) -> list[Match]:
        """Every match as if each recipient had been evaluated on its own (tests, tools)."""
        from .facts import candidate_iri, recipient_iri

        keys: dict[str, list[str]] = {}
        for c in candidates:
            keys.setdefault(c.recipient, []).append(c.key)
        by_subject: dict[str, list[Match]] = {}
        for m in self.matches:
            by_subject.setdefault(m.subject, []).append(m)
        out: list[Match] = []
        for rid in dict.fromkeys([*received, *keys]):
            swap = self.for_recipient(rid, keys.get(rid, ()))
            subjects = [recipient_iri(self.recipient_alias.get(rid, rid))]
            for k in keys.get(rid, ()):
                origin = candidate_iri(self.candidate_alias.get(k, k))
                subjects += [origin, *sorted(d for d, o in self.derived.items() if o == origin)]
            for subject in subjects:
                out += [swap.match(m) for m in by_subject.get(subject, ())]
        return out


@dataclass(frozen=True)
class Swap:
    """IRI renaming (representative -> member) applied to a match's subject and bindings: an
    IRI equal to a representative's, or extending it with ``/`` (a derived candidate's
    ``.../via-parent``), gets the member's instead."""

    pairs: tuple[tuple[str, str], ...]

    def iri(self, value: str) -> str:
        for rep, member in self.pairs:
            if value == rep or (value.startswith(rep) and value[len(rep)] == "/"):
                return member + value[len(rep):]
        return value

    def term(self, value: Any) -> Any:
        from rdflib import URIRef

        if isinstance(value, URIRef):
            renamed = self.iri(str(value))
            return value if renamed == str(value) else URIRef(renamed)
        return value

    def match(self, m: Match) -> Match:
        if not self.pairs:
            return m
        return Match(m.rule, self.iri(m.subject),
                     {k: self.term(v) for k, v in m.bindings.items()})

    def __bool__(self) -> bool:
        return bool(self.pairs)


@dataclass(frozen=True)
class LegalNode:
    """What the ontology says about a legal node a rule matched (instrument, period, regime)."""

    label: str
    valid_from: str | None
    valid_until: str | None
    eli: str | None
    sources: tuple[str, ...]


class Ruleset:
    """The ontology graph and the prepared rules, loaded once per process.

    The parsed graph and the prepared queries come from the user's cache folder when an entry
    for exactly these ontology files exists (``rules/cache.py``, issue #9); ``cache=False``
    parses everything afresh and neither reads nor writes it.

    The prepared queries are shared by every analysis of the process, and rdflib's evaluation of
    one prepared query from several threads at once mixes their rows (three analyses of one
    capture in threads - a Dask worker's - gave different reports in 5-9 of 30 rounds on a
    loaded machine). ``evaluate`` runs them one analysis at a time: the evaluation is pure
    Python under the GIL, so threads lose no parallelism by it."""

    def __init__(self, directory: Path, cache: bool = True) -> None:
        from rdflib import Graph

        from . import cache as parsed

        self.directory = directory
        self._evaluating = threading.Lock()
        sources: dict[str, bytes] = {}
        digest = hashlib.sha256()
        for name in ONTOLOGY_FILES:
            path = directory / name
            try:
                sources[name] = path.read_bytes()
            except OSError as e:
                raise OntologyError(f"{path}: cannot read: {e.strerror}") from e
            digest.update(sources[name])
        entry = parsed.cache_for(sources, PREFIXES) if cache else None
        hit = parsed.load(entry) if entry is not None else None
        self._prepared: dict[str, Any] = hit[1] if hit else {}
        self._used: set[str] = set()
        self._new_queries = 0
        if hit:
            self.graph = hit[0]
        else:
            self.graph = Graph()
            for name in ONTOLOGY_FILES:
                path = directory / name
                try:
                    self.graph.parse(path, format="turtle")
                except Exception as e:  # rdflib raises many types for bad Turtle
                    raise OntologyError(f"{path}: {e}") from e
        self.rules = self._load_rules()
        self.derivations = self._load_derivations(digest)
        for rule in self.rules:
            digest.update(rule.query_text.encode())
        self.sha256 = digest.hexdigest()
        if entry is not None and (hit is None or self._new_queries):
            parsed.store(entry, self.graph, {t: self._prepared[t] for t in self._used})

    def _load_rules(self) -> list[Rule]:
        from rdflib import RDF, Literal, Namespace, URIRef
        from rdflib.collection import Collection
        from rdflib.namespace import DCTERMS

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
                ref = citation_ref(g, c)
                if ref is None:
                    raise OntologyError(f"rule {rule_id}: citation {c} has no English label")
                citations.append(ref)
            query_file = str(one(gm.query))
            text, prepared = self._query(f"rule {rule_id}", query_file)
            verdict = g.value(node, gm.verdict)
            special = g.value(node, gm.severityWithSpecialCategory)
            only = g.value(node, gm.doctrine)
            rules.append(Rule(
                id=rule_id,
                priority=int(one(gm.priority)),
                subject=str(one(gm.subject)),
                severity=str(one(gm.severity)),
                special_severity=str(special) if special else None,
                verdict=str(verdict) if verdict else None,
                titles=by_lang(DCTERMS.title),
                explanations=by_lang(gm.explanation),
                citations=tuple(citations),
                doctrine=str(only) if only else None,
                query_file=query_file,
                query_text=text,
                query=prepared,
            ))
        return sorted(rules, key=lambda r: (r.priority, r.id))

    def _query(self, owner: str, file: str) -> tuple[str, Any]:
        """A SPARQL file of the ontology folder, read and prepared; errors name its owner."""
        from rdflib.plugins.sparql import prepareQuery

        path = self.directory / file
        try:
            text = path.read_text(encoding="utf-8")
            self._used.add(text)
            if text in self._prepared:
                return text, self._prepared[text]
            prepared = self._prepared[text] = prepareQuery(text, initNs=PREFIXES)
            self._new_queries += 1
            return text, prepared
        except OSError as e:
            raise OntologyError(f"{owner}: cannot read {path}") from e
        except Exception as e:  # rdflib raises pyparsing errors of many types
            raise OntologyError(f"{owner}: {path}: invalid SPARQL: {e}") from e

    def _load_derivations(self, digest: Any) -> list[tuple[str | None, Any]]:
        """(doctrine IRI or None, prepared CONSTRUCT) in priority order, run before the rules."""
        from rdflib import RDF, URIRef

        def gm(name: str) -> URIRef:
            return URIRef(GM + name)

        found = []
        for node in self.graph.subjects(RDF.type, gm("Derivation")):
            file, priority = self.graph.value(node, gm("query")), self.graph.value(node, gm("priority"))
            if file is None or priority is None:
                raise OntologyError(f"derivation {node}: needs gm:query and gm:priority")
            doctrine = self.graph.value(node, gm("doctrine"))
            text, prepared = self._query(f"derivation {node}", str(file))
            digest.update(text.encode())
            found.append((int(str(priority)), str(node), str(doctrine) if doctrine else None, prepared))
        return [(doctrine, q) for _, _, doctrine, q in sorted(found)]

    def describe(self, graph: Any, node: Any, lang: str) -> LegalNode:
        """Label, validity dates, ELI and cited sources of a legal node."""
        from rdflib import URIRef
        from rdflib.namespace import DCTERMS

        ref = URIRef(str(node))

        def gm(name: str) -> URIRef:
            return URIRef(GM + name)

        def first(*preds: URIRef) -> str | None:
            for p in preds:
                value = graph.value(ref, p)
                if value is not None:
                    return str(value)
            return None

        sources = tuple(self.label(graph, s, lang) for s in graph.objects(ref, DCTERMS.source))
        return LegalNode(
            label=self.label(graph, ref, lang),
            valid_from=first(gm("inForceFrom"), gm("from")),
            valid_until=first(gm("inForceUntil"), gm("until")),
            eli=first(gm("eli")),
            sources=tuple(sorted(sources)),
        )

    def citations_of(self, graph: Any, node: Any) -> tuple[CitationRef, ...]:
        """The citations a legal node brings to a finding (issue 13): the provision giving an
        instrument its effect (Art. 45(3), Art. 45(9), a treaty article), the instrument itself,
        and the sources of a regime or period - so that every finding cites the legal basis of
        the decision it relied on, not a generic list."""
        from rdflib import URIRef
        from rdflib.namespace import DCTERMS

        ref = URIRef(str(node))
        found: list[CitationRef] = []
        for pred in (URIRef(GM + "legalBasis"), URIRef(GM + "decisionCitation"), DCTERMS.source):
            for cit in sorted(graph.objects(ref, pred), key=str):
                found_ref = citation_ref(graph, cit)
                if found_ref is not None:
                    found.append(found_ref)
        return tuple(dict.fromkeys(found))

    def safeguard_iris(self, register_type: str) -> list[str]:
        """The transfer tools and measures a declared register's safeguard type stands for."""
        from rdflib import Literal, URIRef

        return sorted(str(s) for s in self.graph.subjects(URIRef(GM + "registerType"),
                                                         Literal(register_type)))

    def law_figures(self) -> tuple[int, str | None]:
        """The number of instruments in force at some date, and the latest date (up to today)
        any legal instrument or period in the ontology starts or ends."""
        from rdflib import URIRef

        dates = [str(o) for p in ("inForceFrom", "inForceUntil", "from", "until")
                 for o in self.graph.objects(None, URIRef(GM + p))]
        instruments = len(set(self.graph.subjects(URIRef(GM + "inForceFrom"), None)))
        latest = max((d for d in dates if d <= dt.date.today().isoformat()), default=None)
        return instruments, latest

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

    def evaluate(self, candidates: list[Any], received: dict[str, set[str]], as_of: dt.date,
                 scenario: str | None = None, scenario_file: Path | None = None,
                 doctrine: str = "exposure-is-risk", group: bool = True) -> Evaluation:
        """Every rule match over ontology + scenario + the candidates' facts, in rule order.

        ``received`` maps recipient id -> DPV personal-data IRIs it receives. The facts are
        written straight into a copy of the (small) ontology graph: copying the ontology is
        cheap, copying thousands of fact triples is not. With ``group`` (issue 17), recipients
        with identical facts are evaluated once (see ``Evaluation``): a capture of 64,000
        unknown hosts is one class, not 64,000 SPARQL subjects. ``group=False`` evaluates every
        recipient (the tests compare both)."""
        from .facts import to_rdf

        from rdflib import XSD, Literal, URIRef

        if doctrine not in DOCTRINES:
            raise UsageError(f"unknown doctrine {doctrine!r} (known: {', '.join(DOCTRINES)})")
        recipient_alias: dict[str, str] = {}
        candidate_alias: dict[str, str] = {}
        if group:
            candidates, received, recipient_alias, candidate_alias = _classes(candidates,
                                                                              received)
        graph = self.scenario_graph(scenario, scenario_file)
        to_rdf(candidates, received, into=graph)
        doctrine_iri = URIRef(GM + DOCTRINES[doctrine])
        bindings_in = {"asOf": Literal(as_of.isoformat(), datatype=XSD.date),
                       "doctrine": doctrine_iri}
        with self._evaluating:  # the prepared queries are shared (see the class)
            for only, query in self.derivations:
                if only is None or only == str(doctrine_iri):
                    for triple in list(graph.query(query, initBindings=bindings_in)):
                        graph.add(triple)
            derived = {str(d): str(o)
                       for d, o in graph.subject_objects(URIRef(GM + "derivedFrom"))}
            matches = []
            for rule in self.rules:
                if rule.doctrine and rule.doctrine != str(doctrine_iri):
                    continue
                # rdflib yields rows in an order that follows str hashing (salted per
                # process): sorted, a rule with several rows for one candidate (e.g.
                # GM-UNK-03's server countries) explains the same one in every run
                rows = sorted(graph.query(rule.query, initBindings=bindings_in),
                              key=lambda r: tuple(str(v) for v in r))
                for row in rows:
                    bindings = {str(k): v for k, v in row.asdict().items()}
                    subject = bindings.get("cand") if rule.subject == "candidate" else \
                        bindings.get("recipient")
                    if subject is None:
                        raise OntologyError(f"rule {rule.id}: query binds no ?cand/?recipient")
                    matches.append(Match(rule, str(subject), bindings))
        return Evaluation(matches, derived, graph, recipient_alias, candidate_alias)

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


def _classes(candidates: list[Any], received: dict[str, set[str]],
             ) -> tuple[list[Any], dict[str, set[str]], dict[str, str], dict[str, str]]:
    """Issue 17: one representative per class of recipients with identical facts.

    A recipient's facts are what ``to_rdf`` writes about it and its candidates, less the names:
    whether it is a recipient with data, the data categories, and the multiset of its
    candidates with key and recipient blanked (destination, chain, safeguards, server countries,
    ...). Every rule reads a star of triples around one candidate or recipient, plus the
    ontology and entity facts, which members of a class share; so a member's matches are its
    representative's, renamed. Returns the representatives' candidates and received data, and
    the member -> representative maps of recipient ids and candidate keys."""
    from collections import Counter

    by_recipient: dict[str, list[Any]] = {}
    for c in candidates:
        by_recipient.setdefault(c.recipient, []).append(c)
    reps: dict[Any, str] = {}
    recipient_alias: dict[str, str] = {}
    candidate_alias: dict[str, str] = {}
    rep_keys: dict[str, dict[Any, str]] = {}
    for rid in dict.fromkeys([*received, *by_recipient]):
        own = by_recipient.get(rid, [])
        blanked = [replace(c, key="", recipient="") for c in own]
        data = received.get(rid)
        signature = (data is not None, frozenset(data or ()),
                     frozenset(Counter(blanked).items()))
        rep = reps.setdefault(signature, rid)
        if rep == rid:
            continue
        recipient_alias[rid] = rep
        if rep not in rep_keys:
            rep_keys[rep] = {replace(c, key="", recipient=""): c.key
                             for c in by_recipient.get(rep, [])}
        for c, b in zip(own, blanked):
            candidate_alias[c.key] = rep_keys[rep][b]
    kept = set(reps.values())
    return ([c for c in candidates if c.recipient in kept],
            {rid: data for rid, data in received.items() if rid in kept},
            recipient_alias, candidate_alias)


@lru_cache(maxsize=4)
def load_ruleset(directory: str | None = None, cache: bool = True) -> Ruleset:
    """The ruleset of ``directory`` (default: the bundled ontology), once per process."""
    return Ruleset(Path(directory) if directory else bundled_dir("ontologies"), cache)
