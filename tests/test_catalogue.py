"""Issue 15: the public third-party catalogue names hosts the knowledge base does not know, as an
informational fact - never an organisation, never a verdict."""

from __future__ import annotations

import io
import json
import runpy
import tarfile
from pathlib import Path

import pytest

from conftest import entry, har
from gdprmap import analyze
from gdprmap.enrich import network
from gdprmap.enrich.catalogue import Catalogue
from gdprmap.enrich.network import RULE_CATALOGUE, enricher_for
from gdprmap.models import Verdict

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "src" / "gdprmap" / "data" / "third-party-web.json"
SCRIPT = ROOT / "scripts" / "build_catalogue.py"

ENTITIES = [
    {"name": "Acme Pixel", "company": "Acme Holdings", "category": "ad",
     "homepage": "https://acme.test/", "domains": ["*.acme-pixel.test", "cdn.acme-static.test"],
     "totalOccurrences": 10, "examples": ["x.acme-pixel.test"]},
    {"name": "Widgetly", "category": "utility", "domains": ["*.widgetly.test"]},
]


def _tarball(folder: Path, entities: list[dict]) -> Path:
    data = json.dumps(entities).encode()
    tgz = folder / "third-party-web-0.30.0.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        info = tarfile.TarInfo("package/dist/entities.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return tgz


@pytest.fixture
def small(tmp_path) -> Catalogue:
    build = runpy.run_path(str(SCRIPT))["build"]
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(build(_tarball(tmp_path, ENTITIES))), encoding="utf-8")
    return Catalogue.load(path)


def test_build_keeps_names_company_category_and_patterns(small):
    acme = small.lookup("x.acme-pixel.test")
    assert (acme.name, acme.company, acme.category, acme.homepage) == (
        "Acme Pixel", "Acme Holdings", "ad", "https://acme.test/")
    assert small.lookup("widgetly.test").company is None  # no company other than the name
    assert small.label == "third-party-web 0.30.0" and small.published.isoformat() == "2026-09-14"


def test_build_refuses_a_pattern_claimed_twice(tmp_path):
    build = runpy.run_path(str(SCRIPT))["build"]
    twice = [*ENTITIES, {"name": "Other", "category": "ad", "domains": ["*.widgetly.test"]}]
    with pytest.raises(SystemExit, match="claimed twice"):
        build(_tarball(tmp_path, twice))


def test_lookup_follows_the_catalogues_rule(small):
    # "*.d" covers d and every subdomain; a plain pattern is that host only
    assert small.lookup("acme-pixel.test").name == "Acme Pixel"
    assert small.lookup("a.b.acme-pixel.test").name == "Acme Pixel"
    assert small.lookup("CDN.Acme-Static.test.").name == "Acme Pixel"
    assert small.lookup("img.acme-static.test") is None
    assert small.lookup("acme-static.test") is None
    assert small.lookup("notacme-pixel.test") is None  # a suffix is a label boundary
    assert small.lookup("test") is None


def test_bundled_catalogue_is_the_documented_release():
    raw = json.loads(BUNDLED.read_text("utf-8"))
    assert raw["source"]["license"] == "MIT" and raw["source"]["version"] == "0.30.0"
    assert len(raw["entries"]) > 2000 and len(raw["hosts"]) > 3000
    assert all(0 <= i < len(raw["entries"]) for i in raw["hosts"].values())
    # the repository's NOTICE names it (MIT asks for the copyright notice)
    notice = (ROOT / "NOTICE").read_text("utf-8")
    assert "third-party-web" in notice and "Patrick Hulce" in notice


def _capture(write_har, *hosts: str) -> Path:
    entries = [entry("https://www.site-under-test.fr/", headers=[("Host", "www.site-under-test.fr")])]
    entries += [entry(f"https://{h}/p.gif?uid=1234567890", ip="203.0.113.9",
                      headers=[("Referer", "https://www.site-under-test.fr/")]) for h in hosts]
    return write_har(har(entries, pages=[{"id": "page_1", "title": "https://www.site-under-test.fr/",
                                           "startedDateTime": "2022-12-05T10:00:00.000+01:00"}]))


def test_unknown_recipient_gets_the_catalogue_name_as_a_fact_not_an_organisation(
        write_har, small, monkeypatch):
    monkeypatch.setattr(network, "default_catalogue", lambda: small)
    a = analyze(_capture(write_har, "x.acme-pixel.test", "y.acme-pixel.test", "nobody.example"))
    acme = next(r for r in a.recipients if r.id == "domain:acme-pixel.test")
    assert acme.organisation is None and acme.verdict == Verdict.UNKNOWN
    fact = next(f for f in acme.facts if f.source == "third-party-web 0.30.0")
    assert fact.subject == "acme-pixel.test"
    assert "“Acme Pixel” (company: Acme Holdings)" in fact.value
    assert "x.acme-pixel.test, y.acme-pixel.test" in fact.value
    assert fact.reference == "https://acme.test/" and "not a legal source" in fact.note
    finding = next(f for f in acme.findings if f.rule == RULE_CATALOGUE)
    assert finding.verdict is None and "changes no verdict" in finding.explanation
    other = next(r for r in a.recipients if r.id == "domain:nobody.example")
    assert not any(f.rule == RULE_CATALOGUE for f in other.findings)


def test_a_known_recipient_is_not_named_again(write_har, tmp_path, monkeypatch):
    # a catalogue that (wrongly) lists Google Analytics' host under another name changes nothing
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"source": {"package": "c", "version": "1", "url": "u"},
                                 "entries": [["Someone Else", None, "ad", None]],
                                 "hosts": {"*.google-analytics.com": 0}}), encoding="utf-8")
    monkeypatch.setattr(network, "default_catalogue", lambda: Catalogue.load(wrong))
    a = analyze(_capture(write_har, "www.google-analytics.com"))
    ga = next(r for r in a.recipients if "www.google-analytics.com" in r.hosts)
    assert ga.organisation is not None
    assert not any("Someone Else" in f.value for f in ga.facts)
    assert not any(f.rule == RULE_CATALOGUE for f in ga.findings)


def test_catalogue_text_follows_the_report_language(write_har, small, monkeypatch):
    monkeypatch.setattr(network, "default_catalogue", lambda: small)
    a = analyze(_capture(write_har, "x.acme-pixel.test"), lang="fr")
    acme = next(r for r in a.recipients if r.id == "domain:acme-pixel.test")
    assert any("catalogue public de tiers" in f.value for f in acme.facts)
    assert any(f.rule == RULE_CATALOGUE and "aucun verdict" in f.explanation
               for f in acme.findings)


def test_enricher_is_registered_by_id(small):
    assert enricher_for("catalogue", small).catalogue is small
