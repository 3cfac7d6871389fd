"""The world map of destination countries: bundled shapes, colours by verdict, escaping."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from report_sample import HOSTILE_SCRIPT, sample_assessment

from gdprmap.models import Destination, Transfer, Verdict
from gdprmap.reports import flowmap, worldmap
from gdprmap.resources import data_path

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def sample():
    return sample_assessment()


def test_bundled_shapes_are_small_keyed_by_alpha2_and_attributed():
    path = data_path("world-110m.json")
    assert path.stat().st_size < 400_000
    data = json.loads(path.read_text())
    assert "Natural Earth" in data["source"] and "world-atlas" in data["source"]
    shapes = worldmap.shapes()
    assert len(shapes) > 170
    for code in ("US", "FR", "DE", "IE", "IL", "CN", "BR", "AU", "IN", "GB"):
        assert code in shapes, code
    assert "AQ" not in worldmap.POINTS  # Antarctica is cropped, not pointed at
    for rings in shapes.values():
        for ring in rings:
            assert len(ring) >= 3
            assert all(-180.1 <= lon <= 180.1 and -90.1 <= lat <= 90.1 for lon, lat in ring)


def test_projection_maps_the_corners():
    assert worldmap.project(-180, worldmap.LAT_TOP) == (0.0, 0.0)
    x, y = worldmap.project(180, worldmap.LAT_BOTTOM)
    assert x == pytest.approx(worldmap.WIDTH) and y == pytest.approx(worldmap.HEIGHT)


def test_countries_take_the_worst_verdict_received_there(sample):
    marks = worldmap.country_verdicts(sample)
    assert marks["US"].verdict == Verdict.UNLAWFUL
    assert "Cloudflare, Inc." in marks["US"].recipients
    assert marks["FR"].verdict is not None  # AT Internet, Axeptio receive data in France
    # a parent country where no data is received is marked as such, without a verdict
    parents_only = [m for m in marks.values() if m.verdict is None]
    assert all(m.parent_of for m in parents_only)


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_svg_colours_destinations_and_has_a_legend(sample):
    root = _parse(worldmap.render_worldmap_svg(sample, "en"))
    dest = {el.get("data-code"): el for el in root.iter() if el.get("data-code")}
    assert dest["US"].get("fill") == flowmap.verdict_colour("unlawful")
    assert dest["US"].tag == SVG + "path" and dest["US"].get("d").startswith("M")
    texts = " ".join(t.text or "" for t in root.iter(SVG + "text"))
    assert "unlawful" in texts and "EU/EEA" in texts and "Natural Earth" in texts
    fr = " ".join(t.text or "" for t in _parse(worldmap.render_worldmap_svg(sample, "fr"))
                  .iter(SVG + "text"))
    assert "UE/EEE" in fr and "domaine public" in fr


def test_small_countries_are_dots_and_unknown_codes_are_named(sample):
    r = sample.recipients[0]
    extra = r.model_copy(update={
        "transfers": (Transfer(country="SG", entity="x", verdict=Verdict.ADEQUATE),
                      Transfer(country="ZZ", entity="x", verdict=Verdict.UNKNOWN)),
        "destinations": (Destination(country="SG", entity="x", basis="b", source="s"),),
    })
    a = sample.model_copy(update={"recipients": (extra, *sample.recipients[1:])})
    svg = worldmap.render_worldmap_svg(a, "en")
    root = _parse(svg)
    dots = [el for el in root.iter(SVG + "circle") if el.get("data-code") == "SG"]
    assert dots and dots[0].get("fill") == flowmap.verdict_colour("adequate")
    assert "Not drawn: ZZ." in svg


def test_hostile_names_are_escaped(sample):
    r = sample.recipients[0]
    org = r.organisation.model_copy(update={"name": HOSTILE_SCRIPT}) if r.organisation else None
    a = sample.model_copy(update={"recipients": (r.model_copy(update={"organisation": org}),
                                                 *sample.recipients[1:])})
    svg = worldmap.render_worldmap_svg(a, "en")
    assert "<script>" not in svg
    _parse(svg)  # still well-formed XML
