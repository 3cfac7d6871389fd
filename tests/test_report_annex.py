"""Issue 19: a large report prints its long tail of recipients in a compact annex.

Above ``html.ANNEX_ABOVE`` recipients, that many are printed in full and every other one is a
line of the annex (never dropped: verdict, deciding rule, countries, requests, evidence entries);
the flow map draws the annex's recipients grouped by verdict. Not timed: the speed is measured
by ``benchmarks/report_scale.py --hosts``.
"""

from __future__ import annotations

import html as htmllib
import io
import random
import re

import pypdf
import pytest
from report_sample import many_recipients

from gdprmap.models import Verdict
from gdprmap.reports import flowmap, html
from gdprmap.reports.html import build_context, render_html, split_tail


def _annex_text(document: str) -> str:
    """The annex section's text, unescaped."""
    start = document.index('id="annex"')
    end = document.index("</section>", start)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", document[start:end]))


def test_threshold_switches_the_annex_on():
    at = many_recipients(html.ANNEX_ABOVE, evidence_per_finding=2)
    context = build_context(at, "en", paged=True)
    assert context["annex"] is None
    assert len(context["recipients"]) == html.ANNEX_ABOVE
    assert 'id="annex"' not in render_html(at, "en")

    above = many_recipients(html.ANNEX_ABOVE + 1, evidence_per_finding=2)
    context = build_context(above, "en", paged=True)
    assert context["annex"] is not None
    assert len(context["recipients"]) == html.ANNEX_ABOVE
    assert context["annex"]["n"] == 1
    assert context["annex"]["total"] == html.ANNEX_ABOVE + 1
    assert 'id="annex"' in render_html(above, "en")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_annex_lists_every_recipient_with_verdict_rule_and_evidence(lang):
    assessment = many_recipients(html.ANNEX_ABOVE + 90, evidence_per_finding=4)
    context = build_context(assessment, lang, paged=True)
    shown = {v["id"] for v in context["recipients"]}
    annex = context["annex"]
    lines = [line for g in annex["groups"] for chunk in g["chunks"] for line in chunk]
    assert len(shown) + len(lines) == len(assessment.recipients)
    assert sum(g["count"] for g in annex["groups"]) == len(lines) == annex["n"] == 90
    # every chunk is bounded (one huge <pre> lays out slower than many small ones)
    assert all(len(c) <= html.ANNEX_CHUNK for g in annex["groups"] for c in g["chunks"])
    # groups: one per verdict, most serious first, each line's recipient has that verdict
    ranks = [Verdict(g["verdict"]).rank for g in annex["groups"]]
    assert ranks == sorted(ranks, reverse=True) and len(set(ranks)) == len(ranks)

    text = _annex_text(render_html(assessment, lang))
    by_name = {flowmap.recipient_name(r): r for r in assessment.recipients}
    listed = 0
    for r in assessment.recipients:
        if r.id in shown:
            continue
        listed += 1
        name = flowmap.recipient_name(r)
        assert name in text, name
        deciding = next(f for f in r.findings if f.verdict is not None)
        # the line: index, name, deciding rule, countries, requests, evidence entries
        pattern = (rf"\d+\s+{re.escape(name)}\s+{re.escape(deciding.rule)}\s+\S.*?\s+"
                   rf"{r.requests}\s+(?:{re.escape(deciding.evidence[0].input)} )?"
                   rf"#{deciding.evidence[0].entry}")
        assert re.search(pattern, text), name
    assert listed == 90 and len(by_name) == len(assessment.recipients)
    assert text.count("#") >= 90


def test_prominent_recipients_are_printed_in_full():
    assessment = many_recipients(html.ANNEX_ABOVE + 40, evidence_per_finding=2)
    ordered = flowmap.sort_recipients(assessment.recipients)
    shown, tail = split_tail(ordered)
    assert len(shown) == html.ANNEX_ABOVE and len(shown) + len(tail) == len(ordered)
    # identified before unidentified, then the most serious verdict
    worst_tail = min(html.prominence(r) for r in tail)
    assert all(html.prominence(r) < worst_tail for r in shown)
    if any(r.organisation is None for r in shown):
        assert all(r.organisation is None for r in tail)
    # both keep the report's order, and the choice does not depend on the input order
    assert [r.id for r in shown] == [r.id for r in ordered if r in shown]
    shuffled = list(ordered)
    random.Random(3).shuffle(shuffled)
    again, _ = split_tail(flowmap.sort_recipients(shuffled))
    assert [r.id for r in again] == [r.id for r in shown]


def test_summary_and_findings_count_the_annex():
    assessment = many_recipients(html.ANNEX_ABOVE + 50, evidence_per_finding=2)
    context = build_context(assessment, "en", paged=True)
    # every rule's group counts the recipients of the annex it applies to
    per_rule: dict[str, int] = {}
    for r in assessment.recipients:
        for f in r.findings:
            per_rule[f.rule] = per_rule.get(f.rule, 0) + 1
    for g in context["rule_groups"]:
        assert len(g["rows"]) + g["annex"] == per_rule[g["rule"]], g["rule"]
    # special categories: named or counted, never lost
    special = sum(1 for r in assessment.recipients if r.special_categories)
    assert sum(c["total"] for c in context["special_by_category"]) == special
    # the Art. 30 overview counts every recipient
    assert context["art30"]["recipients_total"] == len(assessment.recipients)
    # countries controlled from: at most NAMES_CAP names, the rest counted
    for row in context["controlling_countries"]:
        assert len(row["recipients"]) <= html.NAMES_CAP
        assert len(row["recipients"]) + row["more"] == row["count"]


def test_annex_escapes_names():
    assessment = many_recipients(html.ANNEX_ABOVE + 5, evidence_per_finding=2)
    ordered = flowmap.sort_recipients(assessment.recipients)
    _, tail = split_tail(ordered)
    victim = tail[-1]
    hostile = victim.model_copy(update={
        "id": "domain:<img src=x onerror=alert(1)>\n.example", "organisation": None})
    recipients = tuple(hostile if r is victim else r for r in assessment.recipients)
    document = render_html(assessment.model_copy(update={"recipients": recipients}), "en")
    assert "<img src=x" not in document
    assert "&lt;img src=x onerror=alert(1)&gt;" in document


def test_flow_map_groups_the_annex_deterministically():
    assessment = many_recipients(html.ANNEX_ABOVE + 70, evidence_per_finding=2)
    ordered = flowmap.sort_recipients(assessment.recipients)
    shown, tail = split_tail(ordered)
    svg = flowmap.svg_from_layout(flowmap.layout_flowmap(assessment, "en", recipients=[],
                                                         grouped=tail))
    shuffled = list(tail)
    random.Random(5).shuffle(shuffled)
    layout = flowmap.layout_flowmap(assessment, "en", recipients=[], grouped=shuffled)
    assert flowmap.svg_from_layout(layout) == svg
    nodes = layout.column("recipient")
    verdicts = {r.verdict for r in tail}
    assert len(nodes) == len(verdicts)
    assert {n.verdict for n in nodes} == verdicts
    assert sum(int(n.full_label.split()[0]) for n in nodes) == len(tail)
    assert len(layout.column("jurisdiction")) <= flowmap.TAIL_COUNTRIES
    assert f"({len(tail)})" in layout.headers[1].text  # the column counts recipients
    # every jurisdiction a grouped recipient reaches is drawn, alone or in "N other countries"
    reached = {c for r in tail for c in flowmap.recipient_jurisdictions(r) or {"?": []}}
    drawn = set()
    for n in layout.column("jurisdiction"):
        code = n.id.removeprefix("country:")
        drawn |= set(n.title.split(": ", 1)[1].split(", ")) if code == "+" else {code}
    assert drawn == reached

    parts = flowmap.flowmap_parts(assessment, "en", per_part=12, recipients=shown,
                                  grouped=tail)
    assert len(parts) == -(-len(shown) // 12) + 1
    assert sum(len(p.column("recipient")) for p in parts[:-1]) == len(shown)
    assert parts[-1].title.endswith(f"({len(parts)} of {len(parts)})".replace("(", "(part "))


def test_pdf_prints_the_annex_and_reprints_the_same_bytes(monkeypatch):
    from gdprmap.reports.pdf import render_pdf_bytes

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assessment = many_recipients(html.ANNEX_ABOVE + 25, evidence_per_finding=2)
    pdf = render_pdf_bytes(assessment, "en")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = re.sub(r"\s+", " ", "\n".join(p.extract_text() or "" for p in reader.pages))
    assert "Annex: other recipients" in text
    _, tail = split_tail(flowmap.sort_recipients(assessment.recipients))
    for r in tail:
        assert flowmap.recipient_name(r) in text
    assert render_pdf_bytes(assessment, "en") == pdf
