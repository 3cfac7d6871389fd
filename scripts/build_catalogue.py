"""Build ``src/gdprmap/data/third-party-web.json`` from the npm package ``third-party-web``.

third-party-web (https://github.com/patrickhulce/third-party-web, MIT licence, Copyright (c)
2019 Patrick Hulce) catalogues the third parties that HTTP Archive's crawls of millions of pages
call: for each, a name (a product or company), sometimes the company behind it, a category, a
homepage and the host patterns it answers on (``*.example.com`` = the domain and every
subdomain; ``cdn.example.com`` = that host only). gdprmap uses it as a *pointer* for hosts its
own knowledge base does not know (issue 15): a named entry becomes an informational fact, never
an organisation or a verdict (``gdprmap.enrich.catalogue``).

The output keeps, per entry, name, company (when it differs from the name), category and
homepage, and maps each host pattern to its entry; usage statistics and examples are dropped.
Deterministic: the same package gives the same bytes.

    python scripts/build_catalogue.py             # npm pack third-party-web@VERSION into a temp dir
    python scripts/build_catalogue.py --from DIR  # a folder holding third-party-web-VERSION.tgz
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "gdprmap" / "data" / "third-party-web.json"
VERSION = "0.30.0"
PUBLISHED = "2026-09-14"  # `npm view third-party-web time` for 0.30.0: 2026-09-14T20:21:19Z


def fetch(folder: Path) -> Path:
    subprocess.run(["npm", "pack", "--silent", f"third-party-web@{VERSION}"], cwd=folder,
                   check=True, stdout=subprocess.DEVNULL)
    return folder / f"third-party-web-{VERSION}.tgz"


def build(tgz: Path) -> dict:
    with tarfile.open(tgz) as tar:
        member = tar.extractfile("package/dist/entities.json")
        assert member is not None, f"{tgz}: no package/dist/entities.json"
        raw = json.loads(member.read())
    entries: list[list[str | None]] = []
    hosts: dict[str, int] = {}
    for entity in raw:
        company = entity.get("company")
        entries.append([entity["name"], company if company != entity["name"] else None,
                        entity.get("category"), entity.get("homepage")])
        for pattern in entity["domains"]:
            pattern = pattern.lower().strip()
            # the package's own loader refuses a pattern claimed twice; so do we
            if pattern in hosts:
                raise SystemExit(f"{tgz}: {pattern} claimed twice")
            hosts[pattern] = len(entries) - 1
    return {
        "source": {
            "package": "third-party-web", "version": VERSION, "published": PUBLISHED,
            "license": "MIT", "copyright": "Copyright (c) 2019 Patrick Hulce",
            "url": "https://github.com/patrickhulce/third-party-web",
        },
        "entries": entries,
        "hosts": dict(sorted(hosts.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="folder", type=Path,
                        help=f"a folder holding third-party-web-{VERSION}.tgz")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tgz = (args.folder / f"third-party-web-{VERSION}.tgz") if args.folder else fetch(Path(tmp))
        data = build(tgz)
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n",
                   encoding="utf-8")
    print(f"{OUT}: {len(data['entries'])} entries, {len(data['hosts'])} host patterns")


if __name__ == "__main__":
    main()
