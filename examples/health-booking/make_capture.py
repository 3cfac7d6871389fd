#!/usr/bin/env python3
"""Write ``capture.har``: one patient's visit to MédiRDV, a FICTIONAL French health-booking site.

The capture reconstructs the kind of observations reported by security researchers and the
press in December 2022 about a large French health-booking platform: every click sent to a
third-party endpoint, the patient's IP address exposed to every third party, and page URLs
revealing medical specialties ("chirurgie viscérale oncologie") sent in ``Referer`` headers and
request bodies to Cloudinary, Amazon Web Services, Cloudflare and Sentry. The site, its
practitioners, its patient and every identifier below are invented; the ``.example`` TLD and the
documentation IP ranges (192.0.2.0/24, 2001:db8::/32) make collisions with real sites impossible.

Run it with any Python 3.11+, no dependencies:  ``python3 examples/health-booking/make_capture.py``
The output is deterministic: fixed timestamps, fixed ids, no randomness (sizes and timings are
derived from SHA-256 of the URL), so two runs give byte-identical files.

Values planted to test redaction (none of them may ever appear in gdprmap's outputs):

  * ``medirdv_session=SECRET-SESSION-7f3a9c``  first-party session cookie, sent in the ``cookie``
    header and ``request.cookies`` of every request to www/api/static.medirdv.example, and
    refreshed by the ``set-cookie`` header / ``response.cookies`` of the home document.
  * ``Authorization: Bearer SECRET-BEARER-eyJhbGciOiJIUzI1NiJ9.e30.sig``  on the first-party
    account and booking API (api.medirdv.example /account/*, /booking/*).
  * ``__cf_bm=SECRET-CFBM-91b2``  Cloudflare bot-management cookie, sent in the ``cookie``
    header and ``request.cookies`` of every request to cdnjs.cloudflare.com and
    cloudflareinsights.com / static.cloudflareinsights.com.
  * ``sentry_key=3f9c2a7b1e8d4c6fa0b5e9d2c7a41f36``  Sentry DSN public key, in the query string of
    every request to o450123.ingest.sentry.io and in its ``x-sentry-auth`` header.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

OUT = Path(__file__).resolve().with_name("capture.har")

# --- identities (all fictional) -------------------------------------------------------------

SESSION_COOKIE = "SECRET-SESSION-7f3a9c"
BEARER = "SECRET-BEARER-eyJhbGciOiJIUzI1NiJ9.e30.sig"
CF_BM = "SECRET-CFBM-91b2"
SENTRY_KEY = "3f9c2a7b1e8d4c6fa0b5e9d2c7a41f36"

PATIENT_ID = "pat_8812734"
VISITOR_ID = "6b1f0d2e-8c4a-4f7e-9a3b-2d5c8e1f7a90"
SESSION_ID = "c3e9a4b7-1d2f-4e8a-b6c5-9f0a1e2d3b4c"
XITI_IDCLIENT = "9d2c4e6a-3b1f-4a8e-8c7d-5e0f1a2b3c4d"
AXEPTIO_PROJECT = "61a4c2e8f0b3d5001a2b3c4d"
AXEPTIO_TOKEN = "b8r4k2m9x1q7w3z5v0n6"
CF_SITE_TOKEN = "8e1d7c3a5b9f4e2d6c0a1b3f5e7d9c2a"
PRACTITIONER_ID = 184213
MOTIVE_ID = 5512
BOOKING_ID = "rdv-4f2a9c81"

UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
      "(KHTML, like Gecko) Chrome/108.0.0.0 Safari/537.36")
SEC_CH_UA = '"Not?A_Brand";v="8", "Chromium";v="108", "Google Chrome";v="108"'
ACCEPT_LANGUAGE = "fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7"

TZ = dt.timezone(dt.timedelta(hours=1))  # Europe/Paris in December (CET)
DAY = dt.date(2022, 12, 5)

WWW = "https://www.medirdv.example"
API = "https://api.medirdv.example"
STATIC = "https://static.medirdv.example"
CF = "https://d3k81ch9hvuctc.cloudfront.net"
S3 = "https://medirdv-prod-assets.s3.amazonaws.com"
CLD = "https://res.cloudinary.com/medirdv/image/upload"
CDNJS = "https://cdnjs.cloudflare.com/ajax/libs"
EVENTS = "https://k7x2pq9d1f.execute-api.us-east-1.amazonaws.com/prod/events"
SENTRY = "https://o450123.ingest.sentry.io/api/5512345"
SENTRY_QS = f"sentry_key={SENTRY_KEY}&sentry_version=7"
RUM = "https://cloudflareinsights.com/cdn-cgi/rum"
XITI = "https://logs1412.xiti.com/hit.xiti"
SPECIALTY = "chirurgie-viscerale-oncologie"
DR = "dr-claire-martin"

# host -> (server IP, protocol). First party on documentation ranges; third parties on
# addresses of the kind their CDNs answer from. No country is claimed for any of them.
HOSTS = {
    "www.medirdv.example": ("192.0.2.10", "http/2.0"),
    "api.medirdv.example": ("192.0.2.20", "http/2.0"),
    "static.medirdv.example": ("2001:db8:4d2::30", "http/2.0"),
    "d3k81ch9hvuctc.cloudfront.net": ("18.66.196.47", "http/2.0"),
    "medirdv-prod-assets.s3.amazonaws.com": ("52.217.106.132", "http/1.1"),
    "k7x2pq9d1f.execute-api.us-east-1.amazonaws.com": ("3.230.114.71", "http/2.0"),
    "res.cloudinary.com": ("23.53.41.102", "http/2.0"),
    "cdnjs.cloudflare.com": ("104.17.24.14", "http/2.0"),
    "static.cloudflareinsights.com": ("104.16.79.73", "http/2.0"),
    "cloudflareinsights.com": ("104.16.80.73", "http/2.0"),
    "o450123.ingest.sentry.io": ("34.120.195.249", "http/2.0"),
    "browser.sentry-cdn.com": ("151.101.130.217", "http/2.0"),
    "fonts.googleapis.com": ("142.250.179.74", "http/2.0"),
    "fonts.gstatic.com": ("142.250.75.227", "http/2.0"),
    "logs1412.xiti.com": ("185.80.19.60", "http/1.1"),
    "static.axept.io": ("13.32.145.91", "http/2.0"),
    "client.axept.io": ("13.32.145.12", "http/2.0"),
    "api.axept.io": ("52.47.188.23", "http/2.0"),
}

FIRST_PARTY_COOKIES = [
    ("medirdv_session", SESSION_COOKIE, True),
    ("axeptio_cookies", "{%22$$token%22:%22" + AXEPTIO_TOKEN + "%22%2C%22$$date%22:"
     "%222022-11-21T18:02:44.310Z%22%2C%22xiti%22:true%2C%22cloudflare%22:true}", False),
    ("axeptio_authorized_vendors", "%2Cxiti%2Ccloudflare%2C", False),
]
THIRD_PARTY_COOKIES = {
    "cdnjs.cloudflare.com": [("__cf_bm", CF_BM, True, ".cloudflare.com")],
    "cloudflareinsights.com": [("__cf_bm", CF_BM, True, ".cloudflareinsights.com")],
    "static.cloudflareinsights.com": [("__cf_bm", CF_BM, True, ".cloudflareinsights.com")],
    "logs1412.xiti.com": [("idrxvr", XITI_IDCLIENT, False, ".xiti.com")],
}

# --- the pages the patient sees -------------------------------------------------------------

PAGES = {
    "home": (f"{WWW}/",
             "MédiRDV - Prenez rendez-vous en ligne avec un médecin ou un spécialiste"),
    "results": (f"{WWW}/{SPECIALTY}/paris",
                "Chirurgien viscéral et digestif - oncologie à Paris : prenez rendez-vous en "
                "ligne | MédiRDV"),
    "profile": (f"{WWW}/{SPECIALTY}/paris/{DR}",
                "Dr Claire Martin, Chirurgien viscéral et digestif - oncologie - Paris | MédiRDV"),
    "booking": (f"{WWW}/{SPECIALTY}/paris/{DR}/booking?motive=consultation-de-suivi-oncologique"
                "&slot=2022-12-13T09%3A30",
                "Prendre rendez-vous : Consultation de suivi oncologique - Dr Claire Martin, "
                "Chirurgien viscéral - oncologie | MédiRDV"),
    "confirmation": (f"{WWW}/rendez-vous/{BOOKING_ID}/confirmation",
                     "Rendez-vous confirmé - Dr Claire Martin, Chirurgien viscéral et digestif - "
                     "oncologie - Paris | MédiRDV"),
}
XITI_PAGE = {
    "home": ("accueil", ""),
    "results": (f"{SPECIALTY}::paris", "2"),
    "profile": (f"{SPECIALTY}::paris::{DR}", "3"),
    "booking": ("prise-de-rdv::consultation-de-suivi-oncologique", "4"),
    "confirmation": ("prise-de-rdv::confirmation", "4"),
}

OTHER_PRACTITIONERS = [
    "dr-thomas-bernard", "dr-nadia-haddad", "dr-julien-moreau",
    "dr-sophie-lefevre", "dr-antoine-garnier", "dr-leila-benali", "dr-marc-dupuis",
    "dr-helene-roux", "dr-vincent-faure", "dr-camille-perrin", "dr-olivier-masson",
    "dr-ines-carpentier", "dr-paul-lemaire", "dr-agathe-renard", "dr-karim-aouadi",
    "dr-elise-chevalier", "dr-romain-giraud",
]
HOME_SPECIALTIES = [
    "medecin-generaliste", "chirurgien-dentiste", "ophtalmologue", "gynecologue",
    "dermatologue", "pediatre", "masseur-kinesitherapeute", SPECIALTY,
]


def cld_photo(slug: str, size: int = 128) -> str:
    transform = f"c_thumb,g_face,h_{size},w_{size}/f_auto,q_auto"
    return f"{CLD}/{transform}/v1669900000/practitioners/{slug}.jpg"


def cld_specialty(slug: str) -> str:
    return f"{CLD}/c_fill,w_160/v1669900000/specialties/{slug}.jpg"


# --- request specs ----------------------------------------------------------------------------


@dataclass
class Req:
    """One request to emit, ``at`` milliseconds after the step that causes it.

    A ``url`` or ``body`` starting with "@" is built from the session state when the request is
    emitted: "@xiti-page", "@xiti-click", "@rum", "@rum-unload" (URL or body carrying the current
    page), "@sentry-session", "@sentry-profile", "@sentry-booking", "@axeptio-consent",
    "@booking" (bodies).
    """

    at: float
    url: str
    rtype: str  # document stylesheet script image font xhr fetch ping preflight
    method: str = "GET"
    body: object = None  # dict/list -> JSON text; str -> sent as is
    body_mime: str = "application/json"
    status: int = 200
    mime: str | None = None
    size: int | None = None
    auth: bool = False  # carries the first-party bearer token
    initiator: str | None = None  # script/stylesheet URL; None = the page's parser
    location: str | None = None
    referrer: str | None = None  # override (documents, fonts)
    no_ip: bool = False  # leave serverIPAddress out, as Firefox does for some entries


APP_JS = f"{CF}/assets/js/app.5c7e9b2f.js"
SENTRY_JS = "https://browser.sentry-cdn.com/7.23.0/bundle.tracing.min.js"
AXEPTIO_JS = "https://static.axept.io/sdk.js"
CF_BEACON_JS = ("https://static.cloudflareinsights.com/beacon.min.js/"
                "vaafb692b2aea4879b33c060e79fe94621666317369993")
FONTS_CSS = "https://fonts.googleapis.com/css2?family=Inter:wght@400;500;600;700&display=swap"

# Page-specific resources, loaded during the navigation (times in ms after the navigation).
LOADS: dict[str, list[Req]] = {
    "home": [
        Req(95, f"{STATIC}/css/main.3e7b1a90.css", "stylesheet"),
        Req(97, FONTS_CSS, "stylesheet"),
        Req(99, f"{CF}/assets/css/app.a41c7e02.css", "stylesheet"),
        Req(101, f"{CDNJS}/jquery/3.6.1/jquery.min.js", "script"),
        Req(102, f"{CDNJS}/lodash.js/4.17.21/lodash.min.js", "script"),
        Req(103, f"{CDNJS}/moment.js/2.29.4/moment.min.js", "script"),
        Req(104, f"{CDNJS}/moment.js/2.29.4/locale/fr.min.js", "script"),
        Req(106, SENTRY_JS, "script"),
        Req(108, f"{CF}/assets/js/runtime.0b9d4f61.js", "script"),
        Req(109, f"{CF}/assets/js/vendor.8f3a2c1d.js", "script"),
        Req(110, APP_JS, "script"),
        Req(112, f"{STATIC}/img/logo-medirdv.svg", "image"),
        Req(114, AXEPTIO_JS, "script"),
        Req(140, "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42"
                 "mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "image"),
        Req(188, "https://fonts.gstatic.com/s/inter/v12/UcC73FwrK3iLTeHuS_fvQtMwCp50KnMa1ZL7.woff2",
            "font", initiator=FONTS_CSS, referrer="https://fonts.googleapis.com/"),
        Req(190, "https://fonts.gstatic.com/s/inter/v12/UcC73FwrK3iLTeHuS_fvQtMwCp50KnMa2JL7SUc.woff2",
            "font", initiator=FONTS_CSS, referrer="https://fonts.googleapis.com/"),
        Req(260, f"{S3}/img/home/hero-patient-2x.webp", "image"),
        Req(262, f"{S3}/img/home/illustration-teleconsultation.svg", "image"),
        Req(264, f"{S3}/img/badges/app-store-fr.svg", "image"),
        Req(266, f"{S3}/img/badges/google-play-fr.svg", "image"),
        *[Req(300 + 4 * i, cld_specialty(s), "image", initiator=APP_JS)
          for i, s in enumerate(HOME_SPECIALTIES)],
        Req(352, f"{CF}/assets/js/home.6d2e8a13.js", "script", initiator=APP_JS),
        Req(410, f"{API}/account/me", "xhr", auth=True, initiator=APP_JS),
        Req(418, f"{STATIC}/manifest.webmanifest", "other", mime="application/manifest+json"),
        Req(420, f"{WWW}/favicon.ico", "other", mime="image/x-icon"),
        Req(505, f"https://client.axept.io/{AXEPTIO_PROJECT}.json", "fetch", initiator=AXEPTIO_JS),
        Req(640, f"{SENTRY}/envelope/?{SENTRY_QS}", "fetch", method="POST",
            body="@sentry-session", body_mime="text/plain;charset=UTF-8", initiator=SENTRY_JS),
    ],
    "results": [
        Req(92, f"{CF}/assets/js/search.1f7c3b58.js", "script"),
        Req(230, f"{API}/search?speciality={SPECIALTY}&place=paris", "xhr", initiator=APP_JS),
        Req(236, cld_specialty(SPECIALTY), "image", initiator=APP_JS),
        *[Req(420 + 6 * i, cld_photo(s), "image", initiator=APP_JS)
          for i, s in enumerate([DR, *OTHER_PRACTITIONERS[:9]])],
        Req(470, f"https://client.axept.io/{AXEPTIO_PROJECT}.json", "fetch", initiator=AXEPTIO_JS),
    ],
    "profile": [
        Req(90, f"{CF}/assets/js/practitioner.9a4e2c71.js", "script"),
        Req(205, f"{API}/practitioners/{DR}?speciality={SPECIALTY}&place=paris", "xhr",
            initiator=APP_JS),
        Req(212, f"{API}/practitioners/{PRACTITIONER_ID}/visit_motives", "xhr", initiator=APP_JS),
        Req(330, cld_photo(DR, 256), "image", initiator=APP_JS),
        Req(334, cld_specialty(SPECIALTY), "image", initiator=APP_JS),
        Req(338, f"{S3}/practitioners/{PRACTITIONER_ID}/cabinet/facade.jpg", "image",
            initiator=APP_JS),
        Req(470, f"https://client.axept.io/{AXEPTIO_PROJECT}.json", "fetch", initiator=AXEPTIO_JS),
    ],
    "booking": [
        Req(88, f"{CF}/assets/js/booking.3c8f1e64.js", "script"),
        Req(198, f"{API}/account/me", "xhr", auth=True, initiator=APP_JS),
        Req(204, f"{API}/account/relatives", "xhr", auth=True, initiator=APP_JS),
        Req(212, f"{API}/booking/instructions?practitioner_id={PRACTITIONER_ID}"
                 f"&visit_motive_id={MOTIVE_ID}", "xhr", auth=True, initiator=APP_JS),
        Req(300, cld_photo(DR, 96), "image", initiator=APP_JS),
        Req(470, f"https://client.axept.io/{AXEPTIO_PROJECT}.json", "fetch", initiator=AXEPTIO_JS),
    ],
    "confirmation": [
        Req(86, f"{CF}/assets/js/confirmation.7e5a9d20.js", "script"),
        Req(196, f"{API}/booking/appointments/{BOOKING_ID}", "xhr", auth=True, initiator=APP_JS),
        Req(290, cld_photo(DR, 96), "image", initiator=APP_JS),
        Req(296, f"{S3}/img/confirmation/illustration-rdv-confirme.svg", "image",
            initiator=APP_JS),
        Req(470, f"https://client.axept.io/{AXEPTIO_PROJECT}.json", "fetch", initiator=AXEPTIO_JS),
    ],
}


# --- the session: what the patient does --------------------------------------------------------


@dataclass
class Visit:
    """Navigate to a page: document, its resources, then the page-view beacons."""

    time: str
    page: str
    referrer: str | None = None  # None = the previous page
    via: str | None = None  # a URL answered with a 302 to the page


@dataclass
class Click:
    """A click: always a POST to the tracking API, plus whatever the click triggers."""

    time: str
    target: str
    text: str | None = None
    then: list[Req] = field(default_factory=list)


def search(qs: str) -> str:
    return f"{API}/search?speciality={SPECIALTY}&place=paris{qs}"


# 5 December 2022, Paris time. Every Click also posts a tracking event to the AWS API Gateway
# endpoint (EVENTS); every Visit also posts a page-view event there, and (once consent was given
# on the home page) sends AT Internet and Cloudflare Web Analytics hits.
SESSION = [
    Visit("10:14:03.120", "home", referrer="https://www.google.com/"),
    Click("10:14:08.912", "axeptio-accept-all", "Tout accepter",
          [Req(60, f"https://api.axept.io/v1/app/consents/{AXEPTIO_PROJECT}", "fetch",
               method="POST", body="@axeptio-consent", initiator=AXEPTIO_JS),
           Req(75, CF_BEACON_JS, "script", initiator=AXEPTIO_JS),
           Req(80, "@xiti-page", "image", initiator=APP_JS),
           Req(240, "@rum", "ping", method="POST", initiator=CF_BEACON_JS)]),
    Click("10:14:15.204", "search-speciality-input", None,
          [Req(1710, f"{API}/search/autocomplete?q=chir", "xhr", initiator=APP_JS),
           Req(3950, f"{API}/search/autocomplete?q=chirurgien%20visc%C3%A9ral", "xhr",
               initiator=APP_JS)]),
    Click("10:14:27.634", "autocomplete-suggestion",
          "Chirurgien viscéral et digestif - oncologie"),
    Click("10:14:31.052", "search-place-input", None,
          [Req(2100, f"{API}/search/places?q=paris", "xhr", initiator=APP_JS)]),
    Click("10:14:36.418", "place-suggestion", "Paris (75)"),
    Click("10:14:38.806", "search-submit", "Rechercher",
          [Req(30, "@xiti-click", "image", initiator=APP_JS)]),
    Visit("10:14:38.870", "results",
          via=f"{WWW}/recherche?speciality=chirurgien+visc%C3%A9ral&place=paris"),
    Click("10:15:02.310", "filter-availability", "Disponibilités dans les 7 jours",
          [Req(35, search("&availability=7d"), "xhr", initiator=APP_JS)]),
    Click("10:15:20.745", "filter-sector", "Conventionné secteur 1",
          [Req(35, search("&availability=7d&sector=1"), "xhr", initiator=APP_JS)]),
    Click("10:15:48.106", "map-toggle", "Afficher la carte"),
    Click("10:16:10.552", "pagination-next", "Page suivante",
          [Req(35, search("&availability=7d&sector=1&page=2"), "xhr", initiator=APP_JS),
           *[Req(240 + 6 * i, cld_photo(s), "image", initiator=APP_JS, no_ip=(i == 3))
             for i, s in enumerate(OTHER_PRACTITIONERS[9:])]]),
    Click("10:16:45.980", "pagination-prev", "Page précédente",
          [Req(35, search("&availability=7d&sector=1&page=1"), "xhr", initiator=APP_JS)]),
    Click("10:17:30.442", "search-result-card", "Dr Claire Martin - Chirurgien viscéral"),
    Visit("10:17:30.520", "profile"),
    Click("10:17:55.118", "practitioner-photo", "Voir les photos du cabinet",
          [Req(40 + 5 * i, f"{S3}/practitioners/{PRACTITIONER_ID}/cabinet/{n}.jpg", "image",
               initiator=APP_JS) for i, n in enumerate(["salle-attente", "accueil", "acces"])]),
    Click("10:18:20.377", "tab-tarifs", "Tarifs et remboursement"),
    Click("10:18:41.903", "tab-expertises", "Expertises et actes",
          [Req(20, f"{SENTRY}/store/?{SENTRY_QS}", "preflight", method="OPTIONS",
               initiator=SENTRY_JS),
           Req(24, f"{SENTRY}/store/?{SENTRY_QS}", "fetch", method="POST",
               body="@sentry-profile", initiator=SENTRY_JS)]),
    Click("10:19:30.261", "motive-select", "Choisissez un motif de consultation"),
    Click("10:19:44.815", "motive-option", "Consultation de suivi oncologique",
          [Req(30, f"{API}/availabilities?practitioner_id={PRACTITIONER_ID}"
                   f"&visit_motive_id={MOTIVE_ID}&start_date=2022-12-05&limit=7", "xhr",
               initiator=APP_JS)]),
    Click("10:20:05.490", "availability-next-week", "Semaine suivante",
          [Req(30, f"{API}/availabilities?practitioner_id={PRACTITIONER_ID}"
                   f"&visit_motive_id={MOTIVE_ID}&start_date=2022-12-12&limit=7", "xhr",
               initiator=APP_JS)]),
    Click("10:20:31.067", "availability-slot", "mardi 13 décembre 09:30"),
    Click("10:20:35.733", "book-button", "Prendre rendez-vous"),
    Visit("10:20:35.810", "booking"),
    Click("10:21:10.204", "relative-select", "Pour moi"),
    Click("10:22:02.588", "already-patient-yes", "Oui, j'ai déjà consulté ce praticien"),
    Click("10:23:40.019", "instructions-read",
          "J'ai lu les consignes avant la consultation de suivi oncologique"),
    Click("10:25:15.342", "booking-note", "Précisions pour le praticien",
          [Req(1200, f"{SENTRY}/store/?{SENTRY_QS}", "fetch", method="POST",
               body="@sentry-booking", initiator=SENTRY_JS)]),
    Click("10:28:50.776", "confirm-booking", "Confirmer le rendez-vous",
          [Req(25, "@xiti-click", "image", initiator=APP_JS),
           Req(28, f"{API}/booking/appointments", "preflight", method="OPTIONS",
               initiator=APP_JS),
           Req(34, f"{API}/booking/appointments", "fetch", method="POST", status=201,
               body="@booking", auth=True, initiator=APP_JS)]),
    Visit("10:28:52.104", "confirmation"),
    Click("10:29:40.625", "add-to-calendar", "Ajouter à mon agenda",
          [Req(30, f"{API}/booking/appointments/{BOOKING_ID}.ics", "xhr", auth=True,
               mime="text/calendar", initiator=APP_JS)]),
    Click("10:30:25.187", "prepare-consultation", "Préparer ma consultation"),
    Click("10:31:02.940", "back-to-home", "Retour à l'accueil",
          [Req(25, "@rum-unload", "ping", method="POST", initiator=CF_BEACON_JS)]),
]


# --- deterministic helpers -------------------------------------------------------------------


def h(*parts: object) -> int:
    """A stable integer derived from the parts (stands in for randomness)."""
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def jitter(lo: float, hi: float, *key: object) -> float:
    return round(lo + (hi - lo) * (h(*key) % 10_000) / 10_000, 3)


def clock(hms: str) -> dt.datetime:
    t = dt.time.fromisoformat(hms)
    return dt.datetime.combine(DAY, t, tzinfo=TZ)


def iso(t: dt.datetime) -> str:
    return t.isoformat(timespec="milliseconds")


def epoch_ms(t: dt.datetime) -> int:
    return round(t.timestamp() * 1000)


def http_date(t: dt.datetime) -> str:
    u = t.astimezone(dt.UTC)
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{days[u.weekday()]}, {u.day:02d} {months[u.month - 1]} {u.year} {u:%H:%M:%S} GMT"


def compact(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def site(host: str) -> str:
    return ".".join(host.split(".")[-2:])


MIME = {
    "document": "text/html", "stylesheet": "text/css", "script": "application/javascript",
    "font": "font/woff2", "xhr": "application/json", "fetch": "application/json",
    "ping": "text/plain", "preflight": "text/plain",
}
SIZES = {  # (min, max) decoded size in bytes
    "document": (48_000, 96_000), "stylesheet": (18_000, 140_000), "script": (12_000, 420_000),
    "font": (24_000, 48_000), "image": (2_400, 38_000), "xhr": (600, 24_000),
    "fetch": (40, 3_000), "ping": (0, 0), "preflight": (0, 0), "other": (600, 15_000),
}
KNOWN_SIZES = {  # decoded sizes of the well-known files, roughly as served in late 2022
    "jquery.min.js": 89_664, "lodash.min.js": 73_015, "moment.min.js": 58_890,
    "locale/fr.min.js": 2_477, "beacon.min.js": 18_466, "bundle.tracing.min.js": 92_318,
    "css2?family=Inter": 6_911, "axept.io/sdk.js": 214_530, "favicon.ico": 15_086,
}
PRIORITY = {
    "document": "VeryHigh", "stylesheet": "VeryHigh", "font": "VeryHigh", "script": "High",
    "xhr": "High", "fetch": "High", "image": "Low", "ping": "VeryLow", "preflight": "High",
    "other": "Low",
}
DEST = {
    "document": ("document", "navigate"), "stylesheet": ("style", "no-cors"),
    "script": ("script", "no-cors"), "image": ("image", "no-cors"), "font": ("font", "cors"),
    "xhr": ("empty", "cors"), "fetch": ("empty", "cors"), "ping": ("empty", "cors"),
    "preflight": ("empty", "cors"), "other": ("empty", "no-cors"),
}
ACCEPT = {
    "document": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
                "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.9",
    "stylesheet": "text/css,*/*;q=0.1",
    "image": "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
    "xhr": "application/json, text/plain, */*",
}


def image_mime(url: str) -> str:
    if "cloudinary" in url and "f_auto" in url:
        return "image/webp"
    for ext, mime in ((".svg", "image/svg+xml"), (".webp", "image/webp"), (".png", "image/png"),
                      (".gif", "image/gif"), (".jpg", "image/jpeg"), (".xiti", "image/gif")):
        if urlsplit(url).path.endswith(ext):
            return mime
    return "image/jpeg"


# --- bodies ----------------------------------------------------------------------------------


class Ctx:
    """Where the patient is: the current page, its referrer, the breadcrumbs seen so far."""

    def __init__(self) -> None:
        self.page_key = ""
        self.page_url = ""
        self.referrer = ""
        self.page_start: dt.datetime | None = None
        self.crumbs: list[dict] = []


def event_body(ctx: Ctx, t: dt.datetime, event: str, target: str | None, text: str | None) -> dict:
    body = {"event": event}
    if target:
        body["target"] = target
    if text:
        body["text"] = text
    body.update({
        "page": ctx.page_url, "title": PAGES[ctx.page_key][1], "referrer": ctx.referrer,
        "visitor_id": VISITOR_ID, "session_id": SESSION_ID, "user_id": PATIENT_ID,
        "ts": epoch_ms(t), "screen": "1920x1080", "viewport": "1920x937", "lang": "fr-FR",
        "tz": "Europe/Paris",
    })
    return body


def rum_body(ctx: Ctx, t: dt.datetime, unload: bool = False) -> dict:
    start = epoch_ms(ctx.page_start)
    dom = jitter(380, 900, ctx.page_url, "dom")
    load = round(dom + jitter(150, 700, ctx.page_url, "load"), 3)
    return {
        "memory": {"totalJSHeapSize": 21_847_112, "usedJSHeapSize": 17_203_446,
                   "jsHeapSizeLimit": 4_294_705_152},
        "resources": [], "referrer": ctx.referrer, "eventType": 3 if unload else 1,
        "firstPaint": round(dom * 0.52, 3), "firstContentfulPaint": round(dom * 0.55, 3),
        "startTime": float(start), "versions": {"fl": "2022.11.3", "js": "2022.11.0",
                                                "timings": 1},
        "pageloadId": uuid_like(h(ctx.page_url, "pl"), h(ctx.page_url, "pl2")),
        "location": ctx.page_url, "nt": "navigate",
        "timingsV2": {"unloadEventStart": 0, "unloadEventEnd": 0,
                      "domInteractive": round(dom * 0.8, 3), "domContentLoadedEventStart": dom,
                      "domContentLoadedEventEnd": round(dom + 3.2, 3), "domComplete": load,
                      "loadEventStart": load, "loadEventEnd": round(load + 1.1, 3),
                      "type": "navigate", "redirectCount": 1 if ctx.page_key == "results" else 0,
                      "name": ctx.page_url, "entryType": "navigation",
                      "startTime": 0, "duration": round(load + 1.1, 3),
                      "nextHopProtocol": "h2", "transferSize": h(ctx.page_url) % 20_000 + 12_000},
        "dt": "", "siteToken": CF_SITE_TOKEN, "st": 2,
    }


def sentry_event(ctx: Ctx, t: dt.datetime, exc_type: str, message: str, fn: str,
                 script: str, tags: dict) -> dict:
    return {
        "event_id": f"{h(message, t) % (1 << 64):016x}{h(t, message) % (1 << 64):016x}",
        "timestamp": epoch_ms(t) / 1000, "platform": "javascript", "level": "error",
        "release": "medirdv-web@2022.11.28-4f2c1a9", "environment": "production",
        "exception": {"values": [{
            "type": exc_type, "value": message,
            "stacktrace": {"frames": [
                {"filename": f"{CF}/assets/js/vendor.8f3a2c1d.js", "function": "HTMLDivElement.s",
                 "in_app": True, "lineno": 2, "colno": 84211},
                {"filename": script, "function": fn, "in_app": True, "lineno": 1,
                 "colno": 20000 + h(fn) % 9000},
            ]},
            "mechanism": {"type": "onerror", "handled": False},
        }]},
        "request": {"url": ctx.page_url, "headers": {"Referer": ctx.referrer, "User-Agent": UA}},
        "user": {"id": PATIENT_ID, "ip_address": "{{auto}}"},
        "tags": {"page_type": ctx.page_key, **tags},
        "contexts": {"trace": {"trace_id": f"{h('trace', t):016x}{h('trace2', t):016x}",
                               "span_id": f"{h('span', t):016x}", "op": "pageload"}},
        "breadcrumbs": {"values": ctx.crumbs[-30:]},
        "sdk": {"name": "sentry.javascript.browser", "version": "7.23.0",
                "integrations": ["InboundFilters", "FunctionToString", "TryCatch", "Breadcrumbs",
                                 "GlobalHandlers", "LinkedErrors", "Dedupe", "HttpContext",
                                 "BrowserTracing"],
                "packages": [{"name": "npm:@sentry/browser", "version": "7.23.0"}]},
    }


def sentry_session(ctx: Ctx, t: dt.datetime) -> str:
    """A Sentry release-health envelope (newline-delimited JSON): the patient id is the "did"."""
    lines = [
        {"sent_at": utc_iso(t), "sdk": {"name": "sentry.javascript.browser", "version": "7.23.0"}},
        {"type": "session"},
        {"sid": f"{h('sid'):016x}{h('sid2'):016x}", "init": True,
         "started": utc_iso(ctx.page_start), "timestamp": utc_iso(t), "status": "ok",
         "errors": 0, "did": PATIENT_ID,
         "attrs": {"release": "medirdv-web@2022.11.28-4f2c1a9", "environment": "production",
                   "user_agent": UA}},
    ]
    return "\n".join(compact(x) for x in lines)


def booking_body() -> dict:
    return {
        "practitioner_id": PRACTITIONER_ID, "practitioner_slug": DR, "speciality": SPECIALTY,
        "place": "paris", "visit_motive_id": MOTIVE_ID,
        "visit_motive_name": "Consultation de suivi oncologique",
        "start_date": "2022-12-13T09:30:00.000+01:00", "new_patient": False, "relative_id": None,
        "note": "Suivi après colectomie, je viendrai avec les résultats du scanner.",
        "patient": {"id": PATIENT_ID, "first_name": "Sophie", "last_name": "Durand",
                    "birthdate": "1971-03-14", "email": "sophie.durand@example.org",
                    "phone_number": "+33639981234"},
        "instructions_accepted": True,
    }


def xiti_url(ctx: Ctx, t: dt.datetime, click: str | None = None) -> str:
    page, level2 = XITI_PAGE[ctx.page_key]
    parts = [("s", "612345"), ("idclient", XITI_IDCLIENT), ("ts", str(epoch_ms(t))),
             ("vtag", "5.29.2"), ("ptag", "js"), ("r", "1920x1080x24x24"), ("re", "1920x937"),
             ("hl", f"{t:%H}x{t.minute}x{t.second}"), ("lng", "fr-FR")]
    if click:
        parts += [("type", "click"), ("click", "A"), ("pclick", page), ("s2click", level2 or "1"),
                  ("p", click)]
    else:
        parts += [("idp", f"{t:%H%M%S}{h(ctx.page_url) % 1000:03d}"), ("jv", "0"), ("p", page)]
        if level2:
            parts.append(("s2", level2))
        if ctx.page_key != "home":
            parts += [("x1", f"[{SPECIALTY}]"), ("x2", "[paris]")]
        parts.append(("Rdt", "On"))
    parts.append(("ref", ctx.referrer))
    return XITI + "?" + "&".join(f"{k}={quote(v, safe=':/[]')}" for k, v in parts)


# --- the HAR writer --------------------------------------------------------------------------


class Capture:
    def __init__(self) -> None:
        self.entries: list[tuple[dt.datetime, int, dict]] = []
        self.pages: list[dict] = []
        self.connections: dict[str, str] = {}
        self.seen_hosts: set[str] = set()
        self.ctx = Ctx()

    # --- session steps ---
    def run(self, steps: list) -> None:
        for step in steps:
            t = clock(step.time)
            if isinstance(step, Visit):
                self.visit(t, step)
            else:
                self.click(t, step)

    def visit(self, t: dt.datetime, step: Visit) -> None:
        ctx = self.ctx
        url, title = PAGES[step.page]
        previous = ctx.page_url
        ctx.referrer = step.referrer if step.referrer is not None else previous
        ctx.page_key, ctx.page_url, ctx.page_start = step.page, url, t
        pageref = f"page_{len(self.pages) + 1}"
        ends = []
        offset = 0.0
        if step.via:
            self.emit(t, Req(0, step.via, "document", status=302, location=url,
                             referrer=previous), pageref)
            offset = 62.0
        ends.append(self.emit(t + ms(offset), Req(0, url, "document", referrer=ctx.referrer),
                              pageref))
        if previous:
            ctx.crumbs.append({"timestamp": epoch_ms(t) / 1000, "category": "navigation",
                               "data": {"from": urlsplit(previous).path,
                                        "to": urlsplit(url).path}})
        for req in LOADS[step.page]:
            ends.append(self.emit(t + ms(req.at + offset), req, pageref))
            self.crumb(t + ms(req.at + offset), req)
        # every page: a page-view beacon to the tracking API (the first one after a CORS
        # preflight; later ones reuse the cached preflight), then AT Internet and Cloudflare
        # Web Analytics once consent was given on the home page.
        pv = t + ms(offset + 520)
        if step.page in ("home", "profile"):
            self.emit(pv - ms(4), Req(0, EVENTS, "preflight", method="OPTIONS",
                                      initiator=APP_JS), pageref)
        self.emit(pv, Req(0, EVENTS, "fetch", method="POST",
                          body=event_body(ctx, pv, "page_view", None, None), initiator=APP_JS),
                  pageref)
        if step.page != "home":
            self.emit(pv + ms(35), Req(0, xiti_url(ctx, pv + ms(35)), "image",
                                       initiator=APP_JS), pageref)
            self.emit(pv + ms(260), Req(0, RUM, "ping", method="POST",
                                        body=rum_body(ctx, pv + ms(260)),
                                        initiator=CF_BEACON_JS), pageref)
        dcl = round((ends[0] - t).total_seconds() * 1000 + 280.5, 3)
        self.pages.append({
            "startedDateTime": iso(t), "id": pageref, "title": title,
            "pageTimings": {"onContentLoad": dcl,
                            "onLoad": round((max(ends) - t).total_seconds() * 1000 + 12.4, 3)},
        })

    def click(self, t: dt.datetime, step: Click) -> None:
        ctx = self.ctx
        pageref = f"page_{len(self.pages)}"
        ctx.crumbs.append({"timestamp": epoch_ms(t) / 1000, "category": "ui.click",
                           "message": f'div#app > [data-track="{step.target}"]'})
        beacon = t + ms(38)
        self.emit(beacon, Req(0, EVENTS, "fetch", method="POST",
                              body=event_body(ctx, beacon, "click", step.target, step.text),
                              initiator=APP_JS), pageref)
        for req in step.then:
            when = t + ms(req.at)
            if req.url == "@xiti-page":
                req = Req(0, xiti_url(ctx, when), "image", initiator=req.initiator)
            elif req.url == "@xiti-click":
                req = Req(0, xiti_url(ctx, when, click=step.target), "image",
                          initiator=req.initiator)
            elif req.url in ("@rum", "@rum-unload"):
                req = Req(0, RUM, "ping", method="POST", initiator=req.initiator,
                          body=rum_body(ctx, when, unload=req.url == "@rum-unload"))
            self.emit(when, req, pageref)
            self.crumb(when, req)

    def crumb(self, t: dt.datetime, req: Req) -> None:
        """Sentry records the app's XHR/fetch calls as breadcrumbs (but not its own)."""
        if req.rtype in ("xhr", "fetch") and "sentry" not in req.url:
            self.ctx.crumbs.append({"timestamp": epoch_ms(t) / 1000, "category": req.rtype,
                                    "data": {"method": req.method, "url": req.url,
                                             "status_code": req.status}})

    # --- one entry ---
    def body_text(self, req: Req, t: dt.datetime) -> str | None:
        body = req.body
        if body == "@sentry-session":
            return sentry_session(self.ctx, t)
        if body == "@sentry-profile":
            return compact(sentry_event(
                self.ctx, t, "TypeError",
                "Cannot read properties of undefined (reading 'expertises')", "renderExpertises",
                f"{CF}/assets/js/practitioner.9a4e2c71.js",
                {"speciality": SPECIALTY, "place": "paris", "practitioner": DR}))
        if body == "@sentry-booking":
            return compact(sentry_event(
                self.ctx, t, "Error", "ResizeObserver loop limit exceeded", "observeNoteField",
                f"{CF}/assets/js/booking.3c8f1e64.js",
                {"speciality": SPECIALTY, "practitioner": DR,
                 "visit_motive": "consultation-de-suivi-oncologique"}))
        if body == "@axeptio-consent":
            return compact({"token": AXEPTIO_TOKEN, "accept": True,
                            "preferences": {"vendors": {"xiti": True, "cloudflare": True},
                                            "config": {"identifier": "medirdv-cookies-fr",
                                                       "language": "fr"}},
                            "collection": "cookies"})
        if body == "@booking":
            return compact(booking_body())
        if body is None:
            return None
        return body if isinstance(body, str) else compact(body)

    def emit(self, t: dt.datetime, req: Req, pageref: str) -> dt.datetime:
        """Append one HAR entry; return when it finished."""
        parts = urlsplit(req.url)
        seq = len(self.entries)
        if parts.scheme == "data":
            self.entries.append((t, seq, data_entry(t, req.url, pageref)))
            return t
        host = parts.hostname or ""
        ip, proto = HOSTS[host]
        h2 = proto == "http/2.0"
        text = self.body_text(req, t)
        cookies = [] if req.rtype == "preflight" else self.request_cookies(host)
        hdrs = self.request_headers(req, host, h2, text, cookies)

        status = 204 if req.rtype == "preflight" else req.status
        status_text = "" if h2 else STATUS_TEXT[status]  # Chrome leaves it empty for HTTP/2
        mime, size = response_body(req)
        compressed = size > 1000 and (mime.startswith(("text/", "application/"))
                                      or mime == "image/svg+xml")
        encoded = round(size * (0.26 + (h(req.url, "ratio") % 20) / 100)) if compressed else size
        resp_hdrs = self.response_headers(host, req.url, req, t, status, mime, encoded, compressed)
        resp_cookies = []
        if req.rtype == "document" and req.url == PAGES["home"][0]:  # sliding session expiry
            expires = (t + dt.timedelta(hours=2)).astimezone(dt.UTC)
            resp_hdrs.append(("set-cookie", f"medirdv_session={SESSION_COOKIE}; path=/; "
                              f"domain=.medirdv.example; expires={http_date(expires)}; secure; "
                              "httponly; samesite=lax"))
            resp_cookies.append({"name": "medirdv_session", "value": SESSION_COOKIE, "path": "/",
                                 "domain": ".medirdv.example", "expires": utc_iso(expires),
                                 "httpOnly": True, "secure": True, "sameSite": "Lax"})
        if not h2:  # HTTP/1.1: Chrome shows the header names as they were on the wire
            hdrs = [(canonical(n), v) for n, v in hdrs]
            resp_hdrs = [(canonical(n), v) for n, v in resp_hdrs]

        timings = self.timings(host, req.url, t, encoded)
        total = round(sum(max(0, timings[k]) for k in
                          ("blocked", "dns", "connect", "send", "wait", "receive")), 3)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        request = {
            "method": req.method, "url": req.url, "httpVersion": proto,
            "headers": [{"name": n, "value": v} for n, v in hdrs],
            "queryString": query_string(parts.query), "cookies": cookies,
            "headersSize": -1 if h2 else head_size(f"{req.method} {target} HTTP/1.1", hdrs),
            "bodySize": len(text.encode()) if text is not None else 0,
        }
        if text is not None:
            request["postData"] = {"mimeType": req.body_mime, "text": text}
        rh_size = -1 if h2 else head_size(f"HTTP/1.1 {status} {status_text}", resp_hdrs)
        response = {
            "status": status, "statusText": status_text, "httpVersion": proto,
            "headers": [{"name": n, "value": v} for n, v in resp_hdrs],
            "cookies": resp_cookies,
            "content": {"size": size, "mimeType": mime}
            | ({"compression": size - encoded} if encoded != size else {}),
            "redirectURL": req.location or "",
            "headersSize": rh_size, "bodySize": encoded,
            "_transferSize": encoded + (rh_size if rh_size > 0 else 180 + h(req.url) % 300),
            "_error": None,
        }
        entry = {
            "_initiator": self.initiator(req), "_priority": PRIORITY[req.rtype],
            "_resourceType": req.rtype, "cache": {}, "connection": self.connection(host),
            "pageref": pageref, "request": request, "response": response,
            "serverIPAddress": ip, "startedDateTime": iso(t), "time": total, "timings": timings,
        }
        if req.no_ip:
            del entry["serverIPAddress"]
        self.entries.append((t, seq, entry))
        return t + ms(total)

    def initiator(self, req: Req) -> dict:
        if req.rtype == "document":
            return {"type": "other"}
        if req.rtype == "preflight":
            return {"type": "preflight", "url": req.url}
        if not req.initiator:
            return {"type": "parser", "url": self.ctx.page_url, "lineNumber": 8 + h(req.url) % 40}
        kind = "parser" if "css" in urlsplit(req.initiator).path else "script"
        out: dict = {"type": kind, "url": req.initiator}
        if req.url == EVENTS:  # the tracking beacons also carry the JS stack, as Chrome does
            out["stack"] = {"callFrames": [{
                "functionName": "track", "scriptId": "57", "url": req.initiator,
                "lineNumber": 0, "columnNumber": 18342}]}
        return out

    def request_headers(self, req: Req, host: str, h2: bool, text: str | None,
                        cookies: list[dict]) -> list[tuple[str, str]]:
        """The request headers, in the order Chrome lists them (lower case; see canonical())."""
        page_url = self.ctx.page_url
        referer = req.referrer if req.referrer is not None else page_url
        dest, mode = DEST[req.rtype]
        if req.rtype == "document":
            same = site(urlsplit(referer).hostname or "") == site(host)
            fetch_site = "same-origin" if same else "cross-site"
        else:
            origin_host = urlsplit(page_url).hostname or ""
            fetch_site = ("same-origin" if origin_host == host else
                          "same-site" if site(origin_host) == site(host) else "cross-site")
        preflight = req.rtype == "preflight"
        parts = urlsplit(req.url)
        hdrs: list[tuple[str, str]] = []
        if h2:
            hdrs += [(":authority", host), (":method", req.method),
                     (":path", parts.path + (f"?{parts.query}" if parts.query else "")),
                     (":scheme", "https")]
        hdrs.append(("accept", ACCEPT.get(req.rtype, "*/*")))
        if preflight:
            hdrs += [("access-control-request-headers", allowed_headers(host)),
                     ("access-control-request-method", "POST")]
        hdrs += [("accept-encoding", "gzip, deflate, br"), ("accept-language", ACCEPT_LANGUAGE)]
        if req.auth and not preflight:
            hdrs.append(("authorization", f"Bearer {BEARER}"))
        if not h2:
            hdrs.append(("connection", "keep-alive"))
        if text is not None:
            hdrs += [("content-length", str(len(text.encode()))), ("content-type", req.body_mime)]
        if cookies:
            hdrs.append(("cookie", "; ".join(f"{c['name']}={c['value']}" for c in cookies)))
        if not h2:
            hdrs.append(("host", host))
        if req.method in ("POST", "OPTIONS") or (mode == "cors" and fetch_site != "same-origin"):
            hdrs.append(("origin", WWW))
        if referer:  # the site sends "Referrer-Policy: no-referrer-when-downgrade": full URLs
            hdrs.append(("referer", referer))
        hdrs += [("sec-ch-ua", SEC_CH_UA), ("sec-ch-ua-mobile", "?0"),
                 ("sec-ch-ua-platform", '"Windows"'), ("sec-fetch-dest", dest),
                 ("sec-fetch-mode", mode), ("sec-fetch-site", fetch_site)]
        if req.rtype == "document":
            hdrs += [("sec-fetch-user", "?1"), ("upgrade-insecure-requests", "1")]
        hdrs.append(("user-agent", UA))
        if "ingest.sentry.io" in host and not preflight:
            hdrs.append(("x-sentry-auth", "Sentry sentry_version=7, sentry_client="
                         f"sentry.javascript.browser/7.23.0, sentry_key={SENTRY_KEY}"))
        return hdrs

    def timings(self, host: str, url: str, t: dt.datetime, encoded: int) -> dict:
        first = host not in self.seen_hosts  # a new connection: DNS, TCP and TLS
        self.seen_hosts.add(host)
        key = (url, iso(t))
        connect = jitter(20, 60, *key, "connect") if first else -1
        if host.endswith("medirdv.example"):
            wait = jitter(25, 140, *key, "wait")
        elif "execute-api" in host or "ingest.sentry" in host or "s3.amazonaws" in host:
            wait = jitter(85, 190, *key, "wait")  # answered by a distant origin, not an edge
        else:
            wait = jitter(6, 45, *key, "wait")
        return {
            "blocked": jitter(0.8, 6, *key, "blocked"),
            "dns": jitter(8, 40, *key, "dns") if first else -1,
            "ssl": round(connect * 0.6, 3) if first else -1, "connect": connect,
            "send": jitter(0.05, 0.4, *key, "send"), "wait": wait,
            "receive": jitter(0.3, 2 + encoded / 20_000, *key, "receive"),
            "_blocked_queueing": jitter(0.4, 3, *key, "queue"),
        }

    def connection(self, host: str) -> str:
        if host not in self.connections:
            self.connections[host] = str(418_207 + 37 * len(self.connections))
        return self.connections[host]

    def request_cookies(self, host: str) -> list[dict]:
        if host.endswith(".medirdv.example"):
            return [{"name": n, "value": v, "path": "/", "domain": ".medirdv.example",
                     "expires": "2023-12-05T09:14:08.000Z" if n != "medirdv_session"
                     else "2022-12-05T11:14:03.000Z", "httpOnly": http_only, "secure": True}
                    for n, v, http_only in FIRST_PARTY_COOKIES]
        return [{"name": n, "value": v, "path": "/", "domain": d,
                 "expires": "2022-12-05T09:44:03.000Z" if n == "__cf_bm"
                 else "2023-12-05T09:14:09.000Z", "httpOnly": http_only, "secure": True}
                for n, v, http_only, d in THIRD_PARTY_COOKIES.get(host, [])]

    def response_headers(self, host: str, url: str, req: Req, t: dt.datetime, status: int,
                         mime: str, encoded: int, compressed: bool) -> list[tuple[str, str]]:
        date = http_date(t)
        out: list[tuple[str, str]] = []
        cors = req.rtype in ("xhr", "fetch", "ping", "preflight", "font") \
            or host.startswith("cdnjs")
        if req.rtype == "preflight":
            out += [("access-control-allow-credentials", "true") if host.startswith("api.")
                    else ("access-control-allow-origin", "*"),
                    ("access-control-allow-headers", allowed_headers(host)),
                    ("access-control-allow-methods", "GET,POST,OPTIONS"),
                    ("access-control-max-age", "600")]
        elif cors:
            out.append(("access-control-allow-origin",
                        "https://www.medirdv.example" if host.endswith("medirdv.example")
                        or "execute-api" in host else "*"))
        if status not in (204, 302):
            if "execute-api" in host:
                out.append(("content-length", str(encoded)))
            out.append(("content-type", mime + ("; charset=utf-8" if mime.startswith("text/")
                                                or mime.endswith("json") else "")))
        if compressed:
            out.append(("content-encoding", "br" if not host.startswith(("logs", "medirdv-prod"))
                        else "gzip"))
        out.append(("date", date))
        if status == 302:
            out.append(("location", req.location or ""))
        if req.rtype == "document":
            out += [("cache-control", "private, no-cache, no-store, must-revalidate"),
                    ("referrer-policy", "no-referrer-when-downgrade"),
                    ("strict-transport-security", "max-age=31536000; includeSubDomains"),
                    ("x-content-type-options", "nosniff"), ("server", "nginx")]
        elif host.endswith("medirdv.example"):
            out += [("cache-control", "private, no-cache" if host.startswith("api")
                     else "public, max-age=31536000, immutable"),
                    ("server", "nginx"), ("vary", "Origin")]
        elif host.endswith("cloudfront.net"):
            out += [("cache-control", "public, max-age=31536000, immutable"),
                    ("etag", f'"{h(url, "etag"):016x}"'),
                    ("server", "AmazonS3"),
                    ("via", f"1.1 {h(url, 'via'):016x}.cloudfront.net (CloudFront)"),
                    ("x-amz-cf-id", f"{h(url, 'cfid'):016x}{h(url, 'cfid2'):016x}"),
                    ("x-amz-cf-pop", "CDG50-C1"), ("x-cache", "Hit from cloudfront")]
        elif host.endswith("s3.amazonaws.com"):
            out = [("Accept-Ranges", "bytes"), ("Content-Length", str(encoded)), *out,
                   ("ETag", f'"{h(url, "etag"):016x}{h(url, "etag2"):016x}"'),
                   ("Last-Modified", "Thu, 01 Dec 2022 13:06:40 GMT"), ("Server", "AmazonS3"),
                   ("x-amz-id-2", f"{h(url, 'id2'):016x}{h(url, 'id2b'):016x}/"
                                  f"{h(url, 'id2c'):016x}="),
                   ("x-amz-request-id", f"{h(url, 'req'):016X}")]
        elif "execute-api" in host:
            out += [("x-amz-apigw-id", f"{h(t, 'apigw'):016x}"[:14] + "Q="),
                    ("x-amzn-requestid", uuid_like(h(t, "reqid"), h(t, "reqid2"))),
                    ("x-amzn-trace-id", f"Root=1-{epoch_ms(t) // 1000:08x}-"
                                        + f"{h(t, 'trace'):016x}{h(t, 'trace2'):016x}"[:24])]
        elif host == "res.cloudinary.com":
            out += [("cache-control", "public, max-age=2592000"),
                    ("etag", f'"{h(url, "etag"):016x}"'), ("server", "Cloudinary"),
                    ("server-timing", f"cld-akam;dur={h(url) % 40 + 2};start={iso(t)[:19]}Z,"
                                      "rtt;dur=18,cdn-cache;desc=HIT"),
                    ("timing-allow-origin", "*"), ("vary", "Accept"),
                    ("x-request-id", f"{h(url, 'xr'):016x}{h(url, 'xr2'):016x}")]
        elif host.endswith(("cloudflare.com", "cloudflareinsights.com")):
            out += [("cache-control", "public, max-age=30672000" if req.rtype == "script"
                     else "no-store"),
                    ("cf-cache-status", "HIT" if req.rtype == "script" else "DYNAMIC"),
                    ("cf-ray", f"{h(url, t, 'ray'):016x}-CDG"), ("server", "cloudflare"),
                    ("timing-allow-origin", "*")]
        elif "ingest.sentry.io" in host:
            out += [("server", "nginx"), ("vary", "Origin"),
                    ("via", "1.1 google"), ("x-envoy-upstream-service-time", "0")]
        elif host.startswith("fonts."):
            out += [("cache-control", "public, max-age=31536000" if "gstatic" in host
                     else "private, max-age=86400, stale-while-revalidate=604800"),
                    ("server", "sffe" if "gstatic" in host else "ESF"),
                    ("x-content-type-options", "nosniff")]
        elif "xiti" in host:
            out = [("Cache-Control", "no-cache, no-store, must-revalidate"),
                   ("Connection", "keep-alive"), ("Content-Length", "43"),
                   ("Content-Type", "image/gif"), ("Date", date),
                   ("Expires", "Mon, 26 Jul 1997 05:00:00 GMT"), ("P3P", 'CP="NOI CUR OUR NOR"'),
                   ("Pragma", "no-cache"), ("Server", "Xiti")]
        elif "axept.io" in host or host == "browser.sentry-cdn.com":
            out += [("cache-control", "public, max-age=300" if host.startswith("client")
                     else "no-cache" if host.startswith("api") else "public, max-age=3600"),
                    ("etag", f'"{h(url, "etag"):016x}"'),
                    ("via", f"1.1 {h(url, 'via'):016x}.cloudfront.net (CloudFront)")
                    if "axept" in host else ("x-served-by", "cache-cdg20745-CDG"),
                    ("x-cache", "HIT" if "sentry" in host else "Miss from cloudfront"
                     if host.startswith("api") else "Hit from cloudfront")]
        return out


STATUS_TEXT = {200: "OK", 201: "Created", 204: "No Content", 302: "Found"}


def response_body(req: Req) -> tuple[str, int]:
    """The response's MIME type and decoded size."""
    url = req.url
    if req.rtype == "preflight":
        return "x-unknown", 0
    if url.startswith(RUM):
        return "text/plain", 0
    if url.startswith(EVENTS):
        return "application/json", 11  # {"ok":true}
    if "ingest.sentry.io" in url:
        return "application/json", 41  # {"id":"<event id>"}
    if url.startswith(XITI):
        return "image/gif", 43
    mime = req.mime or (image_mime(url) if req.rtype == "image" else MIME[req.rtype])
    if req.status == 302:
        return mime, 0
    if req.size is not None:
        return mime, req.size
    for k, v in KNOWN_SIZES.items():
        if k in url:
            return mime, v
    lo, hi = SIZES[req.rtype]
    return mime, lo + h(url, "size") % (hi - lo + 1)


def allowed_headers(host: str) -> str:
    if host.startswith("api."):
        return "authorization,content-type"
    return "content-type,x-sentry-auth" if "sentry" in host else "content-type"


def utc_iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def data_entry(t: dt.datetime, url: str, pageref: str) -> dict:
    size = len(url.split(",", 1)[1]) * 3 // 4 - 2
    return {
        "_initiator": {"type": "parser", "url": PAGES["home"][0], "lineNumber": 31},
        "_priority": "Low", "_resourceType": "image", "cache": {}, "pageref": pageref,
        "request": {"method": "GET", "url": url, "httpVersion": "http/1.1", "headers": [],
                    "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "http/1.1",
                     "headers": [{"name": "Content-Type", "value": "image/png"}], "cookies": [],
                     "content": {"size": size, "mimeType": "image/png"}, "redirectURL": "",
                     "headersSize": -1, "bodySize": 0, "_transferSize": 0, "_error": None},
        "serverIPAddress": "", "startedDateTime": iso(t), "time": 0.412,
        "timings": {"blocked": -1, "dns": -1, "ssl": -1, "connect": -1, "send": 0,
                    "wait": 0.301, "receive": 0.111, "_blocked_queueing": -1},
    }


def ms(value: float) -> dt.timedelta:
    return dt.timedelta(milliseconds=value)


def canonical(name: str) -> str:
    if name.startswith(("sec-", ":")):
        return name
    return "-".join(p.upper() if p.lower() == "p3p" else p.capitalize()
                    for p in name.split("-")).replace("Etag", "ETag")


def head_size(first_line: str, hdrs: list[tuple[str, str]]) -> int:
    return len(first_line) + 2 + sum(len(n) + 2 + len(v.encode()) + 2 for n, v in hdrs) + 2


def query_string(query: str) -> list[dict]:
    """Chrome keeps query values as they appear in the URL (still percent-encoded)."""
    out = []
    for pair in query.split("&") if query else []:
        name, _, value = pair.partition("=")
        out.append({"name": name, "value": value})
    return out


def uuid_like(a: int, b: int) -> str:
    x = f"{a:016x}{b:016x}"
    return f"{x[:8]}-{x[8:12]}-4{x[13:16]}-a{x[17:20]}-{x[20:32]}"


def build() -> dict:
    cap = Capture()
    cap.run(SESSION)
    entries = [e for _, _, e in sorted(cap.entries, key=lambda x: (x[0], x[1]))]
    return {"log": {
        "version": "1.2",
        "creator": {"name": "WebInspector", "version": "537.36"},
        "browser": {"name": "Chrome", "version": "108.0.5359.95"},
        "pages": cap.pages,
        "entries": entries,
        "comment": "Fictional reconstruction (gdprmap example): MédiRDV and every person, "
                   "identifier and secret in this file are invented. See examples/README.md.",
    }}


def pretty(obj: object, level: int = 0, width: int = 160) -> str:
    """JSON with indent=1, except that small objects and lists stay on one line."""
    flat = json.dumps(obj, ensure_ascii=False)
    if not isinstance(obj, (dict, list)) or len(flat) + level <= width or not obj:
        return flat
    pad = " " * (level + 1)
    if isinstance(obj, dict):
        items = [f"{pad}{json.dumps(k, ensure_ascii=False)}: {pretty(v, level + 1, width)}"
                 for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * level + "}"
    items = [pad + pretty(v, level + 1, width) for v in obj]
    return "[\n" + ",\n".join(items) + "\n" + " " * level + "]"


def main() -> None:
    text = pretty(build()) + "\n"
    OUT.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {OUT} ({len(text.encode())} bytes)")


if __name__ == "__main__":
    main()
