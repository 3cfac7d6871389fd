"""The transfer rules, case by case, through the real ontology and SPARQL (tests/rule_cases)."""

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from gdprmap.models import Entity
from gdprmap.rules.engine import load_ruleset
from gdprmap.rules.facts import Candidate, candidate_iri

CASES = tomllib.loads((Path(__file__).parent / "rule_cases" / "transfers.toml").read_text())["case"]


def _chain(spec: list[str], control: bool = True,
           controlled_from: str | None = None) -> tuple[Entity, ...]:
    """Entities from "ID:COUNTRY[:dpf][:ps][:fisa][:sector]"; the top one's parent is established
    unless the case says ``control = false``."""
    ents = []
    for i, item in enumerate(spec):
        eid, country, *status = item.split(":") + []
        dpf, ps, fisa, sector = (status + ["unknown", "unknown", "unknown", ""])[:4]
        parent = spec[i + 1].split(":")[0] if i + 1 < len(spec) else None
        top = parent is None
        ents.append(Entity(id=eid, name=eid.upper(), country=country, parent=parent, dpf=dpf,
                           privacy_shield=ps, fisa702=fisa, sector=sector or None,
                           parent_established=bool(parent) or control,
                           controlled_from=controlled_from if top else None))
    return tuple(ents)


def candidate(case: dict) -> Candidate:
    return Candidate("c", "r", case.get("destination"),
                     _chain(case["chain"], case.get("control", True), case.get("controlled_from")),
                     case.get("in_clear", True), "test", case.get("category"),
                     case.get("observed", True), tuple(case.get("safeguards", ())),
                     processing_established=case.get("processing_established", True),
                     server_countries=tuple(case.get("servers", ())))


def evaluate(case: dict) -> tuple[str, list[str]]:
    ruleset = load_ruleset()
    cand = candidate(case)
    evaluation = ruleset.evaluate([cand], {"r": set()}, case["as_of"], case.get("scenario"),
                                  doctrine=case.get("doctrine", "exposure-is-risk"))
    subject = candidate_iri("c") + ("/via-parent" if case.get("derived") else "")
    deciding = evaluation.deciding().get(subject)
    fired = [m.rule.id for m in evaluation.matches if m.subject == subject]
    return (deciding.rule.verdict if deciding else "none"), [deciding.rule.id if deciding else "", *fired]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_rule_case(case):
    verdict, (rule, *fired) = evaluate(case)
    assert verdict == case["expect"], fired
    if "rule" in case:
        assert rule == case["rule"]
    for extra in case.get("also", []):
        assert extra in fired
    if "text" in case:
        assert case["text"] in explanation(case)


def explanation(case: dict) -> str:
    """The deciding finding's explanation, as the report writes it."""
    from gdprmap.rules.findings import Judge, RecipientCase

    ruleset = load_ruleset()
    cand = candidate(case)
    evaluation = ruleset.evaluate([cand], {"r": set()}, case["as_of"], case.get("scenario"),
                                  doctrine=case.get("doctrine", "exposure-is-risk"))
    judge = Judge(ruleset, evaluation, "en", case["as_of"])
    _, _, findings = judge.judge(RecipientCase("r", [cand], [], [], []))
    return " ".join(f.explanation for f in findings if f.verdict)


def test_every_verdict_rule_is_exercised():
    ruleset = load_ruleset()
    deciding = {evaluate(c)[1][0] for c in CASES}
    verdict_rules = {r.id for r in ruleset.rules if r.verdict}
    assert verdict_rules <= deciding


def test_every_rule_cites_its_sources():
    for rule in load_ruleset().rules:
        assert rule.citations, rule.id
        assert rule.titles.get("en") and rule.titles.get("fr"), rule.id
        assert rule.explanations.get("en") and rule.explanations.get("fr"), rule.id


def test_unknown_scenario_is_a_usage_error():
    from gdprmap.errors import UsageError

    with pytest.raises(UsageError, match="dpf-invalidated"):
        load_ruleset().scenario_graph("schrems-iv")


def test_scenario_file_overlay(tmp_path):
    """A scenario defined in a file, without code: a new (fictional) adequacy for China."""
    overlay = tmp_path / "cn.ttl"
    overlay.write_text("""
@prefix gm: <https://w3id.org/gdprmap/ns#> .
@prefix loc: <https://w3id.org/dpv/loc#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<urn:test:AD-CN> a gm:AdequacyInstrument ; gm:jurisdiction loc:CN ; gm:scope gm:WholeJurisdiction ;
    gm:inForceFrom "2022-01-01"^^xsd:date .
""")
    ruleset = load_ruleset()
    cand = Candidate("c", "r", "CN", _chain(["x:CN"]), True, "test")
    evaluation = ruleset.evaluate([cand], {"r": set()}, dt.date(2022, 12, 5), None, overlay)
    assert evaluation.deciding()[candidate_iri("c")].rule.verdict == "adequate"
