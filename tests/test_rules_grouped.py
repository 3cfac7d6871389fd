"""Issue 17: recipients with identical facts are evaluated once (one SPARQL subject per class);
every recipient still gets exactly the matches it gets when evaluated on its own."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from gdprmap.models import Entity
from gdprmap.rules.engine import load_ruleset
from gdprmap.rules.facts import Candidate

PD = "https://w3id.org/dpv/pd#"


def _population(n: int) -> tuple[list[Candidate], dict[str, set[str]]]:
    """Recipients drawn from a few fact patterns (so classes have many members), some with
    two candidates, unknown ones, US/EEA/other destinations, parents abroad."""
    rng = random.Random(3)
    out, received = [], {}
    for i in range(n):
        rid = f"r{i}"
        received[rid] = set(rng.sample([PD + "IPAddress", PD + "Health", PD + "Identifier"],
                                       rng.randint(1, 2)))
        if rng.random() < 0.3:
            out.append(Candidate(f"{rid}|?", rid, None, (), True, "unknown"))
            continue
        for country in rng.sample(["US", "FR", "CN", "JP"], rng.randint(1, 2)):
            chain = (Entity(id=f"e-{country}", name=f"E {country}", country=country,
                            parent="p-us", parent_established=True,
                            dpf=rng.choice(["active", "unknown"])),
                     Entity(id="p-us", name="P", country="US", parent_established=True))
            out.append(Candidate(f"{rid}|{country}", rid, country, chain, True, "kb", "cdn",
                                 processing_established=rng.random() < 0.5,
                                 server_countries=tuple(rng.sample(["US", "DE"],
                                                                   rng.randint(0, 1)))))
    return out, received


@pytest.mark.parametrize("doctrine", ["exposure-is-risk", "exposure-is-transfer"])
def test_grouped_evaluation_gives_every_recipient_its_own_matches(doctrine):
    ruleset = load_ruleset()
    cands, received = _population(120)
    as_of = dt.date(2024, 3, 1)
    alone = ruleset.evaluate(cands, received, as_of, doctrine=doctrine, group=False)
    grouped = ruleset.evaluate(cands, received, as_of, doctrine=doctrine)
    assert grouped.recipient_alias, "the population has recipients with identical facts"
    assert len(grouped.matches) < len(alone.matches)

    def key(m):
        return (m.subject, m.rule.id, tuple(sorted((k, str(v)) for k, v in m.bindings.items())))

    want = sorted(key(m) for m in alone.matches)
    got = sorted(key(m) for m in grouped.expanded(cands, received))
    assert got == want
