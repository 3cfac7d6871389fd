"""The browser's own requests (issue 15): a proxy capture (BrowserMob Proxy, mitmproxy) records
Firefox's list updates and push connection beside the page's requests; they are reported apart,
never as recipients of the site, and never taken for the visited page."""

from __future__ import annotations

import json

import gdprmap
from conftest import entry, har


def analyze(tmp_path, entries, pages=None):
    path = tmp_path / "capture.har"
    path.write_text(json.dumps(har(entries, pages=pages)), encoding="utf-8")
    return gdprmap.analyze(path, as_of="2024-03-01")


def referred(url, page="https://www.shop.example/"):
    return entry(url, headers=[("Referer", page)])


def test_firefox_list_updates_are_the_browsers_own_not_a_recipient(tmp_path):
    a = analyze(tmp_path, [
        entry("https://www.shop.example/"),
        entry("https://shavar.services.mozilla.com/downloads?client=navclient-auto-ffox"),
        referred("https://cdn.vendor-x.example/a.js"),
        entry("https://tracking-protection.cdn.mozilla.net/ads-track-digest256/1"),
        entry("https://tracking-protection.cdn.mozilla.net/analytics-track-digest256/1"),
    ])
    assert "org:mozilla-corp" not in {r.id for r in a.recipients}
    assert "domain:vendor-x.example" in {r.id for r in a.recipients}
    got = {b.host: (b.browser, b.requests, b.entry) for b in a.browser_traffic}
    assert got == {"shavar.services.mozilla.com": ("Firefox", 1, 1),
                   "tracking-protection.cdn.mozilla.net": ("Firefox", 2, 3)}
    assert all(b.source and b.purpose for b in a.browser_traffic)
    doc = json.loads(a.to_json())
    assert doc["schema_version"] == "1.8"
    assert doc["browser_traffic"][0]["host"] == "shavar.services.mozilla.com"
    from gdprmap.reports.html import render_html

    html = render_html(a)
    assert 'id="browser-traffic"' in html and "shavar.services.mozilla.com" in html


def test_a_page_that_loads_from_a_browser_service_host_keeps_it_as_a_recipient(tmp_path):
    # with a Referer (or an initiator) the page asked for it: it is the site's request
    a = analyze(tmp_path, [entry("https://www.shop.example/"),
                           referred("https://tiles.services.mozilla.com/v3/links/ping")])
    assert any("tiles.services.mozilla.com" in r.hosts for r in a.recipients)
    assert a.browser_traffic == ()
    with_initiator = entry("https://push.services.mozilla.com/")
    with_initiator["_initiator"] = {"type": "script", "url": "https://www.shop.example/app.js"}
    a = analyze(tmp_path, [entry("https://www.shop.example/"), with_initiator])
    assert any("push.services.mozilla.com" in r.hosts for r in a.recipients)


def test_a_browser_request_first_in_a_page_is_not_the_page(tmp_path):
    # BrowserMob Proxy pages name no URL: the page is its first entry that is the page's own
    pages = [{"id": "page_1", "title": "shop", "startedDateTime": "2022-12-05T09:00:00Z"}]
    a = analyze(tmp_path, [entry("https://shavar.services.mozilla.com/downloads?client=x"),
                           entry("https://www.shop.example/"),
                           referred("https://cdn.vendor-x.example/a.js")], pages=pages)
    assert a.first_party_domains == ("shop.example",)
    assert [b.host for b in a.browser_traffic] == ["shavar.services.mozilla.com"]
    # DevTools' initiator without a URL ({"type": "other"}) names no page: the same rule for
    # the page choice as for the request itself
    first = entry("https://shavar.services.mozilla.com/downloads?client=x")
    first["_initiator"] = {"type": "other"}
    a = analyze(tmp_path, [first, entry("https://www.shop.example/")], pages=pages)
    assert a.first_party_domains == ("shop.example",)
    assert [b.host for b in a.browser_traffic] == ["shavar.services.mozilla.com"]


def test_chromes_account_check_and_new_tab_page_are_the_browsers_own(tmp_path):
    # BrowserMob Proxy with Chrome: its Gaia account check and its new tab page's requests come
    # before the page; on a host that also serves pages only those paths or parameters count
    pages = [{"id": "page_1", "title": "shop", "startedDateTime": "2023-01-11T09:00:00Z"}]
    a = analyze(tmp_path, [
        entry("https://accounts.google.com/ListAccounts?gpsia=1&source=ChromiumBrowser"
              "&json=standard", method="POST"),
        entry("https://www.google.com/async/ddljson?async=ntp:2"),
        entry("https://www.google.com/async/newtab_ogb?hl=en-US&async=fixed:0"),
        entry("https://www.google.com/async/newtab_promos"),
        entry("https://www.shop.example/"),
        referred("https://cdn.vendor-x.example/a.js"),
    ], pages=pages)
    assert a.first_party_domains == ("shop.example",)
    assert not any(h.endswith("google.com") for r in a.recipients for h in r.hosts)
    got = {(b.host, b.purpose.split(":")[-1].strip(), b.requests) for b in a.browser_traffic}
    assert got == {("accounts.google.com",
                    "signed-in Google accounts check (Gaia ListAccounts, multilogin)", 1),
                   ("www.google.com", "the Google doodle", 1),
                   ("www.google.com", "the One Google bar", 1),
                   ("www.google.com", "promotions", 1)}
    assert all(b.browser == "Chrome" and "Chromium" in b.source for b in a.browser_traffic)


def test_other_requests_to_those_google_hosts_stay_the_sites(tmp_path):
    # without Chrome's own source parameter, or on another path, it is a request like any other
    a = analyze(tmp_path, [
        entry("https://www.shop.example/"),
        entry("https://accounts.google.com/ListAccounts?gpsia=1&json=standard"),
        entry("https://www.google.com/recaptcha/api.js"),
    ])
    assert a.browser_traffic == ()
    hosts = {h for r in a.recipients for h in r.hosts}
    assert {"accounts.google.com", "www.google.com"} <= hosts
    # and a Google page visited first is the page, not the browser's own
    a = analyze(tmp_path, [entry("https://www.google.com/search?q=shop"),
                           entry("https://www.google.com/async/ddljson?async=ntp:2")])
    assert a.first_party_domains == ("google.com",)


def test_chromes_translate_ranker_download_is_not_the_page(tmp_path):
    # BrowserMob Proxy with Chrome (2019): the account check, then the Translate ranker model
    # from www.gstatic.com, then the page; the page record has a title and no URL
    pages = [{"id": "page_1", "title": "status", "startedDateTime": "2019-03-10T15:06:50Z"}]
    model = ("https://www.gstatic.com/chrome/intelligence/assist/ranker/models/translate/2017/03/"
             "translate_ranker_model_20170329.pb.bin")
    a = analyze(tmp_path, [
        entry("https://accounts.google.com/ListAccounts?gpsia=1&source=ChromiumBrowser"),
        entry(model),
        entry("https://status.shop.example/instances/NA61"),
        referred("https://status.shop.example/app.js", page="https://status.shop.example/"),
    ], pages=pages)
    assert a.first_party_domains == ("shop.example",)
    assert {b.host for b in a.browser_traffic} == {"accounts.google.com", "www.gstatic.com"}
    # another file of www.gstatic.com, or the same one asked for by a page, is the site's
    a = analyze(tmp_path, [entry("https://www.shop.example/"),
                           entry("https://www.gstatic.com/images/branding/logo.png"),
                           referred(model)], pages=pages)
    assert any("www.gstatic.com" in r.hosts for r in a.recipients)
    assert a.browser_traffic == ()
