"""Which recipients of real captures are cloaked first-party trackers or probably the site's own
domains (issue 15), to check the signals' precision by eye.

    PYTHONPATH=src python scripts/attribution_signals.py [--as-of DATE] [PATH ...]

PATH is a capture or a folder (every ``*.har`` under it); without PATH, the real-web captures of
the shared development corpus (``../shared/corpus/har/real-web``). Offline: IP data only, no DNS.
Prints one line per cloaked or probable recipient with its evidence, then the totals.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    sys.path.insert(0, str(ROOT / "src"))
    from gdprmap import analyze
    from gdprmap.errors import GdprmapError

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                        help="date for captures older than the GDPR (default: the capture's)")
    args = parser.parse_args()
    paths = args.paths or [ROOT.parent / "shared" / "corpus" / "har" / "real-web"]
    files = sorted(f for p in paths for f in ([p] if p.is_file() else p.rglob("*.har")))
    totals = {"captures": 0, "recipients": 0, "unknown": 0, "cloaked": 0, "probable": 0}
    for f in files:
        try:
            a = analyze(f, as_of=args.as_of)
        except GdprmapError as e:
            print(f"skipped {f.name}: {e}")
            continue
        totals["captures"] += 1
        totals["recipients"] += len(a.recipients)
        totals["unknown"] += sum(r.organisation is None for r in a.recipients)
        for r in a.recipients:
            if r.cloaked:
                totals["cloaked"] += 1
                for e in r.cloaking:
                    print(f"cloaked   {f.name}: {e.host} -> {r.id} [{e.signal}] {e.detail}")
            if r.first_party_probable:
                totals["probable"] += 1
                for x in r.first_party_reasons:
                    print(f"probable  {f.name}: {r.id} [{x.signal}] {x.detail}")
    print(" ".join(f"{k}={v}" for k, v in totals.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
