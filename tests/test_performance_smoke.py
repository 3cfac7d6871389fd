"""Issue #9: the performance properties that are cheap to check on every run.

The real measurements (10k-1M entries, against json.load, ijson and haralyzer) are in
``benchmarks/compare.py`` and ``benchmarks/README.md``; they take minutes and are not run here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from conftest import load_module

import gdprmap

ROOT = Path(__file__).resolve().parent.parent


def _generator():  # benchmarks/ is not a package
    return load_module("benchmarks/make_large_har.py", "make_large_har")


def test_generator_is_deterministic(tmp_path: Path) -> None:
    gen = _generator()
    a, b = tmp_path / "a.har", tmp_path / "b.har"
    gen.write_realistic(a, 300, 200, 1)
    gen.write_realistic(b, 300, 200, 1)
    assert a.read_bytes() == b.read_bytes()
    entries = json.loads(a.read_text(encoding="utf-8"))["log"]["entries"]
    assert len(entries) == 300
    assert {e["_resourceType"] for e in entries} >= {"document", "script", "image", "ping", "xhr"}


def test_two_thousand_entries_end_to_end(tmp_path: Path) -> None:
    """A 2,000-request capture (realistic mix, small bodies) is assessed in seconds: a coarse
    guard against a quadratic step or a per-flow cost gone wrong, not a benchmark."""
    capture = tmp_path / "site.har"
    _generator().write_realistic(capture, 2000, 300, 7)
    gdprmap.analyze(capture)  # warm: ruleset, knowledge base, lexicons
    started = time.process_time()
    assessment = gdprmap.analyze(capture)
    cpu = time.process_time() - started
    assert sum(r.requests for r in assessment.recipients) > 1000
    assert assessment.inputs[0].entries == 2000
    assert cpu < 20, f"{cpu:.1f} s CPU for 2,000 entries (about 1 s expected)"


def test_help_does_not_import_the_pipeline() -> None:
    """`gdprmap --help` must not pay for pydantic models, networkx, rdflib or WeasyPrint."""
    code = ("import sys\nfrom gdprmap.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('gdprmap.models', 'gdprmap.assess', 'networkx', 'rdflib', "
            "'weasyprint', 'ijson', 'distributed') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""}).stdout
    assert "HEAVY []" in out, out
    assert "batch" in out  # the command is listed


def test_the_collector_is_put_back_after_analyses_even_concurrent(tmp_path: Path) -> None:
    """The stream collects rarely (assess._few_collections); afterwards the process's collector
    is as it was, also when threads (a Dask worker) run analyses at once."""
    import gc
    from concurrent.futures import ThreadPoolExecutor

    capture = tmp_path / "site.har"
    _generator().write_realistic(capture, 300, 100, 3)
    before = gc.get_threshold(), gc.get_freeze_count()
    gdprmap.analyze(capture)
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: gdprmap.analyze(capture), range(3)))
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
    assert len({r.model_dump_json(exclude={"command"}) for r in results}) == 1
