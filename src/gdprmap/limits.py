"""Bounds on untrusted input that every stage relies on (issue #17).

Captures come from others: a host name, a text or a nesting level longer than any real one
is refused or cut at the boundary, so that no later stage (regexes, the knowledge base's region
patterns, PDF layout, RDF) ever sees one. The numbers are the protocol limits where there is
one (RFC 1035: 253 characters for a name, 63 for a label).
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

MAX_HOST = 253  # RFC 1035 2.3.4, in text form without the final dot
MAX_LABEL = 63
MAX_SKIPPED_LISTED = 100  # --skip-bad-entries: entries listed per capture (all are counted)
MAX_STDIN = 4 << 30  # a capture read from standard input is spooled to disk up to this size
MAX_REASON = 300  # a skipped entry's reason, an error's detail

# Characters of no DNS name (letters, digits, '-', '.', and the '_' real names carry), IDN label
# or address literal (':', and '%' of an IPv6 zone): a producer's mangled URL, such as
# WebPagetest's "https://fonts.googleapis.com400,700", would otherwise become a recipient.
_NOT_IN_HOST = re.compile(r"[\s,;\"'<>\\{}|^`!$&()*+=~/?#@\[\]]")


def special_file(path: Path) -> bool:
    """A FIFO, socket or device: reading one may block for ever (issue #17)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def outside(folder: Path, path: Path) -> bool:
    """Whether ``path`` (inside ``folder`` by name) leads outside it through a symbolic link.
    Links are followed only when they stay inside the folder given (issue #17)."""
    try:
        return not path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a loop of links
        return True


def host_problem(host: str) -> str | None:
    """Why ``host`` cannot be a DNS name or an address literal, or None. The message never
    quotes the host (it comes from the capture)."""
    name = host.rstrip(".")
    if len(name) > MAX_HOST:
        return f"host name longer than {MAX_HOST} characters"
    if ":" not in name and any(len(label) > MAX_LABEL for label in name.split(".")):
        return f"host name label longer than {MAX_LABEL} characters"
    if _NOT_IN_HOST.search(name):
        return "host name holds a character no host name has (a space, comma, quote ...)"
    return None
