"""Turn rule matches into verdicts and findings, each with its explanation chain.

A recipient's verdict is the most serious verdict among its candidate transfers (including those
a doctrine derived). Every verdict finding carries the steps that produced it - the observed
facts, the attribution facts with their sources, the legal facts with their ELI, the rule and
its citations, and the conclusion - so that it can be used verbatim in a complaint annex.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .. import catalogs, vocab
from ..enrich.kb import HostMatch
from ..models import Citation, DataCategory, Evidence, Finding, Severity, Step, Transfer, Verdict
from .engine import Evaluation, Match, Ruleset
from .facts import Candidate, candidate_iri, entity_iri, recipient_iri

LEGAL_VARIABLES = ("instrument", "period", "regime", "tool", "measure")
LOC = "https://w3id.org/dpv/loc#"
PRIVACY_SHIELD = "https://w3id.org/gdprmap/law#US-PS"  # the instrument in ontologies/law.ttl

# The sentences of an explanation chain are the catalogs' `step:` keys (gdprmap/locale).


@dataclass
class RecipientCase:
    """Everything the findings of one recipient may cite."""

    id: str
    candidates: list[Candidate]
    matches: list[HostMatch]  # knowledge-base attribution of its hosts
    data: list[DataCategory]
    sample: list[Evidence]  # the first requests, as evidence for verdicts

    @property
    def special(self) -> bool:
        return any(d.special for d in self.data)


@dataclass
class Judge:
    ruleset: Ruleset
    evaluation: Evaluation
    lang: str
    as_of: dt.date

    def __post_init__(self) -> None:
        self._by_subject: dict[str, list[Match]] = {}
        for m in self.evaluation.matches:
            self._by_subject.setdefault(m.subject, []).append(m)
        self._deciding = self.evaluation.deciding()
        self._derived_by_origin: dict[str, list[str]] = {}
        for derived, origin in self.evaluation.derived.items():
            self._derived_by_origin.setdefault(origin, []).append(derived)
        self._parts: dict[Any, Any] = {}
        self._citations: dict[tuple[str, tuple[str, ...]], tuple[Citation, ...]] = {}

    def judge(self, case: RecipientCase) -> tuple[Verdict, list[Transfer], list[Finding]]:
        evaluation = self.evaluation
        # issue 17: a recipient evaluated through its class's representative gets the
        # representative's matches, renamed to its own candidates and recipient
        swap = evaluation.for_recipient(case.id, [c.key for c in case.candidates])
        names = {entity_iri(e.id): e.name for c in case.candidates for e in c.chain}
        findings: list[Finding] = []
        transfers: list[Transfer] = []
        for cand in case.candidates:
            rep_origin = candidate_iri(evaluation.candidate_alias.get(cand.key, cand.key))
            for rep_subject in (rep_origin, *sorted(self._derived_by_origin.get(rep_origin, []))):
                rep_deciding = self._deciding.get(rep_subject)
                deciding = swap.match(rep_deciding) if rep_deciding else None
                derived = rep_subject != rep_origin
                receiver = cand.chain[-1] if derived else (cand.chain[0] if cand.chain else None)
                transfers.append(self._shared(Transfer(
                    country=receiver.country if derived and receiver else cand.destination,
                    entity=receiver.id if receiver else None,
                    entity_name=receiver.name if receiver else None,
                    verdict=Verdict(deciding.rule.verdict) if deciding and deciding.rule.verdict
                    else Verdict.UNKNOWN,  # a deciding rule always has a verdict
                    rule=deciding.rule.id if deciding else None,
                    derived=derived,
                )))
                labels = names if not derived else _through_control(names, cand, self.lang)
                for rep_m in self._by_subject.get(rep_subject, []):
                    if rep_m.rule.verdict and rep_m is not rep_deciding:
                        continue  # superseded by a verdict rule of higher priority
                    m = deciding if rep_m is rep_deciding else swap.match(rep_m)
                    assert m is not None
                    steps = self._steps(m, cand, case, names) if rep_m is rep_deciding else ()
                    findings.append(self._finding(m, case, labels if m.rule.verdict else names,
                                                  case.sample, steps))
        rep_recipient = recipient_iri(evaluation.recipient_alias.get(case.id, case.id))
        evidence_of = {d.iri: d.evidence for d in case.data}
        for m in _merge_categories([swap.match(m)
                                    for m in self._by_subject.get(rep_recipient, [])]):
            ev = list(dict.fromkeys(  # one request can prove several categories: once each
                e for iri in m.bindings["category"] for e in evidence_of.get(iri, ())[:2]))
            findings.append(self._finding(m, case, names, ev, ()))
        worst = max((t.verdict for t in transfers), key=lambda v: v.rank, default=Verdict.UNKNOWN)
        return worst, list(dict.fromkeys(transfers)), list(dict.fromkeys(findings))

    def _shared(self, value: Any) -> Any:
        """One instance of each equal immutable part (issue 17: 64,000 unknown recipients
        hold the same transfers, citations, rule and law steps and explanations)."""
        return self._parts.setdefault(value, value)

    @cached_property
    def _privacy_shield_in_force(self) -> bool:
        """Whether the as-of date falls in the Privacy Shield's period (the ontology's dates):
        an entity's status under it is a fact worth stating only then."""
        law = self.ruleset.describe(self.ruleset.graph, PRIVACY_SHIELD, self.lang)
        day = str(self.as_of)[:10]
        return bool(law.valid_from and law.valid_until and
                    law.valid_from <= day <= law.valid_until)

    def _date(self, value: dt.date | str) -> str:
        """A date inside a sentence: ISO in English, written out in other languages."""
        return catalogs.date(value, self.lang, "date_text")

    def _country(self, code: str) -> str:
        return self.ruleset.label(self.evaluation.graph, LOC + code, self.lang)

    # -- findings ---------------------------------------------------------------------------
    def _values(self, m: Match, names: dict[str, str]) -> dict[str, str]:
        values: dict[str, str] = {"asOf": self._date(self.as_of)}
        graph = self.evaluation.graph
        for key, value in m.bindings.items():
            if key == "category" and isinstance(value, list):
                values[key] = ", ".join(vocab.label(i, self.lang) for i in value)
            elif str(value) in names:
                values[key] = names[str(value)]
            else:
                values[key] = self.ruleset.label(graph, value, self.lang)
        return values

    def _finding(self, m: Match, case: RecipientCase, names: dict[str, str],
                 evidence: list[Evidence], steps: tuple[Step, ...]) -> Finding:
        rule = m.rule
        template = rule.explanations.get(self.lang) or rule.explanations["en"]
        severity = rule.special_severity if case.special and rule.special_severity else None
        severity = severity or rule.severity
        legal = (rule.id, tuple(str(m.bindings.get(var)) for var in LEGAL_VARIABLES))
        citations = self._citations.get(legal)
        if citations is None:
            cited = list(rule.citations)
            for var in LEGAL_VARIABLES:  # the legal basis of the instrument/regime relied on
                node = m.bindings.get(var)
                if node is not None:
                    cited += self.ruleset.citations_of(self.evaluation.graph, node)
            citations = self._citations[legal] = tuple(
                Citation(label=c.label_in(self.lang), iri=c.iri) for c in dict.fromkeys(cited))
        return Finding(
            rule=rule.id,
            title=rule.titles.get(self.lang) or rule.titles["en"],
            severity=Severity(severity),
            verdict=Verdict(rule.verdict) if rule.verdict else None,
            citations=citations,
            explanation=self._shared(template.format_map(_Missing(
                self._values(m, names), catalogs.text(self.lang, "step:missing")))),
            evidence=tuple(evidence),
            steps=steps,
        )

    def _steps(self, m: Match, cand: Candidate, case: RecipientCase,
               names: dict[str, str]) -> tuple[Step, ...]:
        steps: list[Step] = []
        first = case.sample[0] if case.sample else None
        cats = ", ".join(d.label for d in case.data) or "-"
        requests = sum(d.flows for d in case.data if d.iri == vocab.IP_ADDRESS.iri)
        say = catalogs.table(self.lang, "step")
        steps.append(Step(kind="fact", text=self._shared(say["observed"].format(n=requests,
                                                                                cats=cats)),
                          source=say["capture"],
                          reference=say["entry"].format(input=first.input, entry=first.entry)
                          if first else None))
        for match in _unique_services(case.matches):
            svc = match.service
            steps.append(Step(kind="fact", text=say["service"].format(
                domains=", ".join(svc.domains[:3]), service=svc.name,
                operator=match.chain[0].name),
                source=say["kb_service"].format(id=svc.id), reference=svc.sources[0]))
        for ent in cand.chain:
            text = say["entity"].format(name=ent.name, country=self._country(ent.country))
            if ent.parent:
                parent = names.get(entity_iri(ent.parent), ent.parent).rstrip(".")
                text += say["parent"].format(parent=parent)
            if ent.dpf != "unknown" or ent.country == "US":
                # the JSON keeps the List's token; the sentence words it (step:dpf_<token>)
                status = say.get("dpf_" + ent.dpf, ent.dpf)
                if ent.dpf_basis:
                    # a status judged for the as-of date says that date and why: "not-listed,
                    # checked 2025-11-05" of a 2020 capture would read as "not on the List"
                    text += say["dpf_on"].format(
                        date=self._date(self.as_of), status=status,
                        basis=catalogs.reason(ent.dpf_basis.rstrip("."), self.lang, "dpf"))
                else:
                    text += say["dpf"].format(status=status)
                    if ent.dpf_checked:
                        text += say["checked"].format(date=self._date(ent.dpf_checked))
            if ent.privacy_shield_basis and self._privacy_shield_in_force:
                text += say["ps_on"].format(
                    date=self._date(self.as_of),
                    status=say.get("ps_" + ent.privacy_shield, ent.privacy_shield),
                    basis=catalogs.reason(ent.privacy_shield_basis.rstrip("."), self.lang,
                                          "ps"))
            steps.append(Step(kind="fact", text=text + ".",
                              source=say["kb_entity"].format(id=ent.id),
                              reference=ent.sources[0] if ent.sources else None))
        if cand.destination and not (cand.chain and cand.destination == cand.chain[0].country):
            steps.append(Step(kind="fact", text=say["received"].format(
                country=self._country(cand.destination),
                basis=catalogs.reason(cand.basis.rstrip("."), self.lang, "basis")),
                source=say["kb"]))
        graph = self.evaluation.graph
        for var in LEGAL_VARIABLES:
            node = m.bindings.get(var)
            if node is None:
                continue
            legal = self.ruleset.describe(graph, node, self.lang)
            period = ""
            if legal.valid_from:
                period = say["from"].format(start=self._date(legal.valid_from)) + (
                    say["to"].format(end=self._date(legal.valid_until))
                    if legal.valid_until else ")")
            steps.append(Step(kind="law", text=f"{legal.label}{period}.",
                              source="; ".join(legal.sources) or None, reference=legal.eli))
        title = m.rule.titles.get(self.lang) or m.rule.titles["en"]
        steps.append(Step(kind="rule", text=f"{m.rule.id}: {title}.",
                          source="; ".join(c.label_in(self.lang) for c in m.rule.citations),
                          reference=f"ontologies/{m.rule.query_file}"))
        steps.append(Step(kind="conclusion", text=say["verdict"].format(
            date=self._date(self.as_of), verdict=m.rule.verdict)))
        return tuple(self._shared(step) for step in steps)


def _through_control(names: dict[str, str], cand: Candidate, lang: str) -> dict[str, str]:
    """Labels for a candidate a doctrine derived: the parent receives 'through its control'."""
    top, receiver = cand.chain[-1], cand.chain[0]
    say = catalogs.table(lang, "step")
    label = say["through"].format(parent=top.name, receiver=receiver.name)
    return {**names, entity_iri(top.id): label}


def _unique_services(matches: list[HostMatch]) -> list[HostMatch]:
    seen: dict[str, HostMatch] = {}
    for match in matches:
        seen.setdefault(match.service.id, match)
    return list(seen.values())


def _merge_categories(matches: list[Match]) -> list[Match]:
    """Recipient rules bind one row per category: one match per rule, categories as a list."""
    merged: dict[str, Match] = {}
    for m in matches:
        cat = str(m.bindings.get("category"))
        if m.rule.id in merged:
            merged[m.rule.id].bindings["category"].append(cat)
        else:
            merged[m.rule.id] = Match(m.rule, m.subject, {**m.bindings, "category": [cat]})
    # SPARQL rows come in hash order: the report order keeps runs byte-identical (issue #8)
    order = {iri: i for i, iri in enumerate(vocab.CATEGORIES)}
    for m in merged.values():
        m.bindings["category"].sort(key=lambda iri: (order.get(iri, len(order)), iri))
    return list(merged.values())


class _Missing(dict):  # type: ignore[type-arg]
    """Template values; a placeholder the rule did not bind reads as 'not established'
    (``step:missing`` in the report's language)."""

    def __init__(self, values: dict[str, str], missing: str) -> None:
        super().__init__(values)
        self.missing = missing

    def __missing__(self, key: str) -> str:
        return self.missing


__all__ = ["Judge", "RecipientCase"]
