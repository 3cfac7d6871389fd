"""Chrome DevTools Protocol network events (a ChromeDriver performance log, a Puppeteer event
list): requests assembled from their events, pages from top-frame navigations, secrets redacted
as in a HAR, bad input named by its event."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gdprmap.api import analyze
from gdprmap.cli import main
from gdprmap.importers import devtools, open_capture

TOP, AD_FRAME = "TOPFRAME", "ADFRAME"
WALL = 1_737_525_598.5  # 2025-01-22T05:59:58.5Z
SECRET_COOKIE = "sessionid=s3cr3t-v4lue-42"


def sent(rid, url, *, kind="Script", frame=TOP, loader="L1", headers=None, wall=WALL,
         method="GET", post=None, redirect=None, initiator=None):
    request = {"url": url, "method": method, "headers": headers or {"Accept": "*/*"}}
    if post is not None:
        request["postData"] = post
    params = {"requestId": rid, "loaderId": loader, "frameId": frame, "type": kind,
              "wallTime": wall, "timestamp": 1.0, "request": request,
              "initiator": initiator or {"type": "parser", "url": "https://www.shop.example/"},
              "documentURL": "https://www.shop.example/"}
    if redirect is not None:
        params["redirectResponse"] = redirect
    return {"method": "Network.requestWillBeSent", "params": params}


def received(rid, status=200, mime="text/html", ip="198.51.100.7", **extra):
    response = {"url": "x", "status": status, "headers": {}, "mimeType": mime,
                "remoteIPAddress": ip, **extra}
    return {"method": "Network.responseReceived", "params": {"requestId": rid,
                                                             "response": response}}


def finished(rid):
    return {"method": "Network.loadingFinished", "params": {"requestId": rid}}


def failed(rid, error):
    return {"method": "Network.loadingFailed", "params": {"requestId": rid, "errorText": error}}


def extra(rid, headers):
    return {"method": "Network.requestWillBeSentExtraInfo",
            "params": {"requestId": rid, "headers": headers}}


def page_visit():
    """A page of www.shop.example: its document, a tracker script sent with a cookie (its
    ExtraInfo first, as Chrome sometimes does), a beacon redirected once, a form posted, a
    request an ad blocker stopped, one from the memory cache and an ad frame's document."""
    return [
        sent("L1", "https://www.shop.example/", kind="Document", loader="L1"),
        received("L1"), finished("L1"),
        extra("7.2", {"Accept": "*/*", "Cookie": SECRET_COOKIE}),
        sent("7.2", "https://cdn.tracker-a.example/t.js"),
        received("7.2", mime="text/javascript", ip="[2001:db8::5]",
                 securityDetails={"subjectName": "*.tracker-a.example",
                                  "sanList": ["*.tracker-a.example"], "issuer": "Test CA"}),
        finished("7.2"),
        sent("7.3", "https://px.beacon-b.example/p?uid=12345678901234"),
        sent("7.3", "https://sync.beacon-b.example/s",
             redirect={"status": 302, "headers": {"Location": "https://sync.beacon-b.example/s"},
                       "mimeType": "", "remoteIPAddress": "203.0.113.9"}),
        received("7.3", mime="image/gif"), finished("7.3"),
        sent("7.4", "https://forms.shop.example/subscribe", kind="XHR", method="POST",
             post="email=jane.doe%40mail.example", headers={
                 "Content-Type": "application/x-www-form-urlencoded"}),
        received("7.4", mime="application/json"), finished("7.4"),
        sent("7.5", "https://ads.blocked-c.example/ad.js"),
        failed("7.5", "net::ERR_BLOCKED_BY_CLIENT"),
        sent("7.6", "https://img.cached-d.example/logo.png", kind="Image"),
        {"method": "Network.requestServedFromCache", "params": {"requestId": "7.6"}},
        received("7.6", mime="image/png"), finished("7.6"),
        sent("L9", "https://frame.adserver-e.example/f", kind="Document", frame=AD_FRAME,
             loader="L9"),
        received("L9"), finished("L9"),
    ]


def chromedriver_log(events):
    """driver.get_log("performance"): each message a JSON text with the webview."""
    return [{"level": "INFO", "timestamp": 1_737_525_598_500,
             "message": json.dumps({"message": e, "webview": TOP})} for e in events]


def write(tmp_path, items, name="network_log.har"):
    path = tmp_path / name
    path.write_text(json.dumps(items, indent=1), encoding="utf-8")
    return path


@pytest.mark.parametrize("shape", ["chromedriver", "decoded", "events"])
def test_requests_are_assembled_from_their_events(tmp_path, shape):
    events = page_visit()
    items = {"chromedriver": chromedriver_log(events),
             "decoded": [{"message": e, "webview": TOP} for e in events],
             "events": [{"method": "Page.frameNavigated",
                         "params": {"frame": {"id": TOP, "url": "https://www.shop.example/"}}},
                        *events]}[shape]
    path = write(tmp_path, items)
    capture = open_capture(path)
    flows = list(capture)
    info = capture.info()
    assert info.format == "devtools-events"
    assert info.producer == ("Chrome DevTools Protocol events" if shape == "events"
                             else "ChromeDriver performance log")
    assert info.pages == ("https://www.shop.example/",)  # the ad frame's document is no page
    assert info.first_seen.isoformat() == "2025-01-22T05:59:58.500000+00:00"
    by_url = {f.url.split("?")[0]: f for f in flows}
    assert len(flows) == 8  # 7 requests, the beacon's redirect is a hop of its own
    tracker = by_url["https://cdn.tracker-a.example/t.js"]
    assert tracker.cookies == ("sessionid",) and tracker.server_ip == "2001:db8::5"
    assert tracker.tls is not None and tracker.tls.sans == ("*.tracker-a.example",)
    assert tracker.page_url == "https://www.shop.example/" and tracker.resource_type == "script"
    hop = by_url["https://px.beacon-b.example/p"]
    assert hop.status == 302 and hop.redirect_to == "https://sync.beacon-b.example/s"
    assert hop.server_ip == "203.0.113.9"
    assert by_url["https://ads.blocked-c.example/ad.js"].unsent == "net::ERR_BLOCKED_BY_CLIENT"
    assert by_url["https://img.cached-d.example/logo.png"].unsent == "_fromCache: memory"
    form = by_url["https://forms.shop.example/subscribe"]
    assert form.method == "POST" and form.body and all(p.redacted for p in form.body)
    # in the order the requests started, numbered by their requestWillBeSent event
    assert [f.entry for f in flows] == sorted(f.entry for f in flows)


def test_the_report_names_recipients_and_leaks_no_secret(tmp_path):
    path = write(tmp_path, chromedriver_log(page_visit()))
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["report", str(path), "-o", str(out),
                                       "--as-of", "2025-02-01"])
    assert result.exit_code in (0, 1), result.output
    text = out.read_text()
    assert "s3cr3t" not in text and "jane.doe" not in text and "12345678901234" not in text
    doc = json.loads(text)
    hosts = {h for r in doc["recipients"] for h in r["hosts"]}
    assert "cdn.tracker-a.example" in hosts and "sync.beacon-b.example" in hosts
    assert "ads.blocked-c.example" not in hosts  # never sent
    assert "www.shop.example" not in hosts and "shop.example" in doc["first_party_domains"]


def test_the_oldest_unfinished_request_does_not_hold_the_others_for_ever(tmp_path, monkeypatch):
    monkeypatch.setattr(devtools, "MAX_PENDING", 3)
    events = [sent("L1", "https://www.shop.example/", kind="Document", loader="L1"),
              received("L1")]  # never finishes (a long-poll, a log cut short)
    for i in range(6):
        events += [sent(f"r{i}", f"https://cdn{i}.vendor.example/a.js"), received(f"r{i}"),
                   finished(f"r{i}")]
    seen = []
    capture = open_capture(write(tmp_path, events))
    for flow in capture:
        seen.append(flow.host)
        if len(seen) == 1:  # emitted while the log is still being read
            assert capture.sha256 is None
    assert seen[0] == "www.shop.example" and len(seen) == 7


def test_bad_input_names_the_file_and_the_event(tmp_path):
    events = page_visit()
    broken = json.dumps(chromedriver_log(events))[:-200]  # truncated
    path = tmp_path / "cut.json"
    path.write_text(broken)
    result = CliRunner().invoke(main, ["report", str(path), "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 2 and not (tmp_path / "r.json").exists()
    assert result.output.count("\n") == 1 and str(path) in result.output
    # an item that is not an event, a request without its wall time: named by their index
    events = [*page_visit(), {"level": "INFO"}, sent("x1", "https://late.example/", wall=None)]
    path = write(tmp_path, events, "bad.json")
    with pytest.raises(Exception) as err:
        list(open_capture(path))
    assert "entry 23" in str(err.value) and "not a DevTools event" in str(err.value)
    a = analyze(path, skip_bad_entries=True, as_of="2025-02-01")
    assert [s.entry for s in a.skipped] == [23, 24]
    assert "startedDateTime" in a.skipped[1].reason
    assert any("cdn.tracker-a.example" in r.hosts for r in a.recipients)  # the good ones stay


def test_sniffing_tells_an_event_log_from_a_har_and_a_json_list(tmp_path):
    log = write(tmp_path, chromedriver_log(page_visit()))
    assert devtools.sniff(log, log.read_bytes()[:8192])
    assert not devtools.sniff(log, b'{"log": {"entries": []}}')
    assert not devtools.sniff(log, b'[{"name": "Network.thing", "method": "GET"}]')


def test_a_lone_surrogate_in_a_navigation_is_a_bad_entry_not_a_page(tmp_path):
    events = page_visit()
    events[0]["params"]["request"]["url"] = "https://www.shop.example/\ud800"
    path = write(tmp_path, events)
    a = analyze(path, skip_bad_entries=True, as_of="2025-02-01")
    assert [s.entry for s in a.skipped] == [0]
    assert not any("\ud800" in p for i in a.inputs for p in i.pages)
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["report", str(path), "--skip-bad-entries", "-o",
                                       str(out), "--as-of", "2025-02-01"])
    assert result.exit_code in (0, 1), result.output


@pytest.mark.parametrize("packing", ["gzip", "zlib"])
def test_a_compressed_log_is_read_through_the_inflater(tmp_path, packing):
    """Lighthouse publishes its DevTools logs as .json.gz: the same requests as the plain file,
    the format says how it was packed, the file's own digest is recorded."""
    import gzip
    import hashlib
    import zlib

    plain = write(tmp_path, chromedriver_log(page_visit()))
    packed = tmp_path / f"devtoolslog.json.{'gz' if packing == 'gzip' else 'z'}"
    data = plain.read_bytes()
    packed.write_bytes(gzip.compress(data) if packing == "gzip" else zlib.compress(data))
    capture = open_capture(packed)
    flows = list(capture)
    assert [(f.url, f.entry) for f in flows] == [(f.url, f.entry) for f in open_capture(plain)]
    info = capture.info()
    assert info.format == f"devtools-events+{packing}"
    assert info.sha256 == hashlib.sha256(packed.read_bytes()).hexdigest()
    # cut short: one line naming the file, exit 2, no report
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(packed.read_bytes()[:len(packed.read_bytes()) // 2])
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["report", str(cut), "-o", str(out)])
    assert result.exit_code == 2 and not out.exists() and result.output.count("\n") == 1
    assert str(cut) in result.output


def test_a_compressed_file_of_another_format_is_named_not_misread(tmp_path):
    """Only HAR and DevTools logs are read compressed: a gzip of another known format says what
    it holds (it used to be read as a HAR without log.entries)."""
    import gzip

    from gdprmap.errors import InputError

    result = Path(__file__).parent / "fixtures" / "importers" / "webpagetest-result.json"
    path = tmp_path / "result.json.gz"
    path.write_bytes(gzip.compress(result.read_bytes()))
    with pytest.raises(InputError, match="gzip-compressed webpagetest-json file: decompress it"):
        open_capture(path)
    garbage = tmp_path / "noise.gz"
    garbage.write_bytes(gzip.compress(b"just some text, no capture"))
    with pytest.raises(InputError, match="not valid JSON|not a HAR"):
        list(open_capture(garbage))


def test_webpagetest_devtools_log_opened_by_an_empty_object(tmp_path):
    # WebPageTest's agent writes its devtools.json as "[{}" then ",\n" and each event: the empty
    # object is its opener, not a broken event (a real log of theverge.com in the
    # pmeenan/waterfall-tools samples was refused whole for it). Any other non-event still is.
    events = page_visit()
    path = write(tmp_path, [{}, *events], "devtools.json")
    plain = write(tmp_path, events, "plain.json")
    got = [(f.url, f.entry) for f in open_capture(path)]
    assert got and [u for u, _ in got] == [f.url for f in open_capture(plain)]
    assert [e for _, e in got] == [e + 1 for _, e in ((f.url, f.entry) for f in open_capture(plain))]
    a = analyze(path, as_of="2025-02-01")
    assert a.inputs[0].producer == "WebPageTest DevTools log" and not a.skipped
    with pytest.raises(Exception, match="entry 1.*not a DevTools event"):
        list(open_capture(write(tmp_path, [{}, {"x": 1}, *events], "bad.json")))
    # a script's dump closed by "{}]" (six real logs of held-out set 18): read, and not
    # labelled WebPageTest's
    closed = open_capture(write(tmp_path, [*events, {}], "closed.json"))
    assert [f.url for f in closed] == [f.url for f in open_capture(plain)]
    assert closed.info().producer == "Chrome DevTools Protocol events"
