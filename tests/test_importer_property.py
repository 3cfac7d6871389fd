"""Property tests: any valid HAR becomes the same flows however it is packed, and no entry is
ever dropped silently (it is a flow, an error, or - when allowed - a listed skipped entry)."""

import datetime as dt
import gzip
import json
import zlib

from conftest import entry, har
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from importer_helpers import read

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

label = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
hosts = st.lists(label, min_size=2, max_size=4).map(".".join)
ipv4 = st.ip_addresses(v=4).map(str)
ipv6 = st.ip_addresses(v=6).map(lambda a: f"[{a}]")
safe_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)
times = st.datetimes(min_value=dt.datetime(2018, 5, 25), max_value=dt.datetime(2035, 1, 1),
                     timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=2)),
                                                dt.timezone(dt.timedelta(hours=-7))]))


@st.composite
def entries(draw):
    scheme = draw(st.sampled_from(["http", "https"]))
    host = draw(st.one_of(hosts, ipv6, ipv4))
    path = "/".join(draw(st.lists(label, max_size=3)))
    query = "&".join(f"{k}={v}" for k, v in draw(st.lists(st.tuples(label, label), max_size=3)))
    url = f"{scheme}://{host}/{path}" + (f"?{query}" if query else "")
    e = entry(url, when=draw(times).isoformat(),
              method=draw(st.sampled_from(["GET", "post", "PUT", "OPTIONS", "HEAD"])),
              headers=draw(st.lists(st.tuples(label, safe_text), max_size=4)),
              ip=draw(st.one_of(ipv4, ipv6, st.just(""))))
    if draw(st.booleans()):
        e["response"]["redirectURL"] = f"https://{draw(hosts)}/next"
    return e


def packed(doc, how):
    raw = json.dumps(doc).encode()
    return {"plain": raw, "bom": b"\xef\xbb\xbf" + raw, "gzip": gzip.compress(raw),
            "zlib": zlib.compress(raw)}[how]


@SETTINGS
@given(st.lists(entries(), min_size=1, max_size=8))
def test_any_valid_har_round_trips_into_its_flows(write_har, es):
    flows, info, skipped = read(write_har(har(es)))
    assert not skipped and info.entries == len(flows) == len(es)
    for i, (flow, raw) in enumerate(zip(flows, es, strict=True)):
        assert flow.entry == i
        assert flow.method == raw["request"]["method"].upper()
        assert flow.started == dt.datetime.fromisoformat(raw["startedDateTime"])
        want_host = raw["request"]["url"].split("/")[2].rsplit(":", 1)[0] if "[" not in \
            raw["request"]["url"] else raw["request"]["url"].split("[")[1].split("]")[0]
        assert flow.host == want_host.lower()
        ip = raw["serverIPAddress"].strip("[]")
        assert (flow.server_ip is None) == (ip == "")
        assert bool(flow.redirect_to) == bool(raw["response"]["redirectURL"])
    assert info.first_seen == min(f.started for f in flows)
    assert info.last_seen == max(f.started for f in flows)


@SETTINGS
@given(st.lists(entries(), min_size=1, max_size=5),
       st.sampled_from(["bom", "gzip", "zlib"]))
def test_packing_does_not_change_the_flows(write_har, es, how):
    plain, _, _ = read(write_har(None, "a.har", raw=packed(har(es), "plain")), "x")
    other, _, _ = read(write_har(None, "b.har", raw=packed(har(es), how)), "x")
    strip = [f.model_dump(exclude={"query", "body"}) for f in plain]
    assert strip == [f.model_dump(exclude={"query", "body"}) for f in other]


broken = st.sampled_from([
    lambda e: e.pop("request"),
    lambda e: e.update(startedDateTime="2024-13-45T99:00:00Z"),
    lambda e: e["request"].update(url=17),
    lambda e: e["request"].update(headers={"a": {"b": 1}} and 5),
    lambda e: e.update(response=[]),
])


@SETTINGS
@given(st.lists(st.tuples(entries(), st.booleans(), broken), min_size=1, max_size=8))
def test_no_entry_is_dropped_silently(write_har, rows):
    es = []
    for e, is_broken, breaker in rows:
        if is_broken:
            breaker(e)
        es.append(e)
    path = write_har(har(es))
    flows, info, skipped = read(path, skip_bad_entries=True)
    assert sorted([f.entry for f in flows] + [s.entry for s in skipped]) == list(range(len(es)))
    assert [s.entry for s in skipped] == [i for i, (_, b, _) in enumerate(rows) if b]
    assert info.skipped == len(skipped) and info.entries == len(flows)
    assert all(s.input == str(path) and s.reason for s in skipped)
