"""Issue #9: `gdprmap batch` - one assessment per site, a cross-site summary, resumable, failures
recorded and never fatal, worker processes, and the same batch on a local Dask cluster."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import gdprmap
from gdprmap.batch import expand_inputs, site_names
from gdprmap.cli import main
from gdprmap.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "health-booking" / "capture.har"


@pytest.fixture()
def sites(tmp_path: Path) -> Path:
    """Two sound captures and a broken one."""
    folder = tmp_path / "captures"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "health.example.har")
    text = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    text["log"]["entries"] = text["log"]["entries"][:40]
    (folder / "small.har").write_text(json.dumps(text), encoding="utf-8")
    (folder / "broken.har").write_text('{"log": {"entries": [', encoding="utf-8")
    (folder / "notes.md").write_text("not a capture", encoding="utf-8")
    return folder


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # as the register CSV
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_batch_writes_a_report_per_site_and_a_summary(sites: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    seen: list[tuple[str, int]] = []
    result = gdprmap.batch([sites], out, progress=lambda s, total: seen.append((s.site, total)))
    assert isinstance(result, gdprmap.BatchResult)
    assert [s.site for s in result.sites] == ["broken", "health.example", "small"]
    assert sorted(seen) == [("broken", 3), ("health.example", 3), ("small", 3)]
    assert [s.site for s in result.done] == ["health.example", "small"]
    assert [s.site for s in result.failed] == ["broken"]
    assert "broken.har" in result.failed[0].error and "\n" not in result.failed[0].error
    report = json.loads((out / "sites" / "health.example.json").read_text(encoding="utf-8"))
    assert report["schema_version"] and report["recipients"]
    assert (out / "sites" / "health.example.manifest.json").is_file()
    assert not (out / "sites" / "broken.json").exists()
    # who receives what from which site
    rows = read_csv(out / "summary.csv")
    aws = [r for r in rows
           if r["site"] == "health.example" and r["recipient"] == "org:aws-emea-sarl"]
    assert aws and aws[0]["verdict"] == "unlawful" and aws[0]["special_categories"] == "pd:Health"
    per_site = {r["site"]: r for r in read_csv(out / "sites.csv")}
    assert per_site["health.example"]["unlawful"] == "5"
    assert per_site["broken"]["status"] == "failed"
    per_recipient = {r["recipient"]: r for r in read_csv(out / "recipients.csv")}
    assert per_recipient["org:aws-emea-sarl"]["sites"] in ("1", "2")
    failures = read_csv(out / "failures.csv")
    assert [f["site"] for f in failures] == ["broken"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"] == {"sites": 3, "done": 2, "skipped": 0, "failed": 1}
    assert result.worst() == "unlawful"


def test_batch_resumes_and_redoes_changed_inputs(sites: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    gdprmap.batch([sites], out)
    again = gdprmap.batch([sites], out)
    assert [s.site for s in again.skipped] == ["health.example", "small"]
    assert again.sites[1].counts == gdprmap.batch([sites], out).sites[1].counts  # from manifest
    # a changed capture is redone, an unchanged one is not
    small = sites / "small.har"
    small.write_text(small.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    third = gdprmap.batch([sites], out)
    assert [s.site for s in third.done] == ["small"]
    # changed options redo every site; a missing output redoes its site
    assert [s.site for s in gdprmap.batch([sites], out, lang="fr").done] == [
        "health.example", "small"]
    (out / "sites" / "small.json").unlink()
    assert [s.site for s in gdprmap.batch([sites], out, lang="fr").done] == ["small"]
    assert len(gdprmap.batch([sites], out, lang="fr", force=True).done) == 2
    # fixing the broken capture clears the failures file
    (sites / "broken.har").unlink()
    gdprmap.batch([sites], out, lang="fr")
    assert not (out / "failures.csv").exists()


def test_batch_in_worker_processes_matches_one_process(sites: Path, tmp_path: Path) -> None:
    one = gdprmap.batch([sites], tmp_path / "one")
    two = gdprmap.batch([sites], tmp_path / "two", jobs=2)
    assert [(s.site, s.status, s.counts) for s in one.sites] == [
        (s.site, s.status, s.counts) for s in two.sites]
    assert read_csv(tmp_path / "one" / "summary.csv") == read_csv(tmp_path / "two" / "summary.csv")


def test_inputs_folders_globs_and_list_files(sites: Path, tmp_path: Path) -> None:
    listing = tmp_path / "sites.txt"
    listing.write_text("# my sites\ncaptures/small.har\n\ncaptures/health*.har\n", encoding="utf-8")
    assert [p.name for p in expand_inputs([listing])] == ["small.har", "health.example.har"]
    assert [p.name for p in expand_inputs([str(sites / "*.har")])] == [
        "broken.har", "health.example.har", "small.har"]
    assert [p.name for p in expand_inputs([sites, sites / "small.har"])] == [
        "broken.har", "health.example.har", "small.har"]  # no repeats
    assert site_names([Path("a/x.har"), Path("b/x.har"), Path("c/y.har.gz")]) == [
        "a_x", "b_x", "y"]
    with pytest.raises(UsageError, match="no such file"):
        expand_inputs([tmp_path / "missing"])
    with pytest.raises(UsageError, match="no file matches"):
        expand_inputs([str(tmp_path / "*.zhar")])


def test_batch_usage_errors(sites: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown batch format"):
        gdprmap.batch([sites], tmp_path / "o", formats=("docx",))
    with pytest.raises(UsageError, match="--scheduler"):
        gdprmap.batch([sites], tmp_path / "o", executor="dask")
    with pytest.raises(UsageError, match="not available in a batch"):
        gdprmap.batch([sites], tmp_path / "o", controller="ACME")


def test_cli_batch_exit_codes(sites: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    r = runner.invoke(main, ["batch", str(sites), "-o", str(out)])
    assert r.exit_code == 4, r.output  # some captures failed; the others were done
    assert "1 failed" in r.output and "broken" in r.output
    (sites / "broken.har").unlink()
    r = runner.invoke(main, ["batch", str(sites), "-o", str(out), "-q"])
    assert r.exit_code == 0, r.output
    assert "2 already done" in r.output
    r = runner.invoke(main, ["batch", str(sites), "-o", str(out), "--fail-on", "unlawful"])
    assert r.exit_code == 1, r.output
    r = runner.invoke(main, ["batch", str(sites), "-o", str(out), "--format", "json,docx"])
    assert r.exit_code == 2 and "unknown batch format" in r.output
    r = runner.invoke(main, ["batch", str(sites), "-o", str(out), "--executor", "dask"])
    assert r.exit_code == 2 and "--scheduler" in r.output


def test_batch_on_a_local_dask_cluster(sites: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=":0") as cluster:
        result = gdprmap.batch([sites], tmp_path / "out", executor="dask",
                               scheduler=cluster.scheduler_address)
    local = gdprmap.batch([sites], tmp_path / "local")
    assert [(s.site, s.status, s.counts) for s in result.sites] == [
        (s.site, s.status, s.counts) for s in local.sites]
    assert (tmp_path / "out" / "sites" / "small.json").is_file()
    assert read_csv(tmp_path / "out" / "summary.csv") == [
        r for r in read_csv(tmp_path / "local" / "summary.csv")]
