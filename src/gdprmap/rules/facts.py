"""The facts of one assessment as RDF, at the level of transfers (not of requests).

A ``Candidate`` is one recipient receiving observed personal data at one destination by one
legal entity; the rules decide what Chapter V makes of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..models import Entity
from .namespaces import GM, PREFIXES

_DPF = {"active": "Active", "inactive": "Inactive", "not-listed": "NotListed",
        "unknown": "StatusUnknown"}
_PS = {"certified": "Certified", "not-certified": "NotCertified", "unknown": "StatusUnknown"}
_SECTOR = {"private": "PrivateSectorBody", "public-body": "PublicBody",
           "international-organisation": "InternationalOrganisationBody",
           "religious-organisation": "ReligiousOrganisationBody",
           "political-party": "PoliticalPartyBody"}
_FISA = {"in-scope": "InScope", "out-of-scope": "OutOfScope", "unknown": "ScopeUnknown"}


@dataclass(frozen=True)
class Candidate:
    key: str
    recipient: str
    destination: str | None  # ISO country code, None when unknown
    chain: tuple[Entity, ...]  # the receiving entity, then its parents; empty when unknown
    data_in_clear: bool
    basis: str
    category: str | None = None  # service category from the knowledge base
    observed: bool = True  # False: only declared in the controller's register
    safeguards: tuple[str, ...] = ()  # IRIs of declared transfer tools and measures
    # issue 13: False when the destination is only the operator's country of incorporation (no
    # source says where the service processes the data); with the server countries the bundled
    # IP data gives, a third-country indication blocks any clearing verdict.
    processing_established: bool = True
    server_countries: tuple[str, ...] = ()


def control_established(chain: tuple[Entity, ...]) -> bool:
    """Whether who controls the receiving entity is established up to an ultimate parent: every
    link recorded, and the top one established as ultimate (issue 13: a missing fact never
    reads as "independent")."""
    return bool(chain) and all(e.parent_established or e.parent for e in chain)


def controlled_from(chain: tuple[Entity, ...]) -> tuple[str, ...]:
    """The countries the receiving entity is controlled from: its ultimate parent's country of
    incorporation and, where a source says so, the country the parent is run from."""
    if not chain:
        return ()
    top = chain[-1]
    return tuple(dict.fromkeys(c for c in (top.country, top.controlled_from) if c))


def recipient_iri(rid: str) -> str:
    return f"urn:gdprmap:recipient:{quote(rid, safe='')}"


def candidate_iri(key: str) -> str:
    return f"urn:gdprmap:candidate:{quote(key, safe='')}"


def entity_iri(eid: str) -> str:
    return f"urn:gdprmap:entity:{quote(eid, safe='')}"


def to_rdf(candidates: list[Candidate], received: dict[str, set[str]], into: Any = None) -> Any:
    """The facts as RDF, added to ``into`` (a new graph when None). ``received`` maps recipient
    id -> DPV personal-data IRIs it receives."""
    from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef

    gm, dpv, loc = Namespace(GM), Namespace(PREFIXES["dpv"]), Namespace(PREFIXES["loc"])
    g = Graph() if into is None else into
    for rid, categories in received.items():
        r = URIRef(recipient_iri(rid))
        g.add((r, RDF.type, dpv.Recipient))
        g.add((r, RDF.type, dpv.ThirdParty))
        for iri in categories:
            g.add((r, dpv.hasPersonalData, URIRef(iri)))
    for cand in candidates:
        c = URIRef(candidate_iri(cand.key))
        g.add((c, RDF.type, gm.TransferCandidate))
        g.add((c, gm.recipient, URIRef(recipient_iri(cand.recipient))))
        g.add((c, gm.dataInClear, Literal(cand.data_in_clear)))
        g.add((c, gm.observed, Literal(cand.observed)))
        if cand.category:
            g.add((c, gm.serviceCategory, gm[f"category-{cand.category}"]))
        for iri in cand.safeguards:
            g.add((c, gm.declaredSafeguard, URIRef(iri)))
        g.add((c, gm.destinationKnown, Literal(cand.destination is not None)))
        g.add((c, gm.processingEstablished, Literal(cand.processing_established)))
        for code in cand.server_countries:
            g.add((c, gm.serverCountry, loc[code]))
        if cand.destination:
            g.add((c, gm.destination, loc[cand.destination]))
        if not cand.chain:
            continue
        top = URIRef(entity_iri(cand.chain[-1].id))
        importer = cand.chain[0]
        g.add((c, gm.importer, URIRef(entity_iri(importer.id))))
        # The importer's facts again on the candidate: rules then read one star of triples
        # around ?cand, which rdflib joins fast, instead of chains through the entities.
        g.add((c, gm.importerCountry, loc[importer.country]))
        g.add((c, gm.ultimateParent, top))
        g.add((c, gm.parentCountry, loc[cand.chain[-1].country]))
        for code in controlled_from(cand.chain):
            g.add((c, gm.controlledFrom, loc[code]))
        g.add((c, gm.controlEstablished, Literal(control_established(cand.chain))))
        g.add((c, gm.importerSector, gm[_SECTOR.get(importer.sector or "", "SectorUnknown")]))
        g.add((c, gm.dpfStatus, gm[_DPF[importer.dpf]]))
        g.add((c, gm.privacyShieldStatus, gm[_PS[importer.privacy_shield]]))
        g.add((c, gm.fisa702, gm[_FISA[importer.fisa702]]))
        for ent in cand.chain:
            e = URIRef(entity_iri(ent.id))
            g.add((e, RDF.type, dpv.LegalEntity))
            g.add((e, RDFS.label, Literal(ent.name)))
            g.add((e, gm.country, loc[ent.country]))
            g.add((e, gm.ultimateParent, top))
            g.add((e, gm.dpfStatus, gm[_DPF[ent.dpf]]))
            # issue 14: the listing the as-of status was judged from (dates, participant id)
            if ent.dpf_since:
                g.add((e, gm.dpfListedFrom, Literal(ent.dpf_since)))
            if ent.dpf_until:
                g.add((e, gm.dpfInactiveFrom, Literal(ent.dpf_until)))
            if ent.dpf_id:
                g.add((e, gm.dpfParticipantId, Literal(ent.dpf_id)))
            g.add((e, gm.privacyShieldStatus, gm[_PS[ent.privacy_shield]]))
            g.add((e, gm.fisa702, gm[_FISA[ent.fisa702]]))
            if ent.parent:
                g.add((e, dpv.isSubsidiaryOf, URIRef(entity_iri(ent.parent))))
            if ent.sector == "international-organisation":
                g.add((e, RDF.type, gm.InternationalOrganisation))
    return g
