"""The message catalogs: every fixed word of the outputs, per language, in gettext ``.po`` files.

``locale/<lang>/LC_MESSAGES/gdprmap.po`` holds one language; a msgid is a key (``sec_summary``,
``verdict:unlawful``, ``step:observed`` - the forms are listed in ``locale/README.md``), the
msgstr its text. The languages offered are the folders that hold a catalog, so a translator adds
one without touching Python. Catalogs are read with Babel on first use and kept for the process.

A key missing from a language falls back to English (the test of the catalogs makes that a
failure, except for the optional ``country:`` overrides); a key missing from English is a
``KeyError``, a programming error.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "gdprmap"
SOURCE = "en"  # the language of the source text; every other catalog translates it


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def template_path() -> Path:
    return LOCALE_DIR / f"{DOMAIN}.pot"


@lru_cache(maxsize=1)
def languages() -> tuple[str, ...]:
    """The languages that have a catalog: English first, then by code."""
    try:
        found = {p.name for p in LOCALE_DIR.iterdir() if catalog_path(p.name).is_file()}
    except OSError:
        found = set()
    if SOURCE not in found:
        raise FileNotFoundError(f"{catalog_path(SOURCE)}: the English catalog is missing from "
                                "this installation")
    return (SOURCE, *sorted(found - {SOURCE}))


def read(path: Path) -> dict[str, str]:
    """``{msgid: msgstr}`` of a ``.po``/``.pot`` file; empty and fuzzy translations are left out
    (gettext's rule: they are not translations yet)."""
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        catalog = read_po(fh, domain=DOMAIN)
    out: dict[str, str] = {}
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or message.fuzzy:
            continue
        if isinstance(message.string, str) and message.string:
            out[message.id] = message.string
    return out


@lru_cache(maxsize=None)
def own(lang: str) -> dict[str, str]:
    """The catalog of ``lang`` (one of :func:`languages`) alone, without fall-back."""
    if lang not in languages():
        raise ValueError(f"unsupported report language {lang!r}; choose one of "
                         f"{', '.join(languages())}")
    return read(catalog_path(lang))


@lru_cache(maxsize=None)
def messages(lang: str) -> dict[str, str]:
    """The catalog of ``lang``, English under any key it lacks."""
    mine = own(lang)
    return mine if lang == SOURCE else {**own(SOURCE), **mine}


def text(lang: str, key: str) -> str:
    """The text of ``key`` in ``lang``; ``KeyError`` when not even English has it."""
    return messages(lang)[key]


def get(lang: str, key: str) -> str | None:
    return messages(lang).get(key)


@lru_cache(maxsize=None)
def table(lang: str, prefix: str) -> dict[str, str]:
    """The keys ``prefix:...`` of ``lang`` as ``{rest: text}`` (``table("fr", "step")``)."""
    head = prefix + ":"
    return {k[len(head):]: v for k, v in messages(lang).items() if k.startswith(head)}


@lru_cache(maxsize=None)
def _pattern(key: str) -> re.Pattern[str]:
    """The English text of ``key`` as a regex whose groups are its placeholders."""
    parts = re.split(r"\{(\w+)\}", text(SOURCE, key))
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)"
                              for i, p in enumerate(parts)))


def reword(value: str, lang: str, prefix: str) -> str:
    """``value``, written by gdprmap in English from a ``prefix:`` key of the catalogs (the
    JSON keeps English, e.g. a destination's basis), in ``lang``; any other text as it is."""
    if lang == SOURCE:
        return value
    for key in table(SOURCE, prefix):
        m = _pattern(f"{prefix}:{key}").fullmatch(value)
        if m:
            return text(lang, f"{prefix}:{key}").format(**m.groupdict())
    return value


def basis(value: str, lang: str) -> str:
    """Why data are placed in a country, in ``lang``: gdprmap's own wording (``basis:`` keys)
    translated; a knowledge-base note, which has no translation, quoted as such (``kb_note``)."""
    if lang == SOURCE:
        return value
    worded = reword(value, lang, "basis")
    return worded if worded != value else text(lang, "kb_note").format(note=value)


def integer(value: int, lang: str) -> str:
    """A count in ``lang``'s CLDR form (``1,234``, ``1 234``, ``1.234``)."""
    from babel.numbers import format_decimal

    return str(format_decimal(value, format="#,##0", locale=lang))


def date(value: dt.date | str, lang: str, form: str = "date") -> str:
    """A date in ``lang`` by the catalog's CLDR pattern ``fmt:<form>`` (``fmt:<form>_day1`` on
    the first of a month, French ``1er``). ``form="date_text"`` is the form inside sentences
    (findings, steps): English keeps ISO there, other languages write the date out.
    A string that is not an ISO date is returned as it is."""
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return value
    else:
        day = value.date() if isinstance(value, dt.datetime) else value
    from babel.dates import format_date

    pattern = text(lang, f"fmt:{form}_day1" if day.day == 1 else f"fmt:{form}")
    return str(format_date(day, pattern, locale=lang))
