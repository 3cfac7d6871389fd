"""Issue #8: declared versus observed (`gdprmap compare`, gdprmap.compare)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import gdprmap

pytest.importorskip("gdprmap.register")  # the register model is being finished in parallel

from gdprmap.compare import COMPARE_FAIL_ON, Comparison, compare_register, covered  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "health-booking" / "capture.har"
FIXTURE = ROOT / "tests" / "fixtures" / "importers" / "register.yaml"
PD = "https://w3id.org/dpv/pd#"

REGISTER = """\
register_version: "1"
controller: {name: MediRDV SAS, country: FR}
updated: 2022-11-01
activities:
  - id: booking
    name: Appointment booking
    purposes: [ServiceProvision]
    data_categories: [pd:Tracking, pd:Behavioural, pd:External, pd:Preference, pd:Health]
    recipients:
      - name: Cloudflare, Inc.
        country: US
        hosts: [cdnjs.cloudflare.com]
        safeguards: [adequacy decision, dpf]
      - name: Google LLC
        entity: google-llc
        hosts: [fonts.googleapis.com]
        safeguards: [dpf]
      - name: Cloudinary Ltd.
        hosts: [res.cloudinary.com]
      - name: Mailchimp
        hosts: [us1.api.mailchimp.com]
        safeguards: [SCCs]
  - id: consent
    name: Consent management
    purposes: [LegalCompliance]
    data_categories: [pd:IPAddress]
    recipients:
      - name: Axeptio
        country: FR
        hosts: [client.axept.io]
"""


@pytest.fixture(scope="module")
def register_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("register") / "register.yaml"
    path.write_text(REGISTER, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def c2022(register_file) -> Comparison:
    return gdprmap.compare_captures(register_file, EXAMPLE)


@pytest.fixture(scope="module")
def c2024(register_file, example_dpf_list) -> Comparison:
    # issue 14: Google and Cloudflare on a (test) DPF List on the as-of date
    return gdprmap.compare_captures(register_file, EXAMPLE, as_of="2024-03-01",
                                    dpf_list=example_dpf_list)


def by(comparison: Comparison, recipient: str, safeguard: str) -> list[str]:
    return [m.problem for m in comparison.safeguard_mismatches
            if m.recipient == recipient and m.safeguard == safeguard]


def test_matching_and_gaps(c2022):
    matched = {(p.declared, p.recipient): p.matched_by for p in c2022.matched}
    assert matched[("Google LLC", "org:google-llc")] == "entity"
    assert ("Cloudflare, Inc.", "org:cloudflare-inc") in matched
    assert ("Axeptio", "org:axeptio") in matched
    assert [r.id for r in c2022.undeclared] == ["org:aws-emea-sarl",
                                                "org:functional-software-inc",
                                                "org:at-internet"]
    assert [d.name for d in c2022.not_observed] == ["Mailchimp"]
    assert c2022.not_observed[0].safeguards == ("scc",)


def test_safeguards_that_the_verdict_contradicts(c2022):
    # "adequacy" declared for the US, where no adequacy decision applied in 2022
    assert by(c2022, "org:cloudflare-inc", "adequacy")
    # Google and Cloudflare are DPF-listed, but the DPF did not exist on 2022-12-05, so no
    # organisation was listed then (issue 14: the status as of the date)
    assert "the DPF applies from 2023-07-10" in by(c2022, "org:google-llc", "dpf")[0]
    assert "the DPF applies from 2023-07-10" in by(c2022, "org:cloudflare-inc", "dpf")[0]
    # nothing declared for a transfer that needs a tool
    assert by(c2022, "org:cloudinary-ltd", "none")
    assert not [m for m in c2022.safeguard_mismatches if m.recipient == "org:axeptio"]
    assert all(m.rule for m in c2022.safeguard_mismatches)


def test_dpf_declared_is_consistent_once_the_dpf_applies(c2024):
    assert not by(c2024, "org:google-llc", "dpf")
    # Cloudflare on the List on the as-of date (issue 14)
    assert not by(c2024, "org:cloudflare-inc", "dpf")
    # issue 13: Cloudinary Ltd's parent is not recorded - unknown, not safeguards-required
    # (no "none" mismatch: that one is raised for safeguards-required or unlawful only)
    assert not by(c2024, "org:cloudinary-ltd", "none")


def test_dpf_declared_without_a_listing_in_the_knowledge_base(register_file, tmp_path):
    # an override whose Cloudflare record has no DPF status: "dpf" declared, nothing listed
    override = tmp_path / "kb.toml"
    override.write_text('[entities.cloudflare-inc]\nname = "Cloudflare, Inc."\ncountry = "US"\n'
                        'parent_established = false\n'
                        'sources = ["https://www.cloudflare.com/privacypolicy/"]\n', encoding="utf-8")
    c = gdprmap.compare_captures(register_file, EXAMPLE, as_of="2024-03-01", kb_override=(override,))
    assert "no active DPF listing" in by(c, "org:cloudflare-inc", "dpf")[0]


def test_data_beyond_the_register(c2022):
    data = {m.recipient: m.categories for m in c2022.undeclared_data}
    assert set(data) == {"org:axeptio"}  # broader DPV categories cover the booking recipients
    assert PD + "IPAddress" not in data["org:axeptio"]
    assert PD + "Health" in data["org:axeptio"]


def test_covered_uses_the_dpv_hierarchy():
    assert covered(PD + "IPAddress", [PD + "IPAddress"])
    assert covered(PD + "IPAddress", [PD + "Tracking"])
    assert covered(PD + "BrowsingReferral", [PD + "BrowsingBehaviour"])
    assert not covered(PD + "Health", [PD + "Tracking"])
    assert covered(PD + "Health", ["https://w3id.org/dpv#SpecialCategoryPersonalData"])


def test_fixture_register_against_the_example():
    c = gdprmap.compare_captures(FIXTURE, EXAMPLE)
    assert {p.recipient for p in c.matched} == {"org:aws-emea-sarl",
                                                "org:functional-software-inc"}
    aws = {m.safeguard for m in c.safeguard_mismatches if m.recipient == "org:aws-emea-sarl"}
    assert aws == {"scc", "encryption-keys-in-eea"}
    assert c.triggered(COMPARE_FAIL_ON) == ["undeclared", "safeguards", "data", "any"]
    with pytest.raises(gdprmap.UsageError, match="known:"):
        c.triggered(["everything"])


def test_register_given_among_the_captures_is_not_observed_traffic(register_file):
    """Declared flows of a register passed as a capture do not count as observed."""
    from gdprmap.importers.register import load_register

    a = gdprmap.analyze(EXAMPLE, register_file)
    c = compare_register(load_register(register_file), a)
    assert [d.name for d in c.not_observed] == ["Mailchimp"]
    assert c.inputs == (str(EXAMPLE),)


def test_json_model_round_trip(c2022):
    again = Comparison.model_validate_json(c2022.to_json())
    assert again == c2022
    text = c2022.render_text()
    assert "observed but not declared: 3" in text and "declared but not observed: 1" in text


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gdprmap.cli", *args], check=False,
                          capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})


def test_cli_compare_text_json_and_exit_codes(register_file, tmp_path):
    out = cli("compare", str(register_file), str(EXAMPLE))
    assert out.returncode == 0, out.stderr
    assert "observed but not declared: 3" in out.stdout
    target = tmp_path / "cmp.json"
    out = cli("compare", str(register_file), str(EXAMPLE), "-o", str(target),
              "--fail-on", "undeclared")
    assert out.returncode == 1, out.stderr
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert [r["id"] for r in doc["undeclared"]][0] == "org:aws-emea-sarl"
    out = cli("compare", str(register_file), str(EXAMPLE), "--format", "json",
              "--fail-on", "not-observed", "--as-of", "2024-03-01")
    assert out.returncode == 1 and json.loads(out.stdout)["as_of"] == "2024-03-01"


def test_cli_compare_bad_register_exits_2(tmp_path):
    bad = tmp_path / "r.yaml"
    bad.write_text('register_version: "2"\n', encoding="utf-8")
    out = cli("compare", str(bad), str(EXAMPLE))
    assert out.returncode == 2 and "register_version" in out.stderr


def test_compare_against_a_saved_assessment(register_file, c2022, tmp_path):
    saved = tmp_path / "a.json"
    saved.write_text(gdprmap.analyze(EXAMPLE).to_json(), encoding="utf-8")
    again = gdprmap.compare_captures(register_file, saved)
    assert again.model_dump() == c2022.model_dump()
    with pytest.raises(gdprmap.UsageError, match="at least one capture"):
        gdprmap.compare_captures(register_file)
