"""Which recipients of real captures are cloaked trackers: vendors found on the site's own host
names (issue 15), with the signals that unmasked them.

    PYTHONPATH=src python scripts/cloaked_census.py [--json] [PATH ...]

PATH is a capture or a folder (found as ``scripts/kb_coverage.py`` finds them); without PATH, the
folders of the shared development corpus. Each capture is analysed as ``gdprmap report`` would,
as of its own date; a capture older than the GDPR's application, which the report refuses
without ``--as-of``, is analysed as of 2018-05-25 (the signatures do not depend on the date) and
marked so. Comparing two trees' output shows what a signature added or lost; the numbers of
2026-12-07 are in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import gdprmap
from gdprmap.errors import GdprmapError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kb_coverage import default_paths, expand  # noqa: E402  (a sibling script)

GDPR_DAY = "2018-05-25"


def census(paths: list[Path]) -> dict:
    cloaked, refused = [], {}
    captures = 0
    for path in paths:
        early = False
        try:
            try:
                assessment = gdprmap.analyze(path)
            except GdprmapError as e:
                if "precedes the GDPR" not in str(e):
                    raise
                assessment, early = gdprmap.analyze(path, as_of=GDPR_DAY), True
        except GdprmapError as e:
            refused[str(path)] = str(e).splitlines()[0][:200]
            continue
        captures += 1
        for r in assessment.recipients:
            if r.cloaked:
                cloaked.append({
                    "capture": str(path), "recipient": r.id,
                    "hosts": sorted({e.host for e in r.cloaking}),
                    "strong_signals": sorted({e.signal for e in r.cloaking if e.strong}),
                    "as_of": GDPR_DAY if early else None})
    return {"captures": captures, "cloaked_recipients": len(cloaked), "cloaked": cloaked,
            "refused": refused}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    if missing := [p for p in args.paths if not p.exists()]:
        print(f"cloaked_census: no such file or folder: {missing[0]}", file=sys.stderr)
        return 2
    paths = [p for given in (args.paths or default_paths()) for p in expand(given)]
    result = census(paths)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    print(f"{result['captures']} captures, {result['cloaked_recipients']} cloaked recipients")
    for c in result["cloaked"]:
        early = f" (as of {c['as_of']})" if c["as_of"] else ""
        print(f"{c['capture']}: {c['recipient']} on {', '.join(c['hosts'])} - "
              f"{', '.join(c['strong_signals'])}{early}")
    for path, error in result["refused"].items():
        print(f"refused: {path}: {error}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
