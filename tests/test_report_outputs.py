"""Issue #7 end to end through the CLI: every report format, secrets in none of them (PDF text
and PDF/A attachments included), byte-identical reruns, PDF/A-3b attachments, and pictures of
the world-map and exhibit pages; key sections in both languages."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, entry, har

from gdprmap.cli import main

pypdf = pytest.importorskip("pypdf")

MARKERS = ("SECRET-COOKIE-a1b2c3", "SECRET-AUTH-d4e5f6", "SECRET-QUERY-g7h8i9",
           "SECRET-APIKEY-j0k1", "SECRET-SESSQ-l2m3", "SECRET-CKLIST-n4o5")
EPOCH = "1700000000"
SRC = Path(__file__).resolve().parents[1] / "src"


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", "\n".join(p.extract_text() or "" for p in reader.pages))


def attachments(data: bytes) -> dict[str, bytes]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return {name: contents[0] for name, contents in reader.attachments.items()}


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A capture with secrets in cookies, headers, query strings and a body."""
    m = MARKERS
    entries = [
        entry("https://www.clinic.example/", headers=[("Cookie", f"sid={m[0]}")]),
        entry(f"https://www.google-analytics.com/g/collect?access_token={m[2]}"
              f"&session_id={m[4]}&dl=https%3A%2F%2Fwww.clinic.example%2Foncologie",
              headers=[("Authorization", f"Bearer {m[1]}"), ("X-Api-Key", m[3]),
                       ("Cookie", f"_ga={m[0]}")],
              cookies=[("_ga", m[5])], ip="142.250.179.74"),
        entry(f"https://o450123.ingest.sentry.io/api/1/envelope/?sentry_key={m[3]}",
              method="POST", post=json.dumps({"token": m[2], "user": {"session": m[4]}}),
              headers=[("X-Sentry-Auth", f"Sentry sentry_key={m[3]}")], ip="34.120.195.249"),
    ]
    pages = [{"id": "page_1", "startedDateTime": "2022-12-05T10:00:00.000+01:00",
              "title": "https://www.clinic.example/", "pageTimings": {}}]
    path = tmp_path_factory.mktemp("planted") / "capture.har"
    path.write_text(json.dumps(har(entries, pages=pages)), encoding="utf-8")
    assert all(x in path.read_text() for x in MARKERS)
    return path


@pytest.mark.parametrize("suffix", [".json", ".csv", ".html", ".pdf", "a3.pdf"])
def test_no_planted_secret_in_any_format(planted, tmp_path, suffix):
    out = tmp_path / f"r{suffix}"
    args = ["report", planted, "-o", out]
    if suffix == "a3.pdf":
        args += ["--pdf-variant", "pdf/a-3b"]
    run(*args)
    data = out.read_bytes()
    texts = [data.decode("utf-8", "replace")]
    if out.suffix == ".pdf":
        texts.append(pdf_text(data))
        if shutil.which("pdftotext"):
            texts.append(subprocess.run(["pdftotext", str(out), "-"], capture_output=True,
                                        check=True, timeout=60).stdout.decode())
        found = attachments(data)
        assert bool(found) == (suffix == "a3.pdf")
        texts += [v.decode("utf-8-sig") for v in found.values()]
    for text in texts:
        for marker in MARKERS:
            assert marker not in text, (suffix, marker)
    assert "google" in texts[-1].lower() or out.suffix == ".pdf"


@pytest.fixture(scope="module")
def example_pdfs(tmp_path_factory):
    """The example as PDF/A-3b twice (SOURCE_DATE_EPOCH fixed) and in French."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    folder = tmp_path_factory.mktemp("example")
    out = {}
    try:
        for name, extra in (("a", ()), ("b", ()), ("fr", ("--lang", "fr"))):
            path = folder / name / "report.pdf"
            path.parent.mkdir()
            run("report", EXAMPLE, "-o", path, "--pdf-variant", "pdf/a-3b", *extra)
            out[name] = path
    finally:
        mp.undo()
    return out


def test_same_inputs_and_options_give_identical_bytes(example_pdfs, tmp_path):
    a, b = example_pdfs["a"].read_bytes(), example_pdfs["b"].read_bytes()
    assert a == b  # same command (same -o name), same SOURCE_DATE_EPOCH: same PDF/A bytes
    info = pypdf.PdfReader(io.BytesIO(a)).metadata
    assert info["/CreationDate"].startswith("D:20231114")
    # the real command line, twice, in two folders: the JSON's `command` is the same, and so
    # is every byte of the JSON and CSV
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    outputs = {}
    for run_dir in ("one", "two"):
        folder = tmp_path / run_dir
        folder.mkdir()
        for name in ("r.json", "r.csv"):
            subprocess.run([sys.executable, "-m", "gdprmap.cli", "report", str(EXAMPLE), "-o",
                            name], cwd=folder, env=env, check=True, timeout=300,
                           capture_output=True)
            outputs[(run_dir, name)] = (folder / name).read_bytes()
    for name in ("r.json", "r.csv"):
        assert outputs[("one", name)] == outputs[("two", name)], name
    doc = json.loads(outputs[("one", "r.json")])
    assert doc["command"] == ["gdprmap", "report", str(EXAMPLE), "-o", "r.json"]


def test_pdf_a3_embeds_the_json_and_csv(example_pdfs):
    data = example_pdfs["a"].read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(data))
    meta = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in meta and 'pdfaid:conformance="B"' in meta
    assert "/OutputIntents" in reader.trailer["/Root"]
    found = attachments(data)
    assert set(found) == {"assessment.json", "register.csv"}
    doc = json.loads(found["assessment.json"])
    assert doc["schema_version"] and len(doc["recipients"]) == 7
    assert doc["recipients"][0]["findings"][0]["evidence"][0]["time"]  # full evidence
    rows = found["register.csv"].decode("utf-8-sig").splitlines()
    assert rows[0].startswith("recipient,recipient_id,entity,country")
    assert len(rows) == 1 + 7
    text = pdf_text(data)
    assert "assessment.json" in text and "register.csv" in text  # listed in the annex


SECTIONS = {
    "a": ("World map of destinations", "Article 30(1) record", "Exhibits", "Legal appendix",
          "Method and limits", "Integrity annex", "What was observed",
          "Established by observation", "to be completed by the controller", "E-1",
          "Exhibit", "ip-location-db", "http://data.europa.eu/eli/reg/2016/679"),
    "fr": ("Carte du monde des destinations", "Registre, article 30, paragraphe 1", "Pièces",
           "Annexe juridique", "Méthode et limites", "Annexe d'intégrité",
           "Ce qui a été observé", "Établi par l'observation",
           "à compléter par le responsable du traitement", "E-1", "Pièce"),
}


@pytest.mark.parametrize("name", ["a", "fr"])
def test_key_sections_in_both_languages(example_pdfs, name):
    text = pdf_text(example_pdfs[name].read_bytes())
    for needle in SECTIONS[name]:
        assert needle in text, needle


def _page_of(pdf, needle: str) -> int:
    """The first page after the cover (whose contents list names every section)."""
    for number, page in enumerate(pypdf.PdfReader(pdf).pages, 1):
        if number > 1 and needle in (page.extract_text() or ""):
            return number
    raise AssertionError(f"no page with {needle!r}")


def _picture(pdf, number: int, tmp_path):
    from PIL import Image

    prefix = tmp_path / f"p{number}"
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", str(number), "-l", str(number),
                    str(pdf), str(prefix)], check=True, timeout=60)
    (png,) = tmp_path.glob(f"p{number}*.png")
    return Image.open(png).convert("RGB")


def _ink(image, box) -> float:
    """Share of non-white pixels in ``box`` (fractions of width and height)."""
    w, h = image.size
    crop = image.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
    histogram = crop.convert("L").histogram()
    return sum(histogram[:235]) / max(1, sum(histogram))


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
def test_world_map_and_exhibit_pages_are_drawn(example_pdfs, tmp_path):
    pdf = example_pdfs["a"]
    page = _page_of(pdf, "World map of destinations")
    image = _picture(pdf, page, tmp_path)
    assert image.width > image.height  # landscape
    assert _ink(image, (0.05, 0.15, 0.95, 0.6)) > 0.15  # the land of the map
    colours = image.getcolors(maxcolors=1 << 20) or []
    reds = sum(n for n, (r, g, b) in colours if r > 170 and g < 90 and b < 80)
    assert reds > 500  # the United States filled in the unlawful colour
    page = _page_of(pdf, "Each exhibit is one request")
    image = _picture(pdf, page, tmp_path)
    assert _ink(image, (0.05, 0.2, 0.95, 0.9)) > 0.03  # the exhibit table
    page = _page_of(pdf, "Established by observation")
    image = _picture(pdf, page, tmp_path)
    assert _ink(image, (0.05, 0.15, 0.95, 0.7)) > 0.03  # the Art. 30 table
