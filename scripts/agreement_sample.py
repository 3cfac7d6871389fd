"""Draw a blind agreement sample of attributed domains, and put a checker's key beside the knowledge base.

    PYTHONPATH=src python scripts/agreement_sample.py draw OBSERVED.json [--top N] [--size K]
                                                      [--seed S] [--as-of DATE]
    PYTHONPATH=src python scripts/agreement_sample.py beside KEY.tsv [--as-of DATE]

``draw`` lists ``--size`` (40) registrable domains chosen at random (``random.seed(S)``) among the
``--top`` (1000) most called domains of an observed-domains file (see ``web_coverage.py``) that the
knowledge base attributes on ``--as-of`` (today) and that no earlier sample - the first column of
every ``benchmarks/kb_agreement_*.tsv`` - holds. One domain per line, sorted: the list a checker who
cannot see the knowledge base keys from the vendors' own texts.

``beside`` reads the checker's key (a TSV with at least the columns ``domain``, ``entity`` and
``country``) and prints, per domain, the knowledge base's operator, its country and its ultimate
parent on ``--as-of`` beside the checker's answer, as tab-separated columns ready for grading by
hand (``entity`` and ``country`` columns of the benchmark files: yes / no / undecided).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
from pathlib import Path

from gdprmap.enrich.kb import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from web_coverage import (  # noqa: E402  (a script beside this one)
    BadObserved, domain_of, most_called, read_observed)


def sampled_before(folder: Path = ROOT / "benchmarks") -> set[str]:
    """Domains of every earlier agreement sample (first column, header skipped)."""
    seen: set[str] = set()
    for path in sorted(folder.glob("kb_agreement_*.tsv")):
        for row in csv.reader(path.open(encoding="utf-8"), delimiter="\t"):
            if row and row[0] != "domain":
                seen.add(row[0].strip())
    return seen


def draw(kb: KnowledgeBase, hosts: dict[str, int], top: int, size: int, seed: int,
         exclude: set[str]) -> list[str]:
    by_domain: dict[str, int] = {}
    for host, n in hosts.items():
        reg = domain_of(host)
        by_domain[reg] = by_domain.get(reg, 0) + n
    pool = [d for d in most_called(by_domain)[:top] if d not in exclude and kb.match(d) is not None]
    rng = random.Random(seed)
    return sorted(rng.sample(pool, min(size, len(pool))))


def beside(kb: KnowledgeBase, key: list[dict[str, str]]) -> list[list[str]]:
    rows = [["domain", "kb_entity", "kb_country", "kb_ultimate_parent", "checker_entity",
             "checker_country"]]
    for answer in key:
        domain = (answer.get("domain") or "").strip()
        m = kb.match(domain) if domain else None
        kb_side = ([m.chain[0].name, m.chain[0].country, m.chain[-1].name] if m else
                   ["(no operator)", "", ""])
        rows.append([domain, *kb_side, (answer.get("entity") or "").strip(),
                     (answer.get("country") or "").strip()])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("draw", help="draw a sample of attributed, most called domains")
    d.add_argument("observed", type=Path)
    d.add_argument("--top", type=int, default=1000)
    d.add_argument("--size", type=int, default=40)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date.today())
    b = sub.add_parser("beside", help="the knowledge base beside a checker's key")
    b.add_argument("key", type=Path)
    b.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date.today())
    args = parser.parse_args(argv)
    kb = KnowledgeBase.load().dated(args.as_of)
    if args.command == "draw":
        try:
            hosts = read_observed(args.observed)
        except BadObserved as e:
            print(f"agreement_sample: {e}", file=sys.stderr)
            return 2
        for domain in draw(kb, hosts, args.top, args.size, args.seed, sampled_before()):
            print(domain)
        return 0
    try:
        key = list(csv.DictReader(args.key.open(encoding="utf-8"), delimiter="\t"))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        print(f"agreement_sample: {args.key}: cannot read the key ({e})", file=sys.stderr)
        return 2
    if key and not {"domain", "entity", "country"} <= set(key[0]):
        print(f"agreement_sample: {args.key}: needs the columns domain, entity and country",
              file=sys.stderr)
        return 2
    csv.writer(sys.stdout, delimiter="\t", lineterminator="\n").writerows(beside(kb, key))
    return 0


if __name__ == "__main__":
    sys.exit(main())
