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


@pytest.mark.parametrize(("raw", "message"), [
    (b"not json at all", "unrecognised capture format"),
    (b"", "empty file"),
    (b'{"log": {"version": "9.9", "entries": []}}', "unsupported HAR version"),
    (b'{"log": {"version": "1.2", "entries": [}}', "not valid JSON"),
    (b"\x1f\x8b\x08\x00garbage", "cannot decompress"),
])
def test_bad_files(write_har, raw, message):
    with pytest.raises(InputError, match=message):
        read(write_har(None, raw=raw))


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
