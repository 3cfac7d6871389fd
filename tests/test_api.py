"""Issue #8: the typed Python API - analyze(register=), FlowGraph queries (live and rebuilt
from JSON), JSON round-trip, saved assessments, the notebook table and the public names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gdprmap
from gdprmap import Assessment, FlowGraph, Verdict
from gdprmap.models import Recipient

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "health-booking" / "capture.har"
REGISTER = ROOT / "tests" / "fixtures" / "importers" / "register.yaml"
HEALTH = "https://w3id.org/dpv/pd#Health"


@pytest.fixture(scope="module")
def example() -> Assessment:
    return gdprmap.analyze(EXAMPLE)


@pytest.fixture(scope="module")
def reloaded(example: Assessment) -> Assessment:
    return Assessment.from_json(example.to_json())


def test_public_names_are_exported_and_documented():
    for name in gdprmap.__all__:
        obj = getattr(gdprmap, name)
        if callable(obj) and not isinstance(obj, type):
            assert obj.__doc__, f"gdprmap.{name} has no docstring"
    assert callable(gdprmap.run_query) and callable(gdprmap.compare_captures)
    assert (ROOT / "src" / "gdprmap" / "py.typed").is_file()


def test_json_round_trip_on_the_example(example, reloaded):
    assert reloaded == example  # the cached graph does not count
    assert reloaded.model_dump() == example.model_dump()
    assert reloaded.to_json() == example.to_json()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(recipients=st.lists(st.builds(Recipient, cookie_lifetimes=st.just(()),
                                     facts=st.just(())), max_size=3))
def test_json_round_trip_property(example, recipients):
    """Any recipients survive to_json/from_json, and a graph can be rebuilt from them."""
    assessment = example.model_copy(update={"recipients": tuple(recipients)})
    again = Assessment.from_json(assessment.to_json())
    assert again.model_dump() == assessment.model_dump()
    graph = FlowGraph.from_assessment(again)
    assert set(graph.recipients()) == {r.id for r in recipients}


def test_graph_queries_on_the_example(example):
    g = example.graph
    assert g.recipients_of(HEALTH) == ["org:at-internet", "org:aws-emea-sarl", "org:axeptio",
                                       "org:cloudflare-inc", "org:cloudinary-ltd",
                                       "org:functional-software-inc"]
    assert g.recipients_by_verdict("unknown") == ["org:at-internet", "org:axeptio"]  # issue 13
    assert g.recipients_in_country("US") == ["org:cloudflare-inc",
                                             "org:functional-software-inc", "org:google-llc"]
    assert "org:aws-emea-sarl" in g.recipients_in_country("US", basis="parent")
    assert "org:at-internet" in g.recipients_in_country("us", basis="parent")
    assert g.recipients_in_country("US", basis="destination") == [
        "org:aws-emea-sarl", "org:cloudflare-inc", "org:cloudinary-ltd",
        "org:functional-software-inc", "org:google-llc"]
    assert g.shares_identifier_with("org:aws-emea-sarl") == ["org:functional-software-inc"]
    assert g.identifier_links() == [("org:aws-emea-sarl", "org:functional-software-inc")]
    assert g.hosts_of("amazon-com-inc")  # subsidiaries' hosts count for the parent
    assert g.paths_to_jurisdiction(HEALTH, "US")
    assert g.nx.number_of_nodes() > 20
    with pytest.raises(ValueError, match="unknown basis"):
        g.recipients_in_country("US", basis="moon")


def test_shared_identifiers_follow_the_recipients_field(example):
    for r in example.recipients:
        assert example.graph.shares_identifier_with(r.id) == sorted(r.shared_identifiers)


def test_rebuilt_graph_answers_recipient_queries_like_the_live_one(example, reloaded):
    live, rebuilt = example.graph, reloaded.graph
    assert rebuilt is not None and rebuilt.nx.graph.get("rebuilt") is True
    assert rebuilt.recipients() == live.recipients()
    for cat in {c for r in example.recipients for c in r.data_categories}:
        assert rebuilt.recipients_of(cat) == live.recipients_of(cat), cat
    for v in Verdict:
        assert rebuilt.recipients_by_verdict(str(v)) == live.recipients_by_verdict(str(v))
    for basis in ("entity", "parent", "destination"):
        for cc in ("US", "FR", "LU", "IL"):
            assert rebuilt.recipients_in_country(cc, basis) == live.recipients_in_country(
                cc, basis)
    assert rebuilt.identifier_links() == live.identifier_links()
    assert rebuilt.hosts_of("amazon-com-inc") == live.hosts_of("amazon-com-inc")
    assert bool(rebuilt.paths_to_jurisdiction(HEALTH, "US"))


def test_saved_assessment_is_recognised_and_loaded(example, tmp_path):
    path = tmp_path / "report.json"
    path.write_text(example.to_json(), encoding="utf-8")
    assert gdprmap.api.is_saved_assessment(path)
    assert not gdprmap.api.is_saved_assessment(EXAMPLE)
    assert not gdprmap.api.is_saved_assessment(REGISTER)
    loaded = gdprmap.open_assessment(path)
    assert loaded.model_dump() == example.model_dump()
    with pytest.raises(gdprmap.UsageError, match="not both"):
        gdprmap.open_assessment(path, EXAMPLE)
    # options that would not apply to a saved assessment are refused, not ignored
    assert gdprmap.open_assessment(path, doctrine="exposure-is-risk", lang="en",
                                   first_party=()) == example
    with pytest.raises(gdprmap.UsageError, match="--as-of, --scenario"):
        gdprmap.open_assessment(path, as_of="2024-03-01", scenario="dpf-invalidated")


def test_broken_saved_assessment_is_an_input_error(tmp_path):
    path = tmp_path / "bad.json"
    doc = {"schema_version": "1.1", "generator": {"version": "0"}, "recipients": "nope"}
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(gdprmap.InputError, match="not a gdprmap JSON assessment"):
        gdprmap.load_assessment(path)


def test_register_reaches_the_pipeline_options(monkeypatch):
    """analyze(register=...) validates the register and hands it to assess.Options."""
    register_mod = pytest.importorskip("gdprmap.register")
    from gdprmap import api

    seen = {}

    def fake(paths, options):
        seen["options"] = options
        raise RuntimeError("stop")

    monkeypatch.setattr(api, "_analyze", fake)
    with pytest.raises(RuntimeError, match="stop"):
        gdprmap.analyze(EXAMPLE, register=REGISTER)
    options = seen["options"]
    assert options.register_paths == (REGISTER,)
    assert isinstance(options.register, register_mod.Register)
    assert options.register.controller.name == "Clinique Exemple SAS"
    model = options.register
    with pytest.raises(RuntimeError):
        gdprmap.analyze(EXAMPLE, register=model)
    assert seen["options"].register is model and seen["options"].register_paths == ()


def test_invalid_register_is_an_input_error(tmp_path):
    bad = tmp_path / "register.yaml"
    bad.write_text('register_version: "1"\ncontroller: {name: X}\nupdated: 2024-01-01\n'
                   "activities: []\n", encoding="utf-8")
    with pytest.raises(gdprmap.InputError, match="activities"):
        gdprmap.analyze(EXAMPLE, register=bad)


def test_repr_html_is_a_compact_escaped_table(example):
    html = example._repr_html_()
    assert html.count("<tr>") == len(example.recipients) + 1
    assert "Amazon Web Services EMEA SARL" in html and "unlawful" in html
    hostile = example.recipients[0].model_copy(
        update={"id": "domain:<script>alert(1)</script>", "organisation": None})
    doc = example.model_copy(update={"recipients": (hostile,)})._repr_html_()
    assert "<script>" not in doc and "&lt;script&gt;" in doc


def test_library_calls_do_not_print(capsys, example):
    gdprmap.run_query(example, "SELECT ?r WHERE { ?r a dpv:Recipient }")
    gdprmap.diff_assessments(example, example)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
