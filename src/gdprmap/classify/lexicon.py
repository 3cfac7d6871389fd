"""Term lexicons as data files: ``lexicons/<topic>.<lang>.txt``, one term per line.

Matching is on whole words after lower-casing and removing accents, so a lexicon term
"chirurgie viscérale" matches the slug ``chirurgie-viscerale-oncologie`` but "orl" does not
match inside "world". Adding a language is adding a file; adding a topic is adding a file and a
line in ``classify.special.TOPICS``.

A line is one of (the marks make ambiguity explicit and reviewable, see docs/detection.md):

``term``
    a *strong* term: it points to the topic on its own ("cardiologue", "chemotherapy").
``~term``
    a *weak* term: ambiguous alone ("cancer" is also a zodiac sign, "clinic" also a legal
    clinic). It counts only when another term of the same topic occurs in the same text
    (URL path, referrer, one value) and no blocker of the topic does.
``!term``
    a *blocker*: its presence in a text stops the topic's weak terms from counting there
    ("horoscope", "zodiac", "game"). Strong terms still count.
``-term``
    a *masked* phrase: its words are consumed and match nothing ("doctor who",
    "gay lussac", "syndicat d initiative"), so the words inside never count.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LEXICON_DIR = Path(__file__).parent / "lexicons"
_WORD = re.compile(r"[a-z0-9]+")
_ASCII_WORDS = re.compile(r"[A-Za-z0-9]+")

STRONG, WEAK, BLOCKER, MASK = "strong", "weak", "blocker", "mask"
_MARKS = {"~": WEAK, "!": BLOCKER, "-": MASK}


def normalise(text: str) -> list[str]:
    """Lower-case words without accents: 'Chirurgie-Viscérale' -> ['chirurgie', 'viscerale']."""
    if text.isascii():  # the common case (URLs): no Unicode decomposition needed
        return _WORD.findall(text.lower())
    folded = unicodedata.normalize("NFKD", text.lower())
    return _WORD.findall("".join(c for c in folded if not unicodedata.combining(c)))


@dataclass(frozen=True)
class Entry:
    words: tuple[str, ...]
    term: str
    topic: str
    kind: str  # STRONG | WEAK | BLOCKER | MASK


class Lexicon:
    """Phrases indexed by their first word; the longest phrase wins at each position."""

    def __init__(self, entries: list[Entry]) -> None:
        phrases: dict[tuple[str, ...], list[Entry]] = {}
        for entry in entries:  # a phrase may belong to several topics ("join", "membership")
            phrases.setdefault(entry.words, []).append(entry)
        self._by_first: dict[str, list[tuple[tuple[str, ...], tuple[Entry, ...]]]] = {}
        for words, group in phrases.items():
            self._by_first.setdefault(words[0], []).append((words, tuple(group)))
        for options in self._by_first.values():
            options.sort(key=lambda o: -len(o[0]))  # longest phrase first
        self.topics = tuple(dict.fromkeys(e.topic for e in entries))
        self._first_words = frozenset(self._by_first)

    @classmethod
    def from_files(cls, paths: list[Path]) -> Lexicon:
        entries: dict[tuple[tuple[str, ...], str], Entry] = {}
        for path in paths:
            topic = path.name.split(".", 1)[0]
            for line in path.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                kind = _MARKS.get(line[0], STRONG)
                if kind != STRONG:
                    line = line[1:].strip()
                words = tuple(normalise(line))
                if words:  # within a topic, the first line listing a phrase decides
                    entries.setdefault((words, topic), Entry(words, " ".join(words), topic, kind))
        return cls(list(entries.values()))

    @classmethod
    @lru_cache(maxsize=1)
    def health(cls) -> Lexicon:
        return cls.from_files(sorted(LEXICON_DIR.glob("health.*.txt")))

    @classmethod
    @lru_cache(maxsize=1)
    def special(cls) -> Lexicon:
        """Every topic's lexicon in one index, so a text is normalised and walked once."""
        return cls.from_files(sorted(LEXICON_DIR.glob("*.*.txt")))

    def find_topics(self, text: str) -> list[tuple[str, str]]:
        """``(topic, term)`` pairs found in ``text`` after the weak/blocker rules, in order."""
        return _find(self, text)

    def find(self, text: str) -> list[str]:
        """The terms found in ``text``, longest match first at each position, in order."""
        return [term for _, term in _find(self, text)]

    def _scan(self, text: str) -> list[tuple[str, str]]:
        words = normalise(text)
        if self._first_words.isdisjoint(words):
            return []  # most texts: no phrase starts at any word (one C call, issue 19)
        hits: list[Entry] = []
        by_first, first = self._by_first, self._first_words
        free = 0  # words before this one are inside a phrase found
        # only the positions where a phrase may start, found in one comprehension (issue 19)
        for i in [i for i, word in enumerate(words) if word in first]:
            if i < free:
                continue
            for phrase, group in by_first[words[i]]:
                k = len(phrase)
                if k == 1 or tuple(words[i:i + k]) == phrase:
                    hits.extend(group)
                    free = i + k
                    break
        return _kept(hits) if hits else []


def _kept(hits: list[Entry]) -> list[tuple[str, str]]:
    """The ``(topic, term)`` pairs of a walk's hits that the weak/blocker rules keep, in order:
    a strong term always; a weak one only beside another term of its topic and no blocker."""
    blocked = {e.topic for e in hits if e.kind == BLOCKER}
    terms_by_topic: dict[str, set[str]] = {}
    for e in hits:
        if e.kind in (STRONG, WEAK):
            terms_by_topic.setdefault(e.topic, set()).add(e.term)
    found: list[tuple[str, str]] = []
    for e in hits:
        if e.kind == STRONG or (
                e.kind == WEAK and e.topic not in blocked
                and len(terms_by_topic[e.topic]) > 1):
            pair = (e.topic, e.term)
            if pair not in found:
                found.append(pair)
    return found


@lru_cache(maxsize=16384)
def _cached(lexicon: Lexicon, text: str) -> tuple[tuple[str, str], ...]:
    # Referrers and page URLs repeat on every request of a page: scan each text once.
    return tuple(lexicon._scan(text))


def _find(lexicon: Lexicon, text: str) -> list[tuple[str, str]]:
    if not text or not _ASCII_WORDS.search(text) and text.isascii():
        return []
    return list(_cached(lexicon, text))
