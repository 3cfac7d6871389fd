"""Every regular expression of the package runs in linear time (issue #17).

The patterns are collected programmatically - compiled patterns held by any module or class of
``gdprmap``, every ``re.<function>("literal")`` call in its source, the regexes of
``classify/patterns.toml`` and the knowledge base's ``region_pattern`` values - so a new pattern
is covered without being listed. Each runs (``findall`` and ``fullmatch``) against the
adversarial strings of ``hostile_corpus.REDOS_UNITS`` and strings made of the pattern's own
words, first 1,000 then 20,000 characters long, with a time bound per call: a quadratic
pattern takes seconds on 20,000 characters, a linear one a fraction of a millisecond.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import time
import tomllib
from pathlib import Path

import pytest
from hostile_corpus import REDOS_UNITS, TAIL

import gdprmap

ROOT = Path(gdprmap.__file__).parent
STAGES = ((1_000, 0.05), (20_000, 0.25))  # (length, seconds per call)
# Patterns only ever applied to text the importers cap: tested at that cap. The knowledge
# base's region patterns are searched on host names, refused beyond limits.MAX_HOST.
# rules.cache._OPERATOR is full-matched on the names of rdflib's own functions (trusted, short;
# rules/ is out of this change's scope): tested at 200 characters.
# enrich/dpf.py's legal-name patterns run on names cut to 300 characters.
CAPPED = {"kb:": 253, "gdprmap.rules.cache._OPERATOR": 200, "enrich/dpf.py:": 300}
RE_FUNCTIONS = {"compile": 1, "search": 2, "match": 2, "fullmatch": 2, "findall": 2,
                "finditer": 2, "split": 3, "sub": 4, "subn": 4}


def _module_patterns() -> dict[str, re.Pattern]:
    found: dict[str, re.Pattern] = {}
    for info in pkgutil.walk_packages(gdprmap.__path__, "gdprmap."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                found[f"{info.name}.{name}"] = value
            elif isinstance(value, type) and value.__module__ == info.name:
                for attr, inner in vars(value).items():
                    if isinstance(inner, re.Pattern):
                        found[f"{info.name}.{name}.{attr}"] = inner
    return found


def _source_patterns() -> dict[str, re.Pattern]:
    """``re.f("literal", ..., flags)`` calls anywhere in the package's source."""
    found: dict[str, re.Pattern] = {}
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                    and node.func.attr in RE_FUNCTIONS and node.args
                    and isinstance(node.args[0], ast.Constant)):
                continue
            flags_node = next((k.value for k in node.keywords if k.arg == "flags"), None)
            position = RE_FUNCTIONS[node.func.attr]
            if flags_node is None and len(node.args) > position:
                flags_node = node.args[position]
            flags = eval(compile(ast.Expression(flags_node), "<flags>", "eval"),  # noqa: S307
                         {"re": re}) if flags_node is not None else 0
            found[f"{path.relative_to(ROOT)}:{node.lineno}"] = re.compile(
                node.args[0].value, flags)
    return found


def _data_patterns() -> dict[str, re.Pattern]:
    found: dict[str, re.Pattern] = {}
    with (ROOT / "classify" / "patterns.toml").open("rb") as fh:
        for section, table in tomllib.load(fh).items():
            for key, value in table.items() if isinstance(table, dict) else ():
                if key.endswith("pattern") and isinstance(value, str):
                    found[f"patterns.toml:{section}.{key}"] = re.compile(value, re.I)
    from gdprmap.enrich.kb import KnowledgeBase

    for service in KnowledgeBase.load(cache=False).data.services:
        if service.region_pattern:
            found[f"kb:{service.id}.region_pattern"] = re.compile(service.region_pattern)
    return found


def all_patterns() -> dict[str, re.Pattern]:
    """Each distinct (pattern, flags) once, under the first name found."""
    out: dict[str, re.Pattern] = {}
    seen: set[tuple[object, int]] = set()
    for name, pattern in {**_module_patterns(), **_source_patterns(),
                          **_data_patterns()}.items():
        if (pattern.pattern, pattern.flags) not in seen:
            seen.add((pattern.pattern, pattern.flags))
            out[name] = pattern
    return out


def _words(pattern: re.Pattern) -> list[str]:
    source = pattern.pattern if isinstance(pattern.pattern, str) else pattern.pattern.decode()
    return sorted(set(re.findall(r"[A-Za-z][A-Za-z_-]{1,}", source)))[:20]


def _timed(call, text) -> float:
    best = float("inf")
    for _ in range(2):  # the better of two: a busy machine may pause any one call
        start = time.perf_counter()
        call(text)
        best = min(best, time.perf_counter() - start)
        if best < 0.01:
            break
    return best


def test_the_collection_finds_the_known_patterns():
    found = all_patterns()
    assert len(found) >= 60
    for name in ("gdprmap.redact._EMAIL", "gdprmap.enrich.whois.REFERRAL"):
        assert name in found, name
    sources = {p.pattern for p in found.values()}
    assert all(p.pattern in sources for p in _data_patterns().values())
    assert any(k.startswith("kb:") for k in found)
    assert any(k.startswith("enrich/whois.py:") for k in found)  # an inline re.findall


PATTERNS = all_patterns()


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_every_regex_is_linear_on_adversarial_strings(name):
    pattern = PATTERNS[name]
    units = list(REDOS_UNITS)
    for word in _words(pattern):
        units += [word, word + "=", word + " ", word + "1", word + ".", "a" + word]
    cap = next((n for prefix, n in CAPPED.items() if name.startswith(prefix)), None)
    for length, bound in STAGES if cap is None else ((cap, 0.01),):
        for unit in units:
            text = unit * (length // len(unit)) + TAIL
            if isinstance(pattern.pattern, bytes):
                text = text.encode()
            for method in (pattern.findall, pattern.fullmatch):
                seconds = _timed(method, text)
                assert seconds < bound, (
                    f"{name} ({pattern.pattern!r}): {method.__name__} on {unit!r} x "
                    f"{length // len(unit)} took {seconds:.2f} s")
