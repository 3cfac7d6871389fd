"""Which pages a capture visited, and so which domains are the site's (issue 15): producers'
page records (Chrome, WebPagetest, sitespeed.io), the browser's certificate checks, redirects of
the page's document, and URLs a producer mangled."""

from __future__ import annotations

import json

import pytest

import gdprmap
from conftest import entry, har
from gdprmap.errors import InputError


def analyze(tmp_path, doc):
    path = tmp_path / "capture.har"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return gdprmap.analyze(path, as_of="2024-03-01")


def ids(a) -> dict[str, bool]:
    return {r.id: r.first_party_probable for r in a.recipients}


def redirected(url, to, status=301):
    e = entry(url)
    e["response"]["status"], e["response"]["redirectURL"] = status, to
    return e


def ocsp(url):
    e = entry(url, method="POST")
    e["request"]["postData"] = {"mimeType": "application/ocsp-request", "text": ""}
    e["response"]["content"]["mimeType"] = "application/ocsp-response"
    return e


def test_a_title_that_is_a_url_and_words_is_not_the_page_url(tmp_path):
    # sitespeed.io writes "URL run N": the page's URL is then its first entry's
    a = analyze(tmp_path, har([entry("https://www.shop.example/"),
                               entry("https://cdn.vendor-x.example/a.js")],
                              pages=[{"id": "page_1", "title": "https://www.shop.example run 1",
                                      "startedDateTime": "2022-12-05T10:00:00.000+01:00"}]))
    assert a.first_party_domains == ("shop.example",)
    assert set(ids(a)) == {"domain:vendor-x.example"}


def test_webpagetest_pages_name_their_url_in__URL_and_ocsp_checks_come_first(tmp_path):
    page = {"id": "page_1_0", "title": "Run 1, First View for https://www.shop.example/",
            "_URL": "https://www.shop.example/", "startedDateTime": "2017-06-28T01:48:35.000Z"}
    checks = [ocsp("http://ocsp.ca-x.example/"), entry("https://www.shop.example/img.png")]
    for e in checks:
        e["pageref"] = "page_1_0"
    a = analyze(tmp_path, har(checks, pages=[page]))
    assert a.first_party_domains == ("shop.example",)
    assert "domain:ca-x.example" in ids(a)  # still a recipient, never dropped
    # without _URL the page's URL is its first entry that is not a certificate check
    del page["_URL"]
    a = analyze(tmp_path, har(checks, pages=[page]))
    assert a.first_party_domains == ("shop.example",)


def test_a_redirected_document_makes_its_target_a_visited_page(tmp_path):
    a = analyze(tmp_path, har([redirected("http://www.gov-x.example/", "http://www.gov-x.portal.example/"),
                               entry("http://www.gov-x.portal.example/"),
                               entry("http://www.gov-x.portal.example/style.css"),
                               entry("https://cdn.vendor-x.example/a.js")]))
    assert a.inputs[0].pages == ("http://www.gov-x.example/", "http://www.gov-x.portal.example/")
    probable = {r.id: r.first_party_reasons for r in a.recipients if r.first_party_probable}
    assert set(probable) == {"domain:portal.example"}  # shown in the annex with its reason
    assert ids(a)["domain:vendor-x.example"] is False


def test_a_redirect_that_is_not_the_document_is_no_landing(tmp_path):
    # an ad click-through redirect later in the page does not make its target the site's
    a = analyze(tmp_path, har([entry("https://www.shop.example/"),
                               redirected("https://ads.vendor-x.example/click",
                                          "https://www.other-y.example/offer", status=302),
                               entry("https://www.other-y.example/offer")]))
    assert a.inputs[0].pages == ("https://www.shop.example/",)
    assert ids(a) == {"domain:vendor-x.example": False, "domain:other-y.example": False}


def test_a_mangled_url_host_is_read_from_the_host_header(tmp_path):
    # WebPagetest exports hold "https://fonts.googleapis.com400,700"; Host names the server
    mangled = entry("https://cdn.vendor-x.example400,700",
                    headers=[("Host", "cdn.vendor-x.example")])
    suffixless = entry("https://img.vendor-y.compa_9XAGWNA1",
                       headers=[("Host", "img.vendor-y.com:443")])
    a = analyze(tmp_path, har([entry("https://www.shop.example/"), mangled, suffixless]))
    assert set(ids(a)) == {"domain:vendor-x.example", "domain:vendor-y.com"}
    # headers in the object form Safari and Charles write are read the same way
    mangled["request"]["headers"] = {"Host": "cdn.vendor-x.example"}
    a = analyze(tmp_path, har([entry("https://www.shop.example/"), mangled]))
    assert set(ids(a)) == {"domain:vendor-x.example"}


def test_a_mangled_url_host_without_a_host_header_is_a_bad_entry(tmp_path):
    doc = har([entry("https://www.shop.example/"), entry("https://cdn.vendor-x.example400,700")])
    with pytest.raises(InputError) as e:
        analyze(tmp_path, doc)
    assert "entry 1: request.url: host name holds a character" in str(e.value)
    assert "400,700" not in str(e.value)  # the message never quotes capture text


def test_a_doubled_browsermob_url_names_the_host_it_repeats(tmp_path):
    # BrowserMob Proxy 2.1 betas write "http://" + host + the absolute URI the browser sent the
    # proxy, without a Host header: the server is the host the URI repeats
    doubled = entry("http://www.vendor-x.examplehttp://www.vendor-x.example/b.gif?e=1")
    https = entry("https://t.vendor-y.comhttps://t.vendor-y.com")
    a = analyze(tmp_path, har([entry("https://www.shop.example/"), doubled, https]))
    assert set(ids(a)) == {"domain:vendor-x.example", "domain:vendor-y.com"}
    # another host after it, or a URL merely quoted in the query, is no such repetition
    other = entry("http://cdn.vendor-x.examplehttp://t.vendor-y.com/p.gif")
    quoted = entry("http://ads.vendor-z.example/r?u=http://ads.vendor-z.example/")
    a = analyze(tmp_path, har([entry("https://www.shop.example/"), other, quoted]))
    assert set(ids(a)) == {"domain:vendor-x.examplehttp", "domain:vendor-z.example"}


def _typed(e, mime, referer=None):
    e["response"]["content"]["mimeType"] = mime
    if referer:
        e["request"]["headers"].append({"name": "Referer", "value": referer})
    return e


def test_a_capture_begun_after_its_document_takes_the_page_from_the_referer(tmp_path):
    # Firebug saves a loaded page: the page record has a title only and the document itself is
    # not among the entries; its subresources name it as their Referer
    page = [{"id": "page_2", "title": "Shop - Home", "startedDateTime": "2016-06-15T22:35:34Z"}]
    entries = [_typed(entry("http://nav.shopstatic.example/orb.css", pageref="page_2"),
                      "text/css", "http://www.shop.example/"),
               _typed(entry("http://cdn.vendor-x.example/a.js", pageref="page_2"),
                      "application/javascript", "http://www.shop.example/")]
    a = analyze(tmp_path, har(entries, pages=page))
    assert a.first_party_domains == ("shop.example",)
    assert {"domain:shopstatic.example", "domain:vendor-x.example"} <= set(ids(a))


@pytest.mark.parametrize("mime,referer", [
    ("text/html; charset=utf-8", "https://www.search-engine.example/?q=shop"),  # a navigation
    ("x/y", "https://www.search-engine.example/"),  # not known to be a subresource
    ("font/woff2", "https://cdn.fonts-x.example/css/family.css"),  # a font's Referer: its CSS
])
def test_a_first_entry_that_may_be_the_document_or_names_a_stylesheet_stays_the_page(
        tmp_path, mime, referer):
    page = [{"id": "page_1", "title": "Shop", "startedDateTime": "2022-12-05T09:00:00Z"}]
    first = _typed(entry("https://www.shop.example/"), mime, referer)
    a = analyze(tmp_path, har([first, entry("https://cdn.vendor-x.example/a.js")], pages=page))
    assert a.first_party_domains == ("shop.example",)


def referred(url, page):
    return entry(url, headers=[("Referer", page)])


def test_a_site_hosted_on_a_platform_is_its_tenant_not_its_operator(tmp_path):
    # A blog on blogspot.com: Google hosts it, it does not run it - Google's trackers and fonts
    # stay recipients (not the site, not its probable own), and Google is not the controller
    page = "https://myblog.blogspot.com/2024/01/post.html"
    a = analyze(tmp_path, har([
        entry(page),
        referred("https://myblog.blogspot.com/static/app.js", page),
        referred("https://www.google-analytics.com/g/collect?v=2&tid=G-1&cid=1.2", page),
        referred("https://fonts.googleapis.com/css2?family=Inter", page),
    ]))
    assert a.first_party_domains == ("blogspot.com",)
    hosts = {h: r for r in a.recipients for h in r.hosts}
    assert {"www.google-analytics.com", "fonts.googleapis.com"} <= set(hosts)
    assert not any(r.first_party_probable for r in hosts.values())
    assert "controller_kb" not in a.extra
    # the same on GitHub Pages: github.com's assets are GitHub's, not the page owner's
    page = "https://someone.github.io/project/"
    a = analyze(tmp_path, har([entry(page),
                               referred("https://github.githubassets.com/x.js", page)]))
    assert a.first_party_domains == ("github.io",)
    assert any("github.githubassets.com" in r.hosts and not r.first_party_probable
               for r in a.recipients)


def test_a_platforms_own_site_keeps_its_operators_domains(tmp_path):
    # negative case: github.com itself is GitHub's site, so GitHub's other domains are its own
    page = "https://github.com/lightbody/browsermob-proxy"
    a = analyze(tmp_path, har([entry(page),
                               referred("https://github.githubassets.com/x.js", page)]))
    assert "githubassets.com" in a.first_party_domains
    assert not any("github.githubassets.com" in r.hosts for r in a.recipients)
    assert a.extra["controller_kb"]["name"] == "GitHub, Inc."


# -- captures without page records: the page from documents and Referers ---------------------
def _no_page(url, referer=None, document=False):
    e = entry(url, pageref=None, headers=[("Referer", referer)] if referer else ())
    del e["pageref"]
    if document:
        e["_resourceType"] = "document"
    return e


def test_a_tracker_iframe_typed_document_is_not_the_site(tmp_path):
    # DevTools export of a page already loaded: the first "document" is a Floodlight iframe the
    # page loaded; the page itself is named by the Referer of most requests. Taking the iframe's
    # host as the site hid Google and every domain of its operator.
    page = "https://www.shop.example/tv/show/1"
    a = analyze(tmp_path, har([
        _no_page("https://img.shopstatic.example/1.jpg", page),
        _no_page("https://1234.fls.doubleclick.net/activityi;src=1", page, document=True),
        _no_page("https://www.google-analytics.com/collect?v=1", page),
        _no_page("https://api.shop.example/v1/detail", page),
    ]))
    assert a.first_party_domains == ("shop.example",)
    assert "org:google-ireland" in ids(a)
    assert "domain:shopstatic.example" in ids(a)  # never dropped


def test_a_document_reached_from_another_site_stays_the_page(tmp_path):
    # a click from a search page: the document's Referer is another site, and it is the page
    a = analyze(tmp_path, har([
        _no_page("https://www.shop.example/", "https://www.search-engine.example/?q=shop",
                 document=True),
        _no_page("https://cdn.vendor-x.example/a.js", "https://www.shop.example/"),
    ]))
    assert a.first_party_domains == ("shop.example",)
    assert "domain:vendor-x.example" in ids(a)


@pytest.mark.parametrize("referers", [
    # most requests name no page: app traffic, where a page guess could hide a recipient (#3)
    ["https://www.shop.example/", None, None, None],
    # two pages tie: no guess
    ["https://www.shop.example/", "https://www.shop.example/", "https://ads.vendor-x.example/",
     "https://ads.vendor-x.example/"],
])
def test_no_page_is_guessed_from_a_minority_or_a_tie_of_referers(tmp_path, referers):
    urls = ["https://api.shop.example/a", "https://cdn.vendor-x.example/a.js",
            "https://graph.tracker-y.example/e", "https://ads.vendor-x.example/b"]
    a = analyze(tmp_path, har([_no_page(u, r) for u, r in zip(urls, referers)]))
    assert a.first_party_domains == ()
    assert {"domain:shop.example", "domain:vendor-x.example"} <= set(ids(a))


def test_a_pageref_naming_no_page_record_is_a_frame_not_a_visited_page(tmp_path):
    # WebInspector (Chrome 16, 2012) gave each ad iframe its own pageref, the frame's URL, with
    # one page record for the page: the frames' hosts were taken for visited pages of the site
    pages = [{"id": "http://www.news.example/", "title": "",
              "startedDateTime": "2022-12-05T10:00:00Z"}]
    frame = "http://tag.ad-server-x.example/ad/iframe/728x90"
    entries = [entry("http://www.news.example/", pageref="http://www.news.example/"),
               entry(frame, pageref=frame, headers=[("Referer", "http://www.news.example/")]),
               entry("http://ak1.redirector-y.example/is?u=1", pageref=frame,
                     headers=[("Referer", frame)])]
    a = analyze(tmp_path, har(entries, pages=pages))
    assert a.first_party_domains == ("news.example",)
    assert a.inputs[0].pages == ("http://www.news.example/",)
    assert not any(ids(a).values())  # no frame is a probable first party
    assert {"domain:ad-server-x.example", "domain:redirector-y.example"} <= set(ids(a))


def test_cross_origin_fetches_name_their_page_by_origin(tmp_path):
    # a referrer policy may withhold the Referer from cross-origin fetches; their Origin still
    # names the page's origin (a 2026 DevTools export of a chat's API calls)
    page = "https://www.shop.example"
    entries = [_no_page("https://chat.shop-chat.example/v3/login"),
               _no_page("https://chat.shop-chat.example/v3/rooms"),
               _no_page("https://www.shop.example/svc/x", "https://www.shop.example/"),
               _no_page("https://t.tracker-y.example/p")]
    for e in entries[:2]:
        e["request"]["headers"].append({"name": "origin", "value": page})
    a = analyze(tmp_path, har(entries))
    assert a.first_party_domains == ("shop.example",)
    assert {"domain:shop-chat.example", "domain:tracker-y.example"} <= set(ids(a))
    # "Origin: null" (an opaque origin) names no page
    for e in entries[:2]:
        e["request"]["headers"][-1]["value"] = "null"
    assert analyze(tmp_path, har(entries)).first_party_domains == ()


def _unanswered(url, referer=None, method="GET"):
    e = entry(url, method=method, headers=[("Referer", referer)] if referer else ())
    e["response"]["status"], e["response"]["content"] = 0, {"size": 0, "mimeType": ""}
    return e


def _titled(title):
    return [{"id": "page_1", "title": title, "startedDateTime": "2022-12-05T10:00:00.000+01:00"}]


def test_a_request_that_got_no_answer_is_not_the_page(tmp_path):
    # Firefox 54: the page's first entries were an ad frame's beacons, aborted (status 0);
    # the document came third
    beacon = _unanswered("https://n1.beacons-x.example/pulse.php?s=1",
                         referer="https://ads.vendor-y.example/frame")
    doc = entry("https://www.shop.example/", method="POST")
    doc["response"]["content"]["mimeType"] = "text/html; charset=UTF-8"
    a = analyze(tmp_path, har([beacon, beacon, doc, entry("https://cdn.vendor-x.example/a.js")],
                              pages=_titled("Shop - Online")))
    assert a.first_party_domains == ("shop.example",)  # not the beacons' domain
    assert "domain:vendor-x.example" in ids(a)


def test_a_proxy_connect_tunnel_is_not_the_page(tmp_path):
    tunnel = entry("https://accounts.vendor-x.example", method="CONNECT")
    a = analyze(tmp_path, har([tunnel, entry("https://www.shop.example/")],
                              pages=_titled("Shop")))
    assert a.first_party_domains == ("shop.example",)


def test_a_page_titled_with_a_host_name_the_capture_requests_names_the_site(tmp_path):
    # BrowserMob Proxy's new_har("dev.shop.example"): the page's id and title are the label;
    # a proxy capture of HTTPS holds CONNECT tunnels and the browser's own requests only
    entries = [_unanswered("https://accounts.vendor-x.example", method="CONNECT"),
               _unanswered("https://dev.shop.example", method="CONNECT"),
               entry("http://www.gstatic.com/generate_204")]  # Chrome's connectivity check
    a = analyze(tmp_path, har(entries, pages=_titled("dev.shop.example")))
    assert a.first_party_domains == ("shop.example",)
    # negative cases: a title naming a domain the capture never requests, a brand word
    for title in ("www.elsewhere.example", "Shop", "README.md"):
        a = analyze(tmp_path, har(entries, pages=_titled(title)))
        assert a.first_party_domains == (), title
