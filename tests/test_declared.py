"""A declared register: its safeguards reach the rules; declared flows prove only what it says."""

from pathlib import Path

import pytest

from conftest import EXAMPLE
from gdprmap import analyze

REGISTER = Path(__file__).parent / "fixtures" / "registers" / "medirdv.yaml"
IP = "https://w3id.org/dpv/pd#IPAddress"


def by_id(assessment):
    return {r.id: r for r in assessment.recipients}


# Cloudflare's DPF listing is sourced in the bundled knowledge base (issue 14). These tests need a
# US recipient with declared SCCs and no adequacy: an override drops Cloudflare's DPF status (its
# parent chain stays established: with parent_established = false it would be unknown, issue 13).
UNLISTED_CLOUDFLARE = (
    '[entities.cloudflare-inc]\nname = "Cloudflare, Inc."\ncountry = "US"\nparent_established = true\nfisa702 = "in-scope"\n'
    'fisa702_basis = "test override"\nsources = ["https://www.cloudflare.com/privacypolicy/"]\n')


@pytest.fixture(scope="module")
def unlisted(tmp_path_factory):
    path = tmp_path_factory.mktemp("kb") / "unlisted-cloudflare.toml"
    path.write_text(UNLISTED_CLOUDFLARE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def dpf_era(unlisted):
    return by_id(analyze(EXAMPLE, REGISTER, as_of="2024-03-01", kb_override=(unlisted,)))


def test_dpf_listed_recipient_is_adequate_whatever_is_declared(example_dpf_list):
    # issue 14: listed = on the DPF List on the as-of date (a test List listing Cloudflare)
    cf = by_id(analyze(EXAMPLE, REGISTER, as_of="2024-03-01",
                       dpf_list=example_dpf_list))["org:cloudflare-inc"]
    assert cf.verdict == "adequate"


@pytest.fixture(scope="module")
def schrems_window():
    return by_id(analyze(EXAMPLE, REGISTER))


def rules(recipient):
    return {f.rule for f in recipient.findings}


def test_declared_sccs_make_a_transfer_safeguarded(dpf_era):
    cf = dpf_era["org:cloudflare-inc"]
    assert cf.verdict == "safeguarded" and "GM-SFG-02" in rules(cf)


def test_declared_sccs_cannot_cure_the_schrems_ii_window(schrems_window):
    cf = schrems_window["org:cloudflare-inc"]
    assert cf.verdict == "unlawful" and {"GM-UNL-01", "GM-SFG-03"} <= rules(cf)


def test_declared_encryption_is_contradicted_by_observed_flows(dpf_era):
    aws = dpf_era["org:aws-emea-sarl"]
    assert "GM-SFG-04" in rules(aws)
    us = [t for t in aws.transfers if t.country == "US"]
    assert us and us[0].verdict == "safeguarded"


def test_declared_only_recipient_with_eea_keys(schrems_window):
    """Not observed, SCCs and keys held in the EEA (EDPB use case 1): safeguarded even in 2022."""
    mixpanel = next(r for r in schrems_window.values() if "api.mixpanel.com" in r.hosts)
    assert mixpanel.verdict == "safeguarded" and "GM-SFG-01" in rules(mixpanel)


def test_declared_only_recipient_with_sccs_only(schrems_window):
    amplitude = next(r for r in schrems_window.values() if "api2.amplitude.com" in r.hosts)
    assert amplitude.verdict == "unlawful"


def test_declared_flows_claim_only_what_the_register_says(schrems_window):
    amplitude = next(r for r in schrems_window.values() if "api2.amplitude.com" in r.hosts)
    assert IP not in amplitude.data_categories  # no traffic was seen: no IP address claimed
    assert amplitude.data_categories == ("https://w3id.org/dpv/pd#Identifier",)
    assert all(e.field == "declared register" for d in amplitude.data for e in d.evidence)


def test_register_given_apart_from_the_captures(unlisted):
    """analyze(register=path) and analyze(register=model) read it like one more input."""
    from gdprmap.importers.register import load_register

    as_path = by_id(analyze(EXAMPLE, register=REGISTER, as_of="2024-03-01",
                            kb_override=(unlisted,)))
    as_model = by_id(analyze(EXAMPLE, register=load_register(REGISTER), as_of="2024-03-01",
                             kb_override=(unlisted,)))
    for result in (as_path, as_model):
        assert result["org:cloudflare-inc"].verdict == "safeguarded"
