"""Time the rule evaluation for an assessment with N recipients (default 1,000).

    python benchmarks/rules_scale.py [N]

Builds N synthetic candidate transfers (a mix of US, EEA, adequate and other destinations, each
with a parent and health data), then times loading the ontology and rules, and each evaluation
(facts to RDF, derivations, every rule) as of 2022-12-05, and as of 2024-03-01 with the
dpf-invalidated scenario and with the exposure-is-transfer doctrine.
"""

import datetime as dt
import random
import sys
import time

from gdprmap.models import Entity
from gdprmap.rules.engine import load_ruleset
from gdprmap.rules.facts import Candidate

PD = "https://w3id.org/dpv/pd#"


def candidates(n: int) -> tuple[list[Candidate], dict[str, set[str]]]:
    rng = random.Random(1)
    countries = ["US", "FR", "DE", "IE", "IL", "CN", "GB", "JP", "IN", "BR"]
    out, received = [], {}
    for i in range(n):
        country = rng.choice(countries)
        chain = (Entity(id=f"e{i}", name=f"Entity {i}", country=country, parent=f"p{i}",
                        dpf=rng.choice(["active", "unknown"]), fisa702="in-scope"),
                 Entity(id=f"p{i}", name=f"Parent {i}", country=rng.choice(["US", "FR"])))
        out.append(Candidate(f"c{i}", f"r{i}", country, chain, True, "benchmark", "cdn"))
        received[f"r{i}"] = {PD + "IPAddress", PD + "Health"}
    return out, received


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    t0 = time.perf_counter()
    ruleset = load_ruleset()
    t1 = time.perf_counter()
    cands, received = candidates(n)
    print(f"{n} recipients: load ontology and rules {t1 - t0:.2f} s (once per process)")
    for as_of, scenario, doctrine in [
        (dt.date(2022, 12, 5), None, "exposure-is-risk"),
        (dt.date(2024, 3, 1), "dpf-invalidated", "exposure-is-risk"),
        (dt.date(2024, 3, 1), None, "exposure-is-transfer"),
    ]:
        t = time.perf_counter()
        evaluation = ruleset.evaluate(cands, received, as_of, scenario, None, doctrine)
        elapsed = time.perf_counter() - t
        print(f"  evaluate as of {as_of} scenario={scenario} doctrine={doctrine}: "
              f"{elapsed:.2f} s, {len(evaluation.matches)} matches, "
              f"{len(evaluation.deciding())} candidates decided")


if __name__ == "__main__":
    main()
