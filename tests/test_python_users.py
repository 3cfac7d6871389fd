"""Issue 18: what a Python user sees - types, verdict order, notebook conveniences, the
command line's Python entry point, packaging metadata, and a package free of import cycles."""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import gdprmap
from gdprmap.cli import main
from gdprmap.models import Verdict

from conftest import EXAMPLE, ROOT

USER_SCRIPT = '''
"""A notebook user's script: every public name must be typed for mypy --strict."""
from __future__ import annotations

import gdprmap
from gdprmap import Assessment, FlowGraph, Recipient, Verdict


def unlawful(a: Assessment) -> list[str]:
    return [r.id for r in a.recipients if r.verdict >= Verdict.UNLAWFUL]


def worst_first(a: Assessment) -> list[Recipient]:
    return sorted(a.recipients, key=lambda r: r.verdict, reverse=True)


def main() -> None:
    a: Assessment = gdprmap.analyze("capture.har", first_party="example.fr",
                                    kb_override="x.toml", as_of="2024-03-01")
    g: FlowGraph = a.graph
    print(g.recipients_of("https://w3id.org/dpv/pd#Health"), unlawful(a), worst_first(a))
    rows: list[dict[str, object]] = a.to_records()
    print(len(rows), a.worst(), max(Verdict), gdprmap.run_query(a, "SELECT * {}").rows)
    try:
        gdprmap.load_assessment("x.json")
    except gdprmap.InputError as e:
        print(e)
'''


def test_user_script_passes_mypy_strict(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    script = tmp_path / "user_script.py"
    script.write_text(USER_SCRIPT, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--config-file", "",
         "--cache-dir", str(tmp_path / "cache"), str(script)],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=600,
    )  # the installed package, as a user has it; no project configuration
    assert result.returncode == 0, result.stdout + result.stderr


def test_verdicts_compare_by_seriousness() -> None:
    assert list(sorted(Verdict)) == list(Verdict)
    assert sorted(reversed(list(Verdict)))[0] is Verdict.NO_TRANSFER
    assert not Verdict.NO_TRANSFER > Verdict.ADEQUATE  # alphabetically it would be
    assert Verdict.UNLAWFUL > Verdict.UNKNOWN > Verdict.SAFEGUARDS_REQUIRED > Verdict.EXPOSED
    assert max(Verdict.ADEQUATE, Verdict.EXPOSED) is Verdict.EXPOSED
    assert Verdict.SAFEGUARDED >= "adequate" and Verdict.ADEQUATE < "unlawful"
    assert {Verdict.ADEQUATE: 1}["adequate"] == 1  # still a string for dicts and JSON
    with pytest.raises(TypeError):
        _ = Verdict.ADEQUATE < 3  # type: ignore[operator]


def test_every_verdict_word_is_a_fail_on_choice(tmp_path: Path) -> None:
    for command in ("report", "batch"):
        option = next(p for p in main.commands[command].params if p.name == "fail_on")
        assert list(option.type.choices) == [v.value for v in Verdict]  # type: ignore[attr-defined]
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["report", str(EXAMPLE), "-o", str(out),
                                       "--fail-on", "safeguarded"])
    assert result.exit_code == 1, result.output  # the example has unlawful recipients


@pytest.fixture(scope="module")
def assessment() -> gdprmap.Assessment:
    return gdprmap.analyze(EXAMPLE)


def test_single_values_where_sequences_are_accepted(assessment, tmp_path: Path) -> None:
    a = gdprmap.analyze(EXAMPLE, first_party="cloudflare.com")
    assert "cloudflare.com" in a.first_party_domains and "c" not in a.first_party_domains
    override = tmp_path / "kb.toml"
    override.write_text("", encoding="utf-8")
    assert gdprmap.analyze(EXAMPLE, kb_override=str(override)).recipients


def test_short_reprs(assessment) -> None:
    text = repr(assessment)
    assert len(text) < 300 and text.startswith("<Assessment as of 2022-12-05: 7 recipients")
    assert all(len(repr(r)) < 200 for r in assessment.recipients)
    assert repr(assessment.graph).startswith("<FlowGraph ") and "recipient" in repr(
        assessment.graph)


def test_records_follow_the_csv_register(assessment) -> None:
    from gdprmap.reports.csv_report import COLUMNS, render_csv

    records = assessment.to_records()
    assert len(records) == len(assessment.recipients)
    assert all(list(r) == list(COLUMNS) for r in records)
    assert all(isinstance(r["requests"], int) for r in records)
    first_csv_row = render_csv(assessment).splitlines()[1]
    assert first_csv_row.startswith(f"{records[0]['recipient']},{records[0]['recipient_id']}")


def test_to_pandas(assessment) -> None:
    pytest.importorskip("pandas")
    from gdprmap.reports.csv_report import COLUMNS

    frame = assessment.to_pandas()
    assert frame.shape == (len(assessment.recipients), len(COLUMNS))
    assert set(frame["verdict"]) == {str(r.verdict) for r in assessment.recipients}


def test_graphml_of_the_scalar_graph(assessment) -> None:
    import networkx as nx

    buffer = io.BytesIO()
    nx.write_graphml(assessment.graph.scalar(), buffer)
    again = nx.read_graphml(io.BytesIO(buffer.getvalue()))
    assert again.number_of_nodes() == assessment.graph.nx.number_of_nodes()


def test_python_dash_m_and_stdout(tmp_path: Path) -> None:
    version = subprocess.run([sys.executable, "-m", "gdprmap", "--version"],
                             capture_output=True, text=True, check=True, timeout=120)
    assert version.stdout.strip() == f"gdprmap, version {gdprmap.__version__}"
    result = subprocess.run([sys.executable, "-m", "gdprmap", "report", str(EXAMPLE), "-o", "-"],
                            capture_output=True, check=True, timeout=300)
    report = gdprmap.Assessment.from_json(result.stdout)
    assert len(report.recipients) == 7


def test_verbose_logs_timings_and_quiet_silences() -> None:
    runner = CliRunner()
    loud = runner.invoke(main, ["-v", "rules"])
    assert loud.exit_code == 0
    import logging

    assert logging.getLogger("gdprmap").level == logging.INFO
    quiet = runner.invoke(main, ["-q", "rules"])
    assert quiet.exit_code == 0 and logging.getLogger("gdprmap").level == logging.ERROR


def test_every_option_has_help() -> None:
    import click

    missing = []

    def walk(command: click.Command, path: str) -> None:
        for p in command.params:
            if isinstance(p, click.Option) and not p.hidden and not (p.help or "").strip():
                missing.append(f"{path} {p.opts[0]}")
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(main, "gdprmap")
    assert not missing


def test_completion_of_scenarios_rules_and_queries() -> None:
    import click

    from gdprmap.cli import _complete_queries, _complete_rules, _complete_scenarios

    ctx = click.Context(main)
    assert "dpf-invalidated" in _complete_scenarios(ctx, None, "dpf")  # type: ignore[arg-type]
    rules = _complete_rules(ctx, None, "")  # type: ignore[arg-type]
    assert rules and all(r.startswith("GM-") for r in rules)
    assert "unlawful-transfers" in _complete_queries(ctx, None, "unl")  # type: ignore[arg-type]


def test_documented_query_by_name(tmp_path: Path) -> None:
    saved = tmp_path / "a.json"
    assert CliRunner().invoke(main, ["report", str(EXAMPLE), "-o", str(saved)]).exit_code == 0
    by_name = CliRunner().invoke(main, ["query", str(saved), "--file", "verdict-counts"])
    by_path = CliRunner().invoke(main, ["query", str(saved), "--file",
                                        str(ROOT / "docs/queries/verdict-counts.rq")])
    assert by_name.exit_code == 0 and by_name.output == by_path.output
    bad = CliRunner().invoke(main, ["query", str(saved), "--file", "no-such-query"])
    assert bad.exit_code == 2 and "documented:" in bad.output


# --- layering ------------------------------------------------------------------------------

PACKAGE = ROOT / "src" / "gdprmap"
# Lower layers never import higher ones (a module may import its own layer and below).
LAYERS = [
    {"errors", "verdicts", "arguments", "resources", "limits", "vocab", "models", "catalogs",
     "jurisdictions", "browser_services", "local_traffic", "start_page"},
    {"redact", "importers", "classify", "enrich", "register", "declared", "capture"},
    {"graph", "rules", "consent"},
    {"assess", "compare", "diff", "query", "export", "status", "reports"},
    {"api", "testing"},
    {"batch"},  # runs analyses through the façade, in worker processes or on a cluster
    {"cli", "__main__"},
]


def _imports() -> dict[str, set[str]]:
    """Static import edges between gdprmap modules, function-level imports included and
    ``if TYPE_CHECKING:`` blocks left out (they never run)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                       and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                candidates = [target] + [f"{target}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                candidates = [a.name for a in node.names]
            else:
                continue
            for t in candidates:
                # importing a package's own parent is how Python imports work, not a cycle
                if t in modules and t != module and not module.startswith(t + "."):
                    edges[module].add(t)
    return edges


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    return len(LAYERS)  # the package itself, or a module not placed yet: add it to LAYERS


def test_no_import_cycles() -> None:
    import networkx as nx

    graph = nx.DiGraph()
    for module, targets in _imports().items():
        graph.add_node(module)
        graph.add_edges_from((module, t) for t in targets if t != "gdprmap")
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, textwrap.shorten(str(cycles[:5]), 2000)


def test_lower_layers_never_import_higher_ones() -> None:
    upward = [f"{m} -> {t}" for m, targets in _imports().items() for t in targets
              if t != "gdprmap" and _layer(t) > _layer(m)]
    assert not upward, upward
