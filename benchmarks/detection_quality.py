"""Per-category precision and recall of gdprmap's data-category detectors on a labelled set.

    python benchmarks/detection_quality.py [tests/fixtures/labelled/requests.jsonl] [--misses]

Each line of the set is one request (method, url, headers, referrer, cookies, body) with the
categories a reader expects it to disclose and the special-category terms it carries
(see tests/fixtures/labelled/make_requests.py for how the labels were made). The request goes
through the importer's redaction (``gdprmap.redact``) exactly as a HAR entry would, then
through ``gdprmap.classify.classify``. Counting is per request and category: a request that
should disclose a category and does is a true positive, and so on. "health (URL)" restricts
health to requests whose health terms travel in a URL (path, Referer, page URL in a payload);
"health terms" is the recall of the individual expected terms.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from gdprmap import redact, vocab
from gdprmap.classify import classify
from gdprmap.models import Flow

DEFAULT = ROOT / "tests" / "fixtures" / "labelled" / "requests.jsonl"

# short labels used in the set -> DPV IRIs
LABELS = {
    "ip": vocab.IP_ADDRESS, "identifier": vocab.IDENTIFIER, "tc": vocab.PRIVACY_PREFERENCE,
    "browsing": vocab.BROWSING, "referral": vocab.REFERRAL, "click": vocab.LINK_CLICKED,
    "ua": vocab.USER_AGENT, "device": vocab.DEVICE, "language": vocab.LANGUAGE,
    "fingerprint": vocab.FINGERPRINT, "email": vocab.EMAIL, "phone": vocab.PHONE,
    "name": vocab.NAME, "birthdate": vocab.BIRTH_DATE, "postcode": vocab.POSTAL_CODE,
    "location": vocab.LOCATION, "health": vocab.HEALTH, "religion": vocab.RELIGION,
    "sexual": vocab.SEXUAL, "political": vocab.POLITICAL_OPINION, "union": vocab.TRADE_UNION,
}
BY_IRI = {c.iri: label for label, c in LABELS.items()}
TARGETS = {  # (metric, category) -> minimum; asserted by tests/test_classify_quality.py
    ("recall", "ip"): 0.95,
    ("recall", "identifier"): 0.95,
    ("recall", "health (URL)"): 0.95,
    ("precision", "health"): 0.95,
    ("precision", "health (URL)"): 0.95,
}


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    fps: list[str] = field(default_factory=list)
    fns: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def to_flow(row: dict, entry: int) -> Flow:
    """The request as the HAR importer would hand it on: every value through redaction."""
    url = row["url"]
    parts = urlsplit(url)
    headers = [redact.header(n, v) for n, v in row.get("headers", {}).items()]
    if row.get("referrer"):
        headers.append(redact.header("Referer", row["referrer"]))
    body, text = (), None
    if row.get("body") is not None:
        body, text = redact.body_params(row.get("mime", "application/json"), row["body"])
    return Flow(input="labelled/requests.jsonl", entry=entry,
                started=dt.datetime(2022, 12, 5, tzinfo=dt.UTC), method=row["method"],
                url=redact.url(url), scheme=parts.scheme, host=parts.hostname,
                referrer=redact.url(row["referrer"]) if row.get("referrer") else None,
                headers=tuple(headers), cookies=tuple(row.get("cookies", ())),
                query=redact.query_params(parts.query), body=body, body_text=text)


def rows(path: Path = DEFAULT) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def evaluate(path: Path = DEFAULT) -> tuple[dict[str, Score], Score, int]:
    """Scores per category (plus "health (URL)"), the health-term recall, and the row count."""
    scores: dict[str, Score] = {label: Score() for label in LABELS}
    scores["health (URL)"] = Score()
    terms = Score()
    data = rows(path)
    for i, row in enumerate(data):
        items = classify(to_flow(row, i))
        found = {BY_IRI[item.category] for item in items if item.category in BY_IRI}
        expected = set(row["expect"]["categories"])
        for label in LABELS:
            _count(scores[label], label in expected, label in found, row["id"])
        if row["expect"].get("special_in_url") or "health" not in expected:
            _count(scores["health (URL)"], "health" in expected, "health" in found, row["id"])
        got_terms = {item.term for item in items if item.category == vocab.HEALTH.iri}
        for term in row["expect"]["terms"].get("health", []):
            _count(terms, True, term in got_terms, f"{row['id']}: {term}")
    return scores, terms, len(data)


def _count(score: Score, expected: bool, found: bool, rid: str) -> None:
    if expected and found:
        score.tp += 1
    elif found:
        score.fp += 1
        score.fps.append(rid)
    elif expected:
        score.fn += 1
        score.fns.append(rid)


def table(scores: dict[str, Score], terms: Score, n: int) -> str:
    lines = [f"{n} labelled requests", "",
             "| category | DPV IRI | requests expected | precision | recall |",
             "|---|---|---|---|---|"]
    for label, s in scores.items():
        if s.tp + s.fn + s.fp == 0:
            continue
        iri = LABELS[label].iri.replace(vocab.PD, "pd:") if label in LABELS else "pd:Health"
        lines.append(f"| {label} | {iri} | {s.tp + s.fn} | {s.precision:.3f} | {s.recall:.3f} |")
    lines.append(f"| health terms | pd:Health (term) | {terms.tp + terms.fn} | - | "
                 f"{terms.recall:.3f} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    path = Path(args[0]) if args else DEFAULT
    scores, terms, n = evaluate(path)
    print(table(scores, terms, n))
    if "--misses" in argv:
        for label, s in scores.items():
            if s.fps or s.fns:
                print(f"\n{label}: false positives {s.fps[:12]}\n  false negatives {s.fns[:12]}")
        print(f"\nmissed health terms: {terms.fns}")
    failed = [f"{metric} {label} {getattr(scores[label], metric):.3f} < {minimum}"
              for (metric, label), minimum in TARGETS.items()
              if getattr(scores[label], metric) < minimum]
    for f in failed:
        print(f"TARGET MISSED: {f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
