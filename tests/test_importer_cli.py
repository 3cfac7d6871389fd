"""The importer options through the library and the command line: several inputs, bad input
(exit 2, one line), --skip-bad-entries, --keep-secrets."""

import json

import pytest
from click.testing import CliRunner
from conftest import SECRETS, entry, har
from importer_helpers import FIXTURES

from gdprmap.api import analyze
from gdprmap.cli import main


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture
def before_after(write_har):
    before = write_har(har([entry("https://www.site.example/", when="2024-03-01T10:00:00+01:00"),
                            entry("https://www.google-analytics.com/g/collect?cid=1.2",
                                  when="2024-03-01T10:00:05+01:00")],
                           creator="Firefox"), "before.har")
    after = write_har(har([entry("https://www.site.example/", when="2024-04-02T09:00:00Z")],
                          creator="WebInspector"), "after.har")
    return before, after


def test_several_inputs_each_with_hash_producer_and_time_range(before_after):
    before, after = before_after
    a = analyze(before, after)
    one, two = a.inputs
    assert (one.path, two.path) == (str(before), str(after))
    assert one.sha256 != two.sha256 and len(one.sha256) == len(two.sha256) == 64
    assert (one.producer, two.producer) == ("Firefox 1", "WebInspector 1")
    assert one.first_seen.isoformat() == "2024-03-01T10:00:00+01:00"
    assert one.last_seen.isoformat() == "2024-03-01T10:00:05+01:00"
    assert two.first_seen.isoformat() == two.last_seen.isoformat() == "2024-04-02T09:00:00+00:00"
    assert str(a.as_of) == "2024-03-01" and a.skipped == () and a.secrets_kept is False


def test_mixed_formats_in_one_run():
    a = analyze(FIXTURES / "wec-output", FIXTURES / "trackercontrol_log_20240405.csv",
                FIXTURES / "register.yaml")
    assert [i.format for i in a.inputs] == ["wec+har", "trackercontrol-csv (all-apps)",
                                            "register"]
    assert "example.com" in a.first_party_domains  # the app's developer domain
    assert "clinic.example" in a.first_party_domains  # WEC's inspected site
    hosts = {h for r in a.recipients for h in r.hosts}
    assert "api.example.com" not in hosts and "s3.eu-west-3.amazonaws.com" in hosts


def test_bad_input_is_one_line_and_exit_2(tmp_path, write_har):
    bad = entry("https://b.example/")
    bad["request"]["method"] = 7
    path = write_har(har([entry("https://a.example/"), bad]))
    code, out = run("report", path, "-o", tmp_path / "r.json")
    assert code == 2 and not (tmp_path / "r.json").exists()
    assert out == f"gdprmap: error: {path}: entry 1: request.method: missing or not a short " \
                  "string (--skip-bad-entries reads the other entries)\n"


def test_skip_bad_entries_lists_them_in_the_json(tmp_path, write_har):
    bad = entry("https://b.example/")
    bad["startedDateTime"] = "not a date"
    path = write_har(har([entry("https://a.example/"), bad]))
    out = tmp_path / "r.json"
    code, text = run("report", path, "-o", out, "--skip-bad-entries")
    assert code == 0 and "1 broken entries skipped" in text
    skipped = json.loads(out.read_text())["skipped"]
    assert skipped == [{"input": str(path), "entry": 1,
                        "reason": "startedDateTime: missing or not an ISO 8601 date-time"}]


def test_keep_secrets_marks_the_output(tmp_path):
    out = tmp_path / "r.json"
    code, text = run("report", FIXTURES / "chrome-devtools.har", "-o", out, "--keep-secrets")
    doc = json.loads(out.read_text())
    assert code == 0 and doc["secrets_kept"] is True and "UNREDACTED" in text
    assert all(i["secrets_kept"] for i in doc["inputs"])
    code, _ = run("report", FIXTURES / "chrome-devtools.har", "-o", out)
    body = out.read_text()
    assert code == 0 and json.loads(body)["secrets_kept"] is False
    for secret in SECRETS:
        assert secret not in body


def test_folder_input_on_the_command_line(tmp_path):
    out = tmp_path / "r.json"
    code, _ = run("report", FIXTURES / "wec-output", "-o", out)
    doc = json.loads(out.read_text())
    assert code == 0 and doc["inputs"][0]["run"]["tool_version"] == "2.1.1"
    assert len(doc["inputs"][0]["cookies"]) == 3


def test_app_traffic_without_pages_does_not_make_the_first_tracker_first_party():
    """PCAPdroid's HAR has no pages: its first request (graph.facebook.com) is a recipient."""
    a = analyze(FIXTURES / "pcapdroid.har")
    hosts = {h for r in a.recipients for h in r.hosts}
    assert {"graph.facebook.com", "api2.branch.io"} <= hosts
    assert "facebook.com" not in a.first_party_domains
