"""RDAP (RFC 9082/9083) over HTTP(S): bootstrap, one GET per query, registrant from the jCard.

The bootstrap (which server answers for which TLD or IP range) is the bundled
``data/rdap-bootstrap.json``: IANA's RDAP bootstrap registry for domain names (``dns.json``,
via the npm package freewhois 1.2.6, built by ``scripts/build_rdap_bootstrap.py``, dated by its
``publication``) plus hand-written port-43 WHOIS and RIR sections (see its ``description``); ``GDPRMAP_RDAP_BOOTSTRAP=FILE`` or the ``bootstrap`` argument replaces it, and
a ``servers`` mapping (TLD -> base URL) overrides single entries (tests point it at 127.0.0.1).

Plain ``urllib``: no new dependency, and every request has a timeout. Redirects are followed by
urllib (RIRs redirect queries for space they do not hold). HTTP 404 is "not found", 429 is
"rate-limited" (with the server's Retry-After, if any), anything else unusable is an error.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import math
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..resources import data_path
from .netpolicy import STANDARD_PORTS, Deadline, RefusedTarget, TargetPolicy, clamp_text
from .registrant import Registration, is_redacted, pick

ENV_BOOTSTRAP = "GDPRMAP_RDAP_BOOTSTRAP"
MAX_ANSWER = 1024 * 1024
USER_AGENT = "gdprmap (registration lookups; https://w3id.org/gdprmap)"


class RdapFailure(Exception):
    def __init__(self, status: str, message: str, server: str,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status, self.server, self.retry_after = status, server, retry_after


@dataclass(frozen=True)
class Bootstrap:
    dns: dict[str, str]  # tld -> base URL (ending in "/")
    whois: dict[str, str]  # tld -> port-43 server
    ip: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]]
    ip_fallback: dict[int, str]
    publication: str | None
    path: str

    @classmethod
    def load(cls, path: Path | str | None = None) -> Bootstrap:
        path = Path(path or os.environ.get(ENV_BOOTSTRAP) or data_path("rdap-bootstrap.json"))
        return _load_bootstrap(str(path))

    def domain_base(self, domain: str) -> str | None:
        labels = domain.lower().strip(".").split(".")
        for i in range(len(labels)):  # longest suffix first: "co.uk" before "uk"
            base = self.dns.get(".".join(labels[i:]))
            if base:
                return base
        return None

    def ip_base(self, address: str) -> str | None:
        ip = ipaddress.ip_address(address)
        best: tuple[int, str] | None = None
        for net, base in self.ip:
            if ip.version == net.version and ip in net and (
                    best is None or net.prefixlen > best[0]):
                best = (net.prefixlen, base)
        return best[1] if best else self.ip_fallback.get(ip.version)


@lru_cache(maxsize=8)
def _load_bootstrap(path: str) -> Bootstrap:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        dns = {k.lower(): _slash(urls[0]) for keys, urls in raw["dns"]["services"]
               for k in keys}
        ip: list[tuple[Any, str]] = []
        fallback: dict[int, str] = {}
        for version, key in ((4, "ipv4"), (6, "ipv6")):
            section = raw.get(key) or {}
            for keys, urls in section.get("services", []):
                ip += [(ipaddress.ip_network(k), _slash(urls[0])) for k in keys]
            if section.get("fallback"):
                fallback[version] = _slash(section["fallback"])
        return Bootstrap(dns, {k.lower(): v for k, v in raw.get("whois", {}).items()}, ip,
                         fallback, raw.get("publication"), path)
    except (OSError, ValueError, KeyError, IndexError, TypeError) as e:
        from ..errors import UsageError

        raise UsageError(f"{path}: not a usable RDAP bootstrap file: {e}") from e


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def fetch(url: str, timeout: float, policy: TargetPolicy | None = None,
          referral: bool = False) -> dict[str, Any]:
    """GET an RDAP URL and return the JSON object; raise ``RdapFailure`` otherwise.

    ``timeout`` bounds the whole exchange (issue #17: it was per read). ``referral``: the URL
    was named by an answer (a ``related`` link), so it must pass ``policy`` (standard port,
    public address); redirects are always treated so."""
    req = urllib.request.Request(url, headers={"Accept": "application/rdap+json, "
                                               "application/json", "User-Agent": USER_AGENT})
    server = _origin(url)
    policy = policy or TargetPolicy()
    state = {"check_peer": referral}
    try:
        with Deadline(timeout) as deadline:
            if referral:
                parts = urllib.parse.urlsplit(url)
                policy.check_port(parts.scheme, parts.hostname or "",
                                  parts.port or STANDARD_PORTS.get(parts.scheme, 0))
            try:
                opener = _opener(deadline, policy, state)
                with opener.open(req, timeout=timeout) as resp:
                    body = _read(resp, deadline)
            except (OSError, http.client.HTTPException) as e:
                if deadline.expired and not isinstance(e, urllib.error.HTTPError):
                    raise TimeoutError from e
                raise
    except RefusedTarget as e:
        raise RdapFailure("error", str(e), server) from e
    except urllib.error.HTTPError as e:
        if e.code == 404:
            raise RdapFailure("not-found", "HTTP 404: the registry has no such object",
                              server) from e
        if e.code == 429:
            retry = _retry_after(e.headers.get("Retry-After"))
            raise RdapFailure("rate-limited", "HTTP 429 Too Many Requests"
                              + (f" (Retry-After {retry:g} s)" if retry else ""), server,
                              retry) from e
        raise RdapFailure("error", f"HTTP {e.code} {clamp_text(e.reason)}", server) from e
    except TimeoutError as e:
        raise RdapFailure("timeout", f"no complete answer within {timeout:g} s", server) from e
    except urllib.error.URLError as e:
        if isinstance(e.reason, (TimeoutError, socket.timeout)):
            raise RdapFailure("timeout", f"no answer within {timeout:g} s", server) from e
        if isinstance(e.reason, RefusedTarget):
            raise RdapFailure("error", str(e.reason), server) from e
        raise RdapFailure("error", f"connection failed: {clamp_text(e.reason)}", server) from e
    except (OSError, http.client.HTTPException, ValueError) as e:
        raise RdapFailure("error", f"connection failed: {clamp_text(e)}", server) from e
    if len(body) > MAX_ANSWER:
        raise RdapFailure("error", f"answer larger than {MAX_ANSWER} bytes", server)
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError) as e:
        raise RdapFailure("error", "the answer is not JSON", server) from e
    if not isinstance(doc, dict):
        raise RdapFailure("error", "the answer is not a JSON object", server)
    return doc


def _read(resp: Any, deadline: Deadline) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_ANSWER:
        if deadline.expired:
            raise TimeoutError("deadline")
        chunk = resp.read(min(1 << 16, MAX_ANSWER + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if deadline.expired:
        raise TimeoutError("deadline")
    return b"".join(chunks)


def _opener(deadline: Deadline, policy: TargetPolicy,
            state: dict[str, bool]) -> urllib.request.OpenerDirector:
    """urllib with every socket under ``deadline`` and every redirect a referral."""

    def watched(base: type[http.client.HTTPConnection]) -> Any:
        class Connection(base):  # type: ignore[valid-type, misc]
            def connect(self) -> None:
                super().connect()
                deadline.watch(self.sock)
                if state["check_peer"]:
                    policy.check_peer(self.sock, self.host, self.port)
        return Connection

    http_conn = watched(http.client.HTTPConnection)
    https_conn = watched(http.client.HTTPSConnection)

    class Http(urllib.request.HTTPHandler):
        def http_open(self, req: Any) -> Any:
            return self.do_open(http_conn, req)

    class Https(urllib.request.HTTPSHandler):
        def https_open(self, req: Any) -> Any:
            return self.do_open(https_conn, req, context=getattr(self, "_context", None))

    class Redirect(urllib.request.HTTPRedirectHandler):
        max_redirections = 3

        def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                             newurl: str) -> Any:
            parts = urllib.parse.urlsplit(newurl)
            if parts.scheme not in ("http", "https"):
                raise RefusedTarget("refused: a redirect to a scheme other than HTTP(S)")
            policy.check_port(parts.scheme, parts.hostname or "",
                              parts.port or STANDARD_PORTS[parts.scheme])
            state["check_peer"] = True
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return urllib.request.build_opener(Http, Https, Redirect)


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


MAX_RETRY_AFTER = 86_400.0  # a day: "Retry-After: 1e11" must not shut a domain out for ages


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(str(value)[:32])
    except ValueError:
        return None  # an HTTP date: not worth parsing for a cache entry
    if not math.isfinite(seconds):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def related_link(doc: dict[str, Any]) -> str | None:
    """A thin registry's pointer to the registrar's RDAP record (rel="related")."""
    for link in doc.get("links") or []:
        if (isinstance(link, dict) and link.get("rel") == "related"
                and str(link.get("type", "")).startswith("application/rdap+json")
                and str(link.get("href", "")).startswith(("https://", "http://"))):
            return str(link["href"])
    return None


def parse(domain: str, doc: dict[str, Any], server: str, retrieved: str) -> Registration:
    """The registrant's organisation and country from an RDAP domain object."""
    notes: list[str] = []
    redacted: list[str] = []
    registrant = _registrant(doc.get("entities") or [])
    org_raw: list[str] = []
    country_raw: list[str] = []
    if registrant is not None:
        for prop in _vcard(registrant):
            name, params, _type, value = (prop + [None] * 4)[:4]
            if name == "org":
                org_raw.append(_text(value))
            elif name == "adr":
                cc = (params or {}).get("cc") if isinstance(params, dict) else None
                if cc:
                    country_raw.append(str(cc))
                elif isinstance(value, list) and len(value) >= 7 and value[6]:
                    country_raw.append(_text(value[6]))
                elif isinstance(params, dict) and params.get("label"):
                    pass  # a free-text label: no reliable country in it
        if not org_raw:
            # Many registrars put the company in "fn" with kind "org"
            kind = next((_text(p[3]) for p in _vcard(registrant) if p and p[0] == "kind"), "")
            if kind == "org":
                org_raw = [_text(p[3]) for p in _vcard(registrant) if p and p[0] == "fn"]
    for item in doc.get("redacted") or []:  # RFC 9537
        label = str(((item or {}).get("name") or {}).get("type", "")).lower()
        if "registrant" in label and "organi" in label and not org_raw:
            redacted.append("organisation")
        if "registrant" in label and "country" in label and not country_raw:
            redacted.append("country")
    for remark in (registrant or {}).get("remarks") or []:
        text = " ".join([str(remark.get("title", ""))] + [str(d) for d in
                                                          remark.get("description") or []])
        if is_redacted(text) and not org_raw:
            redacted.append("organisation")
    org = pick("organisation", [v for v in org_raw if v], notes, redacted)
    country = pick("country", [v for v in country_raw if v], notes, redacted)
    if "organisation" in redacted and country:
        # A privacy service's answer gives the service's own address: not the holder's country.
        country = None
        redacted.append("country")
    return Registration(domain=domain, protocol="rdap", server=server, retrieved=retrieved,
                        organisation=org, country=country,
                        redacted=tuple(dict.fromkeys(redacted)), notes=tuple(notes))


def _registrant(entities: list[Any]) -> dict[str, Any] | None:
    for ent in entities:
        if isinstance(ent, dict) and "registrant" in (ent.get("roles") or []):
            return ent
    for ent in entities:  # some registries nest contacts under the registrar entity
        if isinstance(ent, dict):
            found = _registrant(ent.get("entities") or [])
            if found is not None:
                return found
    return None


def _vcard(entity: dict[str, Any]) -> list[list[Any]]:
    card = entity.get("vcardArray")
    if isinstance(card, list) and len(card) == 2 and isinstance(card[1], list):
        return [p for p in card[1] if isinstance(p, list) and p]
    return []


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value if v).strip()
    return str(value or "").strip()
