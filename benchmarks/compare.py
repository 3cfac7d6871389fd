"""gdprmap end to end against the cost of merely loading the same capture, in one run.

    make bench        # pip install -e '.[bench]' (orjson, haralyzer), then the README's table
    python benchmarks/compare.py [--sizes 10000,100000,1000000] [--bodies 0,1500] [--repeat 3]
                                 [--mix realistic,distinct] [--markdown]
                                 [--pdf] [--workdir /tmp/gdprmap-bench] [--json results.json]
    python benchmarks/compare.py --captures A.har B.har ...     # your own captures

``--mix distinct`` generates captures with a distinct server IP, client id and health page URL
per request and no pages (issue 19), ``realistic`` page visits from templates of real
traffic. ``--markdown`` prints the README's performance table (one row per capture, CPU
medians and peak RSS of every contender, gdprmap's CPU over json.load's) after the long one.
The measured trees are byte-compiled first (``compileall``): where ``PYTHONDONTWRITEBYTECODE``
is set, as on the project's machines, every child would otherwise compile gdprmap's modules
again (~0.3 s of each run).

For every capture (generated on first use by ``make_large_har.py --mix realistic``, the same
bytes every time) each contender runs in a child process of its own:

| contender | what the child does |
|---|---|
| ``json.load`` | ``json.load`` of the whole file (what most HAR tools start with) |
| ``orjson`` | ``orjson.loads`` of the file's bytes (if orjson is installed) |
| ``ijson`` (streaming floor) | ``ijson.items(f, "log.entries.item")`` with the yajl2_c backend, nothing else |
| ``haralyzer`` | ``HarParser.from_file`` and a walk over every page's entries (``pip install -e '.[bench]'``) |
| ``gdprmap-json`` | ``python -m gdprmap.cli report CAPTURE -o out.json``: import, redaction, classification, rules, JSON |

Wall time is measured around the child (interpreter start-up included, for every contender);
peak RSS and CPU time come from ``os.wait4`` (the child's own ``rusage``: what ``/usr/bin/time
-v`` prints as "Maximum resident set size"). Runs are interleaved (A B C A B C ...) so that load
from other jobs on a shared machine falls on every contender alike; the table shows medians and
the ratios of medians. ``--pdf`` adds gdprmap to PDF for the bundled example and for a
5,000-request capture, and ``gdprmap --help`` against a bare ``import click, pydantic``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SRC = ROOT / "src"

LOADERS = {
    "json.load": "import json, sys\nwith open(sys.argv[1], 'rb') as f: json.load(f)",
    "orjson": "import orjson, sys\nwith open(sys.argv[1], 'rb') as f: orjson.loads(f.read())",
    "ijson": ("import ijson, sys\nassert ijson.backend == 'yajl2_c', ijson.backend\n"
              "with open(sys.argv[1], 'rb') as f:\n"
              "    for _ in ijson.items(f, 'log.entries.item', use_float=True, "
              "buf_size=1 << 20): pass"),
    "haralyzer": ("import sys\nfrom haralyzer import HarParser\n"
                  "har = HarParser.from_file(sys.argv[1])\n"
                  "n = sum(1 for page in har.pages for e in page.entries)"),
}
GDPRMAP = "from gdprmap.cli import main\nmain()"


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mib: float
    ok: bool


@dataclass
class Row:
    capture: str
    contender: str
    size_mb: float = 0.0
    entries: int = 0
    samples: list[Sample] = field(default_factory=list)

    def median(self, attr: str) -> float:
        values = [getattr(s, attr) for s in self.samples if s.ok]
        return statistics.median(values) if values else float("nan")


def run_child(argv: list[str], env: dict[str, str]) -> Sample:
    """Run one child; wall time around it, CPU and peak RSS from its own rusage."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    ok = proc.returncode in (0, 1)  # gdprmap exits 1 only with --fail-on
    if not ok:
        print(f"  ! {' '.join(argv[-4:])}: exit {proc.returncode}: {err.strip()[-300:]}",
              file=sys.stderr)
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, ok)


def child_env(src: Path = SRC) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH", "")]))
    return env


def generate(workdir: Path, entries: int, bodies: int, mix: str = "realistic") -> Path:
    path = workdir / f"{mix}-{entries}-b{bodies}.har"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        subprocess.run([sys.executable, str(HERE / "make_large_har.py"), str(tmp), "--entries",
                        str(entries), "--bodies", str(bodies), "--mix", mix], check=True)
        tmp.rename(path)
    return path


def available(name: str) -> bool:
    module = {"json.load": "json"}.get(name, name)
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def contenders(capture: Path, out: Path, args: argparse.Namespace) -> dict[str, list[str]]:
    big = capture.stat().st_size > args.loaders_max_mb * 1e6
    runs = {}
    for name, code in LOADERS.items():
        if not available(name) or (big and name in ("json.load", "orjson", "haralyzer")):
            continue
        runs[name] = [sys.executable, "-c", code, str(capture)]
    runs["gdprmap-json"] = [sys.executable, "-c", GDPRMAP, "report", str(capture),
                            "-o", str(out / f"{capture.stem}.json")]
    if args.before:  # the same command on an older tree, interleaved with the rest
        runs["gdprmap-json (before)"] = [*runs["gdprmap-json"][:-1],
                                         str(out / f"{capture.stem}.before.json")]
    return runs


def count_entries(capture: Path) -> int:
    import ijson

    with capture.open("rb") as f:
        return sum(1 for _ in ijson.items(f, "log.entries.item", buf_size=1 << 20))


def measure(plan: list[tuple[str, str, list[str]]], repeat: int,
            src: Path = SRC, before: Path | None = None) -> dict[tuple[str, str], Row]:
    env = child_env(src)
    old_env = child_env(before) if before else env
    rows: dict[tuple[str, str], Row] = {}
    for r in range(repeat):
        for capture, name, argv in plan:  # interleaved: A B C A B C
            row = rows.setdefault((capture, name), Row(capture, name))
            sample = run_child(argv, old_env if "(before)" in name else env)
            row.samples.append(sample)
            print(f"  run {r + 1}/{repeat} {capture} {name}: {sample.wall:.2f} s wall, "
                  f"{sample.cpu:.2f} s CPU, {sample.rss_mib:.0f} MiB", file=sys.stderr)
    return rows


def table(rows: dict[tuple[str, str], Row], captures: dict[str, tuple[float, int]]) -> str:
    lines = [("| capture | MB | entries | contender | wall (median) | CPU | peak RSS | "
              "wall / json.load | wall / ijson | wall / haralyzer |"),
             "|---|---|---|---|---|---|---|---|---|---|"]
    for cap, (size, entries) in captures.items():
        base = {n: rows[(cap, n)].median("wall") for n in ("json.load", "ijson", "haralyzer")
                if (cap, n) in rows}
        for (c, name), row in rows.items():
            if c != cap:
                continue
            wall = row.median("wall")
            ratios = [f"{wall / base[n]:.2f}" if n in base and name.startswith("gdprmap-json")
                      else ""
                      for n in ("json.load", "ijson", "haralyzer")]
            lines.append(f"| {cap} | {size:.0f} | {entries:,} | {name} | {wall:.2f} s | "
                         f"{row.median('cpu'):.2f} s | {row.median('rss_mib'):.0f} MiB | "
                         + " | ".join(ratios) + " |")
    return "\n".join(lines)


def readme_table(rows: dict[tuple[str, str], Row], captures: dict[str, tuple[float, int]],
                 labels: dict[str, str]) -> str:
    """The README's performance table: CPU medians and peak RSS per contender, one row per
    capture, and gdprmap's CPU over json.load's (the issue's goal: <= 1.0)."""
    names = ("json.load", "orjson", "ijson", "haralyzer", "gdprmap-json",
             "gdprmap-json (before)")
    present = [n for n in names if any(c == n for _, c in rows)]
    head = {"ijson": "ijson floor", "gdprmap-json": "**gdprmap to JSON**",
            "gdprmap-json (before)": "gdprmap before"}
    lines = ["| capture | " + " | ".join(head.get(n, n) for n in present)
             + " | gdprmap / json.load (CPU) |",
             "|---" * (len(present) + 2) + "|"]
    for cap, (size, entries) in captures.items():
        if not any(c == cap for c, _ in rows) or cap == "(none)":
            continue
        cells = []
        for n in present:
            row = rows.get((cap, n))
            text = (f"{row.median('cpu'):.2f} s, {row.median('rss_mib'):,.0f} MiB" if row
                    else "")
            cells.append(f"**{text}**" if text and n == "gdprmap-json" else text)
        ratio = ""
        if (cap, "json.load") in rows and (cap, "gdprmap-json") in rows:
            base = rows[(cap, "json.load")].median("cpu")
            ratio = f"{rows[(cap, 'gdprmap-json')].median('cpu') / base:.2f}"
            if (cap, "gdprmap-json (before)") in rows:
                ratio += (f" (before "
                          f"{rows[(cap, 'gdprmap-json (before)')].median('cpu') / base:.2f})")
        label = f"{labels.get(cap, cap)}, {size:,.0f} MB, {entries:,} entries"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {ratio} |")
    return "\n".join(lines)


def compile_tree(src: Path) -> None:
    """Byte-compile a tree once, so that children read .pyc files (see the docstring)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(src)], check=False,
                   stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000",
                        help="entries per generated capture, comma-separated")
    parser.add_argument("--bodies", default="0,1500",
                        help="response body bytes per entry, one capture per value")
    parser.add_argument("--captures", nargs="*", type=Path, default=[],
                        help="measure these captures instead of generated ones")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pdf", action="store_true",
                        help="also: PDF of the example and of a 5,000-request capture; --help")
    parser.add_argument("--no-captures", action="store_true", help="only the --pdf part")
    parser.add_argument("--loaders-max-mb", type=float, default=700,
                        help="skip json.load/orjson/haralyzer above this size (they need "
                             "several GB of memory)")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) /
                        "gdprmap-bench")
    parser.add_argument("--json", type=Path, help="write every sample here")
    parser.add_argument("--src", type=Path, default=SRC,
                        help="gdprmap sources to measure (e.g. a copy of an older tree)")
    parser.add_argument("--before", type=Path, default=None,
                        help="also run gdprmap-json from these (older) sources, interleaved")
    parser.add_argument("--mix", default="realistic",
                        help="generated captures: realistic,distinct (comma-separated)")
    parser.add_argument("--markdown", action="store_true",
                        help="also print the README's performance table")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    out = args.workdir / "out"
    out.mkdir(exist_ok=True)

    captures: list[Path] = list(args.captures)
    labels: dict[str, str] = {c.name: c.name for c in captures}
    if not captures and not args.no_captures:
        for mix in args.mix.split(","):
            for bodies in (int(b) for b in args.bodies.split(",")):
                for entries in (int(n) for n in args.sizes.split(",")):
                    captures.append(generate(args.workdir, entries, bodies, mix))
                    labels[captures[-1].name] = mix + (f", {bodies} B bodies" if bodies else "")
    for tree in filter(None, (args.src, args.before)):
        compile_tree(tree)
    info: dict[str, tuple[float, int]] = {}
    plan: list[tuple[str, str, list[str]]] = []
    for capture in captures:
        info[capture.name] = (capture.stat().st_size / 1e6, count_entries(capture))
        plan += [(capture.name, name, argv)
                 for name, argv in contenders(capture, out, args).items()]
    if args.pdf:
        example = ROOT / "examples" / "health-booking" / "capture.har"
        five = generate(args.workdir, 5000, 0)
        for cap in (example, five):
            info.setdefault(cap.name, (cap.stat().st_size / 1e6, count_entries(cap)))
            plan.append((cap.name, "gdprmap-pdf", [sys.executable, "-c", GDPRMAP, "report",
                                                   str(cap), "-o", str(out / f"{cap.stem}.pdf")]))
        info.setdefault("(none)", (0.0, 0))
        plan.append(("(none)", "import click, pydantic",
                     [sys.executable, "-c", "import click, pydantic"]))
        plan.append(("(none)", "gdprmap --help", [sys.executable, "-c", GDPRMAP, "--help"]))

    load = os.getloadavg()
    print(f"load average before: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on "
          f"{os.cpu_count()} CPUs; {args.repeat} interleaved runs", file=sys.stderr)
    rows = measure(plan, args.repeat, args.src, args.before)
    load_after = os.getloadavg()
    print(table(rows, info))
    print(f"\nload average before {load[0]:.1f}, after {load_after[0]:.1f}; "
          f"{os.cpu_count()} CPUs; medians of {args.repeat} interleaved runs; "
          f"Python {sys.version.split()[0]}")
    if args.markdown:
        print()
        print(readme_table(rows, info, labels))
    if args.pdf and ("(none)", "gdprmap --help") in rows:
        bare = rows[("(none)", "import click, pydantic")].median("wall")
        helped = rows[("(none)", "gdprmap --help")].median("wall")
        print(f"gdprmap --help / bare import click, pydantic: {helped / bare:.2f}")
    if args.json:
        args.json.write_text(json.dumps(
            {"load_before": load, "load_after": load_after, "cpus": os.cpu_count(),
             "captures": info,
             "rows": [{"capture": r.capture, "contender": r.contender,
                       "samples": [s.__dict__ for s in r.samples]} for r in rows.values()]},
            indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
