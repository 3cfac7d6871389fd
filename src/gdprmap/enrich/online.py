"""Registration lookups (RDAP first, then port-43 WHOIS) with cache, budget and rate limits.

Off unless asked (``--online``): a report must be reproducible and a run private by default.
Each network exchange, cache hit and skipped query is recorded as a ``Lookup`` so the report can
say which lookups ran, when, against which server, and which failed.

- cache: ``LookupCache`` (SQLite in the user cache folder); answers kept ``ttl`` (7 days),
  failures ``failure_ttl`` (30 min) or the server's Retry-After;
- timeout: per exchange (``timeout`` seconds, connect to last byte);
- budget: at most ``max_lookups`` network exchanges and ``max_seconds`` of wall time per run;
- politeness: at least ``min_interval`` seconds between two exchanges with one server.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from ..models import Lookup
from . import rdap, whois
from ..errors import GdprmapError
from ..limits import host_problem
from .cache import DEFAULT_TTL, FAILURE_TTL, LookupCache
from .netpolicy import TargetPolicy, clamp_text
from .registrant import Registration

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OnlineOptions:
    timeout: float = 5.0
    max_lookups: int = 40
    max_seconds: float = 60.0
    min_interval: float = 1.0
    ttl: dt.timedelta = DEFAULT_TTL
    failure_ttl: dt.timedelta = FAILURE_TTL
    cache_dir: Path | None = None  # None: $GDPRMAP_CACHE_DIR, $XDG_CACHE_HOME/gdprmap, ~/.cache
    use_cache: bool = True
    protocols: tuple[str, ...] = ("rdap", "whois")
    whois_servers: Mapping[str, str] = field(default_factory=dict)  # tld|host -> host[:port]
    rdap_servers: Mapping[str, str] = field(default_factory=dict)  # tld -> base URL
    bootstrap: Path | None = None  # RDAP bootstrap file (default: the bundled one)
    # host:port pairs an answer's referral (RDAP related link or redirect, WHOIS referral) may
    # reach although private or non-standard: tests' own 127.0.0.1 servers. Library only - no
    # command-line option or environment variable sets it (see enrich/netpolicy.py).
    referral_allowlist: tuple[str, ...] = ()
    # issue 15: CNAME chains of the site's own hosts (cloaking); None: $GDPRMAP_DNS_SERVER,
    # else the first nameserver of /etc/resolv.conf ("host:port")
    dns_server: str | None = None
    max_dns_queries: int = 40


class _Budget:
    def __init__(self, count: int, seconds: float, clock: Callable[[], float]) -> None:
        self.left, self.clock = count, clock
        self.deadline = clock() + seconds

    def seconds_left(self) -> float:
        return self.deadline - self.clock()

    def take(self) -> bool:
        if self.left <= 0 or self.seconds_left() <= 0:
            return False
        self.left -= 1
        return True


class RegistrationLookup:
    """Look up registrants of registrable domains. One instance per run (it holds the budget)."""

    def __init__(self, options: OnlineOptions = OnlineOptions(),
                 cache: LookupCache | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.options = options
        self.cache = cache if cache is not None else (
            LookupCache(options.cache_dir) if options.use_cache else None)
        self.bootstrap = rdap.Bootstrap.load(options.bootstrap)
        self.budget = _Budget(options.max_lookups, options.max_seconds, clock)
        self.clock, self.sleep = clock, sleep
        self.policy = TargetPolicy(options.referral_allowlist)
        self.lookups: list[Lookup] = []
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    # -- public -----------------------------------------------------------------------------
    def lookup(self, domain: str) -> Registration | None:
        """The best registration answer for ``domain``, or None (every attempt is recorded)."""
        domain = domain.lower().strip(".")
        tld = domain.rsplit(".", 1)[-1]
        best: Registration | None = None
        tried = False
        for protocol in self.options.protocols:
            server = self._server(protocol, domain, tld)
            if server is None:
                continue
            tried = True
            reg = self._one(protocol, domain, server)
            if reg is not None and (best is None or _score(reg) > _score(best)):
                best = reg
            if best is not None and best.identified and best.country:
                break
        if not tried:
            self._record("rdap", domain, None, "skipped",
                         f"no RDAP or WHOIS server known for .{tld}")
        return best

    # -- internals --------------------------------------------------------------------------
    def _server(self, protocol: str, domain: str, tld: str) -> str | None:
        if protocol == "rdap":
            return self.options.rdap_servers.get(tld) or self.bootstrap.domain_base(domain)
        return self.options.whois_servers.get(tld) or self.bootstrap.whois.get(tld)

    def _one(self, protocol: str, domain: str, server: str) -> Registration | None:
        """One lookup; whatever goes wrong in it is this lookup's failure, recorded, and
        never the run's end (issue #17: a 64-character label ended the run)."""
        try:
            return self._one_checked(protocol, domain, server)
        except GdprmapError:  # the cache or the options: the run's own problem, not the answer's
            raise
        except Exception as e:  # noqa: BLE001 - a hostile answer must not end the run
            self._record(protocol, domain, server, "error",
                         f"lookup failed: {type(e).__name__}", when=_now())
            return None

    def _one_checked(self, protocol: str, domain: str, server: str) -> Registration | None:
        if (problem := host_problem(domain)) is not None:
            self._record(protocol, domain, server, "skipped", problem, when=_now())
            return None
        key = f"{protocol}:{domain}"
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            self._record(protocol, domain, hit.server, hit.status, None if hit.ok else
                         hit.payload, cached=True, when=hit.retrieved)
            return self._parse(protocol, domain, hit.server, hit.payload,
                               hit.retrieved) if hit.ok else None
        started = _now()
        try:
            if protocol == "rdap":
                used, payload = self._rdap(domain, server)
            else:
                used, payload = self._whois(domain, server)
        except (rdap.RdapFailure, whois.WhoisFailure) as e:
            if e.status == "skipped":
                self._record(protocol, domain, e.server, "skipped", str(e), when=started)
                return None
            retry = getattr(e, "retry_after", None)
            ttl = dt.timedelta(seconds=retry) if retry else self.options.failure_ttl
            if self.cache is not None:
                self.cache.put(key, protocol, e.server, ok=False, status=e.status,
                               payload=str(e), ttl=ttl, retrieved=started)
            self._record(protocol, domain, e.server, e.status, str(e), when=started)
            return None
        try:
            reg = self._parse(protocol, domain, used, payload, started)
        except whois.WhoisFailure as e:
            self._record(protocol, domain, used, e.status, str(e), when=started)
            return None
        if self.cache is not None:
            self.cache.put(key, protocol, used, ok=True, status="ok", payload=payload,
                           ttl=self.options.ttl, retrieved=started)
        self._record(protocol, domain, used, "ok", None, when=started)
        return reg

    def _rdap(self, domain: str, base: str) -> tuple[str, str]:
        url = f"{base}domain/{quote(domain.encode('idna').decode('ascii'))}"
        doc = self._polite(url, lambda t: rdap.fetch(url, t), rdap.RdapFailure)
        used = rdap._origin(url)
        reg = rdap.parse(domain, doc, used, "")
        link = rdap.related_link(doc)
        if link and not reg.identified and not reg.redacted:
            # A thin registry (Verisign for .com/.net): the registrant is at the registrar.
            self._record("rdap", domain, used, "ok", "registry answer names no registrant; "
                         "asking the registrar it links to", when=_now())
            try:
                doc2 = self._polite(link, lambda t: rdap.fetch(link, t, self.policy,
                                                               referral=True),
                                    rdap.RdapFailure)
                return rdap._origin(link), json.dumps(doc2)
            except rdap.RdapFailure as e:
                self._record("rdap", domain, e.server, e.status, f"registrar: {e}", when=_now())
        return used, json.dumps(doc)

    def _whois(self, domain: str, server: str) -> tuple[str, str]:
        answer = self._polite(server, lambda t: whois.query(
            domain, server, t, dict(self.options.whois_servers), policy=self.policy),
            whois.WhoisFailure)
        return answer.server, answer.text

    def _polite(self, target: str, call, failure):  # type: ignore[no-untyped-def]
        """Run one exchange within the run budget and the per-server interval."""
        host = urlsplit(target).netloc if "://" in target else target
        with self._lock:
            if not self.budget.take():
                raise failure("skipped", "run budget exhausted (--online limits)", host)
            wait = self._last.get(host, -1e18) + self.options.min_interval - self.clock()
            if wait > 0:
                if wait >= self.budget.seconds_left():
                    raise failure("skipped", "run budget exhausted while rate-limiting", host)
                self.sleep(wait)
            self._last[host] = self.clock()
        timeout = max(0.1, min(self.options.timeout, self.budget.seconds_left()))
        return call(timeout)

    def _parse(self, protocol: str, domain: str, server: str, payload: str,
               retrieved: dt.datetime) -> Registration:
        when = retrieved.isoformat()
        if protocol == "rdap":
            return rdap.parse(domain, json.loads(payload), server, when)
        return whois.parse(domain, payload, server, when)

    def _record(self, protocol: str, domain: str, server: str | None, status: str,
                detail: str | None, *, cached: bool = False,
                when: dt.datetime | None = None) -> None:
        domain = clamp_text(domain, 260)
        server = None if server is None else clamp_text(server, 200)
        log.info("%s lookup of %s at %s: %s%s", protocol, domain, server or "(no server)",
                 status, " (cached)" if cached else "")
        self.lookups.append(Lookup(protocol=protocol, query=domain, server=server,
                                   time=when or _now(), status=status, cached=cached,
                                   detail=None if detail is None else clamp_text(detail, 300)))


def _score(reg: Registration) -> int:
    """An identified organisation beats a country alone, which beats a redacted answer (still
    worth reporting), which beats an answer that says nothing."""
    return 4 * bool(reg.organisation) + 2 * bool(reg.country) + bool(reg.redacted)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class CnameLookup:
    """Issue 15: the CNAME chain of a host (``--online``), each query recorded as a ``Lookup``
    (protocol "dns"). Bounded by ``max_dns_queries`` and the per-query ``timeout``."""

    def __init__(self, options: OnlineOptions = OnlineOptions()) -> None:
        from . import dns

        self.options = options
        self.server = options.dns_server or dns.default_server()
        self.left = options.max_dns_queries
        self.lookups: list[Lookup] = []

    def chain(self, host: str) -> list[str]:
        from . import dns

        when = _now()
        if self.server is None:
            self._record(host, None, "skipped", "no DNS resolver configured", when)
            return []
        if self.left <= 0:
            self._record(host, self.server, "skipped", "DNS query budget exhausted "
                         "(--online limits)", when)
            return []
        self.left -= 1
        try:
            answer = dns.query(host, self.server, self.options.timeout)
            targets = dns.cname_chain(host, answer, self.server)
        except dns.DnsFailure as e:
            self._record(host, self.server, e.status, str(e), when)
            return []
        self._record(host, self.server, "ok", (" -> ".join(targets) if targets
                                               else "no CNAME"), when)
        return targets

    def _record(self, host: str, server: str | None, status: str, detail: str | None,
                when: dt.datetime) -> None:
        self.lookups.append(Lookup(protocol="dns", query=host, server=server, time=when,
                                   status=status, detail=detail))
