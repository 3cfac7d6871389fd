"""scripts/cloaked_census.py: the cloaked recipients of captures, pre-GDPR ones included."""

import json

from conftest import entry, har, load_module


def _script():
    return load_module("scripts/cloaked_census.py", "cloaked_census_script")


def test_lists_cloaked_recipients_with_their_signals(tmp_path, capsys):
    page = entry("https://www.shop-example.fr/", ip="45.80.1.10") | {"_resourceType": "document"}
    beacon = entry("https://analytics.shop-example.fr/visitor/v200/svrGP?pps=3&siteid=12",
                   ip="45.80.1.10")
    recent = tmp_path / "recent.har"
    recent.write_text(json.dumps(har([page, beacon])))
    old = tmp_path / "old.har"  # before the GDPR applied: analysed as of 2018-05-25
    old.write_text(json.dumps(har([page | {"startedDateTime": "2016-03-01T10:00:00Z"},
                                   beacon | {"startedDateTime": "2016-03-01T10:00:01Z"}])))
    plain = tmp_path / "plain.har"  # nothing cloaked
    plain.write_text(json.dumps(har([page])))
    (tmp_path / "broken.har").write_text('{"log": {"entries": [')
    assert _script().main(["--json", str(tmp_path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["captures"] == 3 and result["cloaked_recipients"] == 2
    assert {c["recipient"] for c in result["cloaked"]} == {"org:oracle-corp"}
    assert all(c["hosts"] == ["analytics.shop-example.fr"] and c["strong_signals"] == ["query"]
               for c in result["cloaked"])
    assert {c["as_of"] for c in result["cloaked"]} == {None, "2018-05-25"}
    assert list(result["refused"]) == [str(tmp_path / "broken.har")]
