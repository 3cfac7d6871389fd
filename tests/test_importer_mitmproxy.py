"""mitmproxy's own flow files (``mitmdump -w``): written here by mitmproxy itself (installed
apart by the set-up, `.venv/tools/mitmproxy`), read as HAR entries; the flow format of
mitmproxy 5 (version 8) from a file built to its shape; the typed netstrings underneath;
broken files named by flow and byte, secrets never printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from importer_helpers import FIXTURES
from test_importer_fuzz import WEIRD, must_be_clean, mutate, paths

from gdprmap.api import analyze
from gdprmap.cli import main
from gdprmap.errors import InputError
from gdprmap.importers import open_capture
from gdprmap.importers.tnetstring import TnetError, parse, read_values

ROOT = Path(__file__).resolve().parents[1]
MITMPROXY = Path(os.environ.get("GDPRMAP_MITMPROXY", ROOT / ".venv" / "tools" / "mitmproxy"))
SECRET = "SECRETSESSION8d1f"


def write_flows(path: Path, script: str) -> None:
    """Run ``script`` with mitmproxy importable; it writes flows to PATH with FlowWriter."""
    if not (MITMPROXY / "mitmproxy").is_dir():
        pytest.skip("mitmproxy is installed by `make test` (.venv/tools/mitmproxy)")
    prelude = textwrap.dedent("""\
        import sys
        from mitmproxy import http, io
        from mitmproxy.test import tflow
        PATH = sys.argv[1]
        def flow(method, url, body=b"", headers=(), status=200, ip="93.184.215.14", at=0.0,
                 response_headers=()):
            f = tflow.tflow(resp=True)
            f.request = http.Request.make(method, url, body, dict(headers))
            f.request.timestamp_start = 1733500000.0 + at
            f.response = http.Response.make(status, b"<html></html>", dict(response_headers))
            f.server_conn.peername = (ip, 443)
            return f
        """)
    env = {**os.environ, "PYTHONPATH": str(MITMPROXY)}
    done = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(script), str(path)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


SITE = """
    flows = [
        flow("GET", "https://www.shop-example.fr/panier", ip="45.80.1.10",
             headers=[("Cookie", "session=%s"), ("Sec-Fetch-Dest", "document")],
             response_headers=[("Content-Type", "text/html; charset=utf-8"),
                               ("Set-Cookie", "session=%s; Secure")]),
        flow("POST", "https://www.google-analytics.com/g/collect?v=2&tid=G-XYZ"
             "&dl=https%%3A%%2F%%2Fwww.shop-example.fr%%2Fpanier",
             body=b"email=jane.doe%%40example.org", ip="142.250.74.46", at=0.4,
             headers=[("Content-Type", "application/x-www-form-urlencoded"),
                      ("Referer", "https://www.shop-example.fr/"),
                      ("Authorization", "Bearer %s")], status=204),
    ]
    unanswered = tflow.tflow(err=True)
    unanswered.request = http.Request.make("GET", "https://cdn.tracker-example.net/p.gif")
    unanswered.request.timestamp_start = 1733500001.0
    unanswered.server_conn.peername = None
    with open(PATH, "wb") as fh:
        writer = io.FlowWriter(fh)
        for f in flows:
            writer.add(f)
        writer.add(tflow.ttcpflow())  # not a web request
        writer.add(unanswered)
""" % (SECRET, SECRET, SECRET)


@pytest.fixture
def site_flows(tmp_path):
    path = tmp_path / "shop.flow"
    write_flows(path, SITE)
    return path


def test_a_mitmdump_file_is_read_as_its_http_flows(site_flows):
    capture = open_capture(site_flows)
    flows = list(capture)
    info = capture.info()
    assert info.format == "mitmproxy-flows"
    assert info.producer.startswith("mitmproxy (flow format ")
    assert [f.url.split("?")[0] for f in flows] == [
        "https://www.shop-example.fr/panier", "https://www.google-analytics.com/g/collect",
        "https://cdn.tracker-example.net/p.gif"]  # the TCP flow is not a web request
    page, beacon, unanswered = flows
    assert page.server_ip == "45.80.1.10" and page.status == 200
    assert page.cookies == ("session",)  # names only
    assert beacon.method == "POST" and beacon.status == 204
    assert beacon.started.isoformat() == "2024-12-06T15:46:40.400000+00:00"
    assert unanswered.status == 0  # no response: mitmproxy's error, still a request
    assert info.entries == 3 and info.first_seen == page.started


def test_the_report_names_the_recipient_and_prints_no_secret(site_flows, tmp_path):
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["report", str(site_flows), "-o", str(out),
                                       "--as-of", "2024-12-06"])
    assert result.exit_code in (0, 1), result.output
    text = out.read_text()
    assert SECRET not in text and SECRET not in result.output
    doc = json.loads(text)
    assert doc["first_party_domains"] == ["shop-example.fr"]
    hosts = {h for r in doc["recipients"] for h in r["hosts"]}
    assert {"www.google-analytics.com", "cdn.tracker-example.net"} <= hosts
    assert "www.shop-example.fr" not in hosts


# The shape of mitmproxy 5's files (flow format 8): the host and the method as bytes, the
# server address in `ip_address` with IPv6 flow info, HTTP/2's `:authority` pseudo-header and no
# `authority` field (from a real 2020 capture's first flow; values here are invented).
def _t(value) -> bytes:
    if value is None:
        return b"0:~"
    if isinstance(value, bool):
        data, kind = (b"true" if value else b"false"), b"!"
    elif isinstance(value, int):
        data, kind = str(value).encode(), b"#"
    elif isinstance(value, float):
        data, kind = repr(value).encode(), b"^"
    elif isinstance(value, bytes):
        data, kind = value, b","
    elif isinstance(value, str):
        data, kind = value.encode("utf-8", "surrogatepass"), b";"
    elif isinstance(value, list):
        data, kind = b"".join(_t(v) for v in value), b"]"
    else:
        data, kind = b"".join(_t(k) + _t(v) for k, v in value.items()), b"}"
    return str(len(data)).encode() + b":" + data + kind


V8_FLOW = {
    "version": 8, "mode": "transparent", "type": "http", "id": "a3344c0f",
    "response": {"status_code": 204, "reason": b"", "http_version": b"HTTP/2.0",
                 "timestamp_start": 1598925630.96, "timestamp_end": 1598925630.97,
                 "headers": [[b"content-type", b"text/html; charset=UTF-8"]], "content": b"",
                 "trailers": None},
    "request": {"is_replay": False, "timestamp_start": 1598925630.78,
                "timestamp_end": 1598925630.9,
                "http_version": b"HTTP/2.0", "path": b"/gen_204?atyp=i&ct=slh", "port": 443,
                "host": b"www.example-search.com", "scheme": b"https", "method": b"POST",
                "first_line_format": "relative", "trailers": None, "content": b"",
                "headers": [[b":authority", b"www.example-search.com"], [b"accept", b"*/*"],
                            [b"cookie", ("NID=" + SECRET).encode()]]},
    "server_conn": {"address": ["www.example-search.com", 443], "tls_established": True,
                    "ip_address": ["2607:f8b0:4008:805::2004", 443, 0, 0],
                    "source_address": ["2601:58b:8200:600::fa", 55353, 0, 0]},
    "client_conn": {"address": ["::1", 50000, 0, 0]},
    "error": None, "intercepted": False, "marked": False, "metadata": {},
}


def test_flow_format_8_of_mitmproxy_5(tmp_path):
    path = tmp_path / "old.mitm"
    path.write_bytes(_t(V8_FLOW) * 2)
    capture = open_capture(path)
    flows = list(capture)
    assert capture.info().producer == "mitmproxy (flow format 8)"
    assert len(flows) == 2
    first = flows[0]
    assert first.url == "https://www.example-search.com/gen_204?atyp=i&ct=slh"
    assert first.server_ip == "2607:f8b0:4008:805::2004" and first.status == 204
    assert first.cookies == ("NID",) and SECRET not in repr(first)
    assert first.started.isoformat().startswith("2020-09-01T02:00:30.78")


def test_a_truncated_file_is_one_error_naming_the_byte(tmp_path, site_flows):
    data = site_flows.read_bytes()
    path = tmp_path / "cut.flow"
    path.write_bytes(data[: len(data) - 40])
    result = CliRunner().invoke(main, ["report", str(path), "-o", str(tmp_path / "x.json")])
    assert result.exit_code == 2
    line = result.output.strip().splitlines()[-1]
    assert line.startswith(f"gdprmap: error: {path}: entry 3: byte ") and "truncated" in line
    assert not (tmp_path / "x.json").exists()


def test_a_flow_that_is_not_one_is_named_and_can_be_stepped_over(tmp_path):
    path = tmp_path / "mixed.mitm"
    path.write_bytes(_t(V8_FLOW) + _t({**V8_FLOW, "request": "garbage"}) + _t(V8_FLOW))
    with pytest.raises(InputError) as err:
        list(open_capture(path))
    assert str(err.value).startswith(f"{path}: entry 1: flow at byte ")
    a = analyze(path, skip_bad_entries=True, as_of="2020-09-01")
    assert a.inputs[0].entries == 2 and a.inputs[0].skipped == 1


def test_other_files_are_not_taken_for_flow_files(tmp_path):
    har = tmp_path / "a.har"
    har.write_bytes(b'{"log": {"version": "1.2", "entries": []}}')
    capture = open_capture(har)
    list(capture)
    assert capture.info().format == "har"
    for name, data in (("n.txt", b"12:not a flow"), ("t.tnet", _t({"hello": "world"}))):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(InputError, match="unrecognised capture format"):
            list(open_capture(path))


@pytest.mark.parametrize("data, reason", [
    (b"5:abc,", "truncated"),
    (b"x:1,", "not a tnetstring size"),
    (b"3:abc?", "unknown type"),
    (b"4:1:a,}", "key without a value"),
    (b"3:1:a]" * 1, "runs past"),
    (b"2:ab#", "not an integer"),
    (b"99999999999999999:", "not a tnetstring size"),
    (b"200:" + b"x" * 200 + b",", "over the limit"),
])
def test_broken_tnetstrings_raise_with_the_offset(data, reason):
    with pytest.raises(TnetError) as err:
        list(read_values(__import__("io").BytesIO(data), max_item=100))
    assert reason in str(err.value)


def test_tnetstring_values_round_trip_and_nesting_is_bounded():
    value = {"a": [1, 2.5, True, None, b"\x00\xff", "é"], "b": {"c": []}}
    assert parse(_t(value)) == value
    deep = b"0:]"
    for _ in range(100):
        deep = str(len(deep)).encode() + b":" + deep + b"]"
    with pytest.raises(TnetError, match="nested deeper"):
        parse(deep)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data())
def test_mutated_flow_states_give_flows_or_one_error(tmp_path_factory, data):
    """Any field of a real flow's state replaced or deleted: flows or an InputError, never
    another exception (the byte mutations of the same file are in test_importer_fuzz)."""
    with (FIXTURES / "mitmdump-11.flow").open("rb") as fh:
        states = [state for _, state in read_values(fh, 1 << 24)]
    i = data.draw(st.integers(0, len(states) - 1))
    where = data.draw(st.sampled_from(list(paths(states[i]))))
    op = data.draw(st.sampled_from(["delete", "replace"]))
    value = data.draw(st.one_of(WEIRD, st.binary(max_size=20), st.just([[b"a"]])))
    if isinstance(value, str) and len(value) > 1000:
        value = value[:1000]
    states[i] = mutate(states[i], where, op, value)
    path = tmp_path_factory.mktemp("fuzz") / "m.flow"
    path.write_bytes(b"".join(_t(s) for s in states))
    must_be_clean(path)
    must_be_clean(path, skip_bad_entries=True)


def test_a_first_flow_with_a_large_body_is_still_recognised(tmp_path):
    # keys come in any order and a page's body may come first: the sniffer skips values
    big = {**V8_FLOW, "response": {**V8_FLOW["response"], "content": b"<p>" * 100_000}}
    state = {"response": big["response"], **{k: v for k, v in V8_FLOW.items()
                                              if k != "response"}}
    path = tmp_path / "big.mitm"
    path.write_bytes(_t(state))
    flows = list(open_capture(path))
    assert len(flows) == 1 and flows[0].status == 204
    # cut inside the first flow, after its keys: recognised, and the cut is named
    cut = tmp_path / "cut.mitm"
    cut.write_bytes(_t(state)[:-500])
    with pytest.raises(InputError, match="mitmproxy flow file: truncated"):
        list(open_capture(cut))


def test_a_flow_over_the_memory_bound_is_walked_on_disk(tmp_path, monkeypatch):
    from gdprmap.importers import tnetstring

    monkeypatch.setattr(tnetstring, "IN_MEMORY", 2_000)  # the real bounds: 16 MiB and 1 MiB
    monkeypatch.setattr(tnetstring, "MAX_LEAF", 500)
    body = b"<p>" * 3_000
    flow = {**V8_FLOW, "response": {**V8_FLOW["response"], "content": body},
            "request": {**V8_FLOW["request"], "content": b"q=" + b"x" * 900}}
    path = tmp_path / "big.mitm"
    path.write_bytes(_t(V8_FLOW) + _t(flow) + _t(V8_FLOW))
    capture = open_capture(path)
    flows = list(capture)
    assert [f.status for f in flows] == [204, 204, 204]
    assert flows[1].url == flows[0].url and flows[1].server_ip == flows[0].server_ip
    assert capture.info().sha256 == __import__("hashlib").sha256(path.read_bytes()).hexdigest()
    with path.open("rb") as fh:
        values = [v for _, v in read_values(fh, 1 << 20)]
    assert values[1]["response"]["content"] == tnetstring.Omitted(len(body), text=False)
    assert values[0] == values[2] == parse(_t(V8_FLOW))
    # a header too long to keep is not silently shortened: the flow is named
    hostile = {**V8_FLOW, "request": {**V8_FLOW["request"],
                                      "headers": [[b"x-long", b"y" * 2_500]]}}
    path.write_bytes(_t(hostile))
    with pytest.raises(InputError, match="entry 0"):
        list(open_capture(path))
    # cut inside the spooled flow: one error with the byte
    path.write_bytes(_t(V8_FLOW) + _t(flow)[:2_500])
    with pytest.raises(InputError, match=r"entry 1: byte \d+: not a readable mitmproxy flow "
                                         r"file: truncated"):
        list(open_capture(path))


def test_keys_nothing_reads_are_stepped_over_but_still_framed():
    import io

    data = _t({"request": {"host": "a.example"}, "client_conn": {"address": ["::1", 1]},
               "inner": {"cert": b"-----BEGIN", "kept": 1}})
    (_, value), = read_values(io.BytesIO(data), 1 << 20, frozenset({"client_conn", "cert"}))
    assert value == {"request": {"host": "a.example"}, "inner": {"kept": 1}}
    # a skipped value that claims to run past its dictionary is still an error
    payload = _t("client_conn") + b"50:abc,"  # the dictionary's own size is right
    broken = str(len(payload)).encode() + b":" + payload + b"}"
    with pytest.raises(TnetError, match="runs past its container"):
        list(read_values(io.BytesIO(broken), 1 << 20, frozenset({"client_conn"})))
