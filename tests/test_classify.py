"""Data-category detectors: each claim carries the field that proves it."""

import datetime as dt

import pytest

from gdprmap import redact, vocab
from gdprmap.classify import classify
from gdprmap.classify.lexicon import Lexicon
from gdprmap.models import Flow


def flow(url, *, referrer=None, headers=(), cookies=(), body=None):
    hs = [redact.header(n, v) for n, v in headers]
    if referrer:
        hs.append(redact.header("Referer", referrer))
    params, text = redact.body_params("application/json", body) if body else ((), None)
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    return Flow(input="t.har", entry=7, started=dt.datetime(2022, 12, 5, tzinfo=dt.UTC),
                method="POST" if body else "GET", url=redact.url(url), scheme=parts.scheme,
                host=parts.hostname, referrer=redact.url(referrer) if referrer else None,
                headers=tuple(hs), cookies=tuple(cookies), query=redact.query_params(parts.query),
                body=params, body_text=text)


def cats(items):
    return {i.category for i in items}


def test_every_request_discloses_the_ip_address():
    items = classify(flow("https://cdn.example/lib.js"))
    assert cats(items) == {vocab.IP_ADDRESS.iri}
    assert items[0].evidence.input == "t.har" and items[0].evidence.entry == 7


def test_hostless_urls_disclose_nothing():
    f = flow("https://x.example/").model_copy(update={"host": None, "url": "data:image/png,AA"})
    assert classify(f) == []


def test_identifiers_referrer_user_agent_and_page_url():
    items = classify(flow(
        "https://t.example/collect?cid=123&dl=https%3A%2F%2Fsite.example%2Fpage",
        referrer="https://site.example/page", cookies=("_ga",),
        headers=[("User-Agent", "Mozilla/5.0")]))
    found = cats(items)
    assert {vocab.IDENTIFIER.iri, vocab.REFERRAL.iri, vocab.USER_AGENT.iri,
            vocab.BROWSING.iri} <= found
    fields = {i.evidence.field for i in items}
    assert "request.cookies[_ga]" in fields and "request.queryString[cid]" in fields
    assert "request.headers[Referer]" in fields and "request.queryString[dl]" in fields


def test_health_terms_in_path_referrer_and_body():
    items = classify(flow(
        "https://res.cloudinary.com/x/image/upload/specialties/chirurgie-viscerale-oncologie.jpg",
        referrer="https://site.example/cardiologue/paris",
        body='{"event":"click","text":"Consultation de suivi oncologique"}'))
    health = [i for i in items if i.category == vocab.HEALTH.iri]
    assert {i.term for i in health} == {"chirurgie viscerale", "oncologie", "cardiologue",
                                         "consultation de suivi", "oncologique"}
    assert {i.evidence.field for i in health} == {
        "request.url (path)", "request.headers[Referer]", "request.postData:text"}


@pytest.mark.parametrize("text", [
    "https://astro.example/horoscope/cancer/2022",      # zodiac sign, not a disease
    "https://blog.example/dr-who-review",                # "Dr." without a health term
    "https://news.example/world/economy",                # "orl" inside "world"
    "https://shop.example/surgery-simulator-game",       # "surgery" alone is left out
])
def test_no_health_without_a_health_term(text):
    assert Lexicon.health().find(text) == []


def test_accents_and_case_are_folded():
    assert Lexicon.health().find("Chirurgie Viscérale & GYNÉCOLOGUE") == [
        "chirurgie viscerale", "gynecologue"]


def test_special_categories_are_the_art9_ones():
    assert {c.iri.rsplit("#", 1)[1] for c in vocab.CATEGORIES.values() if c.special} == {
        "Health", "Religion", "Sexual", "PoliticalOpinion", "TradeUnionMembership"}
