"""scripts/web_coverage.py: knowledge-base coverage weighted by how often the web calls a domain."""

import datetime as dt
import json

import pytest
from conftest import load_module

from gdprmap.enrich.kb import KnowledgeBase

web = load_module("scripts/web_coverage.py", "web_coverage")


def observed(tmp_path, rows, name="2025-04-01-observed-domains.json"):
    path = tmp_path / name
    path.write_text(json.dumps(rows))
    return path


ROWS = [
    {"domain": "www.google-analytics.com", "totalOccurrences": "600"},  # a string, as the files
    {"domain": "cdn.unknown-vendor.example", "totalOccurrences": 300},
    {"domain": "px.unknown-vendor.example", "totalOccurrences": 50},
    {"domain": "www.googletagmanager.com", "totalOccurrences": 40},
    {"domain": "www.google-analytics.com", "totalOccurrences": 10},  # listed twice: adds up
]


def test_weighted_share_top_counts_and_misses(tmp_path):
    hosts = web.read_observed(observed(tmp_path, ROWS))
    assert hosts["www.google-analytics.com"] == 610
    kb = KnowledgeBase.load().dated(dt.date(2025, 4, 1))
    r = web.web_coverage(kb, hosts, tops=(1, 2, 5), misses=5)
    assert (r["hosts"], r["registrable_domains"], r["occurrences"]) == (4, 3, 1000)
    assert r["attributed_occurrences"] == 650
    assert r["share_occurrences"] == pytest.approx(0.65)
    # ranked by occurrences: google-analytics.com (610), unknown-vendor.example (350), gtm (40)
    assert r["top"] == {"1": {"domains": 1, "attributed": 1},
                        "2": {"domains": 2, "attributed": 1},
                        "5": {"domains": 3, "attributed": 2}}
    assert r["misses"] == [{"domain": "unknown-vendor.example", "occurrences": 350,
                            "partial": False,
                            "unknown_hosts": ["cdn.unknown-vendor.example",
                                              "px.unknown-vendor.example"]}]


def test_a_miss_the_catalogue_names_carries_the_name(tmp_path):
    # the catalogue names a company (a pointer, never the operator); an invented host has none
    from gdprmap.enrich.catalogue import default_catalogue
    kb = KnowledgeBase.load().dated(dt.date(2025, 4, 1))
    named = "pool.admedo.com"  # Admedo: in the catalogue, not in the knowledge base
    assert kb.match(named) is None and default_catalogue().lookup(named) is not None
    r = web.web_coverage(kb, {named: 9, "cdn.unknown-vendor.example": 5}, tops=(2,))
    by = {m["domain"]: m for m in r["misses"]}
    assert by["admedo.com"]["catalogue"] == default_catalogue().lookup(named).name
    assert "catalogue" not in by["unknown-vendor.example"]


def test_sightings_on_a_record_written_without_a_text_are_counted(tmp_path):
    # an entity whose note still carries the knowledge base's "Not verified" sentence: its hosts
    # count as attributed, and apart as resting on an unchecked record
    kb_file = tmp_path / "kb.toml"
    kb_file.write_text(
        '[entities.unchecked-ltd]\nname = "Unchecked Ltd"\ncountry = "GB"\n'
        'parent_established = false\nsources = ["https://unchecked-vendor.example/privacy"]\n'
        'note = "Written from memory. Not verified against a stored copy during the 2026-11-28 '
        'review."\n\n[[services]]\nid = "unchecked"\nname = "Unchecked"\n'
        'operator = "unchecked-ltd"\ncategory = "analytics"\n'
        'domains = ["unchecked-vendor.example"]\n'
        'sources = ["https://unchecked-vendor.example/privacy"]\n')
    kb = KnowledgeBase.load(overrides=(kb_file,), cache=False).dated(dt.date(2025, 4, 1))
    hosts = {"cdn.unchecked-vendor.example": 7, "www.google-analytics.com": 3, "x.nobody.example": 1}
    r = web.web_coverage(kb, hosts, tops=(1,))
    assert (r["attributed_occurrences"], r["unverified_occurrences"]) == (10, 7)


def test_a_domain_with_one_unknown_host_is_not_attributed():
    # as kb_coverage.py counts a domain: every host of it must have an operator. The knowledge
    # base knows consensu.org's host of Didomi's CMP, not the domain as a whole.
    hosts = {"didomi.mgr.consensu.org": 5, "other.consensu.org": 1}
    kb = KnowledgeBase.load().dated(dt.date(2025, 4, 1))
    assert kb.match("didomi.mgr.consensu.org") and not kb.match("other.consensu.org")
    r = web.web_coverage(kb, hosts, tops=(1,))
    assert r["top"]["1"] == {"domains": 1, "attributed": 0}
    assert r["misses"][0]["partial"] and r["misses"][0]["unknown_hosts"] == ["other.consensu.org"]


def test_operators_are_those_of_the_files_date(tmp_path, capsys):
    # bidswitch.net: BIDSWITCH GmbH until 2018-06-29, no one until BIDSWITCH Inc.'s DPA of
    # 2021-04-22, Criteo from 2025-06-30
    path = observed(tmp_path, [{"domain": "x.bidswitch.net", "totalOccurrences": 7}])
    assert web.main([str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["as_of"] == "2025-04-01" and out["attributed_occurrences"] == 7
    for as_of, attributed in (("2020-01-01", 0), ("2025-07-01", 7), ("2018-01-01", 7)):
        assert web.main([str(path), "--json", "--as-of", as_of]) == 0
        assert json.loads(capsys.readouterr().out)["attributed_occurrences"] == attributed, as_of


@pytest.mark.parametrize("content, where", [
    ("[{\"domain\": \"a.example\"", "not a readable JSON file"),
    ("{\"domain\": \"a.example\"}", "expected a JSON array"),
    ("[{\"domain\": \"a.example\", \"totalOccurrences\": 1}, {\"domain\": 3}]", "entry 1:"),
    ("[{\"domain\": \"a.example\", \"totalOccurrences\": \"many\"}]", "entry 0:"),
    ("[{\"domain\": \"a.example\", \"totalOccurrences\": -4}]", "entry 0:"),
    ("[{\"domain\": \"a.example\", \"totalOccurrences\": true}]", "entry 0:"),
])
def test_a_malformed_file_is_one_line_and_exit_2(tmp_path, capsys, content, where):
    path = tmp_path / "observed.json"
    path.write_text(content)
    assert web.main([str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and where in err


def test_us_operators_sightings_and_their_known_dpf_status(tmp_path):
    # a US operator whose DPF statement is dated after the file's day counts as unknown on that
    # day (the knowledge base counts a status from its copy's date on), and as known after it
    kb_file = tmp_path / "kb.toml"
    kb_file.write_text(
        '[entities.listed-inc]\nname = "Listed Inc."\ncountry = "US"\n'
        'parent_established = true\ndpf = "active"\ndpf_checked = 2025-06-01\n'
        'dpf_source = "https://listed-vendor.example/privacy"\n'
        'sources = ["https://listed-vendor.example/privacy"]\n\n'
        '[entities.unlisted-ltd]\nname = "Unlisted Ltd"\ncountry = "GB"\n'
        'parent_established = false\nsources = ["https://unlisted-vendor.example/privacy"]\n\n'
        '[[services]]\nid = "listed"\nname = "Listed"\noperator = "listed-inc"\n'
        'category = "analytics"\ndomains = ["listed-vendor.example"]\n'
        'sources = ["https://listed-vendor.example/privacy"]\n\n'
        '[[services]]\nid = "unlisted"\nname = "Unlisted"\noperator = "unlisted-ltd"\n'
        'category = "analytics"\ndomains = ["unlisted-vendor.example"]\n'
        'sources = ["https://unlisted-vendor.example/privacy"]\n')
    hosts = {"cdn.listed-vendor.example": 7, "cdn.unlisted-vendor.example": 3, "x.nobody.example": 1}
    base = KnowledgeBase.load(overrides=(kb_file,), cache=False)
    before = web.web_coverage(base.dated(dt.date(2025, 4, 1)), hosts, tops=(1,))
    after = web.web_coverage(base.dated(dt.date(2025, 7, 1)), hosts, tops=(1,))
    assert (before["us_occurrences"], before["us_dpf_known_occurrences"]) == (7, 0)
    assert (after["us_occurrences"], after["us_dpf_known_occurrences"]) == (7, 7)
