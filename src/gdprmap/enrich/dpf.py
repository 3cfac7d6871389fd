"""The EU-U.S. Data Privacy Framework List as data: read it, match entities to it, judge a listing
as of a date, download it (issue 14).

**The List.** The Department of Commerce publishes the List at
<https://www.dataprivacyframework.gov/list>, a JavaScript page whose "download" button fetches
the workbook ``DataPrivacyFrameworkParticipantsList.xlsx`` from the site's API (a POST to
``https://dpfapi.azurewebsites.net/api/downloadfile`` naming the file). Its columns, as three
copies of it dated 2024-05-16, 2024-12-13 and 2026-03-24 have them (looked at 2026-12-07, in
that order, on one sheet, dates written M/D/YYYY), are: Public Display Name, Legal Name, Install
Date, Usage End Date, Inactive Start Date, Framework, Status, HR Data, Non-HR Data, Street, City,
State, Postal Code, Covered Entities, Industries, Privacy Policies, Public Link. Its date is the
package's own ``dcterms:modified``, which those copies keep in a ``.psmdcp`` part.
Columns are found by their header text, never by position; a file without the columns the
judgement needs is refused. A JSON export (a list of objects, or the API's ``{"Items": [...]}``)
is read the same way, its keys compared with the header texts (``LegalName`` = "Legal Name"),
with the API's nested ``EUCert`` object read as the EU-U.S. framework's row.

**Matching** (``DpfList.lookup``): an entity's legal name, normalised (case, accents,
punctuation, parenthesised text and legal-form suffixes dropped), against each EU-U.S. entry's
Legal Name and each name in its Covered Entities, and its recorded participant id against the id
in the entry's Public Link. Never the display name: brands are shared and renamed. Two or more
different entries matching is *ambiguous* and reported, never resolved by a guess.

**Judgement** (``judge``): a listed organisation is covered at the as-of date only if the date is
on or after 2023-07-10 (the DPF decision's entry into force), on or after its listing (Install)
date and before its Inactive Start Date. An organisation found only among another participant's
Covered Entities has no Install Date of its own (the participant's dates its own listing; a
subsidiary acquired later is added later): it counts as covered from the List's date only.
"Active - Re-certification under Review" counts as active. A fact the record or the List does
not give (the listing date, since when an inactive organisation is inactive) makes the status
``unknown`` on the dates it decides - never adequate.
An entity absent from a full List is ``not-listed``: the site's search gives false negatives, the
export does not (organisations that left stay on it as Inactive). A status read on a date before
the as-of date is carried forward, and its sentence says that a later change would not show.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .. import catalogs
from ..errors import InputError

if TYPE_CHECKING:
    from .kb import DpfLapse, EntityRecord, KnowledgeBase

DPF_IN_FORCE = dt.date(2023, 7, 10)  # Commission Implementing Decision (EU) 2023/1795
LIST_PAGE = "https://www.dataprivacyframework.gov/list"
DOWNLOAD_URL = "https://dpfapi.azurewebsites.net/api/downloadfile"
DOWNLOAD_NAME = "DataPrivacyFrameworkParticipantsList.xlsx"
MAX_DOWNLOAD = 32 * 1024 * 1024  # the workbook was ~1.5 MB in 2026
USER_AGENT = "gdprmap (DPF List download; https://w3id.org/gdprmap)"

Status = Literal["active", "inactive", "not-listed", "unknown"]

# Header text (normalised: lower-case letters and digits only) -> field. Aliases are the same
# header written as a JSON key; nothing is read by position.
COLUMNS: dict[str, tuple[str, ...]] = {
    "legal_name": ("legalname", "organizationlegalname", "organisationlegalname"),
    "display_name": ("publicdisplayname", "organizationpublicdisplayname"),
    "status": ("status", "publicstatus"),
    "framework": ("framework", "frameworkname"),
    "install": ("installdate",),
    "inactive": ("inactivestartdate",),
    "usage_end": ("usageenddate",),
    "covered": ("coveredentities",),
    "non_hr": ("nonhrdata",),
    "link": ("publiclink",),
}
REQUIRED = ("legal_name", "status", "framework", "install", "inactive", "covered", "non_hr")
HEADER_TEXT = {"legal_name": "Legal Name", "status": "Status", "framework": "Framework",
               "install": "Install Date", "inactive": "Inactive Start Date",
               "covered": "Covered Entities", "non_hr": "Non-HR Data"}


# --- names ----------------------------------------------------------------------------------

_SUFFIXES = frozenset("""inc incorporated llc lc llp lp ltd limited corp corporation co company
plc pbc pc gmbh ag sa sas sarl bv nv srl spa ab as aps oy kk pty pte""".split())


def _name_words(name: str) -> list[str]:
    """A legal name's words: no case, accents, punctuation, parenthesised text ("(d/b/a
    Sentry)") or "d/b/a ..." tails; dotted abbreviations joined ("L.L.C." -> "llc")."""
    text = unicodedata.normalize("NFKD", name[:300])  # legal names are short (issue 17)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"\([^)]*\)", " ", text)
    text = re.split(r"\b(?:d/b/a|dba|doing business as|f/k/a|fka|formerly)\b", text)[0]
    text = text.replace("&", " and ")
    text = re.sub(r"\b([a-z])\.(?=[a-z]\.)", r"\1", text)  # "l.l.c." -> "llc."
    text = re.sub(r"\b([a-z])\.([a-z])\.?(?![a-z])", r"\1\2", text)
    words = re.sub(r"[^0-9a-z]+", " ", text).split()
    # "Osano, Inc., a Public Benefit Corporation", "Union Global Inc. PBC": a benefit
    # corporation's designation after its legal form is part of the name, not another form
    for tail in _BENEFIT_DESIGNATIONS:
        if len(words) > len(tail) + 1 and words[-len(tail):] == tail and (
                words[-len(tail) - 1] in _SUFFIXES):
            return words[:-len(tail)]
    return words


_BENEFIT_DESIGNATIONS = (["a", "public", "benefit", "corporation"],
                         ["public", "benefit", "corporation"], ["pbc"])


def normalise_name(name: str) -> str:
    """The comparison form of a legal name (:func:`_name_words`) without its trailing
    legal-form words ("Inc.", "L.L.C.") and a leading "The"."""
    words = _name_words(name)
    while words and words[-1] in _SUFFIXES:
        words.pop()
    if words and words[0] == "the" and len(words) > 1:
        words.pop(0)
    return " ".join(words)


_FORMER = re.compile(r"\b(?:f/k/a|fka|formerly(?: known as)?),?\s+([^()]+?)\s*(?:\)|$)", re.I)


def former_names(name: str) -> list[str]:
    """The earlier names a legal name gives for itself ("Teads Holding Co. f/k/a Outbrain Inc.",
    "Awes.me, Inc. (formerly SmugMug, Inc.)"): the same legal person, renamed."""
    return [m.group(1) for m in _FORMER.finditer(name[:300]) if normalise_name(m.group(1))]


# Spellings of one legal form; a form not listed is its own.
_FORM_FAMILY = {"incorporated": "inc", "corporation": "corp", "lc": "llc", "limited": "ltd",
                "company": "co"}


def legal_form(name: str) -> str | None:
    """The legal form a name ends with ("Inc." and "Incorporated" alike), or None without one.
    Two names that normalise alike but carry different forms ("Atlassian Corporation",
    "Atlassian, Inc.") may be two companies of one group."""
    words = _name_words(name)
    if not words or words[-1] not in _SUFFIXES:
        return None
    return _FORM_FAMILY.get(words[-1], words[-1])


def covered_names(cell: str) -> list[str]:
    """The names in a Covered Entities cell. Names are separated by new lines, semicolons or
    commas; a comma also precedes legal forms ("Segment.io, Inc."), so a piece that is only a
    legal form is put back onto the name before it."""
    names: list[str] = []
    for line in re.split(r"[\n;|]+", cell):
        pieces: list[str] = []
        for piece in line.split(","):
            if pieces and not normalise_name(piece) and piece.strip():
                pieces[-1] += "," + piece
            else:
                pieces.append(piece)
        names += [p.strip() for p in pieces if normalise_name(p)]
    return names


# --- the List -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ListEntry:
    """One EU-U.S. DPF row of the List."""

    row: int  # workbook row (1-based, header included) or JSON item number (1-based)
    legal_name: str
    status: str  # as written in the List
    install: dt.date | None
    inactive: dt.date | None
    covered: tuple[str, ...] = ()
    display_name: str | None = None
    usage_end: dt.date | None = None
    non_hr: bool | None = None  # None: the Non-HR Data value is not understood
    non_hr_text: str = ""
    link: str | None = None

    @property
    def participant_id(self) -> str | None:
        m = re.search(r"/participant/(\d+)", self.link or "")
        return m.group(1) if m else None

    @property
    def listed_status(self) -> Status:
        text = re.sub(r"[\u2010-\u2015\-]+", "-", self.status.casefold()).strip()
        if text.startswith("inactive"):
            return "inactive"
        if text.startswith("active"):  # also "Active - Re-certification under Review"
            return "active"
        return "unknown"


OTHER_FORM = ", another legal form"


@dataclass(frozen=True)
class ListMatch:
    """How an entity matched the List: ``entries`` empty = not on it; two or more = ambiguous."""

    entries: tuple[ListEntry, ...]
    # per entry: "legal name", "covered entity", "participant id", "former legal name" (the
    # List's row names ours after "f/k/a") or "legal name, as formerly named" (our record's)
    via: tuple[str, ...]

    @property
    def entry(self) -> ListEntry | None:
        return self.entries[0] if len(self.entries) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.entries) > 1

    @property
    def other_form(self) -> bool:
        """The one entry matched by a name of another legal form (not the same company)."""
        return self.entry is not None and self.via[0].endswith(OTHER_FORM)


@dataclass
class DpfList:
    """The EU-U.S. entries of one List file, indexed by normalised legal and covered names."""

    path: str
    sha256: str
    date: dt.date | None  # the List's own date (the workbook's "modified" property), if any
    date_basis: str
    rows: int  # data rows read (every framework)
    entries: tuple[ListEntry, ...]
    _names: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _covered: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _ids: dict[str, list[int]] = field(default_factory=dict, repr=False)
    # a participant renamed on the List keeps its earlier name after "f/k/a" in its Legal Name
    _former: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for i, e in enumerate(self.entries):
            self._names.setdefault(normalise_name(e.legal_name), []).append(i)
            for name in former_names(e.legal_name):
                self._former.setdefault(normalise_name(name), []).append(i)
            for name in e.covered:
                self._covered.setdefault(normalise_name(name), []).append(i)
            if e.participant_id:
                self._ids.setdefault(e.participant_id, []).append(i)

    def lookup(self, legal_name: str, participant_id: str | None = None) -> ListMatch:
        key = normalise_name(legal_name)
        ours = legal_form(legal_name)
        found: dict[int, str] = {}
        self._match(found, ours, [
            (self._ids.get(participant_id or "", []), "participant id", key),
            (self._names.get(key, []) if key else [], "legal name", key),
            (self._covered.get(key, []) if key else [], "covered entity", key)])
        by_id = {i: how for i, how in found.items() if how == "participant id"}
        if by_id:
            # the participant the record names (read by hand, e.g. the organisation's own entry
            # beside a withdrawn one for a business line of the same name) decides
            found = by_id
        if not found:
            # renamed, the same legal person: the List's row names ours after "f/k/a" ("X
            # f/k/a <ours>"), or is still under the name our record gives as its former one
            self._match(found, ours, [(self._former.get(key, []) if key else [],
                                       "former legal name", key)])
            for earlier in former_names(legal_name):
                k = normalise_name(earlier)
                self._match(found, legal_form(earlier),
                            [(self._names.get(k, []), "legal name, as formerly named", k)])
        # The same organisation written twice (e.g. its own name among its covered entities)
        # is one entry, not an ambiguity.
        return ListMatch(tuple(self.entries[i] for i in found), tuple(found.values()))

    def _match(self, found: dict[int, str], ours: str | None,
               passes: list[tuple[list[int], str, str]]) -> None:
        """Add each pass's entries to ``found`` (entry index -> how), an entry matched only by
        a name of another legal form than ``ours`` marked so (a same-form match may follow)."""
        for index, how, key in passes:
            for i in index:
                if how != "participant id" and ours:
                    e = self.entries[i]
                    names = ([c for c in e.covered if normalise_name(c) == key]
                             if how == "covered entity" else
                             [n for n in former_names(e.legal_name) if normalise_name(n) == key]
                             if how == "former legal name" else [e.legal_name])
                    if all(legal_form(n) not in (None, ours) for n in names):
                        found.setdefault(i, how + OTHER_FORM)
                        continue
                if found.get(i, "").endswith(OTHER_FORM):
                    del found[i]
                found.setdefault(i, how)

    def describe(self) -> str:
        date = f"dated {self.date} ({self.date_basis})" if self.date else "undated"
        return f"{self.path}, {date}, sha256 {self.sha256}"


_CACHE: dict[tuple[str, str], DpfList] = {}


def read_dpf_list(path: Path | str) -> DpfList:
    """The List in ``path``: the official workbook (.xlsx) or a JSON export, recognised by
    content. Raises ``InputError`` (file, row, column) for a file that is not a usable List."""
    p = Path(path)
    try:
        content = p.read_bytes()
    except OSError as e:
        raise InputError(str(path), f"cannot read the DPF List: {e.strerror or e}") from e
    sha = hashlib.sha256(content).hexdigest()
    cached = _CACHE.get((str(p.resolve()), sha))
    if cached is not None:
        return cached
    cache = _parsed_cache(sha)
    parsed = _read_parsed(cache)
    if parsed is None:
        if content[:4] == b"PK\x03\x04":
            rows, date, basis = _workbook_rows(str(path), content)
        else:
            rows, date, basis = _json_rows(str(path), content)
        entries, count = _entries(str(path), rows)
        _write_parsed(cache, date, basis, count, entries)
    else:
        date, basis, count, entries = parsed
    result = DpfList(str(path), sha, date, basis, count, tuple(entries))
    _CACHE[(str(p.resolve()), sha)] = result
    return result


# The parsed entries of a List, cached by the file's SHA-256 (and this module's code): openpyxl
# takes seconds over the ~8,000-row official workbook, and a batch reads it in every worker. JSON,
# not pickle; a damaged entry is a miss (resources.DerivedCache).
_CACHE_FORMAT = "gdprmap-dpf-list-2"  # 2: the date read from the package itself
_DATES = ("install", "inactive", "usage_end")


def _parsed_cache(sha: str) -> Any:
    from ..resources import DerivedCache, digest

    return DerivedCache("dpf-list", digest(_CACHE_FORMAT, Path(__file__).read_bytes(), sha))


def _read_parsed(cache: Any) -> tuple[dt.date | None, str, int, list[ListEntry]] | None:
    raw = cache.read()
    if raw is None:
        return None
    try:
        doc = json.loads(raw)
        if doc["format"] != _CACHE_FORMAT:
            return None
        entries = []
        for e in doc["entries"]:
            for key in _DATES:
                e[key] = dt.date.fromisoformat(e[key]) if e[key] else None
            e["covered"] = tuple(e["covered"])
            entries.append(ListEntry(**e))
        date = dt.date.fromisoformat(doc["date"]) if doc["date"] else None
        return date, str(doc["basis"]), int(doc["rows"]), entries
    except (ValueError, KeyError, TypeError):
        return None


def _write_parsed(cache: Any, date: dt.date | None, basis: str, rows: int,
                  entries: list[ListEntry]) -> None:
    import dataclasses

    def plain(e: ListEntry) -> dict[str, Any]:
        d = dataclasses.asdict(e)
        for key in _DATES:
            d[key] = d[key].isoformat() if d[key] else None
        return d

    cache.write(json.dumps({"format": _CACHE_FORMAT, "date": date.isoformat() if date else None,
                            "basis": basis, "rows": rows,
                            "entries": [plain(e) for e in entries]}).encode())


Row = tuple[int, dict[str, Any]]  # row number, field -> raw value


def _field_of(header: object) -> str | None:
    key = re.sub(r"[^0-9a-z]", "", str(header or "").casefold())
    for name, aliases in COLUMNS.items():
        if key in aliases:
            return name
    return None


def _missing(path: str, found: Iterable[str], what: str) -> InputError:
    missing = [HEADER_TEXT[f] for f in REQUIRED if f not in set(found)]
    return InputError(path, f"not a DPF List: {what} has no "
                            f"{', '.join(repr(m) for m in missing)} column "
                            f"(needs {', '.join(HEADER_TEXT[f] for f in REQUIRED)})")


# The package's core-properties part, wherever its relationship puts it: the official List
# keeps it in package/services/metadata/core-properties/*.psmdcp (no docProps/core.xml), and
# openpyxl, finding none, reports the time of reading as "modified" - a List misdated to today.
_CORE_REL = re.compile(r'<Relationship\b[^>]*?Type="[^"]*/metadata/core-properties"[^>]*>')
_TARGET = re.compile(r'Target="([^"]+)"')
_MODIFIED = re.compile(r"<dcterms:modified\b[^>]*>\s*(\d{4}-\d{2}-\d{2})")


def _package_modified(content: bytes) -> dt.date | None:
    """The workbook's own ``dcterms:modified`` date, or None when the package has none."""
    import io
    import zipfile
    import zlib

    def head(z: zipfile.ZipFile, name: str) -> str:  # both parts are a few hundred bytes
        with z.open(name) as fh:
            return fh.read(1 << 16).decode("utf-8-sig", "replace")

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            rel = _CORE_REL.search(head(z, "_rels/.rels"))
            target = _TARGET.search(rel.group(0)) if rel else None
            if target is None:
                return None
            core = head(z, target.group(1).lstrip("/"))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, zlib.error):
        return None
    found = _MODIFIED.search(core)
    try:
        return dt.date.fromisoformat(found.group(1)) if found else None
    except ValueError:
        return None


def _workbook_rows(path: str, content: bytes) -> tuple[list[Row], dt.date | None, str]:
    import io
    import zipfile

    try:
        import openpyxl
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise InputError(path, "reading a .xlsx DPF List needs openpyxl "
                               "(pip install openpyxl)") from e
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as e:
        raise InputError(path, f"not a readable .xlsx workbook: {e}") from e
    try:
        date = _package_modified(content)
        best: set[str] = set()
        for sheet in book.worksheets:
            columns: dict[int, str] = {}
            header_row = 0
            rows = sheet.iter_rows(values_only=True)
            for number, values in enumerate(rows, start=1):
                if number > 20:
                    break
                fields = {i: f for i, v in enumerate(values) if (f := _field_of(v))}
                if {"legal_name", "status"} <= set(fields.values()):
                    columns, header_row = fields, number
                    break
            if not columns:
                continue
            if not set(REQUIRED) <= set(columns.values()):
                best = set(columns.values())
                continue
            out: list[Row] = []
            for number, values in enumerate(rows, start=header_row + 1):
                record = {f: values[i] for i, f in columns.items() if i < len(values)}
                if any(v not in (None, "") for v in record.values()):
                    out.append((number, record))
            return out, date, "the workbook's modified date"
        raise _missing(path, best, "no sheet" if not best else "its header row")
    finally:
        book.close()


def _json_rows(path: str, content: bytes) -> tuple[list[Row], dt.date | None, str]:
    try:
        doc = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as e:
        raise InputError(path, "not a DPF List: neither an .xlsx workbook nor JSON "
                               f"({e})") from e
    items = doc.get("Items", doc.get("items")) if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise InputError(path, "not a DPF List: JSON without a list of participants "
                               "(a list, or an object with \"Items\")")
    date = None
    basis = "not recorded in the file"
    if isinstance(doc, dict):
        for key, value in doc.items():
            if _norm(key) in ("filemodified", "modified", "date", "listdate"):
                date = _parse_date(path, 0, "date", value)
                basis = f"the file's {key!r}"
    out: list[Row] = []
    seen: set[str] = set()
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise InputError(path, "a participant is not a JSON object", field=f"row {number}")
        record: dict[str, Any] = {}
        for key, value in item.items():
            if (f := _field_of(key)) is not None:
                record[f] = value
        eu = next((v for k, v in item.items() if _norm(k) == "eucert"), None)
        if isinstance(eu, dict):  # the API: one object per framework; EUCert is EU-U.S.
            for key, value in eu.items():
                if (f := _field_of(key)) is not None:
                    record[f] = value
            record["framework"] = "EU-U.S. Data Privacy Framework"
        elif "eucert" in {_norm(k) for k in item}:  # "EUCert": null - not in the EU-U.S. DPF
            record.setdefault("framework", "")
        seen |= set(record)
        out.append((number, record))
    if items and not set(REQUIRED) <= seen:
        raise _missing(path, seen, "its participants")
    return out, date, basis


def _norm(key: object) -> str:
    return re.sub(r"[^0-9a-z]", "", str(key).casefold())


def _entries(path: str, rows: list[Row]) -> tuple[list[ListEntry], int]:
    entries: list[ListEntry] = []
    for number, rec in rows:
        framework = _text(rec.get("framework"))
        if not _is_eu_us(framework):
            continue
        legal = _text(rec.get("legal_name"))
        if not legal:
            raise InputError(path, "an EU-U.S. DPF entry without a Legal Name",
                             field=f"row {number}: Legal Name")
        non_hr_text = _text(rec.get("non_hr"))
        entries.append(ListEntry(
            row=number, legal_name=legal, status=_text(rec.get("status")),
            install=_parse_date(path, number, "Install Date", rec.get("install")),
            inactive=_parse_date(path, number, "Inactive Start Date", rec.get("inactive")),
            usage_end=_parse_date(path, number, "Usage End Date", rec.get("usage_end")),
            covered=tuple(covered_names(_text(rec.get("covered")))),
            display_name=_text(rec.get("display_name")) or None,
            non_hr=_yes_no(non_hr_text), non_hr_text=non_hr_text,
            link=_text(rec.get("link")) or None))
    return entries, len(rows)


def _is_eu_us(framework: str) -> bool:
    """Whether a Framework cell names the EU-U.S. DPF (not only its UK Extension or the
    Swiss-U.S. DPF). A cell may name several frameworks."""
    for part in re.split(r"[\n;,|]+", framework):
        key = _norm(part)
        if "euus" in key and "ukextension" not in key and "swiss" not in key:
            return True
    return False


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value)
    if isinstance(value, dict):
        return _text(value.get("Name") or value.get("name") or "")
    return str(value).strip()


_YES = frozenset({"yes", "y", "true", "x", "1", "covered", "included", "nonhrdata", "nonhr"})
_NO = frozenset({"no", "n", "false", "0", "notcovered"})


def _yes_no(text: str) -> bool | None:
    key = _norm(text)
    if text.strip() in ("✓", "✔"):
        return True
    return True if key in _YES else False if key in _NO else None


_MONTHS = "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y"


def _parse_date(path: str, row: int, column: str, value: object) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    iso = re.match(r"^(\d{4}-\d{2}-\d{2})", text)
    try:
        if iso:
            return dt.date.fromisoformat(iso.group(1))
        us = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})\b", text)  # the US form, M/D/YYYY
        if us:
            return dt.date(int(us.group(3)), int(us.group(1)), int(us.group(2)))
        for fmt in _MONTHS:
            try:
                return dt.datetime.strptime(re.sub(r"^\w+day,\s*", "", text.split(" at ")[0]),
                                            fmt).date()
            except ValueError:
                continue
    except ValueError:
        pass
    where = f"row {row}: {column}" if row else column
    raise InputError(path, f"{text!r} is not a date (YYYY-MM-DD, M/D/YYYY or an Excel date)",
                     field=where)


# --- judgement ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Listing:
    """What one source says about an organisation's place on the List."""

    status: Status  # as recorded (knowledge base) or as read (List)
    source: str | None  # URL or List file read
    checked: dt.date | None  # when it was read (the List's date for a List)
    since: dt.date | None = None  # Install Date
    until: dt.date | None = None  # Inactive Start Date
    participant_id: str | None = None
    non_hr: bool | None = True  # False: the listing covers HR data only
    note: str | None = None  # e.g. what made it ambiguous
    # the participant whose Covered Entities name the organisation: its Install Date is that
    # participant's own, not the date the organisation became covered (e.g. a later acquisition)
    covered_by: str | None = None
    # times off the List that earlier copies showed and this row no longer does (a
    # re-certified participant keeps its first Install Date and loses its Inactive Start Date)
    lapses: tuple[DpfLapse, ...] = ()


@dataclass(frozen=True)
class Judgement:
    """An entity's DPF List status as of one date, with the reason in one sentence."""

    status: Status
    basis: str
    listing: Listing


def judge(listing: Listing, as_of: dt.date) -> Judgement:
    """Whether ``listing`` covered its organisation on ``as_of`` (see the module docstring).
    The reason is worded from the catalogs' ``dpf:`` sentences, which reports translate."""

    def say(status: Status, basis: str, shown: Listing = listing) -> Judgement:
        if status != "unknown" and listing.checked and as_of > listing.checked:
            # the source cannot show the as-of date: the status read is carried forward, and
            # the sentence says so (a listing can end, or begin, after the List was read)
            basis += "; " + words("carried", date=listing.checked, as_of=as_of)
        return Judgement(status, basis, shown)

    read = part("read", date=listing.checked) if listing.checked else ""
    # the text or List row a status rests on, named in the sentence the report prints (a
    # company's own statement is not the List: the reader must see which it was)
    per = part("per", source=cite(listing.source)) if listing.source else ""
    # ... and for a date read on the List, the List it was read on and that List's date
    on = part("on", source=cite(listing.source, listing.checked)) if listing.source else ""
    among = part("among", name=repr(listing.covered_by)) if listing.covered_by else ""
    undated = part("undated.covered" if listing.covered_by else "undated.none")
    if listing.status == "unknown":
        return say("unknown", listing.note or words("none"))
    if listing.status == "not-listed":
        # the List (or text) the absence was read on, and that List's date: "read DATE"
        # alone would let a recorded export's date pass for the day someone looked
        return say("not-listed", listing.note or words("absent", on=on, read="" if on else read))
    if listing.non_hr is False:
        return say("not-listed", words("hr_only", value=listing.note or "no", read=read))
    if listing.non_hr is None:
        return say("unknown", words("hr_unclear", value=listing.note or "no value"))
    if as_of < DPF_IN_FORCE:
        return say("not-listed", words("in_force", date=DPF_IN_FORCE) + "; "
                   + words("nobody", as_of=as_of))
    if listing.since and as_of < listing.since:
        return say("not-listed", words("later", since=listing.since, on=on, as_of=as_of))
    if listing.until and as_of >= listing.until:
        return say("inactive", words("inactive_from", date=listing.until, on=on))
    lapse = next((g for g in listing.lapses if g.since <= as_of < g.until), None)
    if lapse is not None and listing.status == "active":
        off = words("inactive_from", date=lapse.since,
                    on=part("on", source=cite(lapse.source, lapse.seen)))
        # the Inactive Start Date in force on the as-of date is the lapse's, which the row read
        # no longer gives: the judgement shows that one (dpf_until in the report)
        lapsed = replace(listing, until=lapse.since)
        if as_of <= lapse.seen:
            return say("inactive", f"{off}; " + words("again", date=lapse.until), lapsed)
        return say("unknown", f"{off}; " + words("again_unseen", date=lapse.until, as_of=as_of),
                   lapsed)
    if listing.status == "active":
        if listing.since:
            # a row shows no lapse that ended before its date (see Listing.lapses): say so
            again = [words("lapse", since=g.since, until=g.until)
                     for g in listing.lapses if g.until <= as_of]
            unseen = ([words("unseen")]
                      if listing.checked and as_of < listing.checked and not again else [])
            end = part("end", date=listing.until) if listing.until else ""
            return say("active", "; ".join([
                words("listed_from", since=listing.since, on=on, end=end), *again, *unseen]))
        if listing.checked and as_of >= listing.checked:
            return say("active", words("listed_dated", per=per, date=listing.checked,
                                       among=among))
        when = (part("when.dated", date=listing.checked) if listing.checked
                else part("when.unrecorded"))
        return say("unknown", words("listed_open", per=per, when=when, among=among,
                                    undated=undated, as_of=as_of))
    # inactive
    if listing.until is None:
        if listing.checked and as_of >= listing.checked:
            return say("inactive", words("inactive_dated", per=per, date=listing.checked))
        return say("unknown", words("inactive_open", as_of=as_of))
    if listing.since:
        return say("active", words("listed_until", since=listing.since, until=listing.until,
                                   on=on))
    return say("unknown", words("until_open", until=listing.until, among=among,
                                undated=undated, as_of=as_of))


def words(key: str, **values: object) -> str:
    """A DPF sentence in gdprmap's English (catalog key ``dpf:<key>``)."""
    return catalogs.say("dpf", key, **values)


def part(key: str, **values: object) -> str:
    """A piece of a DPF sentence (catalog key ``dpf_part:<key>``)."""
    return catalogs.say("dpf_part", key, **values)


@functools.cache
def list_copies() -> dict[str, tuple[dt.date, str]]:
    """The copies of the List's export the bundled records were read on: URL -> (the
    export's date, its SHA-256), from ``data/dpf-list-copies.toml``."""
    import tomllib

    from ..resources import data_path

    raw = tomllib.loads(data_path("dpf-list-copies.toml").read_text(encoding="utf-8"))
    return {c["url"]: (c["date"], c["sha256"]) for c in raw.get("copies", [])}


def cite(source: str, dated: dt.date | None = None) -> str:
    """A source as a sentence names it: a known copy of the List's export by its date and hash
    (a reader can check it against any copy of that date), anything else as given, followed by
    ``dated`` (the date it was read on) when one is given."""
    copy = list_copies().get(source)
    if copy is None:
        return catalogs.say("dpf_form", "source.dated", url=source, date=dated) if dated \
            else source
    date, sha256 = copy
    return catalogs.say("dpf_form", "source.copy", date=date, sha256=sha256[:16], url=source)


def record_listing(rec: EntityRecord) -> Listing:
    """The knowledge base's own record of an entity's listing."""
    return Listing(status=rec.dpf, source=rec.dpf_source, checked=rec.dpf_checked,
                   since=rec.dpf_since, until=rec.dpf_until, participant_id=rec.dpf_id,
                   lapses=tuple(rec.dpf_lapses))


def list_listing(match: ListMatch, dpf_list: DpfList, name: str) -> Listing:
    """What the List says about an entity, from its match."""
    entry = match.entry
    if match.ambiguous:
        rows = "; ".join(catalogs.say("dpf_form", "rows.one", row=e.row, listed=repr(e.legal_name),
                                      via=how)
                         for e, how in zip(match.entries, match.via, strict=True))
        return Listing("unknown", dpf_list.path, dpf_list.date,
                       note=words("ambiguous", name=repr(name), rows=rows))
    if match.other_form and entry is not None:
        return Listing("unknown", dpf_list.path, dpf_list.date,
                       note=words("other_form", row=entry.row, listed=repr(entry.legal_name),
                                  via=match.via[0].removesuffix(OTHER_FORM), name=repr(name)))
    if entry is None:
        return Listing("not-listed", dpf_list.path, dpf_list.date,
                       note=words("no_entry", list=_list_name(dpf_list), name=repr(name)))
    status = entry.listed_status
    note = None
    # named among another participant's Covered Entities (matched by that name, or by the
    # group's participant id recorded for it): the Install Date is not this organisation's
    key = normalise_name(name)
    covered_by = (entry.legal_name if key != normalise_name(entry.legal_name)
                  and key in {normalise_name(c) for c in entry.covered} else None)
    if status == "unknown":
        note = f"DPF List row {entry.row}: status {entry.status!r} not understood"
    elif entry.non_hr is not True:
        note = repr(entry.non_hr_text) if entry.non_hr_text else "empty"
    row = catalogs.say("dpf_form", "source.row", path=dpf_list.path, row=entry.row)
    return Listing(status, row, dpf_list.date,
                   since=None if covered_by else entry.install, until=entry.inactive,
                   participant_id=entry.participant_id,
                   non_hr=entry.non_hr, note=note, covered_by=covered_by)


def _list_name(dpf_list: DpfList) -> str:
    name = Path(dpf_list.path).name
    return catalogs.say("dpf_form", "list.dated", file=name, date=dpf_list.date) \
        if dpf_list.date else name


class DpfView:
    """Every entity's DPF status as of one date: from the List when one is given (US entities),
    else from the knowledge base's record. Judged once per entity."""

    def __init__(self, kb: KnowledgeBase, as_of: dt.date, dpf_list: DpfList | None) -> None:
        self.kb, self.as_of, self.dpf_list = kb, as_of, dpf_list
        self._done: dict[str, Judgement] = {}

    def judgement(self, eid: str) -> Judgement:
        known = self._done.get(eid)
        if known is None:
            rec = self.kb.data.entities[eid]
            if self.dpf_list is not None and rec.country == "US":
                match = self.dpf_list.lookup(rec.name, rec.dpf_id)
                listing = list_listing(match, self.dpf_list, rec.name)
                listing = _with_known_lapses(listing, rec, self.dpf_list.date)
            else:
                listing = record_listing(rec)
            known = self._done[eid] = judge(listing, self.as_of)
        return known


def _with_known_lapses(listing: Listing, rec: EntityRecord,
                       list_date: dt.date | None) -> Listing:
    """A List's row for the recorded participant, with the lapses the knowledge base read in
    earlier copies that this List (of ``list_date``) shows ended: a single copy cannot show
    them."""
    if (listing.status != "active" or not rec.dpf_lapses or listing.covered_by
            or listing.participant_id != rec.dpf_id or listing.since != rec.dpf_since):
        return listing
    ended = tuple(g for g in rec.dpf_lapses if list_date and g.until <= list_date)
    return replace(listing, lapses=ended) if ended else listing


# --- matching report (kb status, scripts/dpf_match.py) ----------------------------------------

@dataclass(frozen=True)
class MatchReport:
    us_entities: int
    matched: dict[str, tuple[ListEntry, str]]  # entity id -> entry, how
    ambiguous: dict[str, ListMatch]
    unmatched: tuple[str, ...]

    def summary(self) -> str:
        return (f"{len(self.matched)} of {self.us_entities} US entities matched, "
                f"{len(self.ambiguous)} ambiguous, {len(self.unmatched)} not on the List")


def match_report(kb: KnowledgeBase, dpf_list: DpfList) -> MatchReport:
    matched: dict[str, tuple[ListEntry, str]] = {}
    ambiguous: dict[str, ListMatch] = {}
    unmatched: list[str] = []
    us = sorted(eid for eid, rec in kb.data.entities.items() if rec.country == "US")
    for eid in us:
        rec = kb.data.entities[eid]
        m = dpf_list.lookup(rec.name, rec.dpf_id)
        if m.ambiguous or m.other_form:
            ambiguous[eid] = m
        elif m.entry is not None:
            matched[eid] = (m.entry, m.via[0])
        else:
            unmatched.append(eid)
    return MatchReport(len(us), matched, ambiguous, tuple(unmatched))


# --- download -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Download:
    path: Path
    bytes: int
    sha256: str
    dpf_list: DpfList


def fetch_dpf_list(output: Path | str, *, url: str = DOWNLOAD_URL, timeout: float = 60.0,
                   max_bytes: int = MAX_DOWNLOAD) -> Download:
    """Download the current List workbook into ``output`` (written only once it reads as a
    List). Raises ``InputError`` naming the URL when offline, on a timeout, an HTTP error, an
    answer over ``max_bytes`` or an answer that is not a List."""
    import socket
    import urllib.error
    import urllib.request

    from ..resources import AtomicFile

    body = json.dumps({"FileName": DOWNLOAD_NAME, "FileSizeKB": 3600, "FileType": "xlsx",
                       "Id": 0, "Guid": DOWNLOAD_NAME}).encode()
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": USER_AGENT,
        "Accept": "application/octet-stream, application/vnd.openxmlformats-officedocument."
                  "spreadsheetml.sheet, */*"})
    hint = f"download it from {LIST_PAGE} and pass it with --dpf-list FILE"
    chunks: list[bytes] = []
    size = 0
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            for chunk in iter(lambda: resp.read(65536), b""):
                size += len(chunk)
                if size > max_bytes:
                    raise InputError(url, f"answer larger than {max_bytes} bytes; not "
                                          "written")
                chunks.append(chunk)
    except urllib.error.HTTPError as e:
        raise InputError(url, f"HTTP {e.code} {e.reason}; {hint}") from e
    except urllib.error.URLError as e:
        if isinstance(e.reason, (TimeoutError, socket.timeout)):
            raise InputError(url, f"no answer within {timeout:g} s; {hint}") from e
        raise InputError(url, f"cannot connect ({e.reason}; offline?); {hint}") from e
    except (TimeoutError, socket.timeout) as e:
        raise InputError(url, f"no answer within {timeout:g} s; {hint}") from e
    except OSError as e:
        raise InputError(url, f"cannot connect ({e}; offline?); {hint}") from e
    content = b"".join(chunks)
    out = Path(output)
    atomic = AtomicFile(out)
    with atomic as fh:  # put in place only when it reads as a List
        fh.write(content)
        fh.flush()
        try:
            parsed = read_dpf_list(atomic.tmp)
        except InputError as e:
            raise InputError(url, f"the answer is not a DPF List ({e.reason}); not "
                                  "written") from e
    parsed.path = str(out)
    return Download(out, len(content), hashlib.sha256(content).hexdigest(), parsed)

