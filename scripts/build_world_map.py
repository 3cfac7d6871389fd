"""Build ``src/gdprmap/data/world-110m.json``: simplified country outlines keyed by ISO alpha-2.

Sources (fetched with ``npm pack``, nothing else is downloaded):

- ``world-atlas`` 2.0.2 (ISC licence, Mike Bostock), ``countries-110m.json``: Natural Earth
  1:110m admin-0 countries (public domain) as TopoJSON, countries keyed by ISO 3166-1 numeric.
- ``i18n-iso-countries`` (MIT), ``codes.json``: ISO 3166-1 numeric -> alpha-2.

The TopoJSON arcs are decoded (quantised, delta-encoded) into rings of longitude/latitude pairs
rounded to 0.1 degree (finer than the 1:110m data's own precision at report size), with
consecutive duplicates dropped. The output is deterministic: same packages, same bytes.

    python scripts/build_world_map.py            # fetch with npm pack into a temporary folder
    python scripts/build_world_map.py --from DIR # use already unpacked packages in DIR
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "gdprmap" / "data" / "world-110m.json"
PACKAGES = ("world-atlas@2.0.2", "i18n-iso-countries@7.14.0")
# Natural Earth features without an ISO numeric code in world-atlas, by name.
BY_NAME = {"Kosovo": "XK", "N. Cyprus": "CY-N", "Somaliland": "SO-S"}
PRECISION = 1  # decimals kept (0.1 degree)


def fetch(folder: Path) -> tuple[Path, Path]:
    for spec in PACKAGES:
        subprocess.run(["npm", "pack", "--silent", spec], cwd=folder, check=True,
                       stdout=subprocess.DEVNULL)
    atlas = next(folder.glob("world-atlas-*.tgz"))
    codes = next(folder.glob("i18n-iso-countries-*.tgz"))
    return atlas, codes


def read_member(tgz: Path, name: str) -> bytes:
    with tarfile.open(tgz) as tar:
        member = tar.extractfile(name)
        if member is None:
            raise SystemExit(f"{tgz}: no {name}")
        return member.read()


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[list[float]]:
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        points.extend(arc if not points else arc[1:])
    out: list[list[float]] = []
    for lon, lat in points:
        p = [round(lon, PRECISION), round(lat, PRECISION)]
        if not out or out[-1] != p:
            out.append(p)
    return out


def build(atlas_json: bytes, codes_json: bytes) -> dict:
    topo = json.loads(atlas_json)
    numeric = {row[2]: row[0] for row in json.loads(codes_json)}
    arcs = decode_arcs(topo)
    countries: dict[str, list[list[list[float]]]] = {}
    for geo in topo["objects"]["countries"]["geometries"]:
        code = numeric.get(str(geo.get("id") or "")) or BY_NAME.get(geo["properties"]["name"])
        if not code:
            print(f"skipped: {geo['properties']['name']} (no ISO code)", file=sys.stderr)
            continue
        if geo["type"] == "Polygon":
            polygons = [geo["arcs"]]
        elif geo["type"] == "MultiPolygon":
            polygons = geo["arcs"]
        else:
            continue
        rings = countries.setdefault(code, [])
        for polygon in polygons:
            for r in polygon:
                points = ring(r, arcs)
                if len(points) >= 3:
                    rings.append(points)
    return {
        "source": "Natural Earth 1:110m admin-0 countries (public domain), via the npm package "
                  "world-atlas 2.0.2 (ISC); ISO codes from i18n-iso-countries 7.14.0 (MIT)",
        "precision_degrees": 10 ** -PRECISION,
        "countries": dict(sorted(countries.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="folder", type=Path,
                        help="folder holding the two .tgz files from npm pack")
    parser.add_argument("-o", "--output", type=Path, default=OUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp)
        atlas, codes = (fetch(folder) if args.folder is None else
                        (next(folder.glob("world-atlas-*.tgz")),
                         next(folder.glob("i18n-iso-countries-*.tgz"))))
        data = build(read_member(atlas, "package/countries-110m.json"),
                     read_member(codes, "package/codes.json"))
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=True) + "\n"
    args.output.write_text(text, encoding="utf-8")
    print(f"{args.output}: {len(data['countries'])} countries, {len(text):,} bytes")


if __name__ == "__main__":
    main()
