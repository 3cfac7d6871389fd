"""An ``Assessment`` as RDF in W3C DPV 2.3 terms, with the gdprmap ontology.

Shape (prefixes: ``gm:`` https://w3id.org/gdprmap/ns#, ``gmr:`` rules, ``gmc:`` citations,
``dpv:``, ``pd:``, ``loc:``)::

    <urn:gdprmap:assessment> a gm:Assessment ; gm:asOf "2022-12-05"^^xsd:date ;
        gm:doctrine gm:ExposureIsRisk ; gm:hasRecipient <urn:gdprmap:recipient:…> .
    <urn:gdprmap:recipient:org%3Agoogle-llc> a dpv:Recipient, dpv:LegalEntity ;
        gm:recipientId "org:google-llc" ; rdfs:label "Google LLC" ; dpv:hasCountry loc:US ;
        dpv:isSubsidiaryOf <urn:gdprmap:entity:…> ; gm:entity <urn:gdprmap:entity:google-llc> ;
        gm:ultimateParent … ; gm:parentCountry loc:US ; gm:verdict "unlawful" ;
        dpv:hasPersonalData pd:IPAddress ; gm:specialCategory pd:Health ; gm:host "…" ;
        gm:sharesIdentifierWith <…> ; gm:hasFinding <…> ; gm:hasTransfer <…> .
    <urn:gdprmap:transfer:…> a gm:Transfer, dpv:CrossBorderTransfer ;   # third country only
        dpv:hasRecipient <recipient> ; dpv:hasDataImporter <entity> ;
        dpv:hasThirdCountry loc:US ; gm:destination loc:US ; dpv:hasPersonalData pd:… ;
        gm:verdict "unlawful" ; gm:decidedBy gmr:GM-UNL-01 ; gm:derived false .
    <urn:gdprmap:finding:…> a gm:Finding ; gm:rule gmr:GM-UNL-01 ; gm:ruleId "GM-UNL-01" ;
        gm:severity "critical" ; gm:verdict "unlawful" ; dct:title "…" ; gm:cites gmc:… ;
        gm:evidence <urn:gdprmap:evidence:…> .

Transfers received inside the EEA keep ``gm:destination`` but are no ``dpv:CrossBorderTransfer``
(and have no ``dpv:hasThirdCountry``). IRIs of recipients and entities are those of the rule
engine's facts (``rules/facts.py``), so both graphs can be merged.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..rules.namespaces import GM, PREFIXES
from ..rules.facts import entity_iri, recipient_iri

if TYPE_CHECKING:
    from rdflib import Graph

    from ..models import Assessment

RULE_NS = "https://w3id.org/gdprmap/rule#"
CITATION_NS = "https://w3id.org/gdprmap/citation#"
ASSESSMENT_IRI = "urn:gdprmap:assessment"
_DOCTRINE = {"exposure-is-risk": "ExposureIsRisk", "exposure-is-transfer": "ExposureIsTransfer"}
_DPF = {"active": "Active", "inactive": "Inactive", "not-listed": "NotListed",
        "unknown": "StatusUnknown"}
# Prefixes bound on every graph (and in `gdprmap query`): the engine's plus the rule and
# citation namespaces and eu-gdpr.
NAMESPACES: dict[str, str] = {**PREFIXES, "gmr": RULE_NS, "gmc": CITATION_NS,
                              "eu-gdpr": "https://w3id.org/dpv/legal/eu/gdpr#"}


# The gm: terms the export adds to the ontology's (gdprmap.ttl), declared so that an exported
# graph with the ontology describes itself.
EXPORT_VOCABULARY = """
@prefix gm: <https://w3id.org/gdprmap/ns#> .
@prefix dpv: <https://w3id.org/dpv#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
gm:Assessment a rdfs:Class ; rdfs:label "Assessment of observed traffic"@en .
gm:Transfer a rdfs:Class ;
    rdfs:label "Place a recipient's data are received, with its verdict"@en ;
    rdfs:comment "Also a dpv:CrossBorderTransfer when outside the EEA on the as-of date."@en .
gm:Finding a rdfs:Class ; rdfs:label "Finding of a rule about a recipient"@en .
gm:DataReceipt a rdfs:Class ; rdfs:label "Data category received by a recipient"@en .
gm:asOf a rdf:Property ; rdfs:label "law evaluated as of"@en .
gm:asOfBasis a rdf:Property ; rdfs:label "where the as-of date comes from (capture or option)"@en .
gm:language a rdf:Property ; rdfs:label "language of titles and explanations"@en .
gm:schemaVersion a rdf:Property ; rdfs:label "JSON report schema version"@en .
gm:generator a rdf:Property ; rdfs:label "generator"@en .
gm:input a rdf:Property ; rdfs:label "capture file"@en .
gm:inputSha256 a rdf:Property ; rdfs:label "SHA-256 of a capture file"@en .
gm:firstPartyDomain a rdf:Property ; rdfs:label "first-party domain"@en .
gm:hasRecipient a rdf:Property ; rdfs:label "recipient"@en ; skos:broader dpv:hasRecipient .
gm:recipientId a rdf:Property ; rdfs:label "recipient id (org:… or domain:…)"@en .
gm:entityId a rdf:Property ; rdfs:label "knowledge-base entity id"@en .
gm:entity a rdf:Property ; rdfs:label "receiving legal entity"@en .
gm:verdictRank a rdf:Property ; rdfs:label "rank of the verdict on the --fail-on scale"@en .
gm:requests a rdf:Property ; rdfs:label "observed requests"@en .
gm:service a rdf:Property ; rdfs:label "service"@en .
gm:host a rdf:Property ; rdfs:label "host name"@en .
gm:serverIp a rdf:Property ; rdfs:label "server IP address"@en .
gm:serverCountry a rdf:Property ; rdfs:label "server country (IP data, indicative)"@en .
gm:processedIn a rdf:Property ; rdfs:label "processing location recorded in the knowledge base"@en .
gm:sharesIdentifierWith a rdf:Property ; rdfs:label "received a same identifier value as"@en .
gm:specialCategory a rdf:Property ; rdfs:label "special-category data received (Art. 9)"@en ;
    skos:broader dpv:hasPersonalData .
gm:receives a rdf:Property ; rdfs:label "data category received"@en .
gm:category a rdf:Property ; rdfs:label "DPV personal-data category"@en .
gm:flows a rdf:Property ; rdfs:label "requests that carried the category"@en .
gm:special a rdf:Property ; rdfs:label "special category (Art. 9)"@en .
gm:term a rdf:Property ; rdfs:label "lexicon term that matched"@en .
gm:hasTransfer a rdf:Property ; rdfs:label "transfer"@en .
gm:derived a rdf:Property ; rdfs:label "derived by the doctrine exposure-is-transfer"@en .
gm:decidedBy a rdf:Property ; rdfs:label "deciding rule"@en .
gm:hasFinding a rdf:Property ; rdfs:label "finding"@en .
gm:rule a rdf:Property ; rdfs:label "rule"@en .
gm:evidence a rdf:Property ; rdfs:label "evidence in a capture"@en .
gm:entry a rdf:Property ; rdfs:label "capture entry index"@en .
gm:field a rdf:Property ; rdfs:label "field of the capture entry"@en .
gm:excerpt a rdf:Property ; rdfs:label "redacted excerpt"@en .
"""


def transfer_iri(recipient_id: str, country: str | None, entity: str | None,
                 derived: bool) -> str:
    key = f"{recipient_id}|{country or '?'}|{entity or '?'}" + ("|derived" if derived else "")
    return f"urn:gdprmap:transfer:{quote(key, safe='')}"


def finding_iri(recipient_id: str, index: int) -> str:
    return f"urn:gdprmap:finding:{quote(recipient_id, safe='')}:{index}"


def assessment_to_rdf(assessment: Assessment, include_ontology: bool = True) -> Graph:
    """The assessment as an rdflib ``Graph`` (see the module docstring for its shape)."""
    from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS

    gm, dpv, loc = Namespace(GM), Namespace(PREFIXES["dpv"]), Namespace(PREFIXES["loc"])
    g = Graph()
    for prefix, ns in NAMESPACES.items():
        g.bind(prefix, ns, override=True, replace=True)
    if include_ontology:
        from ..rules.engine import load_ruleset

        g += load_ruleset().graph
        g.parse(data=EXPORT_VOCABULARY, format="turtle")
    citations = _citation_iris()
    a = URIRef(ASSESSMENT_IRI)
    add = g.add
    add((a, RDF.type, gm.Assessment))
    add((a, gm.asOf, Literal(assessment.as_of.isoformat(), datatype=XSD.date)))
    add((a, gm.asOfBasis, Literal(assessment.as_of_basis)))
    add((a, gm.doctrine, gm[_DOCTRINE.get(assessment.doctrine, assessment.doctrine)]))
    add((a, gm.language, Literal(assessment.language)))
    add((a, gm.schemaVersion, Literal(assessment.schema_version)))
    add((a, gm.generator, Literal(f"{assessment.generator.name} {assessment.generator.version}")))
    if assessment.scenario:
        add((a, gm.scenario, Literal(assessment.scenario)))
    if assessment.controller:
        controller = URIRef("urn:gdprmap:controller")
        add((a, dpv.hasDataController, controller))
        add((controller, RDF.type, dpv.DataController))
        add((controller, RDFS.label, Literal(assessment.controller)))
    for info in assessment.inputs:
        add((a, gm.input, Literal(info.path)))
        add((a, gm.inputSha256, Literal(info.sha256)))
    for domain in assessment.first_party_domains:
        add((a, gm.firstPartyDomain, Literal(domain)))

    def entity(ent: Any) -> URIRef:
        e = URIRef(entity_iri(ent.id))
        add((e, RDF.type, dpv.LegalEntity))
        add((e, RDFS.label, Literal(ent.name)))
        add((e, gm.entityId, Literal(ent.id)))
        add((e, dpv.hasCountry, loc[ent.country]))
        add((e, gm.country, loc[ent.country]))
        add((e, gm.dpfStatus, gm[_DPF.get(ent.dpf, "StatusUnknown")]))
        if ent.parent:
            add((e, dpv.isSubsidiaryOf, URIRef(entity_iri(ent.parent))))
        return e

    for rec in assessment.recipients:
        r = URIRef(recipient_iri(rec.id))
        add((a, gm.hasRecipient, r))
        add((r, RDF.type, dpv.Recipient))
        add((r, gm.recipientId, Literal(rec.id)))
        add((r, gm.verdict, Literal(str(rec.verdict))))
        add((r, gm.verdictRank, Literal(rec.verdict.rank)))
        add((r, gm.requests, Literal(rec.requests)))
        if rec.category:
            add((r, gm.serviceCategory, gm[f"category-{rec.category}"]))
        for service in rec.services:
            add((r, gm.service, Literal(service)))
        for host in rec.hosts:
            add((r, gm.host, Literal(host)))
        for ip in rec.server_ips:
            add((r, gm.serverIp, Literal(ip)))
        for cc in rec.server_countries:
            add((r, gm.serverCountry, loc[cc]))
        org = rec.organisation
        if org is not None:
            add((r, RDF.type, dpv.LegalEntity))
            add((r, RDFS.label, Literal(org.name)))
            add((r, dpv.hasCountry, loc[org.country]))
            chain = [entity(ent) for ent in org.chain]
            if chain:
                add((r, gm.entity, chain[0]))
                add((r, gm.ultimateParent, chain[-1]))
                if len(chain) > 1:
                    add((r, dpv.isSubsidiaryOf, chain[1]))
            add((r, gm.parentCountry, loc[org.parent_country or org.country]))
        else:
            add((r, RDFS.label, Literal(rec.id)))
        for other in rec.shared_identifiers:
            add((r, gm.sharesIdentifierWith, URIRef(recipient_iri(other))))
        for dest in rec.destinations:
            add((r, gm.processedIn, loc[dest.country]))
        for iri in rec.data_categories:
            add((r, dpv.hasPersonalData, URIRef(iri)))
        for iri in rec.special_categories:
            add((r, gm.specialCategory, URIRef(iri)))
        for cat in rec.data:
            d = URIRef(f"urn:gdprmap:data:{quote(rec.id, safe='')}:{quote(cat.iri, safe='')}")
            add((r, gm.receives, d))
            add((d, RDF.type, gm.DataReceipt))
            add((d, gm.category, URIRef(cat.iri)))
            add((d, RDFS.label, Literal(cat.label)))
            add((d, gm.flows, Literal(cat.flows)))
            add((d, gm.special, Literal(cat.special)))
            for term in cat.terms:
                add((d, gm["term"], Literal(term)))
        for t in rec.transfers:
            x = URIRef(transfer_iri(rec.id, t.country, t.entity, t.derived))
            add((r, gm.hasTransfer, x))
            add((x, RDF.type, gm.Transfer))
            add((x, dpv.hasRecipient, r))
            add((x, gm.verdict, Literal(str(t.verdict))))
            add((x, gm.verdictRank, Literal(t.verdict.rank)))
            add((x, gm.derived, Literal(t.derived)))
            if t.rule:
                add((x, gm.decidedBy, URIRef(RULE_NS + t.rule)))
                add((x, gm.ruleId, Literal(t.rule)))
            if t.entity:
                add((x, dpv.hasDataImporter, URIRef(entity_iri(t.entity))))
                if t.entity_name:
                    add((URIRef(entity_iri(t.entity)), RDFS.label, Literal(t.entity_name)))
            if t.country:
                add((x, gm.destination, loc[t.country]))
                if not _in_eea(t.country, assessment.as_of):
                    add((x, RDF.type, dpv.CrossBorderTransfer))
                    add((x, dpv.hasThirdCountry, loc[t.country]))
                    if t.entity:
                        add((URIRef(entity_iri(t.entity)), RDF.type, dpv.DataImporter))
            for iri in rec.data_categories:
                add((x, dpv.hasPersonalData, URIRef(iri)))
        for i, f in enumerate(rec.findings):
            fi = URIRef(finding_iri(rec.id, i))
            add((r, gm.hasFinding, fi))
            add((fi, RDF.type, gm.Finding))
            add((fi, gm.rule, URIRef(RULE_NS + f.rule)))
            add((fi, gm.ruleId, Literal(f.rule)))
            add((fi, DCTERMS.title, Literal(f.title, lang=assessment.language)))
            add((fi, gm.severity, Literal(str(f.severity))))
            add((fi, gm.explanation, Literal(f.explanation, lang=assessment.language)))
            if f.verdict is not None:
                add((fi, gm.verdict, Literal(str(f.verdict))))
            for c in f.citations:
                known = citations.get(c.label)
                ci = URIRef(known or _citation_fallback(c.label))
                add((fi, gm.cites, ci))
                if known is None or not include_ontology:  # else the ontology labels it
                    add((ci, RDF.type, gm.Citation))
                    add((ci, RDFS.label, Literal(c.label, lang=assessment.language)))
                    if c.iri:
                        add((ci, gm.eli, URIRef(c.iri)))
            for j, ev in enumerate(f.evidence):
                e = URIRef(f"{fi}:evidence:{j}")
                add((fi, gm.evidence, e))
                add((e, gm.input, Literal(ev.input)))
                add((e, gm.entry, Literal(ev.entry)))
                add((e, gm.field, Literal(ev.field)))
                if ev.excerpt:
                    add((e, gm.excerpt, Literal(ev.excerpt)))
    return g


@lru_cache(maxsize=1)
def _citation_iris() -> dict[str, str]:
    """Citation label (any language) -> its IRI in the ontology (``gmc:…``)."""
    from rdflib import RDF, RDFS, URIRef

    from ..rules.engine import load_ruleset

    g = load_ruleset().graph
    out: dict[str, str] = {}
    for node in g.subjects(RDF.type, URIRef(GM + "Citation")):
        for label in g.objects(node, RDFS.label):
            out.setdefault(str(label), str(node))
    return out


@lru_cache(maxsize=1)
def _eea_periods() -> dict[str, list[tuple[str, str | None]]]:
    """ISO code -> EEA membership periods (from, until) in ``jurisdictions.ttl``."""
    from rdflib import URIRef

    from ..rules.engine import load_ruleset

    g = load_ruleset().graph
    out: dict[str, list[tuple[str, str | None]]] = {}
    for country, period in g.subject_objects(URIRef(GM + "eeaMembership")):
        start = g.value(period, URIRef(GM + "from"))
        end = g.value(period, URIRef(GM + "until"))
        code = str(country).rsplit("#", 1)[-1]
        if start is not None:
            out.setdefault(code, []).append((str(start), str(end) if end else None))
    return out


def _in_eea(country: str, as_of: dt.date) -> bool:
    """Whether reception in ``country`` on ``as_of`` is inside the EEA (no Chapter V transfer)."""
    day = as_of.isoformat()
    return any(start <= day and (end is None or day <= end)
               for start, end in _eea_periods().get(country, ()))


def _citation_fallback(label: str) -> str:
    import hashlib

    return f"urn:gdprmap:citation:{hashlib.sha256(label.encode()).hexdigest()[:16]}"


# --- deterministic serialisations ---------------------------------------------------------


def _sorted_copy(graph: Graph) -> Graph:
    """A copy with blank nodes given stable labels and triples added in sorted order."""
    from rdflib import Graph
    from rdflib.compare import to_canonical_graph

    canonical = to_canonical_graph(graph)
    out = Graph()
    for prefix, ns in NAMESPACES.items():
        out.bind(prefix, ns, override=True, replace=True)
    for triple in sorted(canonical, key=lambda t: tuple(n.n3() for n in t)):
        out.add(triple)
    return out


def to_turtle(assessment: Assessment, include_ontology: bool = False) -> str:
    """The assessment as Turtle, byte-identical for the same assessment."""
    graph = _sorted_copy(assessment_to_rdf(assessment, include_ontology=include_ontology))
    return str(graph.serialize(format="turtle"))


def to_jsonld(assessment: Assessment, include_ontology: bool = False) -> str:
    """The assessment as JSON-LD (rdflib's serializer, then nodes and values sorted), with a
    ``@context`` of the prefixes; byte-identical for the same assessment."""
    graph = _sorted_copy(assessment_to_rdf(assessment, include_ontology=include_ontology))
    context = dict(sorted(NAMESPACES.items()))
    doc = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    nodes = doc.get("@graph", [doc] if "@id" in doc else [])
    nodes = [_sort_values(n) for n in nodes]
    nodes.sort(key=lambda n: (str(n.get("@id", "")), json.dumps(n, sort_keys=True)))
    out = {"@context": context, "@graph": nodes}
    return json.dumps(out, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _sort_values(value: Any) -> Any:
    if isinstance(value, dict):  # an RDF list ("@list") keeps its order
        return {k: [_sort_values(x) for x in v] if k == "@list" and isinstance(v, list)
                else _sort_values(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sort_values(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value
