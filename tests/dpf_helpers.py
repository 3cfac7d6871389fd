"""Data Privacy Framework List workbooks written by tests, in the official column layout (issue 14).

The headers are those reported for ``DataPrivacyFrameworkParticipantsList.xlsx`` (see
``gdprmap.enrich.dpf``). Every organisation, date and id written here is test data, not a copy
of the real List.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

HEADERS = ["Public Display Name", "Legal Name", "Install Date", "Usage End Date",
           "Inactive Start Date", "Framework", "Status", "HR Data", "Non-HR Data", "Street",
           "City", "State", "Postal Code", "Covered Entities", "Industries", "Privacy Policies",
           "Public Link"]
EU_US = "EU-U.S. Data Privacy Framework"
UK_EXT = "UK Extension to the EU-U.S. DPF"
SWISS = "Swiss-U.S. Data Privacy Framework"


def _date(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def row(legal: str, install: str | None, *, status: str = "Active",
        inactive: str | None = None, framework: str = EU_US, covered: str = "",
        non_hr: object = "Yes", display: str | None = None, link: str | None = None,
        as_text: bool = False) -> dict[str, object]:
    """One List row; dates as Excel dates (``as_text``: as the US text form M/D/YYYY)."""
    def cell(value: str | None) -> object:
        if not value or not as_text:
            return _date(value)
        d = dt.date.fromisoformat(value)
        return f"{d.month}/{d.day}/{d.year}"

    return {"Public Display Name": display or legal.split(",")[0], "Legal Name": legal,
            "Install Date": cell(install), "Usage End Date": None,
            "Inactive Start Date": cell(inactive), "Framework": framework, "Status": status,
            "HR Data": "No", "Non-HR Data": non_hr, "Street": "1 Test Street",
            "City": "Testville", "State": "DE", "Postal Code": "19801", "Covered Entities": covered,
            "Industries": "Technology", "Privacy Policies": "https://example.com/privacy",
            "Public Link": link or ""}


def write_dpf_list(path: Path, rows: list[dict[str, object]], *,
                   headers: list[str] | None = None, title: str | None = None,
                   modified: dt.datetime = dt.datetime(2026, 12, 1, 6, 0)) -> Path:
    """A workbook with ``headers`` (default: the official ones, in their order) and ``rows``;
    ``title``: a line above the header row."""
    import openpyxl

    headers = headers or HEADERS
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Participants"
    if title:
        sheet.append([title])
    sheet.append(headers)
    for r in rows:
        sheet.append([r.get(h) for h in headers])
    book.save(path)
    _set_modified(path, modified)
    return path


def _set_modified(path: Path, when: dt.datetime) -> None:
    """openpyxl stamps the save time as the workbook's modified date; put ``when`` instead
    (docProps/core.xml, dcterms:modified), as a List published on that date would carry."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    core = parts["docProps/core.xml"].decode()
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    core = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{stamp}\2",
                  core)
    parts["docProps/core.xml"] = core.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


# A fictional List naming the bundled example's Google, Sentry and Cloudflare entities, so tests
# of the DPF era do not depend on which install dates the bundled knowledge base records (a
# status read on a date without its install date counts only from that date).
EXAMPLE_ROWS = [row("Google LLC", "2023-07-17", display="Google"),
                row("Functional Software, Inc.", "2023-07-17", display="Sentry"),
                row("Cloudflare, Inc.", "2023-07-17", display="Cloudflare")]
