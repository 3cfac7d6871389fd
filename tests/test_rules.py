"""The transfer rules, case by case, through the real ontology and SPARQL (tests/rule_cases)."""

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from gdprmap.models import Entity
from gdprmap.rules.engine import load_ruleset
from gdprmap.rules.facts import Candidate, candidate_iri

CASES = tomllib.loads((Path(__file__).parent / "rule_cases" / "transfers.toml").read_text())["case"]


def _chain(spec: list[str]) -> tuple[Entity, ...]:
    ents = []
    for i, item in enumerate(spec):
        eid, country, *status = item.split(":") + []
        dpf, ps, fisa = (status + ["unknown", "unknown", "unknown"])[:3]
        parent = spec[i + 1].split(":")[0] if i + 1 < len(spec) else None
        ents.append(Entity(id=eid, name=eid.upper(), country=country, parent=parent, dpf=dpf,
                           privacy_shield=ps, fisa702=fisa))
    return tuple(ents)


def evaluate(case: dict) -> tuple[str, list[str]]:
    ruleset = load_ruleset()
    cand = Candidate("c", "r", case.get("destination"), _chain(case["chain"]),
                     case.get("in_clear", True), "test", case.get("category"),
                     case.get("observed", True), tuple(case.get("safeguards", ())))
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
