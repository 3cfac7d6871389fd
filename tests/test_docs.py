"""Issue #8: docs as tests - docs/cli.md is generated from --help and must be current; the
```python blocks of docs/python.md and of the README's Python section run, in order."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def test_cli_reference_is_up_to_date():
    script = ROOT / "scripts" / "make_cli_docs.py"
    result = subprocess.run([sys.executable, str(script),
                             "--check"], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert result.returncode == 0, result.stderr + " (run: python scripts/make_cli_docs.py)"


def test_cli_reference_documents_every_command():
    from gdprmap.cli import main

    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for name in main.commands:
        assert f"## `gdprmap {name}`" in text


def blocks(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("doc", ["docs/python.md", "README.md"])
def test_python_examples_run(doc, monkeypatch, capsys):
    code = blocks(ROOT / doc)
    if doc == "README.md" and not code:
        pytest.skip("no python examples in the README")
    assert code, f"{doc} has no ```python blocks"
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for i, block in enumerate(code):
        try:
            exec(compile(block, f"{doc}[python block {i + 1}]", "exec"), namespace)
        except Exception as e:  # pragma: no cover - the message names the block
            raise AssertionError(f"{doc}: python block {i + 1} fails: {e!r}\n{block}") from e
    assert capsys.readouterr().out  # the examples print what they show
