"""Importers: each knows one capture format and yields ``Flow`` records; nothing after them sees
a capture format. Formats are chosen by sniffing content, not by file name."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ..errors import InputError
from ..models import CaptureInfo, Flow
from . import har


class Capture(Protocol):
    """An open capture: iterate it for flows; ``info()`` is complete after iteration."""

    def __iter__(self): ...  # type: ignore[no-untyped-def]

    def info(self) -> CaptureInfo: ...


# id -> (sniff(head bytes) -> bool, factory(path, display) -> Capture); tried in order.
REGISTRY = {
    "har": (har.sniff, har.HarCapture),
}


def open_capture(path: Path, display: str | None = None) -> Capture:
    display = display or str(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError as e:
        raise InputError(display, f"cannot read: {e.strerror or e}") from e
    if not head.strip():
        raise InputError(display, "empty file")
    for sniff, factory in REGISTRY.values():
        if sniff(head):
            return factory(path, display)
    raise InputError(display, f"unrecognised capture format (known: {', '.join(REGISTRY)})")


__all__ = ["Capture", "Flow", "REGISTRY", "open_capture"]
