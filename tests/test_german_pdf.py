"""The example's PDF in German has no English of gdprmap's own (issue 18: "no English left").

The English searched for is every text gdprmap writes in English and translates, cut into runs
of three words (and kept whole when it has two):
- the English catalog's texts, cut at their placeholders, and the ontology's English labels,
  titles and explanations (proper names kept in English on purpose excepted, ``PROPER_NAMES``);
- what the English PDF of the example says and the French PDF does not: text that depends on
  the language, wherever it comes from (a string left in Python shows up here).
Runs that German itself uses (in its catalog or ontology texts) are not English evidence.
Searched in the German PDF of the README's example at the capture date and at 2024-03-01, as
``pdftotext`` gives it. Not searched, on purpose: text the report quotes as it is - captured URLs
and values, and the knowledge base's notes, which the report quotes as untranslated (catalog
key ``kb_note``) - and the words users script against (verdicts, severities, rule ids, doctrines).

``python tests/test_german_pdf.py REPORT.pdf`` prints the English runs found in a German PDF.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "health-booking" / "capture.har"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
# a word; a token joined by hyphens, dots or slashes (a path, an id such as no-transfer or
# dpf-invalidated, --as-of) is one word, never an English phrase
WORD = re.compile(r"[^\W\d_]+(?:[-./][^\W\d_]+)*")
# The ontology's English labels kept in German and French as the statutes' names.
PROPER_NAMES = {"https://w3id.org/gdprmap/law#CLOUDAct", "https://w3id.org/gdprmap/law#FISA702"}
ONTOLOGY_FILES = ("rules.ttl", "consent.ttl", "law.ttl", "gdprmap.ttl", "jurisdictions.ttl",
                  "scenarios/dpf-invalidated.ttl")


def words(text: str) -> list[str]:
    return [w.casefold() for w in WORD.findall(text)]


def runs(text: str) -> set[str]:
    """Runs of three words of each placeholder-free part; a part of two words whole."""
    out = set()
    for part in PLACEHOLDER.split(text):
        w = words(part)
        if len(w) == 2:
            out.add(" ".join(w))
        out |= {" ".join(w[i:i + 3]) for i in range(len(w) - 2)}
    return out


@lru_cache(maxsize=1)
def kb_notes() -> re.Pattern[str]:
    """The knowledge base's notes as the German report quotes them (catalog key ``kb_note``),
    whole or cut short with an ellipsis in a table cell."""
    from gdprmap import catalogs

    before, after = catalogs.text("de", "kb_note").split("{note}")
    return re.compile(re.escape(before) + r"[^„“]*?(?:" + re.escape(after) + "|…)")


# what is cut off the top and bottom of a page, in points: a little less than the page margins of
# reports/templates/report.css (19 mm on portrait pages, 15 and 16 mm on the landscape "wide"
# ones), which hold the running header and footer next to the body
PORTRAIT_CUT, LANDSCAPE_CUT = (50, 50), (40, 43)


def page_sizes(path: Path) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "100000", str(path)],
                          capture_output=True, text=True, check=True).stdout
    return [(float(w), float(h)) for w, h in
            re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info, re.M)]


def body_text(path: Path) -> str:
    """The text of the pages' bodies in reading order, without the running header and footer
    (a quoted note broken by a page would otherwise not be found whole)."""
    out, first = [], 1
    sizes = page_sizes(path)
    for i, size in enumerate(sizes, 1):
        if i < len(sizes) and sizes[i] == size:
            continue  # pages of one size are read in one run
        width, height = size
        top, bottom = LANDSCAPE_CUT if width > height else PORTRAIT_CUT
        out.append(subprocess.run(
            ["pdftotext", "-f", str(first), "-l", str(i), "-x", "0", "-y", str(top),
             "-W", str(int(width) + 1), "-H", str(int(height) - top - bottom), str(path), "-"],
            capture_output=True, text=True, check=True).stdout)
        first = i + 1
    return "".join(out)


def pdf_text(path: Path) -> str:
    """The PDF's text in reading order without the page margins, hyphenated line ends joined,
    the knowledge base's quoted notes left out."""
    text = body_text(path)
    text = re.sub(r"[\u2010\u00ad]\s*\n\s*", "", text)
    return kb_notes().sub(" ", re.sub(r"\s+", " ", text))


def text_runs(text: str) -> set[str]:
    w = words(text)
    return {" ".join(w[i:i + n]) for n in (2, 3) for i in range(len(w) - n + 1)}


@lru_cache(maxsize=1)
def ontology_texts() -> tuple[list[str], list[str]]:
    """English and German texts of the ontology (labels, titles, explanations)."""
    import rdflib

    from gdprmap.resources import bundled_dir

    english, german = [], []
    for name in ONTOLOGY_FILES:
        graph = rdflib.Graph().parse(bundled_dir("ontologies") / name)
        for s, p, o in graph:
            if not isinstance(o, rdflib.Literal) or p == rdflib.RDFS.comment:
                continue
            if o.language == "de":
                german.append(str(o))
            elif o.language == "en" and str(s) not in PROPER_NAMES:
                english.append(str(o))
    return english, german


def catalog_phrases() -> set[str]:
    """English runs of the catalogs and the ontology that German does not use itself."""
    from gdprmap import catalogs

    english, german = catalogs.own("en"), catalogs.own("de")
    en_texts = [text for key, text in english.items() if german.get(key) != text]
    onto_en, onto_de = ontology_texts()
    found = set().union(*(runs(t) for t in (*en_texts, *onto_en)))
    return found - set().union(*(text_runs(t) for t in (*german.values(), *onto_de)))


def english_only(english_pdf: str, french_pdf: str) -> set[str]:
    """Three-word runs of the English PDF none of whose words the French PDF has: the
    language's own words (names, hosts and captured values are the same in both)."""
    french = set(words(french_pdf))
    w = words(english_pdf)
    return {" ".join(w[i:i + 3]) for i in range(len(w) - 2) if not french & set(w[i:i + 3])}


@lru_cache(maxsize=1)
def proper_names() -> set[str]:
    """Runs of the knowledge base's names of organisations and services (``Cloudflare Web
    Analytics`` is a product's name, not an English phrase)."""
    from gdprmap.enrich.kb import KnowledgeBase

    kb = KnowledgeBase.load()
    names = [e.name for e in kb.data.entities.values()] + [s.name for s in kb.data.services]
    return set().union(*(text_runs(n) for n in names))


def english_left(german_pdf: str, phrases: set[str]) -> list[str]:
    return sorted((phrases - proper_names()) & text_runs(german_pdf))


# ISO dates a German text may keep: timestamps, URLs, the IP data's release name, and the as-of
# date repeated after its German form
ISO = re.compile(r"\b(\d{4})-(\d\d)-(\d\d)\b")


def iso_dates_left(text: str) -> list[str]:
    from gdprmap.reports import i18n

    left = []
    for m in ISO.finditer(text):
        before, after = text[max(0, m.start() - 40):m.start()], text[m.end():m.end() + 1]
        written = i18n.format_date(dt.date(*map(int, m.groups())), "de")
        if after == "T" or re.search(r"([=/]|--as-of )$", before) \
                or before.endswith("ip-location-db ") \
                or before.endswith(f"{written} ("):
            continue
        left.append(text[max(0, m.start() - 30):m.end() + 10])
    return left


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    import gdprmap
    from gdprmap.reports.pdf import render_pdf

    folder = tmp_path_factory.mktemp("german-pdf")
    out = {}
    for name, lang, as_of in (("de", "de", None), ("de-2024", "de", dt.date(2024, 3, 1)),
                              ("en", "en", None), ("fr", "fr", None)):
        assessment = gdprmap.analyze(EXAMPLE, lang=lang, as_of=as_of)
        path = folder / f"{name}.pdf"
        render_pdf(assessment, path, lang)
        out[name] = pdf_text(path)
    return out


def test_the_phrases_are_what_the_english_report_prints(rendered: dict[str, str]) -> None:
    """The check can fail: hundreds of the phrases searched for are in the English PDF."""
    phrases = catalog_phrases()
    assert len(phrases) > 2000
    assert len(english_left(rendered["en"], phrases)) > 500  # the English report is made of them
    assert len(english_only(rendered["en"], rendered["fr"])) > 100


@pytest.mark.parametrize("name", ["de", "de-2024"])
def test_no_english_of_gdprmap_in_the_german_pdf(rendered: dict[str, str], name: str) -> None:
    text = rendered[name]
    assert "Verzeichnis der beobachteten internationalen Datenübermittlungen" in text
    assert "unlawful (rechtswidrig)" in text or "unknown (unbekannt)" in text
    phrases = catalog_phrases() | english_only(rendered["en"], rendered["fr"])
    assert english_left(text, phrases) == []


@pytest.mark.parametrize("name", ["de", "de-2024"])
def test_dates_in_the_german_pdf_are_german(rendered: dict[str, str], name: str) -> None:
    text = rendered[name]
    assert ("5. Dezember 2022" if name == "de" else "1. März 2024") in text
    assert iso_dates_left(text) == []


def test_the_classifier_notes_are_the_catalog_english() -> None:
    """The evidence notes the report translates are worded once: the catalog's English is the
    classifier's (the JSON's) wording, key for key."""
    from gdprmap import catalogs
    from gdprmap.classify.base import NOTE, REDACTED_WHAT

    assert catalogs.table("en", "evidence") == NOTE
    assert catalogs.table("en", "evidence_what") == REDACTED_WHAT


if __name__ == "__main__":  # python tests/test_german_pdf.py REPORT.pdf [ENGLISH.pdf FRENCH.pdf]
    german = pdf_text(Path(sys.argv[1]))
    phrases = catalog_phrases()
    if len(sys.argv) > 3:
        phrases |= english_only(pdf_text(Path(sys.argv[2])), pdf_text(Path(sys.argv[3])))
    left = english_left(german, phrases)
    print("\n".join(left))
    print(f"{len(left)} English phrases; {len(iso_dates_left(german))} ISO dates",
          file=sys.stderr)
