"""The reasons of DPF and Privacy Shield statuses in the report's language.

The JSON keeps gdprmap's English reason (``dpf_basis``, ``privacy_shield_basis``); a German or
French report words it from the catalogs' ``dpf:`` and ``ps:`` sentences, clause by clause, with
the dates written out and the sources (URLs, a List's file and row) as they are. A reason that
quotes a knowledge base's note stays English, quoted as such.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from gdprmap import catalogs
from gdprmap.enrich import dpf
from gdprmap.enrich.kb import DpfLapse, KnowledgeBase
from test_dpf import assess, build_world

DATES = [dt.date(2017, 3, 1), dt.date(2020, 1, 1), dt.date(2022, 12, 5), dt.date(2023, 9, 1),
         dt.date(2024, 8, 1), dt.date(2026, 12, 1)]
# English a translated reason must not keep (outside URLs and quoted names)
ENGLISH = re.compile(r"\b(?:listed|from|until|per|row|read|dated|copy|certified|not on|"
                     r"inactive from|would not show)\b")
ISO = re.compile(r"\b\d{4}-\d\d-\d\d\b")


def _left(text: str) -> str:
    """``text`` without what it quotes as it is: URLs, paths, names in quotes."""
    return re.sub(r"https?://\S+|/\S+|'[^']*'", " ", text)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """test_dpf's fictional organisations and List."""
    return build_world(tmp_path_factory)


@pytest.fixture(scope="module")
def reasons() -> dict[str, set[str]]:
    """Every reason the bundled records give, at six dates."""
    kb = KnowledgeBase.load()
    out: dict[str, set[str]] = {"dpf": set(), "ps": set()}
    for day in DATES:
        view = kb.dated(day)
        for eid in kb.data.entities:
            e = view.entity(eid)
            if e.dpf_basis:
                out["dpf"].add(e.dpf_basis)
            if e.privacy_shield_basis:
                out["ps"].add(e.privacy_shield_basis)
    return out


@pytest.mark.parametrize("lang", ["de", "fr"])
@pytest.mark.parametrize("family", ["dpf", "ps"])
def test_every_reason_of_the_bundled_records_is_worded_without_english(reasons, family, lang):
    found = reasons[family]
    assert len(found) > (500 if family == "dpf" else 100)  # the check can fail
    for reason in found:
        worded = catalogs.worded(reason, lang, family)
        assert worded is not None, reason
        left = _left(worded)
        assert not ENGLISH.search(left), (reason, worded)
        assert not ISO.search(left), (reason, worded)  # dates written out


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_every_reason_read_on_a_list_is_worded(world, lang):
    """A List given with --dpf-list: rows, absences, other legal forms, ambiguous names, HR-only
    rows, lapses, dates before and after the List's."""
    seen = 0
    for as_of in ("2022-12-05", "2023-07-10", "2024-05-02", "2025-03-01", "2026-12-02"):
        for r in assess(world, as_of).recipients:
            for ent in r.organisation.chain if r.organisation else ():
                if ent.dpf_basis:
                    seen += 1
                    worded = catalogs.worded(ent.dpf_basis, lang, "dpf")
                    assert worded is not None, ent.dpf_basis
                    assert not ENGLISH.search(_left(worded)), (ent.dpf_basis, worded)
    assert seen > 40


def test_a_reason_in_german_and_french_names_the_copy_of_the_list_and_its_dates():
    url = next(iter(dpf.list_copies()))
    day, sha = dpf.list_copies()[url]
    listing = dpf.Listing("active", url, day, since=dt.date(2016, 11, 9),
                          lapses=(DpfLapse(since=dt.date(2023, 9, 2), seen=dt.date(2023, 12, 1),
                                           until=dt.date(2024, 1, 5), source=url),))
    reason = dpf.judge(listing, dt.date(2024, 3, 1)).basis
    assert reason.startswith("listed from 2016-11-09 (Install Date, per a copy of the DPF List "
                             f"export of {day} (SHA-256 {sha[:16]}..., {url})); inactive from "
                             "2023-09-02, listed again by 2024-01-05")
    german = catalogs.worded(reason, "de", "dpf")
    assert german.startswith("gelistet ab dem 9. November 2016 (Install Date, laut einer Kopie "
                             "des Exports der DPF-Liste vom ")
    assert german.endswith(f"(SHA-256 {sha[:16]}..., {url})); inaktiv ab dem 2. September "
                           "2023, spätestens am 5. Januar 2024 wieder gelistet")
    french = catalogs.worded(reason, "fr", "dpf")
    assert french.startswith("inscrite à partir du 9 novembre 2016 (Install Date, selon une "
                             "copie de l'export de la liste DPF du ")
    assert french.endswith("))\u00a0; inactive à partir du 2 septembre 2023, de nouveau inscrite "
                           "au plus tard le 5 janvier 2024")


def test_a_reason_quoting_a_knowledge_base_note_is_quoted_whole():
    reason = ("the DPF certification read does not cover Example Maps: the participant's "
              "Privacy Policy lists its ad services only")
    assert catalogs.worded(reason, "de", "dpf") is None
    assert catalogs.reason(reason, "de", "dpf") == catalogs.text("de", "kb_note").format(
        note=reason)
    # one clause of gdprmap's beside one it does not know: quoted whole, not half translated
    mixed = "not on the DPF List; searched 'Example' and 'Example Maps' in the 2026 export"
    assert catalogs.worded(mixed, "fr", "dpf") is None
    assert catalogs.reason("not on the DPF List", "fr", "dpf") == "ne figure pas sur la liste DPF"


def test_the_english_reason_is_the_catalogs_english():
    """``worded`` in English is the reason itself; each sentence key is one of the catalog's."""
    reason = dpf.judge(dpf.Listing("not-listed", None, dt.date(2026, 3, 24)),
                       dt.date(2025, 1, 1)).basis
    assert reason == ("not on the DPF List (read 2026-03-24); the source is of 2026-03-24, "
                      "before 2025-01-01: a change since 2026-03-24 would not show here") \
        or reason == "not on the DPF List (read 2026-03-24)"
    assert catalogs.worded(reason, "en", "dpf") == reason
    assert catalogs.text("en", "dpf:absent") == "not on the DPF List{on}{read}"


def test_no_part_of_a_sentence_is_named_like_a_date():
    """A placeholder named like a date matches a date; a part with such a name would never
    match (``{until}`` is a date, the optional " until DATE" is ``{end}``)."""
    for family in ("dpf", "ps"):
        assert not set(catalogs._forms(f"{family}_part")) & catalogs.DATE_FIELDS
        assert not set(catalogs._forms(f"{family}_form")) & catalogs.DATE_FIELDS


def test_a_repeated_value_must_be_the_same_value():
    carried = catalogs.say("dpf", "carried", date="2026-03-24", as_of="2026-12-01")
    assert catalogs.worded(carried, "de", "dpf") == (
        "die Quelle ist vom 24. März 2026, also vor dem 1. Dezember 2026: eine Änderung seit "
        "dem 24. März 2026 wäre hier nicht zu sehen")
    forged = carried.replace("a change since 2026-03-24", "a change since 2025-01-01")
    assert catalogs.worded(forged, "de", "dpf") is None
