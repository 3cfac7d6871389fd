"""What every importer shares: the options a run passes in, the record of skipped entries,
and small parsers for values producers write in more than one way."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from ..errors import InputError
from ..models import CaptureInfo, Flow, SkippedEntry
from ..limits import MAX_REASON, MAX_SKIPPED_LISTED, MAX_STDIN, special_file
from ..redact import Redactor, clamp, scrub_text


@dataclass(frozen=True)
class ImportOptions:
    """Choices that change what an importer yields. Both default to the safe behaviour."""

    keep_secrets: bool = False  # debug only: raw values, and every output says so
    skip_bad_entries: bool = False  # leave out broken entries of a sound file, listing each

    def redactor(self) -> Redactor:
        return Redactor(keep_secrets=self.keep_secrets)


class Capture(Protocol):
    """An open capture: iterate it for flows; ``info()`` and ``skipped`` are complete after
    iteration."""

    skipped: list[SkippedEntry]

    def __iter__(self) -> Iterator[Flow]: ...

    def info(self) -> CaptureInfo: ...


@dataclass(frozen=True)
class Importer:
    """One capture format. ``sniff`` looks at the path (folders) and the first 8 KiB of a
    file and answers whether this format is it; ``open`` returns a ``Capture``."""

    id: str
    description: str
    sniff: Callable[[Path, bytes], bool]
    open: Callable[[Path, str, ImportOptions], Capture]


class SkippedEntries(list[SkippedEntry]):
    """The skipped entries listed (at most ``limits.MAX_SKIPPED_LISTED``) and, in ``total``,
    how many were skipped: a capture of a million broken entries must not become a report of a
    million lines (issue #17)."""

    total: int = 0


def skipped_count(skipped: list[SkippedEntry]) -> int:
    """How many entries were skipped, listed or not."""
    return max(len(skipped), getattr(skipped, "total", 0))


@dataclass
class EntryGuard:
    """Turns a broken entry into an error, or - with ``skip_bad_entries`` - into a listed
    ``SkippedEntry``. Never silent: what is skipped is counted and shown; the first
    ``MAX_SKIPPED_LISTED`` are listed."""

    display: str
    options: ImportOptions
    skipped: SkippedEntries = field(default_factory=SkippedEntries)

    def skip(self, error: InputError) -> None:
        """Re-raise ``error`` unless bad entries may be skipped; then record it."""
        if error.entry is None:
            raise error
        if not self.options.skip_bad_entries:
            error.skippable = True
            raise error
        self.skipped.total += 1
        if len(self.skipped) >= MAX_SKIPPED_LISTED:
            return
        where = f"{error.field}: " if error.field else ""
        self.skipped.append(SkippedEntry(input=self.display, entry=error.entry,
                                         reason=clamp(f"{where}{error.reason}", MAX_REASON)))


class HashingReader:
    """A file wrapper that hashes what it reads, so the SHA-256 costs no second pass."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.sha = raw, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.sha.update(data)
        return data


def sha256_file(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def spool(stream: IO[bytes], folder: Path, display: str, limit: int = MAX_STDIN) -> Path:
    """Copy a stream that cannot be read twice (standard input) to a file in ``folder``, so the
    importers can sniff it and read it as any capture; refuses more than ``limit`` bytes."""
    path = folder / f"input-{len(list(folder.iterdir()))}"
    copied = 0
    try:
        with path.open("wb") as out:
            while chunk := stream.read(1 << 20):
                copied += len(chunk)
                if copied > limit:
                    raise InputError(display, f"more than {limit >> 20} MiB; save it to a "
                                              "file and give its path")
                out.write(chunk)
    except OSError as e:
        raise InputError(display, f"cannot read: {e.strerror or e}") from e
    return path


def read_bytes(path: Path, display: str, limit: int) -> bytes:
    """A small side file (CSV, register, inspection.json) read whole, refusing huge ones."""
    if special_file(path):
        raise InputError(display, "not a regular file (a FIFO, socket or device)")
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(display, f"larger than {limit >> 20} MiB; not a file of this kind")
        return path.read_bytes()
    except OSError as e:
        raise InputError(display, f"cannot read: {e.strerror or e}") from e


def decode_text(raw: bytes, display: str) -> str:
    """UTF-8 text without a byte order mark (Excel and Fiddler write one)."""
    try:
        return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InputError(display, f"not UTF-8 text (byte {e.start}, line {line})") from e


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO 8601 date-time; without an offset it is read as UTC (and only then)."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"  # Python 3.11 reads "Z", older producers' "z" too
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def parse_epoch(value: Any, *, millis: bool) -> dt.datetime | None:
    """Seconds or milliseconds since 1970 (NetGuard/TrackerControl write milliseconds)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if millis:
        number /= 1000
    try:
        return dt.datetime.fromtimestamp(number, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def epoch_iso(seconds: Any) -> str | None:
    """A number of seconds since 1970 (DevTools' wall time, mitmproxy's timestamps) as the ISO
    8601 text of a HAR entry; None for anything else (text, a boolean, out of range)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return None
    moment = parse_epoch(seconds, millis=False)
    return moment.isoformat() if moment else None


def header_lines(lines: Any) -> list[tuple[str, str]]:
    """``("Name", "value")`` pairs of ``"Name: value"`` header lines (WebPageTest's results,
    Chrome's NetLog). A request or status line (``GET / HTTP/1.1``: spaces in the name) and
    HTTP/2 pseudo-headers (``:authority: x``: no name) are not headers a HAR lists."""
    pairs = []
    for line in lines if isinstance(lines, list) else ():
        if isinstance(line, str):
            name, colon, value = line.partition(":")
            if colon and name and not any(c.isspace() for c in name):
                pairs.append((name, value.strip()))
    return pairs


def ip_or_none(value: Any) -> str | None:
    """An IP address in canonical form, from plain or bracketed (Firefox: "[2001:db8::1]")
    text, with an optional zone id dropped; anything else is None."""
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    if _CANONICAL_V4.fullmatch(value):
        return value  # already what ipaddress would write (issue 19: one address per request)
    return _canonical_ip(value)


# a dotted IPv4 address as ``str(ipaddress.ip_address(...))`` writes it: no leading zeros
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_CANONICAL_V4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}")


@functools.lru_cache(maxsize=4096)
def _canonical_ip(value: str) -> str | None:
    # memoised (issue #9): a capture reaches few servers, and ipaddress parsing is slow
    text = value.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    try:
        return str(ipaddress.ip_address(text.split("%", 1)[0]))
    except ValueError:
        return None


def short(e: BaseException) -> str:
    """The first line of an error, printable, without what it quotes: parser messages may
    quote raw input (a URL with ``user:password@``, a token; issue #17)."""
    text = e.args[0] if e.args else ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = str(text).strip().splitlines()[0] if str(text).strip() else type(e).__name__
    text = _QUOTED.sub(_unquoted, text[:2000])
    return scrub_text("".join(c if c.isprintable() else "?" for c in text)[:160])


# 'quoted' or "quoted" text in an error message, and what follows "as" or ":" in the
# standard library's "could not be cast to integer value as ..." style
_QUOTED = re.compile(r"'[^'\n]{0,2000}+'?|\"[^\"\n]{0,2000}+\"?|(?<=value as ).{0,2000}+")


# a quoted punctuation mark is the parser's own syntax ("expected ',' or '}'"), never input
_SYNTAX_MARK = re.compile(r"(['\"])[,:;{}\[\]'\"]\1")


def _unquoted(match: re.Match[str]) -> str:
    return match[0] if _SYNTAX_MARK.fullmatch(match[0]) else "…"


def url_problem(e: ValueError) -> str:
    """What is wrong with a URL ``urlsplit`` refused, in words that quote nothing of it."""
    text = str(e)
    for needle, reason in (("IPv6", "invalid IPv6 address in brackets"),
                           ("Port", "the port is not a number from 0 to 65535"),
                           ("port", "the port is not a number from 0 to 65535"),
                           ("NFKC", "the host has characters that change under NFKC "
                                    "normalisation")):
        if needle in text:
            return reason
    return "malformed"


class Memo:
    """A bounded cache for redaction results that repeat across entries (User-Agent, Accept,
    the page URL, the initiating script): redaction is the importer's main cost. Values are
    frozen models or strings, so sharing them between flows is safe."""

    def __init__(self, func: Callable[..., Any], size: int = 4096) -> None:
        self.func, self.size, self.cache = func, size, {}  # type: ignore[var-annotated]

    def __call__(self, *key: Any) -> Any:
        try:
            return self.cache[key]
        except KeyError:
            pass
        if len(self.cache) >= self.size:
            self.cache.clear()  # cheap and bounded; real captures repeat within a page
        value = self.cache[key] = self.func(*key)
        return value


def is_unicode(text: str) -> bool:
    """False for a string holding a lone surrogate: JSON may escape one (``"\\ud800"``), Python
    keeps it, and it fails later when any output is written. ASCII is the fast path."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def first_bad_text(node: Any, path: str = "", depth: int = 0) -> str | None:
    """The JSON path of the first key or string that is not valid Unicode, or None. For small
    documents read whole (inspection.json, registers)."""
    if depth > 200:
        return path or "$"
    if isinstance(node, str):
        return None if is_unicode(node) else (path or "$")
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and not is_unicode(key):
                return path or "$"
            if (found := first_bad_text(value, where, depth + 1)) is not None:
                return found
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if (found := first_bad_text(value, f"{path}[{i}]", depth + 1)) is not None:
                return found
    return None
