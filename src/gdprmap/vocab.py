"""DPV IRIs for the personal-data categories gdprmap detects. Their labels are the catalogs'
``category:<Fragment>`` keys (gdprmap/locale), so a translator adds a language without Python."""

from __future__ import annotations

from typing import NamedTuple

from . import catalogs

PD = "https://w3id.org/dpv/pd#"
DPV = "https://w3id.org/dpv#"
LOC = "https://w3id.org/dpv/loc#"


class Category(NamedTuple):
    iri: str
    special: bool = False

    @property
    def key(self) -> str:
        return "category:" + self.iri.rsplit("#", 1)[-1]

    @property
    def en(self) -> str:
        """The English label (the source text of the catalogs)."""
        return catalogs.text(catalogs.SOURCE, self.key)


IP_ADDRESS = Category(PD + "IPAddress")
IDENTIFIER = Category(PD + "Identifier")
BROWSING = Category(PD + "BrowsingBehaviour")
REFERRAL = Category(PD + "BrowsingReferral")
USER_AGENT = Category(PD + "UserAgent")
EMAIL = Category(PD + "EmailAddress")
PRIVACY_PREFERENCE = Category(PD + "PrivacyPreference")
LINK_CLICKED = Category(PD + "LinkClicked")
DEVICE = Category(PD + "DeviceBased")
LANGUAGE = Category(PD + "Language")
FINGERPRINT = Category(PD + "BrowserFingerprint")
PHONE = Category(PD + "TelephoneNumber")
NAME = Category(PD + "Name")
BIRTH_DATE = Category(PD + "BirthDate")
POSTAL_CODE = Category(PD + "PostalCode")
LOCATION = Category(PD + "Location")
HEALTH = Category(PD + "Health", special=True)
RELIGION = Category(PD + "Religion", special=True)
SEXUAL = Category(PD + "Sexual", special=True)
POLITICAL_OPINION = Category(PD + "PoliticalOpinion", special=True)
TRADE_UNION = Category(PD + "TradeUnionMembership", special=True)

# Report order: network and online identifiers, behaviour, device, contact and identity,
# location, then the special categories.
CATEGORIES = {c.iri: c for c in (
    IP_ADDRESS, IDENTIFIER, PRIVACY_PREFERENCE, BROWSING, REFERRAL, LINK_CLICKED, USER_AGENT,
    DEVICE, LANGUAGE, FINGERPRINT, EMAIL, PHONE, NAME, BIRTH_DATE, POSTAL_CODE, LOCATION,
    HEALTH, RELIGION, SEXUAL, POLITICAL_OPINION, TRADE_UNION)}


def label(iri: str, lang: str = "en") -> str:
    """The label of a detected category in ``lang`` (English for a language without a
    catalog); the IRI's last segment for a category gdprmap does not detect."""
    cat = CATEGORIES.get(iri)
    if cat is None:
        return iri.rsplit("#", 1)[-1]
    return catalogs.text(lang if lang in catalogs.languages() else catalogs.SOURCE, cat.key)
