"""How many recipients of real captures get a decided verdict, and which missing fact leaves the
others open.

    PYTHONPATH=src python scripts/verdict_census.py [--json] [--as-of DATE] [PATH ...]

PATH is a capture or a folder (its captures are found as ``scripts/kb_coverage.py`` finds them);
without PATH, the folders of the shared development corpus. Each capture is analysed as
``gdprmap report`` would (as of its own date unless ``--as-of`` is given) and every recipient is
counted once per capture:

* by verdict (``unlawful``, ``safeguards-required``, ``unknown`` ...);
* by the missing fact that leaves its verdict open: an ``unknown`` verdict by the rules that
  gave it - the recipient or its country (GM-UNK-01), who controls the importer (GM-UNK-02),
  where it processes the data (GM-UNK-03) - and a ``safeguards-required`` one that holds only
  if the importer was not on the DPF List, by its listing (GM-DPF-01, GM-SAF-02). A recipient
  may lack several facts; ``decided`` counts the others. A missing fact beside a verdict that
  does not depend on it (GM-CTL-01, or GM-UNK-02 beside ``unlawful``) leaves it decided.

This measures the knowledge behind the verdicts, not their correctness: a recipient decided on a
wrong fact counts as decided. Captures gdprmap refuses are listed with the error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path

import gdprmap
from gdprmap.errors import GdprmapError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kb_coverage import default_paths, expand  # noqa: E402  (a sibling script)

# rule id -> the fact its finding says is not established: for an ``unknown`` verdict ...
UNKNOWN_BECAUSE = {
    "GM-UNK-01": "recipient or its country",
    "GM-UNK-02": "who controls the importer",
    "GM-UNK-03": "where the data are processed",
}
# ... and for a verdict that holds only if the importer was not listed
UNLESS_LISTED = {"GM-DPF-01", "GM-SAF-02"}
DECIDED = "decided"


def open_facts(verdict: str, rules: set[str]) -> set[str]:
    """The missing facts a recipient's verdict depends on (empty: decided)."""
    if verdict == "unknown":
        return {UNKNOWN_BECAUSE[r] for r in rules if r in UNKNOWN_BECAUSE} or {"other"}
    return {"DPF List status"} if rules & UNLESS_LISTED else set()


def census(paths: list[Path], as_of: dt.date | None) -> dict:
    verdicts: Counter[str] = Counter()
    missing: Counter[str] = Counter()
    errors: dict[str, str] = {}
    captures = recipients = 0
    for path in paths:
        try:
            assessment = gdprmap.analyze(path, as_of=as_of)
        except GdprmapError as e:
            errors[str(path)] = str(e).splitlines()[0][:200]
            continue
        captures += 1
        for r in assessment.recipients:
            recipients += 1
            verdicts[r.verdict.value] += 1
            missing.update(open_facts(r.verdict.value, {f.rule for f in r.findings})
                           or {DECIDED})
    return {"captures": captures, "recipients": recipients,
            "verdicts": dict(verdicts.most_common()),
            "missing_facts": dict(missing.most_common()), "refused": errors}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--as-of", type=dt.date.fromisoformat,
                        help="judge every capture as of this date (default: its own)")
    args = parser.parse_args(argv)
    if missing := [p for p in args.paths if not p.exists()]:
        print(f"verdict_census: no such file or folder: {missing[0]}", file=sys.stderr)
        return 2
    paths = [p for given in (args.paths or default_paths()) for p in expand(given)]
    result = census(paths, args.as_of)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    n = result["recipients"] or 1
    print(f"{result['captures']} captures, {result['recipients']} recipients")
    print("| verdict | recipients | share |\n|---|---|---|")
    for verdict, count in result["verdicts"].items():
        print(f"| {verdict} | {count} | {count / n:.1%} |")
    print("\n| missing fact the verdict depends on | recipients | share |\n|---|---|---|")
    for fact, count in result["missing_facts"].items():
        print(f"| {fact} | {count} | {count / n:.1%} |")
    for path, error in result["refused"].items():
        print(f"refused: {path}: {error}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
