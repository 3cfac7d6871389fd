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
    {instrument}, {tool}, {list}) have a German label (citations too, see the report test)."""
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
    german = catalogs.own("de")
    for cat in vocab.CATEGORIES.values():
        assert german.get(cat.key) and german[cat.key] != cat.en, cat.iri
        assert vocab.label(cat.iri, "de") == german[cat.key]
    assert vocab.label(vocab.HEALTH.iri, "de") == "Gesundheitsdaten (Art. 9)"
    assert vocab.label(vocab.HEALTH.iri, "xx") == vocab.HEALTH.en


# --- the report in German (needs the catalogs) ---------------------------------------------

import datetime as dt  # noqa: E402
import html as html_lib  # noqa: E402
from pathlib import Path  # noqa: E402

from gdprmap import catalogs  # noqa: E402
from gdprmap.reports import i18n  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "health-booking" / "capture.har"
# Keys whose German text is the English one on purpose: names, codes and words German uses as
# they are. A key added here must be one whose text is the same in both catalogs.
SAME_IN_GERMAN = {"input_sha256", "attr_domain", "consent:outcome", "consent:browser", "pd:Name",
                  "pd:Religion"}


def test_every_key_has_a_german_translation() -> None:
    assert "de" in catalogs.languages()
    english, german = catalogs.own("en"), catalogs.own("de")
    missing = sorted(k for k in english if not german.get(k) and not k.startswith("country:"))
    assert not missing
    for key, text in english.items():
        if key in german:
            assert set(PLACEHOLDER.findall(german[key])) == set(PLACEHOLDER.findall(text)), key
    same = {k for k in english if german.get(k) == english[k]} - {"fmt:colon", "fmt:datetime",
                                                                  "fmt:semicolon"}
    assert same == SAME_IN_GERMAN, sorted(same ^ SAME_IN_GERMAN)


def test_german_dates_numbers_countries_and_verdict_words() -> None:
    assert i18n.format_date(dt.date(2026, 12, 4), "de") == "4. Dezember 2026"
    assert i18n.format_date(dt.date(2024, 3, 1), "de") == "1. März 2024"
    moment = dt.datetime(2022, 12, 5, 9, 3, 7, tzinfo=dt.UTC)
    assert i18n.format_datetime(moment, "de") == "5. Dezember 2022, 09:03:07 UTC"
    assert i18n.format_datetime(moment.replace(tzinfo=None), "de") == "5. Dezember 2022, 09:03:07"
    assert i18n.format_number(1234567.25, "de", 1) == "1.234.567,2"
    assert i18n.format_number(634, "de") == "634"
    assert i18n.country_name("US", "de") == "Vereinigte Staaten"
    assert i18n.country_name("HK", "de") == "Hongkong"
    assert i18n.country_status("FR", "de") == "EU/EWR"
    assert i18n.country_status("US", "de") == "Drittland"
    # the verdict word stays, users script against it; the German word follows
    assert i18n.verdict_label("unlawful", "de") == "unlawful (rechtswidrig)"
    assert i18n.verdict_label("no-transfer", "de") == "no-transfer (keine Übermittlung)"
    assert i18n.severity_label("critical", "de") == "critical (kritisch)"
    assert i18n.Translator("de").label("cover_basis") == "Grundlage:"


def _visible_text(document: str) -> str:
    document = re.sub(r"<(style|script)\b.*?</\1>", " ", document, flags=re.S | re.I)
    document = re.sub(r"<[^>]+>", " ", document)
    return re.sub(r"\s+", " ", html_lib.unescape(document)).replace("\u00ad", "")


def _english_sentences() -> list[tuple[str, str]]:
    """(source, fragment): English text gdprmap itself writes, cut at its placeholders, long
    enough (three words) not to occur by chance in German text or in captured data."""
    out = []
    english, german = catalogs.own("en"), catalogs.own("de")
    for key, text in english.items():
        if german.get(key) == text:
            continue
        out += [(key, f.strip()) for f in PLACEHOLDER.split(text)]
    for name in ("rules.ttl", "consent.ttl"):
        graph = _graph(name)
        for s, p, o in graph:
            if isinstance(o, rdflib.Literal) and o.language == "en":
                out += [(f"{name} {s}", f.strip()) for f in PLACEHOLDER.split(str(o))]
    return [(k, f) for k, f in out if len(f.split()) >= 3]


@pytest.fixture(scope="module")
def german_html() -> str:
    import gdprmap
    from gdprmap.reports.html import render_html

    assessment = gdprmap.analyze(EXAMPLE, lang="de")
    return render_html(assessment, "de")


def test_the_german_report_has_no_english_sentence_of_gdprmap(german_html: str) -> None:
    text = _visible_text(german_html)
    assert "Verzeichnis der beobachteten internationalen Datenübermittlungen" in text
    assert "5. Dezember 2022" in text and "Vereinigte Staaten" in text
    assert "unlawful (rechtswidrig)" in text  # verdict words stay visible
    left = sorted({f"{k}: {f}" for k, f in _english_sentences() if f in text})
    assert not left, left[:10]


def test_the_german_report_headings_are_german(german_html: str) -> None:
    headings = re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", german_html, flags=re.S)
    english = catalogs.own("en")
    words = {english[k] for k in english if k.startswith("sec_")}
    found = {_visible_text(h).strip() for h in headings}
    assert found and not (found & words), found & words
