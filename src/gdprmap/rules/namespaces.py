"""The IRIs the ontology, the rules, the facts and the RDF export share."""

from __future__ import annotations

GM = "https://w3id.org/gdprmap/ns#"
PREFIXES = {
    "gm": GM,
    "gml": "https://w3id.org/gdprmap/law#",
    "gmc": "https://w3id.org/gdprmap/citation#",
    "dpv": "https://w3id.org/dpv#",
    "pd": "https://w3id.org/dpv/pd#",
    "loc": "https://w3id.org/dpv/loc#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dct": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}
