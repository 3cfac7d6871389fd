"""Capture-to-capture comparison: what changed between two assessments (``gdprmap diff``).

New and gone recipients, verdict changes (and whether each is worse), data categories a
recipient receives now and did not before. ``AssessmentDiff.fails(("new-unlawful",))`` gives
CI its exit code: a recipient unlawful in NEW that was not unlawful (or absent) in OLD.

>>> from gdprmap import analyze, diff                                # doctest: +SKIP
>>> d = diff(analyze("before.har"), analyze("after.har"))            # doctest: +SKIP
>>> [c.id for c in d.verdict_changes if c.worse]                     # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .errors import UsageError
from .models import Record, Verdict
from .vocab import label

if TYPE_CHECKING:
    from .models import Assessment, Recipient

# `--fail-on` kinds, documented in `gdprmap diff --help`.
DIFF_FAIL_ON = ("new-unlawful", "new-recipient", "worse-verdict", "new-data", "new-special",
                "any")


class RecipientSummary(Record):
    """A recipient as the comparisons show it."""

    id: str
    name: str
    verdict: Verdict
    country: str | None = None  # the receiving entity's country (None: not identified)
    parent_country: str | None = None
    hosts: tuple[str, ...] = ()
    requests: int = 0
    data_categories: tuple[str, ...] = ()
    special_categories: tuple[str, ...] = ()

    @classmethod
    def of(cls, r: Recipient) -> RecipientSummary:
        org = r.organisation
        return cls(id=r.id, name=org.name if org else r.id, verdict=r.verdict,
                   country=org.country if org else None,
                   parent_country=(org.parent_country or org.country) if org else None,
                   hosts=r.hosts, requests=r.requests, data_categories=r.data_categories,
                   special_categories=r.special_categories)


class VerdictChange(Record):
    id: str
    name: str
    old: Verdict
    new: Verdict
    worse: bool  # the new verdict is more serious on the --fail-on scale
    old_rule: str | None = None
    new_rule: str | None = None


class DataChange(Record):
    id: str
    name: str
    added: tuple[str, ...] = ()  # DPV IRIs received in NEW and not in OLD
    removed: tuple[str, ...] = ()
    special_added: tuple[str, ...] = ()


class AssessmentDiff(Record):
    """What changed from OLD to NEW. Recipients are matched by their stable id."""

    old_as_of: dt.date
    new_as_of: dt.date
    old_inputs: tuple[str, ...]
    new_inputs: tuple[str, ...]
    new_recipients: tuple[RecipientSummary, ...] = ()
    gone_recipients: tuple[RecipientSummary, ...] = ()
    verdict_changes: tuple[VerdictChange, ...] = ()
    data_changes: tuple[DataChange, ...] = ()

    def new_unlawful(self) -> list[str]:
        """Recipients unlawful in NEW that were not unlawful (or not there) in OLD."""
        out = [r.id for r in self.new_recipients if r.verdict is Verdict.UNLAWFUL]
        out += [c.id for c in self.verdict_changes if c.new is Verdict.UNLAWFUL]
        return sorted(out)

    def changed(self) -> bool:
        return bool(self.new_recipients or self.gone_recipients or self.verdict_changes
                    or self.data_changes)

    def triggered(self, kinds: Iterable[str]) -> list[str]:
        """The ``--fail-on`` kinds (``DIFF_FAIL_ON``) this diff triggers."""
        tests = {
            "new-unlawful": bool(self.new_unlawful()),
            "new-recipient": bool(self.new_recipients),
            "worse-verdict": any(c.worse for c in self.verdict_changes),
            "new-data": bool(self.new_recipients) or any(c.added for c in self.data_changes),
            "new-special": any(r.special_categories for r in self.new_recipients)
            or any(c.special_added for c in self.data_changes),
            "any": self.changed(),
        }
        return triggered_kinds(tests, kinds, DIFF_FAIL_ON)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"

    def render_text(self) -> str:
        lines = [f"old: {', '.join(self.old_inputs)} (as of {self.old_as_of})",
                 f"new: {', '.join(self.new_inputs)} (as of {self.new_as_of})"]
        if not self.changed():
            return "\n".join([*lines, "no change"]) + "\n"
        if self.new_recipients:
            lines.append(f"new recipients ({len(self.new_recipients)}):")
            lines += [f"  + {r.id}  {r.name}  [{r.verdict}]" for r in self.new_recipients]
        if self.gone_recipients:
            lines.append(f"gone recipients ({len(self.gone_recipients)}):")
            lines += [f"  - {r.id}  {r.name}  [{r.verdict}]" for r in self.gone_recipients]
        if self.verdict_changes:
            lines.append(f"verdict changes ({len(self.verdict_changes)}):")
            lines += [f"  {'!' if c.worse else '~'} {c.id}  {c.old} -> {c.new}"
                      + (f"  ({c.new_rule})" if c.new_rule else "")
                      for c in self.verdict_changes]
        if self.data_changes:
            lines.append(f"data changes ({len(self.data_changes)}):")
            for c in self.data_changes:
                if c.added:
                    lines.append(f"  + {c.id}: {', '.join(label(i) for i in c.added)}")
                if c.removed:
                    lines.append(f"  - {c.id}: {', '.join(label(i) for i in c.removed)}")
        return "\n".join(lines) + "\n"


def _rule(r: Recipient) -> str | None:
    worst = max(r.transfers, key=lambda t: t.verdict.rank, default=None)
    return worst.rule if worst else None


def diff_assessments(old: Assessment, new: Assessment) -> AssessmentDiff:
    """Compare two assessments (e.g. of yesterday's and today's capture)."""
    before = {r.id: r for r in old.recipients}
    after = {r.id: r for r in new.recipients}
    changes: list[VerdictChange] = []
    data: list[DataChange] = []
    for rid in sorted(before.keys() & after.keys()):
        o, n = before[rid], after[rid]
        name = RecipientSummary.of(n).name
        if o.verdict is not n.verdict:
            changes.append(VerdictChange(id=rid, name=name, old=o.verdict, new=n.verdict,
                                         worse=n.verdict.rank > o.verdict.rank,
                                         old_rule=_rule(o), new_rule=_rule(n)))
        added = tuple(c for c in n.data_categories if c not in o.data_categories)
        removed = tuple(c for c in o.data_categories if c not in n.data_categories)
        if added or removed:
            data.append(DataChange(id=rid, name=name, added=added, removed=removed,
                                   special_added=tuple(c for c in n.special_categories
                                                       if c not in o.special_categories)))
    return AssessmentDiff(
        old_as_of=old.as_of, new_as_of=new.as_of,
        old_inputs=tuple(i.path for i in old.inputs), new_inputs=tuple(i.path for i in new.inputs),
        new_recipients=tuple(RecipientSummary.of(after[k]) for k in sorted(after.keys()
                                                                            - before.keys())),
        gone_recipients=tuple(RecipientSummary.of(before[k]) for k in sorted(before.keys()
                                                                              - after.keys())),
        verdict_changes=tuple(changes), data_changes=tuple(data))


def triggered_kinds(tests: dict[str, bool], kinds: Iterable[str],
                    known: tuple[str, ...]) -> list[str]:
    """The ``--fail-on`` kinds asked for whose test holds; an unknown kind is a usage error."""
    out = []
    for kind in kinds:
        if kind not in tests:
            raise UsageError(f"unknown --fail-on kind {kind!r} (known: {', '.join(known)})")
        if tests[kind]:
            out.append(kind)
    return out
