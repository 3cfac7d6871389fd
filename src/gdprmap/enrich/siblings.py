"""The site's own domains: first party *probable* (issue 15).

Real sites load from their own CDNs and sister domains (``aftonbladet-cdn.se``,
``scribdassets.com``). Without a knowledge-base record they would be ``unknown`` third parties.
The capture often shows they are the site's: the brand in the name, the page's own server block,
cookies the site sets on both, the certificate's names, the knowledge base's group. Such a
domain stays a recipient - a guess never drops one - marked ``first_party_probable`` with its
reasons, shown apart in the reports; ``--first-party DOMAIN`` settles it.

The rules and their guards against coincidences are data (``data/first-party.toml``).
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..models import FirstPartyReason
from ..resources import data_path
from .domains import is_ip, registrable_domain


@dataclass(frozen=True)
class Rules:
    min_brand: int
    asset_words: frozenset[str]
    generic_cookies: frozenset[str]
    shared_asns: frozenset[int]


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> Rules:
    where = path or str(data_path("first-party.toml"))
    try:
        raw = tomllib.loads(Path(where).read_text(encoding="utf-8"))
        return Rules(int(raw["min_brand"]), frozenset(raw["asset_words"]),
                     frozenset(c.lower() for c in raw["generic_cookies"]),
                     frozenset(int(a) for a in raw["shared_asns"]))
    except (OSError, KeyError, TypeError, ValueError) as e:
        raise UsageError(f"{where}: not a usable first-party rules file: {e}") from e


def brand(domain: str) -> str:
    """The label before the public suffix: ``theverge`` for ``www.theverge.com``."""
    return registrable_domain(domain).split(".", 1)[0]


def brand_match(site: str, candidate: str, rules: Rules) -> bool:
    """Does ``candidate``'s label carry ``site``'s brand, with nothing but asset words around
    it? ``aftonbladet-cdn.se`` / ``scribdassets.com``: yes; ``freewheel.tv`` for ``free.fr``,
    ``bikeadvisor.com`` for ``ikea.com``, ``orange-juice-ads.com`` for ``orange.fr``: no. The
    name written with and without hyphens is the same name (``el-mundo.net`` for ``elmundo.es``)."""
    token = brand(site)
    label = brand(candidate)
    if token not in label and "-" in token + label:
        token, label = token.replace("-", ""), label.replace("-", "")
    if len(token) < rules.min_brand or not label or token not in label:
        return False
    rest = [p for p in re.split(r"[-_.0-9]+", label.replace(token, "-", 1)) if p]
    if label == token or all(p in rules.asset_words for p in rest):
        return True
    # a glued asset word: "scribdassets" = brand + "assets"
    glued = label.replace(token, "", 1).strip("-_0123456789")
    return glued in rules.asset_words


def _block(ip: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    return ipaddress.ip_network(f"{ip}/{24 if addr.version == 4 else 48}", strict=False)


def probable(hosts: Mapping[str, Any], first_party: set[str], page_hosts: set[str], kb: Any,
             ip_lookup: Callable[[str], Any] | None = None,
             rules: Rules | None = None,
             visited: Mapping[str, str] | None = None,
             tenants: set[str] | frozenset[str] = frozenset(),
             ) -> dict[str, list[FirstPartyReason]]:
    """Registrable domains (not first party) that the capture says are probably the site's,
    with the reasons. ``hosts`` maps host -> graph.HostStats; ``visited`` maps the host of a
    page the capture visited (other than the first) to how the capture says so; ``tenants``
    are first-party domains of hosting platforms the site is a tenant of (github.io): neither
    their operator, group nor name is the site's."""
    rules = rules or load_rules()
    pages = [h for h in page_hosts if h in hosts]
    sites = sorted(first_party - tenants)
    site_operators = {m.chain[0].id for d in sites if (m := kb.match(d))}
    site_groups = {m.chain[-1].id for d in sites if (m := kb.match(d))}
    page_ips = {ip for h in pages for ip in hosts[h].server_ips}
    page_blocks = {b for ip in page_ips if (b := _block(ip))}
    page_cookies = {c for h in pages for c in hosts[h].cookie_names
                    if c.lower() not in rules.generic_cookies}
    page_sans = {s.removeprefix("*.") for h in pages if hosts[h].tls for s in hosts[h].tls.sans}

    def asn(ip: str) -> int | None:
        if ip_lookup is None:
            return None
        try:
            return getattr(ip_lookup(ip), "asn", None)
        except Exception:  # noqa: BLE001 - no evidence
            return None

    # networks a third party the knowledge base knows is served from: shared by definition
    foreign_asns: set[int] = set()
    if ip_lookup is not None:
        for host, stats in hosts.items():
            match = kb.match(host)
            if match and match.chain[0].id not in site_operators and \
                    registrable_domain(host) not in first_party:
                foreign_asns.update(a for ip in stats.server_ips if (a := asn(ip)))

    by_domain: dict[str, list[str]] = {}
    for host in hosts:
        domain = registrable_domain(host)
        if domain not in first_party and not is_ip(host):
            by_domain.setdefault(domain, []).append(host)

    out: dict[str, list[FirstPartyReason]] = {}
    for domain, names in sorted(by_domain.items()):
        reasons: list[FirstPartyReason] = []
        matches = [m for h in names if (m := kb.match(h))]
        if matches:
            groups = {m.chain[-1].id for m in matches}
            if site_groups and groups <= site_groups and not (
                    {m.chain[0].id for m in matches} <= site_operators):
                names_ = ", ".join(sorted({m.chain[0].name for m in matches}))
                reasons.append(FirstPartyReason(
                    signal="kb-group", domain=domain,
                    detail=f"the knowledge base gives {domain} to {names_}, of the same group "
                           "as the site's operator"))
            if not reasons:
                continue  # the knowledge base names another organisation: never the site's
        for site in sites:
            if brand_match(site, domain, rules):
                reasons.append(FirstPartyReason(
                    signal="brand-token", domain=domain,
                    detail=f"{domain} carries the site's name '{brand(site)}' ({site}) with "
                           "only asset words around it"))
                break
        ips = {ip for h in names for ip in hosts[h].server_ips}
        for ip in sorted(ips):
            block = _block(ip)
            number = asn(ip)
            if block in page_blocks and number is not None and \
                    number not in rules.shared_asns and number not in foreign_asns:
                reasons.append(FirstPartyReason(
                    signal="same-network", domain=domain,
                    detail=f"server {ip} is in the page's own block {block} (AS{number}, a "
                           "network no other organisation in the capture uses)"))
                break
        shared = sorted(page_cookies & {c for h in names for c in hosts[h].cookie_names})
        if shared:
            reasons.append(FirstPartyReason(
                signal="shared-cookie", domain=domain,
                detail="cookies of the same name sent to the page's host and to "
                       f"{domain}: {', '.join(shared[:5])}"))
        sans_here = {s.removeprefix("*.") for h in names if hosts[h].tls
                     for s in hosts[h].tls.sans}
        if any(registrable_domain(s) == domain for s in page_sans):
            reasons.append(FirstPartyReason(
                signal="tls-san", domain=domain,
                detail=f"the page's server certificate also names {domain}"))
        elif any(registrable_domain(s) in first_party for s in sans_here):
            reasons.append(FirstPartyReason(
                signal="tls-san", domain=domain,
                detail=f"the certificate of {domain} also names the site's domain"))
        for host, how in sorted((visited or {}).items()):
            if registrable_domain(host) == domain:
                reasons.append(FirstPartyReason(signal="visited-page", domain=domain,
                                                detail=f"{how}: {host}"))
                break
        if reasons:
            out[domain] = reasons
    return out
