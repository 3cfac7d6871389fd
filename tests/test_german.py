"""German (issue 18): the ontology's texts have a German version wherever they have a French one,
with the same placeholders, so that ``--lang de`` never falls back to English for a rule, a
legal instrument or a country."""

from __future__ import annotations

import re

import pytest

from gdprmap import vocab
from gdprmap.resources import bundled_dir

rdflib = pytest.importorskip("rdflib")

PLACEHOLDER = re.compile(r"\{(\w+)\}")
ONTOLOGY_FILES = ("rules.ttl", "consent.ttl", "law.ttl", "gdprmap.ttl", "jurisdictions.ttl",
                  "scenarios/dpf-invalidated.ttl")


def _graph(name: str) -> "rdflib.Graph":
    return rdflib.Graph().parse(bundled_dir("ontologies") / name)


def _by_lang(graph: "rdflib.Graph", node: object, pred: object) -> dict[str | None, str]:
    return {o.language: str(o) for o in graph.objects(node, pred)
            if isinstance(o, rdflib.Literal)}


@pytest.mark.parametrize("name", ONTOLOGY_FILES)
def test_every_french_text_of_the_ontology_has_a_german_one(name: str) -> None:
    graph = _graph(name)
    missing = []
    for node, pred in {(s, p) for s, p, o in graph
                       if isinstance(o, rdflib.Literal) and o.language == "fr"}:
        texts = _by_lang(graph, node, pred)
        if not texts.get("de"):
            missing.append(f"{node} {pred}")
    assert not missing, f"{name}: French without German: {missing[:5]}"


@pytest.mark.parametrize("name", ("rules.ttl", "consent.ttl"))
def test_german_rule_texts_keep_the_english_placeholders(name: str) -> None:
    graph = _graph(name)
    checked = 0
    for node, pred in {(s, p) for s, p, o in graph
                       if isinstance(o, rdflib.Literal) and o.language == "de"}:
        texts = _by_lang(graph, node, pred)
        assert set(PLACEHOLDER.findall(texts["de"])) == set(PLACEHOLDER.findall(texts["en"])), \
            f"{node} {pred}"
        checked += 1
    assert checked >= 2  # titles and explanations were found


def test_legal_labels_the_explanations_fill_in_are_german() -> None:
    """Periods, instruments, tools and list names that rule explanations insert ({period},
    {instrument}, {tool}, {list}) have a German label; citations (gmc:) stay as cited."""
    law = _graph("law.ttl")
    gml = "https://w3id.org/gdprmap/law#"
    label = rdflib.RDFS.label
    title = rdflib.namespace.DCTERMS.title
    nodes = {s for s in law.subjects() if str(s).startswith(gml)}
    assert len(nodes) > 20
    without = [str(n) for n in nodes
               if not ({**_by_lang(law, n, label), **_by_lang(law, n, title)}.get("de"))
               and (_by_lang(law, n, label) or _by_lang(law, n, title))]
    # Statute names kept as their proper names (FISA section 702, CLOUD Act) fall back to English.
    assert sorted(n.rsplit("#", 1)[1] for n in without) == ["CLOUDAct", "FISA702"]
    assert _by_lang(law, rdflib.URIRef(gml + "US-SCHREMS-II"), label)["de"] == \
        "Vereinigte Staaten nach Schrems II, vor dem DPF"
    # service categories fill {category} of GM-UNL-02 ("its service (cloud hosting) ...")
    kinds = list(law.subjects(rdflib.RDF.type, rdflib.URIRef("https://w3id.org/gdprmap/ns#ServiceCategory")))
    assert len(kinds) > 10
    assert all(_by_lang(law, k, label).get("de") for k in kinds)


def test_country_names_in_german_come_from_cldr() -> None:
    graph = _graph("jurisdictions.ttl")
    loc = "https://w3id.org/dpv/loc#"
    names = {code: _by_lang(graph, rdflib.URIRef(loc + code), rdflib.RDFS.label)["de"]
             for code in ("US", "GB", "DE", "IE", "CH", "HK")}
    assert names == {"US": "Vereinigte Staaten", "GB": "Vereinigtes Königreich",
                     "DE": "Deutschland", "IE": "Irland", "CH": "Schweiz", "HK": "Hongkong"}


def test_every_detected_category_has_a_german_label() -> None:
    for cat in vocab.CATEGORIES.values():
        assert cat.de and cat.de != cat.en, cat.iri
        assert vocab.label(cat.iri, "de") == cat.de
    assert vocab.label(vocab.HEALTH.iri, "de") == "Gesundheitsdaten (Art. 9)"
    assert vocab.label(vocab.HEALTH.iri, "xx") == vocab.HEALTH.en
