"""The CSV report: one row per recipient, in the shape of a processing register (Art. 30(1)).

RFC 4180 CSV, UTF-8 with a byte-order mark (so spreadsheet programs read accents right), CRLF
line ends, every field quoted when needed. Lists inside a cell are joined with ``"; "``. A
cell that a spreadsheet would take for a formula (starting with ``=``, ``+``, ``-``, ``@``, tab
or carriage return) is prefixed with ``'``: capture text is untrusted.

Columns (stable names, in this order; documented in the README):

recipient, recipient_id, entity, country, parent, parent_country, category, services, hosts,
requests, data_categories, special_categories, destinations, third_countries (the third countries
where the recipient receives data - never its parent's country), received_in, controlled_from,
server_countries, verdict, deciding_rule, rules, purpose_hint, safeguards, evidence, cloaked_hosts,
first_party_probable

``data_categories``/``special_categories`` are DPV CURIEs (``pd:Health``); ``destinations`` are
``COUNTRY (entity)``; ``purpose_hint`` is a hint from the kind of service (not a purpose);
``safeguards`` holds the safeguards a declared register gives for the recipient, else "to be
completed by the controller"; ``evidence`` lists every capture entry cited by the findings and
data categories (``input#entry``), in order. ``cloaked_hosts``: the site's own host names the
evidence attributes to this vendor; ``first_party_probable``: why the domain is probably the
site's own (signal: reason), empty otherwise (issue 15).

Same assessment, same bytes: rows follow the report's recipient order, nothing depends on time.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from ..models import Assessment, Recipient
from . import flowmap, i18n, sections

COLUMNS: tuple[str, ...] = (
    "recipient", "recipient_id", "entity", "country", "parent", "parent_country", "category",
    "services", "hosts", "requests", "data_categories", "special_categories", "destinations",
    "third_countries", "received_in", "controlled_from", "server_countries", "verdict",
    "deciding_rule", "rules", "purpose_hint", "safeguards", "evidence", "cloaked_hosts",
    "first_party_probable",
)
SEP = "; "
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    text = flowmap.clean_text("" if value is None else value)
    if text.startswith(_FORMULA):
        return "'" + text
    return text


def _deciding_rule(r: Recipient) -> str | None:
    for t in r.transfers:
        if t.verdict == r.verdict and t.rule:
            return t.rule
    for f in r.findings:
        if f.verdict == r.verdict:
            return f.rule
    return None


def _evidence(r: Recipient) -> list[str]:
    seen: dict[str, None] = {}
    for f in r.findings:
        for e in f.evidence:
            seen.setdefault(f"{e.input}#{e.entry}", None)
    for d in r.data:
        for e in d.evidence:
            seen.setdefault(f"{e.input}#{e.entry}", None)
    return list(seen)


def row(r: Recipient, assessment: Assessment, registers: list[dict[str, Any]]) -> dict[str, str]:
    """One CSV row: :func:`record` as spreadsheet-safe text."""
    values = record(r, assessment, registers)
    return {k: cell(values[k]) for k in COLUMNS}


def record(r: Recipient, assessment: Assessment,
           registers: list[dict[str, Any]]) -> dict[str, object]:
    """One recipient's register values, unescaped (``requests`` stays an int)."""
    lang = assessment.language if assessment.language in i18n.LANGUAGES else "en"
    org = r.organisation
    third = sorted({c for c in flowmap.received_countries(r)
                    if not i18n.is_eea(c, assessment.as_of)})
    declared = sections.declared_for(r, registers)
    safeguards = [sections.safeguard_text(s) for d in declared
                  for s in d["recipient"].get("safeguards", [])]
    values: dict[str, object] = {
        "recipient": flowmap.recipient_name(r),
        "recipient_id": r.id,
        "entity": org.id if org else None,
        "country": org.country if org else None,
        "parent": flowmap.parent_name(org),
        "parent_country": org.parent_country if org else None,
        "category": r.category,
        "services": SEP.join(r.services),
        "hosts": SEP.join(r.hosts),
        "requests": r.requests,
        "data_categories": SEP.join(i18n.category_curie(c) for c in r.data_categories),
        "special_categories": SEP.join(i18n.category_curie(c) for c in r.special_categories),
        "destinations": SEP.join(dict.fromkeys(f"{d.country} ({d.entity})"
                                                  for d in r.destinations)),
        "third_countries": SEP.join(third),
        "received_in": SEP.join(flowmap.received_countries(r)),
        "controlled_from": SEP.join(flowmap.controlling_countries(r)),
        "server_countries": SEP.join(r.server_countries),
        "verdict": r.verdict.value,
        "deciding_rule": _deciding_rule(r),
        "rules": SEP.join(dict.fromkeys(f.rule for f in r.findings)),
        "purpose_hint": i18n.service_hint(r.category, lang),
        "safeguards": SEP.join(safeguards) if safeguards else i18n.t(lang, "to_complete"),
        "evidence": SEP.join(_evidence(r)),
        # issue 15: first-party host names a vendor runs; why the domain is probably the site's
        "cloaked_hosts": SEP.join(dict.fromkeys(e.host for e in r.cloaking)),
        "first_party_probable": SEP.join(f"{x.signal}: {x.detail}"
                                         for x in r.first_party_reasons),
    }
    return values


def records(assessment: Assessment) -> list[dict[str, object]]:
    """The register as records in the report's recipient order (``Assessment.to_records``)."""
    registers = sections.declared_registers(assessment)
    return [record(r, assessment, registers)
            for r in flowmap.sort_recipients(assessment.recipients)]


def render_csv(assessment: Assessment) -> str:
    """The register as CSV text (without the byte-order mark; :func:`render_csv_bytes` adds it)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    registers = sections.declared_registers(assessment)
    for r in flowmap.sort_recipients(assessment.recipients):
        writer.writerow(row(r, assessment, registers))
    return out.getvalue()


def render_csv_bytes(assessment: Assessment) -> bytes:
    return render_csv(assessment).encode("utf-8-sig")


BOM = "\ufeff"


def spreadsheet_lines(rows: list[list[object]]) -> str:
    """``rows`` with the register's conventions (CRLF, quoting, formula guard), no BOM: the
    batch's CSV files use it so that both open the same way in a spreadsheet."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([cell(v) for v in r] for r in rows)
    return out.getvalue()


def short_categories(iris: list[str] | tuple[str, ...] | set[str]) -> str:
    """DPV categories as the register writes them: ``pd:Health; pd:IPAddress``."""
    return SEP.join(i18n.category_curie(c) for c in iris)
