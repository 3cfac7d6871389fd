"""iOS App Privacy Report exports: network activity records as connection flows with the app and
Apple's labels as notes, access records left out, bad lines named by their number."""

import json
import pytest
from click.testing import CliRunner
from importer_helpers import FIXTURES

from gdprmap.api import analyze
from gdprmap.cli import main
from gdprmap.errors import InputError
from gdprmap.importers import ios_privacy, open_capture

REPORT = FIXTURES / "App_Privacy_Report_v4_2024-04-05.ndjson"


def test_network_activity_becomes_connection_flows_and_access_records_are_left_out():
    capture = open_capture(REPORT)
    flows = list(capture)
    info = capture.info()
    assert info.format == "ios-app-privacy-report" and info.entries == 4
    assert [f.entry for f in flows] == [1, 2, 3, 4]  # lines 0 and 5 are access records
    assert {f.method for f in flows} == {"CONNECT"}
    assert flows[0].url == "https://api.booking.example.com/"
    assert info.apps == ("com.example.booking", "com.apple.mobilesafari")
    assert "example.com" in info.first_party_hints
    adjust = flows[1]
    assert adjust.started.isoformat() == "2024-04-05T09:31:03.250000+02:00"
    assert "App Privacy Report domainOwner: Adjust GmbH" in adjust.notes
    assert "App Privacy Report context: clinic.example" in flows[2].notes
    assert flows[3].server_ip == "203.0.113.50"
    assert info.last_seen.isoformat() == "2024-04-05T09:42:00+02:00"


def test_the_report_names_the_recipients():
    a = analyze(REPORT)
    hosts = {h for r in a.recipients for h in r.hosts}
    assert {"app.adjust.com", "www.google-analytics.com"} <= hosts
    assert "api.booking.example.com" not in hosts  # the app developer's own domain


def test_bad_lines_are_named_and_may_be_skipped(tmp_path):
    lines = REPORT.read_text().splitlines()
    lines[2] = lines[2].replace('"app.adjust.com"', '"not a host!"')
    lines.insert(3, "[1, 2]")
    path = tmp_path / "report.ndjson"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as err:
        list(open_capture(path))
    assert str(err.value) == f"{path}: entry 2: domain: not a hostname or IP address"
    a = analyze(path, skip_bad_entries=True)
    assert [(s.entry, s.reason) for s in a.skipped] == [
        (2, "domain: not a hostname or IP address"), (3, "not a JSON object")]
    assert a.inputs[0].entries == 3
    cut = tmp_path / "cut.ndjson"
    cut.write_text(REPORT.read_text()[:-40])  # the last record cut short
    result = CliRunner().invoke(main, ["report", str(cut), "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert f"{cut}: entry 5: not valid JSON" in result.output


def test_sniffing(tmp_path):
    assert ios_privacy.sniff(REPORT, REPORT.read_bytes()[:8192])
    other = b'{"type": "networkActivity"}\n'  # no app, no accessor: not a report record
    assert not ios_privacy.sniff(REPORT, other)
    assert not ios_privacy.sniff(REPORT, json.dumps({"log": {"entries": []}}).encode())


def test_a_lone_surrogate_is_a_bad_entry_not_a_broken_report(tmp_path):
    lines = REPORT.read_text().splitlines()
    lines[2] = lines[2].replace('"com.example.booking"', '"com.example.\\ud800booking"')
    path = tmp_path / "report.ndjson"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="entry 2: bundleID: not valid Unicode"):
        list(open_capture(path))
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["report", str(path), "--skip-bad-entries", "-o", str(out)])
    assert result.exit_code in (0, 1) and json.loads(out.read_text())["skipped"]
