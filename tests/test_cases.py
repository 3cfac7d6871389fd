"""Pipeline cases: a folder per case (tests/cases/NAME/case.toml) with the input requests, the
options and the expected verdicts; `[[variants]]` rerun the same case with other options."""

import json
import tomllib
from pathlib import Path

import pytest

from conftest import entry, har
from gdprmap import analyze

CASES = sorted(p for p in (Path(__file__).parent / "cases").iterdir() if p.is_dir())


def _runs():
    for folder in CASES:
        case = tomllib.loads((folder / "case.toml").read_text())
        yield pytest.param(case, {}, case["expect"], id=folder.name)
        for i, variant in enumerate(case.get("variants", [])):
            yield pytest.param(case, variant, variant["expect"], id=f"{folder.name}-variant{i}")


@pytest.mark.parametrize(("case", "variant", "expected"), list(_runs()))
def test_case(tmp_path, case, variant, expected):
    requests = variant.get("requests", case["input"]["requests"])
    capture = tmp_path / "capture.har"
    referer = case["input"].get("referer")
    headers = [("Referer", referer)] if referer else []
    capture.write_text(json.dumps(har([entry(u, when=case["input"]["date"], headers=headers)
                                        for u in requests])))
    options = {**case.get("options", {}),
               **{k: v for k, v in variant.items() if k not in ("expect", "requests")}}
    if "dpf_list" in case:  # issue 14: a DPF List workbook written for the case
        from dpf_helpers import row, write_dpf_list

        options["dpf_list"] = write_dpf_list(tmp_path / "dpf.xlsx", [
            row(e["legal"], e.get("install"), status=e.get("status", "Active"),
                inactive=e.get("inactive"), covered=e.get("covered", ""))
            for e in case["dpf_list"]["listed"]])
    assessment = analyze(capture, **options)
    verdicts = {r.id: str(r.verdict) for r in assessment.recipients}
    assert {k: verdicts.get(k) for k in expected} == expected
    by_id = {r.id: r for r in assessment.recipients}
    for rid, wanted in case.get("expect_findings", {}).items():
        assert set(wanted) <= {f.rule for f in by_id[rid].findings}
    for rid, wanted in case.get("expect_special", {}).items():
        assert set(wanted) <= set(by_id[rid].special_categories)
    assert not any(r.id.endswith("site.example") for r in assessment.recipients)
