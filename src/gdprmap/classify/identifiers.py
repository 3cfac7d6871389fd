"""Online identifiers: cookies, identifiers in query strings and bodies, TC strings.

- ``pd:Identifier`` - a cookie sent (names only; values never leave the importer), a value the
  importer recognised as an identifier (``cid``, ``uid``, ``device_id``, UUIDs ...), a
  token-like value under a name that is not a version/checksum/time, a session secret.
  GDPR Recital 30 (online identifiers, cookie identifiers).
- ``pd:PrivacyPreference`` - an IAB TCF consent (TC) string: personal data where it can be
  linked to the user, e.g. through the IP address (CJEU C-604/22 *IAB Europe*, 7 Mar 2024).

Identifier items carry the redactor's keyed ``digest`` so that the same value sent to several
recipients can be shown as a cross-site identifier (``Recipient.shared_identifiers``).
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import vocab
from .base import Claim, View, item, noted, redacted
from .keys import leaf, patterns

_P = patterns()
_NOT_IDENTIFYING = _P.keys("identifiers", "not_identifying")
_NOT_PERSON = _P.keys("identifiers", "not_person_ids")
_SESSION = _P.keys("identifiers", "session")
_NOT_ID_COOKIES = _P.keys("identifiers", "not_identifying_cookies")
_TC_KEYS = _P.keys("tc_string", "keys")
_TC_COOKIES = _P.keys("tc_string", "cookies")
# names whose hashed values are contact/identity data: contact.py claims them
_CONTACT_KEYS = frozenset().union(*(
    _P.keys("contact", k) for k in (
        "hashed_email_keys", "hashed_phone_keys", "hashed_name_keys", "hashed_birthdate_keys",
        "hashed_postcode_keys", "hashed_location_keys")))


def cookies(view: View) -> Iterator[Claim]:
    flow = view.flow
    for name in flow.cookies:
        key = leaf(name)
        if key in _TC_COOKIES:
            yield item(flow, vocab.PRIVACY_PREFERENCE.iri, f"request.cookies[{name}]",
                       noted(f"cookie {name}", "tc_string_redacted"))
        elif key not in _NOT_ID_COOKIES:
            yield item(flow, vocab.IDENTIFIER.iri, f"request.cookies[{name}]",
                       noted(f"cookie {name}", "value_redacted"))


def parameters(view: View) -> Iterator[Claim]:
    for field, p, key in view.params:
        if not p.redacted or key in _TC_KEYS:
            continue
        if key in _CONTACT_KEYS or key in _NOT_PERSON:
            continue
        if p.kind == "identifier" or (p.kind == "token" and key not in _NOT_IDENTIFYING) or (
                p.kind == "secret" and key in _SESSION):
            what = "session_identifier" if p.kind == "secret" else "identifier"
            yield item(view.flow, vocab.IDENTIFIER.iri, field, redacted(p, what),
                       digest=p.digest)


def tc_string(view: View) -> Iterator[Claim]:
    for field, p, key in view.params:
        # a TC string is long base64url: redacted as a token, or at least 20 characters
        if key in _TC_KEYS and (p.redacted and p.kind == "token" or len(p.value) >= 20
                                and p.value[:1].isalpha() and " " not in p.value):
            yield item(view.flow, vocab.PRIVACY_PREFERENCE.iri, field,
                       redacted(p, "tcf_string"))
