"""IP address -> ASN, AS organisation and country, offline, from the bundled ``data/ipdb.bin``.

The file is built by ``scripts/build_ipdb.py`` from the npm packages ``@ip-location-db/asn``
(CC BY 4.0: RouteViews, DB-IP, NRO) and ``@ip-location-db/geo-whois-asn-country`` (CC0; NRO
data); its layout is described there. The file is in blocks of 4,096 rows, each compressed on its
own: the first lookup reads only the small index of the blocks (~1 ms), and a lookup inflates
the few blocks it needs once (interval, (ASN, country) pair, organisation name; ~0.1 ms each),
then is a binary search over sorted interval starts (a few microseconds).

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
import os
import struct
import sys
import threading
import zlib
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

from ..errors import GdprmapError
from ..resources import data_path

MAGIC = b"GDPRMAP-IPDB\x02\n"
MAGIC_V1 = b"GDPRMAP-IPDB\x01\n"
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
        # one string for every fact that cites it (issue 17: not one copy per recipient)
        return sys.intern(f"ip-location-db {self.data_date or '(undated)'}")

    def _read_header(self) -> tuple[dict[str, Any], int]:
        try:
            with self.path.open("rb") as fh:
                head = fh.read(len(MAGIC))
                line = fh.readline()
        except OSError as e:
            raise IpDataError(f"{self.path}: cannot read the IP database: {e.strerror}; "
                              "rebuild it with scripts/build_ipdb.py") from e
        if head == MAGIC_V1:
            raise IpDataError(f"{self.path}: an IP database in the older format 1; convert it "
                              "with scripts/build_ipdb.py --convert FILE")
        if head != MAGIC:
            raise IpDataError(f"{self.path}: not a gdprmap IP database (bad magic)")
        try:
            return json.loads(line), len(MAGIC) + len(line)
        except ValueError as e:
            raise IpDataError(f"{self.path}: damaged metadata line") from e

    # -- loading ----------------------------------------------------------------------------
    def _load(self) -> None:
        """Read the file and its block index; blocks are inflated when a lookup needs them."""
        with self._lock:
            if self._loaded:
                return
            meta, offset = self._read_header()
            try:
                raw = self.path.read_bytes()
            except OSError as e:
                raise IpDataError(f"{self.path}: cannot read the IP database: {e.strerror}") from e
            try:
                (rows_per_block,) = struct.unpack_from("<I", raw, offset)
                index = _Index(memoryview(raw), offset + 4)
                self._v4 = index.table(rows_per_block, "I")
                self._v6 = index.table(rows_per_block, "QQ")
                self._pairs = index.table(rows_per_block, "")
                self._orgs = index.table(rows_per_block, "I")
                index.data_starts_here()
            except (struct.error, ValueError) as e:
                raise IpDataError(f"{self.path}: damaged IP database: {e}") from e
            self._meta = meta
            self._loaded = True

    def _block(self, table: _Table, b: int, decode: Any) -> Any:
        found = table.decoded.get(b)
        if found is None:
            try:
                found = decode(zlib.decompress(table.compressed(b)), table.rows_in(b))
            except (zlib.error, struct.error, ValueError, IndexError) as e:
                raise IpDataError(f"{self.path}: damaged IP database: {e}") from e
            with self._lock:
                found = table.decoded.setdefault(b, found)
        return found

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
        pair = self._v4_pair(value) if ip.version == 4 else self._v6_pair(value)
        if pair is None:
            return IpInfo(ip=str(ip), source=self.source_label)
        asns, countries = self._block(self._pairs, pair // self._pairs.rows_per_block,
                                      _decode_pairs)
        row = pair % self._pairs.rows_per_block
        asn = asns[row] or None
        cc = sys.intern(countries[2 * row:2 * row + 2].decode("ascii"))
        return IpInfo(ip=str(ip), asn=asn, as_org=self._org(asn) if asn else None,
                      country=cc if cc != "\0\0" else None, source=self.source_label)

    def _v4_pair(self, value: int) -> int | None:
        b = bisect_right(self._v4.keys, value) - 1
        if b < 0:
            return None
        starts, pairs = self._block(self._v4, b, _decode_v4)
        return int(pairs[bisect_right(starts, value) - 1])

    def _v6_pair(self, value: int) -> int | None:
        b = bisect_right(self._v6.keys, value) - 1
        if b < 0:
            return None
        his, los, pairs = self._block(self._v6, b, _decode_v6)
        hi, lo = value >> 64, value & 0xFFFF_FFFF_FFFF_FFFF
        i = bisect_right(his, hi) - 1
        while i > 0 and his[i] == hi and los[i] > lo:
            i -= 1  # several intervals start inside one /64: step back to ours
        return int(pairs[i])

    def _org(self, asn: int) -> str | None:
        b = bisect_right(self._orgs.keys, asn) - 1
        if b < 0:
            return None
        asns, bounds, raw = self._block(self._orgs, b, _decode_orgs)
        i = bisect_left(asns, asn)
        if i == len(asns) or asns[i] != asn:
            return None
        try:
            return str(raw[bounds[i]:bounds[i + 1]].decode("utf-8"))
        except UnicodeDecodeError as e:
            raise IpDataError(f"{self.path}: damaged IP database: {e}") from e


@dataclass
class _Table:
    """One table of the file: the first key of each block, and where each block lies."""

    rows: int
    rows_per_block: int
    keys: list[int]
    offsets: array.array[int]
    data: memoryview
    decoded: dict[int, Any]

    def rows_in(self, b: int) -> int:
        return min(self.rows_per_block, self.rows - b * self.rows_per_block)

    def compressed(self, b: int) -> memoryview:
        return self.data[self.offsets[b]:self.offsets[b + 1]]


class _Index:
    """Reads the tables' block indexes in file order; the blocks follow the last one."""

    def __init__(self, raw: memoryview, pos: int) -> None:
        self.raw, self.pos = raw, pos
        self.tables: list[_Table] = []

    def _column(self, code: str, n: int) -> array.array[int]:
        col = array.array(code)
        col.frombytes(self.raw[self.pos:self.pos + col.itemsize * n])
        if len(col) != n:
            raise ValueError("truncated block index")
        self.pos += col.itemsize * n
        return col

    def table(self, rows_per_block: int, key_codes: str) -> _Table:
        rows, blocks = struct.unpack_from("<II", self.raw, self.pos)
        self.pos += 8
        if rows_per_block < 1:
            raise ValueError("no rows per block")
        if blocks != -(-rows // rows_per_block):
            raise ValueError("block count does not match the row count")
        columns = [self._column(code, blocks) for code in key_codes]
        keys = ([(hi << 64) | lo for hi, lo in zip(*columns)] if len(columns) == 2
                else list(columns[0]) if columns else [])
        table = _Table(rows, rows_per_block, keys, self._column("I", blocks + 1), self.raw, {})
        self.tables.append(table)
        return table

    def data_starts_here(self) -> None:
        data = self.raw[self.pos:]
        for table in self.tables:
            if table.offsets and table.offsets[-1] > len(data):
                raise ValueError("truncated blocks")
            table.data = data


def _unshuffle(code: str, raw: bytes, pos: int, n: int) -> tuple[array.array[int], int]:
    """A byte-shuffled column (see scripts/build_ipdb.py) back to an array."""
    col = array.array(code)
    width = col.itemsize
    plain = bytearray(width * n)
    for i in range(width):
        plain[i::width] = raw[pos + i * n:pos + (i + 1) * n]
    col.frombytes(plain)
    if len(col) != n or pos + width * n > len(raw):
        raise ValueError("truncated block")
    return col, pos + width * n


def _decode_v4(raw: bytes, n: int) -> tuple[array.array[int], array.array[int]]:
    starts, pos = _unshuffle("I", raw, 0, n)
    pairs, _ = _unshuffle("I", raw, pos, n)
    return starts, pairs


def _decode_v6(raw: bytes, n: int) -> tuple[array.array[int], ...]:
    his, pos = _unshuffle("Q", raw, 0, n)
    los, pos = _unshuffle("Q", raw, pos, n)
    pairs, _ = _unshuffle("I", raw, pos, n)
    return his, los, pairs


def _decode_pairs(raw: bytes, n: int) -> tuple[array.array[int], bytes]:
    asns, pos = _unshuffle("I", raw, 0, n)
    if len(raw) != pos + 2 * n:
        raise ValueError("truncated block")
    return asns, raw[pos:]


def _decode_orgs(raw: bytes, n: int) -> tuple[array.array[int], array.array[int], bytes]:
    """ASNs, and where each name starts and ends in ``raw`` (names are decoded when asked)."""
    asns, pos = _unshuffle("I", raw, 0, n)
    lengths, pos = _unshuffle("H", raw, pos, n)
    bounds = array.array("Q", accumulate(lengths, initial=pos))
    if bounds[-1] != len(raw):
        raise ValueError("truncated block")
    return asns, bounds, raw


_DEFAULT: IpDatabase | None = None
_DEFAULT_LOCK = threading.Lock()


def default_database() -> IpDatabase:
    """The bundled database, shared per process (loaded lazily on its first lookup)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = IpDatabase()
        return _DEFAULT
