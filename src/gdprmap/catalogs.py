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


# The placeholders of a worded sentence (``worded``) that hold an ISO date: matched as one and
# written out in the report's language
DATE_FIELDS = frozenset({"date", "since", "until", "as_of"})
_ISO_DATE = r"\d{4}-\d\d-\d\d"


@lru_cache(maxsize=None)
def _forms(prefix: str) -> dict[str, tuple[str, ...]]:
    """The keys ``prefix:name`` and ``prefix:name.variant`` by name: the forms a placeholder
    ``{name}`` of a worded sentence takes (``dpf_part:on``, ``dpf_form:source.copy``)."""
    out: dict[str, list[str]] = {}
    for key in table(SOURCE, prefix):
        out.setdefault(key.split(".")[0], []).append(f"{prefix}:{key}")
    return {name: tuple(keys) for name, keys in out.items()}


@lru_cache(maxsize=None)
def _regex(key: str, family: str) -> str:
    """The English text of ``key`` as a regex: a date placeholder matches an ISO date, a
    placeholder that names a part (``{family}_part:<name>``) one of its forms or nothing, any
    other one some text; groups are named after the placeholders at the top level only."""
    parts = re.split(r"\{(\w+)\}", text(SOURCE, key))
    out, seen = [], set()
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(re.escape(part))
            continue
        if part in seen:  # the same value again ("a change since {date}")
            out.append(f"(?P={part})")
            continue
        seen.add(part)
        optional = _forms(f"{family}_part").get(part)
        inner = (_ISO_DATE if part in DATE_FIELDS else
                 "(?:" + "|".join(_bare(k, family) for k in optional) + ")?" if optional else
                 ".+?")
        out.append(f"(?P<{part}>{inner})")
    return "".join(out)


@lru_cache(maxsize=None)
def _bare(key: str, family: str) -> str:
    """:func:`_regex` without its group names, to sit inside another pattern."""
    return re.sub(r"\(\?P<\w+>", "(?:", re.sub(r"\(\?P=\w+\)", ".+?", _regex(key, family)))


@lru_cache(maxsize=None)
def _compiled(key: str, family: str) -> re.Pattern[str]:
    return re.compile(_regex(key, family))


@lru_cache(maxsize=None)
def _clauses(family: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The ``family:`` sentences as patterns, the most literal first: where two match, the
    more specific wording wins."""
    keys = [f"{family}:{k}" for k in table(SOURCE, family)]
    literal = {k: len(re.sub(r"\{\w+\}", "", text(SOURCE, k))) for k in keys}
    return tuple((k, _compiled(k, family)) for k in sorted(keys, key=lambda k: -literal[k]))


def _split_clauses(value: str) -> list[str]:
    """``value`` cut at each "; " outside parentheses."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(value):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and value.startswith("; ", i):
            out.append(value[start:i])
            start = i + 2
    return [*out, value[start:]]


def _reword_one(value: str, lang: str, keys: tuple[tuple[str, re.Pattern[str]], ...],
                family: str) -> str | None:
    for key, pattern in keys:
        m = pattern.fullmatch(value)
        if m is None:
            continue
        filled = {}
        for name, got in m.groupdict().items():
            if not got:
                filled[name] = ""
            elif name in DATE_FIELDS:
                filled[name] = date(got, lang, "date_text")
            else:
                forms = (_forms(f"{family}_part").get(name)
                         or _forms(f"{family}_form").get(name) or ())
                filled[name] = _reword_value(got, lang, forms, family) if forms else got
        return text(lang, key).format(**filled)
    return None


def _reword_value(value: str, lang: str, forms: tuple[str, ...], family: str) -> str:
    """A placeholder's value in one of its forms, or a "; "-joined list of them, in ``lang``;
    as it is otherwise (a URL, a name)."""
    keys = tuple((k, _compiled(k, family)) for k in forms)
    items = [_reword_one(item, lang, keys, family) for item in value.split("; ")]
    if len(items) > 1 and None not in items:  # a list: each item alone
        return text(lang, "fmt:semicolon").join(str(i) for i in items)
    done = _reword_one(value, lang, keys, family)
    return value if done is None else done


def worded(value: str, lang: str, family: str) -> str | None:
    """``value``, a sentence gdprmap wrote in English from the ``family:`` keys (the JSON keeps
    English: a destination's basis, a DPF or Privacy Shield status's reason), in ``lang``: clause by clause (joined by
    "; "), each clause's parts (``family_part:``) and recognised values (``family_form:``, e.g.
    a cited copy of the List) translated, dates written out, other values (URLs, names) kept.
    None when a clause is not one of gdprmap's sentences (a knowledge base's note)."""
    if lang == SOURCE:
        return value
    keys = _clauses(family)
    out = []
    for clause in _split_clauses(value):
        done = _reword_one(clause, lang, keys, family)
        if done is None:
            return None
        out.append(done)
    return text(lang, "fmt:semicolon").join(out)


def reason(value: str, lang: str, family: str) -> str:
    """A reason gdprmap gives in English - why data are placed in a country (``basis``), a DPF
    or Privacy Shield status's (``dpf``, ``ps``) - in ``lang``: :func:`worded`, or, where part
    of it is a knowledge base's note, the whole quoted as such (``kb_note``)."""
    done = worded(value, lang, family)
    return done if done is not None else text(lang, "kb_note").format(note=value)


def say(family: str, key: str, /, **values: object) -> str:
    """gdprmap's English sentence ``family:key`` (or a part, ``family_part:key``) filled with
    ``values``: what :func:`worded` translates back."""
    return text(SOURCE, f"{family}:{key}").format(**values)


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
