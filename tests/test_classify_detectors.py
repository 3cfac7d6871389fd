"""Each detector on its own: the DPV IRI it claims, the field it points at, and what it must not
claim. Values go through the importer's redaction first, as in a real run."""

import datetime as dt
import json
from urllib.parse import urlsplit

import pytest

from conftest import EXAMPLE, entry, har
from gdprmap import redact, vocab
from gdprmap.api import analyze
from gdprmap.classify import DETECTORS, HealthContext, View, classify
from gdprmap.classify.lexicon import Lexicon
from gdprmap.graph import HostStats
from gdprmap.models import Flow


def flow(url, *, referrer=None, headers=(), cookies=(), body=None, mime="application/json",
         page_url=None, entry_no=3):
    parts = urlsplit(url)
    hs = [redact.header(n, v) for n, v in headers]
    if referrer:
        hs.append(redact.header("Referer", referrer))
    params, text = redact.body_params(mime, body) if body is not None else ((), None)
    return Flow(input="t.har", entry=entry_no, started=dt.datetime(2022, 12, 5, tzinfo=dt.UTC),
                method="POST" if body is not None else "GET", url=redact.url(url),
                scheme=parts.scheme, host=parts.hostname,
                referrer=redact.url(referrer) if referrer else None, headers=tuple(hs),
                cookies=tuple(cookies), query=redact.query_params(parts.query), body=params,
                body_text=text, page_url=page_url)


def run(name, f):
    """One detector's claims, as the data items ``classify`` returns."""
    return [claim.to_item() for claim in DETECTORS[name](View(f))]


def by_cat(items):
    out = {}
    for i in items:
        out.setdefault(i.category, []).append(i)
    return out


def no_raw(items, *values):
    dumped = json.dumps([i.model_dump(mode="json") for i in items])
    for v in values:
        assert v not in dumped, v


# --- network identifiers ---------------------------------------------------------------------

def test_truncated_ip_in_payload_is_an_ip_address():
    f = flow("https://www.google-analytics.com/collect?v=1&cid=5&uip=81.2.69.0&t=pageview")
    (item,) = run("ip-in-payload", f)
    assert item.category == vocab.IP_ADDRESS.iri
    assert item.evidence.field == "request.queryString[uip]"
    assert "truncated IP address" in item.evidence.excerpt
    no_raw([item], "81.2.69.0")
    assert "81.2.69.0" not in f.url


def test_full_ip_in_a_json_body():
    items = run("ip-in-payload", flow("https://x.example/e", body='{"user":{"ip":"203.0.113.9"}}'))
    assert [i.evidence.field for i in items] == ["request.postData:user.ip"]
    no_raw(items, "203.0.113.9")


def test_version_numbers_are_not_ip_addresses():
    assert run("ip-in-payload", flow("https://x.example/a.js?v=1.2.3.4&build=10.0.19045.2251")) == []


# --- online identifiers ----------------------------------------------------------------------

def test_cookies_and_consent_cookies():
    items = run("cookies", flow("https://x.example/", cookies=("_ga", "euconsent-v2",
                                                              "cookieconsent_status")))
    cats = {i.evidence.field: i.category for i in items}
    assert cats == {"request.cookies[_ga]": vocab.IDENTIFIER.iri,
                    "request.cookies[euconsent-v2]": vocab.PRIVACY_PREFERENCE.iri}


def test_identifiers_carry_the_digest_and_skip_event_ids():
    f = flow("https://x.example/c?cid=1843570123.1670234400&tid=G-XY12&v=2",
             body='{"event_id":"5f3c1a2b9d8e4f70a1b2c3d4e5f60718","user":{"id":"pat_1"}}')
    items = run("identifiers", f)
    assert {i.evidence.field for i in items} == {"request.queryString[cid]",
                                                 "request.postData:user.id"}
    assert all(i.digest for i in items)
    assert items[0].digest == redact.param("cid", "1843570123.1670234400").digest


def test_session_secret_is_an_identifier_but_an_api_key_is_not():
    items = run("identifiers", flow("https://x.example/?sid=1670234400&api_key=K-1234567890abc"))
    assert [i.evidence.field for i in items] == ["request.queryString[sid]"]


def test_tc_string_is_a_privacy_preference():
    tc = "CPi8wgAPi8wgAAHABBENCoCsAP_AAH_AAAqIHWtf_X_fb39j-_59_9t0eY1f9"
    items = run("tc-string", flow(f"https://gum.criteo.com/sync?gdpr=1&gdpr_consent={tc}"))
    assert [i.category for i in items] == [vocab.PRIVACY_PREFERENCE.iri]
    no_raw(items, tc)


def test_same_identifier_to_two_hosts_is_collected_per_host():
    a, b = HostStats("a.example"), HostStats("b.example")
    fa = flow("https://a.example/?visitor_id=abc-123")
    fb = flow("https://b.example/e", body='{"user_id":"abc-123"}')
    a.add(fa, classify(fa))
    b.add(fb, classify(fb))
    assert a.identifier_digests and a.identifier_digests == b.identifier_digests


def test_example_recipients_sharing_the_patient_id_are_named():
    doc = analyze(EXAMPLE)
    shared = {r.id: r.shared_identifiers for r in doc.recipients}
    assert shared["org:aws-emea-sarl"] == ("org:functional-software-inc",)
    assert shared["org:functional-software-inc"] == ("org:aws-emea-sarl",)
    assert shared["org:google-llc"] == ()


# --- browsing behaviour ----------------------------------------------------------------------

def test_page_title_and_path_in_payload():
    items = run("page", flow("https://t.example/c?dt=Cardiologue%20Paris&dp=%2Fcardiologue&p=2"))
    assert {i.evidence.excerpt for i in items} == {"dt=Cardiologue Paris", "dp=/cardiologue"}
    assert {i.category for i in items} == {vocab.BROWSING.iri}


def test_script_urls_are_not_the_page():
    body = '{"exception":{"frames":[{"filename":"https://cdn.example/app.js"}]}}'
    assert run("page", flow("https://sentry.example/e", body=body)) == []


@pytest.mark.parametrize(("url", "found"), [
    ("https://t.example/c?en=view_search_results&ep.search_term=dermatologue", True),
    ("https://t.example/s?q=running+shoes", True),
    ("https://img.example/x.jpg?q=75", False),                       # image quality
    ("https://api.example/graphql?query=%7B%20me%20%7Bid%7D%7D", False),  # GraphQL
])
def test_search_terms(url, found):
    assert bool(run("search-terms", flow(url))) is found


def test_every_click_beacon_is_counted():
    stats = HostStats("api.example")
    for n in range(4):
        f = flow("https://api.example/events", body='{"event":"click","target":"rdv"}',
                 entry_no=n)
        stats.add(f, classify(f))
    scroll = flow("https://api.example/events", body='{"event":"scroll"}', entry_no=9)
    stats.add(scroll, classify(scroll))
    assert stats.categories[vocab.LINK_CLICKED.iri].flows == 4
    assert {e.entry for e in stats.categories[vocab.LINK_CLICKED.iri].evidence} == {0, 1, 2, 3}


@pytest.mark.parametrize("body", [
    '{"breadcrumbs":{"values":[{"category":"ui.click","message":"button#book"}]}}',  # Sentry
    '{"e_c":"CTA","e_a":"click"}',                                                  # Matomo
    '{"events":[{"type":"link_click"}]}',
])
def test_click_event_shapes(body):
    items = run("events", flow("https://t.example/e", body=body))
    assert [i.category for i in items] == [vocab.LINK_CLICKED.iri]


def test_page_view_is_not_a_click():
    assert run("events", flow("https://t.example/g/collect?en=page_view&t=pageview")) == []


# --- device ----------------------------------------------------------------------------------

def test_screen_language_and_user_agent():
    f = flow("https://t.example/c?sr=1920x1080&ul=fr-fr&ua=Mozilla%2F5.0%20(X11)%20Firefox%2F108",
             headers=[("User-Agent", "Mozilla/5.0")])
    cats = by_cat(run("screen-language", f) + run("user-agent", f))
    assert set(cats) == {vocab.DEVICE.iri, vocab.LANGUAGE.iri, vocab.USER_AGENT.iri}
    assert len(cats[vocab.USER_AGENT.iri]) == 2


def test_fingerprint_by_component_or_by_many_properties():
    fp = run("fingerprint", flow("https://api.fpjs.io/", body=json.dumps(
        {"components": {"canvas": {"value": {"geometry": "a8f2"}}}})))
    assert [i.category for i in fp] == [vocab.FINGERPRINT.iri]
    many = run("fingerprint", flow("https://x.example/d", body=json.dumps(
        {"sr": "1920x1080", "cd": 24, "tz": -60, "platform": "Win32", "cores": 8,
         "devicememory": 8})))
    assert many and "6 device properties" in many[0].evidence.excerpt
    few = run("fingerprint", flow("https://x.example/d?sr=1920x1080&tz=-60&platform=Win32"))
    assert few == []


# --- contact and identity --------------------------------------------------------------------

def test_meta_advanced_matching_hashes():
    h = "b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514"
    f = flow(f"https://www.facebook.com/tr/?id=1&ev=Lead&ud[em]={h}&ud[ph]={h}&ud[fn]={h}&"
             f"ud[db]={h}&ud[zp]={h}&ud[ct]={h}")
    cats = by_cat(run("contact", f))
    assert set(cats) == {vocab.EMAIL.iri, vocab.PHONE.iri, vocab.NAME.iri, vocab.BIRTH_DATE.iri,
                         vocab.POSTAL_CODE.iri, vocab.LOCATION.iri}
    assert "hashed e-mail address" in cats[vocab.EMAIL.iri][0].evidence.excerpt
    assert not run("identifiers", f) or all(
        i.evidence.field == "request.queryString[id]" for i in run("identifiers", f))


def test_form_values_are_named_never_shown():
    body = ("EMAIL=jeanne%40mail.example&FIRSTNAME=Jeanne&LASTNAME=Dupont&SMS=%2B33612345678&"
            "date_of_birth=1985-04-12&zip_code=69003&city=Villeurbanne&lat=45.7667")
    f = flow("https://sibforms.com/serve/x", body=body,
             mime="application/x-www-form-urlencoded")
    items = run("contact", f)
    assert set(by_cat(items)) == {vocab.EMAIL.iri, vocab.NAME.iri, vocab.PHONE.iri,
                                  vocab.BIRTH_DATE.iri, vocab.POSTAL_CODE.iri, vocab.LOCATION.iri}
    raw = ("jeanne", "Jeanne", "Dupont", "33612345678", "1985-04-12", "69003", "Villeurbanne",
           "45.7667")
    no_raw(classify(f), *raw)
    assert not any(v in f.model_dump_json() for v in raw)


def test_gravatar_path_is_a_hashed_email():
    items = run("contact", flow("https://www.gravatar.com/avatar/0bc83cb571cd1c50ba6f3e8a78ef1346"
                                "?s=80"))
    assert [i.category for i in items] == [vocab.EMAIL.iri]


def test_coordinates_and_postcode_in_query():
    f = flow("https://maps.example/geocode?latlng=48.8566,2.3522&postcode=75011&country=FR")
    assert {i.category for i in run("contact", f)} == {vocab.LOCATION.iri, vocab.POSTAL_CODE.iri}
    assert "48.8566" not in f.url and "75011" not in f.url


# --- special categories ----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "topic", "term"), [
    ("https://www.arzttermin.example/frauenarzt/muenchen", "health", "frauenarzt"),
    ("https://x.example/hals-nasen-ohrenheilkunde", "health", "hals nasen ohrenheilkunde"),
    ("https://x.example/cancer-treatment-options", "health", "cancer"),
    ("https://x.example/horaires-des-messes/lyon", "religion", "horaires des messes"),
    ("https://x.example/kirchenaustritt", "religion", "kirchenaustritt"),
    ("https://x.example/gay-dating/berlin", "sexual", "gay dating"),
    ("https://www.spd.example/mitglied-werden", "political", "spd"),
    ("https://x.example/se-syndiquer", "union", "se syndiquer"),
])
def test_special_terms_en_fr_de(text, topic, term):
    assert (topic, term) in Lexicon.special().find_topics(text)


@pytest.mark.parametrize("text", [
    "https://astro.example/horoskop/krebs/heute",            # Krebs: zodiac sign
    "https://astro.example/zodiac/cancer-traits",
    "https://tv.example/series/the-good-doctor/season-2",    # doctor next to a blocker
    "https://kanzlei.example/dr-mueller-rechtsanwalt/termin",  # a lawyer's Dr.
    "https://physics.example/gay-lussac-law",                 # masked phrase
    "https://news.example/politics/afd-spd-coalition-talks",  # reporting, not an opinion
    "https://news.example/actualites/greve-cgt-sncf",
    "https://tourism.example/syndicat-d-initiative/visites",
    "https://bank.example/credit-union/membership",
    "https://shop.example/long-sleeve-shirts",
    "https://rezepte.example/rezept/kuchen-mit-kirschen",
])
def test_false_friends_reveal_nothing(text):
    assert Lexicon.special().find_topics(text) == []


def test_special_items_name_the_term_and_the_field():
    f = flow("https://res.cloudinary.com/x/image/upload/wards/oncology-ward.jpg",
             referrer="https://www.moschee-verein.example/gebetszeiten")
    items = run("special-terms", f)
    got = {(i.category, i.term, i.evidence.field) for i in items}
    assert (vocab.HEALTH.iri, "oncology", "request.url (path)") in got
    assert (vocab.RELIGION.iri, "gebetszeiten", "request.headers[Referer]") in got


def test_every_lexicon_has_a_source_line_and_a_known_topic():
    from gdprmap.classify.lexicon import LEXICON_DIR
    from gdprmap.classify.special import TOPICS

    for path in LEXICON_DIR.glob("*.txt"):
        assert path.name.split(".")[0] in TOPICS, path.name
        assert "source" in path.read_text(encoding="utf-8").lower(), path.name


# --- health context --------------------------------------------------------------------------

def test_health_context_from_the_knowledge_base_names_the_operator():
    ctx = HealthContext(lookup=lambda h: "Doctolib SAS" if h.endswith("doctolib.fr") else None)
    f = flow("https://www.google-analytics.com/g/collect?v=2",
             page_url="https://www.doctolib.fr/")
    (item,) = [i for i in classify(f, ctx) if i.context]
    assert item.category == vocab.HEALTH.iri and "Doctolib SAS" in item.context
    other = flow("https://www.google-analytics.com/g/collect", page_url="https://shop.example/")
    assert not [i for i in classify(other, ctx) if i.context]


def test_declared_health_context_marks_every_third_party_flow(tmp_path):
    doc = analyze(EXAMPLE, health_context=True)
    for r in doc.recipients:
        health = next(d for d in r.data if d.iri == vocab.HEALTH.iri)
        assert health.contexts and "--health-context" in health.contexts[0], r.id
        assert vocab.HEALTH.iri in r.special_categories
    plain = analyze(EXAMPLE)
    google = next(r for r in plain.recipients if r.id == "org:google-llc")
    assert vocab.HEALTH.iri not in google.special_categories  # fonts: no term, no context


def test_health_context_cli_option(tmp_path):
    from click.testing import CliRunner

    from gdprmap.cli import main

    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["report", str(EXAMPLE), "-o", str(out),
                                       "--health-context"], catch_exceptions=False)
    assert result.exit_code == 0
    doc = json.loads(out.read_text())
    google = next(r for r in doc["recipients"] if r["id"] == "org:google-llc")
    assert "https://w3id.org/dpv/pd#Health" in google["special_categories"]


def test_no_planted_personal_value_reaches_the_json_report(tmp_path, write_har):
    from click.testing import CliRunner

    from gdprmap.cli import main

    body = json.dumps({"firstName": "Zoltan-PLANT", "phone": "+33 6 99 88 77 66",
                       "dob": "1911-11-11", "zip": "99123", "lat": "12.345678",
                       "email": "zoltan@plant.example", "event": "click"})
    path = write_har(har([entry("https://www.site.example/"),
                          entry("https://collect.tracker.example/e?uip=203.0.113.0", method="POST",
                                post=body, headers=[("User-Agent", "UA-test")])]))
    out = tmp_path / "r.json"
    CliRunner().invoke(main, ["report", str(path), "-o", str(out)], catch_exceptions=False)
    text = out.read_text()
    for raw in ("Zoltan-PLANT", "99 88 77 66", "1911-11-11", "99123", "12.345678",
                "zoltan@plant.example", "203.0.113.0"):
        assert raw not in text, raw
    doc = json.loads(text)
    (rec,) = [r for r in doc["recipients"] if r["id"].endswith("tracker.example")]
    names = {d["iri"].rsplit("#", 1)[1] for d in rec["data"]}
    assert {"Name", "TelephoneNumber", "BirthDate", "PostalCode", "Location", "EmailAddress",
            "LinkClicked", "IPAddress"} <= names


# --- cookie lifetimes ------------------------------------------------------------------------

def test_cookie_lifetimes_from_the_capture_tool():
    from gdprmap.classify.cookies import cookie_lifetimes
    from gdprmap.models import CaptureInfo, StoredCookie

    start = dt.datetime(2024, 5, 30, 12, 0, tzinfo=dt.UTC)
    info = CaptureInfo(path="wec", sha256="0" * 64, format="wec+har", producer="WEC 2.1.1",
                       entries=3, first_seen=start, cookies=(
        StoredCookie(name="IDE", domain=".doubleclick.net",
                     expires=start + dt.timedelta(days=395)),
        StoredCookie(name="_ga", domain=".clinic.example", expires=start + dt.timedelta(days=730),
                     set_by="Cookie.JS", set_at="https://www.googletagmanager.com/gtag/js?id=x"),
        StoredCookie(name="sid", domain="www.clinic.example", session=True),
    ))
    got = cookie_lifetimes([info], ["stats.g.doubleclick.net", "www.googletagmanager.com"])
    assert [(c.name, c.days, c.set_by_script is not None) for c in got] == [
        ("_ga", 730.0, True), ("IDE", 395.0, False)]
    assert got[0].source == "WEC 2.1.1"
    assert cookie_lifetimes([info], ["cdn.example"]) == ()


def test_wec_capture_gives_recipient_cookie_lifetimes():
    from importer_helpers import FIXTURES

    doc = analyze(FIXTURES / "wec-output")
    google = next(r for r in doc.recipients if "stats.g.doubleclick.net" in r.hosts)
    (ide,) = google.cookie_lifetimes
    assert ide.name == "IDE" and 390 < ide.days < 400


# --- the kinds the importer records for personal values (redact.personal_kind) ---------------

@pytest.mark.parametrize(("name", "value", "kind"), [
    ("uip", "81.2.69.0", "truncated-ip"),
    ("ip_address", "203.0.113.9", "ip"),
    ("ip", "2a01:cb00:1234::", "truncated-ip"),
    ("v", "1.2.3.4", None),                    # a version, not an address
    ("tel", "06 12 34 56 78", "phone"),
    ("sms", "+33612345678", "phone"),
    ("ts", "1670234400", None),
    ("date_of_birth", "1985-04-12", "birthdate"),
    ("firstName", "Jeanne", "name"),
    ("nom", "Dupont", "name"),
    ("nom_page", "cardiologue", None),         # a page name, not a person's name
    ("zip_code", "69003", "postcode"),         # before the "code" secret rule
    ("cp", "abc", None),
    ("lat", "48.8566", "location"),
    ("center", "48.8566,2.3522", "location"),
    ("city", "Villeurbanne", "location"),
    ("sort", "Berlin", None),
    ("s", "612345", None),
    ("lang", "fr", None),
])
def test_personal_kinds(name, value, kind):
    assert redact.personal_kind(name, value) == kind
    if kind:
        p = redact.param(name, value)
        assert p.redacted and p.kind == kind and value not in p.value


def test_health_context_reason_follows_the_report_language():
    doc = analyze(EXAMPLE, health_context=True, lang="fr")
    health = next(d for r in doc.recipients for d in r.data if d.iri == vocab.HEALTH.iri)
    assert "considérant 35" in health.contexts[0]


def test_a_knowledge_base_health_service_makes_its_pages_health_context(write_har):
    # www.doctolib.fr is recorded as operated by Doctolib SAS (health_service = true)
    path = write_har(har([entry("https://www.doctolib.fr/"),
                          entry("https://fonts.googleapis.com/css2?family=Inter",
                                headers=[("Referer", "https://www.doctolib.fr/")])],
                         pages=[{"id": "page_1", "title": "https://www.doctolib.fr/",
                                 "startedDateTime": "2022-12-05T10:00:00.000+01:00",
                                 "pageTimings": {}}]))
    doc = analyze(path)
    google = next(r for r in doc.recipients if "fonts.googleapis.com" in r.hosts)
    health = next(d for d in google.data if d.iri == vocab.HEALTH.iri)
    assert "Doctolib SAS" in health.contexts[0] and not health.terms
    assert health.evidence and health.evidence[0].field.startswith("page")
