"""scripts/agreement_sample.py: blind agreement samples drawn reproducibly, graded side by side."""

import datetime as dt
import json

from conftest import load_module

from gdprmap.enrich.kb import KnowledgeBase

sample = load_module("scripts/agreement_sample.py", "agreement_sample")

HOSTS = {"www.google-analytics.com": 900, "connect.facebook.net": 800, "cdn.unknown-vendor.example": 700,
         "static.hotjar.com": 600, "js.hs-scripts.com": 500, "cdn.segment.com": 400}


def test_a_draw_is_attributed_unsampled_reproducible_and_seeded():
    kb = KnowledgeBase.load().dated(dt.date(2026, 12, 7))
    first = sample.draw(kb, HOSTS, top=6, size=3, seed=7, exclude={"facebook.net"})
    assert first == sample.draw(kb, HOSTS, top=6, size=3, seed=7, exclude={"facebook.net"})
    assert first == sorted(first) and len(first) == 3
    assert "unknown-vendor.example" not in first and "facebook.net" not in first
    everything = sample.draw(kb, HOSTS, top=6, size=10, seed=7, exclude=set())
    assert "facebook.net" in everything and "unknown-vendor.example" not in everything
    # --top keeps only the most called domains
    assert sample.draw(kb, HOSTS, top=1, size=10, seed=7, exclude=set()) == ["google-analytics.com"]
    draws = {tuple(sample.draw(kb, HOSTS, top=6, size=2, seed=s, exclude=set())) for s in range(8)}
    assert len(draws) > 1  # the seed matters


def test_earlier_samples_are_excluded():
    seen = sample.sampled_before()
    assert "infolinks.com" in seen and "domain" not in seen  # kb_agreement_2026-12-07d.tsv


def test_beside_puts_the_knowledge_base_next_to_the_key(tmp_path, capsys):
    key = tmp_path / "key.tsv"
    key.write_text("domain\tentity\tcountry\tquote\n"
                   "google-analytics.com\tGoogle Ireland Limited\tIE\tq\n"
                   "unknown-vendor.example\tundecided\t\t\n")
    assert sample.main(["beside", str(key), "--as-of", "2026-12-07"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert rows[0][:3] == ["domain", "kb_entity", "kb_country"]
    kb = KnowledgeBase.load().dated(dt.date(2026, 12, 7))
    m = kb.match("google-analytics.com")
    assert rows[1] == ["google-analytics.com", m.chain[0].name, m.chain[0].country,
                       m.chain[-1].name, "Google Ireland Limited", "IE"]
    assert rows[2][:2] == ["unknown-vendor.example", "(no operator)"]


def test_bad_inputs_are_one_line_and_exit_2(tmp_path, capsys):
    key = tmp_path / "key.tsv"
    key.write_text("site\tanswer\nexample.com\tX\n")
    assert sample.main(["beside", str(key)]) == 2
    assert "needs the columns domain, entity and country" in capsys.readouterr().err
    observed = tmp_path / "observed.json"
    observed.write_text(json.dumps({"not": "a list"}))
    assert sample.main(["draw", str(observed)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(observed) in err
