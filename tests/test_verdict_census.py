"""scripts/verdict_census.py: which missing fact leaves a verdict open."""

import json

from conftest import ROOT, load_module


def _census():
    return load_module("scripts/verdict_census.py", "verdict_census_script")


def test_a_missing_fact_counts_only_where_the_verdict_depends_on_it():
    mod = _census()
    assert mod.open_facts("unknown", {"GM-UNK-02", "GM-PD-01"}) == {"who controls the importer"}
    assert mod.open_facts("unknown", {"GM-UNK-01", "GM-UNK-03"}) == {
        "recipient or its country", "where the data are processed"}
    # safeguards-required holds only if the importer was not listed: open on its listing
    assert mod.open_facts("safeguards-required", {"GM-SAF-02", "GM-CTL-01"}) == {
        "Privacy Shield or DPF listing"}
    # negative cases: an adverse verdict beside a missing controller is decided
    assert mod.open_facts("unlawful", {"GM-UNL-02", "GM-UNK-02", "GM-CTL-01"}) == set()
    assert mod.open_facts("safeguards-required", {"GM-SAF-01", "GM-CTL-01"}) == set()


def test_census_of_the_example(tmp_path, capsys):
    mod = _census()
    example = ROOT / "examples" / "health-booking" / "capture.har"
    (tmp_path / "broken.har").write_text('{"log": {"entries": [')
    assert mod.main(["--json", str(example), str(tmp_path / "broken.har")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["captures"] == 1 and result["recipients"] == 7
    assert result["verdicts"] == {"unlawful": 5, "unknown": 2}
    # the two unknown ones (AT Internet, Axeptio) lack only who controls them
    assert result["missing_facts"] == {"decided": 5, "who controls the importer": 2}
    assert list(result["refused"]) == [str(tmp_path / "broken.har")]
    assert "open_by_organisation" not in result
    assert mod.main([str(tmp_path / "missing.har")]) == 2


def test_top_names_whose_fact_is_missing(capsys):
    """Control is asked of the top of the chain (AT Internet's is Piano), other facts of the
    recipient's operator; a decided recipient is nobody's."""
    mod = _census()
    example = ROOT / "examples" / "health-booking" / "capture.har"
    assert mod.main(["--json", "--top", "1", str(example)]) == 0
    assert json.loads(capsys.readouterr().out)["open_by_organisation"] == {
        "who controls the importer": {"Axeptio [axeptio]": 1}}  # ties: by name, then cut
    assert mod.main(["--top", "5", str(example)]) == 0
    text = capsys.readouterr().out
    assert "| Piano Software Inc. [piano-software-inc] | 1 |" in text
    assert "Google" not in text
