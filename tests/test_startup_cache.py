"""Issue #9: the parsed ontology, prepared SPARQL and merged knowledge base kept in the user's
cache folder - same results as without, invalidated by any change, harmless when damaged,
foreign, unwritable or turned off."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import pickle
import shutil

import pytest
from rdflib.compare import isomorphic

from gdprmap.enrich import kb as kbmod
from gdprmap.enrich.kb import KnowledgeBase
from gdprmap.models import Entity
from gdprmap.resources import DerivedCache, bundled_dir
from gdprmap.rules import cache as parsed
from gdprmap.rules.engine import ONTOLOGY_FILES, PREFIXES, Ruleset
from gdprmap.rules.facts import Candidate


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("GDPRMAP_CACHE_DIR", str(folder))
    monkeypatch.delenv("GDPRMAP_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def ontology(tmp_path):
    """A copy of the bundled ontology folder, to edit."""
    folder = tmp_path / "ontologies"
    shutil.copytree(bundled_dir("ontologies"), folder)
    return folder


def entries(folder, kind):
    return sorted((folder / "derived").glob(f"{kind}-*"))


def no_parsing(monkeypatch):
    """Make any Turtle parse or SPARQL preparation fail: what runs must come from the cache."""
    import rdflib.plugins.sparql as sparql
    from rdflib import Graph

    def refuse(*args, **kwargs):
        raise AssertionError("parsed although the cache holds it")

    monkeypatch.setattr(Graph, "parse", refuse)
    monkeypatch.setattr(sparql, "prepareQuery", refuse)


def outcome(ruleset, doctrine="exposure-is-risk"):
    us = Entity(id="e", name="E", country="US", parent="p", dpf="active", fisa702="in-scope")
    parent = Entity(id="p", name="P", country="US")
    cands = [Candidate("c1", "r1", "US", (us, parent), True, "test", "analytics"),
             Candidate("c2", "r2", None, (), True, "test")]
    evaluation = ruleset.evaluate(cands, {"r1": {"https://w3id.org/dpv/pd#Health"}, "r2": set()},
                                  dt.date(2022, 12, 5), doctrine=doctrine)
    return sorted((m.rule.id, m.subject, sorted((k, str(v)) for k, v in m.bindings.items()))
                  for m in evaluation.matches), evaluation.derived


# --- the ontology and the prepared queries ----------------------------------------------------


def test_cached_ruleset_equals_a_fresh_one(cache_dir, ontology, monkeypatch):
    fresh = Ruleset(ontology, cache=False)
    assert not (cache_dir / "derived").exists()
    first = Ruleset(ontology)  # parses, writes the entry
    assert len(entries(cache_dir, "ontology")) == 1
    with monkeypatch.context() as m:
        no_parsing(m)
        cached = Ruleset(ontology)
    assert isomorphic(cached.graph, fresh.graph)  # blank node ids differ between parses
    assert dict(cached.graph.namespaces()) == dict(fresh.graph.namespaces())
    assert cached.sha256 == fresh.sha256 == first.sha256
    assert [(r.id, r.query_text) for r in cached.rules] == [(r.id, r.query_text)
                                                             for r in fresh.rules]
    for doctrine in ("exposure-is-risk", "exposure-is-transfer"):
        assert outcome(cached, doctrine) == outcome(fresh, doctrine)
        assert outcome(cached, doctrine)[0]


def test_an_edited_ontology_file_is_a_new_entry(cache_dir, ontology):
    Ruleset(ontology)
    [old] = entries(cache_dir, "ontology")
    with (ontology / "law.ttl").open("a", encoding="utf-8") as fh:
        fh.write('\ngml:TestOnly <http://www.w3.org/2000/01/rdf-schema#label> "edited" .\n')
    edited = Ruleset(ontology)
    assert any(str(o) == "edited" for o in edited.graph.objects())
    [new] = entries(cache_dir, "ontology")
    assert new != old  # the old entry is removed, not left to pile up


def test_an_edited_query_is_prepared_afresh(cache_dir, ontology, monkeypatch):
    Ruleset(ontology)
    query = ontology / "rules" / "GM-UNK-01.rq"
    query.write_text(query.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    ruleset = Ruleset(ontology)
    rule = next(r for r in ruleset.rules if r.id == "GM-UNK-01")
    assert rule.query_text.endswith("# edited\n")
    with monkeypatch.context() as m:  # ... and the entry now holds the edited text
        no_parsing(m)
        again = Ruleset(ontology)
    assert next(r for r in again.rules if r.id == "GM-UNK-01").query_text == rule.query_text


@pytest.mark.parametrize("damage", [b"", b"not a pickle", "truncated", "wrong-shape"])
def test_a_damaged_entry_is_rebuilt(cache_dir, ontology, damage):
    Ruleset(ontology)
    [entry] = entries(cache_dir, "ontology")
    if damage == "truncated":
        damage = entry.read_bytes()[:1000]
    elif damage == "wrong-shape":
        damage = pickle.dumps(("gdprmap-ontology-cache-1", "not a graph", {}))
    entry.write_bytes(damage)
    ruleset = Ruleset(ontology)
    assert len(ruleset.rules) == len(Ruleset(ontology, cache=False).rules)
    sources = {name: (ontology / name).read_bytes() for name in ONTOLOGY_FILES}
    assert parsed.load(parsed.cache_for(sources, PREFIXES)) is not None  # rewritten


class _Opens:
    """Unpickled, would create ``path`` (as any pickle can run code)."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_foreign_pickle_is_not_run(cache_dir, ontology, tmp_path):
    Ruleset(ontology)
    [entry] = entries(cache_dir, "ontology")
    marker = tmp_path / "ran"
    entry.write_bytes(pickle.dumps(("gdprmap-ontology-cache-1", _Opens(marker), {})))
    assert len(Ruleset(ontology).rules) > 10
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError, match="not allowed"):
        parsed._Unpickler(io.BytesIO(pickle.dumps(_Opens(marker)))).load()
    assert not marker.exists()


def test_an_unwritable_cache_folder_changes_nothing(tmp_path, monkeypatch, ontology):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("GDPRMAP_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    assert Ruleset(ontology).sha256 == Ruleset(ontology, cache=False).sha256
    assert KnowledgeBase.load().data == KnowledgeBase.load(cache=False).data


def test_turned_off_by_environment(cache_dir, ontology, monkeypatch):
    monkeypatch.setenv("GDPRMAP_NO_CACHE", "1")
    Ruleset(ontology)
    KnowledgeBase.load()
    assert not (cache_dir / "derived").exists()


def test_entries_are_private_files(cache_dir, ontology):
    Ruleset(ontology)
    [entry] = entries(cache_dir, "ontology")
    assert entry.stat().st_mode & 0o077 == 0
    assert (cache_dir / "derived").stat().st_mode & 0o077 == 0


def test_another_users_entry_is_not_read(cache_dir, monkeypatch):
    entry = DerivedCache("probe", "k")
    assert entry.write(b"data") and entry.read() == b"data"
    monkeypatch.setattr(os, "getuid", lambda: os.stat(entry.path).st_uid + 1)
    assert entry.read() is None


# --- the knowledge base -----------------------------------------------------------------------


def test_cached_kb_equals_the_files(cache_dir, monkeypatch):
    fresh = KnowledgeBase.load(cache=False)
    KnowledgeBase.load()
    assert len(entries(cache_dir, "kb")) == 1
    with monkeypatch.context() as m:
        m.setattr(kbmod, "_parse_toml", lambda *a: pytest.fail("parsed although cached"))
        cached = KnowledgeBase.load()
    assert cached.data == fresh.data
    assert (cached.sha256, cached.sources) == (fresh.sha256, fresh.sources)
    assert any(isinstance(e.dpf_checked, dt.date) for e in cached.data.entities.values())


def test_kb_override_still_applies_over_the_cached_files(cache_dir, tmp_path):
    KnowledgeBase.load()
    override = tmp_path / "mine.toml"
    override.write_text('[entities.acme]\nname = "ACME SAS"\ncountry = "FR"\n'
                        'parent_established = false\nsources = ["https://acme.example"]\n'
                        '[[services]]\nid = "acme"\n'
                        'name = "ACME"\noperator = "acme"\ncategory = "cdn"\n'
                        'domains = ["cloudflareinsights.com"]\nsources = ["https://acme.example"]\n')
    kb = KnowledgeBase.load((override,))
    assert kb.match("cloudflareinsights.com").service.id == "acme"
    assert KnowledgeBase.load().match("cloudflareinsights.com").service.id != "acme"


def test_an_edited_kb_file_is_a_new_entry(cache_dir, tmp_path, monkeypatch):
    shutil.copytree(kbmod.data_path("organisations"), tmp_path / "organisations")
    shutil.copy(kbmod.data_path("organisations.toml"), tmp_path / "organisations.toml")
    monkeypatch.setattr(kbmod, "data_path", lambda name: tmp_path / name)
    KnowledgeBase.load()
    [old] = entries(cache_dir, "kb")
    with (tmp_path / "organisations.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[entities.test-only]\nname = "Edited"\ncountry = "FR"\n'
                 'parent_established = false\nsources = ["s"]\n')
    assert KnowledgeBase.load().data.entities["test-only"].name == "Edited"
    assert entries(cache_dir, "kb") != [old]


def test_a_process_loads_the_same_kb_once(cache_dir, tmp_path):
    """Batch and the report's data status load the knowledge base again: the same entry bytes
    and overrides give the same object, without parsing or validating again; a changed
    override or entry does not."""
    KnowledgeBase.load()  # writes the entry
    first = KnowledgeBase.load()
    assert KnowledgeBase.load() is first
    override = tmp_path / "mine.toml"
    override.write_text('[meta]\nchecked = 2026-01-01\n')
    mine = KnowledgeBase.load((override,))
    assert mine is not first and mine.checked == "2026-01-01"
    override.write_text('[meta]\nchecked = 2026-02-02\n')
    assert KnowledgeBase.load((override,)).checked == "2026-02-02"
    [entry] = entries(cache_dir, "kb")
    entry.write_bytes(entry.read_bytes() + b" ")  # other bytes, same data: loaded anew
    again = KnowledgeBase.load()
    assert again is not first and again.data == first.data
    assert KnowledgeBase.load(cache=False) is not again


@pytest.mark.parametrize("damage", ["garbage", "invalid-data"])
def test_a_damaged_kb_entry_is_rebuilt(cache_dir, damage):
    fresh = KnowledgeBase.load(cache=False)
    KnowledgeBase.load()
    [entry] = entries(cache_dir, "kb")
    if damage == "garbage":
        entry.write_bytes(b"\x00{not json")
    else:  # well-formed JSON the models reject: read again from the files, entry rewritten
        value = json.loads(entry.read_text(encoding="utf-8"))
        first = next(iter(value["merged"]["entities"]))
        value["merged"]["entities"][first]["country"] = "Narnia"
        entry.write_text(json.dumps(value), encoding="utf-8")
    assert KnowledgeBase.load().data == fresh.data
    [entry] = entries(cache_dir, "kb")
    assert "Narnia" not in json.dumps(json.loads(entry.read_text(encoding="utf-8")))


def test_toml_dates_survive_the_json_entry():
    value = {"d": dt.date(2024, 1, 2), "t": dt.time(3, 4), "dt": dt.datetime(2024, 1, 2, 3, 4),
             "nested": [{"d": dt.date(2025, 5, 6)}]}
    text = json.dumps(value, default=kbmod._tag)
    assert json.loads(text, object_hook=kbmod._untag) == value
