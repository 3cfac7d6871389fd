"""Issue 19: the printed report's tree comes from expat (``reports.htmltree``), and must be the
tree WeasyPrint's HTML5 parser (tinyhtml5) builds from the same text, element by element;
markup where HTML5 would build another tree falls back to tinyhtml5."""

from __future__ import annotations

import pytest
import tinyhtml5
from report_sample import many_recipients, sample_assessment

from gdprmap.reports import html, htmltree, i18n, pdf

EXAMPLE = "examples/health-booking/capture.har"


def _tree(element) -> list[tuple]:
    out: list[tuple] = []

    def walk(e, depth):
        out.append((depth, e.tag, sorted(e.attrib.items()), e.text, e.tail))
        for child in e:
            walk(child, depth + 1)

    walk(element, 0)
    return out


def _html5(document: str) -> list[tuple]:
    return _tree(tinyhtml5.parse(document, namespace_html_elements=False))


def _printed(assessment, lang="en", variant=None) -> str:
    return html.render_document(
        assessment, lang, paged=True, created=pdf.source_date({"SOURCE_DATE_EPOCH": "0"}),
        attachments=pdf.attachment_names(assessment) if variant else ())


def _assessments():
    from pathlib import Path

    from gdprmap import api

    root = Path(__file__).resolve().parent.parent
    yield "example", api.analyze(root / EXAMPLE), "en"
    yield "example-de", api.analyze(root / EXAMPLE), "de"
    for lang in sorted(i18n.LANGUAGES):
        yield f"sample-{lang}", sample_assessment(), lang
    yield "hostile", sample_assessment(hostile="http://127.0.0.1:9"), "en"
    yield "controller", sample_assessment(controller='Praxis "Müller" & <Söhne>'), "en"
    yield "annex", many_recipients(html.ANNEX_ABOVE + 7, evidence_per_finding=2), "en"


@pytest.mark.parametrize("name, assessment, lang",
                         [pytest.param(*a, id=a[0]) for a in _assessments()])
def test_report_trees_are_the_html5_trees(name, assessment, lang):
    for variant in (None, "pdf/a-3b"):
        document = _printed(assessment, lang, variant)
        tree = htmltree.parse(document)
        assert tree is not None, f"{name}: the report fell back to the HTML5 parser"
        assert _tree(tree) == _html5(document)


def test_consent_report_tree(tmp_path):
    from test_capture import _consent_har

    from gdprmap import api

    document = _printed(api.analyze(_consent_har(tmp_path)))
    tree = htmltree.parse(document)
    assert tree is not None and _tree(tree) == _html5(document)


def _page(body: str, head: str = "") -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n{head}"
            f"<title>t &amp; u</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n\n")


SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" width="10">'


@pytest.mark.parametrize("body, head", [
    # what HTML5 adds is added: <tbody> around rows, whitespace after </body> moved into it
    ("<table>\n <colgroup><col class=\"k\"><col></colgroup>\n <tr><th>a</th><td>b</td></tr>\n"
     " <tr><td>c</td><td>d<br>e</td></tr>\n</table>", ""),
    ("<table><thead><tr><th>h</th></tr></thead>\n<tr><td>1</td></tr><tfoot><tr><td>f</td>"
     "</tr></tfoot><tr><td>2</td></tr></table>", ""),
    # <style> is raw text, void elements closed, references decoded, SVG names kept
    ("<p class=\"x\">a &lt;b&gt; &#34;c&#39; &#x2014; é<br/>d<img src=\"data:,\" alt=\"\"></p>",
     "<style>/* <pre> & <col> */ a > b { content: \"&amp;\"; }</style>\n"),
    (f"<div>{SVG}<title>Map</title><defs><linearGradient id=\"g\"><stop offset=\"0\"/>"
     "</linearGradient><clipPath id=\"c\"><rect x=\"0\" y=\"0\" width=\"1\" height=\"1\"/>"
     "</clipPath></defs><path d=\"M0 0L1 1Z\" stroke-width=\"0.5\"/><text x=\"1\">a&amp;b"
     "</text></svg></div>", ""),
    ("<ul><li>a<ul><li>b</li></ul></li></ul><dl><dt>t</dt><dd>d<dl><dd>e</dd></dl></dd></dl>"
     "<p>x<a href=\"#a\">y</a></p><table><tr><td><p>p<a href=\"#\">q</a></p></td></tr></table>"
     "<pre class=\"command\">gdprmap  report\n  x</pre>", ""),
])
def test_fast_tree_equals_html5_tree(body, head):
    document = _page(body, head)
    tree = htmltree.parse(document)
    assert tree is not None
    assert _tree(tree) == _html5(document)


@pytest.mark.parametrize("body", [
    "<p>a<div>b</div></p>",  # HTML5 closes the <p>: <p>a</p><div>b</div><p></p>
    "<p>a<span><table><tr><td>x</td></tr></table></span></p>",
    "<ul><li>a<li>b</li></li></ul>",
    "<dl><dt>a<dd>b</dd></dt></dl>",
    "<a href=\"#x\">a<a href=\"#y\">b</a></a>",
    "<h2>a<h3>b</h3></h2>",
    "<table><div>moved</div></table>",
    "<table>text<tr><td>x</td></tr></table>",
    "<table><col/><tr><td>x</td></tr></table>",
    "<div><td>x</td></div>",
    "<div><tr><td>x</td></tr></div>",
    "<pre>\nfirst line dropped by HTML5</pre>",
    "<p title=\"two\nlines\">x</p>",
    "<p title=\"tab\there\">x</p>",
    "<!-- a comment -->",
    "<script>var a = 1;</script>",
    "<p>&nbsp;</p>",
    "<p>&#150;</p>",
    "<DIV>x</DIV>",
    "<p onClick=\"x\">y</p>",
    "<div xml:lang=\"de\">x</div>",
    "<custom-element>x</custom-element>",
    "<form><input type=\"text\"></form>",
    "<textarea>x</textarea>",
    f"{SVG}<span>HTML5 leaves the SVG here</span></svg>",
    f"{SVG}<lineargradient id=\"g\"/></svg>",
    f"{SVG}<rect viewbox=\"0 0 1 1\"/></svg>",
    f"{SVG}<foreignObject><div>x</div></foreignObject></svg>",
    "<svg viewBox=\"0 0 1 1\"><rect/></svg>",
    "<p>unclosed",
    "<br>x</br>",
    "<p>a]]>b</p>",
    "<p>AT&T</p>",
])
def test_other_markup_falls_back(body):
    assert htmltree.parse(_page(body)) is None


@pytest.mark.parametrize("document", [
    "<html><head></head><body><p>no doctype: quirks mode</p></body></html>",
    "<!DOCTYPE html><html><head></head><body></body></html><p>after</p>",
    "<!DOCTYPE html><html><head><div>x</div></head><body></body></html>",
    "<!DOCTYPE html><html>text<head></head><body></body></html>",
    "<!DOCTYPE html><html><head></head><body></body><body></body></html>",
    "<!DOCTYPE html><html><head><style>a{}</style><STYLE>b{}</STYLE></head><body></body></html>",
    "<!DOCTYPE html><html><head><style>a{content:\"]]>\"}</style></head><body></body></html>",
])
def test_other_documents_fall_back(document):
    assert htmltree.parse(document) is None


def test_pdf_is_the_same_without_the_fast_tree(monkeypatch):
    assessment = sample_assessment()
    fast = pdf.render_pdf_bytes(assessment)
    assert pdf._html_fields()
    monkeypatch.setattr(htmltree, "parse", lambda document: None)
    assert pdf.render_pdf_bytes(assessment) == fast


def test_fallback_still_prints():
    document = _page("<p>a<div>b</div></p>")
    assert htmltree.parse(document) is None
    assert pdf._print(document).startswith(b"%PDF-")
