"""A compact HTML table of an assessment's recipients and verdicts (``Assessment._repr_html_``
in notebooks). Every value from a capture or the knowledge base is escaped."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from ..vocab import label

if TYPE_CHECKING:
    from ..models import Assessment

_COLOURS = {"unlawful": "#b00020", "unknown": "#8a6d00", "safeguards-required": "#c25e00",
            "exposed": "#8a6d00", "safeguarded": "#2e7d32", "adequate": "#2e7d32",
            "no-transfer": "#2e7d32"}


def assessment_table(assessment: Assessment) -> str:
    counts = ", ".join(f"{n} {escape(str(v))}" for v, n in assessment.counts().items() if n)
    head = (f"<p><strong>gdprmap assessment</strong> as of {escape(str(assessment.as_of))}"
            + (f", scenario {escape(assessment.scenario)}" if assessment.scenario else "")
            + f", doctrine {escape(assessment.doctrine)}: {len(assessment.recipients)} "
            f"recipients ({counts or 'none'})</p>")
    rows = []
    for r in assessment.recipients:
        org = r.organisation
        name = org.name if org else r.id
        country = org.country if org else "?"
        parent = (org.parent_country or org.country) if org else "?"
        special = ", ".join(label(i, assessment.language) for i in r.special_categories)
        colour = _COLOURS.get(str(r.verdict), "inherit")
        rows.append(
            "<tr>"
            f"<td title=\"{escape(r.id)}\">{escape(name)}</td>"
            f"<td>{escape(country)}</td><td>{escape(parent)}</td>"
            f"<td style=\"color:{colour};font-weight:bold\">{escape(str(r.verdict))}</td>"
            f"<td style=\"text-align:right\">{r.requests}</td>"
            f"<td>{len(r.data_categories)}</td><td>{escape(special)}</td>"
            "</tr>")
    table = ("<table><thead><tr><th>recipient</th><th>country</th><th>parent country</th>"
             "<th>verdict</th><th>requests</th><th>data categories</th>"
             "<th>special categories</th></tr></thead><tbody>"
             + "".join(rows) + "</tbody></table>")
    return head + table
