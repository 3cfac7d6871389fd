"""Build ``src/gdprmap/data/ipdb.bin``: IPv4/IPv6 ranges -> ASN, AS organisation, country.

Sources (fetched with ``npm pack`` from the npm registry, nothing else is downloaded):

- ``@ip-location-db/asn``: IP range -> ASN + AS organisation. CC BY 4.0: RouteViews, DB-IP
  (IP to ASN Lite) and the NRO statistics.
- ``@ip-location-db/geo-whois-asn-country``: IP range -> country (package licence CC0-1.0; its
  README credits the NRO whois/ASN statistics under CC BY 4.0, so NOTICE attributes them too).

Both packages publish one inclusive range per CSV row (``*-num.csv``: integer start, end). The
two tables are cut at every range boundary of either, each elementary interval gets the pair
(ASN, country) that covers it (0 / "" for none), and neighbours with the same pair are merged.
So a lookup is one binary search over interval starts. Usage::

    python scripts/build_ipdb.py                 # npm pack the latest versions, write the file
    python scripts/build_ipdb.py --from DIR      # use DIR/asn and DIR/geo (unpacked packages)
    python scripts/build_ipdb.py --version 2.3.2026061719
    python scripts/build_ipdb.py --convert OLD.bin   # rewrite a format-1 file as format 2

File layout, format 2 (issue #9; all integers little-endian), read by ``gdprmap.enrich.ipdb``::

    b"GDPRMAP-IPDB\x02\n"  then one JSON line of metadata (sources, versions, data date, counts)
    then u32 K (rows per block) and, for each table in the order v4, v6, pairs, orgs:
      u32 rows, u32 blocks, the first key of each block (v4: u32 start; v6: u64 high then u64
      low halves of the start, as two columns; pairs: none, block = pair index // K; orgs: u32
      ASN), then blocks + 1 x u32 offsets of the blocks in the data that follows
    then the blocks, each zlib-compressed on its own; a block holds K rows (the last fewer) as
    columns, the integer columns byte-shuffled (all first bytes, then all second bytes ...):
      v4:    u32 interval start, u32 pair index
      v6:    u64 start (high 64 bits), u64 start (low 64 bits), u32 pair index
      pairs: u32 ASN, then 2 bytes ISO country per row, not shuffled ("\0\0" = none)
      orgs:  u32 ASN, u16 length, then the UTF-8 AS organisation names end to end
A lookup reads the small index, then inflates only the blocks it needs (~0.1 ms each): the
first lookup no longer inflates the whole file (0.35 s with format 1's single LZMA stream).
Columns compress better than rows; byte-shuffling lets zlib see the slowly changing high bytes
as runs. zlib rather than LZMA: ~8x faster to inflate a block, for a file 3.4 MB instead of 2.7.

Format 1 (``--convert`` reads it): the same header with ``\x01``, then one LZMA stream of
u32 n_pairs, n_pairs x u32 ASN, n_pairs x 2 bytes country; u32 n4, n4 x u32 start, n4 x u32
pair; u32 n6, n6 x u64 high, n6 x u64 low, n6 x u32 pair; u32 n_orgs, then u32 ASN, u16
length, UTF-8 name each.
"""

from __future__ import annotations

import argparse
import array
import csv
import datetime as dt
import json
import lzma
import re
import struct
import subprocess
import sys
import tarfile
import tempfile
import zlib
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "gdprmap" / "data" / "ipdb.bin"
MAGIC = b"GDPRMAP-IPDB\x02\n"
MAGIC_V1 = b"GDPRMAP-IPDB\x01\n"
BLOCK_ROWS = 4096
PACKAGES = {"asn": "@ip-location-db/asn", "geo": "@ip-location-db/geo-whois-asn-country"}


def fetch(version: str | None, into: Path) -> dict[str, str]:
    """``npm pack`` both packages into ``into``, unpack them to into/asn and into/geo."""
    versions = {}
    for key, name in PACKAGES.items():
        spec = f"{name}@{version}" if version else name
        out = subprocess.run(["npm", "pack", spec, "--json"], cwd=into, check=True,
                             capture_output=True, text=True).stdout
        info = json.loads(out)[0]
        versions[key] = info["version"]
        with tarfile.open(into / info["filename"]) as tar:
            try:
                tar.extractall(into / f"_{key}", filter="data")
            except TypeError:  # Python < 3.11.4 has no extraction filters; npm tarballs are flat
                tar.extractall(into / f"_{key}")
        (into / f"_{key}" / "package").rename(into / key)
    return versions


def read_ranges(path: Path, value_col: int) -> list[tuple[int, int, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return sorted((int(row[0]), int(row[1]), row[value_col]) for row in csv.reader(fh))


def intervals(asn: list[tuple[int, int, str]], geo: list[tuple[int, int, str]],
              top: int) -> list[tuple[int, tuple[int, str]]]:
    """Elementary intervals (start, (asn, country)), merged when neighbours are equal.

    The published tables overlap in places (a geofeed /29 inside a whois /23, one ASN range
    straddling another): at each point the most specific (smallest) covering range wins, as in
    routing. Both inputs must be sorted by start.
    """
    cuts = {0}
    for s, e, _ in (*asn, *geo):
        cuts.add(s)
        if e + 1 <= top:
            cuts.add(e + 1)
    out: list[tuple[int, tuple[int, str]]] = []
    sweep_asn, sweep_geo = _Sweep(asn), _Sweep(geo)
    for b in sorted(cuts):
        a = int(sweep_asn.at(b) or 0)
        c = sweep_geo.at(b) or ""
        if c and not re.fullmatch(r"[A-Z]{2}", c):
            c = ""  # not an ISO 3166-1 code (e.g. "ZZ"): say nothing rather than guess
        if out and out[-1][1] == (a, c):
            continue
        out.append((b, (a, c)))
    return out


class _Sweep:
    """The value of the smallest range covering ascending points (heap, lazy deletion)."""

    def __init__(self, ranges: list[tuple[int, int, str]]) -> None:
        self.ranges, self.next, self.heap = ranges, 0, []  # heap of (size, end, value)

    def at(self, point: int) -> str | None:
        import heapq

        while self.next < len(self.ranges) and self.ranges[self.next][0] <= point:
            s, e, v = self.ranges[self.next]
            heapq.heappush(self.heap, (e - s, e, v))
            self.next += 1
        while self.heap and self.heap[0][1] < point:
            heapq.heappop(self.heap)
        return self.heap[0][2] if self.heap else None


class Tables(NamedTuple):  # not a dataclass: tests load this script without sys.modules
    """The database's content, whatever the file format."""

    pairs: list[tuple[int, str]]  # (ASN or 0, ISO country or "")
    v4: list[tuple[int, int]]  # (interval start, pair index), sorted, first start 0
    v6: list[tuple[int, int]]
    orgs: dict[int, str]  # ASN -> AS organisation, sorted by ASN


def build(src: Path, versions: dict[str, str]) -> tuple[bytes, dict]:
    asn4 = read_ranges(src / "asn" / "asn-ipv4-num.csv", 2)
    asn6 = read_ranges(src / "asn" / "asn-ipv6-num.csv", 2)
    geo4 = read_ranges(src / "geo" / "geo-whois-asn-country-ipv4-num.csv", 2)
    geo6 = read_ranges(src / "geo" / "geo-whois-asn-country-ipv6-num.csv", 2)
    orgs: dict[int, str] = {}
    for path in (src / "asn" / "asn-ipv4-num.csv", src / "asn" / "asn-ipv6-num.csv"):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                if row[3]:
                    orgs.setdefault(int(row[2]), row[3])
    v4 = intervals(asn4, geo4, 2**32 - 1)
    v6 = intervals(asn6, geo6, 2**128 - 1)
    pairs = sorted({p for _, p in (*v4, *v6)})
    index = {p: i for i, p in enumerate(pairs)}
    used = {a for a, _ in pairs}
    tables = Tables(pairs=pairs, v4=[(s, index[p]) for s, p in v4],
                    v6=[(s, index[p]) for s, p in v6],
                    orgs={a: n for a, n in sorted(orgs.items()) if a in used})
    stamp = re.search(r"\.(\d{8})\d*$", versions["asn"])
    date = (dt.datetime.strptime(stamp.group(1), "%Y%m%d").date().isoformat()
            if stamp else None)
    meta = {
        "data_date": date,
        "built": dt.date.today().isoformat(),
        "sources": {PACKAGES[k]: v for k, v in versions.items()},
        "licences": {"@ip-location-db/asn": "CC BY 4.0 (RouteViews, DB-IP, NRO)",
                     "@ip-location-db/geo-whois-asn-country": "CC0-1.0 (data: NRO, CC BY 4.0)"},
        "counts": {"input_ranges_v4": len(asn4) + len(geo4),
                   "input_ranges_v6": len(asn6) + len(geo6)},
    }
    return encode(tables, meta)


def encode(tables: Tables, meta: dict) -> tuple[bytes, dict]:
    """The format-2 file for ``tables``; ``meta`` gets the format and the table counts."""
    assert sys.byteorder == "little", "the file format is little-endian; build on x86/ARM"
    k = BLOCK_ROWS
    index, data = bytearray(struct.pack("<I", k)), bytearray()
    raw_total = 0

    def table(rows: int, keys: list[bytes], blocks: list[bytes]) -> None:
        nonlocal raw_total
        index.extend(struct.pack("<II", rows, len(blocks)))
        for column in keys:
            index.extend(column)
        offsets = array.array("I", [len(data)])
        for block in blocks:
            raw_total += len(block)
            data.extend(zlib.compress(block, 9))
            offsets.append(len(data))
        index.extend(offsets.tobytes())

    def chunks(rows: list) -> list[list]:
        return [rows[i:i + k] for i in range(0, len(rows), k)]

    v4 = chunks(tables.v4)
    table(len(tables.v4), [array.array("I", [b[0][0] for b in v4]).tobytes()],
          [_shuffle("I", [s for s, _ in b]) + _shuffle("I", [p for _, p in b]) for b in v4])
    v6 = chunks(tables.v6)
    table(len(tables.v6), [array.array("Q", [b[0][0] >> 64 for b in v6]).tobytes(),
                           array.array("Q", [b[0][0] & (2**64 - 1) for b in v6]).tobytes()],
          [_shuffle("Q", [s >> 64 for s, _ in b]) + _shuffle("Q", [s & (2**64 - 1) for s, _ in b])
           + _shuffle("I", [p for _, p in b]) for b in v6])
    pairs = chunks(tables.pairs)
    table(len(tables.pairs), [],
          [_shuffle("I", [a for a, _ in b]) + b"".join((c or "\0\0").encode("ascii") for _, c in b)
           for b in pairs])
    orgs = chunks(sorted(tables.orgs.items()))
    names = [[n.encode("utf-8")[:65535] for _, n in b] for b in orgs]
    table(len(tables.orgs), [array.array("I", [b[0][0] for b in orgs]).tobytes()],
          [_shuffle("I", [a for a, _ in b]) + _shuffle("H", [len(n) for n in ns]) + b"".join(ns)
           for b, ns in zip(orgs, names)])

    meta = {**meta, "format": 2}
    meta["counts"] = {**meta.get("counts", {}),
                      "intervals_v4": len(tables.v4), "intervals_v6": len(tables.v6),
                      "pairs": len(tables.pairs), "as_organisations": len(tables.orgs),
                      "block_rows": k, "uncompressed_bytes": raw_total}
    blob = (MAGIC + json.dumps(meta, sort_keys=True).encode() + b"\n" + bytes(index)
            + bytes(data))
    return blob, meta


def _shuffle(code: str, values: list[int]) -> bytes:
    """A column as its byte planes: every value's first byte, then every second byte ..."""
    raw = array.array(code, values).tobytes()
    width = array.array(code).itemsize
    return b"".join(raw[i::width] for i in range(width))


def read_v1(path: Path) -> tuple[Tables, dict]:
    """The content and metadata of a format-1 file (for ``--convert``)."""
    blob = path.read_bytes()
    if not blob.startswith(MAGIC_V1):
        raise SystemExit(f"{path}: not a format-1 gdprmap IP database")
    line_end = blob.index(b"\n", len(MAGIC_V1))
    meta = json.loads(blob[len(MAGIC_V1):line_end])
    body = memoryview(lzma.decompress(blob[line_end + 1:]))
    pos = 0

    def column(code: str, n: int) -> list[int]:
        nonlocal pos
        col = array.array(code)
        col.frombytes(body[pos:pos + col.itemsize * n])
        pos += col.itemsize * n
        return col.tolist()

    def count() -> int:
        return column("I", 1)[0]

    n = count()
    asns = column("I", n)
    ccs = bytes(body[pos:pos + 2 * n]).decode("ascii")
    pos += 2 * n
    pairs = [(a, "" if ccs[2 * i:2 * i + 2] == "\0\0" else ccs[2 * i:2 * i + 2])
             for i, a in enumerate(asns)]
    n = count()
    v4 = list(zip(column("I", n), column("I", n)))
    n = count()
    hi, lo = column("Q", n), column("Q", n)
    v6 = [((h << 64) | l_, p) for h, l_, p in zip(hi, lo, column("I", n))]
    orgs = {}
    for _ in range(count()):
        asn, length = struct.unpack_from("<IH", body, pos)
        pos += 6
        orgs[asn] = bytes(body[pos:pos + length]).decode("utf-8")
        pos += length
    meta.pop("format", None)
    meta["counts"] = {k: v for k, v in meta.pop("counts", {}).items() if k.startswith("input_")}
    return Tables(pairs, v4, v6, orgs), meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="src", type=Path,
                        help="folder holding the unpacked packages as asn/ and geo/")
    parser.add_argument("--version", help="package version to npm pack (default: latest)")
    parser.add_argument("--convert", type=Path, metavar="OLD",
                        help="rewrite a format-1 file (same data) in the current format")
    parser.add_argument("-o", "--output", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if args.convert:
        blob, meta = encode(*read_v1(args.convert))
        args.output.write_bytes(blob)
        print(f"{args.output}: {len(blob):,} bytes; {json.dumps(meta['counts'])}; "
              f"data date {meta['data_date']}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        if args.src:
            src = args.src
            versions = {k: json.loads((src / k / "package.json").read_text())["version"]
                        for k in PACKAGES}
        else:
            src = Path(tmp)
            versions = fetch(args.version, src)
        blob, meta = build(src, versions)
    args.output.write_bytes(blob)
    print(f"{args.output}: {len(blob):,} bytes; {json.dumps(meta['counts'])}; "
          f"data date {meta['data_date']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
