"""Personal-data categories carried by a flow, each with the field that proves it.

Detectors are small functions ``(View) -> iterable of Claim``, one concern each, driven by
data files (``patterns.toml``, ``lexicons/<topic>.<lang>.txt``); ``DETECTORS`` is the registry
and ``docs/detection.md`` documents each one's DPV IRI mapping and rules. They read only the
redacted ``Flow``: secrets and personal values were replaced at the importer boundary, and what
a redacted value looked like is in ``Param.kind``.

| detector | DPV personal-data IRIs |
|---|---|
| ip-address, ip-in-payload | pd:IPAddress |
| cookies, identifiers | pd:Identifier (cookies: pd:PrivacyPreference for TC-string cookies) |
| tc-string | pd:PrivacyPreference |
| referrer | pd:BrowsingReferral |
| page, search-terms | pd:BrowsingBehaviour |
| events | pd:LinkClicked (clicks), pd:BrowsingBehaviour (other interactions) |
| user-agent | pd:UserAgent |
| screen-language | pd:DeviceBased, pd:Language |
| fingerprint | pd:BrowserFingerprint |
| contact | pd:EmailAddress, pd:TelephoneNumber, pd:Name, pd:BirthDate, pd:PostalCode, pd:Location |
| special-terms | pd:Health, pd:Religion, pd:Sexual, pd:PoliticalOpinion, pd:TradeUnionMembership |
| (context) health-context | pd:Health with ``DataItem.context`` |
"""

from __future__ import annotations

from ..models import DataItem, Flow
from . import behaviour, contact, device, identifiers, network, special
from .base import Claim, Detector, View, share_evidence
from .special import HealthContext

__all__ = ["DETECTORS", "Claim", "Detector", "HealthContext", "View", "claims", "classify"]

DETECTORS: dict[str, Detector] = {
    "ip-address": network.ip_address,
    "ip-in-payload": network.ip_in_payload,
    "cookies": identifiers.cookies,
    "identifiers": identifiers.parameters,
    "tc-string": identifiers.tc_string,
    "referrer": behaviour.referrer,
    "page": behaviour.page,
    "search-terms": behaviour.search_terms,
    "events": behaviour.events,
    "user-agent": device.user_agent,
    "screen-language": device.screen_and_language,
    "fingerprint": device.fingerprint,
    "contact": contact.contact,
    "special-terms": special.special_terms,
}


def classify(flow: Flow, context: HealthContext | None = None) -> list[DataItem]:
    """All data items one flow discloses to the host it reaches. ``context`` marks flows made
    from a health service's pages (see ``special.HealthContext``)."""
    return [claim.to_item() for claim in claims(flow, context)]


def claims(flow: Flow, context: HealthContext | None = None) -> list[Claim]:
    """``classify`` without building the evidence models: the pipeline's form (issue #9)."""
    if flow.host is None:
        return []  # data: and blob: URLs never leave the browser
    view = View(flow)
    found = [claim for detect in DETECTORS.values() for claim in detect(view)]
    if context is not None:
        found.extend(special.health_context(view, context))
    return share_evidence(found)
