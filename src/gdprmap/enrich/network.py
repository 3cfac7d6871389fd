"""Enrichers that add network facts to judged recipients: IP data, a public catalogue's name and
registration data.

The ``Enricher`` seam (design notes, "Extension seams"): an enricher has a stable ``id``, says
what it ``provides``, and ``enrich``-es one recipient into an ``Additions`` record (facts,
informational findings, server countries). Built-ins register in ``ENRICHERS`` through the
same ``register`` a third party would use; ``enricher_for(id)`` refuses unknown ids.

No enricher changes a verdict. The verdict rests on the receiving legal entity from the
knowledge base. Four countries are kept apart: the entity's (``organisation.country``), its
ultimate parent's (``organisation.parent_country``), the servers' (``server_countries``, from IP
data, indicative) and the registrant's (a ``Fact`` from WHOIS/RDAP). When the servers' country
is none of the places the knowledge base records, an informational finding shows both sources.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from .. import catalogs
from ..errors import UsageError
from ..jurisdictions import eea_codes
from ..models import Evidence, Fact, Finding, FirstPartyReason, Recipient, Severity
from .catalogue import Catalogue, CatalogueEntry, default_catalogue
from .ipdb import IpDatabase, IpInfo
from .registrant import Registration

RULE_SERVER_LOCATION = "GM-INFO-SERVER-LOCATION"
RULE_REGISTRANT = "GM-INFO-REGISTRANT"
RULE_CATALOGUE = "GM-INFO-CATALOGUE"
ADDRESSES_SHOWN = 5  # addresses named in a network fact (issue 19)


@dataclass(frozen=True)
class Additions:
    facts: tuple[Fact, ...] = ()
    findings: tuple[Finding, ...] = ()
    server_countries: tuple[str, ...] = ()
    # issue 15: reasons to think the recipient is the site's own (e.g. the same registrant)
    first_party_reasons: tuple[FirstPartyReason, ...] = ()


@dataclass
class EnrichContext:
    lang: str = "en"
    sample: Callable[[Recipient], tuple[Evidence, ...]] = lambda r: ()


class Enricher(Protocol):
    id: str
    provides: tuple[str, ...]

    def enrich(self, recipient: Recipient, context: EnrichContext) -> Additions: ...


ENRICHERS: dict[str, Callable[..., Enricher]] = {}


def register(enricher_id: str, factory: Callable[..., Enricher]) -> None:
    ENRICHERS[enricher_id] = factory


def enricher_for(enricher_id: str, *args: object, **kwargs: object) -> Enricher:
    try:
        factory = ENRICHERS[enricher_id]
    except KeyError:
        raise UsageError(f"unknown enricher {enricher_id!r} "
                         f"(known: {', '.join(sorted(ENRICHERS))})") from None
    return factory(*args, **kwargs)


class IpSource(Protocol):
    @property
    def data_date(self) -> str | None: ...

    def lookup(self, address: str) -> IpInfo: ...


class RegistrationSource(Protocol):
    def lookup(self, domain: str) -> Registration | None: ...


# --- IP data --------------------------------------------------------------------------------


@dataclass
class IpDataEnricher:
    """Server IPs -> ASN, AS organisation, country (bundled ip-location-db, offline)."""

    database: IpSource = field(default_factory=IpDatabase)
    id: str = "ip-data"
    provides: tuple[str, ...] = ("server_countries", "facts")

    def enrich(self, recipient: Recipient, context: EnrichContext) -> Additions:
        """One fact per network (ASN and country, or special-purpose range), not one per
        address (issue 19): how many addresses, and up to ``ADDRESSES_SHOWN`` of them. A lone
        address keeps the per-address wording."""
        countries: list[str] = []
        date = _date(self.database.data_date)
        networks: dict[tuple[str, int, str, str], list[str]] = {}
        sources: dict[tuple[str, int, str, str], str] = {}
        for ip in recipient.server_ips:
            try:
                info = self.database.lookup(ip)
            except Exception:  # noqa: BLE001 - an unparsable address is left unexplained
                continue
            key = (info.special or "", info.asn or 0, info.as_org or "", info.country or "")
            # the recipient's own string when it is the same address (one copy, issue 17)
            networks.setdefault(key, []).append(ip if info.ip == ip else info.ip)
            sources.setdefault(key, info.source)
            if info.country and not info.special and info.country not in countries:
                countries.append(info.country)
        sampled = recipient.server_ips_sampled
        lang = context.lang
        say = catalogs.table(lang, "network")
        of = say["of_sample"].format(n=catalogs.integer(len(recipient.server_ips), lang)) \
            if sampled else ""
        facts: list[Fact] = []
        for key, addresses in sorted(networks.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            special, asn, as_org, country = key
            addresses.sort()
            subject: str | None
            if len(addresses) == 1 and not sampled:
                head, subject = f"{addresses[0]}: ", addresses[0]
            else:
                shown = ", ".join(addresses[:ADDRESSES_SHOWN])
                rest = ", ..." if len(addresses) > ADDRESSES_SHOWN else ""
                head = say["addresses"].format(n=catalogs.integer(len(addresses), lang), of=of,
                                               shown=shown, rest=rest)
                subject = f"AS{asn}" if asn else (country or special or None)
            if special:
                facts.append(Fact(value=head + say["special"].format(special=special),
                                  source="ipaddress (IANA special-purpose registries)",
                                  subject=subject))
                continue
            parts = []
            if asn:
                parts.append(f"AS{asn}" + (f" {as_org}" if as_org else ""))
            parts.append(say["country"].format(country=country) if country
                         else say["no_country"])
            facts.append(Fact(value=head + ", ".join(parts), source=sources[key],
                              reference="npm @ip-location-db/asn, "
                                        "@ip-location-db/geo-whois-asn-country",
                              checked=date, subject=subject, note=say["indicative"]))
        findings = []
        conflict = _location_conflict(recipient, countries, context.lang, source_label=(
            f"ip-location-db {self.database.data_date or ''}".strip()))
        if conflict:
            findings.append(conflict)
        return Additions(tuple(facts), tuple(findings), tuple(sorted(countries)))


def _location_conflict(recipient: Recipient, server_countries: list[str], lang: str,
                       source_label: str) -> Finding | None:
    org = recipient.organisation
    if org is None or not server_countries:
        return None
    kb_places = {d.country for d in recipient.destinations} or {org.country}
    outside = [c for c in server_countries if c not in kb_places]
    if not outside:
        return None
    kb_text = ", ".join(sorted(kb_places))
    srv_text = ", ".join(outside)
    say = catalogs.table(lang, "network")
    eea = eea_codes()
    eea_note = ""
    if kb_places <= eea and any(c not in eea for c in outside):
        eea_note = say["eea_note"]
    title = say["location_title"]
    text = say["location"].format(srv=srv_text, source=source_label, kb=kb_text,
                                  eea_note=eea_note)
    return Finding(rule=RULE_SERVER_LOCATION, title=title, severity=Severity.INFO,
                   explanation=text)


# --- a public catalogue's name (issue 15) ---------------------------------------------------

CATALOGUE_NAMES_SHOWN = 3  # entries named per recipient (a recipient is one registrable domain)
CATALOGUE_HOSTS_SHOWN = 3


@dataclass
class CatalogueEnricher:
    """For recipients the knowledge base does not know: the catalogue's name for their hosts."""

    catalogue: Catalogue
    id: str = "catalogue"
    provides: tuple[str, ...] = ("facts", "findings")

    def enrich(self, recipient: Recipient, context: EnrichContext) -> Additions:
        if recipient.organisation is not None:
            return Additions()
        named: dict[CatalogueEntry, list[str]] = {}
        for host in recipient.hosts:
            entry = self.catalogue.lookup(host)
            if entry is not None:
                named.setdefault(entry, []).append(host)
        if not named:
            return Additions()
        say = catalogs.table(context.lang, "catalogue")
        cat = self.catalogue
        facts: list[Fact] = []
        findings: list[Finding] = []
        for entry, hosts in sorted(named.items(), key=lambda kv: (-len(kv[1]), kv[0].name)):
            if len(facts) == CATALOGUE_NAMES_SHOWN:
                break
            shown = ", ".join(sorted(hosts)[:CATALOGUE_HOSTS_SHOWN]) + (
                ", ..." if len(hosts) > CATALOGUE_HOSTS_SHOWN else "")
            who = say["who_company"].format(name=entry.name, company=entry.company) \
                if entry.company else say["who"].format(name=entry.name)
            kind = say["category"].format(category=entry.category) if entry.category else ""
            facts.append(Fact(value=say["fact"].format(hosts=shown, who=who, kind=kind),
                              source=cat.label, reference=entry.homepage or cat.url,
                              checked=cat.published, subject=_domain(recipient),
                              note=say["note"]))
            findings.append(Finding(
                rule=RULE_CATALOGUE, title=say["title"], severity=Severity.INFO,
                explanation=say["explanation"].format(
                    catalogue=cat.label, published=cat.published or "?", url=cat.url,
                    hosts=shown, who=who, kind=kind)))
        return Additions(tuple(facts), tuple(findings))


def _domain(recipient: Recipient) -> str | None:
    kind, _, name = recipient.id.partition(":")
    return name if kind == "domain" else None


# --- registration data ----------------------------------------------------------------------


@dataclass
class RegistrationEnricher:
    """For recipients the knowledge base does not know: the domain's registrant (RDAP/WHOIS).

    The registrant is evidence of who holds the domain, not of who receives the data (a CDN
    customer, a brand-protection registrar or a privacy proxy may hold it), so it becomes a
    ``Fact`` and an informational finding; it never fills ``organisation`` and never changes the
    ``unknown`` verdict.
    """

    source: RegistrationSource
    id: str = "registration"
    provides: tuple[str, ...] = ("facts", "findings", "first_party_reasons")
    # issue 15: the site's own registrable domains; a recipient domain registered to the same
    # organisation is probably the site's own (a reason shown, never a verdict)
    site_domains: tuple[str, ...] = ()
    _site: list[Registration] | None = field(default=None, init=False, repr=False)

    def enrich(self, recipient: Recipient, context: EnrichContext) -> Additions:
        if recipient.organisation is not None or not recipient.id.startswith("domain:"):
            return Additions()
        domain = recipient.id.split(":", 1)[1]
        reg = self.source.lookup(domain)
        if reg is None:
            return Additions()
        facts = _registration_facts(reg)
        if not facts:
            return Additions()
        return Additions(tuple(facts), (_registrant_finding(reg, context.lang),),
                         first_party_reasons=self._same_registrant(reg))

    def _same_registrant(self, reg: Registration) -> tuple[FirstPartyReason, ...]:
        if not reg.organisation or not self.site_domains:
            return ()
        if self._site is None:  # the site's own registrations, asked once and only if needed
            self._site = [r for d in self.site_domains if (r := self.source.lookup(d))]
        for site in self._site:
            if site.organisation and same_organisation(site.organisation, reg.organisation):
                return (FirstPartyReason(
                    signal="same-registrant", domain=reg.domain,
                    detail=f"registered to {reg.organisation} like the site's {site.domain} "
                           f"({reg.protocol.upper()} {reg.server}, {reg.retrieved[:10]})"),)
        return ()


_LEGAL_FORMS = frozenset("inc incorporated llc ltd limited corp corporation co company gmbh ag "
                         "sa sas sarl sasu srl spa bv nv plc ab as oy aps kg se lp llp pty "
                         "the".split())


def same_organisation(a: str, b: str) -> bool:
    """'Vox Media, LLC' and 'VOX MEDIA LLC' are one organisation; 'Vox Media' and 'Vox
    Holdings' are not (legal forms and punctuation aside, the names must be equal)."""
    def words(name: str) -> tuple[str, ...]:
        import re

        flat = re.sub(r"[^\w\s]", " ", name.casefold().replace(".", ""))
        return tuple(w for w in flat.split() if w not in _LEGAL_FORMS)

    wa, wb = words(a), words(b)
    return bool(wa) and wa == wb


def _registration_facts(reg: Registration) -> list[Fact]:
    checked = _date(reg.retrieved[:10]) if reg.retrieved else None
    ref = f"{reg.protocol} {reg.server}"
    facts = []
    if reg.organisation:
        facts.append(Fact(value=f"registrant organisation of {reg.domain}: {reg.organisation}",
                          source=reg.protocol, reference=ref, checked=checked,
                          subject=reg.domain, note="registration data: names the domain "
                          "holder, not necessarily the entity receiving the data"))
    if reg.country:
        facts.append(Fact(value=f"registrant country of {reg.domain}: {reg.country}",
                          source=reg.protocol, reference=ref, checked=checked,
                          subject=reg.domain, note="registration data"))
    for kind in reg.redacted:
        facts.append(Fact(value=f"registrant {kind} of {reg.domain}: redacted for privacy",
                          source=reg.protocol, reference=ref, checked=checked,
                          subject=reg.domain, note="withheld by the registry or registrar"))
    for note in reg.notes:
        facts.append(Fact(value=f"{reg.domain}: {note}", source=reg.protocol, reference=ref,
                          checked=checked, subject=reg.domain))
    return facts


def _registrant_finding(reg: Registration, lang: str) -> Finding:
    when = reg.retrieved[:10] if reg.retrieved else "?"
    proto = reg.protocol.upper()
    say = catalogs.table(lang, "network")
    who = (say["who"].format(org=reg.organisation) if reg.organisation
           else say["who_redacted"] if reg.redacted else say["who_none"])
    where = say["where"].format(country=reg.country) if reg.country else ""
    title = say["registrant_title"]
    text = say["registrant"].format(proto=proto, server=reg.server, when=when, who=who,
                                    where=where, domain=reg.domain)
    return Finding(rule=RULE_REGISTRANT, title=title, severity=Severity.INFO, explanation=text)


@lru_cache(maxsize=64)  # one date object for the facts of every recipient (issue 17)
def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


register("ip-data", IpDataEnricher)
register("catalogue", CatalogueEnricher)
register("registration", RegistrationEnricher)


def apply(recipients: dict[str, Recipient], enrichers: list[Enricher],
          context: EnrichContext) -> dict[str, Recipient]:
    """Recipients with every enricher's additions folded in (verdicts untouched). Each is
    replaced in ``recipients`` itself, which is returned (issue 17: a second dict of 64,000
    recipients beside the first raised the peak by a tenth)."""
    for rid, rec in recipients.items():
        facts, findings, countries = list(rec.facts), list(rec.findings), list(
            rec.server_countries)
        reasons = list(rec.first_party_reasons)
        for enricher in enrichers:
            add = enricher.enrich(rec, context)
            facts += add.facts
            findings += add.findings
            countries += [c for c in add.server_countries if c not in countries]
            reasons += add.first_party_reasons
        update: dict[str, object] = {"facts": tuple(facts), "findings": tuple(findings),
                                     "server_countries": tuple(countries)}
        if reasons and not rec.cloaked:
            update.update(first_party_probable=True, first_party_reasons=tuple(reasons))
        if rec.organisation is not None and rec.organisation.source is None:
            update["organisation"] = rec.organisation.model_copy(
                update={"source": "kb"})
        recipients[rid] = rec.model_copy(update=update)
    return recipients


@dataclass(frozen=True)
class NetworkResult:
    recipients: dict[str, Recipient]
    lookups: tuple[Any, ...] = ()  # tuple[Lookup, ...]
    ipdb_date: str | None = None


def enrich_recipients(recipients: dict[str, Recipient], *, lang: str = "en",
                      ip_data: bool = True, online: bool = False, online_options: Any = None,
                      registration_source: RegistrationSource | None = None,
                      ip_source: IpSource | None = None,
                      site_domains: tuple[str, ...] = (),
                      catalogue: bool = True) -> NetworkResult:
    """The assessment's network step: IP data (offline, on by default), the public catalogue's
    name for hosts the knowledge base does not know (offline, ``enrich.catalogue``) and, with
    ``online`` or an injected ``registration_source``, registration lookups (RDAP/WHOIS). The
    enriched recipients replace the given ones in ``recipients`` (see ``apply``)."""
    enrichers: list[Enricher] = []
    ipdb_date = None
    if ip_data:
        db = ip_source if ip_source is not None else _default_ipdb()
        enrichers.append(IpDataEnricher(db))
        ipdb_date = db.data_date
    source = registration_source
    if source is None and online:
        from .online import OnlineOptions, RegistrationLookup

        source = RegistrationLookup(online_options or OnlineOptions())
    if catalogue:
        enrichers.append(CatalogueEnricher(default_catalogue()))
    if source is not None:
        enrichers.append(RegistrationEnricher(source, site_domains=site_domains))
    out = apply(recipients, enrichers, EnrichContext(lang=lang))
    lookups = tuple(getattr(source, "lookups", ()) or ())
    return NetworkResult(out, lookups, ipdb_date)


def _default_ipdb() -> IpSource:
    from .ipdb import default_database

    return default_database()
