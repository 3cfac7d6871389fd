"""What registration data says about a domain's holder, normalised across TLDs and protocols.

WHOIS answers name the registrant's organisation and country under many keys
(``org``/``registrant_org``/``registrant_organization``/``registrant_company_name``;
``country``/``registrant_country``/``country_code``) and in many forms ("US", "United States",
"UNITED STATES", "Hong Kong (HK)"). RDAP puts them in a jCard. Both end up here as a
``Registration``: organisation and ISO country, or the fact that they were withheld.

Privacy-redacted values ("REDACTED FOR PRIVACY", "Data Protected", "Redacted | EU Data
Subject", a privacy-proxy company such as "Withheld for Privacy ehf") are reported as
*redacted*, never as facts: a proxy's name and country say nothing about who operates the host.
Person names are never kept (they are personal data and not evidence of an operator).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

# Phrases registries and registrars use instead of the data (lower case, substring match).
REDACTION_MARKERS = (
    "redacted", "data protected", "not disclosed", "withheld", "privacy", "gdpr masked",
    "statutory masking", "non-public data", "not available from registry", "hidden",
    "contact privacy", "whoisguard", "domains by proxy", "perfect privacy",
    "identity protection", "proxy", "data redacted", "please query the rdds",
    "eu data subject", "registration private", "on behalf of",
)

ALIASES = {
    "USA": "US", "UNITED STATES OF AMERICA": "US", "U.S.A.": "US", "U.S.": "US",
    "UK": "GB", "GREAT BRITAIN": "GB", "ENGLAND": "GB", "DEUTSCHLAND": "DE",
    "THE NETHERLANDS": "NL", "NEDERLAND": "NL", "ÖSTERREICH": "AT", "SCHWEIZ": "CH",
    "KOREA, REPUBLIC OF": "KR", "REPUBLIC OF KOREA": "KR", "RUSSIAN FEDERATION": "RU",
    "CZECH REPUBLIC": "CZ", "HONG KONG SAR CHINA": "HK",
}


@dataclass(frozen=True)
class Registration:
    """The registrant as one registration source states it."""

    domain: str
    protocol: str  # "rdap" | "whois"
    server: str
    retrieved: str  # ISO 8601 UTC time of the answer (cached answers keep their own time)
    organisation: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    redacted: tuple[str, ...] = ()  # "organisation", "country" when withheld for privacy
    notes: tuple[str, ...] = field(default=())  # e.g. ambiguous or unrecognised values

    @property
    def identified(self) -> bool:
        return bool(self.organisation)



MAX_NAME = 200  # characters of an organisation name or country kept from an answer

def is_redacted(value: str) -> bool:
    low = value.lower()
    return any(marker in low for marker in REDACTION_MARKERS)


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """ISO code and CLDR English/French names -> code, from the bundled jurisdictions.ttl."""
    from ..resources import bundled_dir

    text = (bundled_dir("ontologies") / "jurisdictions.ttl").read_text(encoding="utf-8")
    names: dict[str, str] = {}
    for code, labels in re.findall(r'gm:isoCode "([A-Z]{2})" ;\s*rdfs:label ([^\n]+)', text):
        names[code] = code
        for label in re.findall(r'"([^"]+)"@(?:en|fr)', labels):
            names[label.upper()] = code
    names.update(ALIASES)
    return names


def country_code(value: str | None) -> str | None:
    """'US', 'United States', 'Hong Kong (HK)', 'austria' -> ISO code; anything else -> None."""
    if not value:
        return None
    text = value.strip().rstrip(".").upper()
    names = _country_names()
    if text in names:
        return names[text]
    m = re.search(r"\(([A-Z]{2})\)$", text) if "\n" not in text else None  # linear (#17)
    if m and m.group(1) in names:
        return m.group(1)
    return None


def _values(raw: object) -> list[str]:
    if raw is None:
        return []
    items = raw if isinstance(raw, (list, tuple)) else [raw]
    out: list[str] = []
    for item in list(items)[:20]:
        # a hostile server's 500 kB "organisation" must not reach the report (issue #17)
        text = " ".join(str(item)[:MAX_NAME * 4].split())[:MAX_NAME]
        if text and text.lower() not in (o.lower() for o in out):
            out.append(text)
    return out


def pick(kind: str, raw: object, notes: list[str], redacted: list[str]) -> str | None:
    """One value for ``kind`` ("organisation"|"country") from a parser field, or None.

    Several distinct values (a parser that gathered every contact's country) are ambiguous: we
    keep none and say so, rather than guess which contact is the registrant.
    """
    values = _values(raw)
    if not values:
        return None
    clear = [v for v in values if not is_redacted(v)]
    if not clear:
        redacted.append(kind)
        return None
    if kind == "country":
        codes = list(dict.fromkeys(c for v in clear if (c := country_code(v))))
        if not codes:
            notes.append(f"unrecognised registrant country {clear[0][:40]!r}")
            return None
        if len(codes) > 1:
            notes.append(f"several registrant countries in the answer ({', '.join(codes)})")
            return None
        return codes[0]
    if len(clear) > 1:
        notes.append(f"several registrant organisations in the answer "
                     f"({'; '.join(clear[:5])[:400]})")
        return None
    return clear[0]
