"""Network identifiers: the IP address of every request, and IP addresses inside payloads.

- ``pd:IPAddress`` - the connection itself (CJEU C-582/14 *Breyer*; GDPR Recital 30).
- ``pd:IPAddress`` - an address written into a parameter (``uip``, ``ip``, Sentry
  ``user.ip_address``). A truncated address is still pseudonymous personal data (Italian
  Garante, decision no. 224 of 9 June 2022, *Caffeina Media*).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import vocab
from .base import Claim, View, item, noted, redacted
from .keys import patterns

_IP_KEYS = patterns().keys("network", "ip_keys")
_IPV4 = re.compile(r"(\d{1,3}\.){3}(\d{1,3}|x{1,3}|\*)", re.I)


def ip_address(view: View) -> Iterator[Claim]:
    """Every request discloses the sender's IP address to the server it reaches."""
    flow = view.flow
    yield item(flow, vocab.IP_ADDRESS.iri, noted("request", "source_address"),
               flow.request_line)


def ip_in_payload(view: View) -> Iterator[Claim]:
    for field, p, key in view.params:
        if p.kind in ("ip", "truncated-ip"):
            what = "truncated_ip" if p.kind == "truncated-ip" else "ip"
            yield item(view.flow, vocab.IP_ADDRESS.iri, field, redacted(p, what))
        elif not p.redacted and key in _IP_KEYS and _IPV4.fullmatch(p.value.strip()):
            # only reached with a Flow built without the importer's redaction
            yield item(view.flow, vocab.IP_ADDRESS.iri, field, noted(p.path, "ip"))
