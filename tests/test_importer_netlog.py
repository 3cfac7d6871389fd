"""Chrome's NetLog (chrome://net-export): requests from URL_REQUEST sources - hops, the headers
the network stack sent, responses, Chrome's errors, the cache - read as HAR entries, secrets
redacted as in a HAR, bad input named by its event."""

import gzip
import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_importer_fuzz import paths

from gdprmap.api import analyze
from gdprmap.cli import main
from gdprmap.errors import InputError
from gdprmap.importers import netlog, open_capture

SECRET = "sessionid=s3cr3t-v4lue-42"
OFFSET = 1_737_525_598_000  # timeTickOffset, ms: 2025-01-22T05:59:58Z at tick 0
TYPES = {"REQUEST_ALIVE": 2, "URL_REQUEST_START_JOB": 3, "HTTP_CACHE_READ_INFO": 4,
         "HTTP_TRANSACTION_SEND_REQUEST_HEADERS": 5,
         "HTTP_TRANSACTION_QUIC_SEND_REQUEST_HEADERS": 6,
         "HTTP_TRANSACTION_READ_RESPONSE_HEADERS": 7, "SOCKET_ALIVE": 8, "TCP_CONNECT": 9,
         "HTTP_STREAM_REQUEST_BOUND_TO_JOB": 10, "SOCKET_POOL_BOUND_TO_SOCKET": 11,
         "HTTP_STREAM_REQUEST_BOUND_TO_QUIC_SESSION": 12, "QUIC_SESSION_PACKET_RECEIVED": 13}
SOURCES = {"NONE": 0, "URL_REQUEST": 1, "SOCKET": 2, "HTTP_STREAM_JOB": 3, "QUIC_SESSION": 4}
NONE, BEGIN, END = 0, 1, 2


def constants(**extra):
    return {"clientInfo": {"name": "Google Chrome", "version": "131.0.6778.85"},
            "logEventTypes": TYPES, "logSourceType": SOURCES,
            "logEventPhase": {"PHASE_NONE": NONE, "PHASE_BEGIN": BEGIN, "PHASE_END": END},
            "netError": {"ERR_BLOCKED_BY_CLIENT": -20, "ERR_CONNECTION_RESET": -101},
            "timeTickOffset": str(OFFSET), **extra}


def ev(kind, sid, time, phase=NONE, params=None, source="URL_REQUEST"):
    e = {"phase": phase, "source": {"id": sid, "type": SOURCES[source], "start_time": "1"},
         "time": str(time), "type": TYPES[kind]}
    if params is not None:
        e["params"] = params
    return e


def start(sid, time, url, kind="other", method="GET"):
    return ev("URL_REQUEST_START_JOB", sid, time, BEGIN,
              {"url": url, "method": method, "request_type": kind,
               "initiator": "https://www.shop.example", "load_flags": 0})


def visit():
    """A page of www.shop.example (HTTP/1, with its cookie), a tracker beacon redirected once
    (QUIC, pseudo-headers), a request an ad blocker stopped, a script the cache answered."""
    return [
        ev("REQUEST_ALIVE", 1, 1000, BEGIN, {"url": "https://www.shop.example/"}),
        start(1, 1000, "https://www.shop.example/", kind="main frame"),
        ev("SOCKET_ALIVE", 9, 1001, BEGIN, source="SOCKET"),
        ev("TCP_CONNECT", 9, 1001, END, {"remote_address": "198.51.100.7:443"}, source="SOCKET"),
        ev("SOCKET_POOL_BOUND_TO_SOCKET", 50, 1001, NONE, {"source_dependency": {"id": 9}},
           source="HTTP_STREAM_JOB"),
        ev("HTTP_STREAM_REQUEST_BOUND_TO_JOB", 1, 1001, NONE, {"source_dependency": {"id": 50}}),
        ev("HTTP_TRANSACTION_SEND_REQUEST_HEADERS", 1, 1002, NONE, {
            "line": "GET / HTTP/1.1\r\n",
            "headers": ["Host: www.shop.example", "User-Agent: Mozilla/5.0",
                        f"Cookie: {SECRET}", "Authorization: Bearer abc.def.ghi"]}),
        ev("HTTP_TRANSACTION_READ_RESPONSE_HEADERS", 1, 1050, NONE, {
            "headers": ["HTTP/1.1 200 OK", "Content-Type: text/html; charset=utf-8",
                        f"Set-Cookie: {SECRET}; Path=/"]}),
        ev("URL_REQUEST_START_JOB", 1, 1060, END),
        ev("REQUEST_ALIVE", 2, 1100, BEGIN),
        start(2, 1100, "https://px.tracker.example/b?uid=4711&page=%2Fcart"),
        ev("QUIC_SESSION_PACKET_RECEIVED", 60, 1100, NONE, {"peer_address": "[2001:db8::7]:443"},
           source="QUIC_SESSION"),
        ev("HTTP_STREAM_REQUEST_BOUND_TO_QUIC_SESSION", 2, 1100, NONE,
           {"source_dependency": {"id": 60}}),
        ev("HTTP_TRANSACTION_QUIC_SEND_REQUEST_HEADERS", 2, 1101, NONE, {
            "headers": [":method: GET", ":authority: px.tracker.example", ":scheme: https",
                        ":path: /b?uid=4711", "referer: https://www.shop.example/"]}),
        ev("HTTP_TRANSACTION_READ_RESPONSE_HEADERS", 2, 1120, NONE, {
            "headers": ["HTTP/1.1 302", "location: https://sync.tracker.example/s?uid=4711"]}),
        ev("URL_REQUEST_START_JOB", 2, 1121, END),
        start(2, 1122, "https://sync.tracker.example/s?uid=4711"),
        ev("HTTP_TRANSACTION_QUIC_SEND_REQUEST_HEADERS", 2, 1123, NONE, {
            "headers": [":method: GET", ":authority: sync.tracker.example",
                        "referer: https://www.shop.example/"]}),
        ev("HTTP_TRANSACTION_READ_RESPONSE_HEADERS", 2, 1130, NONE, {
            "headers": ["HTTP/1.1 204", "content-type: image/gif"]}),
        ev("REQUEST_ALIVE", 1, 1200, END),
        ev("REQUEST_ALIVE", 3, 1300, BEGIN),
        start(3, 1300, "https://ads.blocked.example/ad.js"),
        ev("URL_REQUEST_START_JOB", 3, 1301, END, {"net_error": -20}),
        ev("REQUEST_ALIVE", 3, 1302, END, {"net_error": -20}),
        ev("REQUEST_ALIVE", 2, 1303, END),
        ev("REQUEST_ALIVE", 4, 1400, BEGIN),
        start(4, 1400, "https://cdn.cached.example/lib.js"),
        ev("HTTP_CACHE_READ_INFO", 4, 1401, BEGIN),
        ev("REQUEST_ALIVE", 4, 1402, END),
    ]


def write(tmp_path, events, name="netlog.json", consts=None, packed=False, extra=None):
    doc = {"constants": consts if consts is not None else constants(), "events": events,
           **(extra or {})}
    data = json.dumps(doc).encode()
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if packed else data)
    return path


def test_requests_hops_errors_and_cache(tmp_path):
    capture = open_capture(write(tmp_path, visit()))
    flows = list(capture)
    info = capture.info()
    assert info.format == "chrome-netlog"
    assert info.producer == "Chrome NetLog (Google Chrome 131.0.6778.85)"
    # the page, both hops of the beacon (its redirect named), in the order the requests ended;
    # the blocked request and the cached script are flows that never left the browser
    assert [(f.host, f.entry) for f in flows] == [
        ("www.shop.example", 1), ("ads.blocked.example", 21), ("px.tracker.example", 10),
        ("sync.tracker.example", 16), ("cdn.cached.example", 26)]
    page, blocked, beacon, synced, cached = flows
    assert page.method == "GET" and page.status == 200 and page.unsent is None
    assert page.started.isoformat() == "2025-01-22T05:59:59+00:00"
    assert page.page_url == "https://www.shop.example/" == beacon.page_url
    assert beacon.status == 302 and "4711" not in beacon.url  # the id redacted as in a HAR
    assert beacon.redirect_to is not None and beacon.redirect_to.startswith(
        "https://sync.tracker.example/s?uid=")
    assert {h.name.lower() for h in beacon.headers} == {"referer"}  # no pseudo-headers
    assert synced.status == 204 and synced.unsent is None
    # server addresses from the connections the requests were bound to; none for the blocked
    assert (page.server_ip, beacon.server_ip, blocked.server_ip) == (
        "198.51.100.7", "2001:db8::7", None)
    assert blocked.unsent == "net::ERR_BLOCKED_BY_CLIENT" and cached.unsent == "_fromCache: disk"
    assert info.pages == ("https://www.shop.example/",)
    a = analyze(write(tmp_path, visit(), "n2.json"), as_of="2025-02-01")
    hosts = {h for r in a.recipients for h in r.hosts}
    assert "px.tracker.example" in hosts and "sync.tracker.example" in hosts
    assert "ads.blocked.example" not in hosts and "cdn.cached.example" not in hosts


def test_secrets_never_reach_the_report(tmp_path):
    path = write(tmp_path, visit())
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["report", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "s3cr3t" not in text and "abc.def.ghi" not in text and "s3cr3t" not in result.output


def test_compressed_and_polled_data_and_sniffing(tmp_path):
    path = write(tmp_path, visit(), "netlog.json.gz", packed=True,
                 extra={"polledData": {"sessions": []}})
    capture = open_capture(path)
    assert len(list(capture)) == 5 and capture.info().format == "chrome-netlog+gzip"
    head = json.dumps({"log": {"version": "1.2", "entries": []}}).encode()
    assert not netlog.sniff(tmp_path, head) and not netlog.sniff(path.parent / "x.har", head)


def test_a_log_that_is_not_a_netlog_is_one_line_and_exit_2(tmp_path):
    path = tmp_path / "netlog.json"
    path.write_text('{"constants": {"clientInfo": {"name": "x"}}, "events": []}')
    result = CliRunner().invoke(main, ["report", str(path), "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert str(path) in result.output and "its constants have no" in result.output
    assert not (tmp_path / "r.json").exists()
    # events before the constants (opened as a NetLog whatever its first bytes)
    late = tmp_path / "late.json"
    late.write_text('{"events": [], "constants": ' + json.dumps(constants()) + "}")
    with pytest.raises(Exception, match="constants must come before its events"):
        list(netlog.open_netlog(late, str(late), netlog.ImportOptions()))


def test_bad_events_are_named_and_skippable_and_a_cut_file_is_refused(tmp_path):
    events = [*visit(), {"phase": 0}, "not an event"]
    path = write(tmp_path, events)
    with pytest.raises(Exception, match="entry 29.*not a NetLog event"):
        list(open_capture(path))
    a = analyze(path, skip_bad_entries=True, as_of="2025-02-01")
    assert [s.entry for s in a.skipped] == [29, 30]
    cut = tmp_path / "cut.json"
    cut.write_bytes(write(tmp_path, visit(), "whole.json").read_bytes()[:-300])
    result = CliRunner().invoke(main, ["report", str(cut), "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and str(cut) in result.output
    assert not (tmp_path / "r.json").exists()


DOC = {"constants": constants(), "events": visit()}
PATHS = [p for p in paths(DOC) if p]


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(PATHS), value=st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.just("\ud800"),
    st.just(""), st.just([]), st.just({}), st.text(max_size=12), st.just("x" * (1 << 20))),
    cut=st.integers(min_value=0, max_value=4000))
def test_mutated_or_cut_netlogs_give_flows_or_one_input_error(tmp_path, where, value, cut):
    import copy

    doc = copy.deepcopy(DOC)
    parent = doc
    for key in where[:-1]:
        parent = parent[key]
    parent[where[-1]] = value
    for data in (json.dumps(doc).encode(), json.dumps(DOC).encode()[:cut]):
        path = tmp_path / "n.json"
        path.write_bytes(data)
        try:
            capture = open_capture(path)
            flows = list(capture)
            capture.info().model_dump_json()
            for f in flows:
                f.model_dump_json()
        except InputError as e:
            assert "\n" not in str(e) and str(e).startswith(str(path))


def test_a_request_that_ended_without_sending_was_never_sent(tmp_path):
    # an HSTS upgrade: the http:// hop ends in an internal redirect, nothing sent; a request
    # still open when the log ends may yet have been sent: it stays a request
    events = [
        ev("REQUEST_ALIVE", 1, 10, BEGIN), start(1, 10, "http://px.tracker.example/b"),
        start(1, 11, "https://px.tracker.example/b"),
        ev("HTTP_TRANSACTION_SEND_REQUEST_HEADERS", 1, 12, NONE, {
            "line": "GET /b HTTP/1.1\r\n", "headers": ["Host: px.tracker.example"]}),
        ev("REQUEST_ALIVE", 1, 20, END),
        ev("REQUEST_ALIVE", 2, 30, BEGIN), start(2, 30, "https://late.tracker.example/x"),
    ]
    upgrade, sent, open_at_end = open_capture(write(tmp_path, events))
    assert upgrade.url.startswith("http://") and upgrade.unsent == netlog.NETLOG_UNSENT
    assert sent.url.startswith("https://") and sent.unsent is None
    assert open_at_end.host == "late.tracker.example" and open_at_end.unsent is None
    a = analyze(write(tmp_path, events, "b.json"), as_of="2025-02-01")
    assert {h for r in a.recipients for h in r.hosts} == {"px.tracker.example",
                                                          "late.tracker.example"}


def test_a_request_on_a_connection_stays_a_request_even_if_it_sent_nothing(tmp_path):
    # cancelled after its connection was set up: the server saw the visitor's address
    events = [
        ev("REQUEST_ALIVE", 1, 10, BEGIN), start(1, 10, "https://px.tracker.example/b"),
        ev("HTTP_STREAM_REQUEST_BOUND_TO_JOB", 1, 11, NONE, {"source_dependency": {"id": 50}}),
        ev("URL_REQUEST_START_JOB", 1, 12, END, {"net_error": -3}),
        ev("REQUEST_ALIVE", 1, 13, END, {"net_error": -3}),
    ]
    (flow,) = open_capture(write(tmp_path, events))
    assert flow.unsent is None and flow.host == "px.tracker.example"


def test_who_initiated_a_request_keeps_the_browsers_own_apart(tmp_path):
    # Chrome's own requests (initiator "not an origin" on no page load: the omnibox, updates;
    # or its New Tab page) and an extension's are not the site's: reported apart. A page load
    # typed by the user (also "not an origin"), and a request with an opaque initiator ("null")
    # stay the site's. An older log marks the page load by a load flag, not request_type.
    def req(sid, url, initiator, kind="other", flags=0):
        return [ev("REQUEST_ALIVE", sid, sid * 10, BEGIN),
                ev("URL_REQUEST_START_JOB", sid, sid * 10, BEGIN, {
                    "url": url, "method": "GET", "request_type": kind, "load_flags": flags,
                    **({"initiator": initiator} if initiator is not None else {})}),
                ev("HTTP_TRANSACTION_SEND_REQUEST_HEADERS", sid, sid * 10 + 1, NONE, {
                    "line": "GET / HTTP/1.1\r\n", "headers": ["Host: x"]}),
                ev("REQUEST_ALIVE", sid, sid * 10 + 2, END)]

    events = [*req(1, "https://www.shop.example/", "not an origin", kind="main frame"),
              *req(2, "https://suggest.search.example/complete?q=sho", "not an origin"),
              *req(3, "https://updates.browser.example/check", "not an origin"),
              *req(4, "https://ntp.search.example/async", "chrome://newtab"),
              *req(5, "https://api.extension.example/v1", "chrome-extension://abcdefgh"),
              *req(6, "https://px.tracker.example/b", "https://www.shop.example"),
              *req(7, "https://img.opaque.example/i.png", "null")]
    a = analyze(write(tmp_path, events), as_of="2025-02-01")
    hosts = {h for r in a.recipients for h in r.hosts}
    assert hosts == {"px.tracker.example", "img.opaque.example"}
    apart = {b.host: b for b in a.browser_traffic}
    assert set(apart) == {"suggest.search.example", "updates.browser.example",
                          "ntp.search.example", "api.extension.example"}
    assert "extension" in apart["api.extension.example"].purpose
    assert a.inputs[0].pages == ("https://www.shop.example/",)
    # an older log: no request_type, the page load told by the constants' load flag
    old = [*req(1, "https://www.shop.example/", None, kind=None, flags=4096 | 1),
           *req(2, "https://px.tracker.example/b", None, kind=None)]
    for e in old:
        e.get("params", {}).pop("request_type", None)
    capture = open_capture(write(tmp_path, old, "old.json",
                                 consts=constants(loadFlag={"MAIN_FRAME_DEPRECATED": 4096})))
    flows = list(capture)
    assert capture.info().pages == ("https://www.shop.example/",)
    assert {f.initiator_type for f in flows} == {None}  # no initiator: the page's


def test_header_lines_leave_out_request_status_and_pseudo_header_lines():
    # one reader of "Name: value" lines for both formats: request and status lines (spaces in
    # the name) and HTTP/2 pseudo-headers (no name) are not headers
    from gdprmap.importers.base import header_lines
    assert header_lines(["GET /p?a=1 HTTP/1.1", "HTTP/1.1 200 OK", ":authority: x.example",
                         "Host: x.example", "Referer:  https://a.example/p ", 7, "Bad line"]) == [
        ("Host", "x.example"), ("Referer", "https://a.example/p")]
    assert header_lines(None) == []
