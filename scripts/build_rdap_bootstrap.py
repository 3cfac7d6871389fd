"""Build the ``dns`` part of ``src/gdprmap/data/rdap-bootstrap.json`` from IANA's ``dns.json``.

IANA publishes the RDAP bootstrap registry for domain names at https://data.iana.org/rdap/dns.json
(RFC 9224). This machine cannot reach data.iana.org, so the copy comes from an npm package that
ships it: ``freewhois`` 1.2.6 (MIT licence, Josh Terrill), whose ``tlds.json`` is the
``services`` array of IANA's dns.json as written by the package's ``update-tlds.js``
(``axios('https://data.iana.org/rdap/dns.json')`` -> ``data.services``). The package does not
keep IANA's ``publication`` field, so the file records the package version and its npm
publication time as the date the copy was taken *at the latest* (issue 15).

The output keeps IANA's services in IANA's order (first URL, HTTPS preferred as RFC 9224
recommends) and leaves the ``whois``, ``ipv4`` and ``ipv6`` sections of the bundled file as
they are. Deterministic: the same package gives the same bytes.

    python scripts/build_rdap_bootstrap.py            # npm pack freewhois@1.2.6 into a temp dir
    python scripts/build_rdap_bootstrap.py --from DIR # a folder holding freewhois-1.2.6.tgz
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "gdprmap" / "data" / "rdap-bootstrap.json"
PACKAGE = "freewhois@1.2.6"
PACKAGE_PUBLISHED = "2026-05-24"  # `npm view freewhois time` for 1.2.6: 2026-05-24T22:05:45Z


def fetch(folder: Path) -> Path:
    subprocess.run(["npm", "pack", "--silent", PACKAGE], cwd=folder, check=True,
                   stdout=subprocess.DEVNULL)
    return next(folder.glob("freewhois-*.tgz"))


def services_from(tgz: Path) -> list[list[list[str]]]:
    with tarfile.open(tgz) as tar:
        member = tar.extractfile("package/tlds.json")
        assert member is not None, f"{tgz}: no package/tlds.json"
        raw = json.loads(member.read().decode("utf-8-sig"))
    out = []
    for keys, urls in raw:
        https = [u for u in urls if u.startswith("https://")]
        out.append([[k.lower() for k in keys], [(https or urls)[0]]])
    return out


def build(tgz: Path) -> dict[str, object]:
    current = json.loads(OUT.read_text(encoding="utf-8"))
    services = services_from(tgz)
    doc = {
        "description": (
            "RDAP bootstrap for gdprmap (RFC 9224 layout). 'dns': the services of IANA's "
            "RDAP bootstrap registry for domain names (https://data.iana.org/rdap/dns.json) as "
            f"shipped in the npm package {PACKAGE} (MIT licence; its tlds.json is the "
            "'services' array of IANA's file), first URL of each service, HTTPS preferred; "
            "built by scripts/build_rdap_bootstrap.py. IANA's own 'publication' time is not "
            "kept by the package: 'publication' below is the package's npm publication date, "
            "the latest date the copy can have been taken. 'whois', 'ipv4' and 'ipv6' are "
            "written by the gdprmap authors (port-43 servers of ccTLDs without RDAP; the RIRs' "
            "blocks as far as known). Override the whole file with GDPRMAP_RDAP_BOOTSTRAP=FILE "
            "(e.g. a fresh copy of IANA's dns.json)."),
        "publication": PACKAGE_PUBLISHED,
        "publication_basis": f"npm publication of {PACKAGE} (IANA copy taken on or before)",
        "source": "https://data.iana.org/rdap/dns.json via npm " + PACKAGE,
        "version": "iana-dns-via-freewhois-1.2.6",
        "dns": {"services": services},
    }
    for key in ("whois", "ipv4", "ipv6"):
        doc[key] = current[key]
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="folder", type=Path)
    args = parser.parse_args()
    if args.folder:
        tgz = next(args.folder.glob("freewhois-*.tgz"))
        doc = build(tgz)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            doc = build(fetch(Path(tmp)))
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    # one service per line: reviewable diffs when the registry changes
    text = text.replace("],[[", "],\n[[")
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"{OUT}: {len(doc['dns']['services'])} services")  # type: ignore[index]


if __name__ == "__main__":
    main()
