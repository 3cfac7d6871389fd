"""Issue #7 report sections on the sample assessment: exhibits cross-referenced from findings,
the Article 30(1) record (observed / declared / to be completed), the legal appendix, the
method's data status, the CSV register and template overrides."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from report_sample import HOSTILE_SCRIPT, many_recipients, sample_assessment

from gdprmap.errors import UsageError
from gdprmap.models import CookieLifetime, Evidence, Fact
from gdprmap.reports import RENDERERS, renderer_for
from gdprmap.reports.csv_report import COLUMNS, cell, render_csv, render_csv_bytes
from gdprmap.reports.html import build_context, render_html
from gdprmap.reports.sections import ExhibitBook

REGISTER = {
    "register_version": "1",
    "controller": {"name": "Clinique Exemple SAS", "country": "FR",
                   "contact": "dpo@clinic.example"},
    "updated": "2024-02-15",
    "activities": [{
        "id": "booking", "name": "Online appointment booking",
        "purposes": ["ServiceProvision"], "data_categories": ["https://w3id.org/dpv/pd#Health"],
        "data_subjects": ["patients"], "retention": "3 years after the last appointment",
        "recipients": [{"name": "Cloudflare, Inc.", "role": "processor", "country": "US",
                        "hosts": ["cdnjs.cloudflare.com", "cloudflare.com"],
                        "safeguards": ["SCCs", {"type": "encryption-keys-in-eea"}]}],
    }],
}
WHEN = dt.datetime(2022, 12, 5, 10, 14, 3, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def _with_request_details(a):
    """Evidence as issue #7 writes it (time, method, URL, server IP) and an IP-data fact."""
    recipients = []
    for r in a.recipients:
        findings = []
        for f in r.findings:
            ev = tuple(e.model_copy(update={"time": WHEN, "method": "GET",
                                            "url": f"https://{r.hosts[0]}/p?e={e.entry}",
                                            "server_ip": "192.0.2.77"}) for e in f.evidence)
            findings.append(f.model_copy(update={"evidence": ev}))
        recipients.append(r.model_copy(update={"findings": tuple(findings)}))
    fact = Fact(value="192.0.2.77: AS64500 Example Hosting B.V., country NL",
                source="ip-location-db 2026-06-17", subject="192.0.2.77",
                note="indicative: CDN and anycast ranges are often mislocated")
    recipients[0] = recipients[0].model_copy(update={"facts": (fact,)})
    return a.model_copy(update={"recipients": tuple(recipients)})


@pytest.fixture(scope="module")
def sample():
    return _with_request_details(sample_assessment())


@pytest.fixture(scope="module")
def declared(sample):
    info = sample.inputs[0].model_copy(update={"declared": REGISTER})
    return sample.model_copy(update={"inputs": (info, *sample.inputs[1:])})


# --- exhibits ---------------------------------------------------------------------------------


def test_every_cited_entry_is_one_numbered_exhibit(sample):
    ctx = build_context(sample, "en")
    labels = [x["label"] for x in ctx["exhibits"]]
    assert labels == [f"E-{i}" for i in range(1, len(labels) + 1)] and labels
    keys = [(x["input"], x["entry"]) for x in ctx["exhibits"]]
    assert len(keys) == len(set(keys))  # one exhibit per capture entry
    by_key = dict(zip(keys, labels, strict=True))
    for r in ctx["recipients"]:
        for f in r["findings"]:
            for row in f["evidence"]["rows"]:
                assert row["exhibit"] == by_key[(row["input"], row["entry"])]


def test_exhibits_show_request_server_and_sources(sample):
    html = render_html(sample, "en")
    section = html[html.index('id="exhibits"'):html.index('id="method"')]
    assert "E-1" in section and "GET https://" in section
    assert "192.0.2.77" in section and "AS64500" in section and "ip-location-db 2026-06-17" in section
    assert "5 December 2022, 09:14:03 UTC" in section
    # findings link to their exhibits
    assert re.search(r'<a href="#ex1">E-1</a>', html)
    fr = render_html(sample, "fr")
    assert "Pièces" in fr and "5 décembre 2022 à 09:14:03 UTC" in fr


def test_evidence_without_details_still_makes_an_exhibit():
    book = ExhibitBook(cap=2)
    old = Evidence(input="a.har", entry=4, field="request.url", excerpt="POST https://x.example/c")
    assert book.cite(old, "X") == "E-1"
    assert book.cite(old.model_copy(update={"field": "request.headers[Referer]"}), "Y") == "E-1"
    (ex,) = book.exhibits()
    assert ex.url == "https://x.example/c" and ex.fields == ["request.url",
                                                             "request.headers[Referer]"]
    assert ex.recipients == ["X", "Y"]
    book.cite(Evidence(input="a.har", entry=5, field="f"), "X")
    assert book.cite(Evidence(input="a.har", entry=6, field="f"), "X") is None
    assert book.overflow == 1


def test_large_reports_cap_exhibits_and_say_so():
    a = many_recipients(60, evidence_per_finding=30)
    ctx = build_context(a, "en", paged=True)
    assert ctx["compact"] and 0 < len(ctx["exhibits"]) <= 150
    html = render_html(a, "en")
    assert "Findings per recipient, with evidence and exhibits" in html


# --- article 30 -------------------------------------------------------------------------------


def _art30(html: str) -> str:
    return html[html.index('id="art30"'):html.index('id="findings"')]


def test_article_30_without_register_invents_nothing(sample):
    section = _art30(render_html(sample, "en"))
    for letter in ("(a) Controller", "(b) Purposes", "(c) Categories of data subjects",
                   "(c) Categories of personal data", "(d) Categories of recipients",
                   "(e) Transfers to third countries", "(f) Time limits", "(g) Technical"):
        assert letter in section, letter
    assert section.count("to be completed by the controller") >= 5
    assert "no register among the inputs" in section
    assert "United States (US)" in section  # (e) observed third countries


def test_article_30_takes_what_a_declared_register_adds(declared):
    html = render_html(declared, "en")
    section = _art30(html)
    assert "Clinique Exemple SAS" in section and "dpo@clinic.example" in section
    assert "ServiceProvision" in section and "patients" in section
    assert "3 years after the last appointment" in section
    assert "SCCs; encryption-keys-in-eea" in section  # Cloudflare's declared safeguards
    assert "from the declared processing register" in html  # cover: where the name comes from
    # (g) is never declared by the register format: still to be completed
    g_row = section[section.index("(g) Technical"):]
    assert "to be completed by the controller" in g_row


def test_controller_sources_in_order(sample):
    assert "as stated with --controller" in render_html(
        sample.model_copy(update={"controller": "Example SAS"}), "en")
    hint = {"controller_kb": {"name": "Doctolib SAS", "entity": "doctolib", "country": "FR",
                              "domain": "doctolib.fr"}}
    html = render_html(sample.model_copy(update={"extra": hint}), "en")
    assert "Doctolib SAS" in html and "operator of doctolib.fr according to the knowledge" in html


def test_cookie_lifetimes_fill_the_erasure_hint(sample):
    r = sample.recipients[0].model_copy(update={"cookie_lifetimes": (
        CookieLifetime(name="_ga", domain=".example.org", days=1234.5, source="EDPS WEC 2.1"),
        CookieLifetime(name="sid", domain="x.example", days=None, source="EDPS WEC 2.1"))})
    a = sample.model_copy(update={"recipients": (r, *sample.recipients[1:])})
    en, fr = render_html(a, "en"), render_html(a, "fr")
    assert "lifetimes of 2 cookies" in _art30(en) and "1,234.5" in en and "session" in en
    assert "1\u202f234,5" in fr  # French number format


# --- legal appendix and method -------------------------------------------------------------------


def test_legal_appendix_lists_rules_with_sources(sample):
    html = render_html(sample, "en")
    section = html[html.index('id="legal"'):html.index('id="integrity"')]
    for f in sample.recipients[0].findings:
        assert f.rule in section
    assert "http://data.europa.eu/eli/reg/2016/679/oj" in section
    assert "Annexe juridique" in render_html(sample, "fr")


def test_method_states_capture_limits_and_data_status(sample):
    html = render_html(sample, "en")
    section = html[html.index('id="method"'):html.index('id="legal"')]
    assert "cannot show flows between servers" in section
    assert "gdprmap kb status" in section
    # the sample's hashes are not the installed data's: said so, not hidden
    assert "hashes differ" in section


# --- CSV --------------------------------------------------------------------------------------


def test_csv_is_a_register_one_row_per_recipient(declared):
    data = render_csv_bytes(declared)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == len(declared.recipients)
    by_name = {r["recipient"]: r for r in rows}
    cf = by_name["Cloudflare, Inc."]
    assert cf["verdict"] == "unlawful" and cf["country"] == "US"
    assert cf["safeguards"] == "SCCs; encryption-keys-in-eea"
    assert by_name["Axeptio"]["safeguards"] == "to be completed by the controller"
    assert "captures/" in cf["evidence"] and "#" in cf["evidence"]
    assert render_csv(declared) == render_csv(declared)


def test_csv_cells_cannot_be_formulas():
    assert cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert cell("+1") == "'+1" and cell("@SUM") == "'@SUM" and cell("-2") == "'-2"
    assert cell("ok") == "ok" and cell(None) == ""


def test_csv_is_registered_and_options_are_checked(tmp_path, sample):
    assert ".csv" in RENDERERS
    renderer_for(tmp_path / "r.csv")(sample, tmp_path / "r.csv")
    assert (tmp_path / "r.csv").read_bytes() == render_csv_bytes(sample)
    with pytest.raises(UsageError, match="--pdf-variant"):
        renderer_for(tmp_path / "r.html", pdf_variant="pdf/a-3b")
    with pytest.raises(UsageError, match="--template-dir"):
        renderer_for(tmp_path / "r.csv", template_dir=tmp_path)
    with pytest.raises(UsageError, match="unknown PDF variant"):
        renderer_for(tmp_path / "r.pdf", pdf_variant="pdf/x-9")


# --- template overrides -----------------------------------------------------------------------


def test_template_dir_overrides_blocks_and_css(tmp_path, sample):
    (tmp_path / "report.html.j2").write_text(
        '{% extends "builtin/report.html.j2" %}\n'
        '{% block cover %}<section id="cover"><h1>Cabinet Dupont — {{ title }}</h1>'
        '{{ super() }}</section>{% endblock %}\n'
        '{% block legal %}{% endblock %}\n', encoding="utf-8")
    (tmp_path / "report.css").write_text("html { color: #123456; }\n", encoding="utf-8")
    html = render_html(sample, "en", template_dir=tmp_path)
    assert "Cabinet Dupont — Record of international transfers" in html
    assert 'id="legal"' not in html and 'id="exhibits"' in html
    assert "#123456" in html
    assert "Cabinet Dupont" not in render_html(sample, "en")  # built-ins untouched
    with pytest.raises(UsageError):
        render_html(sample, "en", template_dir=tmp_path / "missing")


def test_overrides_are_escaped_too(tmp_path, sample):
    (tmp_path / "report.html.j2").write_text(
        '{% extends "builtin/report.html.j2" %}{% block end %}<p>{{ recipients[0].name }}'
        "</p>{% endblock %}", encoding="utf-8")
    r = sample.recipients[0]
    org = r.organisation.model_copy(update={"name": HOSTILE_SCRIPT})
    a = sample.model_copy(update={"recipients": (r.model_copy(update={"organisation": org}),
                                                 *sample.recipients[1:])})
    assert HOSTILE_SCRIPT not in render_html(a, "en", template_dir=tmp_path)
