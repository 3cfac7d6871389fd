"""Measure the importer alone on one capture: wall time, peak RSS, file size, flows/s.

    python benchmarks/importer_memory.py CAPTURE [--profile]

Peak RSS is the process's maximum resident set (``getrusage``), Python start-up and imports
included; ``/usr/bin/time -v`` gives the same figure from outside. ``--profile`` prints the 15
costliest functions (cProfile) instead.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path


def run(path: Path) -> tuple[int, int]:
    from gdprmap.importers import open_capture

    capture = open_capture(path)
    flows = sum(1 for _ in capture)
    return flows, capture.info().entries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("capture", type=Path)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    import ijson

    if args.profile:
        import cProfile
        import pstats

        cProfile.runctx("run(path)", globals(), {"path": args.capture}, "/tmp/importer.prof")
        pstats.Stats("/tmp/importer.prof").sort_stats("tottime").print_stats(20)
        return
    started = time.perf_counter()
    flows, entries = run(args.capture)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_kib = usage.ru_maxrss  # KiB on Linux
    cpu = usage.ru_utime + usage.ru_stime  # less noisy than wall time on a shared machine
    size = args.capture.stat().st_size
    print(f"file {args.capture.name}: {size / 1e6:.1f} MB, {entries} entries, {flows} flows; "
          f"wall {wall:.1f} s ({flows / wall:,.0f} flows/s), CPU {cpu:.1f} s; peak RSS {peak_kib / 1024:.0f} MiB; "
          f"ijson backend {ijson.backend}", file=sys.stderr)


if __name__ == "__main__":
    main()
