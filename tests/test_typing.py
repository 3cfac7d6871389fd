"""Issue #8: the package type-checks under ``mypy --strict`` (config in pyproject's [tool.mypy])."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_strict_is_clean() -> None:
    pytest.importorskip("mypy")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "src/gdprmap"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Success" in result.stdout, output
