"""The pipeline: captures -> flows -> data items -> hosts -> recipients -> rules -> Assessment.

One direction, no back and forth: importers stream flows, classification names their data,
the aggregator folds them per host, the knowledge base attributes hosts to legal entities,
candidates go to the rules as RDF, and the matches become verdicts and findings.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__, vocab
from .classify import classify
from .enrich.domains import registrable_domain
from .enrich.kb import HostMatch, KnowledgeBase
from .errors import UsageError
from .graph import FlowAggregator, HostStats, build_graph
from .importers import open_capture
from .models import (
    Assessment, CaptureInfo, Citation, DataCategory, Evidence, Finding, Generator,
    KnowledgeInfo, Organisation, Recipient, Severity, Verdict,
)
from .rules.engine import Match, Ruleset, deciding_matches, load_ruleset
from .rules.facts import Candidate, candidate_iri, recipient_iri, to_rdf

GDPR_APPLIES_FROM = dt.date(2018, 5, 25)
DOCTRINE = "exposure-is-risk"
EEA = frozenset("AT BE BG HR CY CZ DK EE FI FR DE GR IE IT LV LT LU MT NL PL PT RO SK SI ES SE "
                "IS LI NO".split())
LANGS = ("en", "fr")


@dataclass(frozen=True)
class Options:
    as_of: dt.date | None = None
    scenario: str | None = None
    scenario_file: Path | None = None
    lang: str = "en"
    controller: str | None = None
    first_party: tuple[str, ...] = ()
    kb_overrides: tuple[Path, ...] = ()
    command: tuple[str, ...] = ()


@dataclass
class _Group:
    """Hosts of one recipient while they are being gathered."""

    id: str
    hosts: list[str] = field(default_factory=list)
    matches: list[HostMatch] = field(default_factory=list)


def analyze(paths: list[Path], options: Options = Options()) -> Assessment:
    if not paths:
        raise UsageError("no capture given")
    if options.lang not in LANGS:
        raise UsageError(f"unknown language {options.lang!r} (known: {', '.join(LANGS)})")
    ruleset = load_ruleset()
    if options.scenario and options.scenario not in ruleset.scenarios():
        raise UsageError(f"unknown scenario {options.scenario!r} "
                         f"(known: {', '.join(ruleset.scenarios())})")
    kb = KnowledgeBase.load(options.kb_overrides)

    aggregator = FlowAggregator()
    infos: list[CaptureInfo] = []
    first_hosts: list[str] = []
    for path in paths:
        capture = open_capture(path, str(path))
        first_document: str | None = None
        for flow in capture:
            aggregator.add(flow, classify(flow))
            if first_document is None and flow.host and (
                    flow.resource_type in (None, "document", "Document")):
                first_document = flow.host
        info = capture.info()
        infos.append(info)
        page_hosts = [_host_of(u) for u in info.pages]
        start = next((h for h in page_hosts if h), first_document)
        if start:
            first_hosts.append(start)

    as_of, basis = _as_of(infos, options.as_of)
    first_party = _first_party(first_hosts, options.first_party, aggregator.hosts, kb)
    groups, attribution = _group(aggregator.hosts, first_party, kb)
    candidates = _candidates(groups, kb)
    received = {g.id: _categories(aggregator.hosts, g.hosts) for g in groups.values()}
    matches = ruleset.evaluate(to_rdf(candidates, {k: set(v) for k, v in received.items()}),
                               as_of, options.scenario, options.scenario_file)
    recipients = _judge(groups, candidates, matches, aggregator.hosts, ruleset, as_of, options,
                        received)
    assessment = Assessment(
        generator=Generator(version=__version__),
        inputs=tuple(infos),
        as_of=as_of,
        as_of_basis=basis,
        scenario=options.scenario,
        doctrine=DOCTRINE,
        language=options.lang,
        controller=options.controller,
        first_party_domains=tuple(sorted(first_party)),
        recipients=tuple(sorted(recipients.values(),
                                key=lambda r: (-r.verdict.rank, r.id))),
        knowledge=KnowledgeInfo(
            organisations=len(kb.data.entities),
            organisations_sha256=kb.sha256,
            ontology_sha256=ruleset.sha256,
            rules=tuple(r.id for r in ruleset.rules),
        ),
        command=options.command,
    )
    assessment._graph = build_graph(aggregator.hosts, attribution, recipients)
    return assessment


# --- stages -------------------------------------------------------------------------------

def _host_of(url: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _as_of(infos: list[CaptureInfo], option: dt.date | None) -> tuple[dt.date, str]:
    """The date whose law applies: the option, else the first observation's (local) date."""
    if option is not None:
        as_of, basis = option, "option"
    else:
        firsts = [i.first_seen for i in infos if i.first_seen]
        if not firsts:
            raise UsageError("the captures hold no dated request; give --as-of DATE")
        as_of, basis = min(firsts).date(), "capture"
    if as_of < GDPR_APPLIES_FROM:
        raise UsageError(f"as-of date {as_of} precedes the GDPR's application on "
                         f"{GDPR_APPLIES_FROM}; give a later --as-of DATE")
    return as_of, basis


def _first_party(starts: list[str], declared: tuple[str, ...], hosts: dict[str, HostStats],
                 kb: KnowledgeBase) -> set[str]:
    """Registrable domains of the site itself: the visited pages' domains, those the user
    declares, and those the knowledge base attributes to the same operator."""
    domains = {registrable_domain(h) for h in starts} | {
        registrable_domain(d.strip().lower()) for d in declared if d.strip()}
    operators = {m.chain[0].id for d in domains if (m := kb.match(d))}
    for host in hosts:
        match = kb.match(host)
        if match and match.chain[0].id in operators:
            domains.add(registrable_domain(host))
    return domains


def _group(hosts: dict[str, HostStats], first_party: set[str],
           kb: KnowledgeBase) -> tuple[dict[str, _Group], dict[str, HostMatch | None]]:
    groups: dict[str, _Group] = {}
    attribution: dict[str, HostMatch | None] = {}
    for host in sorted(hosts):
        match = kb.match(host)
        attribution[host] = match
        if registrable_domain(host) in first_party:
            continue
        rid = f"org:{match.chain[0].id}" if match else f"domain:{registrable_domain(host)}"
        group = groups.setdefault(rid, _Group(rid))
        group.hosts.append(host)
        if match:
            group.matches.append(match)
    return groups, attribution


def _candidates(groups: dict[str, _Group], kb: KnowledgeBase) -> list[Candidate]:
    """Where each recipient receives data: its operator's country, and any processing location
    the knowledge base records for its services or names in the host (e.g. a cloud region)."""
    out: list[Candidate] = []
    for group in groups.values():
        if not group.matches:
            out.append(Candidate(f"{group.id}|?", group.id, None, (), True,
                                 "no organisation identified for these hosts"))
            continue
        seen: set[tuple[str, str]] = set()
        for match in group.matches:
            operator = match.chain[0]
            places = [(operator.country, match.chain,
                       f"{operator.name} operates {match.service.name} for EEA customers")]
            for dest in match.destinations:
                places.append((dest.country, kb.chain(dest.entity), dest.basis))
            for country, chain, basis in places:
                if (country, chain[0].id) in seen:
                    continue
                seen.add((country, chain[0].id))
                out.append(Candidate(f"{group.id}|{country}|{chain[0].id}", group.id, country,
                                     chain, match.service.data_in_clear, basis,
                                     match.service.category))
    return out


def _categories(hosts: dict[str, HostStats], names: list[str]) -> list[str]:
    cats: list[str] = []
    for name in names:
        for iri in hosts[name].categories:
            if iri not in cats:
                cats.append(iri)
    return cats


def _judge(groups: dict[str, _Group], candidates: list[Candidate], matches: list[Match],
           hosts: dict[str, HostStats], ruleset: Ruleset, as_of: dt.date, options: Options,
           received: dict[str, list[str]]) -> dict[str, Recipient]:
    lang = options.lang
    graph = ruleset.scenario_graph(options.scenario, options.scenario_file)
    by_subject: dict[str, list[Match]] = defaultdict(list)
    for m in matches:
        by_subject[m.subject].append(m)
    deciders = deciding_matches(matches)

    recipients: dict[str, Recipient] = {}
    for group in groups.values():
        stats = [hosts[h] for h in group.hosts]
        sample = [e for s in stats for e in s.sample][:5]
        data = _data_categories(stats, lang)
        evidence_of = {d.iri: d.evidence for d in data}
        findings: list[Finding] = []
        verdicts: list[Verdict] = []
        names = _names(group, candidates)
        for cand in (c for c in candidates if c.recipient == group.id):
            cand_matches = by_subject.get(candidate_iri(cand.key), [])
            deciding = deciders.get(candidate_iri(cand.key))
            verdict = Verdict(deciding.rule.verdict) if deciding else Verdict.UNKNOWN
            verdicts.append(verdict)
            for m in cand_matches:
                if m.rule.verdict and m is not deciding:
                    continue  # a later verdict rule that the deciding one supersedes
                findings.append(_finding(m, graph, ruleset, lang, as_of, names, sample,
                                         Verdict(m.rule.verdict) if m.rule.verdict else None))
        for m in _grouped(by_subject.get(recipient_iri(group.id), [])):
            cats = m.bindings["category"]
            ev = tuple(e for iri in cats for e in evidence_of.get(iri, ())[:2])
            findings.append(_finding(m, graph, ruleset, lang, as_of, names, list(ev), None))
        worst = max(verdicts, key=lambda v: v.rank)
        first = group.matches[0] if group.matches else None
        recipients[group.id] = Recipient(
            id=group.id,
            organisation=_organisation(first),
            services=tuple(dict.fromkeys(m.service.name for m in group.matches)),
            category=first.service.category if first else None,
            hosts=tuple(group.hosts),
            server_ips=tuple(sorted({ip for s in stats for ip in s.server_ips})),
            server_countries=(),
            destinations=tuple(dict.fromkeys(d for m in group.matches for d in m.destinations)),
            requests=sum(s.flows for s in stats),
            data_categories=tuple(received[group.id]),
            special_categories=tuple(i for i in received[group.id]
                                     if vocab.CATEGORIES.get(i, vocab.IP_ADDRESS).special),
            data=tuple(data),
            verdict=worst,
            findings=tuple(_dedupe(findings)),
        )
    return recipients


def _names(group: _Group, candidates: list[Candidate]) -> dict[str, str]:
    from .rules.facts import entity_iri

    names: dict[str, str] = {}
    for cand in candidates:
        if cand.recipient == group.id:
            for ent in cand.chain:
                names[entity_iri(ent.id)] = ent.name
    return names


def _grouped(matches: list[Match]) -> list[Match]:
    """Recipient rules bind one row per category: one match per rule, categories as a list."""
    merged: dict[str, Match] = {}
    for m in matches:
        cat = m.bindings.get("category")
        if m.rule.id in merged:
            merged[m.rule.id].bindings["category"].append(str(cat))
        else:
            merged[m.rule.id] = Match(m.rule, m.subject, {**m.bindings, "category": [str(cat)]})
    return list(merged.values())


def _finding(m: Match, graph: Any, ruleset: Ruleset, lang: str, as_of: dt.date,
             names: dict[str, str], evidence: list[Evidence], verdict: Verdict | None) -> Finding:
    values: dict[str, str] = {"asOf": as_of.isoformat()}
    for key, value in m.bindings.items():
        if key == "category":
            values[key] = ", ".join(vocab.label(i, lang) for i in value)
        elif str(value) in names:
            values[key] = names[str(value)]
        else:
            values[key] = ruleset.label(graph, value, lang)
    template = m.rule.explanations.get(lang) or m.rule.explanations["en"]
    return Finding(
        rule=m.rule.id,
        title=m.rule.titles.get(lang) or m.rule.titles["en"],
        severity=Severity(m.rule.severity),
        verdict=verdict,
        citations=tuple(Citation(label=c.label, iri=c.iri) for c in m.rule.citations),
        explanation=template.format_map(_Missing(values)),
        evidence=tuple(evidence),
    )


class _Missing(dict):  # type: ignore[type-arg]
    """Template values; a placeholder the rule did not bind reads as 'not established'."""

    def __missing__(self, key: str) -> str:
        return "(not established)"


def _dedupe(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))


def _data_categories(stats: list[HostStats], lang: str) -> list[DataCategory]:
    merged: dict[str, dict[str, Any]] = {}
    for s in stats:
        for iri, cat in s.categories.items():
            m = merged.setdefault(iri, {"flows": 0, "terms": [], "evidence": []})
            m["flows"] += cat.flows
            m["terms"] += [t for t in cat.terms if t not in m["terms"]]
            m["evidence"] += cat.evidence
    order = list(vocab.CATEGORIES)
    return [
        DataCategory(iri=iri, label=vocab.label(iri, lang),
                     special=vocab.CATEGORIES.get(iri, vocab.IP_ADDRESS).special,
                     flows=m["flows"], terms=tuple(m["terms"]), evidence=tuple(m["evidence"][:10]))
        for iri, m in sorted(merged.items(), key=lambda kv: order.index(kv[0])
                             if kv[0] in order else len(order))
    ]


def _organisation(match: HostMatch | None) -> Organisation | None:
    if match is None:
        return None
    chain = match.chain
    top = chain[-1] if len(chain) > 1 else None
    return Organisation(id=chain[0].id, name=chain[0].name, country=chain[0].country,
                        parent=top.name if top else None,
                        parent_country=top.country if top else None, chain=chain)
