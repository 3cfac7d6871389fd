"""What a public catalogue of third parties calls a host the knowledge base does not know.

The bundled ``data/third-party-web.json`` is derived from the MIT-licensed third-party-web
catalogue (``scripts/build_catalogue.py``), which names the product or company behind the hosts
that HTTP Archive's crawls see. It is a pointer, not a legal source: it names no legal entity and
no country, and it has errors. So, like registration data, an entry becomes a ``Fact`` and an
informational finding on a recipient the knowledge base leaves without an organisation
(``enrich.network.CatalogueEnricher``); it never fills ``organisation`` and never changes a
verdict (issue 15: a name for the long tail, without inventing the entity that receives the
data).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..resources import data_path


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


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    return Catalogue.load()
