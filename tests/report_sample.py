"""Realistic sample assessments for the renderer tests, built directly from the models.

``sample_assessment()``: a health-appointment site seen in two captures, with six identified
recipients and one unidentified host group:

    Cloudinary Ltd (IL), Amazon Web Services, Inc. (US), Cloudflare, Inc. (US),
    Functional Software, Inc. (US, Sentry)          -> unlawful
    AT Internet SAS (FR, parent Piano Software Inc. US)  -> exposed
    Axeptio (FR)                                    -> no-transfer
    trk-7f3a.net (no organisation)                  -> unknown

``sample_assessment(hostile=...)`` injects markup into every untrusted string (hosts, page
URLs, excerpts, titles, skipped reasons); ``many_recipients(n)`` builds a large synthetic one.
"""

from __future__ import annotations

import datetime as dt

from gdprmap.models import (
    Assessment,
    CaptureInfo,
    Citation,
    DataCategory,
    Destination,
    Entity,
    Evidence,
    Finding,
    Generator,
    KnowledgeInfo,
    Organisation,
    Recipient,
    Severity,
    SkippedEntry,
    Verdict,
)

PD = "https://w3id.org/dpv/pd#"
IP = PD + "IPAddress"
ID = PD + "Identifier"
BEHAVIOUR = PD + "BrowsingBehaviour"
REFERRAL = PD + "BrowsingReferral"
UA = PD + "UserAgent"
HEALTH = PD + "Health"

LABELS = {
    IP: "IP address",
    ID: "Identifier",
    BEHAVIOUR: "Browsing behaviour",
    REFERRAL: "Browsing referral",
    UA: "User agent",
    HEALTH: "Health",
}

HAR1 = "captures/homepage.har"
HAR2 = "captures/booking.har"
UTC = dt.UTC

GDPR = "http://data.europa.eu/eli/reg/2016/679/oj"
ART44 = Citation(label="GDPR Art. 44", iri=GDPR)
ART46 = Citation(label="GDPR Art. 46", iri=GDPR)
ART9 = Citation(label="GDPR Art. 9(1)", iri=GDPR)
SCHREMS = Citation(
    label="CJEU C-311/18 Schrems II, paras 184-185",
    iri="https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:62018CJ0311",
)
ECLI = Citation(label="ECLI:EU:C:2020:559", iri="ECLI:EU:C:2020:559")  # not a link scheme
FISA = Citation(label="50 U.S.C. § 1881a (FISA 702)")

HOSTILE_SCRIPT = "<script>alert(1)</script>"


def hostile_strings(url: str) -> tuple[str, str, str]:
    """Markup that would fetch ``url`` (or run script) if it were not escaped."""
    return (
        HOSTILE_SCRIPT,
        f'"><img src={url}/x>',
        f'<img src="{url}/a.png"><link rel="stylesheet" href="{url}/s.css">'
        f"<style>@import url({url}/i.css);</style>",
    )


def _ev(entry: int, field: str, excerpt: str | None, inp: str = HAR1) -> Evidence:
    return Evidence(input=inp, entry=entry, field=field, excerpt=excerpt)


def _cat(
    iri: str, flows: int, evidence: tuple[Evidence, ...], terms: tuple[str, ...] = ()
) -> DataCategory:
    return DataCategory(
        iri=iri,
        label=LABELS[iri],
        special=iri == HEALTH,
        flows=flows,
        terms=terms,
        evidence=evidence,
    )


def _entity(id_: str, name: str, country: str, parent: str | None = None, **kw) -> Entity:
    return Entity(
        id=id_, name=name, country=country, parent=parent, sources=("kb:organisations.toml",), **kw
    )


def sample_assessment(hostile: str | None = None, *, controller: str | None = None) -> Assessment:
    """The six-recipient sample. ``hostile``: a base URL (``http://127.0.0.1:PORT``) to
    embed in markup injected into every capture-derived string."""
    h1 = h2 = h3 = ""
    if hostile is not None:
        h1, h2, h3 = hostile_strings(hostile)

    page_home = "https://www.example-sante.fr/"
    page_booking = "https://www.example-sante.fr/rendez-vous/psychiatre?ville=lyon" + h2
    first = dt.datetime(2022, 12, 5, 9, 14, 2, tzinfo=UTC)
    last = dt.datetime(2022, 12, 5, 9, 31, 47, tzinfo=UTC)

    inputs = (
        CaptureInfo(
            path=HAR1,
            sha256="3f4c9a1be0d2c7a8f1e5b6d9c0a7e4f2b1d8c5a6e9f0b3c2d1e4a7b8c9d0e1f2",
            format="har-1.2",
            producer="WebInspector 537.36 (Chromium 108)",
            entries=212,
            first_seen=first,
            last_seen=first + dt.timedelta(minutes=6),
            pages=(page_home,),
        ),
        CaptureInfo(
            path=HAR2 + h1,
            sha256="9a8b7c6d5e4f30211fedcba98765432100112233445566778899aabbccddeeff",
            format="har-1.2",
            producer="Firefox 108.0" + h3,
            entries=97,
            first_seen=first + dt.timedelta(minutes=9),
            last_seen=last,
            pages=(page_booking,),
        ),
    )

    # --- Cloudinary (IL, processing in the US) ---
    cloudinary = Recipient(
        id="org:cloudinary-ltd",
        organisation=Organisation(
            id="cloudinary-ltd",
            name="Cloudinary Ltd",
            country="IL",
            chain=(_entity("cloudinary-ltd", "Cloudinary Ltd", "IL", fisa702="unknown"),),
        ),
        services=("cloudinary",),
        category="media",
        hosts=("res.cloudinary.com",),
        server_ips=("104.18.22.51",),
        server_countries=("US",),
        destinations=(
            Destination(
                country="US",
                entity="cloudinary-ltd",
                basis="privacy policy: media stored on AWS us-east-1 and Google Cloud US",
                source="kb:organisations.toml",
            ),
        ),
        requests=38,
        data_categories=(IP, UA, REFERRAL),
        special_categories=(),
        data=(
            _cat(IP, 38, (_ev(14, "connection.serverIPAddress", None),)),
            _cat(
                UA, 38, (_ev(14, "request.headers.User-Agent", "Mozilla/5.0 (X11; Linux x86_64)"),)
            ),
            _cat(REFERRAL, 38, (_ev(14, "request.headers.Referer", page_home),)),
        ),
        verdict=Verdict.UNLAWFUL,
        findings=(
            Finding(
                rule="transfer.third-country.no-safeguard",
                title=(
                    "IP address and referrer sent to a recipient "
                    "processing data in the United States"
                ),
                severity=Severity.HIGH,
                verdict=Verdict.UNLAWFUL,
                citations=(ART44, ART46, SCHREMS),
                explanation=(
                    "Every image request discloses the visitor's IP address and the page they "
                    "were reading to Cloudinary, which processes the data in the United States. "
                    "Cloudinary Ltd is not listed under the EU-US Data Privacy Framework at the "
                    "as-of date."
                ),
                evidence=tuple(
                    _ev(
                        14 + i,
                        "request.url",
                        f"https://res.cloudinary.com/demo/image/upload/v1/team{i}.jpg",
                    )
                    for i in range(13)
                ),
            ),
        ),
    )

    # --- AWS (US, S3 in Paris) ---
    aws = Recipient(
        id="org:aws-inc",
        organisation=Organisation(
            id="aws-inc",
            name="Amazon Web Services, Inc.",
            country="US",
            parent="amazon-com",
            parent_country="US",
            chain=(
                _entity(
                    "aws-inc",
                    "Amazon Web Services, Inc.",
                    "US",
                    "amazon-com",
                    fisa702="in-scope",
                    dpf="active",
                    dpf_checked=dt.date(2022, 11, 30),
                ),
                _entity("amazon-com", "Amazon.com, Inc.", "US"),
            ),
        ),
        services=("amazon-s3", "amazon-cloudfront"),
        category="cloud",
        hosts=("example-sante-assets.s3.eu-west-3.amazonaws.com", "d1x2y3z4.cloudfront.net"),
        server_ips=("52.95.156.8",),
        server_countries=("FR",),
        destinations=(
            Destination(
                country="FR",
                entity="aws-inc",
                basis="S3 region eu-west-3 (Paris)",
                source="host-pattern",
            ),
        ),
        requests=24,
        data_categories=(IP, UA, REFERRAL),
        special_categories=(),
        data=(
            _cat(IP, 24, (_ev(3, "connection.serverIPAddress", None),)),
            _cat(UA, 24, (_ev(3, "request.headers.User-Agent", None),)),
            _cat(REFERRAL, 20, (_ev(3, "request.headers.Referer", page_home),)),
        ),
        verdict=Verdict.UNLAWFUL,
        findings=(
            Finding(
                rule="exposure.us-provider.fisa702",
                title=(
                    "Recipient subject to FISA section 702 as an "
                    "electronic communication service provider"
                ),
                severity=Severity.HIGH,
                verdict=Verdict.UNLAWFUL,
                citations=(ART44, SCHREMS, FISA, ECLI),
                explanation=(
                    "The bucket is hosted in the Paris region, but the operator is a US company "
                    "within the scope of FISA 702; under the doctrine 'exposure-is-risk' access by "
                    "US authorities is treated as a transfer."
                ),
                evidence=(
                    _ev(
                        3,
                        "request.url",
                        "https://example-sante-assets.s3.eu-west-3.amazonaws.com/css/site.css",
                    ),
                    _ev(4, "request.url", "https://d1x2y3z4.cloudfront.net/js/app.js"),
                ),
            ),
            Finding(
                rule="info.server-location",
                title="Server located in the EU (indicative)",
                severity=Severity.INFO,
                explanation="The server address geolocates to France.",
                evidence=(_ev(3, "connection.serverIPAddress", "52.95.156.8"),),
            ),
        ),
    )

    # --- Cloudflare (US) ---
    cloudflare = Recipient(
        id="org:cloudflare-inc",
        organisation=Organisation(
            id="cloudflare-inc",
            name="Cloudflare, Inc.",
            country="US",
            chain=(_entity("cloudflare-inc", "Cloudflare, Inc.", "US", fisa702="in-scope"),),
        ),
        services=("cdnjs",),
        category="cdn",
        hosts=("cdnjs.cloudflare.com",) + ((f"cdn.{h1}.example",) if hostile else ()),
        server_ips=("104.17.24.14",),
        server_countries=("NL",),
        destinations=(
            Destination(
                country="US",
                entity="cloudflare-inc",
                basis="anycast network, US operator",
                source="kb:organisations.toml",
            ),
        ),
        requests=6,
        data_categories=(IP, UA, REFERRAL),
        special_categories=(),
        data=(
            _cat(IP, 6, (_ev(7, "connection.serverIPAddress", None),)),
            _cat(UA, 6, (_ev(7, "request.headers.User-Agent", None),)),
            _cat(REFERRAL, 6, (_ev(7, "request.headers.Referer", page_home + h1),)),
        ),
        verdict=Verdict.UNLAWFUL,
        findings=(
            Finding(
                rule="transfer.third-country.no-safeguard",
                title="Script library loaded from a US content delivery network",
                severity=Severity.MEDIUM,
                verdict=Verdict.UNLAWFUL,
                citations=(ART44, ART46),
                explanation=(
                    "Loading the library sends the visitor's IP address to Cloudflare, Inc."
                ),
                evidence=(
                    _ev(
                        7,
                        "request.url",
                        "https://cdnjs.cloudflare.com/ajax/libs/jquery/3.6.1/jquery.min.js" + h2,
                    ),
                ),
            ),
        ),
    )

    # --- Sentry (Functional Software, US) receives health data ---
    sentry = Recipient(
        id="org:functional-software",
        organisation=Organisation(
            id="functional-software",
            name="Functional Software, Inc.",
            country="US",
            chain=(_entity("functional-software", "Functional Software, Inc.", "US"),),
        ),
        services=("sentry",),
        category="error-monitoring",
        hosts=("o123456.ingest.sentry.io",),
        server_ips=("34.120.195.249",),
        server_countries=("US",),
        destinations=(
            Destination(
                country="US",
                entity="functional-software",
                basis="sentry.io ingest (US region)",
                source="kb:organisations.toml",
            ),
        ),
        requests=3,
        data_categories=(IP, UA, ID, BEHAVIOUR, REFERRAL, HEALTH),
        special_categories=(HEALTH,),
        data=(
            _cat(IP, 3, (_ev(61, "connection.serverIPAddress", None, HAR2),)),
            _cat(UA, 3, (_ev(61, "request.headers.User-Agent", None, HAR2),)),
            _cat(ID, 3, (_ev(61, "request.body.user.id", "[identifier]", HAR2),)),
            _cat(
                BEHAVIOUR,
                3,
                (_ev(61, "request.body.breadcrumbs", "navigation /rendez-vous/psychiatre", HAR2),),
            ),
            _cat(REFERRAL, 3, (_ev(61, "request.headers.Referer", page_booking, HAR2),)),
            _cat(
                HEALTH,
                3,
                (_ev(61, "request.body.request.url", "/rendez-vous/psychiatre" + h1, HAR2),),
                terms=("psychiatre",),
            ),
        ),
        verdict=Verdict.UNLAWFUL,
        findings=(
            Finding(
                rule="special-category.third-country",
                title="Health data (psychiatry appointment) sent to a US error-monitoring service",
                severity=Severity.CRITICAL,
                verdict=Verdict.UNLAWFUL,
                citations=(ART9, ART44, SCHREMS),
                explanation=(
                    "Error reports include the URL of the appointment page, which reveals that the "
                    "visitor is looking for a psychiatrist, together with a user identifier. " + h1
                ),
                evidence=tuple(
                    _ev(
                        61 + i,
                        "request.body.request.url",
                        "https://www.example-sante.fr/rendez-vous/psychiatre?ville=lyon"
                        + (h1 if i == 0 else ""),
                        HAR2,
                    )
                    for i in range(3)
                ),
            ),
            Finding(
                rule="transfer.third-country.no-safeguard",
                title="Identifier and browsing behaviour sent to the United States",
                severity=Severity.HIGH,
                verdict=Verdict.UNLAWFUL,
                citations=(ART44, ART46),
                explanation="Breadcrumbs record the visitor's navigation on the site.",
                evidence=(_ev(61, "request.body.breadcrumbs", h3 or "navigation", HAR2),),
            ),
        ),
    )

    # --- AT Internet (FR, parent Piano US): exposed ---
    at_internet = Recipient(
        id="org:at-internet",
        organisation=Organisation(
            id="at-internet",
            name="AT Internet SAS",
            country="FR",
            parent="piano-software",
            parent_country="US",
            chain=(
                _entity("at-internet", "AT Internet SAS", "FR", "piano-software"),
                _entity("piano-software", "Piano Software Inc.", "US"),
            ),
        ),
        services=("piano-analytics",),
        category="analytics",
        hosts=("logs1412.xiti.com",),
        server_ips=("185.13.36.60",),
        server_countries=("FR",),
        destinations=(
            Destination(
                country="FR",
                entity="at-internet",
                basis="collection servers in France",
                source="kb:organisations.toml",
            ),
        ),
        requests=41,
        data_categories=(IP, UA, ID, BEHAVIOUR, REFERRAL, HEALTH),
        special_categories=(HEALTH,),
        data=(
            _cat(IP, 41, (_ev(22, "connection.serverIPAddress", None),)),
            _cat(UA, 41, (_ev(22, "request.headers.User-Agent", None),)),
            _cat(ID, 41, (_ev(22, "request.query.idclient", "[identifier]"),)),
            _cat(BEHAVIOUR, 41, (_ev(22, "request.query.p", "rendez-vous::psychiatre"),)),
            _cat(REFERRAL, 41, (_ev(22, "request.query.ref", page_home),)),
            _cat(
                HEALTH,
                12,
                (_ev(40, "request.query.p", "rendez-vous::psychiatre", HAR2),),
                terms=("psychiatre",),
            ),
        ),
        verdict=Verdict.EXPOSED,
        findings=(
            Finding(
                rule="exposure.parent-third-country",
                title="EU analytics provider controlled by a US parent company",
                severity=Severity.MEDIUM,
                verdict=Verdict.EXPOSED,
                citations=(ART44, Citation(label="EDPB Recommendations 01/2020, para. 43")),
                explanation=(
                    "AT Internet SAS processes data in France but is owned by Piano Software Inc. "
                    "(United States). No transfer is observed; the parent could be compelled to "
                    "obtain the data."
                ),
                evidence=(
                    _ev(
                        22,
                        "request.url",
                        "https://logs1412.xiti.com/hit.xiti?s=612345&p=accueil" + h3,
                    ),
                ),
            ),
            Finding(
                rule="special-category.page-title",
                title="Page names reveal health information",
                severity=Severity.HIGH,
                citations=(ART9,),
                explanation=(
                    "The page label sent to the analytics service names a medical speciality."
                ),
                evidence=(_ev(40, "request.query.p", "rendez-vous::psychiatre", HAR2),),
            ),
        ),
    )

    # --- Axeptio (FR): no transfer ---
    axeptio = Recipient(
        id="org:axeptio",
        organisation=Organisation(
            id="axeptio",
            name="Axeptio",
            country="FR",
            chain=(_entity("axeptio", "Axeptio", "FR"),),
        ),
        services=("axeptio",),
        category="consent",
        hosts=("client.axept.io", "static.axept.io"),
        server_ips=("51.159.0.10",),
        server_countries=("FR",),
        destinations=(
            Destination(
                country="FR",
                entity="axeptio",
                basis="hosting at Scaleway (Paris)",
                source="kb:organisations.toml",
            ),
        ),
        requests=5,
        data_categories=(IP, UA, ID),
        special_categories=(),
        data=(
            _cat(IP, 5, (_ev(1, "connection.serverIPAddress", None),)),
            _cat(UA, 5, (_ev(1, "request.headers.User-Agent", None),)),
            _cat(ID, 2, (_ev(2, "request.body.token", "[redacted]"),)),
        ),
        verdict=Verdict.NO_TRANSFER,
        findings=(
            Finding(
                rule="info.eu-recipient",
                title="Consent platform established and hosted in the EU",
                severity=Severity.INFO,
                verdict=Verdict.NO_TRANSFER,
                explanation=(
                    "No third-country establishment, parent or processing location is known."
                ),
                evidence=(_ev(1, "request.url", "https://client.axept.io/sdk.js"),),
            ),
        ),
    )

    # --- unidentified host group ---
    unknown_host = "px.trk-7f3a.net"
    unknown = Recipient(
        id="domain:trk-7f3a.net",
        organisation=None,
        hosts=(unknown_host, "c.trk-7f3a.net") + ((h1 + ".trk-7f3a.net",) if hostile else ()),
        server_ips=("193.0.2.77",),
        server_countries=("NL",),
        requests=9,
        data_categories=(IP, UA, ID),
        special_categories=(),
        data=(
            _cat(IP, 9, (_ev(90, "connection.serverIPAddress", None),)),
            _cat(UA, 9, (_ev(90, "request.headers.User-Agent", None),)),
            _cat(ID, 9, (_ev(90, "request.query.uid", "[identifier]" + h2),)),
        ),
        verdict=Verdict.UNKNOWN,
        findings=(
            Finding(
                rule="attribution.unknown",
                title="Recipient not in the knowledge base",
                severity=Severity.MEDIUM,
                verdict=Verdict.UNKNOWN,
                explanation="No organisation operates these hosts in the bundled knowledge base; "
                "the recipient and its jurisdiction are unknown.",
                evidence=(
                    _ev(90, "request.url", "https://px.trk-7f3a.net/p.gif?uid=[identifier]" + h3),
                ),
            ),
        ),
    )

    sentry, at_internet, unknown = _newer_fields(sentry, at_internet, unknown, h1)
    recipients = (cloudinary, aws, cloudflare, sentry, at_internet, axeptio, unknown)
    return Assessment(
        generator=Generator(version="0.1.0"),
        inputs=inputs,
        as_of=dt.date(2022, 12, 5),
        as_of_basis="capture",
        scenario=None,
        doctrine="exposure-is-risk",
        controller=controller,
        first_party_domains=("example-sante.fr",),
        recipients=recipients,
        knowledge=KnowledgeInfo(
            organisations=412,
            organisations_sha256="c0ffee00" * 8,
            ontology_sha256="0badcafe" * 8,
            rules=(
                "attribution.unknown",
                "exposure.parent-third-country",
                "exposure.us-provider.fisa702",
                "info.eu-recipient",
                "info.server-location",
                "special-category.page-title",
                "special-category.third-country",
                "transfer.third-country.no-safeguard",
            ),
        ),
        skipped=(
            SkippedEntry(input=HAR1, entry=0, reason="data: URL (no recipient)"),
            SkippedEntry(input=HAR2, entry=12, reason="blob: URL (no recipient)" + h1),
        ),
        command=("gdprmap", "assess", HAR1, HAR2, "--format", "pdf", "--output", "report.pdf"),
    )


def _newer_fields(sentry: Recipient, at_internet: Recipient, unknown: Recipient, h1: str):
    """Reasoning steps, shared identifiers and registration facts, where the models have them
    (schema 1.1); the sample stays valid against older models."""
    if "steps" in Finding.model_fields:
        from gdprmap.models import Step

        steps = (
            Step(
                kind="fact",
                text="3 requests carried the appointment page URL" + h1,
                source="capture",
                reference=f"{HAR2}#entry=61",
            ),
            Step(
                kind="law",
                text="Data concerning health is a special category",
                source="GDPR Art. 9(1)",
                reference=GDPR,
            ),
            Step(kind="rule", text="Special-category data sent to a third country"),
            Step(kind="conclusion", text="Verdict for this transfer: unlawful"),
        )
        first = sentry.findings[0].model_copy(update={"steps": steps})
        sentry = sentry.model_copy(update={"findings": (first, *sentry.findings[1:])})
    if "shared_identifiers" in Recipient.model_fields:
        sentry = sentry.model_copy(update={"shared_identifiers": ("org:at-internet",)})
        at_internet = at_internet.model_copy(
            update={"shared_identifiers": ("org:functional-software",)}
        )
    if "facts" in Recipient.model_fields:
        from gdprmap.models import Fact

        facts = [
            Fact(
                value="Registrant organisation: REDACTED FOR PRIVACY" + h1,
                source="rdap",
                reference="https://rdap.example/domain/trk-7f3a.net",
                checked=dt.date(2022, 12, 5),
            )
        ]
        if "subject" in Fact.model_fields:
            facts.append(
                Fact(
                    value="AS64500 Example Hosting B.V., NL",
                    source="asn-db",
                    subject="193.0.2.77",
                    note="indicative: CDN and anycast ranges are often mislocated",
                )
            )
        unknown = unknown.model_copy(update={"facts": tuple(facts)})
    return sentry, at_internet, unknown


_COUNTRIES = ("US", "FR", "DE", "IE", "NL", "GB", "IL", "CA", "JP", "IN", "SG", "CH", "CN")
_CATS = (IP, UA, ID, BEHAVIOUR, REFERRAL, HEALTH)


def many_recipients(n: int = 100, evidence_per_finding: int = 25) -> Assessment:
    """A synthetic assessment with ``n`` recipients, several findings each, lots of evidence."""
    base = sample_assessment()
    verdicts = list(Verdict)
    recipients = []
    for i in range(n):
        verdict = verdicts[(i * 3) % len(verdicts)]
        country = _COUNTRIES[i % len(_COUNTRIES)]
        parent = f"parent-{i % 9}" if i % 3 == 0 else None
        pcountry = _COUNTRIES[(i + 5) % len(_COUNTRIES)] if parent else None
        cats = tuple(_CATS[j] for j in range(len(_CATS)) if (i + j) % 3 != 0)
        special = tuple(c for c in cats if c == HEALTH)
        org = None
        if i % 11 != 5:
            chain = (
                _entity(
                    f"vendor-{i}",
                    f"Vendor {i} Analytics International Holdings Ltd",
                    country,
                    parent,
                ),
            )
            if parent:
                chain += (_entity(parent, f"Parent Group {i % 9} Corporation", pcountry),)
            org = Organisation(
                id=f"vendor-{i}",
                name=chain[0].name,
                country=country,
                parent=parent,
                parent_country=pcountry,
                chain=chain,
            )
        evidence = tuple(
            _ev(
                1000 + i * 50 + k,
                "request.url",
                f"https://t{i}.vendor{i}.example/collect?e={k}&page=%2Fsome%2Flong%2Fpath",
            )
            for k in range(evidence_per_finding)
        )
        findings = tuple(
            Finding(
                rule=f"rule.synthetic.{k}",
                title=f"Synthetic finding {k}",
                severity=list(Severity)[(i + k) % 5],
                verdict=verdict if k == 0 else None,
                citations=(ART44, SCHREMS),
                explanation="Synthetic explanation of the finding, long enough to wrap over a "
                "couple of lines in the report so that layout is exercised realistically.",
                evidence=evidence,
            )
            for k in range(3)
        )
        recipients.append(
            Recipient(
                id=f"org:vendor-{i}" if org else f"domain:vendor{i}.example",
                organisation=org,
                category=("analytics", "cdn", "advertising", None)[i % 4],
                hosts=tuple(f"h{k}.vendor{i}.example" for k in range(1 + i % 4)),
                destinations=(
                    Destination(
                        country=_COUNTRIES[(i + 2) % len(_COUNTRIES)],
                        entity=f"vendor-{i}",
                        basis="declared processing location",
                        source="kb",
                    ),
                )
                if i % 2
                else (),
                requests=10 + i,
                data_categories=cats,
                special_categories=special,
                data=tuple(_cat(c, 10 + i, evidence[:3]) for c in cats),
                verdict=verdict,
                findings=findings,
            )
        )
    return base.model_copy(update={"recipients": tuple(recipients)})
