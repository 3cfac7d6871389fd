"""The Privacy Shield status as of the capture's date (issue 14's rule for the DPF, applied to
its predecessor): a text of 2020 saying an organisation participates does not show it did in
2018, so a certification counts from the date a source shows it, never before."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from gdprmap.enrich.kb import EntityRecord, KnowledgeBase, privacy_shield_as_of


def record(**fields):
    return EntityRecord(name="Vendor, Inc.", country="US", parent_established=True,
                        sources=["https://vendor.example/privacy"], **fields)


@pytest.mark.parametrize("fields, as_of, expected", [
    # certified per a text read in 2020: unknown in 2018 and 2019, certified from the text on
    ({"privacy_shield_checked": dt.date(2020, 1, 10)}, dt.date(2019, 6, 1), "unknown"),
    ({"privacy_shield_checked": dt.date(2020, 1, 10)}, dt.date(2020, 1, 10), "certified"),
    # a date a source shows it certified on: from that date
    ({"privacy_shield_checked": dt.date(2020, 12, 8),
      "privacy_shield_since": dt.date(2016, 8, 15)}, dt.date(2018, 6, 1), "certified"),
    ({"privacy_shield_checked": dt.date(2020, 12, 8),
      "privacy_shield_since": dt.date(2019, 3, 1)}, dt.date(2018, 6, 1), "unknown"),
])
def test_certified_counts_from_the_date_a_source_shows(fields, as_of, expected):
    assert privacy_shield_as_of(record(privacy_shield="certified",
                                       privacy_shield_source="https://x", **fields),
                                as_of) == expected


def test_a_certification_ends_on_the_lists_inactive_start_date():
    lapse = dt.date(2020, 4, 12)
    rec = record(privacy_shield="certified", privacy_shield_source="https://x",
                 privacy_shield_checked=lapse, privacy_shield_since=dt.date(2017, 6, 6),
                 privacy_shield_until=lapse)
    assert privacy_shield_as_of(rec, dt.date(2017, 6, 5)) == "unknown"
    assert privacy_shield_as_of(rec, dt.date(2020, 4, 11)) == "certified"
    assert privacy_shield_as_of(rec, dt.date(2020, 4, 12)) == "not-certified"
    with pytest.raises(ValidationError, match="privacy_shield_until"):
        record(privacy_shield="not-certified", privacy_shield_source="https://x",
               privacy_shield_checked=lapse, privacy_shield_until=lapse)
    with pytest.raises(ValidationError, match="privacy_shield_until"):
        record(privacy_shield="certified", privacy_shield_source="https://x",
               privacy_shield_checked=lapse, privacy_shield_since=dt.date(2020, 5, 1),
               privacy_shield_until=lapse)
    # the bundled Kissmetrics record (the List: certified 2017-06-06, inactive from 2020-04-12)
    kb = KnowledgeBase.load()
    assert kb.dated(dt.date(2017, 1, 1)).entity("space-pencil-inc").privacy_shield == "unknown"
    assert kb.dated(dt.date(2019, 1, 1)).entity("space-pencil-inc").privacy_shield == "certified"
    lapsed = kb.dated(dt.date(2020, 5, 1)).entity("space-pencil-inc")
    assert lapsed.privacy_shield == "not-certified"
    assert "inactive from 2020-04-12" in lapsed.privacy_shield_basis


def test_not_certified_and_unknown_speak_only_from_their_date():
    rec = record(privacy_shield="not-certified", privacy_shield_checked=dt.date(2023, 9, 26),
                 privacy_shield_source="https://x")
    assert privacy_shield_as_of(rec, dt.date(2019, 1, 1)) == "unknown"
    assert privacy_shield_as_of(rec, dt.date(2024, 1, 1)) == "not-certified"
    assert privacy_shield_as_of(record(), dt.date(2019, 1, 1)) == "unknown"


def test_a_status_needs_its_date_and_source():
    with pytest.raises(ValidationError, match="privacy_shield_checked"):
        record(privacy_shield="certified")


def test_the_dated_knowledge_base_judges_the_bundled_records():
    kb = KnowledgeBase.load()
    certified = [eid for eid, e in kb.data.entities.items()
                 if e.privacy_shield == "certified" and not e.privacy_shield_until]
    assert certified
    for eid in certified:
        rec = kb.data.entities[eid]
        start = rec.privacy_shield_since or rec.privacy_shield_checked
        before, after = start - dt.timedelta(days=1), max(start, dt.date(2018, 5, 25))
        assert kb.dated(before).entity(eid).privacy_shield == "unknown"
        assert kb.dated(after).entity(eid).privacy_shield == "certified"
    # undated, the record as written (the JSON of `kb` commands, the coverage script)
    assert kb.entity(certified[0]).privacy_shield == "certified"


def test_the_finding_states_the_status_on_the_date_and_its_source(tmp_path):
    """Traceable: the entity step says the Privacy Shield status on the as-of date and the text
    it rests on - only while the Privacy Shield was in force (the ontology's dates)."""
    import json

    import gdprmap
    from conftest import entry, har

    def steps(when: str, as_of: str | None = None) -> str:
        page = "https://www.site.example/"
        path = tmp_path / "c.har"
        path.write_text(json.dumps(har([
            entry(page, when=when),
            entry("https://www.clarity.ms/tag/x", when=when, headers=[("Referer", page)])])))
        a = gdprmap.analyze(path, **({"as_of": as_of} if as_of else {}))
        [r] = a.recipients
        ent = r.organisation.chain[0] if r.organisation else None
        assert ent is not None
        return " ".join(s.text for f in r.findings for s in f.steps), ent

    text, ent = steps("2019-06-01T10:00:00+02:00")
    assert ent.privacy_shield == "certified" and ent.privacy_shield_basis
    assert "Privacy Shield status on 1 June 2019: certified" in text or \
        "Privacy Shield status on 2019-06-01: certified" in text
    text, ent = steps("2019-06-01T10:00:00+02:00", as_of="2024-03-01")
    assert "Privacy Shield status" not in text


def test_a_later_text_dating_a_certification_says_it_cannot_show_a_lapse():
    # a List row of 2026 dates a 2016 certification: a lapse before 2026 would not show on it
    from gdprmap.enrich.kb import privacy_shield_judged
    rec = record(privacy_shield="certified", privacy_shield_source="https://list.example/x.xlsx",
                 privacy_shield_checked=dt.date(2026, 3, 24),
                 privacy_shield_since=dt.date(2016, 8, 15))
    status, basis = privacy_shield_judged(rec, dt.date(2019, 6, 1))
    assert status == "certified"
    assert basis.endswith("2026-03-24; a lapse that ended before then would not show in it)")
