"""Issue 14: a DPF certification that covers some of an operator's services only (Magnite's covers
its DV+ platform) clears those services' hosts and no others - a missing fact never clears."""

from __future__ import annotations

import json

import pytest

import gdprmap
from conftest import entry, har
from dpf_helpers import row, write_dpf_list

KB = '''
[entities.mike]
name = "Mike Media, Inc."
country = "US"
parent_established = true
fisa702 = "in-scope"
dpf = "active"
dpf_checked = 2023-12-01
dpf_source = "https://mike.example/privacy"
sources = ["https://mike.example/privacy"]

[[services]]
id = "mike-display"
name = "Mike Display"
operator = "mike"
category = "advertising"
domains = ["mikedisplay.example"]
sources = ["https://mike.example/privacy"]

[[services]]
id = "mike-ctv"
name = "Mike CTV"
operator = "mike"
category = "advertising"
domains = ["mikectv.example"]
dpf_outside = "the policy limits the DPF commitment to 'its Display Platform'."
sources = ["https://mike.example/privacy"]
'''
DISPLAY, CTV = "https://ads.mikedisplay.example/bid?uid=1", "https://x.mikectv.example/ad?uid=1"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dpf-scope")
    (folder / "orgs.toml").write_text(KB, encoding="utf-8")
    for name, urls in {"display": [DISPLAY], "ctv": [CTV], "both": [DISPLAY, CTV]}.items():
        (folder / f"{name}.har").write_text(json.dumps(
            har([entry("https://www.site.example/")] + [entry(u) for u in urls])))
    write_dpf_list(folder / "list.xlsx", [row("Mike Media, Inc.", "2023-08-01")])
    return folder


def mike(folder, capture: str, with_list: bool = False) -> gdprmap.Recipient:
    a = gdprmap.analyze(folder / f"{capture}.har", as_of="2024-03-01",
                        kb_override=(folder / "orgs.toml",),
                        dpf_list=folder / "list.xlsx" if with_list else None)
    return next(r for r in a.recipients if r.id == "org:mike")


@pytest.mark.parametrize("with_list", [False, True], ids=["recorded", "list"])
def test_a_covered_service_is_cleared_by_the_listing(folder, with_list):
    r = mike(folder, "display", with_list)
    assert (str(r.verdict), r.organisation.chain[0].dpf) == ("adequate", "active")


@pytest.mark.parametrize("capture", ["ctv", "both"])
@pytest.mark.parametrize("with_list", [False, True], ids=["recorded", "list"])
def test_a_service_outside_the_certification_is_not_cleared(folder, capture, with_list):
    r = mike(folder, capture, with_list)
    operator = r.organisation.chain[0]
    assert str(r.verdict) == "safeguards-required"
    assert operator.dpf == "unknown"
    assert "does not cover Mike CTV" in operator.dpf_basis
    assert "its Display Platform" in operator.dpf_basis
    assert "GM-DPF-01" in {f.rule for f in r.findings}
