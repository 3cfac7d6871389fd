"""The bundled knowledge base is large, consistent and sourced (organisations.toml + organisations/*.toml)."""

import shutil
from collections import Counter

import pytest
from conftest import load_module

from gdprmap.enrich import kb as kbmod
from gdprmap.enrich.domains import registrable_domain
from gdprmap.enrich.kb import KnowledgeBase, bundled_paths
from gdprmap.errors import KnowledgeBaseError

CATEGORIES = {"cdn", "cloud", "analytics", "advertising", "tag-manager", "consent",
              "error-monitoring", "session-replay", "ab-testing", "image-host", "video", "fonts",
              "maps", "chat", "payments", "social", "health-booking", "other"}


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load()


def test_at_least_400_organisations(kb):
    tops = {kb.chain(e)[-1].id for e in kb.data.entities}
    assert len(tops) >= 400


def test_at_least_1500_registrable_domains(kb):
    domains = {registrable_domain(d) for s in kb.data.services for d in s.domains}
    assert len(domains) >= 1500


def test_no_host_suffix_claimed_twice(kb):
    # only operators of different periods may share a suffix (their periods never overlap:
    # the loader refuses that)
    counts = Counter(d for s in kb.data.services if not (s.since or s.until) for d in s.domains)
    assert [d for d, n in counts.items() if n > 1] == []


def test_every_entity_is_sourced_and_dpf_has_provenance(kb):
    for eid, ent in kb.data.entities.items():
        assert ent.sources and all(s.startswith("https://") for s in ent.sources), eid
        if ent.dpf != "unknown":
            assert ent.dpf_checked and ent.dpf_source, eid


def test_services_are_sourced_and_categorised(kb):
    for svc in kb.data.services:
        assert svc.sources, svc.id
        assert svc.category in CATEGORIES, svc.id
        assert all(d == d.lower() and " " not in d and "." in d for d in svc.domains), svc.id


def test_unread_records_say_so(kb):
    """A record without a read source carries the review sentence; DPF stays unknown there,
    unless the status was read on the DPF List itself, which names the entity (its legal name
    and address) whoever wrote the record."""
    for eid, ent in kb.data.entities.items():
        if ent.note and "Not verified against a stored copy" in ent.note:
            assert ent.dpf == "unknown" or (ent.dpf_source or "").endswith(
                "/DataPrivacyFrameworkParticipantsList.xlsx"), eid


def test_all_bundled_files_are_loaded_in_order(kb):
    paths = bundled_paths()
    assert paths[0].name == "organisations.toml"
    assert list(paths[1:]) == sorted(paths[1:]) and len(paths) > 1
    assert kb.sources == tuple(str(p) for p in paths)


ACME = ('[entities.acme]\nname = "ACME SAS"\ncountry = "FR"\nparent_established = true\n'
        'sources = ["https://acme.example"]\n'
        '[[services]]\nid = "acme"\nname = "ACME"\noperator = "acme"\ncategory = "cdn"\n'
        'domains = ["cloudflareinsights.com"]\nsources = ["https://acme.example"]\n')


@pytest.mark.parametrize(("extra", "message"), [
    ("", "cloudflareinsights.com"),
    # a dated claim beside an undated one: the undated would hide it
    ('until = 2019-01-01\nperiod_basis = "a text"\n', "with and without an operator period"),
])
def test_bundled_files_may_not_redefine_each_other(tmp_path, monkeypatch, extra, message):
    real = kbmod.data_path("organisations.toml")
    shutil.copy(real, tmp_path / "organisations.toml")
    (tmp_path / "organisations").mkdir()
    (tmp_path / "organisations" / "90-dup.toml").write_text(ACME + extra)  # the service's keys
    monkeypatch.setattr(kbmod, "data_path", lambda name: tmp_path / name)
    with pytest.raises(KnowledgeBaseError, match=message):
        KnowledgeBase.load(cache=False)


@pytest.mark.parametrize(("host", "entity", "health"), [
    ("api2.branch.io", "branch-metrics", False),
    ("adservice.google.fr", "google-ireland", False),
    ("www.doctoralia.es", "doctoralia-internet", True),
    ("www.miodottore.it", "docplanner-italy", True),
    ("www.dr-flex.de", "dr-flex-gmbh", True),
    ("www.doctena.lu", "doctena-sa", True),
    ("app.adjust.com", "adjust-gmbh", False),
    ("signal-metrics-collector-beta.s-onetag.com", "onetag-ltd", False),
    ("cdn.jsdelivr.net", "volentio-jsd", False),
    # issue 15, third pass (file 59): each host tied to its operator by a text read
    ("p.adsymptotic.com", "linkedin-corp", False),
    ("a.opmnstr.com", "optinmonster", False),
    ("match.prod.bidr.io", "freewheel-media", False),
    ("px0.pbbl.co", "pebblepost-inc", False),
    ("www.medtargetsystem.com", "dmd-marketing-corp", False),
    ("tag.cogocast.net", "cogo-labs", False),
    ("example.com", "pti-iana", False),
    # agreement check of 2026-12-05: corrected operators (the group parent was named before)
    ("s7.addthis.com", "oracle-america", False),
    ("fp.dotomi.com", "conversant-llc", False),
])
def test_new_attributions(kb, host, entity, health):
    match = kb.match(host)
    assert match is not None and match.chain[0].id == entity
    assert kb.is_health_service(entity) is health


def _coverage_script():
    return load_module("scripts/kb_coverage.py", "kb_coverage_script")


def test_coverage_script_counts_registrable_domains_per_folder(tmp_path, capsys):
    """scripts/kb_coverage.py pools a folder's captures by third-party registrable domain."""
    import json

    def entry(url, rtype):
        return {"startedDateTime": "2024-01-01T00:00:00Z", "time": 1,
                "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1",
                            "headers": [], "queryString": [], "cookies": [],
                            "headersSize": -1, "bodySize": 0},
                "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                             "headers": [], "cookies": [], "content": {"size": 0, "mimeType": ""},
                             "redirectURL": "", "headersSize": -1, "bodySize": 0},
                "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0},
                "_resourceType": rtype}
    har = {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [
        entry("https://www.site.example/", "document"),
        entry("https://cdn.site.example/a.js", "script"),
        entry("https://www.google-analytics.com/g/collect", "xhr"),
        entry("https://px.unknown-vendor-zz.example/p.gif", "image"),
        entry("https://a.unknown-vendor-zz.example/p.gif", "image"),
        entry("ws://127.0.0.1:5500/ws", "websocket"),
        {**entry("https://mc.blocked-vendor-zz.example/w.js", "script"),
         "response": {**entry("https://x.example/", "x")["response"], "status": 0,
                      "_error": "net::ERR_BLOCKED_BY_CLIENT"}}]}}
    folder = tmp_path / "captures"
    folder.mkdir()
    (folder / "one.har").write_text(json.dumps(har))
    (folder / "README.md").write_text("not a capture")
    mod = _coverage_script()
    assert mod.main(["--json", str(folder)]) == 0
    report = json.loads(capsys.readouterr().out)
    group = report["groups"][0]
    assert group["captures"] == 1 and report["errors"] == []
    # as gdprmap.analyze: a local address and a request an ad blocker cancelled reached no one
    assert group["third_party_domains"] == 2 and group["attributed_domains"] == 1
    assert group["unreached_requests"] == 2
    assert set(group["attributed"]) == {"google-analytics.com"}
    assert group["unattributed"]["unknown-vendor-zz.example"]["unknown_hosts"] == [
        "a.unknown-vendor-zz.example", "px.unknown-vendor-zz.example"]
    assert mod.main([str(tmp_path / "missing")]) == 2
    # a gzip HAR in the folder is a capture too (gdprmap reads it)
    import gzip
    (folder / "two.har.gz").write_bytes(gzip.compress(json.dumps(har).encode()))
    assert mod.main(["--json", str(folder)]) == 0
    assert json.loads(capsys.readouterr().out)["groups"][0]["captures"] == 2


def test_coverage_script_counts_probable_first_party_domains_apart(tmp_path, capsys):
    """--probable: the site's own CDN on another domain stays a third party in the headline
    figure and is counted in a second one; a vendor with a coincidental name is not."""
    import json

    from conftest import entry, har

    doc = har([entry("https://www.shopzilla-x.example/"),
               entry("https://img.shopzilla-x-cdn.example/a.png"),   # the site's name + "cdn"
               entry("https://t.unknown-vendor-zz.example/p.gif")])  # nothing of the site's
    (tmp_path / "one.har").write_text(json.dumps(doc))
    mod = _coverage_script()
    assert mod.main(["--json", "--probable", str(tmp_path)]) == 0
    group = json.loads(capsys.readouterr().out)["groups"][0]
    assert group["third_party_domains"] == 2 and group["attributed_domains"] == 0
    assert group["probable_first_party"] == 1
    assert group["unattributed"]["shopzilla-x-cdn.example"]["probable_first_party"] == "brand-token"
    assert "probable_first_party" not in group["unattributed"]["unknown-vendor-zz.example"]
    assert mod.main(["--json", str(tmp_path)]) == 0  # without --probable: no such figure
    assert "probable_first_party" not in json.loads(capsys.readouterr().out)["groups"][0]


def test_coverage_script_attributes_a_domain_to_its_operator_of_the_capture_date(tmp_path):
    """As gdprmap.analyze: a domain that changed hands counts for the operator of the day of
    the capture's first request, and as unattributed in a gap between recorded periods (never
    for today's operator)."""
    import json

    from conftest import entry, har
    from test_kb import PERIODS

    kb_file = tmp_path / "periods.toml"
    kb_file.write_text(PERIODS.replace("since = 2017-09-01", "since = 2019-01-01"))
    kb = KnowledgeBase.load((kb_file,))
    mod = _coverage_script()
    found = {}
    for day in ("2016-03-01", "2018-06-01", "2024-05-01"):
        path = tmp_path / f"{day}.har"
        path.write_text(json.dumps(har([
            entry("https://www.site.example/", when=f"{day}T10:00:00.000+01:00"),
            entry("https://ad.old-ads.example/p.gif", when=f"{day}T10:00:01.000+01:00")])))
        found[day] = mod.capture_coverage(kb, path)
    assert found["2016-03-01"]["operators"]["old-ads.example"]["operator"] == "Old Ad Co., Inc."
    assert found["2018-06-01"]["attributed_domains"] == 0  # the gap: no one, not New Ad Co.
    assert found["2024-05-01"]["operators"]["old-ads.example"]["country"] == "IL"
    group = mod.group_summary(list(found.values()))
    assert group["attributed_domains"] == 0  # one capture leaves it unattributed
    both = mod.group_summary([found["2016-03-01"], found["2024-05-01"]])
    assert both["attributed"]["old-ads.example"]["operator"] == "Old Ad Co., Inc."  # first
