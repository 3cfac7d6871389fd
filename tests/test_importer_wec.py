"""EDPS Website Evidence Collector and Blacklight output folders."""

import json
import shutil

import pytest
from conftest import SECRETS
from importer_helpers import FIXTURES, as_text, read

from gdprmap.errors import InputError


def test_wec_folder_flows_come_from_the_har_and_provenance_from_inspection():
    flows, info, _ = read(FIXTURES / "wec-output")
    assert info.format == "wec+har" and len(flows) == info.entries == 3
    assert info.producer == "EDPS Website Evidence Collector 2.1.1 (HAR: chrome-har 0.13.2)"
    assert [f.input for f in flows] == [f"{FIXTURES / 'wec-output'}/requests.har"] * 3
    assert [p.path.rsplit("/", 1)[-1] for p in info.files] == ["inspection.json", "requests.har"]
    assert all(len(p.sha256) == 64 for p in info.files)
    run = info.run
    assert (run.tool, run.tool_version, run.browser) == (
        "EDPS Website Evidence Collector", "2.1.1", "Chromium")
    assert run.started.isoformat() == "2024-05-30T12:53:44.473000+00:00"
    assert run.ended.isoformat() == "2024-05-30T12:53:51.071000+00:00"
    assert run.first_party_uris == ("https://api.clinic.example/",)
    assert info.first_party_hints == ("www.clinic.example", "api.clinic.example")


def test_wec_cookies_storage_and_beacons():
    _, info, _ = read(FIXTURES / "wec-output")
    ga, sid, ide = info.cookies
    assert ga.expires.isoformat().startswith("2025-06-29") and ga.first_party is True
    assert ga.set_by == "Cookie.JS" and ga.set_at.startswith("https://www.googletagmanager.com/")
    assert sid.session is True and sid.expires is None
    assert ide.first_party is False and ide.domain == ".doubleclick.net"
    assert info.local_storage[0].key == "ajs_user_id" and info.local_storage[0].first_party
    beacon = info.beacons[0]
    assert beacon.occurrences == 3 and beacon.list_name == "easyprivacy.txt"
    assert "cid=[redacted]" in beacon.url
    text = info.model_dump_json()
    for secret in (*SECRETS, "patient-4242", "AHWqTUm", "1234567890.1700000000"):
        assert secret not in text


def test_inspection_json_path_opens_its_folder():
    flows, info, _ = read(FIXTURES / "wec-output" / "inspection.json")
    assert info.format == "wec+har" and len(flows) == 3


def test_inspection_file_under_another_name_is_read_alone(tmp_path):
    """An inspection.json saved under another name is that file's capture: read, not looked
    for as inspection.json beside it; a requests.har beside it is not taken as its HAR."""
    renamed = tmp_path / "bbva-run.json"
    shutil.copy(FIXTURES / "wec-output" / "inspection.json", renamed)
    shutil.copy(FIXTURES / "wec-output" / "requests.har", tmp_path / "requests.har")
    flows, info, _ = read(renamed)
    assert info.format == "wec" and info.path == str(renamed)
    assert [f.path for f in info.files] == [str(renamed)]
    assert {f.input for f in flows} == {str(renamed)}
    assert flows[0].resource_type == "beacon" and len(flows) == 4


def test_blacklight_snake_case_lists():
    flows, info, _ = read(FIXTURES / "blacklight-output")
    assert info.format == "blacklight+har" and info.producer.startswith("Blacklight 3.0.0")
    assert info.first_party_hints == ("www.cabinet.example",)
    assert len(flows) == 3


def test_without_har_hosts_become_marked_synthetic_flows(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    shutil.copy(FIXTURES / "wec-output" / "inspection.json", folder)
    flows, info, _ = read(folder)
    assert info.format == "wec" and info.files[0].path.endswith("inspection.json")
    beacon, *listed = flows
    assert beacon.resource_type == "beacon" and beacon.method == "UNKNOWN"
    assert {f.host for f in listed} == {"www.clinic.example", "api.clinic.example",
                                        "stats.g.doubleclick.net"}
    assert all(f.resource_type == "host-list" and f.method == "CONNECT" for f in listed)
    assert [f.entry for f in flows] == list(range(len(flows)))
    assert "SECRET" not in as_text(flows, info)


@pytest.mark.parametrize(("patch", "field"), [
    ({"cookies": "x"}, "cookies"),
    ({"cookies": [7]}, "cookies[0]"),
    ({"beacons": [{"filter": "x"}]}, "beacons[0].url"),
    ({"browser": []}, "browser"),
    ({"localStorage": {"https://a.example": 3}}, "localStorage.https://a.example"),
])
def test_broken_inspection_names_the_field(tmp_path, patch, field):
    doc = json.loads((FIXTURES / "wec-output" / "inspection.json").read_text())
    doc.update(patch)
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "inspection.json").write_text(json.dumps(doc))
    shutil.copy(FIXTURES / "wec-output" / "requests.har", folder)
    with pytest.raises(InputError) as err:
        read(folder)
    assert str(err.value).startswith(f"{folder}/inspection.json: {field}: ")


def test_broken_har_in_folder_names_the_har(tmp_path):
    folder = tmp_path / "out"
    shutil.copytree(FIXTURES / "wec-output", folder)
    (folder / "requests.har").write_text('{"log": {"version": "1.2", "entries": [{"x": 1}]}}')
    with pytest.raises(InputError, match=r"/requests.har: entry 0: request: "):
        read(folder)
    flows, info, skipped = read(folder, skip_bad_entries=True)
    assert not flows and info.skipped == 1 and skipped[0].input.endswith("requests.har")


def test_lone_surrogate_escapes_are_refused_by_name(tmp_path):
    folder = tmp_path / "out"
    shutil.copytree(FIXTURES / "wec-output", folder)
    doc = json.loads((folder / "inspection.json").read_text())
    doc["localStorage"] = {"https://a.example": {"k\ud800": {"value": "v"}}}
    (folder / "inspection.json").write_text(json.dumps(doc))  # ensure_ascii: "\ud800" escape
    with pytest.raises(InputError, match=r"inspection.json: localStorage.https://a.example: "
                                         r"not valid Unicode"):
        read(folder)
