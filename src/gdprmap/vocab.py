"""DPV IRIs for the personal-data categories gdprmap detects, with labels for reports."""

from __future__ import annotations

from typing import NamedTuple

PD = "https://w3id.org/dpv/pd#"
DPV = "https://w3id.org/dpv#"
LOC = "https://w3id.org/dpv/loc#"


class Category(NamedTuple):
    iri: str
    en: str
    fr: str
    special: bool = False


IP_ADDRESS = Category(PD + "IPAddress", "IP address", "adresse IP")
IDENTIFIER = Category(PD + "Identifier", "online identifier (cookie, ID)",
                      "identifiant en ligne (cookie, ID)")
BROWSING = Category(PD + "BrowsingBehaviour", "browsing behaviour (pages visited, clicks)",
                    "comportement de navigation (pages, clics)")
REFERRAL = Category(PD + "BrowsingReferral", "referring page URL", "URL de la page d'origine")
USER_AGENT = Category(PD + "UserAgent", "user agent (browser, device)",
                      "agent utilisateur (navigateur, appareil)")
EMAIL = Category(PD + "EmailAddress", "e-mail address", "adresse électronique")
HEALTH = Category(PD + "Health", "health data (Art. 9)", "données de santé (art. 9)", True)

CATEGORIES = {c.iri: c for c in (IP_ADDRESS, IDENTIFIER, BROWSING, REFERRAL, USER_AGENT, EMAIL,
                                 HEALTH)}


def label(iri: str, lang: str = "en") -> str:
    cat = CATEGORIES.get(iri)
    if cat is None:
        return iri.rsplit("#", 1)[-1]
    return cat.fr if lang == "fr" else cat.en
