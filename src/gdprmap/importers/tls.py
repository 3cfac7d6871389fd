"""The HAR ``_tls`` field: the server certificate a live capture saw (issue 15).

Written by gdprmap's own live capture and by tools that copy the browser's security details
(Chrome DevTools ``Network.SecurityDetails``: ``subjectName``, ``sanList``, ``issuer``). The
names differ between producers, so every spelling we know is read; anything else is ignored
(the certificate is a hint for attribution, never a reason to refuse a capture).
"""

from __future__ import annotations

import re
from typing import Any

from ..models import TlsInfo

MAX_SANS = 200
_O = re.compile(r"(?:^|[,/]\s*)O\s*=\s*(\"[^\"]*\"|[^,/]+)")


def tls_info(value: Any) -> TlsInfo | None:
    if not isinstance(value, dict):
        return None
    subject = _text(value.get("subjectName") or value.get("subject_name")
                    or value.get("subject"))
    org = _text(value.get("subjectOrganization") or value.get("subject_organization")
                or value.get("subject_org") or value.get("organization")
                or value.get("organisation"))
    if org is None and isinstance(value.get("subject"), dict):  # {"subject": {"O": ...}}
        org = _text(value["subject"].get("O") or value["subject"].get("organizationName"))
        subject = _text(value["subject"].get("CN") or value["subject"].get("commonName"))
    if org is None and subject and "=" in subject:  # an RFC 4514 string: "CN=x, O=Adobe Inc."
        m = _O.search(subject)
        org = m.group(1).strip('" ') if m else None
    issuer = value.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("O") or issuer.get("CN")
    raw_sans = (value.get("sanList") or value.get("sans") or value.get("san")
                or value.get("subjectAltNames") or value.get("subject_alt_names") or [])
    if isinstance(raw_sans, str):
        raw_sans = re.split(r"[,\s]+", raw_sans)
    sans = tuple(dict.fromkeys(
        s.strip().lower().removeprefix("dns:").rstrip(".") for s in raw_sans[:MAX_SANS]
        if isinstance(s, str) and s.strip() and len(s) < 256))
    if not (subject or org or sans):
        return None
    return TlsInfo(subject=subject, organisation=org, issuer=_text(issuer), sans=sans)


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()[:300]
    return None
