"""The command line's PDF printed by a child process started before the analysis (issue 19,
``reports.pdf.PrintAhead``): the same bytes as printing in-process, and the parent prints
itself whenever the child cannot deliver."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest
from conftest import EXAMPLE, ROOT

from gdprmap.reports import pdf

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX only")


@pytest.fixture(scope="module")
def assessment():
    import gdprmap

    return gdprmap.analyze(EXAMPLE)


@pytest.fixture
def single_thread(monkeypatch):
    if threading.active_count() != 1:  # PrintAhead.start() declines to fork then
        pytest.skip("another test left a thread running in this process")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.delenv("GDPRMAP_PRINT_AHEAD", raising=False)
    yield
    if pdf.PrintAhead.started is not None:
        pdf.PrintAhead.started.close()


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def _printing_here_fails(*args, **kwargs):
    raise AssertionError("printed in the parent process")


def test_the_child_prints_the_same_bytes(assessment, single_thread, monkeypatch):
    expected = pdf.render_pdf_bytes(assessment)  # no child started: printed here
    ahead = pdf.PrintAhead.start()
    assert ahead is not None and pdf.PrintAhead.started is ahead
    pid = ahead.pid
    # patched after the fork, so only in this process: the PDF must come from the child
    monkeypatch.setattr(pdf, "_print_job", _printing_here_fails)
    assert pdf.render_pdf_bytes(assessment) == expected
    assert pdf.PrintAhead.started is None and _reaped(pid)


def test_pdf_a_attachments_go_through_the_child(assessment, single_thread, monkeypatch):
    expected = pdf.render_pdf_bytes(assessment, variant="pdf/a-3b")
    pdf.PrintAhead.start()
    monkeypatch.setattr(pdf, "_print_job", _printing_here_fails)
    assert pdf.render_pdf_bytes(assessment, variant="pdf/a-3b") == expected


def test_a_dead_child_leaves_the_printing_to_the_parent(assessment, single_thread):
    expected = pdf.render_pdf_bytes(assessment)
    ahead = pdf.PrintAhead.start()
    pid = ahead.pid
    os.kill(pid, signal.SIGKILL)
    assert pdf.render_pdf_bytes(assessment) == expected
    assert _reaped(pid)


def test_a_child_never_asked_is_ended_and_reaped(single_thread):
    ahead = pdf.PrintAhead.start()
    assert pdf.PrintAhead.start() is ahead  # one child at a time
    pid = ahead.pid
    ahead.close()
    assert _reaped(pid) and pdf.PrintAhead.started is None
    ahead.close()  # twice: nothing left to do


def test_switched_off(single_thread, monkeypatch):
    monkeypatch.setenv("GDPRMAP_PRINT_AHEAD", "0")
    assert pdf.PrintAhead.start() is None


@pytest.mark.parametrize("variant", [(), ("--pdf-variant", "pdf/a-3b")], ids=["pdf", "pdf-a"])
def test_command_line_pdf_is_the_same_with_and_without_the_child(tmp_path, variant):
    outputs = []
    for ahead in ("1", "0"):
        folder = tmp_path / ahead  # the report quotes its command line: same "-o" both times
        folder.mkdir()
        env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000", GDPRMAP_PRINT_AHEAD=ahead,
                   PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
        subprocess.run([sys.executable, "-m", "gdprmap", "report", str(EXAMPLE), "-o",
                        "report.pdf", *variant], cwd=folder, env=env, check=True,
                       capture_output=True)
        outputs.append((folder / "report.pdf").read_bytes())
    assert outputs[0].startswith(b"%PDF") and outputs[0] == outputs[1]
