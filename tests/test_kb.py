"""The organisation knowledge base: valid, sourced, and overridable without forking."""

import pytest

from gdprmap.enrich.kb import KnowledgeBase
from gdprmap.errors import KnowledgeBaseError


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load()


def test_bundled_kb_is_large_enough_and_sourced(kb):
    tops = {kb.chain(e)[-1].id for e in kb.data.entities}
    assert len(tops) >= 60
    for eid, ent in kb.data.entities.items():
        assert ent.sources, eid
        if ent.dpf != "unknown":
            assert ent.dpf_checked and ent.dpf_source, eid
    for svc in kb.data.services:
        assert svc.sources, svc.id


@pytest.mark.parametrize(("host", "entity", "country"), [
    ("o450123.ingest.sentry.io", "functional-software-inc", "US"),
    ("res.cloudinary.com", "cloudinary-ltd", "IL"),
    ("cdnjs.cloudflare.com", "cloudflare-inc", "US"),
    ("fonts.gstatic.com", "google-llc", "US"),
    ("www.google-analytics.com", "google-ireland", "IE"),
    ("logs1412.xiti.com", "at-internet", "FR"),
])
def test_attribution(kb, host, entity, country):
    match = kb.match(host)
    assert match.chain[0].id == entity and match.chain[0].country == country


def test_region_in_host_name(kb):
    eu = kb.match("bucket.s3.eu-west-3.amazonaws.com")
    assert [d.country for d in eu.destinations] == ["FR"]
    legacy = kb.match("bucket.s3.amazonaws.com")
    assert [d.country for d in legacy.destinations] == ["US"]
    api = kb.match("k7x2pq9d1f.execute-api.us-east-1.amazonaws.com")
    assert [d.country for d in api.destinations] == ["US"]


def test_unknown_host(kb):
    assert kb.match("tracker.unknown-vendor.example") is None


def test_parent_chain(kb):
    chain = kb.chain("google-ireland")
    assert [e.country for e in chain][0] == "IE" and chain[-1].country == "US"


def test_override_replaces_and_adds(tmp_path):
    override = tmp_path / "mine.toml"
    override.write_text('''
[entities.acme]
name = "ACME Analytics SAS"
country = "FR"
sources = ["https://acme.example/legal"]

[[services]]
id = "acme"
name = "ACME"
operator = "acme"
category = "analytics"
domains = ["acme-stats.example", "cloudflareinsights.com"]
sources = ["https://acme.example/legal"]
''')
    kb = KnowledgeBase.load((override,))
    assert kb.match("t.acme-stats.example").chain[0].name == "ACME Analytics SAS"
    assert kb.match("cloudflareinsights.com").service.id == "acme"  # user's word wins
    assert kb.sha256 != KnowledgeBase.load().sha256


@pytest.mark.parametrize(("text", "message"), [
    ("[entities.x]\nname='X'\ncountry='France'\nsources=['s']\n", "entities.x.country"),
    ("[entities.x]\nname='X'\ncountry='FR'\nparent='nobody'\nsources=['s']\n", "unknown parent"),
    ("[entities.x]\nname='X'\ncountry='US'\ndpf='active'\nsources=['s']\n", "dpf_checked"),
    ("this is = = not toml", "not valid TOML"),
    ("[entities.a]\nname='A'\ncountry='FR'\nparent='b'\nsources=['s']\n"
     "[entities.b]\nname='B'\ncountry='FR'\nparent='a'\nsources=['s']\n", "cycle"),
])
def test_invalid_override(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(KnowledgeBaseError, match=message):
        KnowledgeBase.load((path,))
