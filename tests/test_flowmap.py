"""The data-flow map: layout (no overlaps, ordering, groups) and the SVG it draws."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
from report_sample import HOSTILE_SCRIPT, many_recipients, sample_assessment

from gdprmap.models import Organisation, Verdict
from gdprmap.reports import flowmap
from gdprmap.reports.flowmap import (
    count_crossings,
    fit_text,
    layout_flowmap,
    render_flowmap_svg,
    text_width,
)

SVG = "{http://www.w3.org/2000/svg}"
RED = "#c0392b"


@pytest.fixture(scope="module")
def sample():
    return sample_assessment()


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    return root


def _groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(SVG + "g") if cls in (g.get("class") or "").split()]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_svg_parses_with_a_node_per_recipient_and_a_legend(sample, lang):
    root = _parse(render_flowmap_svg(sample, lang))
    nodes = {g.get("data-node") for g in _groups(root, "recipient")}
    assert nodes == {"rec:" + r.id for r in sample.recipients}
    legend = _groups(root, "legend")
    assert len(legend) == 1
    legend_text = " ".join(t.text or "" for t in legend[0].iter(SVG + "text"))
    for verdict in Verdict:
        assert verdict.value in legend_text
    if lang == "fr":
        assert "unlawful (illicite)" in legend_text
        assert "Légende" in legend_text


def test_columns_hold_categories_recipients_and_jurisdictions(sample):
    layout = layout_flowmap(sample, "en")
    data = {n.id for n in layout.column("data")}
    assert data == {
        "data:https://w3id.org/dpv/pd#" + x
        for x in (
            "IPAddress",
            "Identifier",
            "BrowsingBehaviour",
            "BrowsingReferral",
            "UserAgent",
            "Health",
        )
    }
    countries = {n.id for n in layout.column("jurisdiction")}
    # FR (establishments, Paris S3), US (AWS, Cloudflare, Sentry, Piano, Cloudinary's
    # processing), IL (Cloudinary), and the unidentified host group's unknown jurisdiction.
    assert countries == {"country:FR", "country:US", "country:IL", "country:?"}
    health = layout.node("data:https://w3id.org/dpv/pd#Health")
    assert health.special and health.badge == "Art. 9"


def test_unlawful_recipients_have_red_edges_and_verdict_colours(sample):
    root = _parse(render_flowmap_svg(sample, "en"))
    edges = _groups(root, "transfer")
    unlawful = {"rec:" + r.id for r in sample.recipients if r.verdict is Verdict.UNLAWFUL}
    assert len(unlawful) == 4
    seen = set()
    for g in edges:
        path = g.find(SVG + "path")
        arrow = g.find(SVG + "polygon")
        assert arrow is not None and arrow.get("fill") == path.get("stroke")
        if g.get("data-source") in unlawful:
            assert path.get("stroke") == RED
            seen.add(g.get("data-source"))
        else:
            assert path.get("stroke") != RED
    assert seen == unlawful
    # exposed and unknown are dashed, the others solid
    for g in edges:
        dashed = g.find(SVG + "path").get("stroke-dasharray") is not None
        verdict = next(c for c in g.get("class").split() if c.startswith("v-"))[2:]
        assert dashed == (verdict in ("exposed", "unknown"))


def test_special_category_edges_are_thicker(sample):
    layout = layout_flowmap(sample, "en")
    special = [e for e in layout.edges if e.kind == "data" and e.special]
    plain = [e for e in layout.edges if e.kind == "data" and not e.special]
    assert {e.target for e in special} == {"rec:org:functional-software", "rec:org:at-internet"}
    assert min(e.width for e in special) > 2 * max(e.width for e in plain)


def test_edges_are_cubic_paths_with_polygon_heads(sample):
    svg = render_flowmap_svg(sample, "en")
    root = _parse(svg)
    assert "<marker" not in svg and "<polyline" not in svg
    for path in root.iter(SVG + "path"):
        d = path.get("d")
        assert d.startswith("M") and " C" in d
        assert "Q" not in d and "q" not in d


def _assert_no_overlap(layout: flowmap.FlowMapLayout) -> None:
    boxes = layout.label_boxes()
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"{a} {box_a} overlaps {b} {box_b}"
    for node in layout.nodes:
        for text in node.texts:
            assert node.box.contains(text.box), f"text {text.text!r} leaves node {node.id}"
        if node.badge_box is not None:
            assert node.box.contains(node.badge_box)
    for group in layout.groups:
        assert group.box.contains(group.header)
        for member in group.members:
            assert group.box.contains(layout.node(member).box)
            assert not group.header.overlaps(layout.node(member).box)
    assert all(0 <= box.x and box.right <= layout.width + 1e-6 for _, box in boxes)
    assert all(0 <= box.y and box.bottom <= layout.height + 1e-6 for _, box in boxes)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_label_boxes_overlap(sample, lang):
    _assert_no_overlap(layout_flowmap(sample, lang))


def test_no_overlap_with_many_recipients_and_the_map_grows():
    small = layout_flowmap(sample_assessment(), "en")
    big_assessment = many_recipients(40, evidence_per_finding=1)
    big = layout_flowmap(big_assessment, "fr")
    _assert_no_overlap(big)
    assert big.width == small.width == 1000
    assert big.height > 3 * small.height
    assert len(big.column("recipient")) == 40


def test_parts_split_a_large_map_keeping_every_recipient():
    assessment = many_recipients(40, evidence_per_finding=1)
    parts = flowmap.flowmap_parts(assessment, "en", per_part=12)
    assert len(parts) >= 4
    ids = [n.id for p in parts for n in p.column("recipient")]
    assert sorted(ids) == sorted("rec:" + r.id for r in assessment.recipients)
    for part in parts:
        assert len(part.column("recipient")) <= 12
        _assert_no_overlap(part)


def test_long_labels_are_truncated_with_the_full_text_in_title(sample):
    long_name = "Extraordinarily Long Multinational Advertising Technology Holdings Group, Inc."
    first = sample.recipients[0]
    org = first.organisation.model_copy(update={"name": long_name})
    changed = sample.model_copy(
        update={
            "recipients": (first.model_copy(update={"organisation": org}), *sample.recipients[1:])
        }
    )
    layout = layout_flowmap(changed, "en")
    node = layout.node("rec:" + first.id)
    assert node.label.endswith("…") and node.label != long_name
    assert node.full_label == long_name
    root = _parse(render_flowmap_svg(changed, "en"))
    g = next(g for g in _groups(root, "recipient") if g.get("data-node") == node.id)
    assert long_name in g.find(SVG + "title").text
    _assert_no_overlap(layout)


def test_parent_groups_are_contiguous_and_framed(sample):
    layout = layout_flowmap(sample, "en")
    labels = {g.id: g.full_label for g in layout.groups}
    assert labels == {
        "parent:piano-software": "Parent: Piano Software Inc. · US",
        "parent:amazon-com": "Parent: Amazon.com, Inc. · US",
    }
    assessment = many_recipients(30, evidence_per_finding=1)
    layout = layout_flowmap(assessment, "en")
    order = [n.group for n in layout.column("recipient")]
    for group in {g for g in order if g}:
        idx = [i for i, g in enumerate(order) if g == group]
        assert idx == list(range(idx[0], idx[-1] + 1)), f"{group} is split"


def test_barycentre_sweeps_do_not_increase_crossings():
    assessment = many_recipients(25, evidence_per_finding=1)
    before = layout_flowmap(assessment, "en", sweeps=0).crossings
    after = layout_flowmap(assessment, "en", sweeps=4).crossings
    assert after <= before
    sample = layout_flowmap(sample_assessment(), "en")
    assert sample.crossings <= layout_flowmap(sample_assessment(), "en", sweeps=0).crossings


def test_count_crossings():
    assert count_crossings(["a", "b"], ["x", "y"], [("a", "x"), ("b", "y")]) == 0
    assert count_crossings(["a", "b"], ["x", "y"], [("a", "y"), ("b", "x")]) == 1
    assert count_crossings(["a", "b", "c"], ["x"], [("a", "x"), ("b", "x"), ("c", "x")]) == 0


def test_hostile_text_is_escaped_in_the_svg():
    hostile = sample_assessment(hostile="http://127.0.0.1:9")
    first = hostile.recipients[0]
    org = first.organisation.model_copy(update={"name": HOSTILE_SCRIPT + "\x00\x1b"})
    hostile = hostile.model_copy(
        update={
            "recipients": (first.model_copy(update={"organisation": org}), *hostile.recipients[1:])
        }
    )
    svg = render_flowmap_svg(hostile, "en")
    assert "<script" not in svg and "<img" not in svg
    assert "&lt;script&gt;" in svg
    root = _parse(svg)  # parses: control characters were replaced
    texts = " ".join(t.text or "" for t in root.iter(SVG + "title"))
    assert HOSTILE_SCRIPT in texts
    for element in root.iter():
        for name, value in element.attrib.items():
            assert not (name.endswith("href") or name == "src"), (name, value)


def test_unidentified_recipient_goes_to_an_unknown_jurisdiction(sample):
    layout = layout_flowmap(sample, "en")
    edges = [
        e for e in layout.edges if e.source == "rec:domain:trk-7f3a.net" and e.kind == "transfer"
    ]
    assert [e.target for e in edges] == ["country:?"]
    assert edges[0].dash is not None
    assert layout.node("rec:domain:trk-7f3a.net").full_label == "trk-7f3a.net"


def test_text_measurement_and_fitting():
    assert text_width("WWW", 10) > text_width("iii", 10)
    assert text_width("é", 10) == pytest.approx(text_width("e", 10))
    fitted = fit_text("A" * 200, 100, 10)
    assert fitted.endswith("…") and text_width(fitted, 10) <= 100
    assert fit_text("short", 100, 10) == "short"


def test_unknown_language_is_refused(sample):
    with pytest.raises(ValueError):
        render_flowmap_svg(sample, "xx")


def test_recipient_helpers():
    org = Organisation(id="a", name="A SAS", country="FR", parent="p", parent_country="US")
    assert flowmap.parent_name(org) == "p"  # no chain: the id
    assert flowmap.verdict_colour("unlawful") == RED
    assert flowmap.verdict_colour("some-future-verdict") == flowmap.FALLBACK_COLOUR
