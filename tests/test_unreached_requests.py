"""Requests that reached no one (issue 15): requests to the visitor's own device or local
network (a page's reload socket on 127.0.0.1, a script probing local ports, a router at
192.168.1.1), and requests the capture tool says were never sent (an ad blocker cancelled them,
the host name did not resolve). Both are reported apart, never as a recipient receiving data."""

from __future__ import annotations

import json

import pytest

import gdprmap
from conftest import entry, har
from gdprmap.local_traffic import destination
from gdprmap.reports.html import render_html


@pytest.mark.parametrize("host, kind", [
    ("127.0.0.1", "device"), ("127.8.9.1", "device"), ("::1", "device"), ("[::1]", "device"),
    ("::ffff:127.0.0.1", "device"), ("0.0.0.0", "device"), ("localhost", "device"),
    ("LOCALHOST.", "device"), ("api.localhost", "device"),
    ("10.1.2.3", "local-network"), ("172.16.5.4", "local-network"),
    ("172.31.255.255", "local-network"), ("192.168.1.1", "local-network"),
    ("fd12:3456::1", "local-network"), ("fe80::1%eth0", "local-network"),
    ("169.254.169.254", "local-network"), ("printer.local", "local-network"),
    ("nas.home.arpa", "local-network"), ("100.64.1.1", "provider-network"),
])
def test_local_addresses_and_names(host, kind):
    local = destination(host)
    assert local is not None and local.kind == kind
    assert local.reason and local.source.startswith("RFC")


@pytest.mark.parametrize("host", [
    "8.8.8.8", "172.32.0.1", "100.128.0.1", "192.0.2.1", "2001:db8::1", "localhost.example.com",
    "foo.localhost.com", "mylocal.com", "local.example", "home.arpa.example.com",
    "www.shop.example", "", None,
])
def test_public_or_other_hosts_are_not_local(host):
    assert destination(host) is None


def analyze(tmp_path, entries, pages=None):
    path = tmp_path / "capture.har"
    path.write_text(json.dumps(har(entries, pages=pages)), encoding="utf-8")
    return gdprmap.analyze(path, as_of="2024-03-01")


def referred(url, page="https://www.shop.example/", ip="198.51.100.7"):
    return entry(url, headers=[("Referer", page)], ip=ip)


PAGES = [{"id": "page_1", "title": "shop", "startedDateTime": "2024-03-01T09:00:00Z"}]


def test_local_requests_are_reported_apart_not_as_recipients(tmp_path):
    a = analyze(tmp_path, [
        entry("https://www.shop.example/"),
        referred("ws://127.0.0.1:5500//ws"),
        referred("ws://127.0.0.1:5500//ws"),
        referred("https://localhost:63333/probe"),
        referred("http://192.168.1.1/status.json"),
        referred("https://cdn.vendor-x.example/a.js"),
    ], pages=PAGES)
    ids = {r.id for r in a.recipients}
    assert ids == {"domain:vendor-x.example"}
    got = {(t.host, t.kind, t.requests, t.entry) for t in a.local_traffic}
    assert got == {("127.0.0.1", "device", 2, 1), ("localhost", "device", 1, 3),
                   ("192.168.1.1", "local-network", 1, 4)}
    doc = json.loads(a.to_json())
    assert doc["schema_version"] == "1.8"
    first = doc["local_traffic"][0]
    assert set(first) == {"host", "kind", "reason", "source", "requests", "input", "entry"}
    html = render_html(a)
    assert 'id="local-traffic"' in html and "RFC 1918" in html and "the device itself" in html
    assert 'href="#local-traffic"' in html  # listed in the contents


def test_a_public_host_on_a_private_server_address_stays_a_recipient(tmp_path):
    # only the request's own host counts: a proxy or test DNS may give any server address
    a = analyze(tmp_path, [entry("https://www.shop.example/"),
                           referred("https://cdn.vendor-x.example/a.js", ip="10.0.0.7")],
                pages=PAGES)
    assert "domain:vendor-x.example" in {r.id for r in a.recipients}
    assert a.local_traffic == ()
    assert 'id="local-traffic"' not in render_html(a)


def test_a_local_development_page_is_still_the_site(tmp_path):
    # a capture of an app served from localhost, without page records: its document names the
    # site, and the third parties it calls stay recipients (a frame is not taken for the page)
    def request(url, kind):
        e = entry(url, headers=[("Referer", "http://localhost:3000/")] if kind else (),
                  pageref=None)
        e["_resourceType"] = kind or "document"
        return e

    a = analyze(tmp_path, [request("http://localhost:3000/", None),
                           request("https://www.youtube-nocookie.example/embed/x", "document"),
                           request("https://cdn.vendor-x.example/a.js", "script")])
    assert a.first_party_domains == ("localhost",)
    assert {r.id for r in a.recipients} == {"domain:youtube-nocookie.example",
                                            "domain:vendor-x.example"}
    assert [(t.host, t.requests) for t in a.local_traffic] == [("localhost", 1)]


# --- requests the capture tool says were never sent -------------------------------------------

def failed(url, error, *, key="_error", page="https://www.shop.example/"):
    e = referred(url, page=page, ip="")
    e["response"]["status"] = 0
    if key == "_error":
        e["response"]["_error"] = error
    else:
        e[key] = error  # gdprmap's own live captures
    return e


def test_requests_an_ad_blocker_cancelled_are_not_disclosures(tmp_path):
    a = analyze(tmp_path, [
        entry("https://www.shop.example/"),
        failed("https://mc.tracker-y.example/watch.js", "net::ERR_BLOCKED_BY_CLIENT"),
        failed("https://mc.tracker-y.example/watch.js", "net::ERR_BLOCKED_BY_CLIENT"),
        failed("https://api.nowhere.example/", "Unable to resolve host: api.nowhere.example:443"),
        failed("https://cdn.gone.example/x.js", "net::ERR_NAME_NOT_RESOLVED", key="_failure"),
        referred("https://cdn.vendor-x.example/a.js"),
    ], pages=PAGES)
    assert {r.id for r in a.recipients} == {"domain:vendor-x.example"}
    got = {(u.host, u.error, u.requests, u.entry) for u in a.not_sent}
    assert got == {("mc.tracker-y.example", "net::ERR_BLOCKED_BY_CLIENT", 2, 1),
                   ("api.nowhere.example", "Unable to resolve host", 1, 3),
                   ("cdn.gone.example", "net::ERR_NAME_NOT_RESOLVED", 1, 4)}
    assert all(u.reason and u.source for u in a.not_sent)
    assert a.hosts_not_sent() == ("api.nowhere.example", "cdn.gone.example", "mc.tracker-y.example")
    doc = json.loads(a.to_json())
    assert doc["schema_version"] == "1.8"
    assert set(doc["not_sent"][0]) == {"host", "error", "reason", "source", "requests", "input",
                                       "entry"}
    html = render_html(a)
    assert 'id="not-sent"' in html and 'href="#not-sent"' in html
    assert "net::ERR_BLOCKED_BY_CLIENT" in html and "nowhere.example:443" not in html


def test_a_request_that_may_have_reached_the_server_stays_a_recipient(tmp_path):
    # aborted, refused, reset, no response: the request (or its connection) may have reached
    # the server - a missing fact never clears a recipient
    for error in ("net::ERR_ABORTED", "net::ERR_CONNECTION_REFUSED", "No response received",
                  "Unable to connect to host", "net::ERR_CONNECTION_RESET", ""):
        a = analyze(tmp_path, [entry("https://www.shop.example/"),
                               failed("https://mc.tracker-y.example/watch.js", error)],
                    pages=PAGES)
        assert {r.id for r in a.recipients} == {"domain:tracker-y.example"}, error
        assert a.not_sent == ()
    # the same host through a request that was sent stays a recipient
    a = analyze(tmp_path, [entry("https://www.shop.example/"),
                           failed("https://mc.tracker-y.example/watch.js",
                                  "net::ERR_BLOCKED_BY_CLIENT"),
                           referred("https://mc.tracker-y.example/collect?id=1")], pages=PAGES)
    assert {r.id for r in a.recipients} == {"domain:tracker-y.example"}
    assert [u.host for u in a.not_sent] == ["mc.tracker-y.example"]


def test_responses_the_browser_cache_served_were_not_sent(tmp_path):
    # Chrome DevTools writes _fromCache ("memory", "disk") when the cache answered without any
    # transfer: no request reached the host during the capture
    def cached(url, where, page="https://www.shop.example/"):
        e = referred(url, page=page)
        e["_fromCache"] = where
        return e

    a = analyze(tmp_path, [
        entry("https://www.shop.example/"),
        cached("https://fonts.fontco.example/font.woff2", "disk"),
        cached("https://cdn.widget.example/w.js", "memory"),
        cached("https://www.shop.example/app.css", "memory"),  # the site's own: not listed
        referred("https://cdn.vendor-x.example/a.js"),
    ], pages=PAGES)
    assert {r.id for r in a.recipients} == {"domain:vendor-x.example"}
    assert {(u.host, u.error) for u in a.not_sent} == {
        ("fonts.fontco.example", "_fromCache: disk"), ("cdn.widget.example", "_fromCache: memory")}
    # a page whose document came from the cache is still the visited page
    doc = cached("https://www.shop.example/", "memory")
    doc["_resourceType"], doc["pageref"] = "document", None
    script = referred("https://cdn.vendor-x.example/a.js")
    script["pageref"] = None
    a = analyze(tmp_path, [doc, script])
    assert a.first_party_domains == ("shop.example",)
    assert {r.id for r in a.recipients} == {"domain:vendor-x.example"}


def test_the_report_and_the_command_line_say_that_hosts_received_nothing(tmp_path):
    from click.testing import CliRunner

    from gdprmap.cli import main

    capture = tmp_path / "capture.har"
    capture.write_text(json.dumps(har([
        entry("https://www.shop.example/"),
        failed("https://mc.tracker-y.example/watch.js", "net::ERR_BLOCKED_BY_CLIENT"),
        referred("https://cdn.vendor-x.example/a.js"),
    ], pages=PAGES)), encoding="utf-8")
    html = render_html(gdprmap.analyze(capture, as_of="2024-03-01"))
    summary = html[html.index('id="summary"'):html.index('id="map"')]
    assert "1 third-party hosts the page tried to reach received nothing" in summary
    result = CliRunner().invoke(main, ["report", str(capture), "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    assert "note: 1 third-party hosts received nothing in this capture" in result.output
