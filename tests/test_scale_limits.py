"""Issue 17 item 1 and issue 19: memory bounded before objects are built, whatever the input.

Each hostile input runs in a child process under a 1 GiB address-space limit and a time bound
(generous for a shared machine: today's main needs minutes or runs out of memory on each). The
figures they guard are in benchmarks/README.md; nothing here is a timing assertion of speed.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import signal
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

import gdprmap
import gdprmap.batch

batch_module = sys.modules["gdprmap.batch"]

ADDRESS_SPACE = 1 << 30  # 1 GiB
HEAD = ('{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":['
        '{"startedDateTime":"2024-01-01T10:00:00Z","request":{"method":"GET",'
        '"url":"https://a.example/","headers":[{"name":"X-Big","value":"')
TAIL = '"}]},"response":{"status":200}}]}}'


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def _report(capture: Path, out: Path, timeout: float, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gdprmap.cli", "report", str(capture), "-o",
                           str(out), *extra], capture_output=True, text=True, timeout=timeout,
                          preexec_fn=_limited, env={**os.environ, "PYTHONWARNINGS": "ignore"})


def _one_line_error(proc: subprocess.CompletedProcess, capture: Path, *words: str) -> None:
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(capture) in lines[0], proc.stderr[-2000:]
    for word in words:
        assert word in lines[0]


def test_100000_deep_nesting_is_refused_in_bounded_memory(tmp_path):
    depth = 100_000
    capture = tmp_path / "deep.har"
    capture.write_text(HEAD.replace('"headers":[{"name":"X-Big","value":"', '"x":')
                       + "[" * depth + "]" * depth + "}}]}}", encoding="utf-8")
    assert capture.stat().st_size < 210_000
    proc = _report(capture, tmp_path / "out.json", timeout=120)
    _one_line_error(proc, capture, "entry 0", "nested too deeply")


def test_deep_nesting_outside_the_entries_too(tmp_path):
    capture = tmp_path / "deep-creator.har"
    capture.write_text('{"log":{"version":"1.2","creator":' + "[" * 50_000 + "]" * 50_000
                       + ',"entries":[]}}', encoding="utf-8")
    proc = _report(capture, tmp_path / "out.json", timeout=120)
    _one_line_error(proc, capture, "nested too deeply")


def test_a_500_mib_header_in_a_small_gzip_is_refused_in_bounded_memory(tmp_path):
    capture = tmp_path / "bomb.har.gz"
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip
    block = b"A" * (1 << 20)
    with capture.open("wb") as out:
        out.write(packer.compress(HEAD.encode()))
        for _ in range(500):
            out.write(packer.compress(block))
        out.write(packer.compress(TAIL.encode()) + packer.flush())
    assert capture.stat().st_size < 600_000
    proc = _report(capture, tmp_path / "out.json", timeout=240)
    _one_line_error(proc, capture, "entry 0", "request.headers[0]", "longer than")


def test_a_long_response_body_is_cut_not_refused(tmp_path):
    """Response bodies are never used: a 40 MB one (past the slow path's threshold) is read
    in bounded memory and the entry is kept."""
    capture = tmp_path / "body.har"
    entry = {"startedDateTime": "2024-01-01T10:00:00Z",
             "request": {"method": "GET", "url": "https://a.example/x?q=1"},
             "response": {"status": 200, "content": {"text": "@BODY@", "size": 1}}}
    doc = json.dumps({"log": {"version": "1.2", "entries": [entry, entry]}})
    head, tail = doc.split("@BODY@", 1)
    with capture.open("w", encoding="utf-8") as out:
        out.write(head + "\\u00e9\\\"" * 4_000_000 + tail)
    flows = list(gdprmap.load(capture))
    assert [f.entry for f in flows] == [0, 1] and flows[1].host == "a.example"


def _hosts_capture(path: Path, hosts: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('{"log":{"version":"1.2","pages":[{"id":"p","title":"https://site.example/",'
                  '"startedDateTime":"2024-01-01T10:00:00Z"}],"entries":[')
        for i in range(hosts):
            out.write(("," if i else "") + json.dumps({
                "pageref": "p", "startedDateTime": "2024-01-01T10:00:00Z",
                "serverIPAddress": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
                "request": {"method": "GET", "url": f"https://h{i}.tracker.example/p?uid=u{i}",
                            "headers": [{"name": "Referer", "value": "https://site.example/"}]},
                "response": {"status": 200}}))
        out.write("]}}")


# --- issue 17.1: a batch survives the death of a worker -----------------------------------

_REAL_RUN_SITE = batch_module.run_site


def _dying_run_site(task):  # module level: pickled by name into the forked workers
    if task.site == "killer":
        os.kill(os.getpid(), signal.SIGKILL)
    return _REAL_RUN_SITE(task)


def test_a_killed_worker_fails_only_its_own_site(tmp_path, monkeypatch):
    example = Path(__file__).resolve().parent.parent / "examples" / "health-booking"
    doc = json.loads((example / "capture.har").read_text(encoding="utf-8"))
    doc["log"]["entries"] = doc["log"]["entries"][:10]
    folder = tmp_path / "captures"
    folder.mkdir()
    for name in ("a", "b", "killer", "c", "d"):
        (folder / f"{name}.har").write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setattr(batch_module, "run_site", _dying_run_site)
    result = gdprmap.batch([folder], tmp_path / "out", jobs=2)
    status = {s.site: s.status for s in result.sites}
    assert status == {"a": "done", "b": "done", "killer": "failed", "c": "done", "d": "done"}
    assert "worker process died" in result.failed[0].error
    assert not [p for p in (tmp_path / "out" / "sites").iterdir() if p.name.startswith(".")]


# --- issue 19: many analyses in one process -----------------------------------------------

def test_many_analyses_in_one_process_do_not_keep_garbage(write_har):
    """gc.freeze() without a collection first kept each analysis's cyclic garbage alive (about
    10,000 objects each); the count of tracked objects must not grow with the analyses (a
    collection runs every ``GC_EVERY`` analyses: at most that many analyses' garbage waits)."""
    entries = [{"startedDateTime": "2024-01-01T10:00:00Z",
                "request": {"method": "GET", "url": f"https://t{i}.example/c?uid=abc123def"}}
               for i in range(3)]
    capture = write_har({"log": {"version": "1.2", "entries": entries}})
    for _ in range(5):
        gdprmap.analyze(capture)
    before = len(gc.get_objects())
    for _ in range(100):
        gdprmap.analyze(capture)
    grown = len(gc.get_objects()) - before
    assert grown < 60_000, grown  # today's main: ~1,000,000


# --- issue 19: what is kept per recipient is bounded, and the same on every run ------------

def _many_requests(path: Path, n: int, order: list[int] | None = None) -> Path:
    entries = []
    for i in order if order is not None else range(n):
        ip = 0x68100000 + (i * 2654435761) % (1 << 20)  # 104.16.0.0/12, one address each
        entries.append({
            "startedDateTime": f"2024-01-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "serverIPAddress": f"{ip >> 24}.{ip >> 16 & 255}.{ip >> 8 & 255}.{ip & 255}",
            "request": {"method": "GET",
                        "url": f"https://t.tracker.example/c?uid=u{i:08d}x&page=%2Fcardiologue",
                        "headers": [{"name": "Referer",
                                     "value": f"https://site.example/patient-{i}"}]}})
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("n", [600, 3000])
def test_evidence_and_network_facts_per_recipient_are_bounded(tmp_path, n):
    a = gdprmap.analyze(_many_requests(tmp_path / "many.har", n))
    (r,) = [r for r in a.recipients if r.id.endswith("tracker.example")]
    assert r.requests == n
    assert len(r.server_ips) == 256 and r.server_ips_sampled
    ip_facts = [f for f in r.facts if "addresses" in f.value or "AS" in f.value]
    # one fact per network (ASN and country) of the sample, not one per address
    assert 1 <= len(ip_facts) <= 64, [f.value for f in ip_facts]
    assert all("of a sample of 256 (more were seen)" in f.value for f in ip_facts)
    assert sum(int(f.value.split(" ", 1)[0].replace(",", "")) for f in ip_facts) == 256
    for cat in r.data:
        assert len(cat.evidence) <= 10 and cat.flows <= n
        assert cat.first_seen is not None and cat.last_seen >= cat.first_seen
    stats = a.graph.nx.nodes["host:t.tracker.example"]
    assert len(stats["server_ips"]) <= 256


def test_samples_are_deterministic_whatever_the_order(tmp_path):
    n = 800
    forward = gdprmap.analyze(_many_requests(tmp_path / "a.har", n))
    backward = gdprmap.analyze(_many_requests(tmp_path / "b.har", n, list(range(n))[::-1]))
    (f,) = [r for r in forward.recipients if r.id.endswith("tracker.example")]
    (b,) = [r for r in backward.recipients if r.id.endswith("tracker.example")]
    assert f.server_ips == b.server_ips and [x.value for x in f.facts] == [
        x.value for x in b.facts]


def test_reruns_are_byte_identical(tmp_path):
    capture = _many_requests(tmp_path / "many.har", 700)
    out = tmp_path / "report.json"  # (the command line, output path included, is recorded)
    runs = []
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-m", "gdprmap.cli", "report", str(capture),
                               "-o", str(out)], capture_output=True, text=True, timeout=300,
                              env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"})
        assert proc.returncode == 0, proc.stderr
        runs.append(out.read_bytes())
    assert runs[0] == runs[1] and b'"server_ips_sampled": true' in runs[0]


def test_bottom_k_keeps_the_smallest_hashes_whatever_the_order():
    from gdprmap.graph import BottomK, stable_hash

    values = [f"10.0.{i // 256}.{i % 256}" for i in range(5000)]
    expected = sorted(sorted(values, key=lambda v: (stable_hash(v), v))[:100])
    for order in (values, values[::-1], values[1::2] + values[::2]):
        sample = BottomK(100)
        for v in order:
            sample.add(v)
        assert sorted(sample.values) == expected and sample.more


def test_the_streamed_json_report_is_the_same_text_as_the_whole_document(tmp_path):
    from gdprmap.reports.json_report import render_json, write_json

    a = gdprmap.analyze(_many_requests(tmp_path / "some.har", 50))
    for assessment in (a, a.model_copy(update={"recipients": ()})):
        whole = json.dumps(assessment.model_dump(mode="json"), indent=2, ensure_ascii=False)
        assert render_json(assessment) == whole + "\n"
        write_json(assessment, tmp_path / "out.json")
        assert (tmp_path / "out.json").read_text(encoding="utf-8") == whole + "\n"


def test_evidence_sidecar_has_every_request_redacted_and_is_reproducible(tmp_path):
    from conftest import EXAMPLE, SECRETS

    runs = []
    for _ in range(2):
        sidecar = tmp_path / "evidence.jsonl"
        a = gdprmap.analyze(EXAMPLE, evidence=sidecar)
        runs.append(sidecar.read_bytes())
    lines = [json.loads(line) for line in runs[0].decode("utf-8").splitlines()]
    assert runs[0] == runs[1]
    assert len(lines) == sum(i.entries for i in a.inputs)
    assert [x["entry"] for x in lines] == sorted(x["entry"] for x in lines)
    text = runs[0].decode("utf-8")
    assert not [s for s in SECRETS if s in text]
    # the report keeps a bounded sample of what the sidecar holds in full
    kept = sum(len(c.evidence) for r in a.recipients for c in r.data)
    assert kept < sum(len(x["data"]) for x in lines)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_batch_summary_is_written_as_sites_finish(tmp_path):
    example = Path(__file__).resolve().parent.parent / "examples" / "health-booking"
    doc = json.loads((example / "capture.har").read_text(encoding="utf-8"))
    folder = tmp_path / "captures"
    folder.mkdir()
    for k in range(4):
        doc["log"]["entries"] = doc["log"]["entries"][: 20 + 10 * k]
        (folder / f"s{k}.har").write_text(json.dumps(doc), encoding="utf-8")
    result = gdprmap.batch([folder], tmp_path / "out")
    # the rows left memory as each site finished; the files hold them all
    assert all(s.recipients == [] and s.recipient_count > 0 for s in result.sites)
    rows = (tmp_path / "out" / "summary.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) - 1 == sum(s.recipient_count for s in result.sites)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert [s["site"] for s in summary["sites"]] == ["s0", "s1", "s2", "s3"]
    assert all(s["recipients"] for s in summary["sites"])


def test_recipients_written_by_the_compiled_serialiser_are_json_dumps_bytes(tmp_path):
    # issue 19: recipients go through pydantic's serialiser; what it writes must stay the bytes
    # json.dumps wrote, for text a capture can hold (any Unicode, controls, a lone surrogate
    # that pydantic refuses: that recipient takes the json.dumps path) and cookie lifetimes
    from conftest import EXAMPLE

    from gdprmap.models import CookieLifetime
    from gdprmap.reports.json_report import render_json

    a = gdprmap.analyze(EXAMPLE)
    odd = ["é\u2028\x00\x1f\x7f\"\\/ 😀 \u202e", "\ud800 lone", "<b>&amp;</b>"]
    lifetimes = tuple(CookieLifetime(name=odd[(i % 2) * 2], domain="x.example", days=days, source="t")
                      for i, days in enumerate([None, 0.0, -0.0, 0.1, -3.5, 365.0, 2932896.0]))
    recipients = tuple(r.model_copy(update={"hosts": (*r.hosts, odd[i % 3]),
                                            "cookie_lifetimes": lifetimes[i % 2:]})
                       for i, r in enumerate(a.recipients))
    changed = a.model_copy(update={"recipients": recipients})
    whole = json.dumps(changed.model_dump(mode="json"), indent=2, ensure_ascii=False)
    assert render_json(changed) == whole + "\n"
