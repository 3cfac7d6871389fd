"""Arguments as users pass them to the library: one value where several are accepted."""

from __future__ import annotations

import os
from typing import Any


def several(value: Any) -> tuple[Any, ...]:
    """``value`` as a tuple: a single string or path is one item, not its letters
    (``first_party="example.fr"``, ``kb_override="x.toml"``, ``inputs="captures/"``)."""
    if value is None:
        return ()
    if isinstance(value, (str, bytes, os.PathLike)):
        return (value,)
    return tuple(value)
