"""Registrable domains: the Public Suffix List matched without importing tldextract (issue #9)
gives tldextract's answers, for every rule of the list."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gdprmap.enrich import domains
from gdprmap.enrich.domains import registrable_domain


@pytest.fixture(scope="module")
def extractor():
    return domains._extractor()  # tldextract itself, on the same snapshot


def test_the_snapshot_is_found_without_tldextract():
    assert domains.snapshot_path() is not None, "tldextract moved its PSL snapshot"
    code = ("import sys; from gdprmap.enrich.domains import registrable_domain as r; "
            "assert r('a.b.example.co.uk') == 'example.co.uk'; "
            "assert 'tldextract' not in sys.modules and 'requests' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def _hosts() -> list[str]:
    import idna

    text = domains.snapshot_path().read_text(encoding="utf-8")
    hosts = {"a.b.example.co.uk", "www.city.kawasaki.jp", "x.www.ck", "www.ck", "nope.ck",
             "a\u3002b\u3002co.uk", "example.com\u3002", "a..b.com", "1.2.3.4.com", "a.b.c.d",
             "xn--bcher-kva.xn--p1ai", "x.xn--zzzz", "Mixed.EXAMPLE.com", "local.host.name"}
    for m in domains._RULE.finditer(text):  # public and private sections alike
        rule = m.group("suffix").lstrip("!").replace("*", "wild")
        hosts |= {rule, "a." + rule, "b.a." + rule, ".".join(rule.split(".")[1:]) or rule}
        try:
            hosts.add("q." + idna.encode(rule).decode())
        except idna.IDNAError:
            pass
    return sorted(hosts)


def test_same_split_as_tldextract_for_every_rule(extractor):
    differences = []
    for host in _hosts():
        host = host.lower()
        ext = extractor(host)
        want = (ext.domain, ext.suffix) if ext.suffix else ("", "")
        if domains._split(host) != want:
            differences.append((host, domains._split(host), want))
    assert differences == []


@pytest.mark.parametrize(("host", "domain"), [
    ("a.b.example.co.uk", "example.co.uk"), ("www.google-analytics.com", "google-analytics.com"),
    ("cdn.example", "cdn.example"),
    ("8.8.8.8", "8.8.8.8"), ("[2001:db8::1]", "[2001:db8::1]"), ("localhost", "localhost"),
    ("sub.unknown-tld-zz", "sub.unknown-tld-zz"), ("x.github.io", "github.io"),
])
def test_registrable_domain(host, domain):
    assert registrable_domain(host) == domain
