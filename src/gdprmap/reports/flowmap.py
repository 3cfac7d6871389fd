"""The data-flow map: personal data -> recipient organisations -> jurisdictions, as inline SVG.

Three columns. Left, the categories of personal data observed; middle, the recipients (grouped
by parent organisation, each with its verdict badge); right, the jurisdictions reached: the
recipient's country of establishment, its parent's country and the countries its data is
processed in. Edges data -> recipient are drawn for each category a recipient receives (special
categories thicker and dark); edges recipient -> jurisdiction take the colour of the verdict of the transfers to that
jurisdiction (``Recipient.transfers``).

The layout is computed first (:func:`layout_flowmap`, a :class:`FlowMapLayout` that tests can
inspect) and then drawn (:func:`svg_from_layout`). Text widths are measured with DejaVu Sans
metrics (the report's font), so labels are truncated with an ellipsis before they could
overflow their box; the full text is always in the node's ``<title>``.

WeasyPrint draws SVG markers on quadratic curves and polylines pointing the wrong way, so edges
are cubic ``C`` paths and arrowheads explicit ``<polygon>`` elements.

Every string that reaches the SVG goes through :func:`xml_text` (XML-escaped, characters that
XML 1.0 forbids replaced): hosts, organisation names and labels come from untrusted captures.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..models import Assessment, Organisation, Recipient, Verdict
from . import i18n

# --- colours (shared with the HTML report) ------------------------------------------------

VERDICT_COLOURS: dict[str, str] = {  # by verdict word; unknown words fall back to grey
    "no-transfer": "#1e8449",  # green
    "adequate": "#148f77",  # green-blue
    "safeguarded": "#2471a3",  # blue
    "exposed": "#8e44ad",  # purple
    "safeguards-required": "#d35400",  # orange
    "unknown": "#707b7c",  # grey
    "unlawful": "#c0392b",  # red
}
VERDICT_DASHES: dict[str, str | None] = {"exposed": "7 3", "unknown": "4 3"}
FALLBACK_COLOUR = "#707b7c"


def verdict_colour(verdict: Verdict | str) -> str:
    return VERDICT_COLOURS.get(str(getattr(verdict, "value", verdict)), FALLBACK_COLOUR)


def verdict_dash(verdict: Verdict | str) -> str | None:
    return VERDICT_DASHES.get(str(getattr(verdict, "value", verdict)))


DATA_EDGE_COLOUR = "#a7b1bc"
SPECIAL_EDGE_COLOUR = "#1f2d3d"
TEXT_COLOUR = "#1d232a"
MUTED_COLOUR = "#5d6873"
FONT_FAMILY = "DejaVu Sans, Verdana, sans-serif"

# --- geometry (SVG user units; the map is 1000 units wide) --------------------------------

WIDTH = 1000.0
COLUMNS: dict[str, tuple[float, float]] = {  # column -> (x, width)
    "data": (0.0, 222.0),
    "recipient": (365.0, 290.0),
    "jurisdiction": (805.0, 195.0),
}
NODE_HEIGHT = {"data": 24.0, "recipient": 38.0, "jurisdiction": 34.0}
GAP = 7.0
MAX_GAP = 26.0
HEADER_Y = 0.0
HEADER_H = 16.0
TOP = 28.0
GROUP_HEADER = 16.0
GROUP_PAD = 5.0
ARROW = 6.0
PAD_X = 8.0

NAME_SIZE = 11.0
SUB_SIZE = 8.6
LABEL_SIZE = 10.5
BADGE_SIZE = 8.2
HEADER_SIZE = 10.5
LEGEND_SIZE = 9.2
GROUP_SIZE = 8.8

# --- text measurement ----------------------------------------------------------------------

# Advance widths (1/1000 em) of DejaVu Sans and DejaVu Sans Bold for ASCII 32..126.
_REGULAR = tuple(
    int(w)
    for w in (
        "318 401 460 838 636 950 780 275 390 390 500 838 318 361 318 337 636 636 636 636 636 636 "
        "636 636 636 636 337 337 838 838 838 531 1000 684 686 698 770 632 575 775 752 295 295 656 "
        "557 863 748 787 603 787 695 635 611 732 684 989 685 611 685 390 337 390 838 500 500 613 "
        "635 550 635 615 352 635 634 278 278 579 278 974 634 612 635 635 411 521 392 634 592 818 "
        "592 592 525 636 337 636 838 "
    ).split()
)
_BOLD = tuple(
    int(w)
    for w in (
        "348 456 521 838 696 1002 872 306 457 457 523 838 380 415 380 365 696 696 696 696 696 696 "
        "696 696 696 696 400 400 838 838 838 580 1000 774 762 734 830 683 683 821 837 372 372 775 "
        "637 995 837 850 733 850 770 720 682 812 774 1103 771 724 725 457 365 457 838 500 500 675 "
        "716 593 716 678 435 716 712 343 343 665 343 1042 712 687 716 716 493 595 478 712 652 924 "
        "645 652 582 712 365 712 838 "
    ).split()
)
_SPECIAL_WIDTHS = {"…": 1000, "—": 1000, "–": 500, "·": 350, "’": 350, "«": 630, "»": 630}
ELLIPSIS = "…"


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` set in DejaVu Sans (Bold) at ``size`` user units (slightly generous)."""
    table = _BOLD if bold else _REGULAR
    total = 0
    for ch in text:
        code = ord(ch)
        if 32 <= code < 127:
            total += table[code - 32]
            continue
        if ch in _SPECIAL_WIDTHS:
            total += _SPECIAL_WIDTHS[ch]
            continue
        base = unicodedata.normalize("NFKD", ch)[:1]
        if base and 32 <= ord(base) < 127:
            total += table[ord(base) - 32]
        elif unicodedata.east_asian_width(ch) in ("W", "F"):
            total += 1000
        elif unicodedata.combining(ch):
            continue
        else:
            total += 720 if bold else 660
    return total * size / 1000.0 * 1.02


def fit_text(text: str, max_width: float, size: float, bold: bool = False) -> str:
    """``text`` unchanged if it fits in ``max_width``, else cut and ended with an ellipsis."""
    text = " ".join(text.split())
    if text_width(text, size, bold) <= max_width:
        return text
    budget = max_width - text_width(ELLIPSIS, size, bold)
    out: list[str] = []
    used = 0.0
    for ch in text:
        w = text_width(ch, size, bold)
        if used + w > budget:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + ELLIPSIS


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: object) -> str:
    """``str(value)`` with characters XML 1.0 cannot carry replaced by U+FFFD."""
    return _XML_INVALID.sub("\ufffd", str(value))


def xml_text(value: object) -> str:
    """Escape for XML/HTML text and attribute values (``& < > " '``)."""
    return html.escape(clean_text(value), quote=True)


# --- recipient helpers (shared with the HTML report) ---------------------------------------


def parent_name(org: Organisation | None) -> str | None:
    """The direct parent's name (from the entity chain), or its id if the chain lacks it."""
    if org is None or not org.parent:
        return None
    for entity in org.chain:
        if entity.id == org.parent:
            return entity.name
    return org.parent


def recipient_name(recipient: Recipient) -> str:
    """The organisation's name, else the host group (registrable domain or first host)."""
    if recipient.organisation is not None:
        return recipient.organisation.name
    if recipient.id.startswith("domain:"):
        return recipient.id[len("domain:") :]
    if recipient.hosts:
        return recipient.hosts[0]
    return recipient.id


def recipient_jurisdictions(recipient: Recipient) -> dict[str, list[str]]:
    """Country code -> why it is reached (``establishment``, ``parent``, ``destination``)."""
    out: dict[str, list[str]] = {}

    def add(code: str | None, reason: str) -> None:
        if not code:
            return
        reasons = out.setdefault(code.strip().upper(), [])
        if reason not in reasons:
            reasons.append(reason)

    org = recipient.organisation
    if org is not None:
        add(org.country, "establishment")
        add(org.parent_country, "parent")
    for dest in recipient.destinations:
        add(dest.country, "destination")
    return out


def received_countries(recipient: Recipient) -> list[str]:
    """Where the recipient receives data (issue 13): the model's ``received_in``; for an
    assessment written before schema 1.2, its transfers' and destinations' countries."""
    if recipient.received_in:
        return list(recipient.received_in)
    found = [t.country for t in recipient.transfers if t.country and not t.derived]
    found += [d.country for d in recipient.destinations]
    if not found and recipient.organisation is not None and not recipient.transfers:
        found.append(recipient.organisation.country)
    return list(dict.fromkeys(c.upper() for c in found))


def controlling_countries(recipient: Recipient) -> list[str]:
    """Where the recipient is controlled from (issue 13): the model's ``controlled_from``; for an
    older assessment, its ultimate parent's country."""
    if recipient.controlled_from:
        return list(recipient.controlled_from)
    org = recipient.organisation
    return [org.parent_country] if org is not None and org.parent_country else []


def recipient_categories(recipient: Recipient) -> dict[str, tuple[str | None, bool]]:
    """Data-category IRI -> (label from the assessment, special?) for one recipient."""
    out: dict[str, tuple[str | None, bool]] = {}
    specials = set(recipient.special_categories)
    labels = {d.iri: d.label for d in recipient.data}
    for d in recipient.data:
        out[d.iri] = (d.label, d.special or d.iri in specials)
    for iri in (*recipient.data_categories, *recipient.special_categories):
        if iri not in out:
            out[iri] = (labels.get(iri), iri in specials)
    return out


def group_key(recipient: Recipient) -> str | None:
    org = recipient.organisation
    if org is not None and org.parent:
        return "parent:" + org.parent
    return None


def sort_recipients(recipients: Iterable[Recipient]) -> list[Recipient]:
    """Most severe verdict first, then by name; members of a parent group kept together."""
    recipients = list(recipients)
    worst: dict[str, int] = {}
    for r in recipients:
        key = group_key(r) or "single:" + r.id
        worst[key] = max(worst.get(key, -1), r.verdict.rank)

    def sort_key(r: Recipient) -> tuple[int, str, str, int, str, str]:
        g = group_key(r)
        gk = g or "single:" + r.id
        gname = (parent_name(r.organisation) or "") if g else recipient_name(r)
        return (
            -worst[gk],
            gname.casefold(),
            gk,
            -r.verdict.rank,
            recipient_name(r).casefold(),
            r.id,
        )

    return sorted(recipients, key=sort_key)


# --- layout data -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def overlaps(self, other: Box) -> bool:
        return not (
            self.right <= other.x
            or other.right <= self.x
            or self.bottom <= other.y
            or other.bottom <= self.y
        )

    def contains(self, other: Box) -> bool:
        return (
            self.x <= other.x + 1e-6
            and self.y <= other.y + 1e-6
            and other.right <= self.right + 1e-6
            and other.bottom <= self.bottom + 1e-6
        )


@dataclass
class MapText:
    """One line of text drawn in the map, with the box it may occupy."""

    text: str
    x: float
    y: float  # baseline
    size: float
    bold: bool = False
    colour: str = TEXT_COLOUR
    max_width: float = 0.0

    @property
    def box(self) -> Box:
        return Box(
            self.x, self.y - self.size * 0.8, text_width(self.text, self.size, self.bold), self.size
        )


@dataclass
class MapNode:
    id: str  # "data:<iri>", "rec:<recipient id>", "country:<CC>" or "country:?"
    column: str  # "data" | "recipient" | "jurisdiction"
    full_label: str
    title: str
    verdict: Verdict | None = None
    special: bool = False
    group: str | None = None
    third: bool | None = None  # jurisdictions: outside the EU/EEA at the as-of date
    label: str = ""  # what is drawn: full_label, or a truncated form ending in an ellipsis
    sublabel: str = ""
    badge: str = ""
    box: Box = field(default_factory=lambda: Box(0, 0, 0, 0))
    texts: list[MapText] = field(default_factory=list)
    badge_box: Box | None = None


@dataclass
class MapEdge:
    source: str
    target: str
    kind: str  # "data" | "transfer"
    colour: str
    width: float
    dash: str | None
    title: str
    verdict: Verdict | None = None
    special: bool = False
    path: str = ""
    arrow: tuple[tuple[float, float], ...] = ()


@dataclass
class MapGroup:
    id: str
    full_label: str
    label: str
    members: list[str]
    box: Box = field(default_factory=lambda: Box(0, 0, 0, 0))
    header: Box = field(default_factory=lambda: Box(0, 0, 0, 0))


@dataclass
class LegendItem:
    label: str
    colour: str
    width: float
    dash: str | None
    box: Box  # sample line and label together


@dataclass
class FlowMapLayout:
    """Everything :func:`svg_from_layout` draws, in SVG user units."""

    lang: str
    width: float
    height: float
    title: str
    nodes: list[MapNode]
    edges: list[MapEdge]
    groups: list[MapGroup]
    legend: list[LegendItem]
    legend_title: MapText
    headers: list[MapText]
    crossings: int

    def node(self, node_id: str) -> MapNode:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def column(self, name: str) -> list[MapNode]:
        return sorted((n for n in self.nodes if n.column == name), key=lambda n: n.box.y)

    def label_boxes(self) -> list[tuple[str, Box]]:
        """Every box that carries text: nodes, group headers, legend items, column headers."""
        out: list[tuple[str, Box]] = [(n.id, n.box) for n in self.nodes]
        out += [(g.id + "#header", g.header) for g in self.groups]
        out += [(f"legend:{i}", item.box) for i, item in enumerate(self.legend)]
        out.append(("legend:title", self.legend_title.box))
        out += [(f"header:{i}", h.box) for i, h in enumerate(self.headers)]
        return out


# --- ordering -------------------------------------------------------------------------------


def _positions(order: Sequence[str]) -> dict[str, float]:
    n = len(order)
    if n <= 1:
        return {k: 0.5 for k in order}
    return {k: i / (n - 1) for i, k in enumerate(order)}


def count_crossings(
    left: Sequence[str], right: Sequence[str], edges: Iterable[tuple[str, str]]
) -> int:
    """Edge crossings between two ordered layers (pairs with opposite relative order)."""
    lp = {k: i for i, k in enumerate(left)}
    rp = {k: i for i, k in enumerate(right)}
    pairs = sorted((lp[a], rp[b]) for a, b in edges)
    crossings = 0
    for i in range(len(pairs)):
        a1, b1 = pairs[i]
        for j in range(i + 1, len(pairs)):
            a2, b2 = pairs[j]
            if a2 > a1 and b2 < b1:
                crossings += 1
    return crossings


def _barycentre(node: str, neighbours: dict[str, list[str]],
                positions: tuple[dict[str, float], ...], current: dict[str, float]) -> float:
    """Mean over the given columns of the mean position of the node's neighbours there; a node
    with no neighbour keeps its current position."""
    means = []
    for pos in positions:
        vals = [pos[n] for n in neighbours.get(node, ()) if n in pos]
        if vals:
            means.append(sum(vals) / len(vals))
    return sum(means) / len(means) if means else current[node]


def _barycentre_sort(
    order: list[str], neighbours: dict[str, list[str]], *positions: dict[str, float]
) -> list[str]:
    current = _positions(order)
    return sorted(order, key=lambda n: (_barycentre(n, neighbours, positions, current), current[n]))


def _order_middle(
    order: list[str],
    groups: dict[str, str],
    neighbours: dict[str, list[str]],
    *positions: dict[str, float],
) -> list[str]:
    """Barycentre order for the recipients, keeping each parent group contiguous."""
    current = _positions(order)

    def bary(node: str) -> float:
        return _barycentre(node, neighbours, positions, current)

    blocks: dict[str, list[str]] = {}
    for node in order:
        blocks.setdefault(groups.get(node) or "single:" + node, []).append(node)
    scored = []
    for members in blocks.values():
        members = sorted(members, key=lambda n: (bary(n), current[n]))
        score = sum(bary(n) for n in members) / len(members)
        scored.append((score, min(current[n] for n in members), members))
    scored.sort(key=lambda s: (s[0], s[1]))
    return [n for _, _, members in scored for n in members]


# --- layout ----------------------------------------------------------------------------------


def _select(assessment: Assessment, recipients: Sequence[Recipient] | None) -> list[Recipient]:
    return sort_recipients(assessment.recipients if recipients is None else recipients)


@dataclass
class _Graph:
    """The unpositioned map: nodes by column, edges, parent groups."""

    data: dict[str, MapNode] = field(default_factory=dict)
    recipients: dict[str, MapNode] = field(default_factory=dict)
    countries: dict[str, MapNode] = field(default_factory=dict)
    data_edges: list[MapEdge] = field(default_factory=list)
    transfer_edges: list[MapEdge] = field(default_factory=list)
    groups: dict[str, MapGroup] = field(default_factory=dict)
    data_count: dict[str, int] = field(default_factory=dict)

    @property
    def nodes(self) -> dict[str, MapNode]:
        return {**self.data, **self.recipients, **self.countries}

    @property
    def group_of(self) -> dict[str, str]:
        return {rid: n.group for rid, n in self.recipients.items() if n.group}


def layout_flowmap(
    assessment: Assessment,
    lang: str = "en",
    *,
    recipients: Sequence[Recipient] | None = None,
    sweeps: int = 4,
    title: str | None = None,
    grouped: Sequence[Recipient] = (),
) -> FlowMapLayout:
    """Compute the map of ``recipients`` (default: all of the assessment's). ``grouped``
    recipients (issue 19: a large report's long tail) are drawn as one node per verdict,
    see :func:`group_tail`."""
    _ = i18n.Translator(lang, assessment.as_of)
    graph = _Graph()
    for r in _select(assessment, recipients):
        _add_recipient(graph, r, _)
    groups = group_tail(grouped)
    places = [_tail_places(members) for _verdict, members in groups]
    shown = _tail_countries(places)
    for (verdict, members), where in zip(groups, places, strict=True):
        _add_tail_group(graph, verdict, members, where, shown, _)
    counts = None
    if grouped:  # the columns' titles count recipients and jurisdictions, not nodes
        reached = {c for where in places for c in where}
        counts = {"recipient": len(graph.recipients) - len(groups) + len(grouped),
                  "jurisdiction": len({c.removeprefix("country:") for c in graph.countries}
                                      - {"+"} | reached)}
    (left, middle, right), n_cross = _order(graph, sweeps)
    columns = {"data": left, "recipient": middle, "jurisdiction": right}
    inner, placed_groups = _place(graph, columns)
    nodes = graph.nodes
    for node in nodes.values():
        _dress(node)
    edges = graph.data_edges + graph.transfer_edges
    _route(edges, nodes)
    headers = _headers(columns, _, counts)
    legend_title, legend, height = _legend(TOP + inner + 22, _)
    return FlowMapLayout(
        lang=lang,
        width=WIDTH,
        height=round(height, 1),
        title=title or _("sec_map"),
        nodes=[nodes[n] for n in (*left, *middle, *right)],
        edges=edges,
        groups=placed_groups,
        legend=legend,
        legend_title=legend_title,
        headers=headers,
        crossings=n_cross,
    )


def _data_node(graph: _Graph, did: str, iri: str, cat_label: str | None, special: bool, flows: int,
               _: i18n.Translator) -> MapNode:
    """The data-category node ``did`` (made on first use), counted ``flows`` more times."""
    node = graph.data.get(did)
    if node is None:
        text = _.category(iri, cat_label)
        if special:
            text = i18n.without_art9(text)
        node = graph.data[did] = MapNode(
            id=did, column="data", full_label=text,
            title=f"{text} ({i18n.category_curie(iri)})", special=special)
    node.special = node.special or special
    graph.data_count[did] = graph.data_count.get(did, 0) + flows
    return node


def _add_recipient(graph: _Graph, r: Recipient, _: i18n.Translator) -> None:
    """The recipient's node, its data-category and jurisdiction nodes, and the edges."""
    rid = "rec:" + r.id
    name = recipient_name(r)
    org = r.organisation
    gkey = group_key(r)
    where = org.country if org is not None else _("map_unidentified")
    title_bits = [name, _.verdict(r.verdict)]
    if org is not None:
        title_bits.append(f"{_.country(org.country)} ({org.country})")
    if r.hosts:
        title_bits.append(", ".join(r.hosts[:6]) + (" …" if len(r.hosts) > 6 else ""))
    if "reject" in r.consent_states:
        title_bits.append(_("map_after_refusal"))
    graph.recipients[rid] = MapNode(
        id=rid,
        column="recipient",
        full_label=name,
        title=" — ".join(title_bits),
        verdict=r.verdict,
        group=gkey,
        # issue #16: a recipient reached after the visitor refused consent is marked
        sublabel=(("⚠ " + _("map_after_refusal") + " · ") if "reject" in r.consent_states
                  else "") + f"{where} · " + _("map_requests", n=r.requests),
        badge=_.verdict(r.verdict),
    )
    if gkey:
        if gkey not in graph.groups:
            pcountry = org.parent_country if org is not None else None
            label = f"{_.label('map_parent')} {parent_name(org) or ''}"
            label += f" · {pcountry}" if pcountry else ""
            graph.groups[gkey] = MapGroup(id=gkey, full_label=label, label=label, members=[])
        graph.groups[gkey].members.append(rid)

    for iri, (cat_label, special) in recipient_categories(r).items():
        did = "data:" + iri
        node = _data_node(graph, did, iri, cat_label, special, 1, _)
        graph.data_edges.append(
            MapEdge(
                source=did,
                target=rid,
                kind="data",
                colour=SPECIAL_EDGE_COLOUR if special else DATA_EDGE_COLOUR,
                width=2.8 if special else 1.1,
                dash=None,
                title=f"{node.full_label} → {name}",
                special=special,
            )
        )

    places = recipient_jurisdictions(r) or {"?": ["unknown"]}
    for code, reasons in places.items():
        cid = "country:" + code
        if cid not in graph.countries:
            graph.countries[cid] = _country_node(cid, code, _)
        why = "; ".join(
            _("map_reason_unknown")
            if reason == "unknown"
            else _(f"map_reason_{reason}", country=code)
            for reason in reasons
        )
        target = graph.countries[cid].full_label
        verdict = _edge_verdict(r, code)
        graph.transfer_edges.append(
            MapEdge(
                source=rid,
                target=cid,
                kind="transfer",
                colour=verdict_colour(verdict),
                width=2.0,
                dash=verdict_dash(verdict),
                title=f"{name} → {target}: {why} ({_.verdict(verdict)})",
                verdict=verdict,
            )
        )


def group_tail(recipients: Iterable[Recipient]) -> list[tuple[Verdict, list[Recipient]]]:
    """The long tail's map nodes (issue 19): recipients grouped by verdict, most severe
    first, each group's members in :func:`sort_recipients` order. Deterministic: the same
    recipients in any order give the same groups."""
    by_verdict: dict[Verdict, list[Recipient]] = {}
    for r in recipients:
        by_verdict.setdefault(r.verdict, []).append(r)
    return [(v, sort_recipients(by_verdict[v]))
            for v in sorted(by_verdict, key=lambda v: -v.rank)]


TAIL_COUNTRIES = 12  # jurisdictions drawn one by one in the grouped part; the rest: one node


def _tail_places(members: list[Recipient]) -> dict[str, tuple[Verdict, int]]:
    """Jurisdiction code -> (most severe verdict of the transfers there, members reaching it)."""
    places: dict[str, tuple[Verdict, int]] = {}
    for r in members:
        for code in recipient_jurisdictions(r) or {"?": []}:
            v = _edge_verdict(r, code)
            old = places.get(code)
            places[code] = (v if old is None or v.rank > old[0].rank else old[0],
                            (old[1] if old else 0) + 1)
    return places


def _tail_countries(places: list[dict[str, tuple[Verdict, int]]]) -> set[str]:
    """The :data:`TAIL_COUNTRIES` jurisdictions reached by the most grouped recipients (then
    by code); the others are drawn as one node."""
    counts: dict[str, int] = {}
    for where in places:
        for code, (_v, n) in where.items():
            counts[code] = counts.get(code, 0) + n
    if len(counts) <= TAIL_COUNTRIES:
        return set(counts)
    return set(sorted(counts, key=lambda c: (-counts[c], c))[:TAIL_COUNTRIES - 1])


def _add_tail_group(graph: _Graph, verdict: Verdict, members: list[Recipient],
                    where: dict[str, tuple[Verdict, int]], shown: set[str],
                    _: i18n.Translator) -> None:
    """One node for ``members`` (recipients of one verdict printed in the report's annex):
    an edge from every data category any of them receives (special if it is for any) and to
    every jurisdiction any of them reaches (those not in ``shown``: one node for all), with
    the most severe verdict of those transfers."""
    rid = "tail:" + verdict.value
    n = len(members)
    requests = sum(r.requests for r in members)
    label = _("map_tail", n=n)
    graph.recipients[rid] = MapNode(
        id=rid,
        column="recipient",
        full_label=label,
        title=f"{label} — {_.verdict(verdict)} — " + ", ".join(
            recipient_name(r) for r in members[:6]) + (" …" if n > 6 else ""),
        verdict=verdict,
        sublabel=_("map_requests", n=requests),
        badge=_.verdict(verdict),
    )
    cats: dict[str, tuple[str | None, bool]] = {}
    for r in members:
        for iri, (cat_label, special) in recipient_categories(r).items():
            old = cats.get(iri)
            cats[iri] = (old[0] if old and old[0] else cat_label, special or bool(old and old[1]))
    places: dict[str, Verdict] = {}
    others: list[str] = []
    for code, (v, _n) in where.items():
        key = code if code in shown else "+"
        if key == "+":
            others.append(code)
        if key not in places or v.rank > places[key].rank:
            places[key] = v
    for iri in sorted(cats):
        cat_label, special = cats[iri]
        did = "data:" + iri
        data_node = _data_node(graph, did, iri, cat_label, special, n, _)
        graph.data_edges.append(MapEdge(
            source=did, target=rid, kind="data",
            colour=SPECIAL_EDGE_COLOUR if special else DATA_EDGE_COLOUR,
            width=2.8 if special else 1.1, dash=None, title=f"{data_node.full_label} → {label}",
            special=special))
    for code in sorted(places, key=lambda c: (c in "?+", c)):
        cid = "country:" + code
        if code == "+":
            node = graph.countries.get(cid)
            codes = sorted({*others, *(node.sublabel.split(", ") if node else ())})
            text = _("map_tail_countries", n=len(codes))
            graph.countries[cid] = MapNode(
                id=cid, column="jurisdiction", full_label=text,
                title=f"{text}: {', '.join(codes)}", sublabel=", ".join(codes),
                third=any(not _.eea(c) for c in codes if c != "?"))
        elif cid not in graph.countries:
            graph.countries[cid] = _country_node(cid, code, _)
        v = places[code]
        graph.transfer_edges.append(MapEdge(
            source=rid, target=cid, kind="transfer", colour=verdict_colour(v), width=2.0,
            dash=verdict_dash(v),
            title=f"{label} → {graph.countries[cid].full_label} ({_.verdict(v)})", verdict=v))


def _edge_verdict(r: Recipient, code: str) -> Verdict:
    """The verdict of the transfers to one country; a country reached only as the parent's
    (control, no transfer) takes the verdict of the recipient's exposure; else the recipient's."""
    to_country = [t.verdict for t in r.transfers if (t.country or "?") == code]
    if to_country:
        return max(to_country, key=lambda v: v.rank)
    if r.transfers and any(t.verdict == Verdict.EXPOSED for t in r.transfers):
        return Verdict.EXPOSED
    if r.transfers:
        return min((t.verdict for t in r.transfers), key=lambda v: v.rank)
    return r.verdict


def _country_node(cid: str, code: str, _: i18n.Translator) -> MapNode:
    if code == "?":
        label = _("map_unknown_jurisdiction")
        return MapNode(id=cid, column="jurisdiction", full_label=label, title=label)
    name = _.country(code)
    label = f"{name} ({code})" if name != code else code
    return MapNode(
        id=cid,
        column="jurisdiction",
        full_label=label,
        title=f"{label} — {_.status(code)}",
        sublabel=_.status(code),
        third=not _.eea(code),
    )


def _order(graph: _Graph, sweeps: int) -> tuple[tuple[list[str], list[str], list[str]], int]:
    """Column orders after barycentre sweeps (the best seen), and their edge crossings."""
    left = sorted(
        graph.data,
        key=lambda d: (
            graph.data[d].special,
            -graph.data_count[d],
            graph.data[d].full_label.casefold(),
        ),
    )
    middle = list(graph.recipients)
    first_seen = list(dict.fromkeys(e.target for e in graph.transfer_edges))
    rank = {c: i for i, c in enumerate(first_seen)}
    right = sorted(
        first_seen, key=lambda c: (c == "country:?", bool(graph.countries[c].third), rank[c])
    )

    lm = [(e.source, e.target) for e in graph.data_edges]
    mr = [(e.source, e.target) for e in graph.transfer_edges]
    nb_m: dict[str, list[str]] = {}
    nb_l: dict[str, list[str]] = {}
    nb_r: dict[str, list[str]] = {}
    for a, b in lm:
        nb_l.setdefault(a, []).append(b)
        nb_m.setdefault(b, []).append(a)
    for a, b in mr:
        nb_m.setdefault(a, []).append(b)
        nb_r.setdefault(b, []).append(a)
    group_of = graph.group_of

    def crossings(lo: list[str], mo: list[str], ro: list[str]) -> int:
        return count_crossings(lo, mo, lm) + count_crossings(mo, ro, mr)

    best = (crossings(left, middle, right), left, middle, right)
    for _sweep in range(max(0, sweeps)):
        middle = _order_middle(middle, group_of, nb_m, _positions(left), _positions(right))
        right = _barycentre_sort(right, nb_r, _positions(middle))
        left = _barycentre_sort(left, nb_l, _positions(middle))
        middle = _order_middle(middle, group_of, nb_m, _positions(left), _positions(right))
        score = crossings(left, middle, right)
        if score < best[0]:
            best = (score, left, middle, right)
    n_cross, left, middle, right = best
    return (left, middle, right), n_cross


def _place(graph: _Graph, columns: dict[str, list[str]]) -> tuple[float, list[MapGroup]]:
    """Give every node its box. Each column is a list of blocks (a node, or a parent group)
    spread over the height of the tallest column; returns that height and the groups."""
    group_of = graph.group_of

    def blocks_of(column: str, order: list[str]) -> list[list[str]]:
        if column != "recipient":
            return [[n] for n in order]
        out: list[list[str]] = []
        for n in order:
            g = group_of.get(n)
            if g and out and group_of.get(out[-1][0]) == g:
                out[-1].append(n)
            else:
                out.append([n])
        return out

    def block_height(column: str, block: list[str]) -> float:
        h = NODE_HEIGHT[column]
        if column == "recipient" and group_of.get(block[0]):
            return GROUP_HEADER + GROUP_PAD * 2 + len(block) * h + (len(block) - 1) * GAP
        return h

    col_blocks = {c: blocks_of(c, o) for c, o in columns.items()}
    natural = [
        sum(block_height(c, b) for b in bl) + GAP * max(0, len(bl) - 1)
        for c, bl in col_blocks.items()
    ]
    inner = max([*natural, NODE_HEIGHT["recipient"]])

    nodes = graph.nodes
    placed: list[MapGroup] = []
    for column, blocks in col_blocks.items():
        x, w = COLUMNS[column]
        h = NODE_HEIGHT[column]
        heights = [block_height(column, b) for b in blocks]
        gap = GAP
        if len(blocks) > 1:
            gap = max(GAP, min(MAX_GAP, (inner - sum(heights)) / (len(blocks) - 1)))
        y = TOP + (inner - sum(heights) - gap * max(0, len(blocks) - 1)) / 2
        for block, bh in zip(blocks, heights, strict=True):
            gkey = group_of.get(block[0]) if column == "recipient" else None
            if gkey:
                g = graph.groups[gkey]
                g.box = Box(x - 6, y, w + 12, bh)
                g.label = fit_text(g.full_label, w - 4, GROUP_SIZE)
                g.header = Box(x, y + 3, w, GROUP_HEADER - 4)
                g.members = list(block)
                placed.append(g)
                ny = y + GROUP_HEADER + GROUP_PAD
                for node_id in block:
                    nodes[node_id].box = Box(x, ny, w, h)
                    ny += h + GAP
            else:
                nodes[block[0]].box = Box(x, y, w, h)
            y += bh + gap
    return inner, placed


def _route(edges: list[MapEdge], nodes: dict[str, MapNode]) -> None:
    """Cubic paths and polygon arrowheads; the ports are spread over each node's side,
    sorted by the position of the other end, so that edges leave without crossing."""
    out_ports: dict[str, list[MapEdge]] = {}
    in_ports: dict[str, list[MapEdge]] = {}
    for e in edges:
        out_ports.setdefault(e.source, []).append(e)
        in_ports.setdefault(e.target, []).append(e)
    port_out: dict[int, float] = {}
    port_in: dict[int, float] = {}
    for node_id, es in out_ports.items():
        es.sort(key=lambda e: (nodes[e.target].box.cy, e.target))
        for i, e in enumerate(es):
            port_out[id(e)] = _port(nodes[node_id].box, i, len(es))
    for node_id, es in in_ports.items():
        es.sort(key=lambda e: (nodes[e.source].box.cy, e.source))
        for i, e in enumerate(es):
            port_in[id(e)] = _port(nodes[node_id].box, i, len(es))
    for e in edges:
        x0 = nodes[e.source].box.right
        x1 = nodes[e.target].box.x
        y0, y1 = port_out[id(e)], port_in[id(e)]
        head = ARROW + (1.5 if e.width > 2.5 else 0.0)
        half = 3.0 if e.width < 2.5 else 4.0
        xe = x1 - head + 0.5
        dx = (xe - x0) * 0.5
        e.path = (
            f"M{x0:.1f},{y0:.1f} C{x0 + dx:.1f},{y0:.1f} {xe - dx:.1f},{y1:.1f} {xe:.1f},{y1:.1f}"
        )
        e.arrow = ((x1, y1), (x1 - head, y1 - half), (x1 - head, y1 + half))


def _headers(columns: dict[str, list[str]], _: i18n.Translator,
             counts: dict[str, int] | None = None) -> list[MapText]:
    """Column titles with the number of nodes, or of what they stand for (``counts``: a
    grouped part's recipients and jurisdictions)."""
    keys = {
        "data": "map_col_data",
        "recipient": "map_col_recipients",
        "jurisdiction": "map_col_jurisdictions",
    }
    headers = []
    for column, (x, w) in COLUMNS.items():
        n = (counts or {}).get(column, len(columns[column]))
        text = fit_text(f"{_(keys[column])} ({n})", w, HEADER_SIZE, True)
        headers.append(MapText(text, x, HEADER_Y + 12, HEADER_SIZE, True, MUTED_COLOUR, w))
    return headers


def _legend(top: float, _: i18n.Translator) -> tuple[MapText, list[LegendItem], float]:
    """The legend items flowed into rows below the map; returns the map's total height."""
    title = MapText(_("map_legend"), 0, top + 4, LEGEND_SIZE, True, TEXT_COLOUR)
    specs: list[tuple[str, str, float, str | None]] = [
        (_.verdict(v), verdict_colour(v), 2.0, verdict_dash(v)) for v in Verdict
    ]
    specs.append((_("map_data_edge"), DATA_EDGE_COLOUR, 1.1, None))
    specs.append((_("map_special_edge"), SPECIAL_EDGE_COLOUR, 2.8, None))
    items: list[LegendItem] = []
    start = title.box.right + 14
    x, row_y, row_h = start, top - 6, 15.0
    for label, colour, width, dash in specs:
        label = fit_text(label, WIDTH - start, LEGEND_SIZE)
        item_w = 24 + 5 + text_width(label, LEGEND_SIZE)
        if x + item_w > WIDTH and x > start:
            x = start
            row_y += row_h
        items.append(LegendItem(label, colour, width, dash, Box(x, row_y, item_w, 12)))
        x += item_w + 16
    return title, items, row_y + row_h + 4


def _port(box: Box, i: int, n: int) -> float:
    pad = min(5.0, box.h * 0.2)
    return box.y + pad + (box.h - 2 * pad) * (i + 0.5) / n


def _dress(node: MapNode) -> None:
    """Fit the node's text lines into its box (ellipsis when too long)."""
    b = node.box
    inner_w = b.w - 2 * PAD_X
    node.texts = []
    if node.column == "data":
        tag_w = 0.0
        if node.special:
            tag_w = text_width("Art. 9", BADGE_SIZE, True) + 10
            node.badge = "Art. 9"
            node.badge_box = Box(b.right - PAD_X - tag_w + 4, b.y + 5, tag_w - 4, b.h - 10)
        node.label = fit_text(node.full_label, inner_w - tag_w, LABEL_SIZE, node.special)
        node.texts.append(
            MapText(
                node.label,
                b.x + PAD_X,
                b.y + 16,
                LABEL_SIZE,
                node.special,
                TEXT_COLOUR,
                inner_w - tag_w,
            )
        )
    elif node.column == "recipient":
        x = b.x + PAD_X + 3
        w = b.right - PAD_X - x
        node.label = fit_text(node.full_label, w, NAME_SIZE, True)
        node.texts.append(MapText(node.label, x, b.y + 15, NAME_SIZE, True, TEXT_COLOUR, w))
        badge = fit_text(node.badge, w - 8, BADGE_SIZE, True)
        bw = text_width(badge, BADGE_SIZE, True) + 8
        node.badge = badge
        node.badge_box = Box(x, b.y + 21, bw, 12)
        rest = w - bw - 6
        sub = fit_text(node.sublabel, rest, SUB_SIZE) if rest > 12 else ""
        node.sublabel = sub
        if sub:
            node.texts.append(
                MapText(sub, x + bw + 6, b.y + 30.5, SUB_SIZE, False, MUTED_COLOUR, rest)
            )
    else:
        node.label = fit_text(node.full_label, inner_w, LABEL_SIZE, True)
        if node.sublabel:
            node.texts.append(
                MapText(node.label, b.x + PAD_X, b.y + 14, LABEL_SIZE, True, TEXT_COLOUR, inner_w)
            )
            node.sublabel = fit_text(node.sublabel, inner_w, SUB_SIZE)
            node.texts.append(
                MapText(
                    node.sublabel, b.x + PAD_X, b.y + 27, SUB_SIZE, False, MUTED_COLOUR, inner_w
                )
            )
        else:
            node.texts.append(
                MapText(node.label, b.x + PAD_X, b.y + 21, LABEL_SIZE, True, TEXT_COLOUR, inner_w)
            )


# --- drawing ---------------------------------------------------------------------------------


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass
class Label:
    """A text of the map handed to the caller instead of drawn as SVG ``<text>`` (see
    :func:`svg_from_layout`): ``x``/``y`` the anchor point on the baseline, in map units."""

    text: str
    x: float
    y: float
    size: float
    colour: str
    bold: bool = False
    italic: bool = False
    anchor: str = "start"  # start, middle or end, as SVG text-anchor

    @property
    def width(self) -> float:
        return text_width(self.text, self.size, self.bold)


class _Texts:
    """Writes map texts as SVG ``<text>``, or collects them as :class:`Label` s."""

    def __init__(self, labels: list[Label] | None) -> None:
        self.labels = labels

    def __call__(self, text: str, x: float, y: float, size: float, colour: str, *,
                 bold: bool = False, italic: bool = False, anchor: str | None = None) -> str:
        if self.labels is not None:
            self.labels.append(Label(text, x, y, size, colour, bold, italic, anchor or "start"))
            return ""
        weight = ' font-weight="bold"' if bold else ""
        style = ' font-style="italic"' if italic else ""
        anchor_attr = f' text-anchor="{anchor}"' if anchor else ""
        return (
            f'<text x="{_f(x)}" y="{_f(y)}" font-size="{_f(size)}"{weight}{style}{anchor_attr} '
            f'fill="{colour}">{xml_text(text)}</text>'
        )

    def of(self, t: MapText) -> str:
        return self(t.text, t.x, t.y, t.size, t.colour, bold=t.bold)


def svg_from_layout(layout: FlowMapLayout, *, edge_titles: bool = True,
                    labels: list[Label] | None = None) -> str:
    """Draw a computed layout. The result is a standalone SVG 1.1 document fragment.

    ``edge_titles``: give each edge a ``<title>`` tooltip (useless in print, where leaving
    them out saves WeasyPrint styling a few hundred elements per map); nodes always have one.

    ``labels``: for print. The texts are appended to this list instead of drawn, and the
    tooltips and grouping elements are left out: WeasyPrint 70 draws SVG text one letter at a
    time (a text layout and a text run per character, about 0.2 s for this map's 55 texts),
    so the HTML report places them over the drawing as HTML text (see
    :mod:`gdprmap.reports.html`).
    """
    text = _Texts(labels)
    paged = labels is not None
    out: list[str] = []
    w, h = _f(layout.width), _f(layout.height)
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="flowmap" viewBox="0 0 {w} {h}" '
        f'width="{w}" height="{h}" font-family="{FONT_FAMILY}" role="img" '
        f'aria-label="{xml_text(layout.title)}">'
    )
    out.append(f"<title>{xml_text(layout.title)}</title>")

    out.append('<g class="headers">')
    out.extend(text.of(t) for t in layout.headers)
    out.append("</g>")

    out.append('<g class="groups">')
    for g in layout.groups:
        b = g.box
        rect = (f'<rect x="{_f(b.x)}" y="{_f(b.y)}" width="{_f(b.w)}" height="{_f(b.h)}" rx="5" '
                f'fill="#f3f4f8" stroke="#c9cdd8" stroke-width="0.8"/>')
        label = text(g.label, g.header.x, g.header.y + 9, GROUP_SIZE, MUTED_COLOUR, italic=True)
        if paged:
            out.append(rect + label)
            continue
        out.append(
            f'<g class="group" data-group="{xml_text(g.id)}">'
            f"<title>{xml_text(g.full_label)}</title>{rect}{label}</g>"
        )
    out.append("</g>")

    out.append('<g class="edges" fill="none">')
    ordered = sorted(
        layout.edges,
        key=lambda e: (e.kind == "transfer", e.special, e.verdict.rank if e.verdict else -1),
    )
    for e in ordered:
        dash = f' stroke-dasharray="{e.dash}"' if e.dash else ""
        cls = f"edge {e.kind}" + (f" v-{e.verdict.value}" if e.verdict else "")
        cls += " special" if e.special else ""
        pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in e.arrow)
        shape = (f'<path d="{e.path}" stroke="{e.colour}" stroke-width="{_f(e.width)}"{dash} '
                 f'fill="none" stroke-linecap="round"/>'
                 f'<polygon points="{pts}" fill="{e.colour}" stroke="none"/>')
        if paged:
            out.append(shape)
            continue
        out.append(
            f'<g class="{cls}" data-source="{xml_text(e.source)}" '
            f'data-target="{xml_text(e.target)}">'
            + (f"<title>{xml_text(e.title)}</title>" if edge_titles else "")
            + shape + "</g>"
        )
    out.append("</g>")

    out.append('<g class="nodes">')
    for n in layout.nodes:
        b = n.box
        attrs = f'class="node {n.column}" data-node="{xml_text(n.id)}"'
        if n.verdict is not None:
            attrs += f' data-verdict="{n.verdict.value}"'
        out.append("" if paged else f"<g {attrs}><title>{xml_text(n.title)}</title>")
        if n.column == "data":
            stroke = SPECIAL_EDGE_COLOUR if n.special else "#bcc5cf"
            sw = "1.4" if n.special else "0.8"
            fill = "#fbeeee" if n.special else "#f4f6f8"
            out.append(
                f'<rect x="{_f(b.x)}" y="{_f(b.y)}" width="{_f(b.w)}" height="{_f(b.h)}" rx="4" '
                f'fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/>'
            )
            if n.special and n.badge_box is not None:
                bb = n.badge_box
                out.append(
                    f'<rect x="{_f(bb.x)}" y="{_f(bb.y)}" width="{_f(bb.w)}" height="{_f(bb.h)}" '
                    f'rx="3" fill="{SPECIAL_EDGE_COLOUR}"/>'
                    + text(n.badge, bb.x + bb.w / 2, bb.y + bb.h - 3.6, BADGE_SIZE, "#ffffff",
                           bold=True, anchor="middle")
                )
        elif n.column == "recipient":
            colour = verdict_colour(n.verdict) if n.verdict else MUTED_COLOUR
            out.append(
                f'<rect x="{_f(b.x)}" y="{_f(b.y)}" width="{_f(b.w)}" height="{_f(b.h)}" rx="4" '
                f'fill="#ffffff" stroke="{colour}" stroke-width="1.2"/>'
                f'<rect x="{_f(b.x)}" y="{_f(b.y)}" width="5" height="{_f(b.h)}" rx="2" '
                f'fill="{colour}"/>'
            )
            if n.badge_box is not None:
                bb = n.badge_box
                out.append(
                    f'<rect x="{_f(bb.x)}" y="{_f(bb.y)}" width="{_f(bb.w)}" height="{_f(bb.h)}" '
                    f'rx="6" fill="{colour}"/>'
                    + text(n.badge, bb.x + 4, bb.y + bb.h - 3.3, BADGE_SIZE, "#ffffff", bold=True)
                )
        else:
            unknown = n.id == "country:?"
            third = not unknown and bool(n.third)
            dash = ' stroke-dasharray="4 3"' if unknown else ""
            stroke = "#7a8590" if third or unknown else "#bcc5cf"
            fill = "#ffffff" if unknown else ("#fdf6ec" if third else "#eef4fa")
            out.append(
                f'<rect x="{_f(b.x)}" y="{_f(b.y)}" width="{_f(b.w)}" height="{_f(b.h)}" rx="4" '
                f'fill="{fill}" stroke="{stroke}" stroke-width="1"{dash}/>'
            )
        out.extend(text.of(t) for t in n.texts)
        out.append("" if paged else "</g>")
    out.append("</g>")

    out.append('<g class="legend">')
    out.append(text.of(layout.legend_title))
    for item in layout.legend:
        b = item.box
        y = b.y + b.h / 2
        dash = f' stroke-dasharray="{item.dash}"' if item.dash else ""
        shape = (f'<path d="M{_f(b.x)},{_f(y)} C{_f(b.x + 8)},{_f(y)} '
                 f'{_f(b.x + 16)},{_f(y)} {_f(b.x + 24)},{_f(y)}" stroke="{item.colour}" '
                 f'stroke-width="{_f(item.width)}"{dash} fill="none"/>'
                 + text(item.label, b.x + 29, b.y + 9.5, LEGEND_SIZE, TEXT_COLOUR))
        out.append(shape if paged else f'<g class="legend-item">{shape}</g>')
    out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def render_flowmap_svg(
    assessment: Assessment,
    lang: str = "en",
    *,
    recipients: Sequence[Recipient] | None = None,
    title: str | None = None,
) -> str:
    """The data-flow map of ``assessment`` (or of ``recipients`` only) as an SVG string.

    The map is 1000 units wide and as tall as its longest column needs: beyond about 30
    recipients it no longer fits one page. :func:`flowmap_parts` splits it for paged output.
    """
    return svg_from_layout(layout_flowmap(assessment, lang, recipients=recipients, title=title))


def flowmap_parts(
    assessment: Assessment, lang: str = "en", *, per_part: int = 16,
    recipients: Sequence[Recipient] | None = None, grouped: Sequence[Recipient] = (),
) -> list[FlowMapLayout]:
    """Split the map into parts of at most ``per_part`` recipients (parent groups kept whole
    where they fit), each a complete map of its recipients, their data and jurisdictions.
    ``recipients``: those drawn one by one (default: all); ``grouped`` (issue 19): the rest,
    drawn grouped by verdict (:func:`group_tail`) in a last part of their own."""
    i18n.check_lang(lang)
    ordered = sort_recipients(assessment.recipients if recipients is None else recipients)
    if grouped:
        parts = _split_parts(ordered, per_part) if ordered else []
        n = len(parts) + 1
        title = i18n.t(lang, "sec_map")

        def titled(i: int) -> str | None:
            return f"{title} ({i18n.t(lang, 'map_part', i=i, n=n)})" if n > 1 else None

        return [
            *(layout_flowmap(assessment, lang, recipients=chunk, title=titled(i))
              for i, chunk in enumerate(parts, 1)),
            layout_flowmap(assessment, lang, recipients=[], grouped=grouped, title=titled(n)),
        ]
    if len(ordered) <= per_part:
        return [layout_flowmap(assessment, lang, recipients=ordered)]
    chunks = _split_parts(ordered, per_part)
    title = i18n.t(lang, "sec_map")
    return [
        layout_flowmap(
            assessment,
            lang,
            recipients=chunk,
            title=f"{title} ({i18n.t(lang, 'map_part', i=i, n=len(chunks))})",
        )
        for i, chunk in enumerate(chunks, 1)
    ]


def _split_parts(ordered: list[Recipient], per_part: int) -> list[list[Recipient]]:
    """``ordered`` cut into parts of at most ``per_part``, parent groups kept whole where
    they fit."""
    if len(ordered) <= per_part:
        return [ordered]
    blocks: list[list[Recipient]] = []
    for r in ordered:
        g = group_key(r)
        if g and blocks and group_key(blocks[-1][0]) == g:
            blocks[-1].append(r)
        else:
            blocks.append([r])
    chunks: list[list[Recipient]] = [[]]
    for block in blocks:
        while len(block) > per_part:
            if chunks[-1]:
                chunks.append([])
            chunks[-1].extend(block[:per_part])
            chunks.append([])
            block = block[per_part:]
        if len(chunks[-1]) + len(block) > per_part:
            chunks.append([])
        chunks[-1].extend(block)
    return [c for c in chunks if c]
