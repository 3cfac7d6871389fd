"""How many knowledge-base US entities a DPF List file matches, and how (issue 14).

    PYTHONPATH=src python scripts/dpf_match.py LIST [--kb-override FILE]... [--json]

LIST is the official ``DataPrivacyFrameworkParticipantsList.xlsx`` (``gdprmap kb fetch-dpf -o
LIST``) or a JSON export. Each US entity of the knowledge base is looked up by its legal name
(normalised) against the List's EU-U.S. entries' Legal Name and Covered Entities, and by its
recorded participant id - never by display name (``gdprmap.enrich.dpf``). Prints the count, then
each matched entity with the List row and how it matched, the ambiguous ones (several entries:
judged ``unknown``, never guessed) and those on no entry (judged ``not-listed``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gdprmap.enrich.dpf import match_report, read_dpf_list
from gdprmap.enrich.kb import KnowledgeBase
from gdprmap.errors import GdprmapError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("list", type=Path)
    parser.add_argument("--kb-override", action="append", type=Path, default=[])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        kb = KnowledgeBase.load(tuple(args.kb_override))
        listed = read_dpf_list(args.list)
    except GdprmapError as e:
        print(f"dpf_match: error: {e}", file=sys.stderr)
        return 2
    report = match_report(kb, listed)
    if args.json:
        print(json.dumps({
            "list": listed.path, "sha256": listed.sha256,
            "date": listed.date.isoformat() if listed.date else None,
            "entries": len(listed.entries), "us_entities": report.us_entities,
            "matched": {eid: {"row": e.row, "legal_name": e.legal_name, "via": how}
                        for eid, (e, how) in report.matched.items()},
            "ambiguous": {eid: [e.row for e in m.entries]
                          for eid, m in report.ambiguous.items()},
            "unmatched": list(report.unmatched)}, indent=1))
        return 0
    print(f"{listed.describe()}: {len(listed.entries)} EU-U.S. DPF entries")
    print(f"US entities matched: {report.summary()}")
    for eid, (entry, how) in sorted(report.matched.items()):
        print(f"  matched: {eid}: row {entry.row} {entry.legal_name!r} by {how} "
              f"({entry.status}, install {entry.install or '-'}, "
              f"inactive {entry.inactive or '-'})")
    for eid, match in sorted(report.ambiguous.items()):
        rows = ", ".join(f"row {e.row} {e.legal_name!r} by {how}"
                         for e, how in zip(match.entries, match.via, strict=True))
        print(f"  ambiguous: {eid}: {rows}")
    for eid in report.unmatched:
        print(f"  not on the List: {eid}: {kb.data.entities[eid].name!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
