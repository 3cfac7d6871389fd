"""Issue #16: live capture with consent states, with a real headless Chromium.

The sites (tests/capture_sites.py) are served on 127.0.0.1 by the test itself over HTTPS with a
self-signed certificate; Chromium reaches every host name there through
``--host-resolver-rules``. Nothing leaves the machine. The browser tests need the Debian
package ``chromium`` and Playwright (both installed by ``make setup``): they are skipped when
either is missing, except under CI, where that is a failure.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from capture_sites import TLS, Sites
from gdprmap.models import SCHEMA_VERSION
from gdprmap.cli import main

WAIT = "0.5"


def _browser_ready() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright is not installed (make setup installs gdprmap[capture])"
    if not any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")):
        return "no Chromium on PATH (make setup installs the Debian package chromium)"
    return None


missing = _browser_ready()
if missing and os.environ.get("CI"):
    raise RuntimeError(f"CI must run the browser tests: {missing}")
browser = pytest.mark.skipif(missing is not None, reason=missing or "")


@pytest.fixture(scope="module")
def sites():
    with Sites() as s:
        yield s


def _options(sites, consent, **kw):
    from gdprmap.capture import CaptureOptions

    return CaptureOptions(consent=consent, wait=float(WAIT), timeout=15,
                          host_resolver_rules=sites.rules, insecure=True, **kw)


def _capture(sites, host, consent, tmp_path, **kw):
    from gdprmap.capture import capture

    out = tmp_path / f"{host}.har"
    result = capture(f"https://{host}/", out, _options(sites, consent, **kw))
    return result, json.loads(out.read_text(encoding="utf-8"))


def _marker_processes(marker: str) -> list[int]:
    """PIDs whose command line holds ``marker`` (the run's --gdprmap-run=ID)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(proc.name))
    return found


def _recipient(assessment, host):
    return next(r for r in assessment.recipients if any(h == host for h in r.hosts))


def _cns(recipient):
    return sorted(f.rule for f in recipient.findings if f.rule.startswith("GM-CNS"))


def _check_har_1_2(log):
    """The fields HAR 1.2 requires, with their types (http://www.softwareishard.com/blog/har-12-spec/)."""
    for p in log["pages"]:
        assert {"startedDateTime", "id", "title", "pageTimings"} <= set(p)
    for e in log["entries"]:
        assert {"startedDateTime", "time", "request", "response", "cache", "timings"} <= set(e)
        assert isinstance(e["time"], (int, float))
        req, resp = e["request"], e["response"]
        assert {"method", "url", "httpVersion", "cookies", "headers", "queryString",
                "headersSize", "bodySize"} <= set(req)
        assert {"status", "statusText", "httpVersion", "cookies", "headers", "content",
                "redirectURL", "headersSize", "bodySize"} <= set(resp)
        assert {"size", "mimeType"} <= set(resp["content"])
        assert all(isinstance(e["timings"][k], (int, float)) for k in ("send", "wait", "receive"))
        assert all(set(h) == {"name", "value"} for h in req["headers"] + resp["headers"])


# --- with a browser ------------------------------------------------------------------------


@browser
def test_audit_known_cmp_report_shows_three_states(sites, tmp_path, monkeypatch):
    """OneTrust's banner (autoconsent) answered both ways; `gdprmap audit` writes the PDF
    whose consent section shows the three states with their screenshots; the HAR is standard
    and its fields are read back; no browser process is left."""
    monkeypatch.setenv("GDPRMAP_RUN_ID", "audit-test-" + os.urandom(4).hex())
    pdf = tmp_path / "report.pdf"
    result = CliRunner().invoke(main, [
        "audit", "https://www.cmp-known.example/", "-o", str(pdf), "--wait", WAIT,
        "--host-resolver-rules", sites.rules, "--insecure"])
    assert result.exit_code == 0, result.output
    assert _marker_processes("--gdprmap-run=" + os.environ["GDPRMAP_RUN_ID"]) == []
    har_path = tmp_path / "report.har"
    doc = json.loads(har_path.read_text(encoding="utf-8"))["log"]
    assert doc["version"] == "1.2" and doc["creator"]["name"] == "gdprmap"
    pages = {p["_consent"]: p for p in doc["pages"]}
    assert list(pages) == ["none", "accept", "reject"]
    assert {p["_cmp"] for p in pages.values()} == {"Onetrust"}
    assert {p["_method"] for p in pages.values()} == {"autoconsent"}
    assert pages["none"]["_outcome"] == "shown" and pages["none"]["_action"] is None
    assert pages["accept"]["_action"]["css"] == "#onetrust-accept-btn-handler"
    assert pages["accept"]["_action"]["text"] == "Accept All Cookies"
    assert pages["reject"]["_action"]["css"] == "#onetrust-reject-all-handler"
    for p in pages.values():
        shot = tmp_path / p["_screenshot"]
        assert shot.read_bytes().startswith(b"\x89PNG")
        assert hashlib.sha256(shot.read_bytes()).hexdigest() == p["_screenshotSha256"]
        assert all("value" not in c for c in p["_cookies"])
        assert all(set(s) == {"origin", "key"} for s in p["_storage"])
    consent_cookies = {c["name"] for c in pages["accept"]["_cookies"]}
    assert {"OptanonConsent", "OptanonAlertBoxClosed"} <= consent_cookies
    entries = doc["entries"]
    _check_har_1_2(doc)
    assert {e["pageref"] for e in entries} == {p["id"] for p in doc["pages"]}
    assert all(e["serverIPAddress"] == "127.0.0.1" for e in entries if e["response"]["status"])
    assert all(set(e["timings"]) >= {"send", "wait", "receive"} for e in entries)
    document = next(e for e in entries if e["_resourceType"] == "document")
    assert document["_tls"]["san"] == ["test-sites.example", "*.example"]
    assert document["_tls"]["subjectOrganization"] == "gdprmap test sites"
    for e in entries:  # cookie values never written
        for h in e["request"]["headers"] + e["response"]["headers"]:
            if h["name"].lower() in ("cookie", "set-cookie"):
                assert "[redacted]" in h["value"] and "C0002" not in h["value"]
    run = doc["_capture"]
    assert run["browser"].startswith(("Chromium", "Google Chrome"))
    assert run["started"].endswith("Z") and run["ended"] >= run["started"]
    assert run["timezone"]["utcOffset"] and run["command"][0] == "gdprmap"

    from gdprmap.api import analyze, load

    doc_flow = next(f for f in load(har_path) if f.resource_type == "document")
    assert doc_flow.tls.organisation == "gdprmap test sites"  # read back for attribution
    assert doc_flow.tls.sans == ("test-sites.example", "*.example")
    a = analyze(har_path)
    assert a.schema_version == SCHEMA_VERSION
    assert a.consent.states == ("none", "accept", "reject")
    ga = _recipient(a, "www.google-analytics.com")
    assert ga.consent_states == ("accept",)  # only after acceptance: a site that behaves
    assert _cns(ga) == []
    onetrust = _recipient(a, "cdn.cookielaw.org")
    assert onetrust.consent_states == ("none",) and _cns(onetrust) == []  # consent tool

    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    section = text[text.index("Consent states\n\ngdprmap visited"):]
    for needle in ("none (before", "accept", "reject", "Onetrust", "Accept All Cookies",
                   "Reject All", "C-1", "C-2", "C-3", "Recipients by consent state"):
        assert needle in section, needle
    for p in pages.values():  # the integrity annex lists each screenshot's hash
        assert p["_screenshotSha256"] in text
    assert hashlib.sha256(har_path.read_bytes()).hexdigest() in text
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    assert len([i for i in images if " 1366 " in i]) == 3  # the three screenshots
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)
    assert (tmp_path / "page-01.png").stat().st_size > 1000 or (
        tmp_path / "page-1.png").stat().st_size > 1000


@browser
def test_french_banner_with_links(sites, tmp_path):
    result, doc = _capture(sites, "www.boutique.example", ("accept", "reject"), tmp_path)
    pages = {p["_consent"]: p for p in doc["log"]["pages"]}
    assert pages["accept"]["_method"] == "generic" and pages["accept"]["_cmp"] == "generic"
    assert pages["accept"]["_action"]["text"] == "Tout accepter"
    assert pages["accept"]["_action"]["css"] == "#ok"
    assert pages["reject"]["_action"]["text"].startswith("Continuer sans accepter")
    from gdprmap.api import analyze

    a = analyze(result.har)
    ga = _recipient(a, "www.google-analytics.com")
    assert ga.consent_states == ("accept",) and _cns(ga) == []


@browser
def test_tracking_before_consent(sites, tmp_path):
    result, doc = _capture(sites, "www.early.example", ("none",), tmp_path, pages=1)
    page = doc["log"]["pages"][0]
    assert [v.rsplit("/", 1)[-1] for v in page["_visited"]] == ["", "produits"]  # --pages 1
    assert any(e["request"]["url"].endswith("/produits") for e in doc["log"]["entries"])
    from gdprmap.api import analyze

    a = analyze(result.har)
    meta = _recipient(a, "www.facebook.com")
    assert meta.consent_states == ("none",)
    finding = next(f for f in meta.findings if f.rule == "GM-CNS-01")
    assert finding.verdict is None and finding.severity == "high"
    assert any("ePrivacy" in c.label for c in finding.citations)
    assert finding.evidence and "facebook.com/tr" in finding.evidence[0].url
    assert meta.transfers  # the Chapter V verdict is still there, decided by its own rules
    assert meta.verdict.value != "unknown" or any(t.rule for t in meta.transfers)


@browser
def test_refusal_ignored_settings_layer(sites, tmp_path):
    """No refusal on the first layer: the settings layer is opened and refused there; the site
    loads Google Analytics all the same -> GM-CNS-02, and the map marks the recipient."""
    result, doc = _capture(sites, "www.ignores.example", ("reject",), tmp_path)
    page = doc["log"]["pages"][0]
    assert [c["text"] for c in page["_clicks"]] == ["Einstellungen", "Alle ablehnen"]
    assert page["_action"]["text"] == "Alle ablehnen" and page["_outcome"] == "clicked"
    from gdprmap.api import analyze
    from gdprmap.reports.html import render_html

    a = analyze(result.har)
    ga = _recipient(a, "www.google-analytics.com")
    assert ga.consent_states == ("reject",)
    finding = next(f for f in ga.findings if f.rule == "GM-CNS-02")
    assert finding.severity == "critical" and finding.verdict is None
    assert any("SAN-2021-023" in c.label for c in finding.citations)
    html = render_html(a)
    assert "reached after refusal" in html


@browser
def test_no_banner_is_not_a_refusal(sites, tmp_path):
    result, doc = _capture(sites, "www.nobanner.example", ("reject",), tmp_path,
                           user_agent="gdprmap-test/1.0", viewport=(800, 600))
    page = doc["log"]["pages"][0]
    assert page["_userAgent"] == "gdprmap-test/1.0"  # --user-agent
    png = (tmp_path / page["_screenshot"]).read_bytes()
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (800, 600)
    document = next(e for e in doc["log"]["entries"] if e["_resourceType"] == "document")
    assert {"name": "user-agent", "value": "gdprmap-test/1.0"} in document["request"]["headers"]
    assert page["_outcome"] == "no-banner" and page["_cmp"] is None and page["_action"] is None
    from gdprmap.api import analyze

    a = analyze(result.har)
    ga = _recipient(a, "www.google-analytics.com")
    assert ga.consent_states == ("none",)  # no choice could be made
    assert _cns(ga) == ["GM-CNS-01"]


@browser
def test_banner_in_iframe(sites, tmp_path):
    result, doc = _capture(sites, "www.framed.example", ("accept", "reject"), tmp_path)
    pages = {p["_consent"]: p for p in doc["log"]["pages"]}
    assert pages["accept"]["_action"]["frame"].startswith("https://consent.framed-cmp.example/")
    assert pages["accept"]["_action"]["text"] == "Aceptar todo"
    assert pages["reject"]["_action"]["text"] == "Rechazar todo"
    from gdprmap.api import analyze

    ga = _recipient(analyze(result.har), "www.google-analytics.com")
    assert ga.consent_states == ("accept",)


@browser
def test_page_that_never_loads_ends_cleanly(sites, tmp_path, monkeypatch):
    run_id = "timeout-test-" + os.urandom(4).hex()
    monkeypatch.setenv("GDPRMAP_RUN_ID", run_id)
    out = tmp_path / "slow.har"
    result = CliRunner().invoke(main, [
        "capture", "https://www.slow.example/", "-o", str(out), "--consent", "none",
        "--timeout", "2", "--wait", "0", "--host-resolver-rules", sites.rules, "--insecure"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("gdprmap: error: https://www.slow.example/: the page did not "
                                "finish loading within 2 s")
    assert not out.exists()
    assert _marker_processes("--gdprmap-run=" + run_id) == []


@browser
def test_unreachable_url_one_line_exit_2(tmp_path):
    result = CliRunner().invoke(main, [
        "capture", "https://www.unreachable.example/", "-o", str(tmp_path / "x.har"),
        "--consent", "none", "--timeout", "10",
        "--host-resolver-rules", "MAP * 127.0.0.1:9"])  # nothing listens on port 9
    assert result.exit_code == 2
    last = result.output.strip().splitlines()[-1]
    assert last == ("gdprmap: error: https://www.unreachable.example/: cannot load the page: "
                    "ERR_CONNECTION_REFUSED")
    assert not (tmp_path / "x.har").exists()


# --- without a browser ---------------------------------------------------------------------


@pytest.mark.parametrize("url", ["ftp://example.org/", "file:///etc/passwd", "javascript:x",
                                 "example.org"])
def test_non_http_scheme_exit_2(url, tmp_path):
    result = CliRunner().invoke(main, ["capture", url, "-o", str(tmp_path / "x.har")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "not an http(s) URL" in result.output


def test_missing_browser_says_how_to_install(tmp_path):
    for args in (["--browser", str(tmp_path / "no-chromium")], []):
        env = {"PATH": str(tmp_path)} if not args else None
        result = CliRunner(env=env).invoke(main, ["capture", "https://www.example.fr/", "-o",
                                                  str(tmp_path / "x.har"), *args])
        assert result.exit_code == 2, result.output
        assert result.output.count("\n") == 1
        assert "apt-get install chromium" in result.output and "--browser PATH" in result.output


def test_a_browser_slow_to_give_its_version_is_recorded_not_refused(tmp_path, monkeypatch):
    # Debian's chromium wrapper answered `--version` after more than 20 s on a loaded machine:
    # the version is then unknown, said so, and the capture goes on; a browser that cannot be
    # run at all is still an error
    from gdprmap.capture import session
    from gdprmap.errors import CaptureError

    slow = tmp_path / "slow-browser"
    slow.write_text("#!/bin/sh\nsleep 5\necho 'Chromium 999'\n")
    slow.chmod(0o755)
    monkeypatch.setattr(session, "VERSION_TIMEOUT", 0.3)
    assert session.browser_version(str(slow)) == "unknown (no answer to --version within 0.3 s)"
    broken = tmp_path / "not-a-program"
    broken.write_bytes(b"\x7fELF broken")
    broken.chmod(0o755)
    with pytest.raises(CaptureError, match="cannot run"):
        session.browser_version(str(broken))


def test_bad_options_exit_2(tmp_path):
    for extra in (["--consent", "maybe"], ["--viewport", "big"], ["--timeout", "0"]):
        result = CliRunner().invoke(main, ["capture", "https://www.example.fr/", "-o",
                                           str(tmp_path / "x.har"), *extra])
        assert result.exit_code == 2 and result.output.startswith("gdprmap: error:"), extra
    result = CliRunner().invoke(main, ["capture", "https://www.example.fr/", "-o",
                                       str(tmp_path / "x.json")])
    assert result.exit_code == 2 and ".har" in result.output


def test_generic_patterns_cover_six_languages():
    from gdprmap.capture.banner import PATTERNS, normalise

    for text in ("Tout accepter", "Alle akzeptieren", "Aceptar todo", "Accetta tutto",
                 "Alles accepteren", "Accept all"):
        assert normalise(text) in PATTERNS["accept"], text
    for text in ("Continuer sans accepter", "Tout refuser", "Alle ablehnen", "Rechazar todo",
                 "Rifiuta tutto", "Alles weigeren", "Reject all"):
        assert normalise(text) in PATTERNS["reject"], text
    assert normalise("Accepter uniquement les cookies nécessaires") in PATTERNS["reject"]


def test_tls_subject_organisation():
    from gdprmap.capture.tls import subject_organisation

    der = ssl.PEM_cert_to_DER_cert((TLS / "cert.pem").read_text())
    assert subject_organisation(base64.b64encode(der).decode()) == "gdprmap test sites"
    assert subject_organisation("bm90IGEgY2VydA==") is None


def _consent_har(tmp_path, shot_name="site-reject.png", recorded=None):
    shot = tmp_path / "site-reject.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    page = {"id": "consent-reject", "title": "https://www.example.fr/",
            "startedDateTime": "2026-01-05T10:00:00.000+01:00", "pageTimings": {},
            "_consent": "reject", "_cmp": "generic", "_method": "generic", "_outcome": "clicked",
            "_action": {"text": "Tout refuser", "css": "#no", "frame": "https://www.example.fr/",
                        "time": "2026-01-05T10:00:02.000+01:00"},
            "_screenshot": shot_name,
            "_screenshotSha256": recorded or hashlib.sha256(shot.read_bytes()).hexdigest(),
            "_cookies": [{"name": "_ga", "domain": ".example.fr", "path": "/",
                          "expires": "2027-01-05T10:00:00+01:00", "firstParty": True,
                          "value": "GA1.2.SECRET"}],
            "_storage": [{"origin": "https://www.example.fr", "key": "k", "value": "SECRET"}]}

    def entry(url, when):
        return {"pageref": "consent-reject", "startedDateTime": when, "time": 1,
                "request": {"method": "GET", "url": url, "httpVersion": "", "cookies": [],
                            "headers": [], "queryString": [], "headersSize": -1, "bodySize": -1},
                "response": {"status": 200, "statusText": "", "httpVersion": "", "cookies": [],
                             "headers": [], "content": {"size": 0, "mimeType": ""},
                             "redirectURL": "", "headersSize": -1, "bodySize": -1},
                "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0},
                "serverIPAddress": "192.0.2.1"}
    doc = {"log": {"version": "1.2", "creator": {"name": "gdprmap", "version": "0"},
                   "_capture": {"url": "https://www.example.fr/", "command": ["gdprmap", "capture"],
                                "browser": "Chromium 1.2.3 built on Debian",
                                "started": "2026-01-05T09:00:00.000Z",
                                "ended": "2026-01-05T09:00:09.000Z",
                                "timezone": {"name": "Europe/Paris", "utcOffset": "+01:00"}},
                   "pages": [page],
                   "entries": [entry("https://www.example.fr/", "2026-01-05T10:00:00.100+01:00"),
                               entry("https://www.google-analytics.com/g/collect?v=2",
                                     "2026-01-05T10:00:01.000+01:00"),
                               entry("https://www.google-analytics.com/g/collect?v=2",
                                     "2026-01-05T10:00:03.000+01:00")]}}
    path = tmp_path / "site.har"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_importer_reads_consent_fields_back(tmp_path):
    from gdprmap.api import analyze, load

    har = _consent_har(tmp_path)
    states = [f.consent for f in load(har)]
    assert states == ["none", "none", "reject"]  # before the click: no choice made yet
    a = analyze(har)
    info = a.inputs[0]
    page = info.consent[0]
    assert page.state == "reject" and page.action.text == "Tout refuser"
    assert page.screenshot_sha256 == page.screenshot_recorded_sha256
    assert [c.name for c in page.cookies] == ["_ga"] and page.storage[0].key == "k"
    assert info.run.timezone == "Europe/Paris +01:00" and info.run.browser == "Chromium"
    assert info.run.command == ("gdprmap", "capture")
    ga = _recipient(a, "www.google-analytics.com")
    assert ga.consent_states == ("none", "reject")
    assert _cns(ga) == ["GM-CNS-01", "GM-CNS-02"]
    text = a.to_json()
    assert "SECRET" not in text and "GA1.2" not in text
    assert json.loads(text)["recipients"][0]["consent_states"] == ["none", "reject"]
    assert json.loads(text)["consent"]["states"] == ["reject"]


def test_importer_refuses_screenshot_outside_the_capture_folder(tmp_path):
    from gdprmap.api import analyze

    (tmp_path / "sub").mkdir()
    har = _consent_har(tmp_path / "sub", shot_name="../../etc/passwd")
    page = analyze(har).inputs[0].consent[0]
    assert page.screenshot_path is None and page.screenshot_sha256 is None


def test_report_flags_a_changed_screenshot(tmp_path):
    from gdprmap.api import analyze
    from gdprmap.reports.consent_view import consent_view

    har = _consent_har(tmp_path, recorded="0" * 64)
    a = analyze(har)
    view = consent_view(a, "en", {})
    assert view["pages"][0]["mismatch"] is True
    (tmp_path / "site-reject.png").write_bytes(b"\x89PNG\r\n\x1a\nchanged")
    assert consent_view(a, "en", {})["pages"][0]["image"] is None  # not what was hashed


def test_rules_lists_and_shows_the_consent_rules():
    out = CliRunner().invoke(main, ["rules"]).output
    assert "GM-CNS-01" in out and "GM-CNS-02" in out and "ePrivacy Directive" in out
    result = CliRunner().invoke(main, ["rules", "show", "gm-cns-02"])
    assert result.exit_code == 0 and "gm:ConsentStateReject" in result.output


def test_pdf_fetcher_decodes_only_embedded_png():
    from gdprmap.reports.pdf import no_fetch_url_fetcher

    png = base64.b64encode(b"\x89PNG\r\n\x1a\n1234").decode()
    fetcher = no_fetch_url_fetcher()
    assert fetcher.fetch("data:image/png;base64," + png).read().startswith(b"\x89PNG")
    for url in ("data:image/png;base64,aGVsbG8=", "data:image/svg+xml;base64," + png):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_written_har_redacts_every_secret_header_the_importer_knows() -> None:
    """The HAR `capture` writes holds no credential: the importer's secret-header list applies
    (not only Authorization), cookie names stay, their values go."""
    from gdprmap.capture import har as written

    headers, names = written._headers({
        "Authorization": "Bearer SECRET-1", "X-Api-Key": "SECRET-2", "X-Session-Id": "SECRET-3",
        "Cookie": "sid=SECRET-4; lang=fr", "Accept": "text/html"})
    values = {h["name"]: h["value"] for h in headers}
    assert "SECRET" not in repr(values)
    assert values["Accept"] == "text/html" and names == ["sid", "lang"]
