"""Issue #8: capture-to-capture comparison (`gdprmap diff`, gdprmap.diff_assessments)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import entry, har

import gdprmap
from gdprmap import Verdict
from gdprmap.diff import DIFF_FAIL_ON, AssessmentDiff

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "health-booking" / "capture.har"
PAGE = [{"id": "page_1", "title": "https://www.shop.example/",
         "startedDateTime": "2022-12-05T10:00:00.000+01:00", "pageTimings": {}}]


def capture(write_har, name: str, *urls: str) -> Path:
    entries = [entry("https://www.shop.example/")] + [entry(u) for u in urls]
    return write_har(har(entries, pages=PAGE), name=name)


@pytest.fixture
def before_after(write_har):
    old = capture(write_har, "old.har", "https://client.axept.io/a.js")
    new = capture(write_har, "new.har", "https://client.axept.io/a.js",
                  "https://fonts.googleapis.com/css?family=Roboto")
    return old, new


def test_new_recipient_and_new_unlawful(before_after):
    old, new = (gdprmap.analyze(p) for p in before_after)
    d = gdprmap.diff_assessments(old, new)
    assert [r.id for r in d.new_recipients] == ["org:google-llc"]
    assert d.new_recipients[0].verdict is Verdict.UNLAWFUL
    assert d.new_unlawful() == ["org:google-llc"]
    assert d.gone_recipients == () and d.verdict_changes == ()
    assert d.triggered(["new-unlawful", "new-recipient", "worse-verdict", "any"]) == [
        "new-unlawful", "new-recipient", "any"]
    back = gdprmap.diff_assessments(new, old)
    assert [r.id for r in back.gone_recipients] == ["org:google-llc"]
    assert back.triggered(["new-unlawful"]) == []


def test_verdict_changes_between_dates(example_dpf_list):
    a2022 = gdprmap.analyze(EXAMPLE)
    # issue 14: Google and Cloudflare on a (test) DPF List on the as-of date
    a2024 = gdprmap.analyze(EXAMPLE, as_of="2024-03-01", dpf_list=example_dpf_list)
    d = gdprmap.diff_assessments(a2022, a2024)
    changes = {c.id: (c.old, c.new, c.worse) for c in d.verdict_changes}
    assert changes["org:google-llc"] == (Verdict.UNLAWFUL, Verdict.ADEQUATE, False)
    assert changes["org:cloudflare-inc"] == (Verdict.UNLAWFUL, Verdict.ADEQUATE, False)
    assert d.new_unlawful() == []
    worse = gdprmap.diff_assessments(a2024, a2022)
    assert sorted(worse.new_unlawful()) == sorted(changes)
    assert worse.triggered(["worse-verdict"]) == ["worse-verdict"]
    assert AssessmentDiff.model_validate_json(d.to_json()) == d


def test_same_capture_has_no_change():
    a = gdprmap.analyze(EXAMPLE)
    d = gdprmap.diff_assessments(a, a)
    assert not d.changed() and d.triggered(DIFF_FAIL_ON) == []
    assert d.render_text().endswith("no change\n")


def test_new_data_categories(write_har):
    old = gdprmap.analyze(capture(write_har, "o.har", "https://client.axept.io/a.js"))
    new = gdprmap.analyze(capture(write_har, "n.har",
                                  "https://client.axept.io/a.js?q=chirurgie+viscerale"))
    d = gdprmap.diff_assessments(old, new)
    [change] = d.data_changes
    assert change.id == "org:axeptio"
    assert "https://w3id.org/dpv/pd#Health" in change.added
    assert change.special_added == ("https://w3id.org/dpv/pd#Health",)
    assert d.triggered(["new-data", "new-special"]) == ["new-data", "new-special"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gdprmap.cli", *args], check=False,
                          capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})


def test_cli_diff_exit_codes_for_ci(before_after, tmp_path):
    old, new = before_after
    out = cli("diff", str(old), str(new), "--fail-on", "new-unlawful")
    assert out.returncode == 1, out.stderr
    assert "+ org:google-llc" in out.stdout
    out = cli("diff", str(new), str(old), "--fail-on", "new-unlawful")
    assert out.returncode == 0, out.stderr
    assert "- org:google-llc" in out.stdout


def test_cli_diff_on_saved_assessments_and_json(before_after, tmp_path):
    old, new = before_after
    saved = tmp_path / "old.json"
    assert cli("report", str(old), "-o", str(saved)).returncode == 0
    target = tmp_path / "diff.json"
    out = cli("diff", str(saved), str(new), "-o", str(target))
    assert out.returncode == 0, out.stderr
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert [r["id"] for r in doc["new_recipients"]] == ["org:google-llc"]
    out = cli("diff", str(saved), str(new), "--format", "json")
    assert json.loads(out.stdout) == doc


def test_cli_diff_bad_input_exits_2(tmp_path):
    bad = tmp_path / "x.har"
    bad.write_text("not json", encoding="utf-8")
    out = cli("diff", str(bad), str(EXAMPLE))
    assert out.returncode == 2 and out.stderr.startswith("gdprmap: error:")
