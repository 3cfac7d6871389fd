"""WebPageTest JSON results: every run and view (and scripted step) a page visit, requests as
HAR entries read by the HAR entry reader, bad requests named by run, view and index."""

import json
import shutil

import pytest
from click.testing import CliRunner
from importer_helpers import FIXTURES

from gdprmap.api import analyze
from gdprmap.cli import main
from gdprmap.errors import InputError
from gdprmap.importers import open_capture, webpagetest

RESULT = FIXTURES / "webpagetest-result.json"


def test_every_view_is_a_page_visit_with_its_requests():
    capture = open_capture(RESULT)
    flows = list(capture)
    info = capture.info()
    assert info.format == "webpagetest-json"
    assert info.producer == "WebPageTest 21.07 (Paris:Chrome)"
    assert info.pages == ("https://clinic.example/rendez-vous", "https://clinic.example/compte")
    assert len(flows) == 11  # 5 + 2 in run 1, 2 + 2 in run 2's two steps
    first = flows[0]
    assert first.status == 301 and first.redirect_to == "https://clinic.example/rendez-vous"
    assert flows[1].cookies == ("lang", "session")  # names only
    assert flows[1].started.isoformat() == "2024-04-05T10:00:00.620000+00:00"  # date + 120 ms
    assert flows[2].initiator == "https://clinic.example/rendez-vous"
    assert flows[4].status == 0 and flows[4].server_ip is None  # -1: no response
    assert {f.page_url for f in flows[9:]} == {"https://clinic.example/compte"}


def test_the_report_names_recipients_and_leaks_no_secret(tmp_path):
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["report", str(RESULT), "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    text = out.read_text()
    for secret in ("SECRET-SESSION-7f3a9c", "SECRET-BEARER", "1234567890.1700000000",
                   "7c9e6679-7425-40de-944b-e07fc1f90ae7"):
        assert secret not in text
    doc = json.loads(text)
    assert doc["first_party_domains"] == ["clinic.example"]
    hosts = {h for r in doc["recipients"] for h in r["hosts"]}
    assert {"region1.google-analytics.com", "chat.support-widget.example"} <= hosts


def test_a_bad_request_is_named_by_run_view_and_index(tmp_path):
    doc = json.loads(RESULT.read_text())
    doc["data"]["runs"]["1"]["repeatView"]["requests"][1]["full_url"] = 42
    doc["data"]["runs"]["1"]["firstView"]["requests"][2] = "not a request"
    path = tmp_path / "result.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as err:
        list(open_capture(path))
    assert str(err.value).startswith(
        f"{path}: entry 2: data.runs.1.firstView.requests[2]")
    a = analyze(path, skip_bad_entries=True)
    assert [(s.entry, s.reason.split(" (")[0]) for s in a.skipped] == [
        (2, "data.runs.1.firstView.requests[2]: entry is not an object"),
        (6, "data.runs.1.repeatView.requests[1]")]
    assert len(a.inputs) == 1 and a.inputs[0].entries == 9  # the good ones stay


def test_bad_files_are_one_line_and_exit_2(tmp_path):
    cut = tmp_path / "cut.json"
    cut.write_text(RESULT.read_text()[:-300])
    other = tmp_path / "other.json"
    other.write_text('{"data": {"testUrl": "http://x.example", "connectivity": "Cable"}}')
    for path in (cut, other):
        result = CliRunner().invoke(main, ["report", str(path), "-o", str(tmp_path / "r.json")])
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert str(path) in result.output and not (tmp_path / "r.json").exists()


def test_sniffing(tmp_path):
    assert webpagetest.sniff(RESULT, RESULT.read_bytes()[:8192])
    har = FIXTURES / "chrome-devtools.har"
    assert not webpagetest.sniff(har, har.read_bytes()[:8192])
    copy = tmp_path / "x.json"
    shutil.copy(RESULT, copy)
    assert not webpagetest.sniff(copy, b'{"data": {"testUrl": "http://x.example"}}')


def test_a_lone_surrogate_in_the_result_or_a_page_url_is_named(tmp_path):
    for place, value in ((("data", "location"), "Paris\ud800"),
                         (("data", "runs", "1", "firstView", "document_URL"),
                          "https://clinic.example/\udc00")):
        doc = json.loads(RESULT.read_text())
        node = doc
        for key in place[:-1]:
            node = node[key]
        node[place[-1]] = value
        path = tmp_path / "result.json"
        path.write_text(json.dumps(doc))
        with pytest.raises(InputError, match="not valid Unicode"):
            list(open_capture(path))
