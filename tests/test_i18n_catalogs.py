"""The report languages come from gettext catalogs (src/gdprmap/locale, issue 18 item 6).

Every language has the template's keys with the same placeholders; the template is what the
extraction makes of the code and the templates; a folder with a catalog is a language; dates,
numbers and country names come from Babel's CLDR data; the EEA comes from the ontology alone.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from conftest import load_module

from gdprmap import catalogs, jurisdictions
from gdprmap.reports import i18n

ROOT = Path(__file__).resolve().parent.parent


def _script():
    return load_module("scripts/i18n_catalogs.py", "i18n_catalogs")


def test_catalogs_match_the_template_and_each_other() -> None:
    """Stale template, a key missing/empty/extra in a language, or a placeholder that differs:
    each is listed (the only documented fall-back: `country:` keys may be left out)."""
    problems = _script().check()
    assert not problems, "\n".join(problems)


def test_the_check_finds_a_missing_key_and_a_wrong_placeholder(tmp_path, monkeypatch) -> None:
    script = _script()
    locale = tmp_path / "locale"
    shutil.copytree(catalogs.LOCALE_DIR, locale)
    monkeypatch.setattr(script, "LOCALE", locale)
    fr = locale / "fr" / "LC_MESSAGES" / "gdprmap.po"
    text = fr.read_text(encoding="utf-8")
    text = text.replace('msgstr "{generator} · à la date du {date}"',
                        'msgstr "{generateur} · à la date du {date}"')
    text = re.sub(r'\nmsgid "sec_summary"\nmsgstr "[^"]*"\n', "\n", text)
    text = re.sub(r'\nmsgid "country:HK"\nmsgstr "[^"]*"\n', "\n", text)  # optional
    fr.write_text(text, encoding="utf-8")
    english = {m: catalogs.read(catalogs.catalog_path("en"))[m]
               for m in catalogs.read(catalogs.catalog_path("en"))}
    problems = script.language_problems("fr", list(english), english)
    assert any("'sec_summary' is missing" in p for p in problems), problems
    assert any("'footer' has placeholders ['date', 'generateur']" in p for p in problems), problems
    assert not any("country:HK" in p for p in problems), problems


def test_extraction_finds_template_and_code_keys() -> None:
    keys = {key for key, _, _ in _script().uses()}
    assert {"kicker", "cover_basis", "map_part", "to_complete", "sec_map"} <= keys
    english = catalogs.read(catalogs.catalog_path("en"))
    assert keys <= set(english), sorted(keys - set(english))


def test_a_folder_with_a_catalog_is_a_language(tmp_path, monkeypatch) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(catalogs.LOCALE_DIR, locale)
    (locale / "it" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(locale / "fr" / "LC_MESSAGES" / "gdprmap.po",
                locale / "it" / "LC_MESSAGES" / "gdprmap.po")
    (locale / "xx").mkdir()  # a folder without a catalog is no language
    monkeypatch.setattr(catalogs, "LOCALE_DIR", locale)
    catalogs.languages.cache_clear()
    try:
        assert catalogs.languages()[0] == "en"
        assert "it" in catalogs.languages() and "xx" not in catalogs.languages()
    finally:
        monkeypatch.undo()
        catalogs.languages.cache_clear()
    assert catalogs.languages() == i18n.LANGUAGES


def test_cli_lang_choices_are_the_catalogs() -> None:
    from click.testing import CliRunner

    from gdprmap.cli import main

    out = CliRunner().invoke(main, ["report", "--help"]).output
    assert "[" + "|".join(catalogs.languages()) + "]" in out.replace("\n", "").replace(" ", "")


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported report language 'xx'"):
        i18n.t("xx", "title")
    with pytest.raises(ValueError):
        catalogs.messages("xx")


@pytest.mark.parametrize("lang", catalogs.languages())
def test_every_language_formats_dates_numbers_and_countries(lang: str) -> None:
    first, other = dt.date(2024, 3, 1), dt.date(2022, 12, 5)
    for day in (first, other):
        text = i18n.format_date(day, lang)
        assert str(day.year) in text and re.search(r"\d", text)
    assert i18n.format_number(12345.6, lang, 1) not in ("", "12345.6")
    assert i18n.country_name("DE", lang) and i18n.country_name("DE", lang) != "DE"
    for key in ("fmt:date", "fmt:date_day1", "fmt:datetime", "fmt:colon"):
        assert catalogs.own(lang)[key]


def test_dates_numbers_countries_in_english_and_french() -> None:
    """Byte for byte as before the catalogs: CLDR through Babel, `1er` from the catalog."""
    assert i18n.format_date(dt.date(2024, 3, 1), "fr") == "1er mars 2024"
    assert i18n.format_date(dt.date(2022, 12, 5), "fr") == "5 décembre 2022"
    assert i18n.format_date(dt.date(2024, 3, 1), "en") == "1 March 2024"
    moment = dt.datetime(2022, 12, 5, 9, 3, 7, tzinfo=dt.UTC)
    assert i18n.format_datetime(moment, "fr") == "5 décembre 2022 à 09:03:07 UTC"
    assert i18n.format_datetime(moment, "en") == "5 December 2022, 09:03:07 UTC"
    assert i18n.format_number(1234567.25, "fr", 1) == "1\u202f234\u202f567,2"
    assert i18n.format_number(1234567, "en") == "1,234,567"
    assert i18n.country_name("HK", "en") == "Hong Kong"  # catalog override of CLDR's long name
    assert i18n.country_name("VA", "fr") == "Vatican"
    assert i18n.country_name("XK", "en") == "Kosovo"  # CLDR knows codes the old table lacked
    assert i18n.country_name("ZZ", "en") == "ZZ"  # CLDR's "Unknown Region" is no country
    assert i18n.verdict_label("unlawful", "fr") == "unlawful (illicite)"
    assert i18n.verdict_label("unlawful", "en") == "unlawful"
    assert i18n.severity_label("high", "fr") == "high (élevée)"
    assert i18n.Translator("fr").label("cover_basis").endswith("\u00a0:")


def test_the_eea_comes_from_the_ontology_only() -> None:
    eu = set("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
             .split())
    assert len(eu) == 27
    assert eu | {"IS", "LI", "NO"} <= jurisdictions.eea_codes()
    assert {"RE", "GP", "MQ", "GF", "YT", "MF", "AX"} <= jurisdictions.eea_codes()
    assert not {"CH", "GB", "US", "FO", "GI"} & jurisdictions.eea_codes()
    assert i18n.is_eea("GB", dt.date(2020, 12, 31)) and not i18n.is_eea("GB", dt.date(2021, 1, 1))
    assert i18n.is_eea("HU", dt.date(2024, 3, 1))
    # no second copy of the member list in Python
    member_list = re.compile(r"AT\W+BE\W+BG\W+HR")
    copies = [str(p.relative_to(ROOT)) for p in (ROOT / "src" / "gdprmap").rglob("*.py")
              if member_list.search(p.read_text(encoding="utf-8"))]
    assert not copies, copies


def test_the_wheel_ships_the_catalogs() -> None:
    """The catalogs sit inside the package, so the wheel's package data carries them."""
    for lang in catalogs.languages():
        path = catalogs.catalog_path(lang)
        assert path.is_relative_to(Path(catalogs.__file__).parent), path
    assert catalogs.template_path().is_file()


def test_no_per_language_tables_left_in_python() -> None:
    """Words per language live in the catalogs, not in `{"fr": {...}}` tables or `lang == "fr"`
    branches; the detected categories' labels too (``category:`` keys, not fields of vocab.py)."""
    pattern = re.compile(r"""["'](?:en|fr|de)["']\s*:\s*[{(]|lang\s*==\s*["'](?:fr|de)["']""")
    found = [f"{p.relative_to(ROOT)}:{i}" for p in (ROOT / "src" / "gdprmap").rglob("*.py")
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if pattern.search(line)]
    assert not found, found


def test_network_facts_in_french() -> None:
    from gdprmap.enrich.network import _registrant_finding
    from gdprmap.enrich.registrant import Registration

    reg = Registration(domain="example.net", protocol="rdap", server="rdap.example",
                       retrieved="2024-03-01T00:00:00Z", organisation="Example SA", country="FR")
    fr = _registrant_finding(reg, "fr")
    assert fr.explanation.startswith("Selon RDAP (rdap.example, 2024-03-01), le titulaire est "
                                     "Example SA, pays FR pour example.net.")
    assert catalogs.integer(12345, "fr") == "12\u202f345"
