"""Registrable domains (eTLD+1) from the Public Suffix List snapshot bundled with tldextract.

Never downloads: the default extractor fetches the list and logs tracebacks when offline.

The list is read straight from the snapshot file tldextract ships, and matched here with
tldextract's own algorithm (ICANN section only, its default; ``tests/test_domains.py`` checks
both agree): importing tldextract costs ~0.15 s of start-up (it imports requests), the matching
itself needs none of it (issue #9). Without the file, tldextract itself answers.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

# RFC 2606 / RFC 6761 reserved names are not in the Public Suffix List but act as suffixes.
RESERVED_TLDS = frozenset({"example", "test", "invalid", "localhost", "local", "internal"})

SNAPSHOT = ".tld_set_snapshot"  # tldextract's bundled copy of public_suffix_list.dat
_PRIVATE_SECTION = "// ===BEGIN PRIVATE DOMAINS==="
_RULE = re.compile(r"^(?P<suffix>[.*!]*\w[\S]*)", re.UNICODE | re.MULTILINE)  # tldextract's
_UNICODE_DOTS = ("\u3002", "\uff0e", "\uff61")
_NETLOC_CHARS = re.compile(r"[/?#@\[\]:\s]")  # where tldextract's URL parsing changes a host


class _Node:
    __slots__ = ("matches", "end")

    def __init__(self) -> None:
        self.matches: dict[str, _Node] = {}
        self.end = False


def snapshot_path() -> Path | None:
    """tldextract's Public Suffix List file, found without importing tldextract."""
    spec = importlib.util.find_spec("tldextract")
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent / SNAPSHOT
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def _suffix_trie() -> _Node | None:
    return _trie(private=False)


@lru_cache(maxsize=1)
def _private_trie() -> _Node | None:
    return _trie(private=True)


def _trie(private: bool) -> _Node | None:
    """The ICANN section of the list, or its private section (hosting platforms' suffixes)."""
    path = snapshot_path()
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    root = _Node()
    icann, _, rest = text.partition(_PRIVATE_SECTION)
    for m in _RULE.finditer(rest if private else icann):
        node = root
        for label in reversed(m.group("suffix").split(".")):
            node = node.matches.setdefault(label, _Node())
        node.end = True
    return root


def _suffix_index(root: _Node, labels: list[str]) -> int | None:
    """Index of the first label of the public suffix (tldextract's ``suffix_index``)."""
    node = root
    suffix_idx = label_idx = len(labels)
    for label in reversed(labels):
        decoded = _decode_punycode(label)
        child = node.matches.get(decoded)
        if child is not None:
            label_idx -= 1
            node = child
            if node.end:
                suffix_idx = label_idx
            continue
        if "*" in node.matches:
            return label_idx if "!" + decoded in node.matches else label_idx - 1
        break
    return None if suffix_idx == len(labels) else suffix_idx


def _decode_punycode(label: str) -> str:
    lowered = label.lower()
    if lowered.startswith("xn--"):
        import idna  # a tldextract dependency; rules are written in Unicode

        try:
            return str(idna.decode(lowered))
        except (UnicodeError, IndexError):
            pass
    return lowered


@lru_cache(maxsize=1)
def _extractor():  # type: ignore[no-untyped-def]
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _split(host: str) -> tuple[str, str]:
    """(domain, public suffix) of a host name as tldextract's extractor returns them; ("", "")
    when the host has no public suffix."""
    root = _suffix_trie()
    if root is None or _NETLOC_CHARS.search(host):
        ext: Any = _extractor()(host)
        return (str(ext.domain), str(ext.suffix)) if ext.suffix else ("", "")
    netloc = host.rstrip("." + "".join(_UNICODE_DOTS))
    for dot in _UNICODE_DOTS:
        netloc = netloc.replace(dot, ".")
    labels = netloc.split(".")
    index = _suffix_index(root, labels)
    if index is None:
        return "", ""  # no public suffix (tldextract's domain is then unused here)
    return (labels[index - 1] if index > 0 else ""), ".".join(labels[index:])


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@lru_cache(maxsize=65536)
def has_public_suffix(host: str) -> bool:
    """Whether ``host`` is an address or ends in a public suffix (or a reserved test TLD)."""
    host = host.lower().rstrip(".")
    return is_ip(host) or host.rsplit(".", 1)[-1] in RESERVED_TLDS or bool(_split(host)[1])


@lru_cache(maxsize=4096)
def platform_suffix(host: str) -> str | None:
    """The hosting platform ``host`` is a tenant of - a suffix of the Public Suffix List's
    private section below which anyone may publish a site (``github.io``, ``blogspot.com``,
    ``herokuapp.com``, ``cloudfront.net`` ...) - or None (also for the platform's own name)."""
    host = host.lower().rstrip(".")
    root = _private_trie()
    if root is None or is_ip(host) or _NETLOC_CHARS.search(host):
        return None
    labels = host.split(".")
    index = _suffix_index(root, labels)
    return ".".join(labels[index:]) if index else None


@lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str:
    """``a.b.example.co.uk`` -> ``example.co.uk``; IP addresses and bare names are their own."""
    host = host.lower().rstrip(".")
    if is_ip(host) or "." not in host:
        return host
    labels = host.split(".")
    if labels[-1] in RESERVED_TLDS:
        return ".".join(labels[-2:])
    domain, suffix = _split(host)
    if not suffix:
        return ".".join(labels[-2:])
    return f"{domain}.{suffix}" if domain else suffix
