"""How much of the bundled organisation knowledge base there is, and how much of real captures it explains.

    PYTHONPATH=src python scripts/kb_coverage.py [--json] [--list-attributed] [--per-capture]
                                                 [--probable] [PATH ...]

PATH is a capture (HAR and the other formats ``gdprmap.load`` reads) or a folder: every capture
file under it (``*.har``, ``*.zhar``, ``*.json``, ``*.jsonl``, ``*.ndjson``, ``*.csv``, searched
recursively) is read. Without PATH the folders of the shared development corpus are measured:
every sub-folder of ``../shared/corpus/har/`` next to the project (real captures made by others).

Prints the size of the bundled knowledge base (organisations = distinct ultimate parents, legal
entities, services, host suffixes, registrable domains), then per folder (a capture given alone is
its own group) and in total:

* **third-party registrable domains** (the headline figure): the distinct eTLD+1 of the hosts a
  capture calls other than its first party, pooled over the group's captures. A domain counts as
  *attributed* when the knowledge base names an operator for every one of its third-party hosts
  seen in the group, in every capture: as ``gdprmap.analyze`` does, a host's operator is the one
  of the day of the capture's first request (a domain that changed hands counts for the operator
  of that time, and for no one between recorded periods); otherwise it is listed as
  unattributed with the hosts the knowledge base does not know (a domain known only for some of
  its hosts is marked ``partial``);
* the same per capture (capture, domain) pairs, and third-party requests.

The first party of a capture is the registrable domain of its first page/document: the host of the
first page URL a request belongs to (as ``gdprmap.analyze`` takes it), else the host of the first
request whose resource type is ``document``, else (a browser capture without pages, e.g.
Fiddler's) the registrable domain most Referer headers name. A capture without any of these (a
mobile-app capture) has no first party: every request counts as third-party. Requests without a host (``data:``, ``blob:``) are ignored. A site's own CDN
on another registrable domain (``turner.com`` for cnn.com) is a third party here unless the
knowledge base names its operator. Captures that cannot be read are listed with the error and do
not count.

``--probable`` also runs ``gdprmap.analyze`` on each capture and counts the unattributed domains
it shows as the site's *probable* own (the site's name in the domain, a page the capture visited or
was redirected to, cookies or a server block shared with the page ...): they stay third parties in
the headline figure, and a second figure adds them ("attributed or probable first party").

An unattributed domain that the public third-party catalogue bundled with gdprmap
(``gdprmap.enrich.catalogue``, third-party-web) names is marked with that name and counted apart
(``catalogue_named``): the report shows the name as an informational fact, not as the receiving
organisation, so it never counts as attributed.

``--list-attributed`` also prints every attributed domain with the operator the knowledge base
names, its country and its ultimate parent (to check the attribution against another source).
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import gdprmap
from gdprmap.browser_services import of_flow
from gdprmap.enrich.catalogue import default_catalogue
from gdprmap.enrich.domains import registrable_domain
from gdprmap.enrich.kb import KnowledgeBase
from gdprmap.errors import GdprmapError
from gdprmap.local_traffic import of_flow as local_of_flow

SIGNALS_AS_OF = "2024-03-01"
CAPTURE_SUFFIXES = (".har", ".har.gz", ".zhar", ".harp", ".json", ".json.gz", ".jsonl", ".ndjson",
                    ".csv")
_ROOT = Path(__file__).resolve().parents[1]
# ../shared next to the project; a git worktree one level further down (wt/NAME) looks one up.
DEFAULT_CORPUS = next((p for p in (_ROOT.parent / "shared" / "corpus" / "har",
                                   _ROOT.parent.parent / "shared" / "corpus" / "har")
                       if p.is_dir()), _ROOT.parent / "shared" / "corpus" / "har")


def kb_counts(kb: KnowledgeBase) -> dict[str, int]:
    return {
        "organisations": len({kb.chain(e)[-1].id for e in kb.data.entities}),
        "entities": len(kb.data.entities),
        "services": len(kb.data.services),
        "host_suffixes": sum(len(s.domains) for s in kb.data.services),
        "registrable_domains": len({registrable_domain(d) for s in kb.data.services
                                    for d in s.domains}),
    }


def _read(path: Path) -> tuple[list, tuple[str, ...], dt.date | None, tuple[str, ...]]:
    """The capture's flows, its page URLs, the (local) date of its first request and the
    domains it says are the site's, read as ``gdprmap.analyze`` reads them (bad entries skipped
    where the tree measured can)."""
    from gdprmap.importers import ImportOptions, open_capture

    kwargs = {}
    if "skip_bad_entries" in inspect.signature(ImportOptions).parameters:
        kwargs["skip_bad_entries"] = True
    capture = open_capture(path, str(path), ImportOptions(**kwargs))
    flows = list(capture)
    info = capture.info()
    first = getattr(info, "first_seen", None)
    return (flows, tuple(getattr(info, "pages", ())), first.date() if first else None,
            tuple(getattr(info, "first_party_hints", ())))


def _operators_on(kb: KnowledgeBase, day: dt.date | None) -> KnowledgeBase:
    """The knowledge base whose hosts have the operators of ``day`` (a domain that changed hands
    is attributed to its operator at the capture's time, and to no one outside every recorded
    period), where the tree measured knows operator periods; else ``kb`` as it is."""
    dated = getattr(kb, "dated", None)
    if day is None or dated is None or \
            "operators_on" not in inspect.signature(dated).parameters:
        return kb
    return dated(day, None, operators_on=day)


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def probable_first_party(path: Path) -> dict[str, str]:
    """Registrable domains ``gdprmap.analyze`` shows as the site's probable own (issue 15: brand
    token, pages visited, shared cookies, server block ...), with the first reason. The as-of
    date only chooses the law, which these signals do not use."""
    a = gdprmap.analyze(path, as_of=SIGNALS_AS_OF, skip_bad_entries=True)
    return {r.id.removeprefix("domain:"): r.first_party_reasons[0].signal
            for r in a.recipients if r.first_party_probable and r.first_party_reasons}


def capture_coverage(kb: KnowledgeBase, path: Path, probable: bool = False) -> dict:
    # as gdprmap.analyze: the browser's own requests (proxy captures) are not the site's
    flows, pages, first_day, hints = _read(path)
    flows = [f for f in flows if f.host and of_flow(f) is None]
    kb = _operators_on(kb, first_day)  # as gdprmap.analyze: the operators of the capture's day
    first_party = None
    # the producer's page records first, as gdprmap.analyze: a frame's document (a Facebook
    # plugin) may come before the page's own in a capture; a page whose entries name another
    # page id still names the site
    host = next((h for u in pages if (h := _host(u))), None)
    if host is None and hints:  # e.g. a page record titled with the site's host name
        host = hints[0]
    if host is None:
        page = next((f.page_url for f in flows if f.page_url), None)
        host = _host(page) if page else None
    try:  # as gdprmap.analyze, where the tree measured has it: documents and Referers
        from gdprmap.start_page import StartPage
    except ImportError:  # an older tree: its first document, else the most named Referer
        StartPage = None
    if host is None and StartPage is not None:
        guess = StartPage()
        for f in flows:
            guess.add(f)
        host = guess.host()
    elif host is None:
        doc = next((f for f in flows if (f.resource_type or "").lower() == "document"), None)
        if doc is not None:
            host = doc.host
        elif not any(f.app for f in flows):
            referrers = Counter(registrable_domain(h) for f in flows if f.referrer
                                for h in [urlsplit(f.referrer).hostname] if h)
            host = referrers.most_common(1)[0][0] if referrers else None
    first_party = registrable_domain(host) if host else None
    # as gdprmap.analyze: requests that stayed on the device or local network, and those the
    # capture tool says were never sent (an ad blocker, the cache), reached no one
    others = [f for f in flows if first_party is None or registrable_domain(f.host) != first_party]
    third = [f for f in others if local_of_flow(f) is None and f.unsent is None]
    matches = {h: kb.match(h) for h in {f.host.lower().rstrip(".") for f in third}}
    attributed = [f for f in third if matches[f.host.lower().rstrip(".")] is not None]
    unattributed = Counter(f.host for f in third if matches[f.host.lower().rstrip(".")] is None)
    organisations = Counter(matches[f.host.lower().rstrip(".")].chain[-1].name for f in attributed)
    hosts_by_domain: dict[str, dict[str, bool]] = defaultdict(dict)
    for host, m in matches.items():
        hosts_by_domain[registrable_domain(host)][host] = m is not None
    operators = {}  # of the capture's time: the same domain may have another in another capture
    for domain, known in hosts_by_domain.items():
        if all(known.values()):
            m = matches[next(iter(known))]
            operators[domain] = {
                "operator": m.chain[0].name, "operator_id": m.chain[0].id,
                "country": m.chain[0].country, "ultimate_parent": m.chain[-1].name,
                "service": m.service.id}
    return {
        "capture": str(path),
        "first_party": first_party,
        "requests": len(flows),
        "third_party_requests": len(third),
        "unreached_requests": len(others) - len(third),  # local or never sent: not counted
        "attributed_requests": len(attributed),
        "share_attributed": round(len(attributed) / len(third), 4) if third else None,
        "third_party_domains": len(hosts_by_domain),
        "attributed_domains": sum(all(h.values()) for h in hosts_by_domain.values()),
        "organisations": dict(organisations.most_common()),
        "unattributed_hosts": dict(unattributed.most_common()),
        "domains": {d: dict(sorted(h.items())) for d, h in sorted(hosts_by_domain.items())},
        "operators": operators,
        **({"probable_first_party": {d: why for d, why in probable_first_party(path).items()
                                     if d in hosts_by_domain}} if probable else {}),
    }


def _share(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def group_summary(captures: list[dict]) -> dict:
    """Pool a group's captures: distinct third-party registrable domains and their attribution."""
    hosts: dict[str, dict[str, bool]] = defaultdict(dict)
    seen_in: Counter = Counter()
    for c in captures:
        for domain, known in c["domains"].items():
            pooled = hosts[domain]
            for host, ok in known.items():  # known in every capture (operator periods)
                pooled[host] = pooled.get(host, True) and ok
            seen_in[domain] += 1
    probable = {d: why for c in captures for d, why in c.get("probable_first_party", {}).items()}
    attributed, unattributed = {}, {}
    first_operator = {}  # the operator in the first capture that names the domain
    for c in captures:
        for domain, operator in c.get("operators", {}).items():
            first_operator.setdefault(domain, operator)
    for domain, known in sorted(hosts.items()):
        if all(known.values()):
            attributed[domain] = {**first_operator[domain], "captures": seen_in[domain]}
        else:
            unknown = sorted(h for h, ok in known.items() if not ok)
            named = next((e.name for h in unknown if (e := default_catalogue().lookup(h))), None)
            unattributed[domain] = {
                "captures": seen_in[domain],
                "partial": any(known.values()),
                "unknown_hosts": unknown,
                **({"catalogue": named} if named else {}),
                **({"probable_first_party": probable[domain]} if domain in probable else {})}
    pairs = sum(c["third_party_domains"] for c in captures)
    pairs_ok = sum(c["attributed_domains"] for c in captures)
    third = sum(c["third_party_requests"] for c in captures)
    req_ok = sum(c["attributed_requests"] for c in captures)
    return {
        "captures": len(captures),
        "third_party_domains": len(hosts),
        "attributed_domains": len(attributed),
        "share_domains": _share(len(attributed), len(hosts)),
        "capture_domain_pairs": pairs,
        "attributed_pairs": pairs_ok,
        "share_pairs": _share(pairs_ok, pairs),
        "third_party_requests": third,
        "unreached_requests": sum(c.get("unreached_requests", 0) for c in captures),
        "attributed_requests": req_ok,
        "share_requests": _share(req_ok, third),
        "catalogue_named": sum("catalogue" in u for u in unattributed.values()),
        "unattributed": unattributed,
        "attributed": attributed,
        **({"probable_first_party": sum("probable_first_party" in u
                                        for u in unattributed.values())}
           if any("probable_first_party" in c for c in captures) else {}),
    }


def expand(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*")
                      if p.is_file() and p.name.lower().endswith(CAPTURE_SUFFIXES))
    return [path]


def default_paths() -> list[Path]:
    if not DEFAULT_CORPUS.is_dir():
        return []
    return sorted(p for p in DEFAULT_CORPUS.iterdir() if p.is_dir())


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path,
                        help="captures or folders of captures (default: every folder of "
                             "../shared/corpus/har/)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--list-attributed", action="store_true",
                        help="also list every attributed domain with operator, country, parent")
    parser.add_argument("--probable", action="store_true",
                        help="also run gdprmap.analyze on each capture and count the "
                             "unattributed domains it shows as the site's probable own")
    parser.add_argument("--per-capture", action="store_true",
                        help="also print each capture's figures and unattributed hosts")
    args = parser.parse_args(argv)

    kb = KnowledgeBase.load()
    paths = args.paths or default_paths()
    if not paths:
        print(f"kb_coverage: no PATH given and {DEFAULT_CORPUS} not found", file=sys.stderr)
    report: dict = {"knowledge_base": kb_counts(kb), "groups": [], "errors": []}
    everything: list[dict] = []
    for group in paths:
        if not group.exists():
            print(f"kb_coverage: {group}: no such file or folder", file=sys.stderr)
            return 2
        done = []
        for path in expand(group):
            try:
                done.append(capture_coverage(kb, path, args.probable))
            except (GdprmapError, OSError, ValueError) as e:
                report["errors"].append({"capture": str(path), "error": str(e)})
        everything.extend(done)
        report["groups"].append({"path": str(group), **group_summary(done),
                                 "per_capture": done})
    if len(report["groups"]) > 1:
        report["total"] = group_summary(everything)

    if args.json:
        if not args.per_capture:
            for g in report["groups"]:
                g.pop("per_capture")
        json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    for key, value in report["knowledge_base"].items():
        print(f"{key.replace('_', ' ')}: {value}")
    for g in [*report["groups"], *([{"path": "TOTAL", **report["total"]}]
                                   if "total" in report else [])]:
        print(f"\n== {g['path']}: {g['captures']} captures read")
        print(f"   third-party registrable domains attributed: {g['attributed_domains']}/"
              f"{g['third_party_domains']} ({_pct(g['share_domains'])})")
        print(f"   (capture, domain) pairs attributed: {g['attributed_pairs']}/"
              f"{g['capture_domain_pairs']} ({_pct(g['share_pairs'])}); third-party requests "
              f"attributed: {g['attributed_requests']}/{g['third_party_requests']} "
              f"({_pct(g['share_requests'])})")
        if g.get("unreached_requests"):
            print(f"   third-party requests that reached no one, not counted (local address, "
                  f"blocked, unresolved or cached): {g['unreached_requests']}")
        n = g["catalogue_named"]
        print(f"   unattributed domains named by the public catalogue (not a legal source): {n}; "
              f"attributed or named: {g['attributed_domains'] + n}/{g['third_party_domains']} "
              f"({_pct(_share(g['attributed_domains'] + n, g['third_party_domains']))})")
        if "probable_first_party" in g:
            p = g["probable_first_party"]
            print(f"   unattributed domains shown as probable first party: {p}; attributed or "
                  f"probable first party: {g['attributed_domains'] + p}/"
                  f"{g['third_party_domains']} "
                  f"({_pct(_share(g['attributed_domains'] + p, g['third_party_domains']))})")
        if g["path"] == "TOTAL":
            continue
        for domain, u in g["unattributed"].items():
            partial = " partial" if u["partial"] else ""
            if "probable_first_party" in u:
                partial += f" (probable first party: {u['probable_first_party']})"
            if "catalogue" in u:
                partial += f" (catalogue: {u['catalogue']})"
            print(f"   unattributed{partial}: {domain} ({u['captures']} captures): "
                  f"{', '.join(u['unknown_hosts'][:4])}"
                  f"{' ...' if len(u['unknown_hosts']) > 4 else ''}")
        if args.list_attributed:
            for domain, a in g["attributed"].items():
                print(f"   attributed: {domain}: {a['operator']} ({a['country']}); "
                      f"parent {a['ultimate_parent']}")
        if args.per_capture:
            for c in g["per_capture"]:
                print(f"   - {c['capture']}: first party {c['first_party'] or '(none)'}; "
                      f"{c['attributed_domains']}/{c['third_party_domains']} domains, "
                      f"{c['attributed_requests']}/{c['third_party_requests']} requests")
    for err in report["errors"]:
        print(f"\nnot read: {err['capture']}: {err['error']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
