"""How much of the web's third-party traffic the knowledge base attributes, weighted by use.

    PYTHONPATH=src python scripts/web_coverage.py OBSERVED.json [--as-of YYYY-MM-DD]
                                                  [--top N ...] [--misses K] [--json]

OBSERVED.json lists hosts with the number of pages of a web crawl that called them: the
``data/YYYY-MM-DD-observed-domains.json`` files of the third-party-web repository
(https://github.com/patrickhulce/third-party-web, MIT; counts from the HTTP Archive crawl), a JSON
array of ``{"domain": HOST, "totalOccurrences": N}``. Nothing of it is bundled: a user points the
script at a copy.

Unlike ``kb_coverage.py``, which measures captures, this weighs each domain by how often real
pages call it, so it says how much of an unseen capture the knowledge base is likely to explain
and which missing domains matter most. It prints:

* the share of host sightings (occurrences) whose host the knowledge base names an operator for;
* for the N most called registrable domains (``--top``, default 100, 300 and 1000), how many are
  attributed - every host of the domain in the file has an operator, as ``kb_coverage.py``
  counts a domain;
* of the attributed sightings, those whose operating entity's record still says it was written
  without a text ("Not verified against a stored copy ...", the sentence the knowledge base's
  README asks for): how much of what the web calls rests on an unchecked record;
* of the attributed sightings, those whose operating entity is a US company, and how many of
  them the knowledge base knows the DPF status of on ``--as-of`` (judged as a report judges it:
  ``active``, ``inactive`` or ``not-listed``, not ``unknown``): a US recipient whose status is
  unknown cannot be cleared by the DPF, so its verdict stays open on the listing;
* the ``--misses`` most called unattributed domains (default 50), with their unknown hosts and,
  where the public catalogue bundled with gdprmap (third-party-web) names their company, that
  name - a pointer for research, never a legal source.

Operators are those of ``--as-of`` (default: the date in the file's name, else today): a domain
that changed hands counts for its operator of that day, and for no one between recorded periods.
A malformed file gets a one-line error and exit code 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from gdprmap.enrich.catalogue import default_catalogue
from gdprmap.enrich.domains import registrable_domain
from gdprmap.enrich.kb import KnowledgeBase


# The sentence an entity's note keeps until someone has read a source (src/gdprmap/data/README.md)
UNVERIFIED = "Not verified against a stored copy"


class BadObserved(ValueError):
    """The observed-domains file cannot be read; the message names the file and the entry."""


def read_observed(path: Path) -> dict[str, int]:
    """Host -> occurrences (a host listed twice adds up)."""
    try:
        rows = json.loads(path.read_bytes())
    except (OSError, ValueError) as e:
        raise BadObserved(f"{path}: not a readable JSON file ({e})") from None
    if not isinstance(rows, list):
        raise BadObserved(f"{path}: expected a JSON array of {{domain, totalOccurrences}}")
    hosts: dict[str, int] = defaultdict(int)
    for i, row in enumerate(rows):
        host = row.get("domain") if isinstance(row, dict) else None
        count = row.get("totalOccurrences") if isinstance(row, dict) else None
        try:  # the files write the count as a number or as a string of digits
            n = int(count) if isinstance(count, (int, str)) and not isinstance(count, bool) else -1
        except ValueError:
            n = -1
        if not isinstance(host, str) or not host or n < 0:
            raise BadObserved(f"{path}: entry {i}: needs a host in 'domain' and a count "
                              "in 'totalOccurrences'")
        hosts[host.lower().strip(".")] += n
    return dict(hosts)


def file_date(path: Path) -> dt.date | None:
    m = re.match(r"(\d{4}-\d{2}-\d{2})", path.name)
    try:
        return dt.date.fromisoformat(m.group(1)) if m else None
    except ValueError:
        return None


def domain_of(host: str) -> str:
    """The host's registrable domain; a host without one (a bare suffix) is its own."""
    try:
        return registrable_domain(host)
    except ValueError:
        return host


def most_called(occurrences: dict[str, int]) -> list[str]:
    """Registrable domains, most called first (ties by name): what "the N most called" means
    here and in ``agreement_sample.py``."""
    return sorted(occurrences, key=lambda d: (-occurrences[d], d))


def web_coverage(kb: KnowledgeBase, hosts: dict[str, int], tops: tuple[int, ...] = (100, 300, 1000),
                 misses: int = 50) -> dict:
    """The figures the module docstring lists, for a knowledge base already dated."""
    domains: dict[str, dict] = {}
    seen = attributed = unverified = us = us_known = 0
    for host, n in hosts.items():
        d = domains.setdefault(domain_of(host), {"occurrences": 0, "unknown_hosts": [], "hosts": 0})
        d["occurrences"] += n
        d["hosts"] += 1
        seen += n
        if (match := kb.match(host)) is not None:
            attributed += n
            record = kb.data.entities.get(match.chain[0].id)
            if record is not None and UNVERIFIED in (record.note or ""):
                unverified += n
            if match.chain[0].country == "US":
                us += n
                us_known += n if match.chain[0].dpf != "unknown" else 0
        else:
            d["unknown_hosts"].append(host)
    ranked = [(reg, domains[reg])
              for reg in most_called({reg: d["occurrences"] for reg, d in domains.items()})]
    top = {}
    for n in tops:
        head = ranked[:n]
        top[str(n)] = {"domains": len(head),
                       "attributed": sum(1 for _, d in head if not d["unknown_hosts"])}
    missed = [{"domain": reg, "occurrences": d["occurrences"],
               "partial": len(d["unknown_hosts"]) < d["hosts"],
               "unknown_hosts": sorted(d["unknown_hosts"], key=lambda h: -hosts[h])}
              for reg, d in ranked if d["unknown_hosts"]][:misses]
    for m in missed:
        named = next((e.name for h in m["unknown_hosts"] if (e := default_catalogue().lookup(h))),
                     None)
        if named:
            m["catalogue"] = named
    return {"hosts": len(hosts), "registrable_domains": len(domains), "occurrences": seen,
            "attributed_occurrences": attributed,
            "share_occurrences": attributed / seen if seen else None,
            "unverified_occurrences": unverified,
            "us_occurrences": us, "us_dpf_known_occurrences": us_known,
            "top": top, "misses": missed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("observed", type=Path, help="an observed-domains JSON file")
    parser.add_argument("--as-of", type=dt.date.fromisoformat,
                        help="operators of this day (default: the date in the file's name)")
    parser.add_argument("--top", type=int, action="append",
                        help="count the N most called domains (repeatable; default 100, 300, "
                             "1000)")
    parser.add_argument("--misses", type=int, default=50,
                        help="list this many most called unattributed domains")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    try:
        hosts = read_observed(args.observed)
    except BadObserved as e:
        print(f"web_coverage: {e}", file=sys.stderr)
        return 2
    day = args.as_of or file_date(args.observed) or dt.date.today()
    kb = KnowledgeBase.load().dated(day)
    report = {"observed": str(args.observed), "as_of": day.isoformat(),
              **web_coverage(kb, hosts, tuple(args.top or (100, 300, 1000)), args.misses)}
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
        return 0
    share = report["share_occurrences"]
    print(f"{args.observed} (operators as of {report['as_of']}): {report['hosts']} hosts, "
          f"{report['registrable_domains']} registrable domains")
    print(f"   host sightings attributed: {report['attributed_occurrences']}/"
          f"{report['occurrences']} ({share:.1%})" if share is not None else
          "   no host sightings")
    if report["attributed_occurrences"]:
        print(f"   of which the operating entity's record was written without a text: "
              f"{report['unverified_occurrences']} "
              f"({report['unverified_occurrences'] / report['attributed_occurrences']:.1%})")
    if report["us_occurrences"]:
        print(f"   of which run by a US company: {report['us_occurrences']}, its DPF status known "
              f"on {report['as_of']}: {report['us_dpf_known_occurrences']} "
              f"({report['us_dpf_known_occurrences'] / report['us_occurrences']:.1%})")
    for n, t in report["top"].items():
        print(f"   {n} most called registrable domains: {t['attributed']}/{t['domains']} "
              f"attributed")
    for m in report["misses"]:
        partial = " partial" if m["partial"] else ""
        if "catalogue" in m:
            partial += f" (catalogue: {m['catalogue']})"
        print(f"   unattributed{partial}: {m['domain']} ({m['occurrences']}): "
              f"{', '.join(m['unknown_hosts'][:3])}{' ...' if len(m['unknown_hosts']) > 3 else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
