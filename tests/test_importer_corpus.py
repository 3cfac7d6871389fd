"""Real files written by others (../shared/corpus, see its README): every entry becomes a flow,
hosts are right, broken files give an InputError. Skipped when the corpus is absent."""

import json

import pytest
from conftest import CORPUS
from importer_helpers import read

from gdprmap.errors import InputError

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")

HARS = {
    # file: (hosts, requests with no serverIPAddress)
    "producers/chrome.har": ({"mitmproxy.org", "www.google.com"}, 1),
    "producers/firefox.har": ({"mitmproxy.org", "s3-us-west-2.amazonaws.com"}, 9),
    "producers/safari.har": ({"mitmproxy.org", "s3-us-west-2.amazonaws.com"}, 16),
    "producers/charles.har": ({"mitmproxy.org"}, 0),
    "producers/insomnia.har": ({"mitm.it"}, 1),
    "producers/postdata.har": ({"signal-metrics-collector-beta.s-onetag.com"}, 0),
    "producers/with-bom.har": ({"signal-metrics-collector-beta.s-onetag.com"}, 0),
    "producers/head-content-length.har": ({"files.pythonhosted.org"}, 0),
    "mobile/first-run.har": ({"api2.branch.io", "cdn.branch.io", "graph.facebook.com",
                              "notify.bugsnag.com", "sessions.bugsnag.com"}, 0),
    "mobile/second-run.har": ({"api2.branch.io", "cdn.branch.io", "graph.facebook.com"}, 0),
    "mobile/ios/first-run.har": ({"api2.branch.io", "cdn.branch.io", "graph.facebook.com",
                                  "notify.bugsnag.com", "sessions.bugsnag.com"}, 0),
    "mobile/ios/second-run.har": ({"api2.branch.io", "cdn.branch.io", "graph.facebook.com"}, 0),
    "corrupted/corrupted_gzip_body.har": ({"127.0.0.1"}, 0),
}


@pytest.mark.parametrize("name", sorted(HARS))
def test_every_har_entry_becomes_a_flow(name):
    path = CORPUS / "har" / name
    raw = json.loads(path.read_text(encoding="utf-8-sig"))["log"]["entries"]
    flows, info, skipped = read(path)
    hosts, no_ip = HARS[name]
    assert [f.entry for f in flows] == list(range(len(raw))) and not skipped
    assert info.entries == len(raw) and len(info.sha256) == 64 and info.producer
    assert {f.host for f in flows} == hosts
    assert sum(f.server_ip is None for f in flows) == no_ip
    assert all(f.started.tzinfo is not None for f in flows)


def test_chrome_initiators_are_kept():
    flows, _, _ = read(CORPUS / "har" / "producers" / "chrome.har")
    assert [f.initiator_type for f in flows] == ["other", "other", "parser"]
    assert flows[2].initiator == "https://www.google.com/"
    flows, _, _ = read(CORPUS / "har" / "producers" / "postdata.har")
    assert flows[0].initiator_type == "script"
    assert flows[0].initiator_chain[0] == "https://signal-beacon.s-onetag.com/beacon.min.js"


def test_compressed_zhar():
    flows, info, _ = read(CORPUS / "har" / "corrupted" / "compressed.zhar")
    assert info.format == "har+zlib" and {f.host for f in flows} == {"example.com", "httpbin.org"}


@pytest.mark.parametrize("name", ["brokenfile.har", "broken_headers.json"])
def test_broken_files(name):
    with pytest.raises(InputError) as err:
        read(CORPUS / "har" / "corrupted" / name)
    assert str(err.value).startswith(str(CORPUS / "har" / "corrupted" / name))


def test_real_ios_app_privacy_report():
    """Its 179 network-activity records become connection flows; its 146 data-access records
    (not network traffic) are left out, not misread."""
    flows, info, skipped = read(CORPUS / "har" / "mobile" / "ios" / "app-privacy-report.ndjson")
    assert len(flows) == info.entries == 179 and not skipped
    assert info.format == "ios-app-privacy-report" and len(info.apps) == 20
    assert all(f.app and f.method == "CONNECT" for f in flows)


def test_real_trackercontrol_export():
    path = CORPUS / "har" / "mobile" / "tracker-control-report.csv"
    rows = path.read_text(encoding="utf-8").strip().splitlines()[1:]
    flows, info, skipped = read(path)
    assert len(flows) == len(rows) == info.entries == 65 and not skipped
    assert info.format == "trackercontrol-csv (all-apps)"
    assert "de.check24.check24" in info.apps and "check24.de" in info.first_party_hints
    sentry = next(f for f in flows if f.host == "o4504513611366400.ingest.sentry.io")
    assert sentry.method == "CONNECT" and sentry.resource_type == "connection"
    assert sentry.app == "de.check24.check24"
    assert "TrackerControl tracker: Functional Software Inc (Uncategorised)" in sentry.notes
    assert info.first_seen.year == 2024


def test_real_wec_output_without_har():
    """The WEC test output holds inspection.json but no requests.har: beacons and host lists."""
    flows, info, _ = read(CORPUS / "wec" / "tests" / "test_output")
    doc = json.loads((CORPUS / "wec" / "tests" / "test_output" / "inspection.json").read_text())
    assert info.format == "wec" and info.run.tool_version == "2.1.1"
    assert info.run.browser == "Chromium" and info.run.started.isoformat().startswith("2024-05-30")
    listed = set(doc["hosts"]["requests"]["firstParty"] + doc["hosts"]["requests"]["thirdParty"])
    assert listed <= {f.host for f in flows}
    assert len(info.beacons) == len(doc["beacons"]) == sum(
        f.resource_type == "beacon" for f in flows)
    assert len(info.cookies) == len(doc["cookies"])
    assert "localhost" in info.first_party_hints  # the inspected URI's host
    text = info.model_dump_json() + "".join(f.model_dump_json() for f in flows)
    for c in doc["cookies"]:
        assert c["value"] not in text
