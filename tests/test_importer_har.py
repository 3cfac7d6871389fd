"""HAR importer: producers' quirks, streaming, bad input with file/entry/field in the error."""

import gzip
import json
import zlib

import pytest
from conftest import CORPUS, EXAMPLE, SECRETS, entry, har

from gdprmap.errors import InputError
from gdprmap.importers import open_capture


def read(path):
    capture = open_capture(path)
    flows = list(capture)
    return flows, capture.info()


def test_example_capture_reads_every_entry():
    flows, info = read(EXAMPLE)
    raw = json.loads(EXAMPLE.read_text(encoding="utf-8"))["log"]["entries"]
    assert info.entries == len(raw) == len(flows) == 148
    assert [f.entry for f in flows] == list(range(148))
    assert info.producer.startswith("WebInspector")
    assert info.first_seen.isoformat().startswith("2022-12-05T10:14")
    assert len(info.sha256) == 64
    assert sum(1 for f in flows if f.host is None) == 1  # the data: URL
    assert info.pages[0] == "https://www.medirdv.example/"


def test_no_secret_survives_the_importer():
    flows, info = read(EXAMPLE)
    dumped = "\n".join(f.model_dump_json() for f in flows) + info.model_dump_json()
    for secret in SECRETS:
        assert secret not in dumped
    assert "[redacted]" in dumped
    sentry = next(f for f in flows if f.host == "o450123.ingest.sentry.io" and f.method == "POST")
    assert any(h.name.lower() == "x-sentry-auth" and h.redacted for h in sentry.headers)


def test_gzip_and_bom_and_ipv6_brackets(write_har):
    doc = har([entry("https://a.example/x", ip="[2001:db8::1]"), entry("data:image/png;base64,AAAA")])
    raw = json.dumps(doc).encode()
    flows, info = read(write_har(None, "c.har.gz", raw=gzip.compress(raw)))
    assert info.format == "har+gzip" and flows[0].server_ip == "2001:db8::1"
    flows, info = read(write_har(None, "c.zhar", raw=zlib.compress(raw)))
    assert info.format == "har+zlib" and len(flows) == 2
    flows, _ = read(write_har(None, "bom.har", raw=b"\xef\xbb\xbf" + raw))
    assert flows[1].host is None and flows[1].url.startswith("data:")


def test_headers_as_object_and_pages_after_entries(write_har):
    e = entry("https://t.example/p")
    e["request"]["headers"] = {"Referer": "https://site.example/cardiologue", "Cookie": "a=SECRET-1"}
    doc = {"log": {"version": "1.2", "creator": {"name": "x", "version": "1"}, "entries": [e],
                   "pages": [{"id": "page_1", "title": "https://site.example/cardiologue",
                              "startedDateTime": "2022-12-05T10:00:00Z"}]}}
    flows, info = read(write_har(doc))
    assert flows[0].referrer == "https://site.example/cardiologue"
    assert flows[0].cookies == ("a",)
    assert info.pages == ("https://site.example/cardiologue",)
    assert "SECRET-1" not in flows[0].model_dump_json()


@pytest.mark.parametrize(("mutate", "where"), [
    (lambda e: e["request"].pop("url"), "entry 1: request.url"),
    (lambda e: e.update(startedDateTime="yesterday"), "entry 1: startedDateTime"),
    (lambda e: e["request"].update(method=7), "entry 1: request.method"),
    (lambda e: e["request"].update(headers="x"), "entry 1: request.headers"),
    (lambda e: e.pop("request"), "entry 1: request"),
])
def test_broken_entry_names_file_entry_and_field(write_har, mutate, where):
    bad = entry("https://b.example/")
    mutate(bad)
    path = write_har(har([entry("https://a.example/"), bad]))
    with pytest.raises(InputError) as err:
        read(path)
    assert str(err.value).startswith(f"{path}: {where}")
    assert "\n" not in str(err.value)


def test_truncated_file_names_the_entry(write_har):
    raw = json.dumps(har([entry(f"https://a.example/{i}") for i in range(5)])).encode()
    path = write_har(None, raw=raw[: len(raw) * 3 // 5])
    with pytest.raises(InputError, match=r"entry \d+.*not valid JSON"):
        read(path)


def test_harp_the_har_in_a_javascript_callback(write_har):
    # HAR Viewer's .harp (PhantomJS's netsniff.js examples): onInputData({...});
    raw = json.dumps(har([entry("https://a.example/x"), entry("https://b.example/y")])).encode()
    flows, info = read(write_har(None, "c.harp", raw=b"onInputData(" + raw + b");\n"))
    assert info.format == "harp" and [f.host for f in flows] == ["a.example", "b.example"]
    flows, info = read(write_har(None, "d.har", raw=b"\xef\xbb\xbf callback_1 (\n" + raw + b")"))
    assert info.format == "harp" and len(flows) == 2
    zipped = gzip.compress(b"onInputData(" + raw + b");")
    flows, info = read(write_har(None, "e.harp.gz", raw=zipped))
    assert info.format == "harp+gzip" and len(flows) == 2


@pytest.mark.parametrize(("raw", "message"), [
    (b"not json at all", "unrecognised capture format"),
    (b"", "empty file"),
    (b'{"log": {"version": "9.9", "entries": []}}', "unsupported HAR version"),
    (b'{"log": {"version": "1.2", "entries": [}}', "not valid JSON"),
    (b"\x1f\x8b\x08\x00garbage", "cannot decompress"),
    # HARP: the callback must close, and nothing may follow it
    (b'onInputData({"log": {"version": "1.2", "entries": []}}', "closing the HARP callback"),
    (b'onInputData({"log": {"version": "1.2", "entries": []}}); x()', "extra data"),
    (b'onInputData({"log": {"version": "1.2", "entries": []}});;', "extra data"),
    (b'var har = {"log": {"version": "1.2", "entries": []}};', "unrecognised capture format"),
    (b'a b({"log": {"version": "1.2", "entries": []}})', "unrecognised capture format"),
    # str(har) saved instead of json.dump(har) (two real captures of public repositories)
    (b"{'log': {'version': '1.2', 'creator': {'name': 'BrowserMob Proxy'}, 'entries': []}}",
     "a HAR written as a Python dict"),
])
def test_bad_files(write_har, raw, message):
    with pytest.raises(InputError, match=message):
        read(write_har(None, raw=raw))


def test_a_syntax_error_names_the_punctuation_expected_but_quotes_no_input(write_har):
    # the parser's own quoted ',' and '}' stay; a quoted piece of the capture never does
    with pytest.raises(InputError, match=r"not valid JSON: expected ',' or '}' at character 22"):
        read(write_har(None, raw=b'{"log":\n[\n    2,1,3\n]\n"request:"}'))
    from gdprmap.importers.base import short
    assert short(ValueError("bad value 'Bearer sk_live_4f' in \"a=b\"")) == "bad value … in …"


def test_huge_url_is_refused(write_har):
    path = write_har(har([entry("https://a.example/" + "x" * (1 << 20))]))
    with pytest.raises(InputError, match="entry 0: request.url: longer than"):
        read(path)


PRODUCERS = sorted((CORPUS / "har" / "producers").glob("*.har")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not PRODUCERS, reason="shared corpus not present")
@pytest.mark.parametrize("path", PRODUCERS, ids=lambda p: p.name)
def test_real_producers(path):
    """Files exported by Chrome, Firefox, Safari, Charles, Insomnia, Fiddler-style BOM."""
    flows, info = read(path)
    assert info.entries == len(flows) > 0
    assert all(f.started.tzinfo is not None for f in flows)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_real_broken_files_give_clean_errors():
    for name in ("brokenfile.har", "broken_headers.json"):
        with pytest.raises(InputError):
            read(CORPUS / "har" / "corrupted" / name)
    flows, info = read(CORPUS / "har" / "corrupted" / "compressed.zhar")
    assert info.format == "har+zlib" and flows


# --- issue #3: hardening, skipping, keeping secrets, faithful representation -------------

from importer_helpers import FIXTURES
from importer_helpers import read as read_with


def test_redirects_initiators_and_addresses_are_faithful():
    flows, _info, _ = read_with(FIXTURES / "chrome-devtools.har")
    redirect, _document, ga, api, data, blob, v6, loop, cdn = flows
    assert redirect.status == 301
    assert redirect.redirect_to == "https://www.clinic.example/rdv/cardiologue?session=[redacted]"
    assert ga.initiator_type == "script" and ga.initiator_chain == (
        "https://www.googletagmanager.com/gtag/js?id=[redacted]",
        "https://www.clinic.example/app.js")  # async parent frames too
    assert ga.server_ip == "2a00:1450:4007:80e::200e"
    assert api.server_ip == "10.0.3.7"  # private addresses are kept as they are
    assert (data.host, data.scheme, blob.host, blob.scheme) == (None, "data", None, "blob")
    assert (v6.host, v6.port, v6.server_ip) == ("2001:db8::1", 8080, "2001:db8::1")
    assert (loop.host, loop.server_ip) == ("127.0.0.1", "127.0.0.1")
    assert cdn.server_ip is None and cdn.initiator_type == "parser"


def test_har_1_1_with_header_object_and_document_title():
    flows, info, _ = read_with(FIXTURES / "firebug-1.1.har")
    assert info.producer == "Firebug 1.12" and len(flows) == 3
    assert flows[0].page_title == "Cabinet médical - prise de rendez-vous"
    assert flows[2].cookies == ("_fbp",) and flows[2].referrer == "https://www.cabinet.example/"


@pytest.mark.parametrize(("raw", "message"), [
    (b'{"log": {"version": 1.2, "entries": []}}', "log.version: not a string"),
    (b'{"log": {"version": "1.2", "entries": {}}}', "log.entries: not a list"),
    (b'{"log": {"version": "1.2"}}', "log.entries: not a HAR file"),
    (b'{"log": {"version": "2.0", "entries": []}}', "log.version: unsupported HAR version"),
    (b'{"log": {"version": "1.2", "entries": [{"startedDateTime": "\xff\xfe"}]}}',
     "not UTF-8 text"),
])
def test_bad_log_structure(write_har, raw, message):
    path = write_har(None, raw=raw)
    with pytest.raises(InputError) as err:
        read(path)
    assert str(err.value).startswith(str(path)) and message in str(err.value)


@pytest.mark.parametrize(("mutate", "where"), [
    (lambda e: e.update(startedDateTime="2024-02-30T10:00:00Z"), "startedDateTime"),
    (lambda e: e.update(startedDateTime=1700000000), "startedDateTime"),
    (lambda e: e["response"].update(redirectURL=5), "response.redirectURL"),
    (lambda e: e.update(response="x"), "response"),
    (lambda e: e["request"].update(postData={"text": 5}), "request.postData.text"),
    (lambda e: e["request"].update(cookies=[{"value": "x"}]), "request.cookies[0]"),
])
def test_wrong_types_name_the_field(write_har, mutate, where):
    bad = entry("https://b.example/")
    mutate(bad)
    path = write_har(har([entry("https://a.example/"), bad]))
    with pytest.raises(InputError) as err:
        read(path)
    assert str(err.value).startswith(f"{path}: entry 1: {where}: ")


def test_a_100_mb_field_is_refused_with_file_entry_and_field(tmp_path):
    path = tmp_path / "huge.har"
    doc = json.dumps(har([entry("https://a.example/", headers=[("X-Big", "@@BIG@@")])]))
    with path.open("w") as out:
        head, tail = doc.split("@@BIG@@")
        out.write(head)
        for _ in range(100):
            out.write("A" * (1 << 20))
        out.write(tail)
    with pytest.raises(InputError) as err:
        read(path)
    assert str(err.value).startswith(f"{path}: entry 0: request.headers[0]: longer than")


def test_skip_bad_entries_lists_each_and_keeps_the_rest(write_har):
    bad1, bad2 = entry("https://b.example/"), entry("https://c.example/")
    bad1.pop("startedDateTime")
    bad2["request"]["url"] = ["x"]
    path = write_har(har([entry("https://a.example/"), bad1, entry("https://d.example/"), bad2]))
    flows, info, skipped = read_with(path, skip_bad_entries=True)
    assert [f.entry for f in flows] == [0, 2] and info.entries == 2 and info.skipped == 2
    assert [(s.input, s.entry) for s in skipped] == [(str(path), 1), (str(path), 3)]
    assert skipped[0].reason == "startedDateTime: missing or not an ISO 8601 date-time"


def test_skip_bad_entries_does_not_hide_a_broken_file(write_har):
    raw = json.dumps(har([entry(f"https://a.example/{i}") for i in range(5)])).encode()
    with pytest.raises(InputError, match="not valid JSON"):
        read_with(write_har(None, raw=raw[: len(raw) // 2]), skip_bad_entries=True)


def test_keep_secrets_keeps_raw_values_and_says_so():
    flows, info, _ = read_with(FIXTURES / "chrome-devtools.har", keep_secrets=True)
    text = "".join(f.model_dump_json() for f in flows)
    assert "SECRET-SESSION-7f3a9c" in text and "SECRET-BEARER" in text
    assert "alice@mail.example" in text and info.secrets_kept is True
    flows, info, _ = read_with(FIXTURES / "chrome-devtools.har")
    text = "".join(f.model_dump_json() for f in flows)
    assert "SECRET-SESSION-7f3a9c" not in text and info.secrets_kept is False


def test_response_bodies_are_never_kept():
    flows, _info, _ = read_with(FIXTURES / "chrome-devtools.har")
    assert "BODY-NEVER-KEPT" not in "".join(f.model_dump_json() for f in flows)


def test_repeated_headers_are_redacted_once_and_read_for_every_entry(write_har):
    """Issue #9: header pairs seen before are reused; what each entry says still counts
    (its cookie names, its Referer), and HTTP/2's :path is the entry's own redacted URL."""
    shared = [("User-Agent", "Mozilla/5.0"), ("Cookie", "_ga=GA1.2.3; sid=s3cr3t"),
              ("Referer", "https://site.example/rdv?token=abcdef")]
    doc = har([entry(f"https://t.example/c?cid={i}.77&v=2", headers=[
        *shared, (":path", f"/c?cid={i}.77&v=2")]) for i in range(3)]
        + [entry("https://t.example/d", headers=[("cookie", "other=1"), (":path", "/d")])])
    flows, _ = read(write_har(doc))
    for i, flow in enumerate(flows[:3]):
        assert flow.cookies == ("_ga", "sid") and "abcdef" not in flow.referrer
        path = next(h.value for h in flow.headers if h.name == ":path")
        assert path == flow.url.removeprefix("https://t.example") and f"{i}.77" not in path
        cookie = next(h for h in flow.headers if h.name == "Cookie")
        assert cookie.redacted and "s3cr3t" not in cookie.value
    assert flows[3].cookies == ("other",) and flows[3].referrer is None
    bad = har([entry("https://t.example/", headers=shared), entry("https://t.example/")])
    bad["log"]["entries"][1]["request"]["headers"] = [{"name": "User-Agent"}, ["X", "Y"]]
    with pytest.raises(InputError, match=r"entry 1.*request\.headers\[1\]"):
        read(write_har(bad, "bad.har"))


def test_a_first_page_holding_only_the_left_pages_beacons_is_not_the_site(write_har):
    # DevTools with "Preserve log": the export begins with the page being left, of which only
    # its unload beacon (resource type "ping") is recorded; the visited site is the next page
    import gdprmap

    def request(url, kind, pageref, referer):
        e = entry(url, headers=[("Referer", referer)], pageref=pageref)
        e["_resourceType"] = kind
        return e

    pages = [{"id": "page_10", "title": "https://students.school-portal.example/signout",
              "startedDateTime": "2024-03-01T09:00:00Z"},
             {"id": "page_11", "title": "https://www.mathsite.example/",
              "startedDateTime": "2024-03-01T09:00:05Z"}]
    beacon = request("https://hello.students.school-portal.example/api/records", "ping",
                     "page_10", "https://students.school-portal.example/")
    site = [request("https://www.mathsite.example/", "document", "page_11", ""),
            request("https://cdn.vendor-x.example/a.js", "script", "page_11",
                    "https://www.mathsite.example/")]
    a = gdprmap.analyze(write_har(har([beacon, *site], pages=pages)), as_of="2024-03-01")
    assert a.first_party_domains == ("mathsite.example",)
    left = next(r for r in a.recipients if r.id == "domain:school-portal.example")
    assert left.first_party_probable  # still a visited page, shown as such
    # a first page with anything else than beacons stays the site
    other = request("https://students.school-portal.example/app.js", "script", "page_10",
                    "https://students.school-portal.example/")
    a = gdprmap.analyze(write_har(har([beacon, other, *site], pages=pages)), as_of="2024-03-01")
    assert a.first_party_domains == ("school-portal.example",)


def test_webpagetest_null_method_is_read_from_http2_pseudo_header_or_left_unrecorded(
        write_har, tmp_path):
    # WebPageTest 18.09/19.04 write "method": null where they lost the request line; an HTTP/2
    # request's ":method" survives in their raw _headers lines. The request is evidence anyway:
    # read, its method not guessed.
    h2 = entry("https://cdn.vendor-x.example/a.js")
    h2["request"]["method"] = None
    h2["_headers"] = {"request": [":method: POST", ":authority: cdn.vendor-x.example"],
                      "response": []}
    h1 = entry("https://t.tracker-y.example/p?id=1")
    h1["request"]["method"] = None
    h1["_headers"] = {"request": ["Host: t.tracker-y.example"], "response": []}
    flows, _ = read(write_har(har([entry("https://www.shop.example/"), h2, h1])))
    assert [f.method for f in flows] == ["GET", "POST", None]
    assert flows[2].request_line == flows[2].url
    import gdprmap
    a = gdprmap.analyze(write_har(har([entry("https://www.shop.example/"), h1])),
                        as_of="2024-03-01")
    ev = next(e for r in a.recipients for d in r.data for e in d.evidence
              if "tracker-y" in (e.url or ""))
    assert ev.method is None and not ev.excerpt.startswith("None")
    from gdprmap.reports.html import render_html
    assert "None https://" not in render_html(a, "en")


@pytest.mark.parametrize("method", ["missing", 5, "", "G" * 65])
def test_a_method_missing_or_not_a_short_string_is_still_refused(write_har, method):
    e = entry("https://www.shop.example/")
    if method == "missing":
        del e["request"]["method"]
    else:
        e["request"]["method"] = method
    with pytest.raises(InputError, match="entry 0: request.method"):
        read(write_har(har([e])))
