"""Issue 17 / issue 19: what an analysis keeps per distinct host is bounded.

A capture with one request to each of N registrable domains that no knowledge-base record names
gives N unknown recipients (``benchmarks/hostile.py: many_hosts``). The peak of Python
allocations during ``analyze`` (tracemalloc, whole pipeline, the assessment alive at the end)
is measured for N and 4N hosts; the difference divided by the 3N extra hosts is the marginal
cost of one host. Before the host statistics were released once judged, recipients enriched in
place and evidence shared within a request, it was ~15 kB per host (64,000 hosts: 1 GB);
``benchmarks/README.md`` ("Many distinct hosts") has the figures. Not timed.
"""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

from conftest import load_module

import gdprmap
from gdprmap.assess import Options, analyze

hostile = load_module("benchmarks/hostile.py", "hostile_bench_hosts", register=True)

BYTES_PER_HOST = 11_000  # peak Python allocations per extra unknown host


def _peak(path: Path) -> tuple[int, gdprmap.Assessment]:
    gc.collect()
    tracemalloc.reset_peak()
    start = tracemalloc.get_traced_memory()[0]
    assessment = analyze([path], Options(as_of=None))
    return tracemalloc.get_traced_memory()[1] - start, assessment


def test_peak_memory_per_distinct_host_is_bounded(tmp_path: Path) -> None:
    small, large = 300, 1200
    paths = {}
    for n in (20, small, large):
        paths[n] = tmp_path / f"h{n}.har"
        paths[n].write_bytes(hostile.many_hosts(n))
    analyze([paths[20]])  # imports, the knowledge base, IP data and caches: not per host
    tracemalloc.start()
    try:
        peak_small, a = _peak(paths[small])
        assert len(a.recipients) == small
        del a
        peak_large, a = _peak(paths[large])
        assert len(a.recipients) == large
        del a
    finally:
        tracemalloc.stop()
    per_host = (peak_large - peak_small) / (large - small)
    assert per_host < BYTES_PER_HOST, f"{per_host:.0f} bytes per host"
