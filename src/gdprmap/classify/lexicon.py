"""Term lexicons as data files: ``lexicons/<topic>.<lang>.txt``, one term per line.

Matching is on whole words after lower-casing and removing accents, so a lexicon term
"chirurgie viscérale" matches the slug ``chirurgie-viscerale-oncologie`` but "orl" does not
match inside "world". Adding a language is adding a file.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

LEXICON_DIR = Path(__file__).parent / "lexicons"
_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> list[str]:
    """Lower-case words without accents: 'Chirurgie-Viscérale' -> ['chirurgie', 'viscerale']."""
    folded = unicodedata.normalize("NFKD", text.lower())
    return _WORD.findall("".join(c for c in folded if not unicodedata.combining(c)))


class Lexicon:
    def __init__(self, terms: dict[tuple[str, ...], str]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for words, term in terms.items():
            self._by_first.setdefault(words[0], []).append((words, term))
        for entries in self._by_first.values():
            entries.sort(key=lambda e: -len(e[0]))  # longest phrase first

    @classmethod
    def from_files(cls, paths: list[Path]) -> Lexicon:
        terms: dict[tuple[str, ...], str] = {}
        for path in paths:
            for line in path.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    words = tuple(normalise(line))
                    if words:
                        terms.setdefault(words, " ".join(words))
        return cls(terms)

    @classmethod
    @lru_cache(maxsize=1)
    def health(cls) -> Lexicon:
        return cls.from_files(sorted(LEXICON_DIR.glob("health.*.txt")))

    def find(self, text: str) -> list[str]:
        """The terms found in ``text``, longest match first at each position, in order."""
        words = normalise(text)
        found: list[str] = []
        i = 0
        while i < len(words):
            for phrase, term in self._by_first.get(words[i], ()):
                if tuple(words[i:i + len(phrase)]) == phrase:
                    if term not in found:
                        found.append(term)
                    i += len(phrase) - 1
                    break
            i += 1
        return found
