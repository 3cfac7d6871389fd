"""How much of the bundled organisation knowledge base there is, and how much of a capture it explains.

    PYTHONPATH=src python scripts/kb_coverage.py [--json] [CAPTURE ...]

Without captures: prints the number of organisations (distinct ultimate parents), legal entities,
services and registrable domains (eTLD+1 of the services' host suffixes) in the bundled knowledge
base (``src/gdprmap/data/organisations.toml`` and ``src/gdprmap/data/organisations/*.toml``).

With captures (HAR and the other formats ``gdprmap.load`` reads): streams the redacted flows of each
capture and reports, per capture and in total, the number of third-party requests, the share
attributed to an organisation by the knowledge base, and the unattributed hosts with their request
counts. The first party of a capture is the registrable domain of its first page/document: the host
of the first request whose resource type is ``document``, else the host of the first page URL a
request belongs to. A capture without either (a mobile-app capture) has no first party: every
request counts as third-party. Requests without a host (``data:``, ``blob:``) are ignored.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import gdprmap
from gdprmap.enrich.domains import registrable_domain
from gdprmap.enrich.kb import KnowledgeBase
from gdprmap.errors import GdprmapError


def kb_counts(kb: KnowledgeBase) -> dict[str, int]:
    return {
        "organisations": len({kb.chain(e)[-1].id for e in kb.data.entities}),
        "entities": len(kb.data.entities),
        "services": len(kb.data.services),
        "host_suffixes": sum(len(s.domains) for s in kb.data.services),
        "registrable_domains": len({registrable_domain(d) for s in kb.data.services
                                    for d in s.domains}),
    }


def _flows(path: Path):
    kwargs = {}
    if "skip_bad_entries" in inspect.signature(gdprmap.load).parameters:
        kwargs["skip_bad_entries"] = True
    return gdprmap.load(path, **kwargs)


def capture_coverage(kb: KnowledgeBase, path: Path) -> dict:
    flows = [f for f in _flows(path) if f.host]
    first_party = None
    doc = next((f for f in flows if (f.resource_type or "").lower() == "document"), None)
    if doc is not None:
        first_party = registrable_domain(doc.host)
    else:
        page = next((f.page_url for f in flows if f.page_url), None)
        host = urlsplit(page).hostname if page else None
        first_party = registrable_domain(host) if host else None
    third = [f for f in flows if first_party is None or registrable_domain(f.host) != first_party]
    attributed = [f for f in third if kb.match(f.host) is not None]
    unattributed = Counter(f.host for f in third if kb.match(f.host) is None)
    organisations = Counter(kb.match(f.host).chain[-1].name for f in attributed)
    return {
        "capture": str(path),
        "first_party": first_party,
        "requests": len(flows),
        "third_party_requests": len(third),
        "attributed_requests": len(attributed),
        "share_attributed": round(len(attributed) / len(third), 4) if third else None,
        "organisations": dict(organisations.most_common()),
        "unattributed_hosts": dict(unattributed.most_common()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("captures", nargs="*", type=Path)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)

    kb = KnowledgeBase.load()
    report: dict = {"knowledge_base": kb_counts(kb), "captures": [], "errors": []}
    for path in args.captures:
        try:
            report["captures"].append(capture_coverage(kb, path))
        except (GdprmapError, OSError, ValueError) as e:
            report["errors"].append({"capture": str(path), "error": str(e)})
    done = report["captures"]
    third = sum(c["third_party_requests"] for c in done)
    attributed = sum(c["attributed_requests"] for c in done)
    total_unattributed: Counter = Counter()
    for c in done:
        total_unattributed.update(c["unattributed_hosts"])
    if done:
        report["total"] = {
            "captures": len(done),
            "third_party_requests": third,
            "attributed_requests": attributed,
            "share_attributed": round(attributed / third, 4) if third else None,
            "unattributed_hosts": dict(total_unattributed.most_common()),
        }

    if args.json:
        json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    for key, value in report["knowledge_base"].items():
        print(f"{key.replace('_', ' ')}: {value}")
    for c in done:
        share = "n/a" if c["share_attributed"] is None else f"{c['share_attributed']:.1%}"
        print(f"\n{c['capture']}: first party {c['first_party'] or '(none: app capture)'}; "
              f"{c['attributed_requests']}/{c['third_party_requests']} third-party requests "
              f"attributed ({share})")
        for host, n in c["unattributed_hosts"].items():
            print(f"  unattributed: {host} ({n})")
    for err in report["errors"]:
        print(f"\n{err['capture']}: not read: {err['error']}")
    if done:
        t = report["total"]
        share = "n/a" if t["share_attributed"] is None else f"{t['share_attributed']:.1%}"
        print(f"\nTOTAL: {t['attributed_requests']}/{t['third_party_requests']} third-party requests "
              f"attributed ({share}) over {t['captures']} captures; "
              f"{len(t['unattributed_hosts'])} unattributed hosts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
