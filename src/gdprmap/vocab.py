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
    de: str = ""  # report languages are the label fields: en, fr, de


LANGS = ("en", "fr", "de")


IP_ADDRESS = Category(PD + "IPAddress", "IP address", "adresse IP",
                      de="IP-Adresse")
IDENTIFIER = Category(PD + "Identifier", "online identifier (cookie, ID)",
                      "identifiant en ligne (cookie, ID)",
                      de="Online-Kennung (Cookie, ID)")
BROWSING = Category(PD + "BrowsingBehaviour",
                    "browsing behaviour (pages, titles, searches, interactions)",
                    "comportement de navigation (pages, titres, recherches, interactions)",
                    de="Surfverhalten (Seiten, Titel, Suchen, Interaktionen)")
REFERRAL = Category(PD + "BrowsingReferral", "referring page URL", "URL de la page d'origine",
                    de="URL der verweisenden Seite")
USER_AGENT = Category(PD + "UserAgent", "user agent (browser, device)",
                      "agent utilisateur (navigateur, appareil)",
                      de="User-Agent (Browser, Gerät)")
EMAIL = Category(PD + "EmailAddress", "e-mail address (also hashed)",
                 "adresse électronique (y compris hachée)",
                 de="E-Mail-Adresse (auch gehasht)")
PRIVACY_PREFERENCE = Category(PD + "PrivacyPreference", "consent string (IAB TCF TC string)",
                              "chaîne de consentement (TC string IAB TCF)",
                              de="Einwilligungs-String (IAB TCF TC-String)")
LINK_CLICKED = Category(PD + "LinkClicked", "clicks (one beacon per click)",
                        "clics (un envoi par clic)",
                        de="Klicks (eine Meldung je Klick)")
DEVICE = Category(PD + "DeviceBased", "device data (screen, window)",
                  "données de l'appareil (écran, fenêtre)",
                  de="Gerätedaten (Bildschirm, Fenster)")
LANGUAGE = Category(PD + "Language", "language (browser or site setting)",
                    "langue (du navigateur ou du site)",
                    de="Sprache (Browser- oder Website-Einstellung)")
FINGERPRINT = Category(PD + "BrowserFingerprint", "browser fingerprint",
                       "empreinte du navigateur",
                       de="Browser-Fingerabdruck")
PHONE = Category(PD + "TelephoneNumber", "telephone number (also hashed)",
                 "numéro de téléphone (y compris haché)",
                 de="Telefonnummer (auch gehasht)")
NAME = Category(PD + "Name", "name (also hashed)", "nom (y compris haché)",
                de="Name (auch gehasht)")
BIRTH_DATE = Category(PD + "BirthDate", "date of birth", "date de naissance",
                      de="Geburtsdatum")
POSTAL_CODE = Category(PD + "PostalCode", "postal code", "code postal",
                       de="Postleitzahl")
LOCATION = Category(PD + "Location", "location (coordinates, city)",
                    "localisation (coordonnées, ville)",
                    de="Standort (Koordinaten, Ort)")
HEALTH = Category(PD + "Health", "health data (Art. 9)", "données de santé (art. 9)", True,
                  de="Gesundheitsdaten (Art. 9)")
RELIGION = Category(PD + "Religion", "religion (Art. 9)", "religion (art. 9)", True,
                    de="religiöse Überzeugungen (Art. 9)")
SEXUAL = Category(PD + "Sexual", "sex life or sexual orientation (Art. 9)",
                  "vie sexuelle ou orientation sexuelle (art. 9)", True,
                  de="Sexualleben oder sexuelle Orientierung (Art. 9)")
POLITICAL_OPINION = Category(PD + "PoliticalOpinion", "political opinions (Art. 9)",
                             "opinions politiques (art. 9)", True,
                             de="politische Meinungen (Art. 9)")
TRADE_UNION = Category(PD + "TradeUnionMembership", "trade-union membership (Art. 9)",
                       "appartenance syndicale (art. 9)", True,
                       de="Gewerkschaftszugehörigkeit (Art. 9)")

# Report order: network and online identifiers, behaviour, device, contact and identity,
# location, then the special categories.
CATEGORIES = {c.iri: c for c in (
    IP_ADDRESS, IDENTIFIER, PRIVACY_PREFERENCE, BROWSING, REFERRAL, LINK_CLICKED, USER_AGENT,
    DEVICE, LANGUAGE, FINGERPRINT, EMAIL, PHONE, NAME, BIRTH_DATE, POSTAL_CODE, LOCATION,
    HEALTH, RELIGION, SEXUAL, POLITICAL_OPINION, TRADE_UNION)}


def label(iri: str, lang: str = "en") -> str:
    cat = CATEGORIES.get(iri)
    if cat is None:
        return iri.rsplit("#", 1)[-1]
    text: str = getattr(cat, lang) if lang in LANGS else ""
    return text or cat.en
