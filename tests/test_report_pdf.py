"""The HTML and PDF reports: content in both languages, escaping, no network, dates, images."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import re
import shutil
import subprocess
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_sample import HOSTILE_SCRIPT, many_recipients, sample_assessment

from gdprmap.errors import RenderError
from gdprmap.models import Verdict
from gdprmap.reports import i18n
from gdprmap.reports.html import css_string, entry_ranges, render_html, safe_link
from gdprmap.reports.pdf import _print, no_fetch_url_fetcher, render_pdf, source_date

pypdf = pytest.importorskip("pypdf")

SECTIONS = {
    "en": (
        "Record of international transfers observed (GDPR Art. 30 / Chapter V)",
        "Summary",
        "Data-flow map",
        "Article 30(1) record",
        "Findings per recipient",
        "Method and limits",
        "Integrity annex",
        "Skipped entries",
    ),
    "fr": (
        "Registre des transferts internationaux observés",
        "Synthèse",
        "Cartographie des flux de données",
        "Registre, article 30, paragraphe 1",
        "Constats par destinataire",
        "Méthode et limites",
        "Annexe d'intégrité",
        "Entrées ignorées",
    ),
}
RECIPIENTS = (
    "Cloudinary Ltd",
    "Amazon Web Services, Inc.",
    "Cloudflare, Inc.",
    "Functional Software, Inc.",
    "AT Internet SAS",
    "Axeptio",
    "trk-7f3a.net",
)


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def sample():
    return sample_assessment()


@pytest.fixture(scope="module")
def pdfs(sample, tmp_path_factory):
    out = {}
    for lang in ("en", "fr"):
        path = tmp_path_factory.mktemp("pdf") / f"report-{lang}.pdf"
        assert render_pdf(sample, path, lang) == path
        out[lang] = path
    return out


# --- i18n ------------------------------------------------------------------------------------


def test_dates_are_formatted_per_locale():
    day = dt.date(2022, 12, 5)
    assert i18n.format_date(day, "en") == "5 December 2022"
    assert i18n.format_date(day, "fr") == "5 décembre 2022"
    assert i18n.format_date(dt.date(2023, 8, 1), "fr") == "1er août 2023"
    moment = dt.datetime(2022, 12, 5, 10, 14, 2, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert i18n.format_datetime(moment, "en") == "5 December 2022, 09:14:02 UTC"
    assert i18n.format_datetime(moment, "fr") == "5 décembre 2022 à 09:14:02 UTC"


def test_verdict_words_stay_visible_in_every_language():
    for verdict in Verdict:
        assert i18n.verdict_label(verdict, "en") == verdict.value
        assert i18n.verdict_label(verdict, "fr").startswith(verdict.value + " (")
        assert i18n.verdict_meaning(verdict, "en") and i18n.verdict_meaning(verdict, "fr")
    assert i18n.verdict_label(Verdict.UNLAWFUL, "fr") == "unlawful (illicite)"


def test_every_string_exists_in_both_languages():
    assert set(i18n.strings("en")) == set(i18n.strings("fr"))
    for key, text in i18n.strings("en").items():
        fields = set(re.findall(r"{(\w+)}", text))
        assert fields == set(re.findall(r"{(\w+)}", i18n.strings("fr")[key])), key


def test_category_and_country_labels():
    pd = "https://w3id.org/dpv/pd#"
    for name in (
        "IPAddress",
        "Identifier",
        "BrowsingBehaviour",
        "BrowsingReferral",
        "UserAgent",
        "Health",
    ):
        en, fr = i18n.category_label(pd + name, "en"), i18n.category_label(pd + name, "fr")
        assert en and fr and en != pd + name
    assert "santé" in i18n.category_label(pd + "Health", "fr").lower()
    assert i18n.category_label("https://example.org/x#SomethingNew", "en") == "Something new"
    assert i18n.country_name("US", "fr") == "États-Unis"
    assert i18n.country_name("ZZ", "en") == "ZZ"
    assert i18n.is_eea("FR") and not i18n.is_eea("US")
    assert i18n.is_eea("GB", dt.date(2020, 6, 1)) and not i18n.is_eea("GB", dt.date(2022, 1, 1))


@pytest.mark.parametrize(
    "call",
    [
        lambda a: render_html(a, "xx"),
        lambda a: i18n.t("EN", "title"),
        lambda a: i18n.format_date(dt.date(2022, 1, 1), "es"),
    ],
)
def test_unknown_language_raises_value_error(sample, call):
    with pytest.raises(ValueError):
        call(sample)


def test_unknown_language_raises_before_writing_a_pdf(sample, tmp_path):
    with pytest.raises(ValueError):
        render_pdf(sample, tmp_path / "x.pdf", "xx")
    assert not (tmp_path / "x.pdf").exists()


# --- HTML ------------------------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_html_is_self_contained(sample):
    html = render_html(sample, "en")
    citation_links = {
        c.iri
        for r in sample.recipients
        for f in r.findings
        for c in f.citations
        if c.iri and c.iri.startswith("http")
    }
    for tag, attrs in _tags(html):
        assert tag not in ("img", "script", "link", "iframe", "object", "embed", "image")
        assert "src" not in attrs and "srcset" not in attrs
        assert not any(name.startswith("on") for name in attrs)
        if "href" in attrs:
            assert tag == "a"
            assert attrs["href"].startswith("#") or attrs["href"] in citation_links
        assert "url(" not in (attrs.get("style") or "")
    style = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(style) == 1 and "url(" not in style[0] and "@import" not in style[0]
    assert "<svg" in html and "Content-Security-Policy" in html
    # the ECLI citation is not a web link: shown as text only
    assert "ECLI:EU:C:2020:559" in html and 'href="ECLI' not in html


def test_html_fragment(sample):
    fragment = render_html(sample, "fr", standalone=False)
    assert fragment.lstrip().startswith("<article")
    assert "<html" not in fragment and "<style>" not in fragment
    assert "Synthèse" in fragment


def test_hostile_capture_text_is_escaped():
    html = render_html(sample_assessment(hostile="http://127.0.0.1:9"), "en")
    assert HOSTILE_SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '"><img src=http://127.0.0.1:9/x>' not in html
    assert "&#34;&gt;&lt;img src=http://127.0.0.1:9/x&gt;" in html
    assert '<img src="http://127.0.0.1:9/a.png">' not in html
    assert "&lt;img src=&#34;http://127.0.0.1:9/a.png&#34;&gt;" in html
    tags = {tag for tag, _ in _tags(html)}
    assert not tags & {"img", "script", "link", "iframe"}
    assert "127.0.0.1" not in "".join(
        str(a.get("href")) + str(a.get("src")) for _, a in _tags(html)
    )


def test_html_content(sample):
    html = render_html(sample, "en")
    assert "to be completed by the controller" in html
    assert "and 3 more" in html  # Cloudinary: 13 evidence items, 10 shown
    assert html.count("to be completed by the controller") >= 5 + len(sample.recipients)
    summary = html[html.index('id="summary"') : html.index('id="map"')]
    positions = [summary.index(f'class="badge v-{v.value}"') for v in Verdict]
    assert positions == sorted(positions)  # all verdict words, in the enum's order
    named = render_html(sample.model_copy(update={"controller": "Example Santé SAS"}), "en")
    assert "Example Santé SAS" in named


def test_css_string_and_links():
    assert css_string('x"</style>') == '"x\\000022\\00003c\\00002fstyle\\00003e"'
    assert safe_link("https://eur-lex.europa.eu/eli/reg/2016/679/oj") is not None
    assert safe_link("javascript:alert(1)") is None
    assert safe_link("ECLI:EU:C:2020:559") is None
    assert entry_ranges([5, 3, 4, 9, 12, 13]) == "3–5, 9, 12–13"


def test_large_assessments_are_compact():
    assessment = many_recipients(40, evidence_per_finding=30)
    html = render_html(assessment, "en")
    assert "findings are grouped by rule" in html
    assert "30 × captures/homepage.har · request.url" in html  # aggregated evidence
    assert html.count("<tr") < 600


# --- PDF -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_pdf_text_has_sections_recipients_and_verdicts(pdfs, lang):
    data = pdfs[lang].read_bytes()
    assert data.startswith(b"%PDF")
    text = _text(data)
    for title in SECTIONS[lang]:
        assert title in text, title
    for name in RECIPIENTS:
        assert name in text, name
    for verdict in ("unlawful", "exposed", "no-transfer", "unknown"):
        assert verdict in text
    if lang == "fr":
        assert "unlawful (illicite)" in text
        assert "5 décembre 2022" in text
        assert "à compléter par le responsable du traitement" in text
    else:
        assert "5 December 2022" in text
        assert "to be completed by the controller" in text
    assert re.search(r"Page 1 (of|sur) \d+", text)


def test_pdf_metadata_and_determinism(pdfs, sample, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    reader = pypdf.PdfReader(pdfs["en"])
    meta = reader.metadata
    assert meta.title.startswith("Record of international transfers observed")
    assert "/CreationDate" not in meta  # no clock in the output: same input, same bytes
    again = _print_sample(sample)
    assert again == pdfs["en"].read_bytes()


def _print_sample(sample) -> bytes:
    from gdprmap.reports.pdf import render_pdf_bytes

    return render_pdf_bytes(sample, "en")


def test_source_date_epoch_sets_the_pdf_dates(sample, monkeypatch, tmp_path):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1670230800")  # 2022-12-05T09:00:00Z
    assert source_date() == dt.datetime(2022, 12, 5, 9, 0, tzinfo=dt.UTC)
    path = render_pdf(sample, tmp_path / "r.pdf")
    meta = pypdf.PdfReader(path).metadata
    assert meta["/CreationDate"].startswith("D:20221205090000")
    assert meta["/ModDate"].startswith("D:20221205090000")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(RenderError):
        source_date()


def test_unwritable_target_raises_render_error(sample, tmp_path):
    (tmp_path / "dir.pdf").mkdir()
    with pytest.raises(RenderError):
        render_pdf(sample, tmp_path / "dir.pdf")


# --- no network ------------------------------------------------------------------------------


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Counter.hits = []
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", _Counter.hits
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_server_fixture_counts_requests(server):
    import urllib.request

    url, hits = server
    urllib.request.urlopen(url + "/probe", timeout=5).read()
    assert hits == ["/probe"]
    hits.clear()


def test_rendering_hostile_text_makes_no_network_request(server, tmp_path):
    url, hits = server
    assessment = sample_assessment(hostile=url)
    html = render_html(assessment, "en")
    assert url in html  # the hostile URLs are there, as text
    path = render_pdf(assessment, tmp_path / "hostile.pdf")
    assert hits == []
    text = _text(path.read_bytes())
    assert "<script>alert(1)</script>" in text  # printed as text, not run or fetched


def test_unescaped_markup_would_still_fetch_nothing(server):
    url, hits = server
    fetcher = no_fetch_url_fetcher()
    html = (
        f'<html><head><link rel="stylesheet" href="{url}/s.css">'
        f'<style>@import url("{url}/i.css"); body {{ background: url({url}/bg.png) }}</style>'
        f'</head><body><img src="{url}/a.png"><img src="file:///etc/hostname">'
        f'<svg xmlns="http://www.w3.org/2000/svg"><image href="{url}/svg.png"/></svg>'
        f"</body></html>"
    )
    assert _print(html, fetcher).startswith(b"%PDF")
    assert hits == []
    assert any(u.startswith(url) for u in fetcher.refused)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x",
        "https://evil.example/a.png",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "data:text/plain,hello",
    ],
)
def test_url_fetcher_refuses_every_scheme(url):
    import weasyprint
    from weasyprint.urls import URLFetchingError, fetch

    fetcher = no_fetch_url_fetcher()
    assert isinstance(fetcher, weasyprint.URLFetcher)
    with pytest.raises(ValueError):
        fetcher.fetch(url)
    with pytest.raises(ValueError):
        fetcher(url)
    with pytest.raises(URLFetchingError):
        with fetch(fetcher, url):
            pass
    assert url in fetcher.refused


# --- pictures of the pages -------------------------------------------------------------------


def _first_landscape_page(pdf: Path) -> int:
    for number, page in enumerate(pypdf.PdfReader(pdf).pages, 1):
        if page.mediabox.width > page.mediabox.height:
            return number
    raise AssertionError("no landscape page")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
def test_cover_and_map_pages_render_to_non_blank_images(pdfs, tmp_path):
    from PIL import Image, ImageStat

    pdf = pdfs["en"]
    map_page = _first_landscape_page(pdf)
    assert map_page > 1
    assert "Data-flow map" in pypdf.PdfReader(pdf).pages[map_page - 1].extract_text()
    for number in (1, map_page):
        prefix = tmp_path / f"p{number}"
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "50",
                "-png",
                "-f",
                str(number),
                "-l",
                str(number),
                str(pdf),
                str(prefix),
            ],
            check=True,
            timeout=60,
        )
        (png,) = tmp_path.glob(f"p{number}*.png")
        with Image.open(png) as image:
            stat = ImageStat.Stat(image.convert("L"))
            assert stat.stddev[0] > 10, f"page {number} looks blank"
            if number == map_page:
                assert image.width > image.height  # the map is on an A4 landscape page
                colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
                reds = sum(n for n, (r, g, b) in colours if r > 150 and g < 90 and b < 80)
                assert reds > 50  # unlawful edges and badges are drawn in red
