"""Input and usage errors are exit 2 with one line (issue #17, item 6); FIFOs do not hang;
symbolic links are followed only inside the folder given; a failed batch re-run leaves nothing
of the earlier run looking current."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, entry, har

from gdprmap.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "importers"
REGISTER = FIXTURES / "register.yaml"


def _cli(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def _one_line_exit_2(result) -> None:
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


@pytest.mark.parametrize("change", [
    ("updated: 2024-02-15", "updated: 2024-02-30"),
    ("updated: 2024-02-15", "updated: 2024-02-15\nx_count: " + "9" * 5000),
])
def test_register_values_yaml_cannot_build_are_input_errors(tmp_path, change):
    register = tmp_path / "register.yaml"
    register.write_text(REGISTER.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    _one_line_exit_2(_cli("compare", register, EXAMPLE, "-o", tmp_path / "c.json"))


def test_an_invalid_region_pattern_in_a_kb_override_is_an_input_error(tmp_path):
    override = tmp_path / "kb.toml"
    override.write_text(
        '[entities.acme]\nname = "Acme"\ncountry = "US"\nparent_established = false\n'
        'sources = ["https://acme.example/"]\n'
        '[[services]]\nid = "acme-cdn"\nname = "Acme CDN"\noperator = "acme"\n'
        'domains = ["acme-cdn.example"]\nsources = ["https://acme.example/"]\n'
        'region_pattern = "(?P<region>[a-z"\nregions = "aws"\nregion_entity = "acme"\n',
        encoding="utf-8")
    result = _cli("report", EXAMPLE, "-o", tmp_path / "r.json", "--kb-override", override)
    _one_line_exit_2(result)


def test_an_unwritable_output_folder_is_an_input_error(tmp_path, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    _one_line_exit_2(_cli("report", EXAMPLE, "-o", tmp_path / "r.json"))


def test_a_non_utf8_batch_list_is_an_input_error(tmp_path):
    listing = tmp_path / "sites.lst"
    listing.write_bytes(b"capture-\xff.har\n")
    _one_line_exit_2(_cli("batch", listing, "-o", tmp_path / "out"))


def test_a_long_cjk_site_name_fits_the_file_system(tmp_path):
    capture = tmp_path / ("診療予約" * 20 + ".har")
    shutil.copy(EXAMPLE, capture)
    result = _cli("batch", capture, "-o", tmp_path / "out", "--quiet")
    assert result.exit_code in (0, 1), result.output
    assert len(list((tmp_path / "out" / "sites").glob("*.json"))) >= 1


def test_a_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "capture.har"
    os.mkfifo(fifo)
    done = {}

    def run():
        done["result"] = _cli("report", fifo, "-o", tmp_path / "r.json")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(30)
    if thread.is_alive():  # unblock the reader, then fail
        with open(fifo, "w"):
            pass
        pytest.fail("reading a FIFO hung")
    _one_line_exit_2(done["result"])
    assert "FIFO" in done["result"].output


def test_links_out_of_a_wec_folder_are_not_followed(tmp_path):
    secret = tmp_path / "secret.har"
    secret.write_text(json.dumps(har([entry("https://www.clinic.example/")])), encoding="utf-8")
    wec = tmp_path / "wec"
    shutil.copytree(FIXTURES / "wec-output", wec)
    (wec / "requests.har").unlink()
    (wec / "requests.har").symlink_to(secret)
    result = _cli("report", wec, "-o", tmp_path / "r.json")
    _one_line_exit_2(result)
    assert "symbolic link" in result.output


def test_batch_folders_follow_links_only_inside(tmp_path):
    folder = tmp_path / "captures"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "inside.har")
    (folder / "alias.har").symlink_to(folder / "inside.har")
    elsewhere = tmp_path / "elsewhere.har"
    shutil.copy(EXAMPLE, elsewhere)
    (folder / "outside.har").symlink_to(elsewhere)
    from gdprmap.batch import expand_inputs

    names = sorted(p.name for p in expand_inputs([folder]))
    assert len(names) == 1 and "outside.har" not in names  # the alias is the same file


def test_a_failed_rerun_leaves_nothing_looking_current(tmp_path, monkeypatch):
    capture = tmp_path / "site.har"
    shutil.copy(EXAMPLE, capture)
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    first = _cli("batch", "site.har", "-o", out, "--format", "json,html", "--quiet")
    assert first.exit_code in (0, 1), first.output
    sites = out / "sites"
    assert (sites / "site.json").is_file() and (sites / "site.manifest.json").is_file()
    manifest = json.loads((sites / "site.manifest.json").read_text())
    assert not Path(manifest["input"]).is_absolute()  # no absolute local path (user names)
    report = json.loads((sites / "site.json").read_text())
    assert not any(Path(i["path"]).is_absolute() for i in report["inputs"])
    # the capture changes and is now broken: the re-run fails
    capture.write_text("{ not a capture", encoding="utf-8")
    second = _cli("batch", "site.har", "-o", out, "--format", "json,html", "--quiet")
    assert second.exit_code != 0
    assert not (sites / "site.manifest.json").exists()
    assert not (sites / "site.json").exists() and not (sites / "site.html").exists()
    assert not list(sites.glob(".*partial*"))
