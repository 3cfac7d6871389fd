"""Cloaked first-party trackers (issue 15): hosts under the site's own domains run by a vendor.

A site points ``metrics.example.fr`` (DNS CNAME) at Adobe, Eulerian, AT Internet... so the
vendor's requests look like the site's own. Counting them as first party would make the main
recipient vanish. The evidence, strongest first:

- the vendor's documented request signatures (``data/cloaking.toml``: paths, parameters; cookie
  names only as supporting evidence, as the vendor's script sets them on the whole site domain);
- the server's network (ASN, bundled IP data) when the page's own servers are elsewhere;
- the server certificate (HAR ``_tls`` from live captures): its subject organisation, or a SAN
  the knowledge base attributes to a tracking service;
- with ``--online``, the DNS CNAME chain, when the knowledge base attributes a target to a
  tracking service.

A host with one strong signal is attributed to the vendor's knowledge-base service and its
recipient is marked ``cloaked`` with every signal as ``CloakEvidence``. Signatures are data,
not code: ``load_signatures`` reads and checks the TOML file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..models import CloakEvidence, Flow
from ..resources import data_path
from .domains import registrable_domain

KINDS = ("path", "query", "cookie", "asn", "tls-organisation")


@dataclass(frozen=True)
class Signature:
    id: str
    service: str
    kind: str
    strong: bool
    label: str
    source: str
    basis: str
    pattern: re.Pattern[str] | None = None
    params: tuple[str, ...] = ()
    asns: tuple[int, ...] = ()
    organisations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Signatures:
    items: tuple[Signature, ...]
    categories: frozenset[str]
    checked: str | None = None
    path: str = ""

    def by_id(self, sid: str) -> Signature:
        return next(s for s in self.items if s.id == sid)

    def observer(self) -> Callable[[Flow], list[str]]:
        """A per-flow matcher for the request signatures (path, query, cookie), cheap enough
        for every request: one regex per kind in the common case of no match."""
        request = [s for s in self.items if s.kind in ("path", "query")]
        cookies = [s for s in self.items if s.kind == "cookie"]
        any_path = re.compile("|".join(f"(?:{s.pattern.pattern})" for s in request
                                       if s.pattern)) if request else None
        any_cookie = re.compile("|".join(f"(?:{s.pattern.pattern})" for s in cookies
                                         if s.pattern), re.M) if cookies else None

        def observe(flow: Flow) -> list[str]:
            found: list[str] = []
            if any_path is not None:
                path = _path(flow.url)
                if any_path.search(path):
                    names = {p.path for p in flow.query}
                    found += [s.id for s in request if s.pattern and s.pattern.search(path)
                              and all(p in names for p in s.params)]
            if any_cookie is not None and flow.cookies:
                text = "\n".join(flow.cookies)
                if any_cookie.search(text):
                    found += [s.id for s in cookies if s.pattern and any(
                        s.pattern.search(c) for c in flow.cookies)]
            return found

        return observe


def _path(url: str) -> str:
    start = url.find("//")
    slash = url.find("/", start + 2) if start >= 0 else -1
    if slash < 0:
        return "/"
    end = min((i for i in (url.find("?", slash), url.find("#", slash)) if i >= 0),
              default=len(url))
    return url[slash:end]


def load_signatures(path: Path | str | None = None) -> Signatures:
    return _load(str(path or data_path("cloaking.toml")))


@lru_cache(maxsize=4)
def _load(path: str) -> Signatures:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        items = []
        seen: set[str] = set()
        for i, entry in enumerate(raw.get("signatures", [])):
            where = f"{path}: signatures[{i}]"
            sid, kind = entry["id"], entry["kind"]
            if kind not in KINDS:
                raise UsageError(f"{where}: unknown kind {kind!r} (known: {', '.join(KINDS)})")
            if sid in seen:
                raise UsageError(f"{where}: signature id {sid!r} defined twice")
            seen.add(sid)
            if not str(entry.get("source", "")).strip() or not str(entry.get("basis", "")):
                raise UsageError(f"{where}: a signature needs its source and basis")
            pattern = re.compile(entry["pattern"]) if entry.get("pattern") else None
            if kind in ("path", "query", "cookie") and pattern is None:
                raise UsageError(f"{where}: kind {kind!r} needs a pattern")
            items.append(Signature(
                id=sid, service=entry["service"], kind=kind, strong=bool(entry["strong"]),
                label=entry["label"], source=entry["source"], basis=entry["basis"],
                pattern=pattern, params=tuple(entry.get("params", ())),
                asns=tuple(int(a) for a in entry.get("asns", ())),
                organisations=tuple(entry.get("organisations", ()))))
        categories = frozenset(raw.get("generic", {}).get("categories", ()))
        return Signatures(tuple(items), categories, raw.get("meta", {}).get("checked"), path)
    except (OSError, KeyError, TypeError, ValueError, re.error) as e:
        raise UsageError(f"{path}: not a usable cloaking signature file: {e}") from e


@dataclass
class Cloak:
    """The vendor service a first-party host is attributed to, and why."""

    service: str
    evidence: list[CloakEvidence] = field(default_factory=list)


def detect(hosts: Mapping[str, Any], first_party: set[str], page_hosts: set[str], kb: Any,
           signatures: Signatures, ip_lookup: Callable[[str], Any] | None = None,
           cnames: Mapping[str, list[str]] | None = None) -> dict[str, Cloak]:
    """Hosts under ``first_party`` domains (other than the pages' own) that the evidence
    attributes to a vendor. ``hosts`` maps host -> graph.HostStats."""
    page_asns = _asns(_ips(hosts, page_hosts), ip_lookup)
    # the site's own operator is never "cloaked" behind itself (adobe.com measuring adobe.com)
    site_operators = {m.chain[0].id for d in first_party if (m := kb.match(d))}
    out: dict[str, Cloak] = {}
    for host, stats in sorted(hosts.items()):
        if host in page_hosts or registrable_domain(host) not in first_party:
            continue
        found: dict[str, list[CloakEvidence]] = {}

        def add(service: str, ev: CloakEvidence) -> None:
            found.setdefault(service, []).append(ev)

        for sid, evidence in stats.signatures.items():
            sig = signatures.by_id(sid)
            add(sig.service, CloakEvidence(host=host, signal="cookie" if sig.kind == "cookie"
                                           else "request-path" if sig.kind == "path"
                                           else "query", detail=sig.label, strong=sig.strong,
                                           source=sig.source, evidence=evidence))
        if ip_lookup is not None:
            for ip in sorted(stats.server_ips):
                info = _lookup(ip_lookup, ip)
                asn = getattr(info, "asn", None)
                for sig in signatures.items:
                    if sig.kind == "asn" and asn in sig.asns and asn not in page_asns:
                        add(sig.service, CloakEvidence(
                            host=host, signal="asn", strong=sig.strong, source=sig.source,
                            detail=f"{ip}: AS{asn} {getattr(info, 'as_org', '') or ''} - "
                                   f"{sig.label}; the page's servers are in another network"))
        tls = stats.tls
        if tls is not None:
            for sig in signatures.items:
                if sig.kind == "tls-organisation" and tls.organisation in sig.organisations:
                    add(sig.service, CloakEvidence(
                        host=host, signal="tls-organisation", strong=sig.strong,
                        source=sig.source,
                        detail=f"server certificate subject organisation {tls.organisation!r}"))
            for san in tls.sans:
                service = _tracking_service(san, first_party, kb, signatures)
                if service:
                    add(service, CloakEvidence(
                        host=host, signal="tls-san", source="kb:organisations.toml",
                        detail=f"server certificate names {san}, a host of the "
                               f"knowledge base's service {service!r}"))
        for target in (cnames or {}).get(host, []):
            service = _tracking_service(target, first_party, kb, signatures)
            if service:
                chain = " -> ".join([host, *cnames[host]])  # type: ignore[index]
                add(service, CloakEvidence(
                    host=host, signal="cname", source="dns (--online)",
                    detail=f"DNS CNAME chain {chain}; {target} belongs to the knowledge "
                           f"base's service {service!r}"))
                break
        strong = {svc: evs for svc, evs in found.items() if any(e.strong for e in evs)
                  and (svc_record := kb.service(svc)) is not None
                  and svc_record.operator not in site_operators}
        if strong:
            service = max(sorted(strong), key=lambda s: sum(e.strong for e in strong[s]))
            out[host] = Cloak(service, strong[service])
    return out


def _tracking_service(name: str, first_party: set[str], kb: Any,
                      signatures: Signatures) -> str | None:
    name = name.lower().removeprefix("*.").rstrip(".")
    if not name or registrable_domain(name) in first_party:
        return None
    match = kb.match(name)
    if match and match.service.category in signatures.categories:
        return str(match.service.id)
    return None


def _ips(hosts: Mapping[str, Any], names: Iterable[str]) -> set[str]:
    return {ip for n in names if n in hosts for ip in hosts[n].server_ips}


def _asns(ips: set[str], ip_lookup: Callable[[str], Any] | None) -> set[int]:
    if ip_lookup is None:
        return set()
    return {a for ip in ips if (a := getattr(_lookup(ip_lookup, ip), "asn", None))}


def _lookup(ip_lookup: Callable[[str], Any], ip: str) -> Any:
    try:
        return ip_lookup(ip)
    except Exception:  # noqa: BLE001 - an unparsable address is no evidence
        return None
