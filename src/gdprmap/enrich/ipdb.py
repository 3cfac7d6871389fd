"""IP address -> ASN, AS organisation and country, offline, from the bundled ``data/ipdb.bin``.

The file is built by ``scripts/build_ipdb.py`` from the npm packages ``@ip-location-db/asn``
(CC BY 4.0: RouteViews, DB-IP, NRO) and ``@ip-location-db/geo-whois-asn-country`` (CC0; NRO
data); its layout is described there. It is read lazily on the first lookup (~0.2 s, LZMA), then
a lookup is one binary search over sorted interval starts (a few microseconds).

What this data is and is not: the country is where the address block is *registered* or
announced from (RIR whois, geofeeds), not where the machine stands, and CDN and anycast ranges
are often mislocated - every answer says so. The legal analysis never rests on it: it is shown
next to the receiving entity's country, and disagreements become informational notes.

Private, loopback, link-local, documentation and other non-global addresses are recognised with
:mod:`ipaddress` and never given an ASN or a country.
"""

from __future__ import annotations

import array
import ipaddress
import json
import lzma
import os
import struct
import threading
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import GdprmapError
from ..resources import data_path

MAGIC = b"GDPRMAP-IPDB\x01\n"
INDICATIVE = "indicative: CDN and anycast ranges are often mislocated"
ENV_PATH = "GDPRMAP_IPDB"  # use another database file (same format)


class IpDataError(GdprmapError):
    """The IP database file is missing or not in the expected format."""


@dataclass(frozen=True)
class IpInfo:
    """What the database says about one address. ``special`` names a non-global range."""

    ip: str
    asn: int | None = None
    as_org: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2 of the registered/announced block
    special: str | None = None  # "private", "loopback", "documentation", ...
    source: str = "ip-location-db"


def special_range(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """The kind of a non-global address, or None for an ordinary public one."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return special_range(ip.ipv4_mapped)
    for net, kind in _NAMED:
        if ip.version == net.version and ip in net:
            return kind
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_reserved:  # before is_private: Python counts 240.0.0.0/4 as private too
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "reserved"
    return None


_NAMED = [(ipaddress.ip_network(n), k) for n, k in (
    ("192.0.2.0/24", "documentation"), ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"), ("2001:db8::/32", "documentation"),
    ("100.64.0.0/10", "shared address space (carrier-grade NAT)"),
    ("198.18.0.0/15", "benchmarking"),
)]


class IpDatabase:
    """The bundled IP database; ``lookup`` loads it on first use (thread-safe)."""

    def __init__(self, path: Path | None = None) -> None:
        env = os.environ.get(ENV_PATH)
        self.path = Path(path or env or data_path("ipdb.bin"))
        self._lock = threading.Lock()
        self._loaded = False
        self._meta: dict[str, Any] | None = None

    # -- metadata (cheap: reads only the header line) -------------------------------------
    @property
    def meta(self) -> dict[str, Any]:
        if self._meta is None:
            self._meta, _ = self._read_header()
        return self._meta

    @property
    def data_date(self) -> str | None:
        return self.meta.get("data_date")

    @property
    def source_label(self) -> str:
        return f"ip-location-db {self.data_date or '(undated)'}"

    def _read_header(self) -> tuple[dict[str, Any], int]:
        try:
            with self.path.open("rb") as fh:
                head = fh.read(len(MAGIC))
                line = fh.readline()
        except OSError as e:
            raise IpDataError(f"{self.path}: cannot read the IP database: {e.strerror}; "
                              "rebuild it with scripts/build_ipdb.py") from e
        if head != MAGIC:
            raise IpDataError(f"{self.path}: not a gdprmap IP database (bad magic)")
        try:
            return json.loads(line), len(MAGIC) + len(line)
        except ValueError as e:
            raise IpDataError(f"{self.path}: damaged metadata line") from e

    # -- loading ----------------------------------------------------------------------------
    def _load(self) -> None:
        with self._lock:
            if self._loaded:
                return
            meta, offset = self._read_header()
            try:
                body = memoryview(lzma.decompress(self.path.read_bytes()[offset:]))
                self._parse(body)
            except (lzma.LZMAError, struct.error, ValueError, IndexError) as e:
                raise IpDataError(f"{self.path}: damaged IP database: {e}") from e
            self._meta = meta
            self._loaded = True

    def _parse(self, body: memoryview) -> None:
        pos = 0

        def count() -> int:
            nonlocal pos
            (n,) = struct.unpack_from("<I", body, pos)
            pos += 4
            return int(n)

        def column(code: str, n: int) -> array.array[int]:
            nonlocal pos
            col = array.array(code)
            size = col.itemsize * n
            col.frombytes(body[pos:pos + size])
            if len(col) != n:
                raise ValueError("truncated column")
            pos += size
            return col

        n_pairs = count()
        self._pair_asn = column("I", n_pairs)
        self._pair_cc = bytes(body[pos:pos + 2 * n_pairs])
        pos += 2 * n_pairs
        n4 = count()
        self._v4_start = column("I", n4)
        self._v4_pair = column("I", n4)
        n6 = count()
        self._v6_hi = column("Q", n6)
        self._v6_lo = column("Q", n6)
        self._v6_pair = column("I", n6)
        n_orgs = count()
        orgs: dict[int, str] = {}
        for _ in range(n_orgs):
            asn, length = struct.unpack_from("<IH", body, pos)
            pos += 6
            orgs[asn] = bytes(body[pos:pos + length]).decode("utf-8")
            pos += length
        self._orgs = orgs

    # -- queries ----------------------------------------------------------------------------
    def lookup(self, address: str) -> IpInfo:
        """ASN, AS organisation and country of ``address`` (IPv4 or IPv6, brackets allowed)."""
        try:
            ip = ipaddress.ip_address(address.strip().strip("[]").split("%")[0])
        except ValueError as e:
            raise IpDataError(f"{address!r} is not an IP address") from e
        kind = special_range(ip)
        if kind:
            return IpInfo(ip=str(ip), special=kind, source=self.source_label)
        if not self._loaded:
            self._load()
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        value = int(ip)
        if ip.version == 4:
            i = bisect_right(self._v4_start, value) - 1
            pair = self._v4_pair[i] if i >= 0 else None
        else:
            hi, lo = value >> 64, value & 0xFFFF_FFFF_FFFF_FFFF
            i = bisect_right(self._v6_hi, hi) - 1
            while i >= 0 and self._v6_hi[i] == hi and self._v6_lo[i] > lo:
                i -= 1  # several intervals start inside one /64: step back to ours
            pair = self._v6_pair[i] if i >= 0 else None
        if pair is None:
            return IpInfo(ip=str(ip), source=self.source_label)
        asn = self._pair_asn[pair] or None
        cc = self._pair_cc[2 * pair:2 * pair + 2].decode("ascii")
        return IpInfo(ip=str(ip), asn=asn, as_org=self._orgs.get(asn) if asn else None,
                      country=cc if cc != "\0\0" else None, source=self.source_label)


_DEFAULT: IpDatabase | None = None
_DEFAULT_LOCK = threading.Lock()


def default_database() -> IpDatabase:
    """The bundled database, shared per process (loaded lazily on its first lookup)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = IpDatabase()
        return _DEFAULT
