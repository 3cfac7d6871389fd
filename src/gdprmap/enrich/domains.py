"""Registrable domains (eTLD+1) from the Public Suffix List snapshot bundled with tldextract.

Never downloads: the default extractor fetches the list and logs tracebacks when offline.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

# RFC 2606 / RFC 6761 reserved names are not in the Public Suffix List but act as suffixes.
RESERVED_TLDS = frozenset({"example", "test", "invalid", "localhost", "local", "internal"})


@lru_cache(maxsize=1)
def _extractor():  # type: ignore[no-untyped-def]
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str:
    """``a.b.example.co.uk`` -> ``example.co.uk``; IP addresses and bare names are their own."""
    host = host.lower().rstrip(".")
    if is_ip(host) or "." not in host:
        return host
    labels = host.split(".")
    if labels[-1] in RESERVED_TLDS:
        return ".".join(labels[-2:])
    ext = _extractor()(host)
    if not ext.suffix:
        return ".".join(labels[-2:])
    return f"{ext.domain}.{ext.suffix}" if ext.domain else ext.suffix
