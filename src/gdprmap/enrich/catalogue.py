"""What a public catalogue of third parties calls a host the knowledge base does not know.

The bundled ``data/third-party-web.json`` is derived from the MIT-licensed third-party-web
catalogue (``scripts/build_catalogue.py``), which names the product or company behind the hosts
that HTTP Archive's crawls see. It is a pointer, not a legal source: it names no legal entity and
no country, and it has errors. So, like registration data, an entry becomes a ``Fact`` and an
informational finding on a recipient the knowledge base leaves without an organisation; it never
fills ``organisation`` and never changes a verdict (issue 15: a name for the long tail, without
inventing the entity that receives the data).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .. import catalogs
from ..models import Fact, Finding, Recipient, Severity
from ..resources import data_path
from .network import Additions, EnrichContext

RULE_CATALOGUE = "GM-INFO-CATALOGUE"
NAMES_SHOWN = 3  # catalogue entries named per recipient (a recipient is one registrable domain)
HOSTS_SHOWN = 3


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    company: str | None  # only when the catalogue names a company other than ``name``
    category: str | None
    homepage: str | None


@dataclass(frozen=True)
class Catalogue:
    entries: tuple[CatalogueEntry, ...]
    hosts: dict[str, int]  # "*.example.com" (domain and subdomains) or an exact host -> entry
    label: str  # "third-party-web 0.30.0"
    published: dt.date | None
    url: str

    @classmethod
    def load(cls, path: Path | None = None) -> Catalogue:
        raw = json.loads((path or data_path("third-party-web.json")).read_text("utf-8"))
        src = raw["source"]
        return cls(
            entries=tuple(CatalogueEntry(*row) for row in raw["entries"]),
            hosts=raw["hosts"],
            label=f"{src['package']} {src['version']}",
            published=dt.date.fromisoformat(src["published"]) if src.get("published") else None,
            url=src["url"],
        )

    def lookup(self, host: str) -> CatalogueEntry | None:
        """The entry for ``host``: the host itself, else the closest ``*.`` pattern above it
        (the catalogue's own rule: ``*.example.com`` covers example.com and its subdomains)."""
        host = host.lower().rstrip(".")
        index = self.hosts.get(host)
        labels = host.split(".")
        i = 0
        while index is None and i < len(labels) - 1:  # never a bare top-level domain
            index = self.hosts.get("*." + ".".join(labels[i:]))
            i += 1
        return self.entries[index] if index is not None else None


def _domain(recipient: Recipient) -> str | None:
    kind, _, name = recipient.id.partition(":")
    return name if kind == "domain" else None


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    return Catalogue.load()


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
        facts, findings = [], []
        for entry, hosts in sorted(named.items(), key=lambda kv: (-len(kv[1]), kv[0].name)):
            if len(facts) == NAMES_SHOWN:
                break
            shown = ", ".join(sorted(hosts)[:HOSTS_SHOWN]) + (
                ", ..." if len(hosts) > HOSTS_SHOWN else "")
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

