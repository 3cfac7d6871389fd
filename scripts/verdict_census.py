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
  if the importer was not on the list of the instrument in force (the Privacy Shield List
  until 16 July 2020, the DPF List from 10 July 2023), by its listing (GM-DPF-01, GM-SAF-02).
  A recipient may lack several facts; ``decided`` counts the others. A missing fact beside a
  verdict that does not depend on it (GM-CTL-01, or GM-UNK-02 beside ``unlawful``) leaves it decided;
* with ``--top N``, the N organisations whose missing fact leaves most verdicts open, per fact:
  the top of the recipient's chain of parents for who controls it, the recipient's operator
  for the other facts, and ``domain:NAME`` for a recipient no organisation is known for. This
  is where a fact, once sourced, decides the most verdicts.

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
# (GM-SAF-02 names the list of the instrument in force on the date: the Privacy Shield List
# until 2020-07-16, the DPF List from 2023-07-10)
LISTING = "Privacy Shield or DPF listing"
DECIDED = "decided"


def open_facts(verdict: str, rules: set[str]) -> set[str]:
    """The missing facts a recipient's verdict depends on (empty: decided)."""
    if verdict == "unknown":
        return {UNKNOWN_BECAUSE[r] for r in rules if r in UNKNOWN_BECAUSE} or {"other"}
    return {LISTING} if rules & UNLESS_LISTED else set()


def lacking(recipient, fact: str) -> str:
    """Whose fact it is: the top of the chain for control, else the recipient's operator."""
    org = recipient.organisation
    if org is None:
        return recipient.id
    entity = org.chain[-1] if fact == UNKNOWN_BECAUSE["GM-UNK-02"] and org.chain else org
    return f"{entity.name} [{entity.id}]"


def census(paths: list[Path], as_of: dt.date | None, top: int = 0) -> dict:
    verdicts: Counter[str] = Counter()
    missing: Counter[str] = Counter()
    whose: dict[str, Counter[str]] = {}
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
            facts = open_facts(r.verdict.value, {f.rule for f in r.findings})
            missing.update(facts or {DECIDED})
            for fact in facts:
                whose.setdefault(fact, Counter())[lacking(r, fact)] += 1
    result = {"captures": captures, "recipients": recipients,
              "verdicts": dict(verdicts.most_common()),
              "missing_facts": dict(missing.most_common()), "refused": errors}
    if top:
        # ties by name, so that reruns print the same list
        result["open_by_organisation"] = {
            fact: dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top])
            for fact, counts in sorted(whose.items())}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--as-of", type=dt.date.fromisoformat,
                        help="judge every capture as of this date (default: its own)")
    parser.add_argument("--top", type=int, default=0, metavar="N",
                        help="also list, per missing fact, the N organisations it leaves most "
                             "verdicts open for")
    args = parser.parse_args(argv)
    if missing := [p for p in args.paths if not p.exists()]:
        print(f"verdict_census: no such file or folder: {missing[0]}", file=sys.stderr)
        return 2
    paths = [p for given in (args.paths or default_paths()) for p in expand(given)]
    result = census(paths, args.as_of, args.top)
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
    for fact, counts in result.get("open_by_organisation", {}).items():
        print(f"\n| open on {fact}: whose | recipients |\n|---|---|")
        for who, count in counts.items():
            print(f"| {who} | {count} |")
    for path, error in result["refused"].items():
        print(f"refused: {path}: {error}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
