"""Issue 18: `-` reads a capture from standard input (report, export, query) and the Python API
takes a binary stream; the report names it `<stdin>`, never the temporary file it was spooled to."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import gdprmap
from gdprmap.errors import InputError
from gdprmap.importers.base import spool

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "health-booking" / "capture.har"


def _gdprmap(*args: str, stdin: bytes, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "gdprmap", *args], input=stdin, cwd=cwd,
                          capture_output=True, timeout=300)


def test_report_reads_a_capture_from_stdin_and_names_it(tmp_path):
    run = _gdprmap("report", "-", "-o", "out.json", stdin=EXAMPLE.read_bytes(), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    doc = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [i["path"] for i in doc["inputs"]] == ["<stdin>"]
    direct = gdprmap.analyze(EXAMPLE)
    assert doc["inputs"][0]["sha256"] == direct.inputs[0].sha256  # the same bytes were read
    assert {r["id"]: r["verdict"] for r in doc["recipients"]} == {
        r.id: str(r.verdict) for r in direct.recipients}
    assert "gdprmap-stdin-" not in (tmp_path / "out.json").read_text(encoding="utf-8")


def test_gzip_on_stdin_to_export(tmp_path):
    run = _gdprmap("export", "-", "-o", "out.ttl", stdin=gzip.compress(EXAMPLE.read_bytes()),
                   cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "<stdin>" in (tmp_path / "out.ttl").read_text(encoding="utf-8")


def test_broken_stdin_is_one_line_exit_2_naming_stdin(tmp_path):
    run = _gdprmap("report", "-", "-o", "out.json", stdin=b'{"log": {"entries": [',
                   cwd=tmp_path)
    assert run.returncode == 2
    lines = run.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "<stdin>" in lines[0], lines
    assert not (tmp_path / "out.json").exists()


def test_stdin_only_once(tmp_path):
    run = _gdprmap("report", "-", "-", "-o", "out.json", stdin=b"", cwd=tmp_path)
    assert run.returncode == 2 and b"only once" in run.stderr


def test_api_takes_a_binary_stream_and_cleans_up(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # not the shared /tmp
    before = set(Path(tempfile.gettempdir()).glob("gdprmap-stdin-*"))
    a = gdprmap.analyze(io.BytesIO(EXAMPLE.read_bytes()))
    assert a.inputs[0].path == "<stream>"  # BytesIO has no name
    assert len(a.recipients) == len(gdprmap.analyze(EXAMPLE).recipients)
    assert set(Path(tempfile.gettempdir()).glob("gdprmap-stdin-*")) == before == set()


def test_spool_refuses_more_than_its_limit(tmp_path):
    with pytest.raises(InputError, match="<stdin>.*more than"):
        spool(io.BytesIO(b"x" * (3 << 20)), tmp_path, "<stdin>", limit=2 << 20)
