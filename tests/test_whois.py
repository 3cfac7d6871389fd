"""Port-43 WHOIS against a real TCP server on 127.0.0.1 replaying the fixtures, and the
normalisation of registrant data (python-whois parser + gdprmap rules)."""

from __future__ import annotations

import socketserver
import threading
import time
from pathlib import Path

import pytest
from conftest import CORPUS

from gdprmap.enrich import whois
from gdprmap.enrich.registrant import country_code

FIXTURES = Path(__file__).parent / "fixtures" / "whois"
HANG = object()  # accept, read the query, never answer


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class WhoisServer:
    """A threaded port-43 server: ``answers`` maps a query to bytes or HANG; records queries."""

    def __init__(self, answers: dict[str, object]) -> None:
        self.answers = answers
        self.queries: list[tuple[str, float]] = []
        self.release = threading.Event()
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                line = self.rfile.readline().decode("ascii", "replace").strip()
                outer.queries.append((line, time.monotonic()))
                answer = outer.answers.get(line.lower(), b"No match for \"%s\".\r\n"
                                           % line.upper().encode())
                if answer is HANG:
                    outer.release.wait(10)
                    return
                self.wfile.write(answer)  # type: ignore[arg-type]

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> WhoisServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def registry():
    answers = {
        "acme-tracker.com": fixture("registry-thin.txt"),
        "hidden-pixel.com": fixture("redacted.txt"),
        "proxied-ads.com": fixture("proxy.txt"),
        "quiet-metrics.com": fixture("data-protected.txt"),
        "ferme-analytics.com": fixture("country-name.txt"),
        "busy.com": fixture("ratelimit.txt"),
        "garbage.com": fixture("garbage.bin"),
        "slow.com": HANG,
    }
    with WhoisServer(answers) as srv:
        yield srv


@pytest.fixture
def registrar():
    with WhoisServer({"acme-tracker.com": fixture("registrar-acme.txt")}) as srv:
        yield srv


def test_referral_to_the_registrar_is_followed(registry, registrar):
    servers = {"whois.registrar.test": registrar.address}
    answer = whois.query("acme-tracker.com", registry.address, 2.0, servers)
    assert answer.server == registrar.address
    reg = whois.parse("acme-tracker.com", answer.text, answer.server, "2026-11-28T10:00:00+00:00")
    assert reg.organisation == "Acme Tracking Inc." and reg.country == "US"
    assert reg.redacted == ()  # the registrant's name was redacted, but names are never kept
    assert [q for q, _ in registrar.queries] == ["acme-tracker.com"]


def test_unreachable_referral_keeps_the_registry_answer(registry):
    servers = {"whois.registrar.test": "127.0.0.1:1"}  # nothing listens on port 1
    answer = whois.query("acme-tracker.com", registry.address, 1.0, servers)
    assert answer.server == registry.address
    reg = whois.parse("acme-tracker.com", answer.text, answer.server, "")
    assert reg.organisation is None and reg.country is None


@pytest.mark.parametrize("domain, redacted", [
    ("hidden-pixel.com", ("organisation", "country")),
    ("proxied-ads.com", ("organisation", "country")),  # the proxy's Iceland address is no fact
    ("quiet-metrics.com", ("organisation", "country")),
])
def test_privacy_redacted_answers_are_reported_as_redacted(registry, domain, redacted):
    answer = whois.query(domain, registry.address, 2.0)
    reg = whois.parse(domain, answer.text, answer.server, "")
    assert reg.organisation is None and reg.country is None
    assert set(reg.redacted) == set(redacted)


def test_country_names_are_normalised(registry):
    answer = whois.query("ferme-analytics.com", registry.address, 2.0)
    reg = whois.parse("ferme-analytics.com", answer.text, answer.server, "")
    assert (reg.organisation, reg.country) == ("Ferme Analytics SAS", "FR")


def test_rate_limit_answer_is_a_failure_not_an_answer(registry):
    with pytest.raises(whois.WhoisFailure) as e:
        whois.query("busy.com", registry.address, 2.0)
    assert e.value.status == "rate-limited"


def test_not_found(registry):
    with pytest.raises(whois.WhoisFailure) as e:
        whois.query("nowhere-cdn.com", registry.address, 2.0)
    assert e.value.status == "not-found"


def test_garbage_gives_no_facts(registry):
    answer = whois.query("garbage.com", registry.address, 2.0)
    reg = whois.parse("garbage.com", answer.text, answer.server, "")
    assert reg.organisation is None and reg.country is None


def test_silent_server_times_out_within_the_timeout(registry):
    start = time.monotonic()
    with pytest.raises(whois.WhoisFailure) as e:
        whois.query("slow.com", registry.address, 0.5)
    assert e.value.status == "timeout"
    assert time.monotonic() - start < 2.0


def test_connection_refused_is_an_error():
    with pytest.raises(whois.WhoisFailure) as e:
        whois.exchange("127.0.0.1:1", "example.com", 1.0)
    assert e.value.status == "error"


@pytest.mark.parametrize("value, code", [
    ("US", "US"), ("United States", "US"), ("UNITED STATES", "US"), ("Austria", "AT"),
    ("Hong Kong (HK)", "HK"), ("USA", "US"), ("Allemagne", "DE"), ("Atlantis", None),
    ("REDACTED FOR PRIVACY", None), ("", None),
])
def test_country_code(value, code):
    assert country_code(value) == code


def test_split_server():
    assert whois.split_server("whois.nic.fr") == ("whois.nic.fr", 43)
    assert whois.split_server("127.0.0.1:4343") == ("127.0.0.1", 4343)
    assert whois.split_server("[::1]:4343") == ("::1", 4343)


# --- the shared corpus of real answers (skipped when absent) ---------------------------------

PYWHOIS = CORPUS / "whois" / "python-whois"
LIKEXIAN = CORPUS / "whois" / "likexian" / "noterror"


@pytest.mark.skipif(not PYWHOIS.is_dir(), reason="shared corpus not available")
def test_real_answers_parse_without_inventing(tmp_path):
    """Every real answer parses or fails cleanly; known registrants come out right."""
    expected = {
        "google.ai": ("Google LLC", "US"),
        "brainly.lat": ("Brainly Sp. z o.o.", "PL"),
        "seal.jobs": ("Seal Jobs NV", "BE"),
        "google.com.tw": ("Google Inc.", "US"),
        "cyberciti.biz": (None, None),  # Domains By Proxy: redacted, proxy's country dropped
        "willhaben.at": (None, None),  # .at parser mixes contacts: refused, not guessed
    }
    for path in sorted((PYWHOIS / "whois").iterdir()):
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            reg = whois.parse(path.name, text, "corpus", "")
        except whois.WhoisFailure as e:
            assert e.status == "error"
            continue
        if path.name in expected:
            assert (reg.organisation, reg.country) == expected[path.name], path.name


@pytest.mark.skipif(not LIKEXIAN.is_dir(), reason="shared corpus not available")
def test_likexian_registrant_countries_agree():
    """Where both gdprmap and likexian/whois-parser state a registrant country, they agree."""
    import json

    agree = disagree = 0
    for exp_path in sorted(LIKEXIAN.glob("*.json")):
        raw = exp_path.with_suffix("")
        if not raw.exists():
            continue
        doc = json.loads(exp_path.read_text(encoding="utf-8"))
        domain = (doc.get("domain") or {}).get("domain") or raw.name.split("_", 1)[1]
        try:
            reg = whois.parse(domain, raw.read_text(encoding="utf-8", errors="replace"), "c", "")
        except whois.WhoisFailure:
            continue
        theirs = country_code((doc.get("registrant") or {}).get("country"))
        if reg.country and theirs:
            agree += reg.country == theirs
            disagree += reg.country != theirs
    assert agree >= 50 and disagree == 0
