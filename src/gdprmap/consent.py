"""Consent states of live captures in the assessment (issue #16).

The importers mark each flow of a live capture with the consent state it was made in
(``Flow.consent``). Here they become, per recipient, the sorted ``consent_states`` it received
requests in, and findings of the consent rules (``ontologies/consent.ttl``, queries in
``ontologies/rules/GM-CNS-*.rq``): requests **before any choice** and **after a refusal** to a
recipient not shown to be strictly necessary. The rules run over their own small graph (the
recipients' states and service categories) and add findings beside the Chapter V verdict; they
never decide or change a verdict. The top-level ``consent`` block summarises the states
captured, how each banner was found and answered, and the screenshots' SHA-256.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from . import catalogs
from .models import (
    CaptureInfo, Citation, ConsentPage, ConsentSummary, Evidence, Finding, Flow, Recipient,
    Severity, Step,
)

if TYPE_CHECKING:
    from .rules.engine import CitationRef

STATES = ("none", "accept", "reject")
STATE_IRI = {"none": "ConsentStateNone", "accept": "ConsentStateAccept",
             "reject": "ConsentStateReject"}
EVIDENCE_PER_STATE = 5
ONTOLOGY = "consent.ttl"

# The findings' sentences are the catalogs' `consent_finding:` keys (gdprmap/locale).


@dataclass
class _Seen:
    count: int = 0
    evidence: list[Evidence] = field(default_factory=list)


class ConsentTracker:
    """Per host and consent state: how many requests, and the first few as evidence."""

    def __init__(self) -> None:
        self.by_host: dict[str, dict[str, _Seen]] = {}

    def add(self, flow: Flow) -> None:
        if flow.consent is None or flow.host is None:
            return
        seen = self.by_host.setdefault(flow.host, {}).setdefault(flow.consent, _Seen())
        seen.count += 1
        if len(seen.evidence) < EVIDENCE_PER_STATE:
            seen.evidence.append(Evidence(input=flow.input, entry=flow.entry, field="request.url",
                                          time=flow.started, method=flow.method, url=flow.url,
                                          server_ip=flow.server_ip))

    def __bool__(self) -> bool:
        return bool(self.by_host)


@dataclass(frozen=True)
class ConsentRule:
    id: str
    state: str
    severity: str
    titles: dict[str, str]
    explanations: dict[str, str]
    citations: tuple[CitationRef, ...]  # labels by language
    query_text: str
    query: Any


@dataclass(frozen=True)
class ConsentRuleset:
    graph: Any
    rules: tuple[ConsentRule, ...]
    sha256: str


@lru_cache(maxsize=1)
def load_rules() -> ConsentRuleset:
    """``ontologies/consent.ttl`` and its queries, parsed once per process."""
    from rdflib import RDF, Graph, Literal, Namespace
    from rdflib.collection import Collection
    from rdflib.namespace import DCTERMS
    from rdflib.plugins.sparql import prepareQuery

    from .errors import OntologyError
    from .resources import bundled_dir
    from .rules.engine import citation_ref
    from .rules.namespaces import GM, PREFIXES

    gm = Namespace(GM)
    directory = bundled_dir("ontologies")
    digest = hashlib.sha256()
    path = directory / ONTOLOGY
    try:
        data = path.read_bytes()
        graph = Graph().parse(data=data, format="turtle")
    except Exception as e:  # rdflib raises many types for bad Turtle
        raise OntologyError(f"{path}: {e}") from e
    digest.update(data)
    rules = []
    for node in graph.subjects(RDF.type, gm.ConsentRule):
        def texts(pred: Any) -> dict[str, str]:
            return {o.language or "en": str(o) for o in graph.objects(node, pred)
                    if isinstance(o, Literal)}

        rule_id = str(graph.value(node, gm.ruleId))
        state_node = str(graph.value(node, gm.consentState)).rsplit("#", 1)[-1]
        state = next((s for s, iri in STATE_IRI.items() if iri == state_node), None)
        query_file = directory / str(graph.value(node, gm.query))
        if state is None:
            raise OntologyError(f"{path}: rule {rule_id}: unknown gm:consentState {state_node}")
        try:
            text = query_file.read_text(encoding="utf-8")
            prepared = prepareQuery(text, initNs=PREFIXES)
        except Exception as e:
            raise OntologyError(f"rule {rule_id}: {query_file}: {e}") from e
        digest.update(text.encode())
        citations = []
        cites = graph.value(node, gm.cites)
        if cites is None:
            raise OntologyError(f"{path}: rule {rule_id}: no gm:cites")
        for c in Collection(graph, cites):
            ref = citation_ref(graph, c)
            if ref is None:
                raise OntologyError(f"{path}: rule {rule_id}: citation {c} has no English label")
            citations.append(ref)
        rules.append(ConsentRule(
            id=rule_id, state=state, severity=str(graph.value(node, gm.severity)),
            titles=texts(DCTERMS.title), explanations=texts(gm.explanation),
            citations=tuple(citations), query_text=text, query=prepared))
    return ConsentRuleset(graph, tuple(sorted(rules, key=lambda r: r.id)), digest.hexdigest())


def _facts(ruleset: ConsentRuleset, states: dict[str, set[str]],
           categories: dict[str, str | None]) -> Any:
    from rdflib import RDF, Graph, Namespace, URIRef

    from .rules.namespaces import GM, PREFIXES
    from .rules.facts import recipient_iri

    gm, dpv = Namespace(GM), Namespace(PREFIXES["dpv"])
    g = Graph()
    g += ruleset.graph
    for rid, seen in states.items():
        r = URIRef(recipient_iri(rid))
        g.add((r, RDF.type, dpv.Recipient))
        for state in seen:
            g.add((r, gm.receivedInConsentState, gm[STATE_IRI[state]]))
        if categories.get(rid):
            g.add((r, gm.serviceCategory, gm[f"category-{categories[rid]}"]))
    return g


def apply(recipients: dict[str, Recipient], hosts_of: dict[str, list[str]],
          tracker: ConsentTracker, infos: list[CaptureInfo], lang: str) -> dict[str, Recipient]:
    """Each recipient with its ``consent_states`` and the consent rules' findings."""
    if not tracker:
        return recipients
    from .rules.facts import recipient_iri

    states: dict[str, set[str]] = {}
    for rid, hosts in hosts_of.items():
        seen = {s for h in hosts for s in tracker.by_host.get(h, {})}
        if seen:
            states[rid] = seen
    ruleset = load_rules()
    graph = _facts(ruleset, states, {rid: r.category for rid, r in recipients.items()})
    matched: dict[str, list[ConsentRule]] = {}
    for rule in ruleset.rules:
        for row in graph.query(rule.query):
            matched.setdefault(str(row.recipient), []).append(rule)
    pages = [p for info in infos for p in info.consent]
    out: dict[str, Recipient] = {}
    for rid, recipient in recipients.items():
        if rid not in states:
            out[rid] = recipient
            continue
        seen = states[rid]
        findings = [_finding(rule, recipient, hosts_of[rid], tracker, pages, lang)
                    for rule in matched.get(recipient_iri(rid), [])]
        out[rid] = recipient.model_copy(update={
            "consent_states": tuple(s for s in STATES if s in seen),
            "findings": (*recipient.findings, *findings),
        })
    return out


def _finding(rule: ConsentRule, recipient: Recipient, hosts: list[str],
             tracker: ConsentTracker, pages: list[ConsentPage], lang: str) -> Finding:
    say = catalogs.table(lang, "consent_finding")
    step = catalogs.table(lang, "step")  # sources and references, worded as in the findings
    seen = [tracker.by_host[h][rule.state] for h in hosts
            if rule.state in tracker.by_host.get(h, {})]
    count = sum(s.count for s in seen)
    evidence = sorted((e for s in seen for e in s.evidence),
                      key=lambda e: (e.time is None, e.time, e.entry))[:EVIDENCE_PER_STATE]
    state_label = _state_label(rule.state, lang)
    steps: list[Step] = []
    if evidence:
        first = evidence[0]
        hosts_hit = sorted({h for h in hosts if rule.state in tracker.by_host.get(h, {})})
        steps.append(Step(kind="fact", source=step["capture"],
                          reference=step["entry"].format(input=first.input, entry=first.entry),
                          text=say["requests"].format(
                              n=count, hosts=", ".join(hosts_hit[:5]), state=state_label,
                              time=first.time.isoformat() if first.time else "?",
                              input=first.input, entry=first.entry)))
    for page in pages:
        if page.state != rule.state and not (rule.state == "none" and page.outcome != "clicked"):
            continue
        steps.append(Step(kind="fact", source=step["capture"],
                          reference=page.screenshot, text=_banner_text(page, say, lang)))
    steps.append(Step(kind="fact", source=step["kb"],
                      text=say["category"].format(cat=recipient.category)
                      if recipient.category else say["no_category"]))
    title = rule.titles.get(lang) or rule.titles["en"]
    steps.append(Step(kind="rule", text=f"{rule.id}: {title}.",
                      source="; ".join(c.label_in(lang) for c in rule.citations),
                      reference=f"ontologies/{ONTOLOGY}"))
    steps.append(Step(kind="conclusion", text=say["verdict"].format(verdict=recipient.verdict)))
    explanation = (rule.explanations.get(lang) or rule.explanations["en"]).replace(
        "{n}", str(count))
    return Finding(rule=rule.id, title=title, severity=Severity(rule.severity), verdict=None,
                   citations=tuple(Citation(label=c.label_in(lang), iri=c.iri)
                                   for c in rule.citations), explanation=explanation,
                   evidence=tuple(evidence), steps=tuple(steps))


def _state_label(state: str, lang: str) -> str:
    return catalogs.text(lang, f"consent_state:{state}")


def _banner_text(page: ConsentPage, say: dict[str, str], lang: str) -> str:
    if page.outcome == "no-banner" or page.method is None:
        how = say["nobanner"]
    else:
        how = say["found"].format(method=page.method, cmp=page.cmp or "-")
        if page.action is not None:
            how += say["clicked"].format(text=page.action.text, css=page.action.css,
                                         time=page.action.time.isoformat()
                                         if page.action.time else "?")
        elif page.outcome == "no-control":
            how += say["nocontrol"]
    return say["banner"].format(state=page.state, how=how)


def summary(infos: list[CaptureInfo]) -> ConsentSummary | None:
    """The top-level ``consent`` block, or None when no input is a live capture."""
    pages = tuple(p for info in infos for p in info.consent)
    if not pages:
        return None
    ruleset = load_rules()
    states = tuple(s for s in STATES if any(p.state == s for p in pages))
    return ConsentSummary(states=states, pages=pages, rules=tuple(r.id for r in ruleset.rules),
                          rules_sha256=ruleset.sha256)
