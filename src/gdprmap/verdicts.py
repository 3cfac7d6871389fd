"""The verdict words users script against, ordered by seriousness (the ``--fail-on`` scale).

A module of its own, free of pydantic, so the command line can build its choices from it
without paying for the models at start-up.
"""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """The verdict words users script against. Their order is the ``--fail-on`` scale."""

    NO_TRANSFER = "no-transfer"
    ADEQUATE = "adequate"
    SAFEGUARDED = "safeguarded"
    EXPOSED = "exposed"
    SAFEGUARDS_REQUIRED = "safeguards-required"
    UNKNOWN = "unknown"
    UNLAWFUL = "unlawful"

    @property
    def rank(self) -> int:
        return _VERDICT_RANK[self]

    # A str enum compares alphabetically ("no-transfer" > "adequate"); verdicts compare by
    # seriousness instead, so sorted(), max() and > follow the --fail-on scale. A plain string
    # is read as a verdict word; anything else is not comparable.
    def _other_rank(self, other: object) -> int | None:
        if isinstance(other, Verdict):
            return _VERDICT_RANK[other]
        if isinstance(other, str):
            try:
                return _VERDICT_RANK[Verdict(other)]
            except ValueError:
                return None
        return None

    def __lt__(self, other: object) -> bool:
        rank = self._other_rank(other)
        return NotImplemented if rank is None else _VERDICT_RANK[self] < rank

    def __le__(self, other: object) -> bool:
        rank = self._other_rank(other)
        return NotImplemented if rank is None else _VERDICT_RANK[self] <= rank

    def __gt__(self, other: object) -> bool:
        rank = self._other_rank(other)
        return NotImplemented if rank is None else _VERDICT_RANK[self] > rank

    def __ge__(self, other: object) -> bool:
        rank = self._other_rank(other)
        return NotImplemented if rank is None else _VERDICT_RANK[self] >= rank

    __hash__ = str.__hash__


_VERDICT_RANK = {v: i for i, v in enumerate(Verdict)}
