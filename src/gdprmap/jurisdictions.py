"""EU/EEA membership, read from the ontology (``ontologies/jurisdictions.ttl``), the one copy.

Each ``gm:Jurisdiction`` inside the EEA for the GDPR has one or more ``gm:eeaMembership``
periods (``gm:from``, optional ``gm:until``): the EU and EEA EFTA states, the EU's outermost
regions and Åland (TFEU Art. 349, 355(4)), and the United Kingdom until 2020-12-31 (Withdrawal
Agreement Art. 126-127). The file is made by ``scripts/make_jurisdictions.py``.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

GM = "https://w3id.org/gdprmap/ns#"

Period = tuple[dt.date, dt.date | None]


@lru_cache(maxsize=1)
def eea_periods() -> dict[str, tuple[Period, ...]]:
    """ISO 3166-1 alpha-2 code -> its EEA membership periods ``(from, until or None)``. The
    parsed form is kept in the derived-data cache, named by the SHA-256 of the file and of this
    module, so the Turtle is parsed again only when it changed."""
    import json
    from pathlib import Path

    from .resources import DerivedCache, bundled_dir, digest

    source = (bundled_dir("ontologies") / "jurisdictions.ttl").read_bytes()
    cache = DerivedCache("eea", digest(source, Path(__file__).read_bytes()))
    raw = cache.read()
    if raw:
        try:
            stored = json.loads(raw)
            return {str(code): tuple((_date(a), _date(b) if b else None) for a, b in periods)
                    for code, periods in stored.items()}
        except (ValueError, TypeError, AttributeError):
            pass  # a damaged entry is a miss
    periods = _parse(source)
    cache.write(json.dumps({code: [[a.isoformat(), b.isoformat() if b else None]
                                   for a, b in p] for code, p in periods.items()},
                           sort_keys=True).encode())
    return periods


def _parse(source: bytes) -> dict[str, tuple[Period, ...]]:
    from rdflib import Graph, Literal, URIRef

    g = Graph()
    g.parse(data=source, format="turtle")
    out: dict[str, list[Period]] = {}
    for country, period in g.subject_objects(URIRef(GM + "eeaMembership")):
        code = g.value(country, URIRef(GM + "isoCode"))
        start = g.value(period, URIRef(GM + "from"))
        end = g.value(period, URIRef(GM + "until"))
        if not isinstance(code, Literal) or not isinstance(start, Literal):
            continue
        out.setdefault(str(code), []).append((_date(start), _date(end) if end else None))
    return {code: tuple(sorted(p, key=lambda x: x[0])) for code, p in out.items()}


def _date(value: object) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


@lru_cache(maxsize=1)
def eea_codes() -> frozenset[str]:
    """The codes inside the EEA today (a membership without end)."""
    return frozenset(c for c, periods in eea_periods().items()
                     if any(end is None for _, end in periods))


def is_eea(code: str | None, as_of: dt.date | None = None) -> bool:
    """Whether ``code`` is EU/EEA territory on ``as_of`` (today's membership without a date).

    Dates before a membership's recorded start count as inside it: the ontology records
    membership from the GDPR's application on, and earlier dates are refused elsewhere."""
    if not code:
        return False
    periods = eea_periods().get(code.upper(), ())
    if as_of is None:
        return any(end is None for _, end in periods)
    return any(end is None or as_of <= end for _, end in periods)
