"""The parsed ontology and prepared SPARQL, kept between runs (issue #9).

Parsing the Turtle files and preparing the queries (pyparsing) took ~0.6 s of every run; the
parsed graph and the prepared query algebra load from the cache in ~0.03 s. The entry's key is
a SHA-256 of the ontology files, the query namespaces, this module's code and the rdflib and
Python versions; queries are looked up by their exact text inside the entry, so an edited or
new query file is prepared afresh (and the entry rewritten), never taken from an older text.

Format: a pickle. Loading a pickle runs code chosen by whoever wrote the file, so the entry is
only read when the current user owns it (``resources.DerivedCache``), and the unpickler
resolves only the rdflib classes and SPARQL operator functions a parsed ontology and prepared
queries consist of (``_ALLOWED``); anything else makes the entry a miss. Someone able to write
your cache folder could equally edit your shell start-up files: this guards against accidents
and shared folders, not against your own account. ``GDPRMAP_NO_CACHE=1`` turns the cache off.

rdflib's query algebra does not pickle as is (``CompValue.__init__`` wants a ``name``, and an
``Expr`` holds a bound method): ``_Pickler`` reduces them to a plain constructor call.
"""

from __future__ import annotations

import io
import pickle
import re
import sys
from pathlib import Path
from types import FunctionType
from typing import Any

from ..resources import DerivedCache, digest

FORMAT = "gdprmap-ontology-cache-1"
KIND = "ontology"

_ALLOWED = {
    ("rdflib.graph", "Graph"),
    ("rdflib.plugins.stores.memory", "Memory"),
    ("rdflib.events", "Dispatcher"),
    ("rdflib.namespace", "NamespaceManager"),
    ("rdflib.term", "URIRef"),
    ("rdflib.term", "Literal"),
    ("rdflib.term", "BNode"),
    ("rdflib.term", "Variable"),
    ("rdflib.plugins.sparql.sparql", "Query"),
    ("rdflib.plugins.sparql.sparql", "Prologue"),
    # property paths (``dpv:isSubsidiaryOf+``): plain data classes of rdflib.paths
    ("rdflib.paths", "MulPath"),
    ("rdflib.paths", "SequencePath"),
    ("rdflib.paths", "AlternativePath"),
    ("rdflib.paths", "InvPath"),
    ("rdflib.paths", "NegatedPath"),
    (__name__, "_comp_value"),
    (__name__, "_expr"),
    (__name__, "_true_filter"),
}
_OPERATORS = "rdflib.plugins.sparql.operators"
_OPERATOR = re.compile(r"Builtin_\w+|[A-Za-z]+Expression|Unary[A-Za-z]+|Function")


def cache_for(sources: dict[str, bytes], namespaces: dict[str, str]) -> DerivedCache:
    import rdflib

    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    parts: list[bytes | str] = [FORMAT, Path(__file__).read_bytes(), rdflib.__version__, python,
                                repr(sorted(namespaces.items()))]
    for name, raw in sorted(sources.items()):
        parts += [name, raw]
    return DerivedCache(KIND, digest(*parts))


def load(cache: DerivedCache) -> tuple[Any, dict[str, Any]] | None:
    """(graph, {query text: prepared query}) from the cache, or None."""
    from rdflib import Graph
    from rdflib.namespace import NamespaceManager
    from rdflib.plugins.sparql.sparql import Query

    raw = cache.read()
    if raw is None:
        return None
    try:
        value = _Unpickler(io.BytesIO(raw)).load()
    except Exception:  # a damaged or foreign entry is a miss (pickle raises many types)
        return None
    if not (isinstance(value, tuple) and len(value) == 3 and value[0] == FORMAT
            and isinstance(value[1], Graph) and isinstance(value[2], dict)
            and all(isinstance(k, str) and isinstance(v, Query) for k, v in value[2].items())):
        return None
    graph = value[1]
    # The prefixes are in the pickled store; a default manager would bind rdflib's own over
    # them on first use (``dcterms`` over the ontology's ``dct``) and change serialisations.
    graph.namespace_manager = NamespaceManager(graph, bind_namespaces="none")
    return graph, value[2]


def store(cache: DerivedCache, graph: Any, queries: dict[str, Any]) -> bool:
    """Write the entry if it reads back through the restricted unpickler (a newer rdflib may
    need classes ``_ALLOWED`` does not list: then the cache stays unused rather than failing)."""
    buf = io.BytesIO()
    try:
        _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump((FORMAT, graph, queries))
        data = buf.getvalue()
        _Unpickler(io.BytesIO(data)).load()
    except Exception:  # pickling an unknown rdflib object raises many types
        return False
    return cache.write(data)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        if module == _OPERATORS and _OPERATOR.fullmatch(name):
            found = super().find_class(module, name)
            if isinstance(found, FunctionType):  # an operator's evaluation function, no more
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the ontology cache")


def _reduce_comp_value(value: Any) -> tuple[Any, ...]:
    attrs = {k: v for k, v in vars(value).items() if k != "name"}
    return _comp_value, (value.name, dict(dict.items(value)), attrs)


def _reduce_expr(value: Any) -> tuple[Any, ...]:
    from rdflib.plugins.sparql import operators

    if value is operators.TrueFilter:  # a module-level singleton holding a lambda
        return _true_filter, ()
    attrs = {k: v for k, v in vars(value).items() if k not in ("name", "_evalfn", "ctx")}
    function = value._evalfn.__func__ if value._evalfn is not None else None
    return _expr, (value.name, function, dict(dict.items(value)), attrs)


class _Pickler(pickle.Pickler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        import copyreg

        from rdflib.plugins.sparql.parserutils import CompValue, Expr

        super().__init__(*args, **kwargs)
        # Per pickler, not copyreg's global table: nothing changes for other pickling code.
        self.dispatch_table = {**copyreg.dispatch_table, CompValue: _reduce_comp_value,
                               Expr: _reduce_expr}


def _comp_value(name: str, items: dict[str, Any], attrs: dict[str, Any]) -> Any:
    from rdflib.plugins.sparql.parserutils import CompValue

    value = CompValue(name)
    dict.update(value, items)
    vars(value).update(attrs)
    return value


def _expr(name: str, function: Any, items: dict[str, Any], attrs: dict[str, Any]) -> Any:
    from rdflib.plugins.sparql.parserutils import Expr

    value = Expr(name, function)
    dict.update(value, items)
    vars(value).update(attrs)
    return value


def _true_filter() -> Any:
    from rdflib.plugins.sparql import operators

    return operators.TrueFilter
