"""The example PDF, whole process, several source trees interleaved (issue 19).

    python benchmarks/example_pdf.py --repeat 7 BEFORE/src src "src:GDPRMAP_PRINT_AHEAD=0"

Each TREE is a ``src`` folder, optionally followed by ``:NAME=VALUE`` environment settings.
Every tree gets its own cache folder (``GDPRMAP_CACHE_DIR``), warmed by one uncounted run: the
derived-data caches keep one entry per kind, so trees sharing a folder, or other users of
``~/.cache/gdprmap``, would evict each other's entries and time cold starts. Runs are
interleaved (tree 1, tree 2, ..., tree 1, ...) so that the machine's load hits every tree
alike. Prints the medians of wall time and of CPU time (user + system of the process and of
the children it waited for, e.g. the printing child), peak RSS, and whether every tree wrote
the same bytes and the same ``pdftotext`` text (the report quotes its command line, so every
run writes ``report.pdf`` in a folder of its own).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "health-booking" / "capture.har"


def source(tree: str) -> str:
    """The tree's ``src`` folder as an absolute path: runs happen in their own folders, where a
    relative PYTHONPATH names nothing and Python would import the installed gdprmap instead."""
    src = Path(tree.split(":")[0]).resolve()
    if not (src / "gdprmap" / "__init__.py").is_file():
        raise SystemExit(f"{tree}: no gdprmap package in {src}")
    return str(src)


def run(tree: str, folder: Path, capture: Path, output: str) -> tuple[float, float, float]:
    _, *settings = tree.split(":")
    env = dict(os.environ, PYTHONPATH=source(tree), SOURCE_DATE_EPOCH="1700000000",
               GDPRMAP_CACHE_DIR=str(folder / "cache"),
               **dict(s.split("=", 1) for s in settings))
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "gdprmap", "report", str(capture), "-o",
                             output], cwd=folder, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{tree}: exit status {os.waitstatus_to_exitcode(status)}")
    return (time.perf_counter() - started, usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="+", metavar="TREE")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--capture", type=Path, default=EXAMPLE)
    parser.add_argument("--output", default="report.pdf", help="report.pdf or report.json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="example-pdf-"))
    folders = {t: work / str(i) for i, t in enumerate(args.trees)}
    samples: dict[str, list[tuple[float, float, float]]] = {t: [] for t in args.trees}
    loads = []
    try:
        for f in folders.values():
            f.mkdir()
        for t in args.trees:  # warm each tree's caches
            run(t, folders[t], args.capture, args.output)
        for _ in range(args.repeat):
            for t in args.trees:
                samples[t].append(run(t, folders[t], args.capture, args.output))
                loads.append(os.getloadavg()[0])
        digests = {}
        for t in args.trees:
            out = folders[t] / args.output
            text = (subprocess.run(["pdftotext", str(out), "-"], capture_output=True).stdout
                    if args.output.endswith(".pdf") and shutil.which("pdftotext") else b"")
            digests[t] = (hashlib.sha256(out.read_bytes()).hexdigest()[:12],
                          hashlib.sha256(text).hexdigest()[:12])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.capture.name} -> {args.output}: medians of {args.repeat} interleaved runs, "
          f"load average {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} CPUs")
    print("| tree | wall | CPU (user+sys) | CPU min-max | peak RSS | file / text sha256 |")
    print("|---|---|---|---|---|---|")
    for t, rows in samples.items():
        cpu = [r[1] for r in rows]
        print(f"| {t} | {statistics.median(r[0] for r in rows):.2f} s | "
              f"{statistics.median(cpu):.2f} s | {min(cpu):.2f}-{max(cpu):.2f} s | "
              f"{statistics.median(r[2] for r in rows):.0f} MiB | "
              f"{digests[t][0]} / {digests[t][1]} |")
    same = len({d[0] for d in digests.values()}) == 1
    print("same bytes from every tree" if same else "the trees wrote DIFFERENT files")


if __name__ == "__main__":
    main()
