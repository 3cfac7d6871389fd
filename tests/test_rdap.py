"""RDAP against a real HTTP server on 127.0.0.1, and the whole ``--online`` path: cache,
budget, rate limits, failure caching, and how registration data reaches the assessment."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import entry, har
from test_whois import HANG, WhoisServer, fixture

from gdprmap import analyze
from gdprmap.cli import main
from gdprmap.enrich import rdap
from gdprmap.enrich.cache import LookupCache
from gdprmap.enrich.online import OnlineOptions, RegistrationLookup
from gdprmap.models import Verdict

FIXTURES = Path(__file__).parent / "fixtures" / "rdap"


class RdapServer:
    """``routes`` maps a path to (status, headers, body) or HANG; records requests."""

    def __init__(self, routes: dict[str, object]) -> None:
        self.routes = routes
        self.requests: list[tuple[str, float]] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append((self.path, time.monotonic()))
                route = outer.routes.get(self.path)
                if route is HANG:
                    outer.release.wait(10)
                    return
                status, headers, body = route or (404, {}, b'{"errorCode": 404}')
                self.send_response(status)
                for k, v in {"Content-Type": "application/rdap+json", **headers}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)

    def __enter__(self) -> RdapServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def doc(name: str, **subst: str) -> bytes:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    for key, value in subst.items():
        text = text.replace("{" + key + "}", value)
    return text.encode()


@pytest.fixture
def servers():
    with RdapServer({}) as registrar, RdapServer({}) as registry:
        registry.routes.update({
            "/domain/acme-tracker.com": (200, {}, doc("domain-thin.json", base=registry.base,
                                                      registrar=registrar.base)),
            "/domain/hidden-pixel.com": (200, {}, doc("domain-redacted.json")),
            "/domain/busy-cdn.com": (429, {"Retry-After": "120"}, b""),
            "/domain/slow-cdn.com": HANG,
            "/domain/broken-cdn.com": (200, {}, b"<html>not json</html>"),
        })
        registrar.routes["/domain/acme-tracker.com"] = (200, {}, doc("domain-registrant.json"))
        registry.allow = (registrar.base.split("://")[1].rstrip("/"),)
        yield registry, registrar


def options(tmp_path, registry, **kw):
    base = dict(timeout=1.0, min_interval=0.0, cache_dir=tmp_path / "cache",
                rdap_servers={"com": registry.base}, protocols=("rdap",),
                # the registrar the registry links to is this test's own 127.0.0.1 server
                referral_allowlist=getattr(registry, "allow", ()))
    base.update(kw)
    return OnlineOptions(**base)


def test_thin_registry_refers_to_the_registrar(tmp_path, servers):
    registry, registrar = servers
    look = RegistrationLookup(options(tmp_path, registry))
    reg = look.lookup("acme-tracker.com")
    assert (reg.organisation, reg.country, reg.protocol) == ("Acme Tracking Inc.", "US", "rdap")
    assert reg.server == registrar.base.rstrip("/")
    assert [(lk.status, lk.server) for lk in look.lookups] == [
        ("ok", registry.base.rstrip("/")), ("ok", registrar.base.rstrip("/"))]


def test_answers_are_cached_with_time_and_ttl(tmp_path, servers):
    registry, registrar = servers
    first = RegistrationLookup(options(tmp_path, registry))
    first.lookup("acme-tracker.com")
    again = RegistrationLookup(options(tmp_path, registry))
    reg = again.lookup("acme-tracker.com")
    assert reg.organisation == "Acme Tracking Inc."
    assert len(registry.requests) == 1 and len(registrar.requests) == 1  # no second exchange
    assert again.lookups[0].cached and again.lookups[0].time == first.lookups[0].time
    row = LookupCache(tmp_path / "cache").get("rdap:acme-tracker.com")
    assert (row.expires - row.retrieved).days == 7


def test_redacted_rdap_answer(tmp_path, servers):
    registry, _ = servers
    reg = RegistrationLookup(options(tmp_path, registry)).lookup("hidden-pixel.com")
    assert reg.organisation is None and reg.country is None
    assert set(reg.redacted) == {"organisation", "country"}


def test_404_is_not_found_and_cached_briefly(tmp_path, servers):
    registry, _ = servers
    look = RegistrationLookup(options(tmp_path, registry))
    assert look.lookup("nowhere-cdn.com") is None
    assert look.lookups[0].status == "not-found"
    again = RegistrationLookup(options(tmp_path, registry))
    again.lookup("nowhere-cdn.com")
    assert again.lookups[0].cached and len(registry.requests) == 1
    row = LookupCache(tmp_path / "cache").get("rdap:nowhere-cdn.com")
    assert (row.expires - row.retrieved).total_seconds() == 30 * 60


def test_429_is_rate_limited_and_kept_for_retry_after(tmp_path, servers):
    registry, _ = servers
    look = RegistrationLookup(options(tmp_path, registry))
    assert look.lookup("busy-cdn.com") is None
    assert look.lookups[0].status == "rate-limited" and "Retry-After 120" in look.lookups[0].detail
    row = LookupCache(tmp_path / "cache").get("rdap:busy-cdn.com")
    assert (row.expires - row.retrieved).total_seconds() == 120


def test_silent_rdap_server_times_out(tmp_path, servers):
    registry, _ = servers
    start = time.monotonic()
    look = RegistrationLookup(options(tmp_path, registry, timeout=0.5))
    assert look.lookup("slow-cdn.com") is None
    assert look.lookups[0].status == "timeout" and time.monotonic() - start < 2.5


def test_non_json_answer_is_an_error(tmp_path, servers):
    registry, _ = servers
    look = RegistrationLookup(options(tmp_path, registry))
    assert look.lookup("broken-cdn.com") is None
    assert look.lookups[0].status == "error"


def test_budget_limits_the_number_of_exchanges(tmp_path, servers):
    registry, _ = servers
    look = RegistrationLookup(options(tmp_path, registry, max_lookups=1, use_cache=False))
    look.lookup("hidden-pixel.com")
    look.lookup("nowhere-cdn.com")
    assert [lk.status for lk in look.lookups] == ["ok", "skipped"]
    assert "budget" in look.lookups[1].detail and len(registry.requests) == 1


def test_min_interval_per_server(tmp_path, servers):
    registry, _ = servers
    look = RegistrationLookup(options(tmp_path, registry, min_interval=0.3, use_cache=False))
    look.lookup("hidden-pixel.com")
    look.lookup("nowhere-cdn.com")
    (_, t1), (_, t2) = registry.requests
    assert t2 - t1 >= 0.28


def test_whois_fallback_when_rdap_has_nothing(tmp_path, servers):
    registry, _ = servers
    with WhoisServer({"ferme-analytics.com": fixture("country-name.txt")}) as port43:
        look = RegistrationLookup(options(tmp_path, registry, protocols=("rdap", "whois"),
                                          whois_servers={"com": port43.address}))
        reg = look.lookup("ferme-analytics.com")
    assert (reg.organisation, reg.country, reg.protocol) == ("Ferme Analytics SAS", "FR", "whois")
    assert [(lk.protocol, lk.status) for lk in look.lookups] == [("rdap", "not-found"),
                                                                  ("whois", "ok")]


def test_whois_timeout_within_a_run(tmp_path, servers):
    registry, _ = servers
    with WhoisServer({"slow.com": HANG}) as port43:
        look = RegistrationLookup(options(tmp_path, registry, protocols=("whois",),
                                          timeout=0.4, whois_servers={"com": port43.address}))
        start = time.monotonic()
        assert look.lookup("slow.com") is None
        assert time.monotonic() - start < 2
    assert look.lookups[0].status == "timeout" and look.lookups[0].server == port43.address


def test_rdap_parse_fn_with_kind_org_and_country_name():
    reg = rdap.parse("ferme-analytics.fr", json.loads(doc("domain-fn-org.json")), "x", "")
    assert (reg.organisation, reg.country) == ("Ferme Analytics SAS", "FR")


def test_bootstrap_resolves_tlds_and_ip_ranges():
    boot = rdap.Bootstrap.load()
    assert boot.domain_base("www.example.com") == "https://rdap.verisign.com/com/v1/"
    assert boot.domain_base("example.fr") == "https://rdap.nic.fr/"
    assert boot.domain_base("example.invalid") is None
    assert boot.ip_base("185.1.2.3") == "https://rdap.db.ripe.net/"
    assert boot.ip_base("2a00:1450::1") == "https://rdap.db.ripe.net/"
    assert boot.ip_base("44.1.2.3") == "https://rdap.arin.net/registry/"  # the fallback
    assert boot.publication


# --- the assessment ---------------------------------------------------------------------------


@pytest.fixture
def capture(write_har):
    return write_har(har([
        entry("https://www.clinic.example/"),
        entry("https://px.acme-tracker.com/p?u=1", ip="104.16.0.1"),
        entry("https://x.hidden-pixel.com/a", ip="203.0.113.9"),
    ]))


def test_online_registrant_is_a_fact_and_the_verdict_stays_unknown(tmp_path, servers, capture):
    registry, _ = servers
    a = analyze(capture, online=True, online_options=options(tmp_path, registry))
    acme = next(r for r in a.recipients if r.id == "domain:acme-tracker.com")
    assert acme.verdict == Verdict.UNKNOWN and acme.organisation is None
    fact = next(f for f in acme.facts if f.source == "rdap" and "organisation" in f.value)
    assert "Acme Tracking Inc." in fact.value and fact.checked is not None
    assert any(f.source == "rdap" and f.value.endswith(": US") for f in acme.facts)
    finding = next(f for f in acme.findings if f.rule == "GM-INFO-REGISTRANT")
    assert finding.verdict is None and "unknown" in finding.explanation
    hidden = next(r for r in a.recipients if r.id == "domain:hidden-pixel.com")
    assert any("redacted" in f.value for f in hidden.facts)
    # the recipients' domains, and the site's own once (issue 15: same registrant as the site?)
    assert {lk.query for lk in a.lookups} == {"acme-tracker.com", "hidden-pixel.com",
                                              "clinic.example"}
    assert all(lk.server and lk.time for lk in a.lookups if lk.status != "skipped")
    assert "lookups" in a.model_dump(mode="json")


def test_offline_by_default(tmp_path, servers, capture):
    registry, registrar = servers
    a = analyze(capture)
    assert a.lookups == () and not registry.requests and not registrar.requests
    acme = next(r for r in a.recipients if r.id == "domain:acme-tracker.com")
    assert all(f.source not in ("rdap", "whois") for f in acme.facts)


def test_cli_online_with_bootstrap_and_cache_from_the_environment(tmp_path, servers, capture,
                                                                  monkeypatch):
    registry, _ = servers
    boot = tmp_path / "bootstrap.json"
    boot.write_text(json.dumps({"dns": {"services": [[["com"], [registry.base]]]},
                                "whois": {}}))
    monkeypatch.setenv("GDPRMAP_RDAP_BOOTSTRAP", str(boot))
    monkeypatch.setenv("GDPRMAP_CACHE_DIR", str(tmp_path / "envcache"))
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["report", str(capture), "-o", str(out), "--online"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert "ok" in {lk["status"] for lk in report["lookups"]}
    # issue 17: from the command line, a registry's link to a registrar on 127.0.0.1 is
    # refused (no option or variable can allow it); the registry's own answer is kept
    refused = [lk for lk in report["lookups"]
               if lk["status"] != "ok" and lk["query"] != "clinic.example"]  # .example: no server
    assert refused and all("refused" in lk["detail"] for lk in refused)
    assert (tmp_path / "envcache" / "lookups.sqlite3").exists()


def test_unwritable_cache_is_a_clear_error(tmp_path, servers):
    from gdprmap.enrich.cache import CacheError

    registry, _ = servers
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    look = RegistrationLookup(options(tmp_path, registry, cache_dir=blocker / "cache"))
    with pytest.raises(CacheError, match="GDPRMAP_CACHE_DIR"):
        look.lookup("hidden-pixel.com")


def test_bundled_bootstrap_is_ianas_dns_registry_with_its_date():
    """Issue 15 item 5: the dns part is IANA's dns.json (via npm freewhois 1.2.6), not a
    hand-written table: hundreds of TLDs, IANA's servers, a dated source."""
    boot = rdap.Bootstrap.load()
    raw = json.loads(Path(boot.path).read_text(encoding="utf-8"))
    assert len(raw["dns"]["services"]) >= 500 and len(boot.dns) >= 1000
    assert "data.iana.org/rdap/dns.json" in raw["source"] and raw["publication"] == "2026-05-24"
    assert boot.domain_base("shop.example.app") == "https://www.registry.google/rdap/"
    assert boot.domain_base("example.no") == "https://rdap.norid.no/"
    # TLDs IANA lists no RDAP service for have none here (the old table invented .nl/.ch)
    assert boot.domain_base("example.nl") is None and boot.whois["nl"]
