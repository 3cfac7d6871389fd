"""What an assessment rests on: dates, sizes and hashes of the legal and organisation data.

Below the façade (``api.knowledge_status`` delegates here) so that renderers, which print this
in the integrity annex, need not import the façade.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class KnowledgeFigures:
    """The counts and dates ``knowledge_status`` words in English; the report words them in
    its own language (``status:`` keys of the catalogs)."""

    organisations: int
    entities: int
    services: int
    reviewed: dt.date | str | None
    dpf_recorded: int
    dpf_first: dt.date | None
    dpf_last: dt.date | None
    dpf_dated: int
    dpf_statuses: tuple[tuple[str, int], ...]  # (status, entities), most frequent first
    dpf_lapsed: int  # entities with a time off the List a later row no longer shows
    instruments: int
    latest_law: str | None
    scenarios: tuple[str, ...]
    organisations_sha256: str
    ontology_sha256: str


def knowledge_figures(kb_override: tuple[Path, ...] = (), kb: Any = None) -> KnowledgeFigures:
    """The figures of the bundled data (``kb``: a knowledge base already loaded)."""
    from .enrich.kb import KnowledgeBase
    from .rules.engine import load_ruleset

    ruleset = load_ruleset()
    kb = kb or KnowledgeBase.load(kb_override)
    dpf = [e for e in kb.data.entities.values() if e.dpf != "unknown"]
    checked = [e.dpf_checked for e in dpf if e.dpf_checked]
    instruments, latest = ruleset.law_figures()
    return KnowledgeFigures(
        organisations=len({kb.chain(e)[-1].id for e in kb.data.entities}),
        entities=len(kb.data.entities), services=len(kb.data.services),
        reviewed=kb.checked or None, dpf_recorded=len(dpf),
        dpf_first=min(checked, default=None), dpf_last=max(checked, default=None),
        dpf_dated=sum(1 for e in dpf if e.dpf_since),
        dpf_statuses=tuple(Counter(e.dpf for e in dpf).most_common()),
        dpf_lapsed=sum(1 for e in dpf if e.dpf_lapses), instruments=instruments,
        latest_law=latest, scenarios=tuple(ruleset.scenarios()),
        organisations_sha256=kb.sha256, ontology_sha256=ruleset.sha256)


def knowledge_status(kb_override: tuple[Path, ...] = (),
                     dpf_list: Path | None = None) -> dict[str, str]:
    """Dates, sizes and hashes of the bundled legal and organisation data, and of the DPF List
    file given (``dpf_list``): its date, SHA-256 and how many US entities it matched."""
    from .enrich.dpf import match_report, read_dpf_list
    from .enrich.kb import KnowledgeBase
    from .rules.engine import load_ruleset

    ruleset = load_ruleset()
    kb = KnowledgeBase.load(kb_override)
    f = knowledge_figures(kb_override, kb)
    status = {
        "organisations": f"{f.organisations} organisations, {f.entities} legal entities, "
                         f"{f.services} services",
        "organisations reviewed": str(f.reviewed or "unknown"),
        "DPF statuses recorded": f"{f.dpf_recorded} ("
                                 + ", ".join(f"{n} {status}" for status, n in f.dpf_statuses)
                                 + f"; checked {f.dpf_first or '-'} to {f.dpf_last or '-'}; "
                                 f"{f.dpf_dated} with their listing date, {f.dpf_lapsed} with a "
                                 "lapse an earlier List copy shows)",
    }
    if dpf_list is None:
        status["DPF List in use"] = ("none: the statuses recorded in the knowledge base "
                                     "(give --dpf-list FILE to use the List itself)")
    else:
        listed = read_dpf_list(dpf_list)
        report = match_report(kb, listed)
        status["DPF List in use"] = str(listed.path)
        status["DPF List date"] = (f"{listed.date} ({listed.date_basis})" if listed.date
                                   else "not recorded in the file")
        status["DPF List sha256"] = listed.sha256
        unclear = sum(1 for e in listed.entries if e.non_hr is None)
        status["DPF List entries"] = (f"{len(listed.entries)} EU-U.S. DPF entries of "
                                      f"{listed.rows} rows"
                                      + (f"; {unclear} with a Non-HR Data value not understood"
                                         if unclear else ""))
        status["DPF List matches"] = report.summary() + (
            f" ({', '.join(sorted(report.ambiguous))})" if report.ambiguous else "")
    status.update({
        "organisations sha256": kb.sha256,
        "legal data": f"{f.instruments} adequacy instruments; latest legal change recorded: "
                      f"{f.latest_law or '-'}",
        "rules": f"{len(ruleset.rules)} ({', '.join(r.id for r in ruleset.rules)})",
        "scenarios": ", ".join(f.scenarios),
        "ontology sha256": ruleset.sha256,
    })
    return status
