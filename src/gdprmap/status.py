"""What an assessment rests on: dates, sizes and hashes of the legal and organisation data.

Below the façade (``api.knowledge_status`` delegates here) so that renderers, which print this
in the integrity annex, need not import the façade.
"""

from __future__ import annotations

from pathlib import Path


def knowledge_status(kb_override: tuple[Path, ...] = ()) -> dict[str, str]:
    """Dates, sizes and hashes of the bundled legal and organisation data."""
    from .enrich.kb import KnowledgeBase
    from .rules.engine import load_ruleset

    ruleset = load_ruleset()
    kb = KnowledgeBase.load(kb_override)
    tops = {kb.chain(e)[-1].id for e in kb.data.entities}
    dpf = [e for e in kb.data.entities.values() if e.dpf != "unknown"]
    return {
        "organisations": f"{len(tops)} organisations, {len(kb.data.entities)} legal entities, "
                         f"{len(kb.data.services)} services",
        "organisations reviewed": kb.checked or "unknown",
        "DPF statuses recorded": f"{len(dpf)} (checked "
                                 f"{min((str(e.dpf_checked) for e in dpf), default='-')} to "
                                 f"{max((str(e.dpf_checked) for e in dpf), default='-')})",
        "organisations sha256": kb.sha256,
        "legal data": ruleset.law_status(),
        "rules": f"{len(ruleset.rules)} ({', '.join(r.id for r in ruleset.rules)})",
        "scenarios": ", ".join(ruleset.scenarios()),
        "ontology sha256": ruleset.sha256,
    }
