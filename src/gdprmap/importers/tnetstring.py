"""Typed netstrings (tnetstrings.info) as mitmproxy writes its flow files: ``SIZE:DATA TYPE``
with the types ``,`` bytes, ``;`` text (mitmproxy's addition, UTF-8), ``#`` integer, ``^``
float, ``!`` boolean, ``~`` null, ``]`` list and ``}`` dictionary (key, value, key, value...).

A file is a sequence of top-level values. ``read_values`` yields them one at a time from a
stream, reading only the bytes each announces (at most ``max_item``). A value up to
``IN_MEMORY`` is parsed in memory; a larger one (a flow with a big body) is copied to a
temporary file and walked there, its strings over ``MAX_LEAF`` left out as ``Omitted`` - the
type byte comes after the data, so a value can only be known once it is all read. Memory stays
bounded whatever the file and its flows hold. Anything malformed raises ``TnetError`` with the
byte offset: the caller names the file and the flow."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

MAX_DEPTH = 64  # mitmproxy's flows nest five or six levels
IN_MEMORY = 16 << 20  # a top-level value up to this size is parsed in memory
MAX_LEAF = 1 << 20  # in a larger one, a longer string is left out (a body)
_COPY = 1 << 20
_DIGITS = 12  # a size of up to 999 GB: more digits is not a tnetstring


@dataclass(frozen=True)
class Omitted:
    """A string too large to keep (a body of a large flow): its size and whether it was text."""

    size: int
    text: bool


class Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


class TnetError(ValueError):
    def __init__(self, reason: str, offset: int) -> None:
        self.reason, self.offset = reason, offset
        super().__init__(f"{reason} (byte {offset})")


def read_values(stream: Readable, max_item: int,
                skip: frozenset[str] = frozenset()) -> Iterator[tuple[int, Any]]:
    """(offset, value) of each top-level value of ``stream``, until its end. A dictionary
    entry whose key is in ``skip`` is stepped over unread, wherever it is (its size checked,
    not its content): the caller says what it will never look at."""
    offset = 0
    while True:
        size_text = b""
        while True:
            c = stream.read(1)
            if not c:
                if size_text.strip():
                    raise TnetError("truncated: the file ends inside a size", offset)
                return
            if c == b":":
                break
            size_text += c
            if len(size_text) > _DIGITS + 2:
                raise TnetError("not a tnetstring size", offset)
        size = _size(size_text.strip(), offset)  # writers may put a newline between values
        if size > max_item:
            raise TnetError(f"a value of {size:,} bytes, over the limit of {max_item:,}", offset)
        start = offset + len(size_text) + 1
        try:
            if size <= IN_MEMORY:
                body = stream.read(size + 1)
                _check_length(len(body), size)
                value = _value(body, 0, size, body[size:size + 1], 0, 0, skip)
            else:
                value = _spooled(stream, size, skip)
        except TnetError as e:  # offsets inside the value are the value's own
            raise TnetError(e.reason, start + e.offset) from None
        yield offset, value
        offset = start + size + 1


def _check_length(present: int, size: int) -> None:
    if present < size + 1:
        raise TnetError(f"truncated: {size + 1:,} bytes announced, {present:,} present", 0)


def _spooled(stream: Readable, size: int, skip: frozenset[str]) -> Any:
    """A large value, copied to a temporary file and walked there."""
    with tempfile.TemporaryFile() as spool:
        left = size + 1
        while left:
            chunk = stream.read(min(left, _COPY))
            if not chunk:
                _check_length(size + 1 - left, size)
            spool.write(chunk)
            left -= len(chunk)
        return _walk(spool, 0, size, 0, skip)


def _walk(fh: IO[bytes], start: int, size: int, depth: int, skip: frozenset[str]) -> Any:
    """The value whose data is ``fh[start:start + size]`` and type byte follows it."""
    fh.seek(start + size)
    kind = fh.read(1)
    if kind in (b",", b";") and size > MAX_LEAF:
        return Omitted(size, kind == b";")
    if kind not in (b"]", b"}"):
        fh.seek(start)
        return _value(fh.read(size), 0, size, kind, start, depth, skip)
    if depth >= MAX_DEPTH:
        raise TnetError(f"nested deeper than {MAX_DEPTH} levels", start)
    items: list[Any] = []
    pos, end = start, start + size
    while pos < end:
        fh.seek(pos)
        try:
            child, child_end = _prefix(fh)
        except EOFError:  # no colon before the end of the value
            raise TnetError("not a tnetstring size", pos) from None
        child_start = child_end - child
        if child_end >= end:
            raise TnetError("a value runs past its container", pos)
        if kind == b"}" and len(items) % 2 and _key(items[-1]) in skip:
            items.append(_SKIPPED)
        else:
            items.append(_walk(fh, child_start, child, depth + 1, skip))
        pos = child_end + 1
    return items if kind == b"]" else _dictionary(items, start)


def first_keys(path: Path, max_keys: int = 64) -> set[str]:
    """The keys of the dictionary a file starts with, read by seeking past each value (a flow
    file's first flow may hold megabytes of body before the keys that name it). A file cut
    short gives the keys before the cut: the reader then says where it ends."""
    keys: set[str] = set()
    with path.open("rb") as fh:
        _, kind_at = _prefix(fh)
        try:
            while fh.tell() < kind_at and len(keys) < max_keys:
                key_size, key_end = _prefix(fh)
                key = fh.read(key_size + 1)
                if len(key) < key_size + 1:
                    break
                if key[-1:] not in (b",", b";"):
                    raise TnetError("not a dictionary key", key_end - key_size)
                keys.add(key[:-1].decode("utf-8", "replace"))
                _, value_end = _prefix(fh)
                fh.seek(value_end + 1)
        except EOFError:
            return keys
        if len(keys) < max_keys and fh.tell() == kind_at and fh.read(1) not in (b"}", b""):
            raise TnetError("not a dictionary", 0)
    return keys


def _prefix(fh: IO[bytes]) -> tuple[int, int]:
    """(size, offset of the value's last byte + 1, where its type byte is) of the value whose
    size prefix starts at the file's position."""
    start = fh.tell()
    text = b""
    while (c := fh.read(1)) != b":":
        if not c:
            raise EOFError
        if len(text) > _DIGITS:
            raise TnetError("not a tnetstring size", start)
        text += c
    size = _size(text, start)
    return size, fh.tell() + size


def parse(data: bytes) -> Any:
    """The single value ``data`` holds (tests and small inputs)."""
    start, end = _frame(data, 0, len(data))
    if end + 1 != len(data):
        raise TnetError("extra data after the value", end + 1)
    return _value(data, start, end, data[end:end + 1], 0, 0, frozenset())


def _frame(data: bytes, pos: int, limit: int) -> tuple[int, int]:
    """(start, end) of the data of the value whose size prefix starts at ``pos``; its type
    byte, at ``end``, must come before ``limit`` (its container's type byte). Plain bytes and
    indices: a flow has a hundred or more values, and slicing views or copying prefixes cost
    more than the parse."""
    colon = data.find(b":", pos, min(pos + _DIGITS + 1, limit))
    if colon <= pos or not data[pos:colon].isdigit():
        raise TnetError("not a tnetstring size", pos)
    end = colon + 1 + int(data[pos:colon])
    if end >= limit:
        raise TnetError("a value runs past its container", pos)
    return colon + 1, end


def _value(data: bytes, start: int, end: int, kind: bytes, at: int, depth: int,
           skip: frozenset[str]) -> Any:
    if kind == b",":
        return data[start:end]
    if kind == b";":
        try:
            return data[start:end].decode("utf-8")
        except UnicodeDecodeError as e:
            raise TnetError("text that is not UTF-8", at) from e
    if kind in (b"]", b"}"):
        if depth >= MAX_DEPTH:
            raise TnetError(f"nested deeper than {MAX_DEPTH} levels", at)
        items: list[Any] = []
        pos = start
        while pos < end:
            first, last = _frame(data, pos, end)
            if skip and kind == b"}" and len(items) % 2 and _key(items[-1]) in skip:
                items.append(_SKIPPED)  # framed, not parsed
            else:
                items.append(_value(data, first, last, data[last:last + 1], pos, depth + 1,
                                    skip))
            pos = last + 1
        return items if kind == b"]" else _dictionary(items, at)
    raw = data[start:end]
    if kind == b"#":
        try:
            return int(raw)
        except ValueError as e:
            raise TnetError("not an integer", at) from e
    if kind == b"^":
        try:
            return float(raw)
        except ValueError as e:
            raise TnetError("not a number", at) from e
    if kind == b"!":
        if raw in (b"true", b"false"):
            return raw == b"true"
        raise TnetError("not a boolean", at)
    if kind == b"~":
        if raw:
            raise TnetError("a null with data", at)
        return None
    raise TnetError(f"unknown type {kind!r}", at)


_SKIPPED = object()  # the value of a skipped key: left out of its dictionary


def _key(item: Any) -> str:
    """A dictionary key as text; "" for a key that is not a string (refused as one)."""
    if isinstance(item, bytes):
        return item.decode("utf-8", "replace")
    return item if isinstance(item, str) else ""


def _dictionary(items: list[Any], at: int) -> dict[str, Any]:
    if len(items) % 2:
        raise TnetError("a dictionary key without a value", at)
    if not all(isinstance(k, (bytes, str)) for k in items[0::2]):
        raise TnetError("a dictionary key that is not a string", at)
    return {_key(k): v for k, v in zip(items[0::2], items[1::2], strict=True)
            if v is not _SKIPPED}


def _size(text: bytes, at: int) -> int:
    if not text.isdigit() or len(text) > _DIGITS:
        raise TnetError("not a tnetstring size", at)
    return int(text)
