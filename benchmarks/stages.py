"""One stage of the per-request path, alone, for instruction counts that do not depend on the
machine's load (issue #9).

    python benchmarks/stages.py CAPTURE STAGE      # STAGE: none, floor, import, full

- ``none``: imports and warm-up only (the baseline to subtract)
- ``floor``: ``ijson.items(f, "log.entries.item")`` with the importer's buffer, nothing else
- ``import``: the HAR importer (checks, redaction, ``Flow`` models)
- ``full``: the importer, classification and per-host aggregation (what ``analyze`` streams)

Run each stage under ``valgrind --tool=callgrind --callgrind-out-file=/dev/null`` and subtract
the totals ("Collected"): instructions per entry of each step, the same on a busy machine and an
idle one (wall and CPU times on the shared 2-core machine varied by 30-100 % from run to run).
Note that valgrind's CPU lacks SHA extensions, so the SHA-256 of the input, ~3 us per entry
natively, counts as ~120,000 instructions there. ``--src`` measures another tree.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("capture", type=Path)
    parser.add_argument("stage", choices=("none", "floor", "import", "full"))
    parser.add_argument("--src", help="gdprmap sources to measure (e.g. an older tree)")
    args = parser.parse_args()
    if args.src:
        sys.path.insert(0, args.src)

    import ijson

    from gdprmap.classify.lexicon import Lexicon
    from gdprmap.graph import FlowAggregator
    from gdprmap.importers import open_capture
    from gdprmap.importers.base import ImportOptions

    try:
        from gdprmap.classify import claims as classify
    except ImportError:  # trees before issue #9's second pass
        from gdprmap.classify import classify  # type: ignore[assignment]

    Lexicon.special()  # the same warm-up for every stage
    path = args.capture
    if args.stage == "floor":
        with path.open("rb") as f:
            for _ in ijson.items(f, "log.entries.item", use_float=True, buf_size=1 << 20):
                pass
    elif args.stage == "import":
        for _ in open_capture(path, str(path), ImportOptions()):
            pass
    elif args.stage == "full":
        aggregator = FlowAggregator()
        for flow in open_capture(path, str(path), ImportOptions()):
            aggregator.add(flow, classify(flow))


if __name__ == "__main__":
    main()
