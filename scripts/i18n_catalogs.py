"""Keep the message catalogs (src/gdprmap/locale) in step with the code and the templates.

    python scripts/i18n_catalogs.py extract   # write locale/gdprmap.pot
    python scripts/i18n_catalogs.py update    # bring every language's .po to the template's keys
    python scripts/i18n_catalogs.py check     # exit 1 when the template is stale or a language
                                              # lacks a key or a placeholder

The template's keys are the English catalog's (``en`` is the source text, see
locale/README.md); extraction adds where each key is used (``#:``) and the English text as a
comment for translators (``#.``), and fails when code or a template uses a literal key that the
English catalog lacks. Literal uses found: in Python ``t(lang, "key")``, ``_("key")``,
``_.label("key")``, ``catalogs.text|get(lang, "key")``; in the Jinja2 templates ``_("key")`` and
``_.label("key")``. Keys built at run time (``verdict:<word>``, ``step_<kind>`` ...) are listed
by their families in locale/README.md.
"""

from __future__ import annotations

import ast
import datetime as dt
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "gdprmap"
TEMPLATES = ROOT / "reports" / "templates"
LOCALE = PACKAGE / "locale"
SOURCE = "en"
OPTIONAL_PREFIXES = ("country:",)  # may be left out of a language: CLDR names are used
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}")

Use = tuple[str, str, int]  # key, file relative to ROOT, line


def _const(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def python_uses(root: Path = PACKAGE) -> Iterator[Use]:
    """Literal keys in calls to the translation helpers of the package's modules (the line is
    kept for error messages; the template names files only, so that edits elsewhere in a file
    do not make it stale)."""
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func, args = node.func, node.args
            key = None
            if isinstance(func, ast.Name) and func.id == "_" and args:
                key = _const(args[0])
            elif isinstance(func, ast.Attribute):
                owner = func.value.id if isinstance(func.value, ast.Name) else None
                if owner == "_" and func.attr == "label" and args:
                    key = _const(args[0])
                elif owner in ("i18n", None) and func.attr == "t" and len(args) > 1:
                    key = _const(args[1])
                elif owner == "catalogs" and func.attr in ("text", "get") and len(args) > 1:
                    key = _const(args[1])
            elif isinstance(func, ast.Name) and func.id == "t" and len(args) > 1:
                key = _const(args[1])
            if key is not None:
                yield key, rel, node.lineno


def template_uses(root: Path = TEMPLATES) -> Iterator[Use]:
    """Literal keys of ``_("key")`` and ``_.label("key")`` in the Jinja2 templates."""
    from jinja2 import Environment, nodes

    env = Environment(extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"])
    for path in sorted(root.glob("*.j2")):
        rel = path.relative_to(ROOT).as_posix()
        tree = env.parse(path.read_text(encoding="utf-8"))
        for call in tree.find_all(nodes.Call):
            target = call.node
            is_gettext = isinstance(target, nodes.Name) and target.name == "_"
            is_label = (isinstance(target, nodes.Getattr) and target.attr == "label"
                        and isinstance(target.node, nodes.Name) and target.node.name == "_")
            if (is_gettext or is_label) and call.args and isinstance(call.args[0], nodes.Const) \
                    and isinstance(call.args[0].value, str):
                yield call.args[0].value, rel, call.lineno


def uses() -> list[Use]:
    return sorted(set(python_uses()) | set(template_uses()), key=lambda u: (u[1], u[2], u[0]))


def placeholders(text: str) -> set[str]:
    """The ``str.format`` fields of ``text`` (``{date}``, ``{n}``)."""
    return set(PLACEHOLDER.findall(text))


def _read(path: Path) -> "Catalog":  # type: ignore[name-defined]  # noqa: F821
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        return read_po(fh)


def _po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "gdprmap.po"


def languages() -> list[str]:
    return sorted(p.parent.parent.name for p in LOCALE.glob("*/LC_MESSAGES/gdprmap.po"))


def build_template() -> tuple[str, list[str]]:
    """The text of gdprmap.pot, and the problems found (literal keys English lacks)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    english = _read(_po_path(SOURCE))
    where: dict[str, list[tuple[str, int]]] = {}
    problems = []
    for key, rel, line in uses():
        where.setdefault(key, []).append((rel, line))
        if key not in english:
            problems.append(f"{rel}:{line}: key {key!r} is not in the English catalog")
    fixed = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # constant: the file changes with its keys only
    pot = Catalog(project="gdprmap", version="", copyright_holder="the gdprmap authors",
                  creation_date=fixed, revision_date=fixed, charset="utf-8", fuzzy=False)
    for message in english:
        if not message.id:
            continue
        comments = [f"en: {message.string}"]
        if message.id.startswith(OPTIONAL_PREFIXES):
            comments.append("optional: without it the CLDR country name is used")
        pot.add(message.id, "", locations=where.get(message.id, ()), auto_comments=comments)
    out = io.BytesIO()
    write_po(out, pot, width=100, omit_header=False, include_lineno=False)
    return out.getvalue().decode("utf-8"), problems


def language_problems(lang: str, template_keys: list[str], english: dict[str, str]) -> list[str]:
    """Keys missing, empty, fuzzy or extra in ``lang``, and placeholders that differ."""
    catalog = _read(_po_path(lang))
    problems = []
    have = {m.id: m for m in catalog if m.id}
    for key in template_keys:
        message = have.get(key)
        if message is None or not message.string or message.fuzzy:
            if not key.startswith(OPTIONAL_PREFIXES):
                state = "missing" if message is None else "fuzzy" if message.fuzzy else "empty"
                problems.append(f"{lang}: {key!r} is {state}")
            continue
        want, got = placeholders(english.get(key, "")), placeholders(str(message.string))
        if want != got:
            problems.append(f"{lang}: {key!r} has placeholders {sorted(got)}, English "
                            f"{sorted(want)}")
    for key in sorted(set(have) - set(template_keys)):
        problems.append(f"{lang}: {key!r} is not in the template (obsolete or misspelt)")
    if catalog.locale is None or str(catalog.locale) != lang:
        problems.append(f"{lang}: the header says Language: {catalog.locale}")
    return problems


def _entries(data: bytes) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """Key, comments and files of each entry (the header, Babel's version in it, left out)."""
    from babel.messages.pofile import read_po

    return [(str(m.id), tuple(m.auto_comments), tuple(sorted({f for f, _ in m.locations})))
            for m in read_po(io.BytesIO(data)) if m.id]


def check() -> list[str]:
    text, problems = build_template()
    pot = LOCALE / "gdprmap.pot"
    if not pot.is_file() or _entries(pot.read_bytes()) != _entries(text.encode("utf-8")):
        problems.append(f"{pot.relative_to(ROOT)} is stale: run python scripts/i18n_catalogs.py "
                        "extract")
    english = {m.id: str(m.string) for m in _read(_po_path(SOURCE)) if m.id}
    keys = list(english)
    for lang in languages():
        problems += language_problems(lang, keys, english)
    return problems


def update() -> None:
    """Give every language the template's keys: new ones empty, obsolete ones dropped."""
    from babel.messages.pofile import write_po

    template = _read(LOCALE / "gdprmap.pot")
    for lang in languages():
        if lang == SOURCE:
            continue
        catalog = _read(_po_path(lang))
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        with _po_path(lang).open("wb") as fh:
            write_po(fh, catalog, width=100, ignore_obsolete=True)
        print(f"updated {_po_path(lang).relative_to(ROOT)}")


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "extract":
        text, problems = build_template()
        (LOCALE / "gdprmap.pot").write_text(text, encoding="utf-8")
        print(f"wrote {(LOCALE / 'gdprmap.pot').relative_to(ROOT)}")
    elif command == "update":
        update()
        problems = []
    elif command == "check":
        problems = check()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
