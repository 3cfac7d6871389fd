"""A streaming JSON reader for one big document made of small values (a HAR's entries).

The document is read in 1 MiB pieces, decoded from UTF-8 as it comes, and walked by hand only
down to the values a caller asks for (``members`` of an object, ``items`` of an array); each
such value is then decoded whole by the C scanner of the standard library's ``json`` (one
call per entry, no event per token, no prefix string per level as ijson builds).

Limits hold while reading, before any object is built (issue 17):
- nesting: the C scanner stops at the interpreter's recursion limit (about 1,000 levels, a
  ``RecursionError``), and values read by the slow path below stop at ``MAX_DEPTH``;
- size: a value whose text grows past ``SOFT_VALUE`` before it ends is read again by a slow
  path that keeps at most ``KEEP_STRING`` characters of each string (enough for every length
  check the importer makes to fail as it would on the whole string) and refuses a value whose
  kept text passes ``MAX_VALUE``. So a 500 MiB header is read in bounded memory and refused by
  the importer's own length check; a long response body (never used) is cut, not kept.

Errors are ``JsonError`` with a short reason; the caller names the file and entry.
"""

from __future__ import annotations

import codecs
import json
import re
import sys
from collections.abc import Iterator
from typing import Any

READ_SIZE = 1 << 20
MAX_DEPTH = 512  # the slow path's nesting limit (the C scanner's is the recursion limit)
SOFT_VALUE = 16 << 20  # characters of one value before the slow path takes over
KEEP_STRING = 12 * ((1 << 20) + 1)  # raw characters kept of a long string: >= 1 MiB + 1 decoded
MAX_VALUE = 64 << 20  # characters of one value after long strings are cut

_WS = re.compile(r"[ \t\n\r]*")
_STRUCT = re.compile(r'["\[\]{}]')
_IN_STRING = re.compile(r'["\\]')


class JsonError(ValueError):
    """Not valid JSON, or over a limit; ``args[0]`` is a short reason without input bytes."""


class JsonLimit(JsonError):
    """Valid JSON, maybe, but over a nesting or size limit."""


def _no_constant(name: str) -> Any:
    raise JsonError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)
_scan: Any = _DECODER.scan_once  # type: ignore[attr-defined]  # the C scanner


class JsonText:
    """The decoded text of a stream with a cursor, read as far as the caller needs."""

    def __init__(self, stream: Any, read_size: int = READ_SIZE) -> None:
        self.stream, self.read_size = stream, read_size
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.buf, self.pos, self.eof = "", 0, False
        self._cut = -1  # where the last value read by the slow path starts
        self._cut_buf: str | None = None

    # -- reading ---------------------------------------------------------------------------
    def _more(self, at_least: int = 0) -> bool:
        """Append the next piece of text (at least ``at_least`` bytes' worth); drop what was
        consumed. False at the end of the stream."""
        if self.eof:
            return False
        chunk = self.stream.read(max(self.read_size, at_least))
        try:
            text = self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as e:
            raise JsonError("not UTF-8 text") from e
        if not chunk:
            self.eof = True
        self.buf = self.buf[self.pos:] + text if self.pos else self.buf + text
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end)."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def expect(self, char: str, what: str) -> None:
        found = self.peek()
        if found != char:
            raise JsonError(f"expected {what} at character {self.offset()}")
        self.pos += 1

    def offset(self) -> int:
        return self.pos

    def at_end(self) -> bool:
        return self.peek() == ""

    # -- containers walked by hand ---------------------------------------------------------
    def members(self) -> Iterator[str]:
        """The keys of the object that starts here; the caller reads each value (``value`` or
        ``skip`` or a nested walk) before asking for the next key."""
        self.expect("{", "an object")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            key = self.value()
            if not isinstance(key, str):
                raise JsonError(f"expected a key at character {self.offset()}")
            self.expect(":", "':'")
            yield key
            sep = self.peek()
            self.pos += 1
            if sep == "}":
                return
            if sep != ",":
                raise JsonError(f"expected ',' or '}}' at character {self.offset() - 1}")

    def items(self) -> Iterator[Any]:
        """The values of the array that starts here, decoded one at a time."""
        self.expect("[", "an array")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            sep = self.peek()
            self.pos += 1
            if sep == "]":
                return
            if sep != ",":
                raise JsonError(f"expected ',' or ']' at character {self.offset() - 1}")

    # -- one value -------------------------------------------------------------------------
    def value(self) -> Any:
        """The value that starts here, decoded; limits as the module says."""
        if not self.peek():
            raise JsonError("unexpected end of data")
        while True:
            start = self.pos
            try:
                obj, end = _scan(self.buf, start)
            except StopIteration:
                if self._incomplete(start):
                    continue
                raise JsonError(f"expected a value at character {start}") from None
            except json.JSONDecodeError as e:
                if e.pos >= len(self.buf) - 16 or e.msg.startswith("Unterminated string"):
                    if self._incomplete(start):
                        continue
                raise JsonError(f"{e.msg} at character {e.pos}") from None
            except RecursionError:
                raise JsonLimit("nested too deeply (the limit is about "
                                f"{sys.getrecursionlimit()} levels)") from None
            except ValueError as e:  # a 5,000-digit integer
                raise JsonError(f"invalid number: {str(e)[:60]}") from None
            if end == len(self.buf) and not self.eof:  # a number may go on in the next piece
                if self._incomplete(start):
                    continue
            self.pos = end
            return obj

    def skip(self) -> None:
        self.value()

    def _incomplete(self, start: int) -> bool:
        """The value at ``start`` ran past the text read so far: read more (as much again as
        the value has so far, so a long value costs linear time), or hand it to the slow path
        once it is long. False at the end of the stream."""
        held = len(self.buf) - start
        if self._cut == start and self.buf is self._cut_buf:
            return False  # cut already: what fails now fails for good
        if held > SOFT_VALUE:
            self._cut_long_strings(start)
            return True
        self.pos = start
        return self._more(held)

    def _cut_long_strings(self, start: int) -> None:
        """Re-read the value at ``start`` token by token, keeping at most ``KEEP_STRING``
        characters of each string, and leave its kept text alone in the buffer."""
        out: list[str] = []
        kept = 0
        depth = 0
        self.pos = start
        buf = self.buf
        pos = start
        while True:
            match = _STRUCT.search(buf, pos)
            if match is None:
                out.append(buf[pos:])
                kept += len(buf) - pos
                if kept > MAX_VALUE:
                    raise JsonLimit(f"a value longer than {MAX_VALUE >> 20} MiB")
                self.pos = len(self.buf)
                if not self._more():
                    raise JsonError("unexpected end of data")
                buf, pos = self.buf, 0
                continue
            i = match.start()
            char = buf[i]
            out.append(buf[pos:i + 1])
            kept += i + 1 - pos
            pos = i + 1
            if char == '"':
                pos, buf, n = self._string_body(pos, out)
                kept += n
            elif char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    raise JsonLimit(f"nested more than {MAX_DEPTH} levels deep")
            else:
                depth -= 1
            if kept > MAX_VALUE:
                raise JsonLimit(f"a value longer than {MAX_VALUE >> 20} MiB")
            if depth == 0:
                break
        rest = buf[pos:]
        self.buf, self.pos = "".join(out) + rest, 0  # the kept value, then what follows
        self._cut, self._cut_buf = 0, self.buf

    def _string_body(self, pos: int, out: list[str]) -> tuple[int, str, int]:
        """Copy a string's body from ``pos`` (after its opening quote) up to and including its
        closing quote, keeping at most ``KEEP_STRING`` characters; reads on as needed.
        Returns the position after the quote, the buffer, and the characters kept."""
        kept = 0
        buf = self.buf
        while True:
            match = _IN_STRING.search(buf, pos)
            if match is None or (buf[match.start()] == "\\" and match.start() + 1 >= len(buf)):
                stop = len(buf) if match is None else match.start()
                piece = buf[pos:stop]
                room = KEEP_STRING - kept
                if room > 0:
                    out.append(piece[:room])
                    kept += min(room, len(piece))
                self.buf, self.pos = buf[stop:], 0
                if not self._more():
                    raise JsonError("unexpected end of data in a string")
                buf, pos = self.buf, 0
                continue
            i = match.start()
            if buf[i] == "\\":
                step = i + 2
                room = KEEP_STRING - kept
                if room >= step - pos:
                    out.append(buf[pos:step])
                    kept += step - pos
                pos = step
                continue
            room = KEEP_STRING - kept
            piece = buf[pos:i]
            if room > 0:  # (a piece holds no backslash: escapes are never cut)
                out.append(piece[:room])
                kept += min(room, len(piece))
            out.append('"')
            return i + 1, buf, kept + 1
