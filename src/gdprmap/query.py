"""SPARQL over an assessment: ``Assessment.to_rdf()`` (DPV terms + the gdprmap ontology).

The prefixes ``gm: gmr: gmc: gml: dpv: pd: loc: eu-gdpr: rdfs: xsd: dct: skos:`` are bound, so
queries need no PREFIX lines (they may still declare their own).

>>> from gdprmap.query import run_query                                     # doctest: +SKIP
>>> result = run_query(assessment, "SELECT ?r WHERE { ?r dpv:hasPersonalData pd:Health }")
>>> result.columns, result.rows[:1]                                         # doctest: +SKIP
(('r',), (('urn:gdprmap:recipient:org%3Aat-internet',),))
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import UsageError

if TYPE_CHECKING:
    from .models import Assessment

FORMATS = ("table", "csv", "json")


@dataclass(frozen=True)
class QueryResult:
    """Rows of a SPARQL SELECT (or the triples of a CONSTRUCT/DESCRIBE, as ``s p o`` rows, or
    the answer of an ASK in ``boolean``). Values are strings: IRIs in full, literals as their
    lexical form; ``None`` where a variable is unbound."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str | None, ...], ...]
    boolean: bool | None = None

    def records(self) -> list[dict[str, str | None]]:
        """The rows as dictionaries, column -> value."""
        return [dict(zip(self.columns, row)) for row in self.rows]

    def column(self, name: str) -> list[str | None]:
        """The values of one column, in row order."""
        try:
            index = self.columns.index(name)
        except ValueError:
            raise UsageError(f"no column {name!r} (columns: {', '.join(self.columns)})") from None
        return [row[index] for row in self.rows]

    def render(self, fmt: str = "table", compact: bool = True) -> str:
        """The result as ``table`` (aligned, IRIs shortened with the bound prefixes),
        ``csv`` or ``json`` (``{"columns": [...], "rows": [{...}]}``)."""
        if fmt == "json":
            if self.boolean is not None:
                return json.dumps({"boolean": self.boolean}) + "\n"
            return json.dumps({"columns": list(self.columns), "rows": self.records()},
                              indent=2, ensure_ascii=False) + "\n"
        if fmt == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            if self.boolean is not None:
                writer.writerow(["boolean"])
                writer.writerow(["true" if self.boolean else "false"])
                return buffer.getvalue()
            writer.writerow(self.columns)
            writer.writerows([["" if v is None else v for v in row] for row in self.rows])
            return buffer.getvalue()
        if fmt == "table":
            if self.boolean is not None:
                return ("yes" if self.boolean else "no") + "\n"
            return _table(self.columns, [[shorten(v) if compact else (v or "") for v in row]
                                         for row in self.rows])
        raise UsageError(f"unknown result format {fmt!r} (known: {', '.join(FORMATS)})")


def shorten(value: str | None) -> str:
    """An IRI with a bound prefix as ``prefix:name`` (recipient IRIs as their id)."""
    from .export.rdf import NAMESPACES

    if value is None:
        return ""
    if value.startswith("urn:gdprmap:recipient:"):
        from urllib.parse import unquote

        return unquote(value.removeprefix("urn:gdprmap:recipient:"))
    for prefix, ns in sorted(NAMESPACES.items(), key=lambda kv: -len(kv[1])):
        if value.startswith(ns) and value != ns:
            return f"{prefix}:{value[len(ns):]}"
    return value


def _table(columns: tuple[str, ...], rows: list[list[str]]) -> str:
    if not columns:
        return ""
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


TIMEOUT = 30.0  # seconds a query may run (a cartesian product runs for hours otherwise)
MAX_ROWS = 1_000_000


class QueryTimeout(UsageError):
    pass


class _Expired(BaseException):
    """Raised by the alarm: a BaseException, so that no ``except Exception`` inside rdflib's
    evaluation swallows it."""


def run_query(assessment: Assessment | Any, sparql: str, timeout: float = TIMEOUT) -> QueryResult:
    """Run a SPARQL query over ``assessment.to_rdf()`` (or over an rdflib ``Graph`` given
    instead of an assessment, to reuse one graph for many queries).

    Queries read the assessment and nothing else (issue #17): ``SERVICE`` (which would send
    its values to any endpoint) and ``FROM``/``FROM NAMED`` (which would load remote graphs)
    are refused, and a query running longer than ``timeout`` seconds or giving more than
    ``MAX_ROWS`` rows is stopped. Each is a ``UsageError``, like a malformed query."""
    import rdflib.plugins.sparql
    from rdflib import Graph
    from rdflib.plugins.sparql.parser import parseQuery

    from .export.rdf import NAMESPACES

    try:
        parsed = parseQuery(sparql)
    except Exception as e:  # pyparsing and rdflib raise many types for a bad query
        raise UsageError(f"invalid SPARQL query: {_short(e)}") from e
    if (refused := _remote_part(parsed)) is not None:
        raise UsageError(f"SPARQL {refused} is refused: queries read the assessment only "
                         "and never fetch or send anything")
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # no FROM <url> load, whatever the query
    graph = assessment if isinstance(assessment, Graph) else assessment.to_rdf()
    expired = QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped "
                           "(a cartesian product? add a join or a LIMIT)")
    try:
        with _deadline(timeout) as timer:
            try:
                result = graph.query(sparql, initNs=NAMESPACES)
                rows_in: list[Any] = []
                if result.type != "ASK":
                    for row in result:  # rdflib types rows loosely (triples, bools, rows)
                        rows_in.append(row)
                        if timer.fired:
                            raise expired
                        if len(rows_in) > MAX_ROWS:
                            raise UsageError(f"the query gives more than {MAX_ROWS:,} rows; "
                                             "narrow it (LIMIT, FILTER)")
            except UsageError:
                raise
            except Exception as e:  # rdflib raises many types for a query it cannot evaluate
                raise UsageError(f"invalid SPARQL query: {_short(e)}") from e
            if timer.fired:
                raise expired
    except _Expired as e:
        raise expired from e
    if result.type == "ASK":
        return QueryResult(columns=(), rows=(), boolean=bool(result.askAnswer))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        triples = sorted((str(t[0]), str(t[1]), str(t[2])) for t in rows_in)
        return QueryResult(columns=("subject", "predicate", "object"), rows=tuple(triples))
    columns = tuple(str(v) for v in (result.vars or ()))
    rows = tuple(tuple(None if row[i] is None else str(row[i]) for i in range(len(columns)))
                 for row in rows_in)
    return QueryResult(columns=columns, rows=rows)


def _remote_part(node: Any) -> str | None:
    """``SERVICE`` or ``FROM`` if the parsed query holds one, else None."""
    from pyparsing import ParseResults

    stack = [node]
    while stack:
        item = stack.pop()
        name = getattr(item, "name", None)
        if name == "ServiceGraphPattern":
            return "SERVICE"
        if name == "DatasetClause":
            return "FROM"
        if isinstance(item, (ParseResults, list, tuple)):
            stack.extend(item)
        if isinstance(item, dict):
            stack.extend(item.values())
    return None


REARM = 0.25  # seconds between repeated alarms once the deadline has passed


@dataclass
class _Timer:
    fired: bool = False


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[_Timer]:
    """Stop the query after ``seconds`` (SIGALRM: rdflib evaluates in Python, so the signal
    lands between two steps). The exception can land where it is swallowed - a gc callback
    ignores it - so the alarm repeats every ``REARM`` seconds until the query has stopped, and
    ``fired`` stays set. Off the main thread, or where there is no SIGALRM, only the row
    limit applies."""
    import signal
    import threading

    timer = _Timer()
    if (seconds <= 0 or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield timer
        return

    def expire(signum: int, frame: Any) -> None:
        timer.fired = True
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, REARM)
    try:
        yield timer
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _short(error: Exception) -> str:
    text = " ".join(str(error).split())
    return text[:300] + ("…" if len(text) > 300 else "")


def documented_queries() -> list[str]:
    """Names of the documented example queries shipped with gdprmap (docs/queries/*.rq)."""
    from .resources import bundled_dir

    return sorted(p.stem for p in bundled_dir("queries").glob("*.rq"))


def documented_query(name_or_path: str) -> str:
    """The text of a query file, or of the documented query of that name."""
    from pathlib import Path

    from .errors import InputError, UsageError
    from .resources import bundled_dir

    path = Path(name_or_path)
    if not path.is_file():
        shipped = bundled_dir("queries") / f"{name_or_path}.rq"
        if not shipped.is_file():
            raise UsageError(f"{name_or_path}: no such query file or documented query "
                             f"(documented: {', '.join(documented_queries())})")
        path = shipped
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(str(path), f"cannot read the query: {e}") from e
