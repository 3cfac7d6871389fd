"""No planted secret reaches any output (issue #17, item 3).

The canaries of ``hostile_corpus.CANARIES`` are planted where the red-team found them leaking:
in URL paths (e-mail, ``sk_live_`` key, ``;jsessionid=`` and ``;PHPSESSID=`` path parameters),
as query parameter names (a JWT, an e-mail), in free text (search terms and a text/plain body
holding phone numbers, an IPv4 address, a card number and ``"password": "..."``), in a Referer
whose ``user:pass@`` makes the URL parser fail, in a request URL the parser refuses (so its
entry is skipped), and in a WEC inspection's localStorage key, cookie path and user agent. Every
output is searched: JSON, CSV, HTML, PDF text, the PDF/A attachments, Turtle, JSON-LD, and what
the command prints.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from click.testing import CliRunner
from conftest import entry, har
from hostile_corpus import CANARIES

from gdprmap.cli import main

pypdf = pytest.importorskip("pypdf")
C = CANARIES
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "importers"


def forms(value: str) -> set[str]:
    """The ways a value may be written into an output: as is, URL-encoded, digits only."""
    out = {value, quote(value, safe=""), quote_plus(value), quote(value, safe="/:@")}
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) >= 9 and digits == value.replace(" ", "").replace("+", "").replace(".", ""):
        out.add(digits)
    return out


def leaks(text: str) -> list[str]:
    return [name for name, value in C.items() for form in forms(value) if form in text]


def planted_entries() -> list[dict]:
    search = (f"call me {C['phone-intl']} or {C['phone-national']}, card {C['card']}, "
              f"from {C['ipv4']}")
    text_body = entry(
        "https://collect.trk-canary.net/log", method="POST", ip="203.0.113.9")
    text_body["request"]["postData"] = {
        "mimeType": "text/plain",
        "text": f'user="{C["email"]}" "password": "{C["password"]}" tel {C["phone-intl"]}'}
    bad_url = entry(f"http://{C['userinfo']}@ho\uff0fst/x", ip="203.0.113.9")
    return [
        entry("https://www.clinic.example/", ip="203.0.113.10"),
        entry(f"https://collect.trk-canary.net/u/{C['email']}/{C['stripe-key']}/p"
              f";jsessionid={C['jsessionid']}/q;PHPSESSID={C['phpsessid']}",
              headers=[("Referer", f"http://{C['userinfo']}@[::1/page")], ip="203.0.113.9"),
        entry(f"https://www.google-analytics.com/g/collect?{C['jwt']}=1"
              f"&{quote(C['email'])}=2&q={quote_plus(search)}", ip="142.250.179.74"),
        entry(f"https://collect.trk-canary.net/search?term={quote_plus(search)}",
              headers=[("X-Note", f"contact {C['email']} key {C['stripe-key']}")],
              ip="203.0.113.9"),
        text_body,
        bad_url,
    ]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("canaries")
    pages = [{"id": "page_1", "startedDateTime": "2022-12-05T10:00:00.000+01:00",
              "title": f"Account of {C['email']}", "pageTimings": {}}]
    path = folder / "capture.har"
    path.write_text(json.dumps(har(planted_entries(), pages=pages)), encoding="utf-8")
    # a WEC output folder: canaries in a localStorage key, a cookie path and the user agent
    wec = folder / "wec"
    shutil.copytree(FIXTURES / "wec-output", wec)
    doc = json.loads((wec / "inspection.json").read_text(encoding="utf-8"))
    doc["localStorage"]["https://www.clinic.example"][f"token_{C['wec-key']}"] = {
        "value": "x", "firstPartyStorage": True}
    doc["localStorage"]["https://www.clinic.example"][C["email"]] = {"value": "x"}
    doc["cookies"][0]["path"] = f"/account/{C['email']}/{C['stripe-key']}"
    doc["browser"]["user_agent"] = f"Mozilla/5.0 (X11) Chrome/121.0 {C['email']}"
    (wec / "inspection.json").write_text(json.dumps(doc), encoding="utf-8")
    return path, wec


def _run(*args: object) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("suffix", [".json", ".csv", ".html", ".ttl", ".jsonld", ".graphml",
                                    "a3.pdf"])
def test_no_canary_in_any_output(planted, tmp_path, suffix):
    har_path, wec = planted
    out = tmp_path / f"r{suffix}"
    if suffix in (".ttl", ".jsonld", ".graphml"):  # from the saved assessment
        saved = tmp_path / "saved.json"
        _run("report", har_path, wec, "-o", saved, "--skip-bad-entries")
        printed = _run("export", saved, "-o", out)
    else:
        args = ["report", har_path, wec, "-o", out, "--skip-bad-entries"]
        if suffix == "a3.pdf":
            args += ["--pdf-variant", "pdf/a-3b"]
        printed = _run(*args)
    data = out.read_bytes()
    texts = [printed, data.decode("utf-8", "replace")]
    if out.suffix == ".pdf":
        reader = pypdf.PdfReader(io.BytesIO(data))
        texts.append("\n".join(p.extract_text() or "" for p in reader.pages))
        if shutil.which("pdftotext"):
            texts.append(subprocess.run(["pdftotext", str(out), "-"], capture_output=True,
                                        check=True, timeout=120).stdout.decode())
        attached = {n: c[0] for n, c in reader.attachments.items()}
        assert {"assessment.json", "register.csv"} <= set(attached)
        texts += [v.decode("utf-8-sig") for v in attached.values()]
    for text in texts:
        assert not leaks(text), (suffix, leaks(text))
    if suffix == ".json":  # the evidence is still there, without its values
        doc = json.loads(data)
        assert doc["skipped"] and "trk-canary.net" in data.decode()


def test_a_refused_url_is_one_line_without_its_userinfo(tmp_path):
    path = tmp_path / "bad.har"
    bad = entry(f"http://{C['userinfo']}@ho\uff0fst/x")
    path.write_text(json.dumps(har([bad])), encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(path), "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "canarypass" not in result.output and "canaryuser" not in result.output
    assert "entry 0" in result.output and "request.url" in result.output
