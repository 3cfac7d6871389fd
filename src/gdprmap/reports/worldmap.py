"""World map of destination countries, coloured by the worst verdict reaching each, as SVG.

Shapes: ``data/world-110m.json`` (Natural Earth 1:110m admin-0, public domain, via the npm
package ``world-atlas``; built by ``scripts/build_world_map.py``), equirectangular projection
cropped to latitudes 84°N-58°S (Antarctica left out). Countries too small for 1:110m
(Singapore, Hong Kong, Malta …) are drawn as dots at a bundled reference point, and a country
with neither shape nor point is named under the map, never silently dropped.

Outlines are simplified (Douglas-Peucker, :data:`SIMPLIFY` map units, 0.27 mm on the printed
page): 10,562 points become about 4,100. WeasyPrint parses and draws SVG paths in Python, about
50 us per point, so this takes the map page from about 0.4 s to 0.2 s.
For print (``paged=True``) the countries without data are one ``<path>`` per fill, without the
per-country ``<title>`` tooltips a PDF cannot show.

Only verdicts and country codes from the assessment reach the SVG; every text is escaped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import cast

from ..models import Assessment, Verdict
from ..resources import DerivedCache, data_path, digest
from . import flowmap, i18n

WIDTH = 1000.0
LAT_TOP, LAT_BOTTOM = 84.0, -58.0
SCALE = WIDTH / 360.0
HEIGHT = (LAT_TOP - LAT_BOTTOM) * SCALE
LEGEND_HEIGHT = 58.0
LAND = "#e3e7eb"
LAND_STROKE = "#ffffff"
EEA_LAND = "#cfd8e0"
PARENT_STROKE = "#1d232a"
SIMPLIFY = 1.0  # map units (1000 across the page): farthest a dropped point may lie

# Reference points (lon, lat) of territories missing from the 1:110m shapes.
POINTS: dict[str, tuple[float, float]] = {
    "SG": (103.8, 1.35), "HK": (114.2, 22.3), "MO": (113.5, 22.2), "MT": (14.4, 35.9),
    "MC": (7.4, 43.7), "LI": (9.55, 47.15), "AD": (1.5, 42.5), "SM": (12.45, 43.94),
    "VA": (12.45, 41.9), "BH": (50.55, 26.05), "BM": (-64.75, 32.3), "KY": (-81.25, 19.3),
    "JE": (-2.13, 49.21), "GG": (-2.58, 49.45), "IM": (-4.5, 54.23), "GI": (-5.35, 36.14),
    "MU": (57.55, -20.25), "SC": (55.45, -4.6), "BB": (-59.55, 13.15), "VG": (-64.6, 18.43),
    "FO": (-6.9, 62.0), "AX": (19.9, 60.2), "RE": (55.5, -21.1), "GP": (-61.5, 16.2),
    "MQ": (-61.0, 14.6), "YT": (45.15, -12.8), "MF": (-63.05, 18.07), "KN": (-62.75, 17.3),
    "AG": (-61.8, 17.1), "LC": (-61.0, 13.9), "MV": (73.5, 4.2), "CV": (-23.6, 15.1),
}


@lru_cache(maxsize=1)
def shapes() -> dict[str, list[list[list[float]]]]:
    """ISO alpha-2 -> rings of [lon, lat] points (bundled, read once)."""
    data = json.loads(data_path("world-110m.json").read_text(encoding="utf-8"))
    # the bundled file's "countries" maps ISO codes to rings of [lon, lat] pairs
    return cast(dict[str, list[list[list[float]]]], data["countries"])


def project(lon: float, lat: float) -> tuple[float, float]:
    return (lon + 180.0) * SCALE, (LAT_TOP - lat) * SCALE


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker: the points of a ring that keep every dropped point within
    ``tolerance`` of the simplified outline (first and last points always kept)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    limit = tolerance * tolerance
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        ax, ay = points[a]
        dx, dy = points[b][0] - ax, points[b][1] - ay
        length = dx * dx + dy * dy
        worst, at = -1.0, -1
        for i in range(a + 1, b):
            px, py = points[i][0] - ax, points[i][1] - ay
            t = 0.0 if length == 0 else max(0.0, min(1.0, (px * dx + py * dy) / length))
            d = (px - t * dx) ** 2 + (py - t * dy) ** 2
            if d > worst:
                worst, at = d, i
        if worst > limit:
            keep[at] = True
            stack += [(a, at), (at, b)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _outline(code: str) -> str:
    parts = []
    for ring in shapes().get(code, ()):
        pts = simplify([project(lon, max(min(lat, LAT_TOP), LAT_BOTTOM)) for lon, lat in ring],
                       SIMPLIFY)
        text = [f"{x:.1f} {y:.1f}" for x, y in pts]
        text = [t for i, t in enumerate(text) if i == 0 or t != text[i - 1]]
        if len(text) >= 3:
            parts.append("M" + "L".join(text) + "Z")
    return "".join(parts)


@lru_cache(maxsize=1)
def _outlines() -> dict[str, str]:
    """Every country's simplified outline. Simplifying takes about 60 ms, so the result is
    kept in the derived-data cache (``resources.DerivedCache``), named by a digest of the
    shapes file and the tolerance."""
    raw = data_path("world-110m.json").read_bytes()
    cache = DerivedCache("worldmap", digest(raw, repr(SIMPLIFY), repr((WIDTH, LAT_TOP,
                                                                       LAT_BOTTOM))))
    data = cache.read()
    if data is not None:
        try:
            found = json.loads(data)
            if isinstance(found, dict) and set(found) == set(shapes()):
                return {str(k): str(v) for k, v in found.items()}
        except ValueError:
            pass  # damaged entry: derive it again
    outlines = {code: _outline(code) for code in shapes()}
    cache.write(json.dumps(outlines, sort_keys=True).encode())
    return outlines


def country_path(code: str) -> str:
    """The SVG path data of a country's outline ('' when not in the shapes), simplified."""
    return _outlines().get(code, "")


@dataclass
class CountryMark:
    code: str
    verdict: Verdict | None  # worst verdict of data received there; None: parent country only
    recipients: list[str] = field(default_factory=list)
    parent_of: list[str] = field(default_factory=list)


def country_verdicts(assessment: Assessment) -> dict[str, CountryMark]:
    """Country -> worst verdict among the places recipients receive data there (transfers,
    else destinations with the recipient's verdict), plus countries of ultimate parents."""
    marks: dict[str, CountryMark] = {}

    def mark(code: str | None, verdict: Verdict | None, who: str, parent: bool = False) -> None:
        if not code:
            return
        m = marks.setdefault(code.upper(), CountryMark(code.upper(), None))
        if parent:
            if who not in m.parent_of:
                m.parent_of.append(who)
            return
        if m.verdict is None or (verdict is not None and verdict.rank > m.verdict.rank):
            m.verdict = verdict
        if who not in m.recipients:
            m.recipients.append(who)

    for r in assessment.recipients:
        name = flowmap.recipient_name(r)
        if r.transfers:
            for t in r.transfers:
                mark(t.country, t.verdict, name)
        else:
            for d in r.destinations:
                mark(d.country, r.verdict, name)
        for code in flowmap.controlling_countries(r):  # controlled from: outlined, no verdict
            mark(code, None, name, parent=True)
    return dict(sorted(marks.items()))


def render_worldmap_svg(assessment: Assessment, lang: str = "en", *, paged: bool = False) -> str:
    """The world map as a standalone ``<svg>`` element with its legend. ``paged``: for print,
    the countries without data are merged into one path per fill, without tooltips, and the
    legend is left to the caller (:func:`legend`): WeasyPrint 70 lays out and draws SVG text
    one letter at a time, about 0.15 s for this legend's 400 letters."""
    _ = i18n.Translator(lang, assessment.as_of)
    marks = country_verdicts(assessment)
    known = shapes()
    total_h = HEIGHT + (0 if paged else LEGEND_HEIGHT)
    out = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" class="worldmap" role="img" '
         f'viewBox="0 0 {WIDTH:.0f} {total_h:.0f}" width="{WIDTH:.0f}" height="{total_h:.0f}" '
         f'font-family="{flowmap.FONT_FAMILY}">'),
        f"<title>{flowmap.xml_text(_('wmap_title'))}</title>",
        f'<rect x="0" y="0" width="{WIDTH:.0f}" height="{HEIGHT:.1f}" fill="#f7f9fb"/>',
        '<g class="land">',
    ]
    merged: dict[str, list[str]] = {}  # paged: fill -> path data of the plain countries
    plain: list[str] = []
    parents: list[str] = []  # drawn last, so that their outline stays on top
    for code in known:
        if code in marks and marks[code].verdict is not None:
            continue
        fill = EEA_LAND if i18n.is_eea(code, assessment.as_of) else LAND
        title = "" if paged else f"<title>{flowmap.xml_text(_.country(code))}</title>"
        if code in marks:  # a parent company's country: outlined
            parents.append(f'<path d="{country_path(code)}" fill="{fill}" '
                           f'stroke="{PARENT_STROKE}" stroke-width="1.2" class="parent-country">'
                           f"{title}</path>")
        elif paged:
            merged.setdefault(fill, []).append(country_path(code))
        else:
            plain.append(f'<path d="{country_path(code)}" fill="{fill}" stroke="{LAND_STROKE}" '
                         f'stroke-width="0.4">{title}</path>')
    plain += [f'<path d="{"".join(d)}" fill="{fill}" stroke="{LAND_STROKE}" '
              f'stroke-width="0.4"/>' for fill, d in merged.items()]
    out += plain + parents
    out.append("</g>")
    out.append('<g class="destinations">')
    for code, m in marks.items():
        if m.verdict is None:
            continue
        colour = flowmap.verdict_colour(m.verdict)
        title = flowmap.xml_text(
            f"{_.country(code)} ({code}): {_.verdict(m.verdict)} - {', '.join(m.recipients)}")
        if code in known:
            out.append(f'<path class="country v-{m.verdict.value}" data-code="{code}" '
                       f'd="{country_path(code)}" fill="{colour}" stroke="#ffffff" '
                       f'stroke-width="0.5"><title>{title}</title></path>')
        elif code in POINTS:
            x, y = project(*POINTS[code])
            out.append(f'<circle class="country v-{m.verdict.value}" data-code="{code}" '
                       f'cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}" stroke="#ffffff" '
                       f'stroke-width="1"><title>{title}</title></circle>')
    out.append("</g>")
    if paged:  # the legend is printed as HTML under the map (see legend())
        out.append("</svg>")
        return "".join(out)
    key = legend(assessment, lang, marks)
    y = HEIGHT + 16
    x = 8.0
    out.append('<g class="legend" font-size="12">')
    for item in key.items:
        s = f' stroke="{item.stroke}" stroke-width="1.2"' if item.stroke else ""
        out.append(f'<rect x="{x:.0f}" y="{y - 10:.0f}" width="14" height="11" '
                   f'fill="{item.fill}"{s}/>'
                   f'<text x="{x + 18:.0f}" y="{y:.0f}">{flowmap.xml_text(item.label)}</text>')
        x += 26 + flowmap.text_width(item.label, 12)
    out.append(f'<text x="8" y="{y + 22:.0f}" font-size="10.5" fill="{flowmap.MUTED_COLOUR}">'
               f"{flowmap.xml_text(key.note)}</text>")
    out.append(f'<text x="8" y="{y + 38:.0f}" font-size="9" fill="{flowmap.MUTED_COLOUR}">'
               f"{flowmap.xml_text(key.source)}</text>")
    out.append("</g></svg>")
    return "".join(out)


@dataclass
class LegendItem:
    fill: str
    stroke: str | None
    label: str


@dataclass
class Legend:
    """The map's key: verdict colours present, EU/EEA, parent countries; the note on what the
    colours mean (and which countries could not be drawn) and the source of the shapes."""

    items: list[LegendItem]
    note: str
    source: str


def legend(assessment: Assessment, lang: str = "en",
           marks: dict[str, CountryMark] | None = None) -> Legend:
    _ = i18n.Translator(lang, assessment.as_of)
    marks = country_verdicts(assessment) if marks is None else marks
    present = sorted({m.verdict for m in marks.values() if m.verdict is not None},
                     key=lambda v: -v.rank)
    items = [LegendItem(flowmap.verdict_colour(v), None, _.verdict(v)) for v in present]
    items.append(LegendItem(EEA_LAND, None, _("wmap_eea")))
    if any(m.parent_of for m in marks.values()):
        items.append(LegendItem(LAND, PARENT_STROKE, _("wmap_parent")))
    known = shapes()
    missing = [code for code, m in marks.items()
               if m.verdict is not None and code not in known and code not in POINTS]
    note = _("wmap_note")
    if missing:
        note += " " + _("wmap_missing", codes=", ".join(missing))
    return Legend(items, note, _("wmap_source"))
