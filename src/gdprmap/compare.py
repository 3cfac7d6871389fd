"""Declared versus observed: a controller's processing register set against an assessment of
captured traffic (``gdprmap compare REGISTER CAPTURE...``).

Four kinds of gap, each a list in ``Comparison``:

- ``undeclared``: recipients observed in the traffic that no register entry names;
- ``not_observed``: declared recipients the captures do not show (not necessarily wrong: the
  captures may not have exercised that processing);
- ``safeguard_mismatches``: declared safeguards the verdict contradicts (SCCs declared for a
  transfer judged unlawful; "DPF" declared where the knowledge base shows no active DPF
  listing; "adequacy" where no adequacy decision covers the destination; encryption with keys
  in the EEA for data the capture shows readable) and transfers needing an Art. 46 tool for
  which none is declared;
- ``undeclared_data``: data categories a recipient receives beyond those the register declares
  for it (a declared broader DPV category, e.g. ``pd:Tracking``, covers its narrower ones).

A declared recipient is paired with an observed one by knowledge-base entity id, by host, by
the knowledge base's attribution of the declared hosts, by registrable domain, then by name.

>>> from gdprmap import compare                                            # doctest: +SKIP
>>> c = compare("register.yaml", "capture.har")                            # doctest: +SKIP
>>> [r.id for r in c.undeclared]                                           # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .diff import RecipientSummary, triggered_kinds
from .jurisdictions import eea_codes
from .models import Record, Verdict
from .vocab import PD, label

if TYPE_CHECKING:
    from .models import Assessment, Recipient
    from .register import DeclaredRecipient, Register

COMPARE_FAIL_ON = ("undeclared", "not-observed", "safeguards", "data", "any")
_DPV = "https://w3id.org/dpv#"
# Broader DPV 2.3 concepts of the categories gdprmap detects (transitive skos:broader in
# dpv-2.3 pd.ttl, without dpv:Data/dpv:PersonalData): declaring one covers the narrower ones.
_BROADER: dict[str, tuple[str, ...]] = {
    "IPAddress": ("pd:DeviceBased", "pd:Tracking"),
    "Identifier": ("pd:Tracking",),
    "PrivacyPreference": ("pd:Internal", "pd:Preference"),
    "BrowsingBehaviour": ("pd:Behavioural", "pd:External"),
    "BrowsingReferral": ("pd:Behavioural", "pd:BrowsingBehaviour", "pd:External"),
    "LinkClicked": ("pd:Behavioural", "pd:External"),
    "UserAgent": ("pd:Tracking",),
    "DeviceBased": ("pd:Tracking",),
    "Language": ("pd:External",),
    "BrowserFingerprint": ("pd:DeviceBased", "pd:Tracking"),
    "EmailAddress": ("pd:Contact", "pd:Tracking"),
    "TelephoneNumber": ("pd:Contact", "pd:Tracking"),
    "Name": ("pd:External", "pd:Identifying"),
    "BirthDate": ("pd:Age", "pd:External", "pd:PhysicalCharacteristic"),
    "PostalCode": ("pd:Contact", "pd:Location", "pd:PhysicalAddress", "pd:Tracking"),
    "Location": ("pd:Tracking",),
    "Health": ("dpv:SpecialCategoryPersonalData", "pd:External", "pd:MedicalHealth"),
    "Religion": ("dpv:SpecialCategoryPersonalData", "pd:PublicLife", "pd:Social"),
    "Sexual": ("dpv:SpecialCategoryPersonalData", "pd:External"),
    "PoliticalOpinion": ("dpv:SpecialCategoryPersonalData", "pd:PublicLife", "pd:Social"),
    "TradeUnionMembership": ("dpv:SpecialCategoryPersonalData", "pd:GroupMembership",
                             "pd:Social", "pd:SocialNetwork"),
}
BROADER: dict[str, frozenset[str]] = {
    PD + k: frozenset(b.replace("pd:", PD).replace("dpv:", _DPV) for b in v)
    for k, v in _BROADER.items()}
# Verdicts under which a declared Art. 46 tool is consistent (or not needed).
_FINE = {Verdict.NO_TRANSFER, Verdict.ADEQUATE, Verdict.SAFEGUARDED, Verdict.EXPOSED}

MatchBasis = Literal["entity", "entity-group", "host", "knowledge-base", "domain", "name"]


class DeclaredSummary(Record):
    """A recipient as the register declares it (merged over the activities naming it)."""

    name: str
    entity: str | None = None
    country: str | None = None
    hosts: tuple[str, ...] = ()
    activities: tuple[str, ...] = ()
    safeguards: tuple[str, ...] = ()  # safeguard types (register.SafeguardType)
    data_categories: tuple[str, ...] = ()  # DPV IRIs


class Pairing(Record):
    declared: str  # the declared recipient's name
    recipient: str  # the observed recipient's id
    matched_by: MatchBasis


class SafeguardMismatch(Record):
    recipient: str
    declared: str
    safeguard: str  # a safeguard type, or "none" when a needed one is not declared
    verdict: Verdict
    rule: str | None = None  # the rule that decided the verdict
    problem: str


class DataMismatch(Record):
    recipient: str
    declared: str
    categories: tuple[str, ...]  # observed, not covered by the declared categories
    declared_categories: tuple[str, ...]


class Comparison(Record):
    """The register set against the observed traffic."""

    controller: str
    register_updated: dt.date
    as_of: dt.date
    inputs: tuple[str, ...]
    matched: tuple[Pairing, ...] = ()
    undeclared: tuple[RecipientSummary, ...] = ()
    not_observed: tuple[DeclaredSummary, ...] = ()
    safeguard_mismatches: tuple[SafeguardMismatch, ...] = ()
    undeclared_data: tuple[DataMismatch, ...] = ()

    def triggered(self, kinds: Iterable[str]) -> list[str]:
        """The ``--fail-on`` kinds (``COMPARE_FAIL_ON``) this comparison triggers."""
        tests = {"undeclared": bool(self.undeclared), "not-observed": bool(self.not_observed),
                 "safeguards": bool(self.safeguard_mismatches),
                 "data": bool(self.undeclared_data)}
        tests["any"] = any(tests.values())
        return triggered_kinds(tests, kinds, COMPARE_FAIL_ON)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"

    def render_text(self) -> str:
        lines = [f"register of {self.controller} (updated {self.register_updated}) against "
                 f"{', '.join(self.inputs)} (as of {self.as_of})",
                 f"matched: {len(self.matched)}"]
        lines += [f"  = {p.declared} <-> {p.recipient} (by {p.matched_by})" for p in self.matched]
        lines.append(f"observed but not declared: {len(self.undeclared)}")
        lines += [f"  + {r.id}  {r.name}  [{r.verdict}]"
                  + (f"  special: {', '.join(label(i) for i in r.special_categories)}"
                     if r.special_categories else "") for r in self.undeclared]
        lines.append(f"declared but not observed: {len(self.not_observed)}")
        lines += [f"  - {d.name}" + (f" ({', '.join(d.hosts)})" if d.hosts else "")
                  for d in self.not_observed]
        lines.append(f"safeguards not matching the verdict: {len(self.safeguard_mismatches)}")
        lines += [f"  ! {m.recipient} [{m.verdict}{', ' + m.rule if m.rule else ''}] "
                  f"{m.safeguard}: {m.problem}" for m in self.safeguard_mismatches]
        lines.append(f"data observed beyond the register: {len(self.undeclared_data)}")
        lines += [f"  ~ {m.recipient}: {', '.join(label(i) for i in m.categories)}"
                  for m in self.undeclared_data]
        return "\n".join(lines) + "\n"


@dataclass
class _Declared:
    name: str
    entity: str | None
    country: str | None
    hosts: list[str] = field(default_factory=list)
    activities: list[str] = field(default_factory=list)
    safeguards: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)

    def summary(self) -> DeclaredSummary:
        return DeclaredSummary(name=self.name, entity=self.entity, country=self.country,
                               hosts=tuple(self.hosts), activities=tuple(self.activities),
                               safeguards=tuple(self.safeguards),
                               data_categories=tuple(self.categories))


def _declared(register: Register) -> list[_Declared]:
    """Declared recipients merged by (name, entity) over the activities that list them."""
    merged: dict[tuple[str, str | None], _Declared] = {}
    for activity in register.activities:
        for rec in activity.recipients:
            d = merged.setdefault((rec.name.casefold(), rec.entity),
                                  _Declared(rec.name, rec.entity, rec.country))
            _extend(d.hosts, rec.hosts)
            _extend(d.activities, [activity.id])
            _extend(d.safeguards, [s.type for s in _safeguards(rec)])
            _extend(d.categories, activity.data_categories)
    return list(merged.values())


def _safeguards(rec: DeclaredRecipient) -> list[Any]:
    return list(rec.safeguard_list())


def _extend(target: list[str], values: Iterable[str]) -> None:
    target.extend(v for v in values if v not in target)


def _observed(assessment: Assessment) -> list[Recipient]:
    """Recipients the captures show (not only declared flows of a register given as input)."""
    if all(r.observed_requests is not None for r in assessment.recipients):
        return [r for r in assessment.recipients if r.observed_requests]
    # assessments saved before observed_requests existed: judge by the evidence's inputs
    declared_inputs = {i.path for i in assessment.inputs if i.format == "register"}
    if not declared_inputs:
        return list(assessment.recipients)
    return [r for r in assessment.recipients
            if any(e.input not in declared_inputs for d in r.data for e in d.evidence)]


def _pair(d: _Declared, r: Recipient, kb: Any) -> MatchBasis | None:
    from .enrich.domains import registrable_domain

    chain = [e.id for e in r.organisation.chain] if r.organisation else []
    if d.entity and chain and d.entity == chain[0]:
        return "entity"
    if d.entity and d.entity in chain:
        return "entity-group"
    if set(d.hosts) & set(r.hosts):
        return "host"
    if chain and kb is not None:
        for host in d.hosts:
            match = kb.match(host)
            if match is not None and match.chain[0].id == chain[0]:
                return "knowledge-base"
    if not chain and ({registrable_domain(h) for h in d.hosts}
                      & {registrable_domain(h) for h in r.hosts}):
        return "domain"
    names = {e.name.casefold() for e in r.organisation.chain} if r.organisation else set()
    if d.name.casefold() in names:
        return "name"
    return None


def _worst_transfer(r: Recipient) -> Any:
    return max(r.transfers, key=lambda t: t.verdict.rank, default=None)


def _safeguard_problems(d: _Declared, r: Recipient) -> list[SafeguardMismatch]:
    worst = _worst_transfer(r)
    rule = worst.rule if worst else None
    third = sorted({t.country for t in r.transfers
                    if t.country and t.country not in eea_codes() and t.verdict not in _FINE})
    where = ", ".join(third) or "a third country"
    out: list[SafeguardMismatch] = []

    def problem(safeguard: str, text: str) -> None:
        out.append(SafeguardMismatch(recipient=r.id, declared=d.name, safeguard=safeguard,
                                     verdict=r.verdict, rule=rule, problem=text))

    importer = r.organisation.chain[0] if r.organisation and r.organisation.chain else None
    for sg in d.safeguards:
        if sg == "dpf":
            if importer is None:
                problem(sg, "DPF declared, but the recipient is not identified in the "
                            "knowledge base")
            elif importer.country != "US":
                problem(sg, f"DPF declared, but the importer {importer.name} is in "
                            f"{importer.country}: the DPF lists only US organisations")
            elif importer.dpf != "active":
                checked = f", checked {importer.dpf_checked}" if importer.dpf_checked else ""
                # issue 14: the status is the one on the as-of date, with its reason
                why = f": {importer.dpf_basis}" if importer.dpf_basis else ""
                problem(sg, f"DPF declared, but the knowledge base shows no active DPF listing "
                            f"for {importer.name} (status: {importer.dpf}{checked}{why})")
            elif r.verdict is Verdict.UNKNOWN:  # issue 13: never "did not cover" for a gap
                problem(sg, "DPF declared and the importer is listed, but the transfer is "
                            "judged unknown: a fact that would clear it is missing (see the "
                            "recipient's findings)")
            elif r.verdict not in _FINE:
                problem(sg, f"DPF declared, but the transfer to {where} is judged "
                            f"{r.verdict}: the DPF did not cover it on the as-of date or scenario")
        elif sg == "adequacy":
            if third:
                problem(sg, f"adequacy declared, but no adequacy decision covers the transfer "
                            f"to {where} (judged {r.verdict})")
        elif sg == "encryption-keys-in-eea":
            if r.verdict not in _FINE and r.data_categories:
                cats = ", ".join(label(i) for i in r.data_categories[:4])
                problem(sg, f"encryption with keys in the EEA declared, but the capture shows "
                            f"{r.requests} requests with readable personal data ({cats}) "
                            f"reaching the recipient")
        elif r.verdict is Verdict.UNLAWFUL:
            problem(sg, f"{sg} declared, but the transfer to {where} is judged unlawful: the "
                        "importer needs the data in clear where no safeguard can be effective, "
                        "so an Art. 46 tool cannot cure it")
    if not d.safeguards and r.verdict in (Verdict.SAFEGUARDS_REQUIRED, Verdict.UNLAWFUL):
        problem("none", f"no safeguard declared for a transfer to {where} judged {r.verdict}")
    return out


def covered(category: str, declared: Iterable[str]) -> bool:
    """Whether a declared category list covers an observed DPV category (same or broader)."""
    declared = set(declared)
    return category in declared or bool(BROADER.get(category, frozenset()) & declared)


def compare_register(register: Register, assessment: Assessment,
                     kb: Any = None) -> Comparison:
    """Set a register against an assessment of captured traffic. ``kb`` (a
    ``gdprmap.enrich.kb.KnowledgeBase``, the bundled one when None) attributes declared hosts
    to legal entities."""
    if kb is None:
        from .enrich.kb import KnowledgeBase

        kb = KnowledgeBase.load(())
    declared = _declared(register)
    observed = _observed(assessment)
    pairings: list[Pairing] = []
    seen_declared: set[int] = set()
    seen_observed: set[str] = set()
    mismatches: list[SafeguardMismatch] = []
    data: list[DataMismatch] = []
    for i, d in enumerate(declared):
        for r in observed:
            basis = _pair(d, r, kb)
            if basis is None:
                continue
            pairings.append(Pairing(declared=d.name, recipient=r.id, matched_by=basis))
            seen_declared.add(i)
            seen_observed.add(r.id)
            mismatches += _safeguard_problems(d, r)
    # Data: everything declared for any pairing of a recipient covers it.
    by_recipient: dict[str, list[_Declared]] = {}
    for p in pairings:
        by_recipient.setdefault(p.recipient, []).extend(
            d for d in declared if d.name == p.declared)
    for r in observed:
        decl = by_recipient.get(r.id)
        if not decl:
            continue
        allowed = [c for d in decl for c in d.categories]
        beyond = tuple(c for c in r.data_categories if not covered(c, allowed))
        if beyond:
            data.append(DataMismatch(recipient=r.id, declared=decl[0].name, categories=beyond,
                                     declared_categories=tuple(dict.fromkeys(allowed))))
    return Comparison(
        controller=register.controller.name,
        register_updated=register.updated,
        as_of=assessment.as_of,
        inputs=tuple(i.path for i in assessment.inputs if i.format != "register"),
        matched=tuple(pairings),
        undeclared=tuple(RecipientSummary.of(r) for r in observed if r.id not in seen_observed),
        not_observed=tuple(d.summary() for i, d in enumerate(declared) if i not in seen_declared),
        safeguard_mismatches=tuple(mismatches),
        undeclared_data=tuple(data),
    )
