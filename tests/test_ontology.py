"""The ontology validates against its SHACL shapes and uses only DPV IRIs that exist."""

import re
from pathlib import Path

import pytest

from conftest import ROOT
from gdprmap.rules.engine import load_ruleset

DPV_DIR = ROOT.parent / "shared" / "dpv-2.3"
DPV_NAMESPACES = {
    "https://w3id.org/dpv#": "dpv.ttl",
    "https://w3id.org/dpv/pd#": "pd.ttl",
    "https://w3id.org/dpv/legal/eu/gdpr#": "eu-gdpr.ttl",
    "https://w3id.org/dpv/legal/eu#": "legal-eu.ttl",
    "https://w3id.org/dpv/tech#": "tech.ttl",
    "https://w3id.org/dpv/risk#": "risk.ttl",
}


def _all_graphs():
    ruleset = load_ruleset()
    g = ruleset.scenario_graph("dpf-invalidated")
    return ruleset, g


def test_shacl_shapes_hold():
    pyshacl = pytest.importorskip("pyshacl")
    from rdflib import Graph

    ruleset, data = _all_graphs()
    shapes = Graph().parse(ruleset.directory / "shapes.ttl")
    conforms, _, report = pyshacl.validate(data, shacl_graph=shapes, advanced=True)
    assert conforms, report


def test_shapes_catch_a_bad_instrument():
    """A test that can fail: an instrument without dates or ELI violates the shapes."""
    pyshacl = pytest.importorskip("pyshacl")
    from rdflib import Graph

    ruleset, data = _all_graphs()
    data.parse(data="""@prefix gm: <https://w3id.org/gdprmap/ns#> .
        @prefix loc: <https://w3id.org/dpv/loc#> .
        <urn:bad> a gm:AdequacyInstrument ; gm:jurisdiction loc:ZZZ ; gm:scope gm:WholeJurisdiction .""",
               format="turtle")
    shapes = Graph().parse(ruleset.directory / "shapes.ttl")
    conforms, _, report = pyshacl.validate(data, shacl_graph=shapes, advanced=True)
    assert not conforms and "urn:bad" in report


def _used_iris():
    ruleset, g = _all_graphs()
    used = set()
    for triple in g:
        for term in triple:
            used.add(str(term))
    for path in Path(ruleset.directory).rglob("*.rq"):
        used |= {m for m in re.findall(r"<([^>]+)>", path.read_text())}
    from gdprmap import vocab
    used |= set(vocab.CATEGORIES)
    return used


@pytest.mark.skipif(not DPV_DIR.is_dir(), reason="DPV 2.3 reference copy not present")
def test_every_dpv_iri_exists_in_dpv_2_3():
    defined = {}
    for ns, file in DPV_NAMESPACES.items():
        text = (DPV_DIR / file).read_text(encoding="utf-8")
        prefix = re.search(r"@prefix (\S+): <" + re.escape(ns) + ">", text).group(1)
        defined[ns] = set(re.findall(rf"^{re.escape(prefix)}:(\S+) a ", text, re.M))
    missing = []
    for iri in _used_iris():
        for ns, names in defined.items():
            if iri.startswith(ns) and iri[len(ns):] and iri[len(ns):] not in names:
                missing.append(iri)
    assert not missing, missing


def test_no_loc_non_eea():
    """DPV 2.3's loc:non-EEA lists every country: never use it."""
    assert not any(i.endswith(("#non-EEA", "#non-EU")) for i in _used_iris())


def test_shapes_catch_a_rule_without_citation():
    pyshacl = pytest.importorskip("pyshacl")
    from rdflib import Graph

    ruleset, data = _all_graphs()
    data.parse(data="""@prefix gm: <https://w3id.org/gdprmap/ns#> .
        @prefix dct: <http://purl.org/dc/terms/> .
        <urn:r> a gm:Rule ; gm:ruleId "GM-X-01" ; dct:title "a"@en, "b"@fr ;
            gm:explanation "a"@en, "b"@fr ; gm:severity "low" ; gm:priority 1 ; gm:query "x" .""",
               format="turtle")
    shapes = Graph().parse(ruleset.directory / "shapes.ttl")
    conforms, _, report = pyshacl.validate(data, shacl_graph=shapes, advanced=True)
    assert not conforms and "gm:cites" in report
