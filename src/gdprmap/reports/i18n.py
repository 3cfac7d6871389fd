"""The report's fixed words in each language, and locale-aware formatting.

The words live in the message catalogs (``gdprmap/locale/<lang>/LC_MESSAGES/gdprmap.po``, read
by :mod:`gdprmap.catalogs`; the key forms are in ``locale/README.md``): section titles, labels,
verdict and severity words, DPV data-category labels, purpose hints, date patterns. Country
names, month names and number formats come from Babel's CLDR data (a catalog may override a
country's name with a ``country:XX`` key). EU/EEA membership comes from the ontology
(:mod:`gdprmap.jurisdictions`). The verdict WORD (``unlawful``, ``no-transfer`` ...) stays
visible in every language because users script against it: French labels read
``unlawful (illicite)``.

``lang`` is one of :data:`LANGUAGES` - the catalogs present; anything else raises ``ValueError``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import lru_cache

from .. import catalogs, jurisdictions
from ..models import Severity, Verdict

LANGUAGES: tuple[str, ...] = catalogs.languages()

DPV_PD = "https://w3id.org/dpv/pd#"
TO_COMPLETE = "to_complete"


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is supported, else raise ``ValueError``."""
    if lang not in LANGUAGES:
        raise ValueError(
            f"unsupported report language {lang!r}; choose one of {', '.join(LANGUAGES)}"
        )
    return lang


SEVERITY_RANK: dict[Severity, int] = {s: i for i, s in enumerate(Severity)}


# --- dates and numbers (Babel, CLDR data) ---------------------------------------------------


def format_date(value: dt.date | dt.datetime | None, lang: str) -> str:
    """``5 December 2022`` / ``5 décembre 2022``: the catalog's ``fmt:date`` CLDR pattern
    (``fmt:date_day1`` on the first of a month, French ``1er``)."""
    check_lang(lang)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = _utc(value).date()
    return catalogs.date(value, lang)


def format_datetime(value: dt.datetime | None, lang: str) -> str:
    """Date as :func:`format_date`, then the time; aware times are shown in UTC."""
    check_lang(lang)
    if value is None:
        return ""
    aware = value.tzinfo is not None and value.utcoffset() is not None
    value = _utc(value)
    zone = " UTC" if aware else ""
    return catalogs.text(lang, "fmt:datetime").format(date=format_date(value, lang),
                                                      time=f"{value:%H:%M:%S}{zone}")


def format_number(value: float, lang: str, decimals: int = 0) -> str:
    """``12,345.6`` in English, ``12 345,6`` in French (narrow no-break space): CLDR."""
    check_lang(lang)
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return str(format_decimal(value, format=pattern, locale=lang, decimal_quantization=True))


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(dt.UTC)
    return value


# --- lookups ----------------------------------------------------------------------------------


def strings(lang: str) -> Mapping[str, str]:
    """The plain keys (no ``prefix:``) of ``lang``'s catalog."""
    return {k: v for k, v in catalogs.messages(check_lang(lang)).items() if ":" not in k}


def t(lang: str, key: str, **values: object) -> str:
    """The fixed string ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    text = catalogs.text(check_lang(lang), key)
    return text.format(**values) if values else text


def colon(lang: str) -> str:
    """What follows a label: ``:`` in English, `` :`` (no-break space) in French."""
    return catalogs.text(check_lang(lang), "fmt:colon")


def _word(verdict: Verdict | str) -> str:
    return verdict.value if isinstance(verdict, Verdict) else str(verdict)


def _with_translation(word: str, lang: str, prefix: str) -> str:
    """``word (translation)``, or the word alone where the catalog keeps it as it is."""
    check_lang(lang)
    translated = catalogs.get(lang, f"{prefix}:{word}")
    if not translated or translated == word:
        return word
    return f"{word} ({translated})"


def verdict_label(verdict: Verdict | str, lang: str) -> str:
    """The verdict word, followed in French by its translation: ``unlawful (illicite)``."""
    return _with_translation(_word(verdict), lang, "verdict")


def verdict_meaning(verdict: Verdict | str, lang: str) -> str:
    return catalogs.get(check_lang(lang), f"meaning:{_word(verdict)}") or ""


def severity_label(severity: Severity | str, lang: str) -> str:
    return _with_translation(Severity(severity).value, lang, "severity")


def _fragment(iri: str) -> str:
    return re.split(r"[#/:]", iri.rstrip("#/"))[-1]


def _humanise(token: str) -> str:
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", token).split()
    if not words:
        return token
    out = [words[0]] + [w if w.isupper() and len(w) > 1 else w.lower() for w in words[1:]]
    return " ".join(out)


def _vocab_label(iri: str, lang: str) -> str | None:
    """The label the classifier's vocabulary gives ``iri`` (kept in step with the JSON)."""
    from .. import vocab

    if iri not in vocab.CATEGORIES:
        return None
    text = vocab.label(iri, lang)
    return text[0].upper() + text[1:]


def category_label(iri: str, lang: str, fallback: str | None = None) -> str:
    """Human label of a DPV personal-data category IRI: the classifier vocabulary's label,
    else this module's, else ``fallback`` (the assessment's own label), else the IRI's last
    segment made readable."""
    check_lang(lang)
    known = _vocab_label(iri, lang)
    if known:
        return known
    if iri.startswith(DPV_PD):
        mine = catalogs.get(lang, "pd:" + iri[len(DPV_PD) :])
        if mine:
            return mine
    if fallback:
        return fallback
    return _humanise(_fragment(iri)) or iri


_ART9_SUFFIX = re.compile(r"(?<!\s)\s*+\((?:GDPR\s+|RGPD\s+|DSGVO\s+)?art\.?\s*9\)\s*$",
                          re.IGNORECASE)


def without_art9(label: str) -> str:
    """``Health data (Art. 9)`` -> ``Health data`` (for places that show an Art. 9 tag)."""
    return _ART9_SUFFIX.sub("", label) or label


def category_curie(iri: str) -> str:
    """``pd:Health`` for a DPV personal-data IRI, the IRI itself otherwise."""
    if iri.startswith(DPV_PD):
        return "pd:" + iri[len(DPV_PD) :]
    return iri


def service_hint(category: str | None, lang: str) -> str | None:
    """A purpose hint for a service category (``analytics`` -> audience measurement)."""
    check_lang(lang)
    if not category:
        return None
    known = catalogs.get(lang, "service:" + category.strip().lower())
    if known:
        return known
    return category


# CLDR region codes that are no country: unknown, outlying Oceania, EU, euro area, UN, pseudo.
_NOT_COUNTRIES = frozenset({"ZZ", "QO", "EU", "EZ", "UN", "XA", "XB"})


@lru_cache(maxsize=None)
def _cldr_territories(lang: str) -> Mapping[str, str]:
    """ISO 3166-1 alpha-2 code -> CLDR name in ``lang`` (Babel's locale data)."""
    from babel import Locale

    return {code: name for code, name in Locale.parse(lang).territories.items()
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES}


def country_name(code: str | None, lang: str) -> str:
    """Localised name of an ISO 3166-1 alpha-2 code: the catalog's ``country:XX`` override,
    else Babel's CLDR name, else the code itself."""
    check_lang(lang)
    if not code:
        return t(lang, "unknown_country")
    code = code.upper()
    return (catalogs.own(lang).get(f"country:{code}") or _cldr_territories(lang).get(code)
            or code)


def is_eea(code: str | None, as_of: dt.date | None = None) -> bool:
    """EU/EEA territory on ``as_of`` according to the ontology (outermost regions included; the
    United Kingdom until 2020-12-31)."""
    return jurisdictions.is_eea(code, as_of)


def country_status(code: str | None, lang: str, as_of: dt.date | None = None) -> str:
    """``EU/EEA``, ``third country`` or ``unknown`` (geography only, not an adequacy claim)."""
    if not code:
        return t(lang, "unknown_country")
    return t(lang, "eea") if is_eea(code, as_of) else t(lang, "third_country")


_NOTE_AT_END = re.compile(r"\((?P<note>[^()]*)\)$")


@lru_cache(maxsize=None)
def _evidence_notes(lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """English note -> its text in ``lang``: the classifier's notes (``evidence:``) and what a
    redacted value looked like (``evidence_what:``)."""
    def pairs(prefix: str) -> dict[str, str]:
        own = catalogs.table(lang, prefix)
        return {text: own[key] for key, text in catalogs.table(catalogs.SOURCE, prefix).items()}

    return pairs("evidence"), pairs("evidence_what")


def evidence_text(text: str | None, lang: str) -> str | None:
    """A field or excerpt of the evidence with the classifier's closing note in ``lang``:
    ``request (source address of the connection)``, ``uid (identifier, value redacted)``.
    The JSON keeps the English note; only a note the catalogs know is replaced, so captured
    text that merely ends in brackets stays as it is."""
    if not text or lang == catalogs.SOURCE:
        return text
    m = _NOTE_AT_END.search(text)
    if m is None:
        return text
    notes, what = _evidence_notes(lang)
    note, redacted = m["note"], ", " + catalogs.text(catalogs.SOURCE, "evidence:value_redacted")
    if note in notes:
        new = notes[note]
    elif note.endswith(redacted) and note[:-len(redacted)] in what:
        new = f"{what[note[:-len(redacted)]]}, {catalogs.text(lang, 'evidence:value_redacted')}"
    else:
        return text
    return f"{text[:m.start()]}({new})"


class Translator:
    """Bundle of the helpers above bound to one language, handed to templates as ``_``."""

    def __init__(self, lang: str, as_of: dt.date | None = None) -> None:
        self.lang = check_lang(lang)
        self.as_of = as_of

    def __call__(self, key: str, **values: object) -> str:
        return t(self.lang, key, **values)

    def label(self, key: str, **values: object) -> str:
        """The string followed by a colon, French style (``Hôtes :``) in French."""
        return t(self.lang, key, **values) + colon(self.lang)

    def verdict(self, verdict: Verdict | str) -> str:
        return verdict_label(verdict, self.lang)

    def meaning(self, verdict: Verdict | str) -> str:
        return verdict_meaning(verdict, self.lang)

    def step_kind(self, kind: str) -> str:
        key = f"step_{kind}"
        return t(self.lang, key) if catalogs.get(self.lang, key) else kind

    def severity(self, severity: Severity | str) -> str:
        return severity_label(severity, self.lang)

    def category(self, iri: str, fallback: str | None = None) -> str:
        return category_label(iri, self.lang, fallback)

    def country(self, code: str | None) -> str:
        return country_name(code, self.lang)

    def status(self, code: str | None) -> str:
        return country_status(code, self.lang, self.as_of)

    def eea(self, code: str | None) -> bool:
        return is_eea(code, self.as_of)

    def date(self, value: dt.date | dt.datetime | None) -> str:
        return format_date(value, self.lang)

    def datetime(self, value: dt.datetime | None) -> str:
        return format_datetime(value, self.lang)

    def number(self, value: float, decimals: int = 0) -> str:
        return format_number(value, self.lang, decimals)

    def evidence(self, text: str | None) -> str | None:
        return evidence_text(text, self.lang)
