"""Issue #9: the condensed print layout and the shortcuts taken around WeasyPrint's slow paths.
Each condensation prints a repeated text once; these tests pin that nothing is lost."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from report_sample import sample_assessment

from gdprmap.models import Evidence
from gdprmap.reports import flowmap, worldmap
from gdprmap.reports.html import (
    TemplateCache,
    _evidence,
    _refer_repeated_steps,
    _short_sources,
    build_context,
    css_string,
    render_html,
)
from gdprmap.reports.sections import ExhibitBook, short_citation

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def sample():
    return sample_assessment()


def test_short_citations_drop_the_gloss_only():
    assert short_citation("CJEU C-311/18 Schrems II, paras 126-135: exporters must verify") == (
        "CJEU C-311/18 Schrems II, paras 126-135")
    assert short_citation("GDPR Art. 44 (general principle: transfers)") == (
        "GDPR Art. 44 (general principle: transfers)")  # a colon inside parentheses stays
    assert short_citation("ECLI:EU:C:2020:559") == "ECLI:EU:C:2020:559"  # no space: not a gloss
    known = {"A: gloss a", "B (x; y): gloss b"}
    assert _short_sources("A: gloss a; B (x; y): gloss b", known) == "A; B (x; y)"
    assert _short_sources("A: gloss a; something else", known) == "A: gloss a; something else"


def test_evidence_rows_are_grouped_without_losing_items():
    def ev(entry: int, field: str, excerpt: str) -> Evidence:
        return Evidence(input="c.har", entry=entry, field=field, excerpt=excerpt,
                        method="GET", url=f"https://x.example/{entry}")

    items = [ev(1, "request.url", "GET https://x.example/1"),
             ev(2, "request.url", "GET https://x.example/2"),
             ev(1, "request.headers[User-Agent]", "Mozilla/5.0"),
             ev(2, "request.headers[User-Agent]", "Mozilla/5.0"),
             ev(2, "request.headers[Referer]", "https://www.clinic.example/")]
    out = _evidence(items, ExhibitBook(), "X")
    assert len(out["rows"]) == 5  # every item keeps its row (and its exhibit) in the view
    table = [(t["field"], t["excerpt"], t["entries"], [x["label"] for x in t["exhibits"]],
              t["request_line"]) for t in out["table"]]
    assert table == [
        ("request.url", None, [1, 2], ["E-1", "E-2"], True),  # printed by the exhibits
        ("request.headers[User-Agent]", "Mozilla/5.0", [1, 2], ["E-1", "E-2"], False),
        ("request.headers[Referer]", "https://www.clinic.example/", [2], ["E-2"], False),
    ]


def test_repeated_steps_refer_to_the_first_print():
    def step(text: str) -> dict[str, object]:
        return {"kind": "fact", "text": text, "source": None, "reference": None}

    findings = [{"rule": "R-1", "steps": [step("a"), step("b"), step("c")]},
                {"rule": "R-2", "steps": [step("a"), step("b"), step("d"), step("c")]}]
    _refer_repeated_steps(findings)
    second = findings[1]["printed_steps"]
    assert second[0]["same_rule"] == "R-1" and (second[0]["n"], second[0]["last"]) == (1, 2)
    assert (second[0]["same_first"], second[0]["same_last"], second[0]["count"]) == (1, 2, 2)
    assert second[1]["text"] == "d" and second[1]["n"] == 3
    assert second[2]["same_rule"] == "R-1" and second[2]["same_first"] == 3
    assert len(findings[1]["steps"]) == 4  # the view keeps every step


def test_repeated_explanations_and_references_point_to_the_first(sample):
    ctx = build_context(sample, "en")
    seen: dict[tuple[str, str], str] = {}
    for view in ctx["recipients"]:
        for f in view["findings"]:
            key = (f["rule"], f["explanation"])
            if key in seen and seen[key] != view["name"]:
                assert f["explanation_as"] is not None
                assert f["explanation_as"]["name"] == seen[key]
            seen.setdefault(key, view["name"])
    html = render_html(sample, "en")
    assert "in full in the legal appendix" in html
    for f in sample.recipients[0].findings:  # every legal source is printed in full once
        for c in f.citations:
            assert c.label.replace("'", "&#39;") in html


def test_print_map_texts_are_labels_not_svg_text(sample):
    layout = flowmap.layout_flowmap(sample, "en")
    screen = ET.fromstring(flowmap.svg_from_layout(layout))
    labels: list[flowmap.Label] = []
    printed = ET.fromstring(flowmap.svg_from_layout(layout, edge_titles=False, labels=labels))
    texts = [t.text for t in screen.iter(SVG + "text")]
    assert not list(printed.iter(SVG + "text")) and not list(printed.iter(SVG + "title"))[1:]
    assert [lab.text for lab in labels] == texts
    html = render_html(sample, "en")  # the screen report keeps its SVG text
    assert html.count('class="fm-label"') == 0 and "<text" in html


def test_print_world_map_merges_plain_land_and_leaves_the_legend_to_html(sample):
    screen = worldmap.render_worldmap_svg(sample, "en")
    printed = worldmap.render_worldmap_svg(sample, "en", paged=True)
    assert printed.count("<path") < 20 < screen.count("<path")
    assert "<text" not in printed
    assert re.findall(r'data-code="(\w+)"', printed) == re.findall(r'data-code="(\w+)"', screen)
    key = worldmap.legend(sample, "en")
    assert [i.label for i in key.items][:1] == ["unlawful"] and "Natural Earth" in key.source
    assert all(len(worldmap.country_path(c)) > 0 for c in ("US", "FR", "IL"))


def test_css_strings_keep_spaces_after_escapes():
    assert css_string("0.1.0 · as of") == '"0\\00002e1\\00002e0 \\0000b7\\000020as of"'


def test_compiled_templates_are_cached(tmp_path, monkeypatch):
    from jinja2 import DictLoader, Environment

    monkeypatch.setenv("GDPRMAP_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("GDPRMAP_NO_CACHE", raising=False)
    loader = DictLoader({"t.j2": "{{ x }}!"})
    first = Environment(loader=loader, bytecode_cache=TemplateCache())
    assert first.get_template("t.j2").render(x=1) == "1!"
    assert list((tmp_path / "derived").glob("jinja-*"))
    cache = TemplateCache()
    second = Environment(loader=loader, bytecode_cache=cache)
    bucket = cache.get_bucket(second, "t.j2", None, "{{ x }}!")
    assert bucket.code is not None  # loaded, not compiled again
    (next((tmp_path / "derived").glob("jinja-*"))).write_bytes(b"garbage")
    assert Environment(loader=loader, bytecode_cache=TemplateCache()).get_template(
        "t.j2").render(x=2) == "2!"


def test_lean_default_stylesheet_prints_the_same_bytes():
    import weasyprint

    from gdprmap.reports import pdf

    html = ("<html><body><h1>T</h1><ol><li>one</li><li>two</li></ol>"
            "<ul><li>a</li></ul><table><tr><td>x</td></tr></table></body></html>")
    lean = pdf._print(html)
    stock = weasyprint.HTML(string=html, base_url=None, url_fetcher=pdf.no_fetch_url_fetcher())
    assert lean == stock.write_pdf(pdf_identifier=False, uncompressed_pdf=False)
    assert type(pdf._document(html, None)).__name__ == "LeanHTML"
    with_notes = html.replace("<h1>T</h1>", '<p style="float: footnote">n</p>')
    assert type(pdf._document(with_notes, None)).__name__ == "HTML"


def test_report_css_parsed_once_prints_the_same_bytes(monkeypatch, tmp_path):
    from gdprmap.reports import pdf
    from gdprmap.reports.html import render_document

    assessment = sample_assessment()
    document = render_document(assessment, "de", paged=True)
    fetcher = pdf.no_fetch_url_fetcher()
    parts = pdf._prepared_style(pdf._document(document, fetcher), fetcher)
    assert len(parts) == 2 and parts[0] is pdf._static_css()  # parsed once per process
    split = pdf._print(document)
    monkeypatch.setattr(pdf, "_prepared_style", lambda document, fetcher: [])
    assert pdf._print(document) == split
    monkeypatch.undo()
    # a --template-dir stylesheet is another text: the <style> is read as it is
    (tmp_path / "report.css").write_text("p { color: red; }", encoding="utf-8")
    own = render_document(assessment, "en", paged=True, template_dir=tmp_path)
    assert pdf._prepared_style(pdf._document(own, fetcher), fetcher) == []


def test_only_foreign_library_names_are_short_circuited():
    from gdprmap.reports.pdf import _FOREIGN_LIBRARY_NAME as foreign

    for name in ("libgobject-2.0-0", "pango-1.0-0", "libharfbuzz-0", "libfontconfig-1",
                 "libpango-1.0-0.dll", "libpango-1.0.dylib"):
        assert foreign.search(name), name
    for name in ("gobject-2.0", "pango-1.0", "harfbuzz", "fontconfig", "pangoft2-1.0",
                 "libpango-1.0.so.0"):
        assert not foreign.search(name), name
