"""What an assessment rests on: dates, sizes and hashes of the legal and organisation data.

Below the façade (``api.knowledge_status`` delegates here) so that renderers, which print this
in the integrity annex, need not import the façade.
"""

from __future__ import annotations

from pathlib import Path


def knowledge_status(kb_override: tuple[Path, ...] = (),
                     dpf_list: Path | None = None) -> dict[str, str]:
    """Dates, sizes and hashes of the bundled legal and organisation data, and of the DPF List
    file given (``dpf_list``): its date, SHA-256 and how many US entities it matched."""
    from .enrich.dpf import match_report, read_dpf_list
    from .enrich.kb import KnowledgeBase
    from .rules.engine import load_ruleset

    ruleset = load_ruleset()
    kb = KnowledgeBase.load(kb_override)
    tops = {kb.chain(e)[-1].id for e in kb.data.entities}
    dpf = [e for e in kb.data.entities.values() if e.dpf != "unknown"]
    dated = sum(1 for e in dpf if e.dpf_since)
    status = {
        "organisations": f"{len(tops)} organisations, {len(kb.data.entities)} legal entities, "
                         f"{len(kb.data.services)} services",
        "organisations reviewed": kb.checked or "unknown",
        "DPF statuses recorded": f"{len(dpf)} (checked "
                                 f"{min((str(e.dpf_checked) for e in dpf), default='-')} to "
                                 f"{max((str(e.dpf_checked) for e in dpf), default='-')}; "
                                 f"{dated} with their listing date)",
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
        "legal data": ruleset.law_status(),
        "rules": f"{len(ruleset.rules)} ({', '.join(r.id for r in ruleset.rules)})",
        "scenarios": ", ".join(ruleset.scenarios()),
        "ontology sha256": ruleset.sha256,
    })
    return status
