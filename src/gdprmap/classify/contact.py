"""Contact, identity and location data in payloads. Raw values never reach this stage: the
importer redacts them and records what they looked like in ``Param.kind``
(``redact.personal_kind``); hashed values (32/40/64 hex) arrive as ``token``.

- ``pd:EmailAddress`` - an e-mail address, or a hashed one under an e-mail name (Meta Pixel
  ``ud[em]``, ``hashed_email``, ``em`` ...). Hashing is pseudonymisation, not anonymisation
  (CJEU C-413/23 P *EDPS v SRB*; the recipient matches hashes against its own users).
- ``pd:TelephoneNumber``, ``pd:Name``, ``pd:BirthDate`` - the kinds ``phone``, ``name``,
  ``birthdate``, or hashed values under ``ph``, ``fn``/``ln``, ``db``.
- ``pd:PostalCode`` - kind ``postcode`` or hashed ``zp`` (narrower than ``pd:Location``).
- ``pd:Location`` - kind ``location`` (coordinates, a city under a city name) or hashed ``ct``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import vocab
from .base import HASHED_KINDS, Claim, View, item, noted, redacted
from .keys import patterns

_P = patterns()
_HEX = re.compile(r"[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}", re.I)

_BY_KIND = {
    "email": (vocab.EMAIL, "email"),
    "phone": (vocab.PHONE, "phone"),
    "name": (vocab.NAME, "name"),
    "birthdate": (vocab.BIRTH_DATE, "birthdate"),
    "postcode": (vocab.POSTAL_CODE, "postcode"),
    "location": (vocab.LOCATION, "location"),
}
_HASHED = [
    (_P.keys("contact", "hashed_email_keys"), vocab.EMAIL, "hashed_email"),
    (_P.keys("contact", "hashed_phone_keys"), vocab.PHONE, "hashed_phone"),
    (_P.keys("contact", "hashed_name_keys"), vocab.NAME, "hashed_name"),
    (_P.keys("contact", "hashed_birthdate_keys"), vocab.BIRTH_DATE, "hashed_birthdate"),
    (_P.keys("contact", "hashed_postcode_keys"), vocab.POSTAL_CODE, "hashed_postcode"),
    (_P.keys("contact", "hashed_location_keys"), vocab.LOCATION, "hashed_city"),
]
_ANY_HASHED = frozenset().union(*(keys for keys, _, _ in _HASHED))


_AVATAR_PATHS = tuple(_P.data("contact", "hashed_email_paths"))


def contact(view: View) -> Iterator[Claim]:
    url = view.flow.url
    for marker in _AVATAR_PATHS:
        if marker in url and f"{marker}[redacted]" in url or _avatar_hash(url, marker):
            yield item(view.flow, vocab.EMAIL.iri, noted("request.url", "path"),
                       noted(f"{marker}…", "hashed_email_path"))
            break
    for field, p, key in view.params:
        known = _BY_KIND.get(p.kind or "")
        if known:
            category, what = known
            digest = p.digest if category is vocab.EMAIL else None
            yield item(view.flow, category.iri, field, redacted(p, what), digest=digest)
        elif key in _ANY_HASHED and (
                p.redacted and p.kind in HASHED_KINDS or not p.redacted and _HEX.fullmatch(p.value)):
            for keys, category, what in _HASHED:
                if key in keys:
                    digest = p.digest if category is vocab.EMAIL else None
                    yield item(view.flow, category.iri, field, redacted(p, what), digest=digest)
                    break


def _avatar_hash(url: str, marker: str) -> bool:
    """A Gravatar-style path: the segment after ``marker`` is an MD5/SHA-256 hex digest."""
    i = url.find(marker)
    if i < 0:
        return False
    segment = url[i + len(marker):].split("?", 1)[0].split("/", 1)[0].split(".", 1)[0]
    return bool(_HEX.fullmatch(segment))
