"""Issue #17: batch outputs never embed an absolute input path (it carries the user's name):
an absolute input is shown as its folder and file name, a relative one as given."""

from __future__ import annotations

import shutil
from pathlib import Path

from gdprmap.batch import batch, shown_input

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "health-booking" / "capture.har"


def test_shown_input():
    assert shown_input(Path("captures/a.har")) == "captures/a.har"
    assert shown_input(Path("/home/alice/audits/captures/a.har")) == "captures/a.har"
    assert shown_input(Path("/a.har")) == "a.har"


def test_absolute_inputs_leave_no_trace_in_outputs(tmp_path):
    secret = tmp_path / "home-of-alice-secret"
    captures = secret / "captures"
    captures.mkdir(parents=True)
    shutil.copy(EXAMPLE, captures / "good.har")
    (captures / "bad.har").write_text('{"log": {"entries": [', encoding="utf-8")
    out = tmp_path / "out"
    result = batch([captures.resolve()], out)
    assert {s.status for s in result.sites} == {"done", "failed"}
    assert {s.input for s in result.sites} == {"captures/good.har", "captures/bad.har"}
    texts = [p.read_bytes().decode("utf-8", "replace") for p in out.rglob("*") if p.is_file()]
    assert texts and not any("home-of-alice-secret" in t for t in texts)
    assert any("captures/good.har" in t for t in texts)
