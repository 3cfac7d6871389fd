"""The bundled IP database (IP -> ASN, AS organisation, country), its builder, and how server
countries reach the assessment without touching verdicts."""

from __future__ import annotations

import json
import timeit

import pytest
from conftest import CORPUS, ROOT, entry, har, load_module

from gdprmap import analyze
from gdprmap.enrich import ipdb as ipdb_module
from gdprmap.enrich.ipdb import INDICATIVE, IpDatabase, IpDataError, special_range
from gdprmap.models import Verdict
from gdprmap.testing import StaticAsn, StaticWhois

DB = ROOT / "src" / "gdprmap" / "data" / "ipdb.bin"


@pytest.fixture(scope="module")
def db():
    return IpDatabase()


def test_file_is_small_and_dated(db):
    assert DB.stat().st_size < 15 * 1024 * 1024
    assert db.data_date and db.meta["sources"]["@ip-location-db/asn"]


def test_loaded_lazily():
    fresh = IpDatabase()
    assert fresh.data_date  # reads only the header line
    assert not fresh._loaded
    fresh.lookup("10.0.0.1")  # special ranges need no data
    assert not fresh._loaded
    fresh.lookup("8.8.8.8")
    assert fresh._loaded


@pytest.mark.parametrize("ip, asn", [
    ("8.8.8.8", 15169), ("2001:4860:4860::8888", 15169), ("1.1.1.1", 13335),
    ("::ffff:8.8.4.4", 15169),
])
def test_well_known_networks(db, ip, asn):
    info = db.lookup(ip)
    assert info.asn == asn and info.as_org and info.country and info.special is None
    assert info.source == f"ip-location-db {db.data_date}"


@pytest.mark.parametrize("ip, kind", [
    ("10.1.2.3", "private"), ("192.168.0.1", "private"), ("127.0.0.1", "loopback"),
    ("::1", "loopback"), ("fe80::1", "link-local"), ("198.51.100.7", "documentation"),
    ("2001:db8::1", "documentation"), ("100.64.0.1", "shared address space (carrier-grade NAT)"),
    ("224.0.0.1", "multicast"), ("[fd00::1]", "private"), ("240.0.0.1", "reserved"),
])
def test_special_addresses_never_get_a_country(db, ip, kind):
    info = db.lookup(ip)
    assert info.special == kind and info.country is None and info.asn is None


def test_not_an_address(db):
    with pytest.raises(IpDataError):
        db.lookup("not-an-ip")


def test_lookup_takes_microseconds(db):
    db.lookup("8.8.8.8")
    per = min(timeit.repeat(lambda: db.lookup("104.16.80.73"), number=2000, repeat=3)) / 2000
    assert per < 100e-6  # measured ~6 us; generous for slow CI machines


def test_damaged_file_is_an_error(tmp_path):
    bad = tmp_path / "ipdb.bin"
    bad.write_bytes(b"nope")
    with pytest.raises(IpDataError, match="bad magic"):
        IpDatabase(bad).lookup("8.8.8.8")


# --- the builder on small synthetic packages --------------------------------------------------


def _builder():
    return load_module("scripts/build_ipdb.py", "build_ipdb")


def test_builder_merges_and_prefers_the_most_specific_range(tmp_path):
    for key, name, rows in (
        ("asn", "asn-ipv4-num.csv", ["16777216,16777471,64500,Example One",
                                     "16777472,16777727,64500,Example One",  # merges
                                     "16778240,16779263,64501,\"Two, Inc.\""]),
        ("asn", "asn-ipv6-num.csv", [f"{0x2a00 << 112},{(0x2a00 << 112) + 2**80 - 1},64502,Six"]),
        ("geo", "geo-whois-asn-country-ipv4-num.csv", ["16777216,16779263,FR",
                                                       "16777300,16777301,DE"]),  # nested
        ("geo", "geo-whois-asn-country-ipv6-num.csv",
         [f"{0x2a00 << 112},{(0x2a00 << 112) + 2**90},NL"]),
    ):
        folder = tmp_path / key
        folder.mkdir(exist_ok=True)
        (folder / "package.json").write_text(json.dumps({"version": "2.3.2026061719"}))
        (folder / name).write_text("\n".join(rows) + "\n")
    out = tmp_path / "ipdb.bin"
    assert _builder().main(["--from", str(tmp_path), "-o", str(out)]) == 0
    db = IpDatabase(out)
    assert db.data_date == "2026-06-17"
    one = db.lookup("1.0.0.1")
    assert (one.asn, one.as_org, one.country) == (64500, "Example One", "FR")
    assert db.lookup("1.0.0.85").country == "DE"  # 16777301 = 1.0.0.85, the nested /31
    assert db.lookup("1.0.0.86").country == "FR"
    assert db.lookup("1.0.1.1").asn == 64500
    gap = db.lookup("1.0.2.1")  # in FR's range, no ASN
    assert (gap.asn, gap.country) == (None, "FR")
    assert db.lookup("1.0.4.1").as_org == "Two, Inc."
    assert db.lookup("9.9.9.9").asn is None and db.lookup("9.9.9.9").country is None
    six = db.lookup("2a00::1")
    assert (six.asn, six.country) == (64502, "NL")
    assert db.meta["counts"]["intervals_v4"] < 10


def _tables(builder):
    """A small database: IPv4 and IPv6 intervals, pairs with and without an ASN or country."""
    return builder.Tables(
        pairs=[(0, ""), (64500, "FR"), (64501, ""), (0, "DE"), (15169, "US")],
        v4=[(0, 0), (16777216, 1), (16777472, 2), (16777728, 3), (134744064, 4),
            (134744320, 0), (3_000_000_000, 2)],
        v6=[(0, 0), (0x2a00 << 112, 1), ((0x2a00 << 112) + 2**64, 3),
            ((0x2a00 << 112) + 2**64 + 2**40, 4), ((0x2a00 << 112) + 2**65, 0)],
        orgs={64500: "Example One", 64501: "Zwei GmbH \u00e9", 15169: "Google LLC"})


def _v1_blob(builder, tables):
    """The same content in format 1 (one LZMA stream), as the issue #5 builder wrote it."""
    import array
    import lzma
    import struct

    body = bytearray(struct.pack("<I", len(tables.pairs)))
    body += array.array("I", [a for a, _ in tables.pairs]).tobytes()
    body += b"".join((c or "\0\0").encode() for _, c in tables.pairs)
    body += struct.pack("<I", len(tables.v4))
    body += array.array("I", [s for s, _ in tables.v4]).tobytes()
    body += array.array("I", [p for _, p in tables.v4]).tobytes()
    body += struct.pack("<I", len(tables.v6))
    body += array.array("Q", [s >> 64 for s, _ in tables.v6]).tobytes()
    body += array.array("Q", [s & (2**64 - 1) for s, _ in tables.v6]).tobytes()
    body += array.array("I", [p for _, p in tables.v6]).tobytes()
    body += struct.pack("<I", len(tables.orgs))
    for asn, name in sorted(tables.orgs.items()):
        body += struct.pack("<IH", asn, len(name.encode())) + name.encode()
    meta = {"format": 1, "data_date": "2026-06-17", "counts": {"input_ranges_v4": 9}}
    return builder.MAGIC_V1 + json.dumps(meta).encode() + b"\n" + lzma.compress(bytes(body))


EXPECTED = {  # address -> (asn, as_org, country) for _tables()
    "1.0.0.1": (64500, "Example One", "FR"), "1.0.1.255": (64501, "Zwei GmbH \u00e9", None),
    "1.0.2.0": (None, None, "DE"), "8.8.8.8": (15169, "Google LLC", "US"),
    "8.8.9.1": (None, None, None), "0.1.2.3": (None, None, None),
    "180.0.0.1": (64501, "Zwei GmbH \u00e9", None), "223.255.255.254": (64501, "Zwei GmbH \u00e9", None),
    "2a00::1": (64500, "Example One", "FR"), "2a00:0:0:1::": (None, None, "DE"),
    "2a00:0:0:1:0:100::": (15169, "Google LLC", "US"), "2a00:0:0:2::1": (None, None, None),
    "2001:4860::1": (None, None, None),
}


@pytest.mark.parametrize("rows_per_block", [1, 2, 3, 4096])
def test_blocks_of_any_size_give_the_same_answers(tmp_path, monkeypatch, rows_per_block):
    builder = _builder()
    monkeypatch.setattr(builder, "BLOCK_ROWS", rows_per_block)
    blob, meta = builder.encode(_tables(builder), {"data_date": "2026-06-17"})
    path = tmp_path / "ipdb.bin"
    path.write_bytes(blob)
    db = IpDatabase(path)
    assert meta["format"] == 2 and meta["counts"]["block_rows"] == rows_per_block
    for ip, want in EXPECTED.items():
        info = db.lookup(ip)
        assert (info.asn, info.as_org, info.country) == want, ip


def test_a_lookup_inflates_only_the_blocks_it_needs():
    fresh = IpDatabase()
    fresh.lookup("8.8.8.8")
    assert len(fresh._v4.keys) > 100
    assert [len(t.decoded) for t in (fresh._v4, fresh._v6, fresh._pairs, fresh._orgs)] == [
        1, 0, 1, 1]


def test_a_format_1_file_is_refused_and_converts_exactly(tmp_path):
    builder = _builder()
    old = tmp_path / "old.bin"
    old.write_bytes(_v1_blob(builder, _tables(builder)))
    with pytest.raises(IpDataError, match="--convert"):
        IpDatabase(old).lookup("8.8.8.8")
    new = tmp_path / "new.bin"
    assert builder.main(["--convert", str(old), "-o", str(new)]) == 0
    db = IpDatabase(new)
    assert db.data_date == "2026-06-17" and db.meta["format"] == 2
    assert db.meta["counts"]["input_ranges_v4"] == 9 and db.meta["counts"]["intervals_v4"] == 7
    for ip, want in EXPECTED.items():
        info = db.lookup(ip)
        assert (info.asn, info.as_org, info.country) == want, ip


def test_a_damaged_block_is_an_error(tmp_path):
    blob = bytearray(DB.read_bytes())
    blob[-200:-100] = bytes(100)  # inside the last blocks (organisation names)
    bad = tmp_path / "ipdb.bin"
    bad.write_bytes(bytes(blob))
    db = IpDatabase(bad)
    with pytest.raises(IpDataError, match="damaged"):
        for asn_ip in ("8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "9.9.9.9", "104.16.80.73",
                       "13.107.42.14", "31.13.64.35", "185.60.216.35", "52.95.110.1"):
            db.lookup(asn_ip)
        for name_block in range(len(db._orgs.keys)):
            db._block(db._orgs, name_block, ipdb_module._decode_orgs)
    truncated = tmp_path / "short.bin"
    truncated.write_bytes(DB.read_bytes()[:5000])
    with pytest.raises(IpDataError, match="damaged"):
        IpDatabase(truncated).lookup("8.8.8.8")


# --- the shared corpus of recorded IP WHOIS answers (skipped when absent) --------------------

IPWHOIS = CORPUS / "ipwhois"


@pytest.mark.skipif(not IPWHOIS.is_dir(), reason="shared corpus not available")
def test_asns_agree_with_recorded_ipwhois_answers(db):
    """Recorded in 2024 by ipwhois; ASNs of large stable networks have not moved."""
    recorded = json.loads((IPWHOIS / "asn.json").read_text())
    checked = 0
    for ip in ("74.125.225.229", "2001:4860:4860::8888"):
        if ip in recorded:
            assert db.lookup(ip).asn == int(recorded[ip]["asn"])
            checked += 1
    assert checked >= 1


# --- the assessment -------------------------------------------------------------------------


@pytest.fixture
def capture(write_har):
    return write_har(har([
        entry("https://www.clinic.example/"),
        entry("https://fonts.googleapis.com/css?family=Roboto", ip="192.0.2.10"),
        entry("https://tag.aticdn.net/piano.js", ip="203.0.113.5"),
        entry("https://px.acme-tracker.com/p", ip="198.18.0.1"),
    ]))


def test_server_countries_and_facts_never_change_verdicts(capture):
    asn = StaticAsn({"203.0.113.0/24": (64500, "Some CDN", "US"),
                     "192.0.2.0/24": (15169, "Google LLC", "US")})
    plain = analyze(capture, ip_data=False)
    with_ip = analyze(capture, ip_source=asn)
    assert ({r.id: r.verdict for r in plain.recipients}
            == {r.id: r.verdict for r in with_ip.recipients})
    assert with_ip.knowledge.ipdb_date == "2026-01-01"
    by_id = {r.id: r for r in with_ip.recipients}
    # documentation and benchmarking ranges are special even in the fake
    assert by_id["org:google-llc"].server_countries == ()


def test_conflict_between_kb_and_server_location_is_an_informational_finding(capture):
    class Public(StaticAsn):
        def lookup(self, address):  # treat the documentation ranges as public for this test
            from gdprmap.enrich.ipdb import IpInfo

            return IpInfo(ip=address, asn=64500, as_org="Some CDN", country="US",
                          source="static-asn 2026-01-01")

    a = analyze(capture, ip_source=Public({}))
    piano = next(r for r in a.recipients if r.id == "org:at-internet")
    assert piano.server_countries == ("US",)
    assert piano.organisation.country == "FR"  # the entity's country is kept apart
    note = next(f for f in piano.findings if f.rule == "GM-INFO-SERVER-LOCATION")
    assert note.verdict is None and note.severity == "info"
    assert "US" in note.explanation and "FR" in note.explanation and "EEA" in note.explanation
    fact = next(f for f in piano.facts if f.subject == "203.0.113.5")
    assert fact.note == INDICATIVE and "AS64500" in fact.value
    assert piano.verdict == Verdict.UNKNOWN  # issue 13: parent chain not established, servers in US


def test_static_whois_fake_feeds_registration_facts(capture):
    whois = StaticWhois({"acme-tracker.com": {"organisation": "Acme Tracking Inc.",
                                              "country": "US"}})
    a = analyze(capture, registration_source=whois, ip_data=False)
    acme = next(r for r in a.recipients if r.id == "domain:acme-tracker.com")
    assert acme.verdict == Verdict.UNKNOWN
    assert any("Acme Tracking Inc." in f.value for f in acme.facts)
    # then the site's own domain, once (issue 15: same registrant as the site?)
    assert [lk.query for lk in a.lookups][0] == "acme-tracker.com"
    assert {lk.query for lk in a.lookups} - {"acme-tracker.com"} <= set(a.first_party_domains)


def test_special_range_helper():
    import ipaddress

    assert special_range(ipaddress.ip_address("8.8.8.8")) is None
    assert special_range(ipaddress.ip_address("::ffff:10.0.0.1")) == "private"


def test_example_verdicts_unchanged_by_ip_data():
    example = ROOT / "examples" / "health-booking" / "capture.har"
    on, off = analyze(example), analyze(example, ip_data=False)
    assert {r.id: r.verdict for r in on.recipients} == {r.id: r.verdict for r in off.recipients}
    assert any(r.server_countries for r in on.recipients)
    assert not any(r.server_countries for r in off.recipients)
