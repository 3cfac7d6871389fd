"""gzip and zlib captures: what the file holds is sniffed, and read, through the inflater.

Browsers' and proxies' HARs are often saved compressed (``.har.gz``; mitmproxy's ``.zhar`` is a
bare zlib stream) and so are DevTools logs (Lighthouse's ``devtoolslog.json.gz``). Inflating
streams: nothing is decompressed whole, and the readers' own limits hold on the inflated text.
"""

from __future__ import annotations

import gzip
import zlib
from typing import Any, cast

GZIP_MAGIC = b"\x1f\x8b"


def kind(head: bytes) -> str | None:
    """``"gzip"``, ``"zlib"`` or None, from a file's first bytes."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    # a zlib header: deflate method, and a check value that makes it divisible by 31
    if len(head) >= 2 and head[0] == 0x78 and (head[0] << 8 | head[1]) % 31 == 0:
        return "zlib"
    return None


def inflated_head(head: bytes, size: int) -> bytes:
    """At most ``size`` bytes of what the compressed ``head`` holds, for sniffing (empty when
    the stream is broken: its reader then says so)."""
    wbits = 16 + zlib.MAX_WBITS if kind(head) == "gzip" else zlib.MAX_WBITS
    try:
        return zlib.decompressobj(wbits).decompress(head, size)
    except zlib.error:
        return b""


def inflating(raw: Any) -> tuple[Any, str | None]:
    """The stream of ``raw`` inflated when it is compressed, and which compression."""
    first = raw.read(3)
    found = kind(first)
    if found == "gzip":
        return gzip.GzipFile(fileobj=Prefixed(first, raw)), found  # type: ignore[call-overload]
    if found == "zlib":
        return Inflating(Prefixed(first, raw)), found
    return Prefixed(first, raw), None


class Inflating:
    """A zlib stream, decompressed as it is read."""

    def __init__(self, raw: Any) -> None:
        self.raw, self.inflater, self.buffer = raw, zlib.decompressobj(), b""

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self.buffer) < n:
            chunk = self.raw.read(1 << 16)
            if not chunk:
                self.buffer += self.inflater.flush()
                break
            self.buffer += self.inflater.decompress(chunk)
        if n < 0:
            out, self.buffer = self.buffer, b""
        else:
            out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out


class Prefixed:
    """Bytes already read, followed by the rest of a stream."""

    def __init__(self, prefix: bytes, rest: Any) -> None:
        self.prefix, self.rest = prefix, rest

    def read(self, n: int = -1) -> bytes:
        if not self.prefix:
            return cast(bytes, self.rest.read(n))
        if n < 0:
            out, self.prefix = self.prefix + self.rest.read(), b""
            return cast(bytes, out)
        out, self.prefix = self.prefix[:n], self.prefix[n:]
        if len(out) < n:
            out += self.rest.read(n - len(out))
        return cast(bytes, out)
