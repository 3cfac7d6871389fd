"""Every hostile case of benchmarks/hostile.py ends - with a report or a one-line refusal -
under a 1 GiB address-space limit, in seconds (issue #17, "Must show")."""

from __future__ import annotations

import sys

import pytest
from conftest import load_module

hostile = load_module("benchmarks/hostile.py", "hostile_bench", register=True)


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS and ru_maxrss as on Linux")
@pytest.mark.parametrize("case", sorted(hostile.CASES))
def test_hostile_case_is_bounded(case, tmp_path):
    row = hostile.run_case(case, tmp_path)
    assert row["exit"] in (0, 2), row  # a report, or a one-line input error - never a crash
    assert row["seconds"] < 60, row
    assert row["peak_rss_mib"] is not None and row["peak_rss_mib"] < 1024, row
    if row["exit"] == 2:
        assert row["stderr"].count("\n") == 0 and row["stderr"].startswith("gdprmap: error:")
    if case == "many-skipped":
        assert row["output_bytes"] < 1_000_000
