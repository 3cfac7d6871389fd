"""Issue 19: the per-request fast paths give what the slow paths they skip would give.

Each fast path (a URL split by one regex, canonical IPv4 without ``ipaddress``, text that
``quote`` leaves alone, the scheme-and-host cut) is compared with the standard library call
or the former code on generated strings rich in the characters that matter, so a fast path
that drifts from its reference fails here, not in a report.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import quote, scheme_chars, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from gdprmap.importers.base import _canonical_ip, ip_or_none
from gdprmap.redact import (
    _QUOTE_SAFE_NAME, _QUOTE_SAFE_VALUE, after_host, digest, personal_kind, split_url, value_kind,
)

URL_CHARS = "aZ09:/?#[]@%.-+_~ \t\r\n\x00\x7fé。／"
PREFIXES = ("", "http://", "https://", "HTTP://", "h://a", "https://host.example/",
            "https://[::1]:8080/", "//a/b", "x:/y", "1a://b")


def _split(f, url: str):  # type: ignore[no-untyped-def]
    try:
        parts = f(url)
        return tuple(parts), parts.hostname, parts.port
    except ValueError as e:
        return type(e).__name__


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(PREFIXES), st.text(URL_CHARS, max_size=30))
def test_split_url_is_urlsplit(prefix: str, rest: str) -> None:
    url = prefix + rest
    urlsplit.cache_clear()  # type: ignore[attr-defined]
    assert _split(split_url, url) == _split(urlsplit, url)


def _after_host_reference(url: str) -> str | None:
    """The definition before issue 19."""
    start = url.find(":")
    if (start <= 0 or url[start + 1:start + 3] != "//" or not url[0].isascii()
            or not url[0].isalpha() or url[:start].strip(scheme_chars)):
        return None
    rest = url[start + 3:]
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0),
              default=len(rest))
    return rest[cut:]


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(PREFIXES), st.text(URL_CHARS, max_size=30))
def test_after_host_is_the_former_definition(prefix: str, rest: str) -> None:
    assert after_host(prefix + rest) == _after_host_reference(prefix + rest)


OCTETS = st.one_of(st.integers(0, 255).map(str), st.integers(0, 999).map(str),
                   st.integers(0, 99).map(lambda n: f"0{n}"), st.sampled_from(["", "x", " 1"]))


@settings(max_examples=1000, deadline=None)
@given(st.lists(OCTETS, min_size=3, max_size=5))
def test_canonical_ipv4_fast_path_is_ipaddress(octets: list[str]) -> None:
    text = ".".join(octets)
    assert ip_or_none(text) == _canonical_ip(text)
    try:
        expected = str(ipaddress.ip_address(text.strip()))
    except ValueError:
        expected = None
    assert ip_or_none(text) == expected


def test_quote_fast_path_characters_are_the_ones_quote_keeps() -> None:
    for code in range(0x300):
        c = chr(code)
        assert (_QUOTE_SAFE_NAME.fullmatch(c) is not None) == (quote(c, safe="[]._-") == c)
        assert (_QUOTE_SAFE_VALUE.fullmatch(c) is not None) == (quote(c, safe="/:,._-~") == c)


def test_name_patterns_memoised_per_name_give_the_same_kinds() -> None:
    # one name, many values, and the same value under several names: the per-name memo must
    # not carry one pair's answer to another
    assert value_kind("cid", "123.456") == "identifier"
    assert value_kind("q", "123.456") is None
    assert personal_kind("client_ip", "10.1.2.0") == "truncated-ip"
    assert personal_kind("client_ip", "10.1.2.3") == "ip"
    assert personal_kind("q", "10.1.2.3") is None
    assert personal_kind("zip", "75011") == "postcode" and value_kind("zip_code", "75011")
    assert personal_kind("x", "48.8566, 2.3522") == "location"
    assert value_kind("x", "+33 6 12 34 56 78") == "phone"
    assert value_kind("x", "a@b.example") == "email"
    assert value_kind("token", "abc") == "secret"


def test_digest_is_keyed_stable_and_short() -> None:
    assert digest("a") == digest("a") != digest("b")
    assert len(digest("a")) == 16 and int(digest("a"), 16) >= 0
    assert digest("\udc80") == digest("\udc80")  # a lone surrogate from JSON escapes


def test_a_json_report_builds_no_graph(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The flow graph (networkx) is built on first use: a JSON report never imports networkx,
    and the graph is there, the same, when asked for (issue 19)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    capture = root / "examples" / "health-booking" / "capture.har"
    code = ("import sys\nfrom gdprmap.cli import main\n"
            f"try:\n    main(['report', {str(capture)!r}, '-o', {str(tmp_path / 'r.json')!r}])\n"
            "except SystemExit:\n    pass\n"
            "print('NETWORKX', 'networkx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": str(root / "src"), "PATH": "",
                                          "GDPRMAP_CACHE_DIR": str(tmp_path / "cache")}).stdout
    assert "NETWORKX False" in out, out
    assert (tmp_path / "r.json").stat().st_size > 1000

    import gdprmap

    assessment = gdprmap.analyze(capture)
    graph = assessment.graph
    assert assessment.graph is graph  # built once
    assert graph.nx.number_of_nodes() > 10
