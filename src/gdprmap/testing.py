"""Offline fakes for tests and for library users who want reproducible runs.

- ``StaticWhois``: registration data from a mapping, or from raw WHOIS texts parsed with the
  same code as live answers (python-whois's ``WhoisEntry.load`` plus gdprmap's normalisation).
- ``StaticAsn``: IP data from a mapping of address or network to (ASN, AS organisation,
  country); special-purpose addresses are recognised as in the real database.

    >>> from gdprmap import analyze
    >>> from gdprmap.testing import StaticAsn, StaticWhois
    >>> whois = StaticWhois({"tracker.example": {"organisation": "Tracker Ltd", "country": "GB"}})
    >>> asn = StaticAsn({"203.0.113.0/24": (64500, "Example AS", "US")})
    >>> a = analyze("capture.har", registration_source=whois, ip_source=asn)  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Mapping

from .enrich.ipdb import IpInfo, special_range
from .enrich.registrant import Registration
from .models import Lookup

FAKE_TIME = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class StaticWhois:
    """A ``RegistrationSource`` answering from memory; records ``Lookup``s like the real one.

    ``answers`` maps a registrable domain to a dict (``organisation``, ``country``,
    ``redacted``) or to raw WHOIS text (parsed exactly as a live answer).
    """

    def __init__(self, answers: Mapping[str, Mapping[str, object] | str],
                 server: str = "static", retrieved: dt.datetime = FAKE_TIME) -> None:
        self.answers = {k.lower(): v for k, v in answers.items()}
        self.server, self.retrieved = server, retrieved
        self.lookups: list[Lookup] = []

    def lookup(self, domain: str) -> Registration | None:
        from .enrich import whois

        answer = self.answers.get(domain.lower())
        when = self.retrieved.isoformat()
        if answer is None:
            self.lookups.append(Lookup(protocol="whois", query=domain, server=self.server,
                                       time=self.retrieved, status="not-found"))
            return None
        self.lookups.append(Lookup(protocol="whois", query=domain, server=self.server,
                                   time=self.retrieved, status="ok"))
        if isinstance(answer, str):
            return whois.parse(domain, answer, self.server, when)
        return Registration(domain=domain, protocol="whois", server=self.server, retrieved=when,
                            organisation=answer.get("organisation"),  # type: ignore[arg-type]
                            country=answer.get("country"),  # type: ignore[arg-type]
                            redacted=tuple(answer.get("redacted", ())))  # type: ignore[arg-type]


class StaticAsn:
    """An ``IpSource`` answering from a mapping of address or CIDR -> (asn, org, country)."""

    def __init__(self, table: Mapping[str, tuple[int | None, str | None, str | None]],
                 data_date: str | None = "2026-01-01") -> None:
        self.data_date = data_date
        self._nets = sorted(((ipaddress.ip_network(k, strict=False), v) for k, v in table.items()),
                            key=lambda kv: -kv[0].prefixlen)  # most specific first

    def lookup(self, address: str) -> IpInfo:
        ip = ipaddress.ip_address(address.strip("[]"))
        source = f"static-asn {self.data_date or ''}".strip()
        if kind := special_range(ip):
            return IpInfo(ip=str(ip), special=kind, source=source)
        for net, (asn, org, country) in self._nets:
            if ip.version == net.version and ip in net:
                return IpInfo(ip=str(ip), asn=asn, as_org=org, country=country, source=source)
        return IpInfo(ip=str(ip), source=source)


class StaticCnames:
    """A CNAME source (issue 15) answering from a mapping host -> CNAME targets; records
    ``Lookup``s (protocol "dns") like ``enrich.online.CnameLookup``."""

    def __init__(self, chains: Mapping[str, list[str]], server: str = "static") -> None:
        self.chains = {k.lower(): list(v) for k, v in chains.items()}
        self.server = server
        self.lookups: list[Lookup] = []

    def chain(self, host: str) -> list[str]:
        targets = self.chains.get(host.lower(), [])
        self.lookups.append(Lookup(protocol="dns", query=host, server=self.server,
                                   time=FAKE_TIME, status="ok",
                                   detail=" -> ".join(targets) or "no CNAME"))
        return targets
