"""A batch of many generated sites: memory over the run, and the process pool against Dask.

    python benchmarks/batch_scale.py sites  --sites 2000 --entries 200   # -j 1, memory curve
    python benchmarks/batch_scale.py dask   --sites 60 --entries 200 --repeat 3

``sites`` writes ``--sites`` captures (``make_large_har.py --mix realistic --seed i``, made
in this process and kept in ``--workdir`` for the next run), then runs ``gdprmap.batch`` on
them with ``jobs=1`` (every site in one process, the case where memory could grow with the
number of sites) in a child process, and prints the child's resident memory every
``--every`` sites (``/proc/self/statm``), its peak (``ru_maxrss``) and its CPU time.

``dask`` runs the same batch (``--sites`` sites, JSON) interleaved ``--repeat`` times with
the process pool (``jobs=2``), with a local Dask cluster of 2 worker processes of one
thread each, and with the same cluster with the workers' statistical profiler off
(``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False``), and prints wall time, the sum of the sites' own seconds (``SiteResult.seconds``:
time inside ``run_site``) and what lies between the two - the executor's overhead - with the
first site of each worker apart (its start-up: imports, rules, knowledge base).
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
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

CHILD_SITES = r"""
import json, os, resource, sys, time
import gdprmap
sites, out, every = sys.argv[1], sys.argv[2], int(sys.argv[3])
page = os.sysconf("SC_PAGE_SIZE")
curve = []
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page / 2**20
def progress(result, total):
    n = progress.n = getattr(progress, "n", 0) + 1
    if n == 1 or n % every == 0 or n == total:
        curve.append((n, round(rss(), 1), round(time.process_time(), 1)))
        print(f"  {n:5d}/{total} sites  RSS {curve[-1][1]:6.1f} MiB  CPU {curve[-1][2]:7.1f} s",
              file=sys.stderr, flush=True)
started = time.perf_counter()
r = gdprmap.batch([sites], out, jobs=1, force=True, progress=progress)
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"sites": len(r.sites), "failed": len(r.failed), "curve": curve,
                  "wall": time.perf_counter() - started,
                  "cpu": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024,
                  "site_seconds": sum(s.seconds for s in r.sites)}))
"""

CHILD_EXECUTOR = r"""
import json, sys, time
import gdprmap
sites, out, executor = sys.argv[1], sys.argv[2], sys.argv[3]
kwargs = {"jobs": 2}
cluster = client = None
started = time.perf_counter()
if executor.startswith("dask"):
    import distributed
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    kwargs = {"executor": "dask", "scheduler": client}
ready = time.perf_counter()
r = gdprmap.batch([sites], out, force=True, **kwargs)
done = time.perf_counter()
import resource
def cpu(who=resource.RUSAGE_SELF):
    u = resource.getrusage(who)
    return u.ru_utime + u.ru_stime
if client is not None:
    workers = sum(client.run(cpu).values())  # the worker processes' own CPU time
    client.close()
    cluster.close()
else:
    workers = cpu(resource.RUSAGE_CHILDREN)  # the pool's processes, reaped by now
print(json.dumps({"setup": ready - started, "batch": done - ready,
                  "failed": len(r.failed), "workers_cpu": workers, "parent_cpu": cpu(),
                  "site_seconds": [s.seconds for s in r.sites]}))
"""


def make_sites(folder: Path, sites: int, entries: int) -> Path:
    """``sites`` realistic captures of ``entries`` requests, seeds 1..sites (kept)."""
    sys.path.insert(0, str(HERE))
    from make_large_har import write_realistic

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, sites + 1):
        path = folder / f"site{i:05d}.har"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            write_realistic(tmp, entries, 0, i)
            tmp.rename(path)
    return folder


def child(code: str, *args: str, env_extra: dict[str, str] | None = None) -> dict:
    env = dict(os.environ, **(env_extra or {}))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", code, *args], env=env, check=True,
                          stdout=subprocess.PIPE, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_sites(args: argparse.Namespace) -> None:
    folder = make_sites(args.workdir / f"sites-{args.sites}x{args.entries}", args.sites,
                        args.entries)
    out = args.workdir / "out-sites"
    result = child(CHILD_SITES, str(folder), str(out), str(args.every))
    first = result["curve"][0][1]
    print(f"{result['sites']} sites of {args.entries} requests, jobs=1: "
          f"{result['failed']} failed; wall {result['wall']:.0f} s, CPU {result['cpu']:.0f} s "
          f"({result['cpu'] / max(result['sites'], 1) * 1000:.0f} ms per site); "
          f"peak RSS {result['peak_mib']:.0f} MiB; RSS after the first site {first:.0f} MiB, "
          f"at the end {result['curve'][-1][1]:.0f} MiB")
    print("sites  RSS MiB  CPU s")
    for n, rss, cpu in result["curve"]:
        print(f"{n:5d}  {rss:7.1f}  {cpu:6.1f}")


def run_dask(args: argparse.Namespace) -> None:
    folder = make_sites(args.workdir / f"sites-{args.sites}x{args.entries}", args.sites,
                        args.entries)
    rows: dict[str, list[dict]] = {"process": [], "dask": [], "dask, profiler off": []}
    for r in range(args.repeat):
        for executor in rows:  # interleaved
            out = args.workdir / f"out-{executor.split(',')[0]}"
            # Dask workers sample their task thread's stack every 10 ms by default
            # (distributed.worker.profile); the variant turns that off in the workers
            env = ({"DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}
                   if "profiler off" in executor else {})
            result = child(CHILD_EXECUTOR, str(folder), str(out), executor, env_extra=env)
            rows[executor].append(result)
            print(f"  run {r + 1}: {executor}: set-up {result['setup']:.2f} s, batch "
                  f"{result['batch']:.2f} s, sites' own {sum(result['site_seconds']):.2f} s, "
                  f"workers' CPU {result['workers_cpu']:.2f} s, parent's CPU "
                  f"{result['parent_cpu']:.2f} s", file=sys.stderr)
    print(f"{args.sites} sites of {args.entries} requests, 2 workers; medians of {args.repeat} "
          "interleaved runs (wall seconds)")
    print("| executor | cluster set-up | batch (wall) | workers' CPU | parent's CPU (scheduler, "
          "client) | sites' own wall (sum) | slowest 2 sites (worker start-up) | other sites, "
          "mean |")
    print("|---|---|---|---|---|---|---|---|")
    for executor, results in rows.items():
        med = {k: statistics.median(x[k] for x in results)
               for k in ("setup", "batch", "workers_cpu", "parent_cpu")}
        own = statistics.median(sum(x["site_seconds"]) for x in results)
        first = statistics.median(sum(sorted(x["site_seconds"])[-2:]) for x in results)
        rest = statistics.median(statistics.mean(sorted(x["site_seconds"])[:-2])
                                 for x in results)
        print(f"| {executor} | {med['setup']:.2f} s | {med['batch']:.2f} s | "
              f"{med['workers_cpu']:.2f} s | {med['parent_cpu']:.2f} s | {own:.2f} s | "
              f"{first:.2f} s | {rest:.3f} s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("sites", "dask"))
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--every", type=int, default=100, help="memory sample every N sites")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "gdprmap-batch-bench")
    args = parser.parse_args()
    {"sites": run_sites, "dask": run_dask}[args.what](args)


if __name__ == "__main__":
    main()
