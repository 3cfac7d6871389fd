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


# -- the seventh round's checks (issue 19): scrub_text's gates, per-netloc host and port ------

def _scrub_reference(text: str, tokens: bool = True) -> str:
    """``redact.scrub_text`` as it was before its passes were gated (issue 19)."""
    from gdprmap import redact as r

    text = r.clamp(text, r.MAX_SCRUB)
    if "eyJ" in text:
        text = r._JWT.sub(r.REDACTED, text)
    text = r._BEARER.sub(lambda m: f"{m.group(1)} {r.REDACTED}", text)
    if ("=" in text or ":" in text) and r._SECRET_PAIR_WORD.search(text):
        text = r._secret_pairs(text)
    if "_" in text or "-" in text or "AKIA" in text or "AIza" in text:
        text = r._KEY_PREFIX.sub(r.REDACTED, text)
    if "@" in text:
        text = r._EMAIL.sub(r.REDACTED, text)
    if r._DIGIT_RUN.search(text):
        text = r._PHONE_IN_TEXT.sub(r.REDACTED, text)
        if "." in text:
            text = r._IPV4_IN_TEXT.sub(r.REDACTED, text)
        text = r._CARD_IN_TEXT.sub(r._card, text)
    if "-" in text and len(text) >= 36:
        text = r._UUID.sub(r.REDACTED, text)
    if tokens and len(text) >= 24 and r._TOKEN_RUN.search(text):
        text = r._LONG_TOKEN.sub(r.REDACTED, text)
    return text


SCRUB_CHARS = "0123456789 .-+()/:=@_xoAKIzaeyJ\u017f\u212aé\t"
SCRUB_PIECES = ("Bearer ", "basic ", "TOKEN ", "Ba\u017fic ", "to\u212aen ", "xoxb-", "AKIA",
                "AIza", "sk_live_", "ghp_", "+33 6 12 34 56 78", "06 12 34 56 78", "0033",
                "4111 1111 1111 1111", "4111-1111-1111-1112", "192.168.1.20", "1.2.3",
                "a@b.example", "eyJhbGciOi.eyJzdWIi.sig", "api_key=abc", "session: x",
                "123e4567-e89b-12d3-a456-426614174000", "A1b2C3d4E5f6G7h8I9j0K1l2")


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(SCRUB_PIECES), st.text(SCRUB_CHARS, max_size=12)),
                max_size=8), st.booleans())
def test_scrub_text_gates_give_the_former_result(pieces: list[str], tokens: bool) -> None:
    from gdprmap.redact import scrub_text

    text = "".join(pieces)
    assert scrub_text(text, tokens) == _scrub_reference(text, tokens)


NETLOC_CHARS = "aZ09:@[].%-_ é"


@settings(max_examples=1000, deadline=None)
@given(st.text(NETLOC_CHARS, max_size=25))
def test_host_and_port_per_netloc_is_split_result(netloc: str) -> None:
    from urllib.parse import SplitResult

    from gdprmap.importers.har import _host_and_port

    def reference() -> object:
        try:
            parts = SplitResult("https", netloc, "/p", "q=1", "")
            return parts.hostname, parts.port
        except ValueError as e:
            return str(e)

    try:
        found: object = _host_and_port(netloc)
    except ValueError as e:
        found = str(e)
    assert found == reference()


def _scan_reference(lexicon, text: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """``Lexicon._scan``'s phrase walk as it was before it visited only candidate words (the
    rules applied to its hits are the module's own, unchanged)."""
    from gdprmap.classify.lexicon import _kept, normalise

    words = normalise(text)
    hits = []
    i, n = 0, len(words)
    while i < n:
        options = lexicon._by_first.get(words[i])
        if options:
            for phrase, group in options:
                k = len(phrase)
                if k == 1 or tuple(words[i:i + k]) == phrase:
                    hits.extend(group)
                    i += k - 1
                    break
        i += 1
    return _kept(hits)


def test_lexicon_scan_of_candidate_words_is_the_former_walk() -> None:
    import random

    from gdprmap.classify.lexicon import Lexicon

    lexicon = Lexicon.special()
    words = sorted({w for options in lexicon._by_first.values() for phrase, _ in options
                    for w in phrase})
    rnd = random.Random(19)
    for _ in range(5000):
        text = " ".join(rnd.choice(words + ["x", "the", "19", "covid"])
                        for _ in range(rnd.randint(1, 12)))
        assert lexicon._scan(text) == _scan_reference(lexicon, text), text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([None, "", "page-a", "page-b"]),
                          st.sampled_from([None, "", "cancer", "oncology"]), st.booleans()),
                max_size=12))
def test_host_stats_skips_category_add_only_when_it_would_only_count(  # type: ignore[no-untyped-def]
        items) -> None:
    """``HostStats.add`` calls ``CategoryStats.add`` only when the item has a context or term
    or the category has room for a new flow's proof; otherwise it only counts the flow. That
    guard repeats ``CategoryStats.add``'s branches: here, whenever the guard is false, ``add``
    changes nothing but the count."""
    import copy
    from types import SimpleNamespace

    from gdprmap.graph import EVIDENCE_PER_CATEGORY, CategoryStats

    stats = CategoryStats()
    for i, (context, term, new_flow) in enumerate(items):
        item = SimpleNamespace(context=context, term=term, evidence=f"proof {i}")
        guard = bool(item.context or item.term or new_flow and len(
            stats.evidence) < EVIDENCE_PER_CATEGORY)
        before = copy.deepcopy(stats)
        stats.add(item, new_flow)  # type: ignore[arg-type]
        if not guard:
            assert (stats.terms, stats.evidence, stats.contexts) == (
                before.terms, before.evidence, before.contexts)
            assert stats.flows == before.flows + new_flow
