"""The subject organisation (X.509 ``O``, OID 2.5.4.10) of a DER certificate, read with a
minimal DER walker: the standard library has no public certificate parser and the capture needs
only this one field."""

from __future__ import annotations

import base64

ORGANISATION_OID = bytes.fromhex("55040a")  # 2.5.4.10


def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the DER element at ``pos``."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise ValueError("unsupported DER length")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise ValueError("truncated DER")
    return tag, pos, pos + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out = []
    while start < end:
        tag, vs, ve = _tlv(data, start)
        out.append((tag, vs, ve))
        start = ve
    return out


def subject_organisation(der_base64: str) -> str | None:
    """The subject's organisation name, or None (absent, as in most domain-validated
    certificates, or unreadable)."""
    try:
        der = base64.b64decode(der_base64)
        _, cs, ce = _tlv(der, 0)  # Certificate
        _, ts, te = _children(der, cs, ce)[0]  # tbsCertificate
        fields = _children(der, ts, te)
        if fields and fields[0][0] == 0xA0:  # [0] version
            fields = fields[1:]
        # serialNumber, signature, issuer, validity, subject
        _, ss, se = fields[4]
        for _, rs, re_ in _children(der, ss, se):  # RelativeDistinguishedName (SET)
            for _, as_, ae in _children(der, rs, re_):  # AttributeTypeAndValue
                (_, os_, oe), (_, vs, ve) = _children(der, as_, ae)[:2]
                if der[os_:oe] == ORGANISATION_OID:
                    return der[vs:ve].decode("utf-8", "replace")[:200]
    except (ValueError, IndexError):
        return None
    return None
