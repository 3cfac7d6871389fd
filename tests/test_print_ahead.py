"""The command line's PDF printed by a child process started before the analysis (issue 19,
``reports.pdf.PrintAhead``): the same bytes as printing in-process, and the parent prints
itself whenever the child cannot deliver."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import EXAMPLE, ROOT

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX only")

# The checks run in a fresh interpreter: PrintAhead forks only a process with one thread, and
# earlier tests of a session may leave threads running (thread pools, Dask).
CHECKS = r"""
import json, os, signal, sys
os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
os.environ.pop("GDPRMAP_PRINT_AHEAD", None)
import gdprmap
from gdprmap.reports import pdf

def reaped(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False

def printing_here_fails(*args, **kwargs):
    raise AssertionError("printed in the parent process")

a = gdprmap.analyze(sys.argv[1])
print_job = pdf._print_job
out = {}
for variant in (None, "pdf/a-3b"):
    pdf._print_job = print_job
    expected = pdf.render_pdf_bytes(a, variant=variant)  # no child started: printed here
    ahead = pdf.PrintAhead.start()
    pid, started = ahead.pid, pdf.PrintAhead.started is ahead
    pdf._print_job = printing_here_fails  # after the fork, so only here: the child must print
    got = pdf.render_pdf_bytes(a, variant=variant)
    out[variant or "pdf"] = {"started": started, "pdf": got[:5].decode(), "same": got == expected,
                             "consumed": pdf.PrintAhead.started is None, "reaped": reaped(pid)}
pdf._print_job = print_job
plain = pdf.render_pdf_bytes(a)

ahead = pdf.PrintAhead.start()
os.kill(ahead.pid, signal.SIGKILL)
out["dead child"] = {"same": pdf.render_pdf_bytes(a) == plain, "reaped": reaped(ahead.pid)}

ahead = pdf.PrintAhead.start()
again = pdf.PrintAhead.start() is ahead
pid = ahead.pid
ahead.close()
ahead.close()
out["never asked"] = {"one at a time": again, "reaped": reaped(pid),
                      "cleared": pdf.PrintAhead.started is None}

os.environ["GDPRMAP_PRINT_AHEAD"] = "0"
out["switched off"] = pdf.PrintAhead.start() is None
print(json.dumps(out))
"""


def _env(**extra: str) -> dict[str, str]:
    return dict(os.environ, SOURCE_DATE_EPOCH="1700000000", **extra,
                PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))


@pytest.fixture(scope="module")
def checks():
    done = subprocess.run([sys.executable, "-c", CHECKS, str(EXAMPLE)], env=_env(), check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("variant", ["pdf", "pdf/a-3b"])
def test_the_child_prints_the_same_bytes(checks, variant):
    assert checks[variant] == {"started": True, "pdf": "%PDF-", "same": True, "consumed": True,
                               "reaped": True}


def test_a_dead_child_leaves_the_printing_to_the_parent(checks):
    assert checks["dead child"] == {"same": True, "reaped": True}


def test_a_child_never_asked_is_ended_and_reaped(checks):
    assert checks["never asked"] == {"one at a time": True, "reaped": True, "cleared": True}


def test_switched_off(checks):
    assert checks["switched off"] is True


@pytest.mark.parametrize("variant", [(), ("--pdf-variant", "pdf/a-3b")], ids=["pdf", "pdf-a"])
def test_command_line_pdf_is_the_same_with_and_without_the_child(tmp_path, variant):
    outputs = []
    for ahead in ("1", "0"):
        folder = tmp_path / ahead  # the report quotes its command line: same "-o" both times
        folder.mkdir()
        subprocess.run([sys.executable, "-m", "gdprmap", "report", str(EXAMPLE), "-o",
                        "report.pdf", *variant], cwd=folder, env=_env(GDPRMAP_PRINT_AHEAD=ahead),
                       check=True, capture_output=True)
        outputs.append((folder / "report.pdf").read_bytes())
    assert outputs[0].startswith(b"%PDF") and outputs[0] == outputs[1]
