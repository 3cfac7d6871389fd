"""Issue 14: the Data Privacy Framework List as data - import (workbook and JSON, columns by
header text, malformed files refused), dated judgement at both sides of every boundary, end to
end through the rules, matching on legal name and Covered Entities, `kb status`, `kb fetch-dpf`
against a server on 127.0.0.1. Every organisation here is fictional test data."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import json
import subprocess
import sys
import threading

import pytest
from click.testing import CliRunner

import gdprmap
from conftest import ROOT, entry, har
from dpf_helpers import HEADERS, SWISS, UK_EXT, row, write_dpf_list
from gdprmap.cli import main
from gdprmap.enrich import dpf
from gdprmap.errors import InputError

# --- fixtures: fictional US organisations in a knowledge-base override ------------------------

ORGS = {  # id -> (legal name in the knowledge base, host)
    "alpha": ("Alpha Analytics, Inc.", "cdn.alpha.example"),
    "bravo": ("Bravo Metrics LLC", "t.bravo.example"),
    "charlie": ("Charlie Cloud Corp.", "api.charlie.example"),
    "delta": ("Delta Data, Inc.", "x.delta.example"),
    "echo": ("Echo Segment, L.L.C.", "e.echo.example"),
    "foxtrot": ("Foxtrot Fonts, Inc.", "f.foxtrot.example"),
    "golf": ("Golf Group, Inc.", "g.golf.example"),
    "hotel": ("Hotel Hosting, Inc.", "h.hotel.example"),
    "india": ("India Insights, Inc.", "i.india.example"),
    "juliet": ("Juliet Jobs, Inc.", "j.juliet.example"),
}
RECORDS = {  # bundled-style records (used without a List)
    "kilo": ("Kilo Kloud, Inc.", "k.kilo.example",
             'dpf = "inactive"\ndpf_checked = 2026-11-01\n'
             'dpf_source = "https://kilo.example/dpf"\ndpf_since = 2023-08-01\n'
             'dpf_until = 2025-06-01\n'),
    "lima": ("Lima Logs, Inc.", "l.lima.example",
             'dpf = "active"\ndpf_checked = 2026-11-01\n'
             'dpf_source = "https://lima.example/dpf"\n'),
}

LIST_ROWS = [
    row("Alpha Analytics, Inc.", "2016-08-15", link="https://www.dataprivacyframework.gov/"
        "participant/101"),  # came from the Privacy Shield: install date before the DPF
    row("Bravo Metrics, LLC", "2024-05-02"),  # a later listing
    row("Charlie Cloud Corporation", "2020-01-10", status="Inactive", inactive="2025-03-01"),
    row("Delta Data Inc", "2023-09-20", status="Active - Re-certification under Review"),
    row("Echo Holdings, Inc.", "2023-10-01",
        covered="Echo Segment LLC, Echo Ireland Limited; Other Sub, Inc."),
    row("Golf Group, Inc.", "2023-08-01"),
    row("Golf Parent Corp.", "2023-08-01", covered="Golf Group Inc."),  # -> ambiguous
    row("HH Holdings Corp.", "2023-08-01", display="Hotel Hosting"),  # display name only
    row("India Insights, Inc.", "2023-08-01", non_hr="No"),  # HR data only
    row("Juliet Jobs, Inc.", "2023-08-01", framework=UK_EXT),  # not the EU-U.S. DPF
    row("Juliet Jobs, Inc.", "2023-08-01", framework=SWISS),
]


def _toml(eid: str, name: str, host: str, extra: str = "") -> str:
    # fictional ultimate parents: parent_established = true, so that only the DPF status decides
    # (with false, issue 13 makes every such recipient unknown)
    return (f'[entities.{eid}]\nname = "{name}"\ncountry = "US"\nparent_established = true\n'
            f'fisa702 = "in-scope"\n{extra}'
            f'sources = ["https://{eid}.example/legal"]\n\n'
            f'[[services]]\nid = "{eid}-svc"\nname = "{eid.title()}"\noperator = "{eid}"\n'
            f'category = "analytics"\ndomains = ["{host.split(".", 1)[1]}"]\n'
            f'sources = ["https://{eid}.example/legal"]\n\n')


def build_world(tmp_path_factory):
    """The fictional organisations' knowledge-base override, a capture calling each, and a List."""
    folder = tmp_path_factory.mktemp("dpf-world")
    kb = folder / "orgs.toml"
    kb.write_text("".join(_toml(e, n, h) for e, (n, h) in ORGS.items())
                  + "".join(_toml(e, n, h, x) for e, (n, h, x) in RECORDS.items()),
                  encoding="utf-8")
    hosts = [h for _, h in ORGS.values()] + [h for _, h, _ in RECORDS.values()]
    capture = folder / "capture.har"
    capture.write_text(json.dumps(har([entry("https://www.site.example/")]
                                      + [entry(f"https://{h}/c?x=1") for h in hosts])))
    workbook = write_dpf_list(folder / "DataPrivacyFrameworkParticipantsList.xlsx", LIST_ROWS)
    return {"kb": kb, "capture": capture, "list": workbook, "folder": folder}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build_world(tmp_path_factory)


_RUNS: dict[tuple[str, str, bool], gdprmap.Assessment] = {}


def assess(world, as_of: str, with_list: bool = True) -> gdprmap.Assessment:
    key = (str(world["capture"]), as_of, with_list)
    if key not in _RUNS:
        _RUNS[key] = gdprmap.analyze(world["capture"], as_of=as_of, kb_override=(world["kb"],),
                                     dpf_list=world["list"] if with_list else None)
    return _RUNS[key]


def recipient(a: gdprmap.Assessment, eid: str) -> gdprmap.Recipient:
    return next(r for r in a.recipients if r.id == f"org:{eid}")


# --- dated judgement, end to end through the rules --------------------------------------------

BOUNDARIES = [
    # (entity, the day before, the boundary day, verdict before, verdict from)
    ("alpha", "2023-07-09", "2023-07-10", "unlawful", "adequate"),  # the DPF's entry into force
    ("bravo", "2024-05-01", "2024-05-02", "safeguards-required", "adequate"),  # Install Date
    ("charlie", "2025-02-28", "2025-03-01", "adequate", "safeguards-required"),  # Inactive Start
    ("delta", "2023-09-19", "2023-09-20", "safeguards-required", "adequate"),  # re-cert review
    # a covered entity: from the List's date (2026-12-01), not its participant's Install Date
    ("echo", "2026-11-30", "2026-12-01", "safeguards-required", "adequate"),
]


@pytest.mark.parametrize(("eid", "before", "on", "was", "becomes"), BOUNDARIES,
                         ids=[b[0] for b in BOUNDARIES])
def test_verdicts_on_both_sides_of_each_boundary(world, eid, before, on, was, becomes):
    r_before, r_on = recipient(assess(world, before), eid), recipient(assess(world, on), eid)
    assert (str(r_before.verdict), str(r_on.verdict)) == (was, becomes)
    deciding = {f.rule for f in r_on.findings if f.verdict}
    if becomes == "adequate":
        assert "GM-ADQ-02" in deciding  # the listed-organisation adequacy rule
        assert r_on.organisation.chain[0].dpf == "active"
    else:
        assert "GM-ADQ-02" not in deciding


def test_a_2024_capture_of_a_company_that_left_in_2025_is_judged_listed(world):
    charlie = recipient(assess(world, "2024-06-01"), "charlie").organisation.chain[0]
    assert charlie.dpf == "active" and charlie.dpf_until == dt.date(2025, 3, 1)
    assert charlie.dpf_since == dt.date(2020, 1, 10)
    assert "until 2025-03-01" in charlie.dpf_basis
    later = recipient(assess(world, "2025-03-01"), "charlie").organisation.chain[0]
    assert later.dpf == "inactive" and "Inactive Start Date" in later.dpf_basis


@pytest.mark.parametrize("status", ["active", "not-listed", "inactive"])
def test_a_status_read_before_the_as_of_date_says_a_later_change_would_not_show(status):
    read = dt.date(2026, 3, 24)
    listing = dpf.Listing(status, "list.xlsx row 7", read, since=dt.date(2016, 11, 9),
                          until=dt.date(2025, 1, 6) if status == "inactive" else None)
    on_the_day = dpf.judge(listing, read)
    later = dpf.judge(listing, dt.date(2026, 6, 30))
    assert later.status == on_the_day.status == status  # carried forward, not dropped
    assert "would not show" not in on_the_day.basis
    assert later.basis.endswith("the source is of 2026-03-24, before 2026-06-30: a change "
                                "since 2026-03-24 would not show here")
    # an unknown status has nothing to carry forward
    assert "would not show" not in dpf.judge(dpf.Listing("unknown", None, read),
                                             dt.date(2026, 6, 30)).basis


# --- lapses: a re-certified participant's row no longer shows its time off the List ----------

MIKE = ('dpf = "active"\ndpf_checked = 2026-03-24\n'
        'dpf_source = "https://list.example/2026.xlsx"\ndpf_id = "77"\ndpf_since = 2018-07-09\n'
        'dpf_lapses = [{ since = 2023-09-10, seen = 2024-05-16, until = 2024-12-13, '
        'source = "https://list.example/2024-05.xlsx" }]\n')


def _lapse(**kw):
    from gdprmap.enrich.kb import DpfLapse
    return DpfLapse(**{"since": dt.date(2023, 9, 10), "seen": dt.date(2024, 5, 16),
                       "until": dt.date(2024, 12, 13), "source": "https://list.example/2024-05.xlsx",
                       **kw})


@pytest.mark.parametrize(("as_of", "status", "words"), [
    # before the lapse: listed from the Install Date
    ("2023-09-09", "active", "listed from 2018-07-09 (Install Date, per list.xlsx of 2026-03-24)"),
    # from its Inactive Start Date to the last copy that shows it: inactive
    ("2023-09-10", "inactive", "inactive from 2023-09-10 (Inactive Start Date, per "
                               "https://list.example/2024-05.xlsx of 2024-05-16); listed again "
                               "by 2024-12-13"),
    ("2024-05-16", "inactive", "listed again by 2024-12-13"),
    # between that copy and the first that shows it active again: the day is not known
    ("2024-05-17", "unknown", "a copy of 2024-12-13 shows it listed again, on a day no copy"),
    ("2024-12-12", "unknown", "coverage on 2024-12-12 is not established"),
    # from that copy on: listed, and the sentence keeps the lapse
    ("2024-12-13", "active", "inactive from 2023-09-10, listed again by 2024-12-13"),
])
def test_a_lapse_the_later_row_hides_is_judged_from_the_copies_that_show_it(as_of, status, words):
    listing = dpf.Listing("active", "list.xlsx", dt.date(2026, 3, 24), since=dt.date(2018, 7, 9),
                          participant_id="77", lapses=(_lapse(),))
    j = dpf.judge(listing, dt.date.fromisoformat(as_of))
    assert j.status == status and words in j.basis
    # the report's dpf_until is the Inactive Start Date in force on that date: the lapse's
    in_lapse = status != "active"
    assert j.listing.until == (dt.date(2023, 9, 10) if in_lapse else None)


def test_a_later_row_says_it_cannot_show_an_earlier_lapse():
    # a List row dated after the as-of date shows no lapse that ended before its own date
    listing = dpf.Listing("active", "list.xlsx", dt.date(2026, 3, 24), since=dt.date(2018, 7, 9))
    assert dpf.judge(listing, dt.date(2025, 1, 1)).basis.endswith(
        "a lapse that ended before that List's date would not show on it")
    assert "lapse" not in dpf.judge(listing, dt.date(2026, 3, 24)).basis


def test_the_loader_refuses_a_lapse_out_of_order_or_without_an_active_dated_listing():
    from gdprmap.enrich.kb import EntityRecord
    base = {"name": "Mike, Inc.", "country": "US", "parent_established": True,
            "sources": ["https://mike.example/"], "dpf": "active", "dpf_checked": "2026-03-24",
            "dpf_source": "https://list.example/2026.xlsx", "dpf_since": "2018-07-09"}
    assert EntityRecord(**base, dpf_lapses=[_lapse()]).dpf_lapses[0].until == dt.date(2024, 12, 13)
    with pytest.raises(ValueError, match="since <= seen < until"):
        _lapse(seen=dt.date(2024, 12, 13))
    for change in ({"dpf": "inactive"}, {"dpf_since": None}, {"dpf_checked": "2024-06-01"}):
        with pytest.raises(ValueError, match="dpf_lapses belong to an 'active' listing"):
            EntityRecord(**{**base, **change}, dpf_lapses=[_lapse()])


def test_a_list_given_by_the_user_keeps_the_lapses_the_knowledge_base_read(tmp_path):
    # a single List copy cannot show a lapse that ended before it: the knowledge base's record
    # of the same participant (same id, same Install Date) lends it the lapses it read
    kb = tmp_path / "orgs.toml"
    kb.write_text(_toml("mike", "Mike Media, Inc.", "m.mike.example", MIKE), encoding="utf-8")
    capture = tmp_path / "capture.har"
    capture.write_text(json.dumps(har([entry("https://www.site.example/"),
                                       entry("https://m.mike.example/c?x=1")])))
    workbook = write_dpf_list(tmp_path / "DataPrivacyFrameworkParticipantsList.xlsx", [
        row("Mike Media, Inc.", "2018-07-09",
            link="https://www.dataprivacyframework.gov/participant/77")])
    for with_list in (False, True):
        a = gdprmap.analyze(capture, as_of="2024-01-15", kb_override=(kb,),
                            dpf_list=workbook if with_list else None)
        mike = recipient(a, "mike")
        assert mike.organisation.chain[0].dpf == "inactive", with_list
        assert str(mike.verdict) != "adequate"
        later = recipient(gdprmap.analyze(capture, as_of="2025-01-15", kb_override=(kb,),
                                          dpf_list=workbook if with_list else None), "mike")
        assert str(later.verdict) == "adequate"
        assert "listed again by 2024-12-13" in later.organisation.chain[0].dpf_basis


def test_a_renamed_participant_is_found_under_the_name_either_side_gives_as_former(tmp_path):
    # the List renames its row ("X f/k/a <our name>"), or our record carries the new name with
    # its former one ("<new> (formerly <List's name>)"): the same legal person, renamed - found
    # only when nothing matched otherwise, so a participant id or a current name still decides
    listed = dpf.read_dpf_list(write_dpf_list(tmp_path / "list.xlsx", [
        row("Teads Holding Co. f/k/a Outbrain Inc.", "2019-07-05",
            link="https://www.dataprivacyframework.gov/participant/11"),
        row("SmugMug, Inc.", "2018-08-30", link="https://www.dataprivacyframework.gov/participant/12"),
        row("Twitter, Inc.", "2016-11-16", status="Inactive - Withdrawal", inactive="2023-04-01",
            link="https://www.dataprivacyframework.gov/participant/13"),
        row("X Corp.", "2024-04-04", link="https://www.dataprivacyframework.gov/participant/14"),
        row("Oldname, Inc.", "2020-01-01")]))
    renamed = listed.lookup("Outbrain Inc. (renamed Teads Holding Co. in 2025)")
    assert renamed.entry.legal_name.startswith("Teads") and renamed.via == ("former legal name",)
    listing = dpf.list_listing(renamed, listed, "Outbrain Inc.")
    assert listing.status == "active" and listing.since == dt.date(2019, 7, 5)  # its own date
    earlier = listed.lookup("Awes.me, Inc. (formerly SmugMug, Inc.)")
    assert earlier.entry.legal_name == "SmugMug, Inc."
    assert earlier.via == ("legal name, as formerly named",)
    # X Corp.'s own row decides; Twitter, Inc.'s withdrawn row does not make it ambiguous
    x = listed.lookup("X Corp. (formerly Twitter, Inc.)")
    assert x.entry.legal_name == "X Corp." and not x.ambiguous
    # a former name of another legal form is still not taken for the same company
    assert listed.lookup("Newname Corp. (formerly Oldname, LLC)").other_form
    assert dpf.former_names("Optimizely North America Inc (formerly, EPIServer Inc)") == [
        "EPIServer Inc"]


def test_the_participant_the_record_names_decides_between_rows_of_one_name(tmp_path):
    # Oracle America, Inc.'s own row beside a withdrawn row for one of its business lines: by
    # name alone ambiguous (unknown); the participant id the record gives picks its own row
    listed = dpf.read_dpf_list(write_dpf_list(tmp_path / "list.xlsx", [
        row("Oracle America, Inc.", "2016-09-01",
            link="https://www.dataprivacyframework.gov/participant/21"),
        row("Oracle America, Inc. (CrowdTwist)", "2017-01-01", status="Inactive - Withdrawal",
            inactive="2021-01-01", link="https://www.dataprivacyframework.gov/participant/22")]))
    assert listed.lookup("Oracle America, Inc.").ambiguous
    chosen = listed.lookup("Oracle America, Inc.", "21")
    assert not chosen.ambiguous and chosen.entry.participant_id == "21"
    assert chosen.via == ("participant id",)


def test_a_recorded_absence_names_the_list_and_its_date():
    # a knowledge-base record of "not on the List" rests on a full export: the sentence names
    # it and its date, and carries the absence forward with the caveat past that date
    listing = dpf.Listing("not-listed", "https://example.org/list.xlsx", dt.date(2026, 3, 24))
    basis = dpf.judge(listing, dt.date(2025, 2, 1)).basis
    assert basis == ("not on the DPF List, per https://example.org/list.xlsx of 2026-03-24")
    assert dpf.judge(listing, dt.date(2026, 9, 1)).basis.endswith("would not show here")
    assert dpf.judge(dpf.Listing("not-listed", None, dt.date(2026, 3, 24)),
                     dt.date(2025, 2, 1)).basis == "not on the DPF List (read 2026-03-24)"


def test_a_covered_entity_is_not_dated_by_its_participants_install_date(world):
    # Echo Holdings, Inc. is listed from 2023-10-01; Echo Segment is among its Covered
    # Entities, which may have been added years later (an acquisition): not covered before the
    # List's own date, and the sentence says why
    echo = recipient(assess(world, "2024-06-01"), "echo").organisation.chain[0]
    assert echo.dpf == "unknown" and echo.dpf_since is None
    assert "among the Covered Entities of 'Echo Holdings, Inc.'" in echo.dpf_basis
    assert "not when this one became covered" in echo.dpf_basis
    later = recipient(assess(world, "2026-12-01"), "echo").organisation.chain[0]
    assert later.dpf == "active" and "Covered Entities of 'Echo Holdings, Inc.'" in later.dpf_basis


def test_a_renamed_participant_found_by_its_id_keeps_its_own_install_date(world):
    # the record's participant id finds the entry under a new legal name that is not among the
    # Covered Entities: the participant itself, renamed - its Install Date is its own
    listed = dpf.read_dpf_list(world["list"])
    renamed = dpf.list_listing(listed.lookup("Alpha Old Name, Inc.", "101"), listed,
                               "Alpha Old Name, Inc.")
    assert renamed.since == dt.date(2016, 8, 15) and renamed.covered_by is None
    covered = dpf.list_listing(listed.lookup("Echo Segment LLC"), listed, "Echo Segment LLC")
    assert covered.since is None and covered.covered_by == "Echo Holdings, Inc."


def test_install_date_before_the_dpf_is_no_dpf_adequacy(world):
    alpha = recipient(assess(world, "2023-07-09"), "alpha")
    assert alpha.organisation.chain[0].dpf == "not-listed"
    assert "2023-07-10" in alpha.organisation.chain[0].dpf_basis
    listed = recipient(assess(world, "2023-07-10"), "alpha").organisation.chain[0]
    assert listed.dpf_id == "101" and listed.dpf_source.endswith("row 2")


@pytest.mark.parametrize("eid", ["foxtrot", "hotel", "india", "juliet"])
def test_not_on_the_list_is_not_listed(world, eid):
    r = recipient(assess(world, "2024-06-01"), eid)
    ent = r.organisation.chain[0]
    assert str(r.verdict) == "safeguards-required" and ent.dpf == "not-listed"
    assert "GM-DPF-01" not in {f.rule for f in r.findings}  # the status is established
    if eid == "india":
        assert "HR data only" in ent.dpf_basis
    else:
        assert "no EU-U.S. entry" in ent.dpf_basis and ORGS[eid][0] in ent.dpf_basis


def test_display_name_alone_never_matches(world):
    listed = dpf.read_dpf_list(world["list"])
    assert listed.lookup("Hotel Hosting, Inc.").entries == ()
    assert listed.lookup("HH Holdings Corp").entry.display_name == "Hotel Hosting"


def test_ambiguous_match_is_reported_not_guessed(world):
    a = assess(world, "2024-06-01")
    r = recipient(a, "golf")
    ent = r.organisation.chain[0]
    assert ent.dpf == "unknown" and str(r.verdict) == "safeguards-required"
    assert "ambiguous" in ent.dpf_basis and "covered entity" in ent.dpf_basis
    assert "GM-DPF-01" in {f.rule for f in r.findings}  # status not established
    assert a.knowledge.dpf_list.ambiguous == ("golf",)
    assert a.knowledge.dpf_list.entries == 9  # the UK Extension and Swiss rows are not read
    assert a.knowledge.dpf_list.us_entities_matched == 6  # alpha bravo charlie delta echo india


def test_finding_steps_and_json_carry_the_as_of_status(world):
    a = assess(world, "2024-06-01")
    foxtrot = recipient(a, "foxtrot")
    steps = " ".join(s.text for f in foxtrot.findings for s in f.steps)
    assert "DPF List status on 2024-06-01: not-listed (no EU-U.S. entry of the DPF List" in steps
    doc = json.loads(a.to_json())
    assert tuple(map(int, doc["schema_version"].split("."))) >= (1, 3)  # DPF fields since 1.3
    assert doc["knowledge"]["dpf_list"]["sha256"] == hashlib.sha256(
        world["list"].read_bytes()).hexdigest()
    assert doc["knowledge"]["dpf_list"]["date"] == "2026-12-01"
    chain = next(r for r in doc["recipients"] if r["id"] == "org:bravo")["organisation"]["chain"]
    assert chain[0]["dpf_basis"].startswith("listed from 2024-05-02")


def test_a_step_never_words_a_pre_dpf_date_as_absence_from_the_list(world):
    # Lima is recorded active (read 2026-11-01); on a 2020 capture the judgement is
    # "not-listed" because the DPF did not exist yet - the sentence must say so, not
    # "not-listed, checked 2026-11-01", which reads as "Lima is not on the List".
    a = assess(world, "2020-03-01", with_list=False)
    steps = " ".join(s.text for f in recipient(a, "lima").findings for s in f.steps)
    assert ("DPF List status on 2020-03-01: not-listed (the DPF applies from 2023-07-10; "
            "no organisation was covered on 2020-03-01)") in steps
    assert "checked 2026-11-01" not in steps
    fr = gdprmap.analyze(world["capture"], as_of="2020-03-01", kb_override=(world["kb"],),
                         lang="fr")
    steps = " ".join(s.text for f in recipient(fr, "lima").findings for s in f.steps)
    assert "statut sur la liste DPF au 1er mars 2020 : non inscrit (" in steps


def test_rdf_facts_carry_the_as_of_status_and_the_listing_dates(world):
    from rdflib import Literal, URIRef

    from gdprmap.enrich.kb import KnowledgeBase
    from gdprmap.rules.engine import GM
    from gdprmap.rules.facts import Candidate, entity_iri, to_rdf

    kb = KnowledgeBase.load((world["kb"],))
    listed = dpf.read_dpf_list(world["list"])
    for as_of, status in (("2025-02-28", "Active"), ("2025-03-01", "Inactive")):
        chain = kb.dated(dt.date.fromisoformat(as_of), listed).chain("charlie")
        g = to_rdf([Candidate("k", "org:charlie", "US", chain, True, "test")], {})
        e = URIRef(entity_iri("charlie"))
        assert (e, URIRef(GM + "dpfStatus"), URIRef(GM + status)) in g
        assert (URIRef("urn:gdprmap:candidate:k"), URIRef(GM + "dpfStatus"),
                URIRef(GM + status)) in g
        assert (e, URIRef(GM + "dpfInactiveFrom"), Literal(dt.date(2025, 3, 1))) in g
        assert (e, URIRef(GM + "dpfListedFrom"), Literal(dt.date(2020, 1, 10))) in g
    assert kb.chain("charlie")[0].dpf == "unknown"  # the undated view: the record as written


# --- bundled records (no List): the same judgement from the recorded dates ----------------------

@pytest.mark.parametrize(("eid", "as_of", "verdict", "status"), [
    ("kilo", "2023-07-31", "safeguards-required", "not-listed"),  # before dpf_since
    ("kilo", "2023-08-01", "adequate", "active"),
    ("kilo", "2025-05-31", "adequate", "active"),  # listed then, though inactive when read
    ("kilo", "2025-06-01", "safeguards-required", "inactive"),  # dpf_until
    ("lima", "2026-10-31", "safeguards-required", "unknown"),  # listed when read, date unknown
    ("lima", "2026-11-01", "adequate", "active"),
])
def test_recorded_statuses_are_judged_as_of_the_date(world, eid, as_of, verdict, status):
    r = recipient(assess(world, as_of, with_list=False), eid)
    assert (str(r.verdict), r.organisation.chain[0].dpf) == (verdict, status)
    if status == "unknown":
        assert "GM-DPF-01" in {f.rule for f in r.findings}
        assert "not recorded" in r.organisation.chain[0].dpf_basis
    if eid == "lima":  # a recorded status names the text it rests on, and that text's date
        assert "per https://lima.example/dpf, dated 2026-11-01" in r.organisation.chain[0].dpf_basis
        steps = " ".join(s.text for f in r.findings for s in f.steps)
        assert "listed per https://lima.example/dpf, dated 2026-11-01" in steps


def test_the_list_replaces_the_recorded_statuses(world):
    kilo = recipient(assess(world, "2024-06-01"), "kilo")  # on no row of the test List
    assert kilo.organisation.chain[0].dpf == "not-listed"


# --- reading: header text, layouts, JSON, malformed files --------------------------------------

def test_columns_are_found_by_header_text_not_position(tmp_path):
    shuffled = list(reversed(HEADERS))
    path = write_dpf_list(tmp_path / "l.xlsx", [row("Alpha Analytics, Inc.", "2023-07-17",
                                                    as_text=True)],
                          headers=shuffled, title="Data Privacy Framework List (export)")
    (entry_,) = dpf.read_dpf_list(path).entries
    assert entry_.legal_name == "Alpha Analytics, Inc." and entry_.row == 3
    assert entry_.install == dt.date(2023, 7, 17) and entry_.listed_status == "active"


@pytest.mark.parametrize("status", ["Active - Re-certification under Review",
                                    "Active – Re-certification under Review",
                                    "ACTIVE - RE-CERTIFICATION UNDER REVIEW"])
def test_recertification_under_review_is_active(status):
    assert dpf.ListEntry(1, "X", status, None, None).listed_status == "active"
    assert dpf.ListEntry(1, "X", "Inactive", None, None).listed_status == "inactive"
    assert dpf.ListEntry(1, "X", "Pending", None, None).listed_status == "unknown"


def test_names_are_normalised():
    n = dpf.normalise_name
    assert n("Functional Software, Inc. (d/b/a Sentry)") == n("FUNCTIONAL SOFTWARE INC") \
        == "functional software"
    assert n("Echo Segment, L.L.C.") == n("Echo Segment LLC") == "echo segment"
    assert n("Société Générale S.A.") == "societe generale"
    assert n("Amazon.com, Inc.") == "amazon com" != n("Amazon.com Services LLC")
    assert dpf.covered_names("Segment.io, Inc., Twilio Ireland Limited\nSendGrid, LLC") == [
        "Segment.io, Inc.", "Twilio Ireland Limited", "SendGrid, LLC"]


def test_the_lists_date_is_its_packages_own_never_the_time_of_reading(tmp_path):
    # The official workbook keeps its core properties in a .psmdcp part, not docProps/core.xml;
    # openpyxl then reports "now" as its modified date, which dated every List to the day it
    # was read. The date comes from the package itself; without one the List is undated.
    rows = [row("Bravo Data, Inc.", "2023-08-01")]
    official = dpf.read_dpf_list(write_dpf_list(
        tmp_path / "official.xlsx", rows, modified=dt.datetime(2024, 5, 16, 10, 0),
        official_package=True))
    assert official.date == dt.date(2024, 5, 16)
    assert "dated 2024-05-16" in official.describe()
    undated = dpf.read_dpf_list(write_dpf_list(tmp_path / "undated.xlsx", rows, modified=None))
    assert undated.date is None and "undated" in undated.describe()
    assert len(undated.entries) == len(official.entries) == 1


def test_json_export_with_the_header_names(tmp_path, world):
    items = [{k.replace(" ", ""): (v.date().isoformat() if isinstance(v, dt.datetime) else v)
              for k, v in r.items()} for r in LIST_ROWS]
    path = tmp_path / "list.json"
    path.write_text(json.dumps({"FileModified": "2026-12-01", "Items": items}))
    listed = dpf.read_dpf_list(path)
    assert len(listed.entries) == 9 and listed.date == dt.date(2026, 12, 1)
    a = gdprmap.analyze(world["capture"], as_of="2024-05-02", kb_override=(world["kb"],),
                        dpf_list=path)
    assert str(recipient(a, "bravo").verdict) == "adequate"


def test_json_api_shape_with_eucert(tmp_path):
    items = [{"OrganizationPublicDisplayName": "Alpha", "LegalName": "Alpha Analytics, Inc.",
              "CoveredEntities": [], "EUCert": {"PublicStatus": "Active",
                                                "InstallDate": "2023-07-17T00:00:00",
                                                "InactiveStartDate": None,
                                                "NonHRData": True}},
             {"OrganizationPublicDisplayName": "Bravo", "LegalName": "Bravo Metrics LLC",
              "CoveredEntities": [], "EUCert": None,
              "UKCert": {"PublicStatus": "Active"}}]
    path = tmp_path / "api.json"
    path.write_text(json.dumps({"RecordCount": 2, "SumCount": 2, "Items": items}))
    listed = dpf.read_dpf_list(path)
    assert [e.legal_name for e in listed.entries] == ["Alpha Analytics, Inc."]
    assert listed.entries[0].install == dt.date(2023, 7, 17)


def _cli(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.mark.parametrize(("content", "message"), [
    ("missing-column", "no 'Inactive Start Date' column"),
    (b"PK\x03\x04 not really a zip", "not a readable .xlsx workbook"),
    (b"Legal Name;Status\nX;Active\n", "neither an .xlsx workbook nor JSON"),
    ("bad-date", "row 2: Install Date: 'next week' is not a date"),
    (b'{"Items": [{"Legal Name": "X", "Status": "Active"}]}', "no 'Framework'"),
])
def test_malformed_lists_are_refused_with_one_line_and_exit_2(world, tmp_path, content,
                                                              message):
    path = tmp_path / "bad.xlsx"
    if content == "missing-column":
        write_dpf_list(path, LIST_ROWS[:1], headers=[h for h in HEADERS
                                                     if h != "Inactive Start Date"])
    elif content == "bad-date":
        write_dpf_list(path, [dict(LIST_ROWS[0], **{"Install Date": "next week"})])
    else:
        path.write_bytes(content)
    out = tmp_path / "r.json"
    code, output = _cli("report", world["capture"], "-o", out, "--dpf-list", path)
    assert code == 2 and not out.exists()
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"gdprmap: error: {path}: ")
    assert message in lines[0]
    assert _cli("kb", "status", "--dpf-list", path)[0] == 2
    with pytest.raises(InputError):
        gdprmap.analyze(world["capture"], dpf_list=path)


# --- every command takes --dpf-list -------------------------------------------------------------

def test_every_analysing_command_takes_the_option(world, tmp_path):
    common = ["--as-of", "2024-05-02", "--kb-override", world["kb"], "--dpf-list", world["list"]]
    out = tmp_path / "g.ttl"
    assert _cli("export", world["capture"], "-o", out, *common)[0] == 0
    assert "org:bravo" in out.read_text() or "bravo" in out.read_text()
    code, text = _cli("query", world["capture"], "SELECT ?id WHERE { ?r gm:recipientId ?id ; "
                      "gm:verdict 'adequate' }", *common)
    assert code == 0 and "org:bravo" in text and "org:golf" not in text
    new = tmp_path / "new.json"  # bravo's listing on 2024-05-02, in a diff of two reports
    assert _cli("report", world["capture"], "-o", new, *common)[0] == 0
    old = tmp_path / "old.json"
    assert _cli("report", world["capture"], "-o", old, "--as-of", "2024-05-01",
                "--kb-override", world["kb"], "--dpf-list", world["list"])[0] == 0
    code, text = _cli("diff", old, new, "--format", "json")
    changes = {c["id"]: (c["old"], c["new"]) for c in json.loads(text)["verdict_changes"]}
    assert code == 0 and changes == {"org:bravo": ("safeguards-required", "adequate")}
    code, text = _cli("diff", world["capture"], world["capture"], *common)
    assert code == 0, text
    register = tmp_path / "register.yaml"
    register.write_text(
        'register_version: "1"\ncontroller:\n  name: Site SAS\n  country: FR\n'
        "updated: 2024-01-01\nactivities:\n  - id: a\n    name: Analytics\n"
        "    purposes: [ServiceProvision]\n    data_categories: [IPAddress]\n"
        "    data_subjects: [visitors]\n    retention: 13 months\n    recipients:\n"
        "      - name: Golf Group, Inc.\n        country: US\n        hosts: [g.golf.example]\n"
        "        safeguards: [dpf]\n", encoding="utf-8")
    code, text = _cli("compare", register, world["capture"], "--format", "json", *common)
    assert code == 0, text
    problems = json.loads(text)["safeguard_mismatches"]
    assert any("ambiguous" in p["problem"] for p in problems if p["recipient"] == "org:golf")
    outdir = tmp_path / "batch"
    code, _ = _cli("batch", world["capture"], "-o", outdir, "-q", *common)
    assert code == 0
    site = next((outdir / "sites").glob("*.json"))
    doc = json.loads(next(p for p in (outdir / "sites").glob("*.json")
                          if not p.name.endswith(".manifest.json")).read_text())
    assert site and doc["knowledge"]["dpf_list"]["entries"] == 9


# --- kb status and the matching script ----------------------------------------------------------

def test_kb_status_shows_the_list_in_use(world):
    code, text = _cli("kb", "status", "--kb-override", world["kb"], "--dpf-list", world["list"])
    assert code == 0, text
    lines = dict(line.split(": ", 1) for line in text.splitlines())
    assert lines["DPF List in use"] == str(world["list"])
    assert lines["DPF List date"].startswith("2026-12-01")
    assert lines["DPF List sha256"] == hashlib.sha256(world["list"].read_bytes()).hexdigest()
    assert lines["DPF List entries"].startswith("9 EU-U.S. DPF entries of 11 rows")
    assert "6 of" in lines["DPF List matches"] and "1 ambiguous" in lines["DPF List matches"]
    assert lines["DPF statuses recorded"].split()[0].isdigit()
    assert " not-listed" in lines["DPF statuses recorded"]  # the statuses counted apart
    code, text = _cli("kb", "status")
    assert code == 0 and "DPF List in use: none" in text


def test_matching_script_reports_the_us_entities_matched(world):
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "dpf_match.py"),
                          str(world["list"]), "--kb-override", str(world["kb"])],
                         capture_output=True, text=True, check=False,
                         env={**__import__("os").environ, "PYTHONPATH": str(ROOT / "src")})
    assert out.returncode == 0, out.stderr
    assert "US entities matched" in out.stdout and "ambiguous: golf" in out.stdout
    assert "echo: row 6 'Echo Holdings, Inc.' by covered entity" in out.stdout


# --- kb fetch-dpf against a server on 127.0.0.1 --------------------------------------------------

class _Handler(http.server.BaseHTTPRequestHandler):
    body = b""
    seen: list[dict[str, object]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length", 0))
        _Handler.seen.append(json.loads(self.rfile.read(length)))
        if self.path == "/slow":
            threading.Event().wait(2)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        try:
            self.wfile.write(self.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (size cap)
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(world):
    _Handler.body = world["list"].read_bytes()
    _Handler.seen = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_fetch_writes_the_list(server, world, tmp_path):
    out = tmp_path / "dpf.xlsx"
    code, text = _cli("kb", "fetch-dpf", "-o", out, "--url", f"{server}/api/downloadfile")
    assert code == 0, text
    assert out.read_bytes() == world["list"].read_bytes()
    assert "9 EU-U.S. DPF entries" in text and "dated 2026-12-01" in text
    assert _Handler.seen[0]["FileName"] == "DataPrivacyFrameworkParticipantsList.xlsx"


def test_fetch_refuses_oversized_slow_and_non_list_answers(server, tmp_path):
    out = tmp_path / "dpf.xlsx"
    code, text = _cli("kb", "fetch-dpf", "-o", out, "--url", server, "--max-bytes", "1000")
    assert code == 2 and "larger than 1000 bytes" in text and not out.exists()
    code, text = _cli("kb", "fetch-dpf", "-o", out, "--url", f"{server}/slow",
                      "--timeout", "0.5")
    assert code == 2 and "no answer within 0.5 s" in text and not out.exists()
    _Handler.body = b"<html>maintenance</html>"
    code, text = _cli("kb", "fetch-dpf", "-o", out, "--url", server)
    assert code == 2 and "not a DPF List" in text and not out.exists()
    assert len(text.strip().splitlines()) == 1
    assert not list(tmp_path.glob(".dpf.xlsx.*"))  # no temporary file left


def test_fetch_offline_is_a_clear_error(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, text = _cli("kb", "fetch-dpf", "-o", tmp_path / "x.xlsx", "--url",
                      f"http://127.0.0.1:{port}/api/downloadfile", "--timeout", "2")
    assert code == 2 and "cannot connect" in text and "offline?" in text
    assert "dataprivacyframework.gov/list" in text and len(text.strip().splitlines()) == 1


def test_python_api_fetch(server, tmp_path):
    got = gdprmap.fetch_dpf_list(tmp_path / "l.xlsx", url=server)
    assert got.path.exists() and len(got.dpf_list.entries) == 9 and len(got.sha256) == 64


def test_parsed_list_is_cached_by_content(world, tmp_path, monkeypatch):
    copy = tmp_path / "copy.xlsx"
    copy.write_bytes(world["list"].read_bytes())
    first = dpf.read_dpf_list(copy)
    dpf._CACHE.clear()  # the in-process memo; the disk entry stays

    def boom(*_: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(dpf, "_workbook_rows", boom)
    again = dpf.read_dpf_list(copy)
    assert again.entries == first.entries and again.date == first.date
    assert again.rows == first.rows == 11


def test_a_name_of_another_legal_form_is_not_the_same_company(tmp_path):
    # "Acme Cloud, LLC" on the List is not "Acme Cloud, Inc." (a sister company, or one renamed
    # at an unknown date): the status is unknown, never the other company's - and never "not
    # listed" either. The same form written otherwise ("Incorporated") still matches.
    listed = dpf.read_dpf_list(write_dpf_list(tmp_path / "l.xlsx", [
        row("Acme Cloud, LLC", "2023-08-01"),
        row("Bravo Data Incorporated", "2023-08-01"),
        row("Charlie Group, LLC", "2023-08-01", covered="Charlie Labs, Inc., Charlie Labs LLC")]))
    acme = listed.lookup("Acme Cloud, Inc.")
    assert acme.other_form and not acme.ambiguous
    judged = dpf.judge(dpf.list_listing(acme, listed, "Acme Cloud, Inc."), dt.date(2024, 1, 1))
    assert judged.status == "unknown" and "another legal form" in judged.basis
    assert not listed.lookup("Acme Cloud").other_form  # a name without a form: as before
    bravo = listed.lookup("Bravo Data, Inc.")
    assert bravo.entry is not None and not bravo.other_form and bravo.via == ("legal name",)
    # a covered name of the same form decides, whatever the other spellings
    charlie = listed.lookup("Charlie Labs, Inc.")
    assert charlie.entry is not None and not charlie.other_form
    assert dpf.legal_form("Functional Software, Inc. (d/b/a Sentry)") == "inc"
    assert dpf.legal_form("Podium Corporation, Inc.") == "inc"
    assert dpf.legal_form("Atlassian Corporation") == "corp" != dpf.legal_form("Atlassian, Inc.")
    # a benefit corporation's designation after its form is not another form; alone it is one
    assert dpf.normalise_name("Osano, Inc., a Public Benefit Corporation") == "osano"
    assert dpf.legal_form("Osano, Inc., a Public Benefit Corporation") == "inc"
    assert dpf.legal_form("Union Global Inc. PBC") == "inc"
    assert dpf.legal_form("Help Scout PBC") == "pbc" != dpf.legal_form("Help Scout, Inc.")
    osano = dpf.read_dpf_list(write_dpf_list(tmp_path / "pbc.xlsx", [
        row("Osano, Inc., a Public Benefit Corporation", "2020-03-04")])).lookup("Osano, Inc.")
    assert osano.entry is not None and not osano.other_form


def test_the_bundled_records_keep_the_lapses_and_absences_the_list_copies_show():
    # read by hand in three List copies (2026-12-08): Pinterest withdrew on 2020-08-27 and is
    # active again only in the 2026 export; 33Across is on no row of any copy
    from gdprmap.enrich.kb import KnowledgeBase
    kb = KnowledgeBase.load()
    on = {day: kb.dated(dt.date.fromisoformat(day)).entity("pinterest-inc")
          for day in ("2024-01-01", "2025-06-01", "2026-06-01")}
    assert [e.dpf for e in on.values()] == ["inactive", "unknown", "active"]
    assert "inactive from 2020-08-27" in on["2024-01-01"].dpf_basis
    absent = kb.dated(dt.date(2025, 6, 1)).entity("33across-inc")
    assert absent.dpf == "not-listed"
    # a known copy of the export is cited by its date and hash, not only by where it was found
    assert absent.dpf_basis.startswith("not on the DPF List, per a copy of the DPF List export "
                                       "of 2026-03-24 (SHA-256 ac79ca2558e1b0b9..., https://")


def test_a_known_copy_of_the_export_is_cited_by_its_date_and_hash():
    copies = dpf.list_copies()
    assert len(copies) >= 3
    for url, (date, sha256) in copies.items():
        assert url.startswith("https://") and isinstance(date, dt.date)
        assert len(sha256) == 64 and int(sha256, 16) >= 0
        assert dpf.cite(url).startswith(f"a copy of the DPF List export of {date} (SHA-256 ")
    assert dpf.cite("https://vendor.example/dpf") == "https://vendor.example/dpf"
    url = next(iter(copies))
    listing = dpf.Listing("not-listed", url, copies[url][0])
    # the date is said once, with the export, not again after it
    assert dpf.judge(listing, copies[url][0]).basis.count(str(copies[url][0])) == 1
