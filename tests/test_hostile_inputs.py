"""Hostile captures (issue #17, items 1 and 2): bounded skipped lists, host-name limits and
linear-time redaction, end to end through the importer and the command line."""

from __future__ import annotations

import gzip
import json
import time

import pytest
from click.testing import CliRunner
from conftest import entry, har
from hostile_corpus import DEEP, REDOS_UNITS

from gdprmap.cli import main
from gdprmap.limits import MAX_SKIPPED_LISTED


def _report(*args: object):
    return CliRunner().invoke(main, ["report", *map(str, args)])


def test_skip_bad_entries_caps_the_list_and_counts_every_entry(tmp_path):
    """A 7 kB gzip of broken entries once wrote a 106 MB JSON: the list is capped, the count
    is complete."""
    bad = [{"startedDateTime": "not a date", "request": {"method": "GET", "url": "x"}}] * 20_000
    doc = har([entry("https://www.clinic.example/"), *bad])
    path = tmp_path / "broken.har.gz"
    path.write_bytes(gzip.compress(json.dumps(doc).encode()))
    assert path.stat().st_size < 20_000
    out = tmp_path / "r.json"
    result = _report(path, "-o", out, "--skip-bad-entries")
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert len(report["skipped"]) == MAX_SKIPPED_LISTED
    assert report["inputs"][0]["skipped"] == 20_000
    assert out.stat().st_size < 2_000_000
    assert "20000 broken entries skipped (the first 100 listed" in result.output


@pytest.mark.parametrize("host", ["a" * 64 + ".example", ".".join(["abcdefgh"] * 40) + ".com",
                                  "x" * 80_000 + ".com"])
def test_host_names_beyond_the_dns_limits_are_refused(tmp_path, host):
    path = tmp_path / "long.har"
    path.write_text(json.dumps(har([entry("https://www.clinic.example/"),
                                    entry(f"https://{host}/p")])), encoding="utf-8")
    result = _report(path, "-o", tmp_path / "r.json")
    assert result.exit_code == 2
    line = result.output.strip()
    assert "\n" not in line and "entry 1: request.url: host name" in line
    assert host[:64] not in line
    result = _report(path, "-o", tmp_path / "r.json", "--skip-bad-entries")
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["skipped"][0]["entry"] == 1


def test_a_host_of_63_character_labels_is_a_host(tmp_path):
    host = ".".join(["a" * 63] * 3) + ".com"
    path = tmp_path / "ok.har"
    path.write_text(json.dumps(har([entry(f"https://{host}/")])), encoding="utf-8")
    assert _report(path, "-o", tmp_path / "r.json").exit_code == 0


def test_redacting_megabyte_headers_of_adversarial_text_takes_seconds(tmp_path):
    """The secret-pair pattern took ~25 min on a 10 kB header; fields of 1 MiB are allowed."""
    headers = [(f"X-Hostile-{i}", (unit * (1_000_000 // len(unit)))[:1_000_000])
               for i, unit in enumerate(("token", "a=", "token=", "a@", "1.", " ", "eyJa."))]
    path = tmp_path / "redos.har"
    path.write_text(json.dumps(har([entry("https://collect.trk-7f3a.net/x", headers=headers)])),
                    encoding="utf-8")
    start = time.perf_counter()
    result = _report(path, "-o", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - start < 60
    assert len(REDOS_UNITS) > 50


@pytest.mark.parametrize("shape", sorted(DEEP))
def test_deeply_nested_json_bodies_become_scrubbed_excerpts(shape):
    from gdprmap import redact

    text = DEEP[shape](100_000)
    start = time.perf_counter()
    params, excerpt = redact.body_params("application/json", text)
    assert params == () and excerpt is not None and len(excerpt) <= redact.MAX_SCRUB
    assert time.perf_counter() - start < 10
