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
                   modified: dt.datetime | None = dt.datetime(2026, 12, 1, 6, 0),
                   official_package: bool = False) -> Path:
    """A workbook with ``headers`` (default: the official ones, in their order) and ``rows``;
    ``title``: a line above the header row. ``official_package``: the core properties where the
    official workbook keeps them (below); ``modified=None``: no core properties at all."""
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
    if official_package or modified is None:
        _official_package(path, modified)
    else:
        _set_modified(path, modified)
    return path


def _official_package(path: Path, when: dt.datetime | None) -> None:
    """Move the core properties as the official List's workbooks have them (copies of
    2024-05-16, 2024-12-13 and 2026-03-24 were looked at, none is bundled): no
    docProps/core.xml, a ``package/services/metadata/core-properties/<hex>.psmdcp`` part with a
    byte-order mark instead, named by the package relationships; ``when=None``: none at all."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    del parts["docProps/core.xml"]
    rels = parts["_rels/.rels"].decode()
    rels = re.sub(r'<Relationship[^>]*Target="/?docProps/core.xml"[^>]*/>', "", rels)
    if when is not None:
        part = "package/services/metadata/core-properties/0a1b2c3d4e5f.psmdcp"
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S.1234567Z")
        parts[part] = (
            '\ufeff<?xml version="1.0" encoding="utf-8"?><coreProperties '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.'
            'openxmlformats.org/package/2006/metadata/core-properties"><dcterms:created '
            f'xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created><dcterms:modified '
            f'xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></coreProperties>').encode()
        rels = rels.replace("</Relationships>", (
            f'<Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/'
            f'metadata/core-properties" Target="/{part}" Id="R1a2b3c4d" /></Relationships>'))
    parts["_rels/.rels"] = rels.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


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
