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

File layout (all integers little-endian), read by ``gdprmap.enrich.ipdb``::

    b"GDPRMAP-IPDB\\x01\\n"  then one JSON line of metadata (sources, versions, data date, counts)
    then an LZMA (xz) stream holding, in order:
      u32 n_pairs, n_pairs x u32 ASN, n_pairs x 2 bytes ISO country ("\\0\\0" = none)
      u32 n4, n4 x u32 interval start, n4 x u32 pair index
      u32 n6, n6 x u64 start (high 64 bits), n6 x u64 start (low 64 bits), n6 x u32 pair index
      u32 n_orgs, then for each: u32 ASN, u16 length, UTF-8 AS organisation name
Column order (all starts, then all values) compresses far better than rows.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "gdprmap" / "data" / "ipdb.bin"
MAGIC = b"GDPRMAP-IPDB\x01\n"
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
    orgs = {a: n for a, n in sorted(orgs.items()) if a in used}

    body = bytearray()
    body += struct.pack("<I", len(pairs))
    body += array.array("I", [a for a, _ in pairs]).tobytes()
    body += b"".join((c or "\0\0").encode("ascii") for _, c in pairs)
    body += struct.pack("<I", len(v4))
    body += array.array("I", [s for s, _ in v4]).tobytes()
    body += array.array("I", [index[p] for _, p in v4]).tobytes()
    body += struct.pack("<I", len(v6))
    body += array.array("Q", [s >> 64 for s, _ in v6]).tobytes()
    body += array.array("Q", [s & (2**64 - 1) for s, _ in v6]).tobytes()
    body += array.array("I", [index[p] for _, p in v6]).tobytes()
    body += struct.pack("<I", len(orgs))
    for a, name in orgs.items():
        raw = name.encode("utf-8")[:65535]
        body += struct.pack("<IH", a, len(raw)) + raw
    assert sys.byteorder == "little", "the file format is little-endian; build on x86/ARM"

    stamp = re.search(r"\.(\d{8})\d*$", versions["asn"])
    date = (dt.datetime.strptime(stamp.group(1), "%Y%m%d").date().isoformat()
            if stamp else None)
    meta = {
        "format": 1,
        "data_date": date,
        "built": dt.date.today().isoformat(),
        "sources": {PACKAGES[k]: v for k, v in versions.items()},
        "licences": {"@ip-location-db/asn": "CC BY 4.0 (RouteViews, DB-IP, NRO)",
                     "@ip-location-db/geo-whois-asn-country": "CC0-1.0 (data: NRO, CC BY 4.0)"},
        "counts": {"input_ranges_v4": len(asn4) + len(geo4),
                   "input_ranges_v6": len(asn6) + len(geo6),
                   "intervals_v4": len(v4), "intervals_v6": len(v6),
                   "pairs": len(pairs), "as_organisations": len(orgs),
                   "uncompressed_bytes": len(body)},
    }
    blob = MAGIC + json.dumps(meta, sort_keys=True).encode() + b"\n" + lzma.compress(
        bytes(body), preset=9 | lzma.PRESET_EXTREME)
    return blob, meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="src", type=Path,
                        help="folder holding the unpacked packages as asn/ and geo/")
    parser.add_argument("--version", help="package version to npm pack (default: latest)")
    parser.add_argument("-o", "--output", type=Path, default=OUT)
    args = parser.parse_args(argv)
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
