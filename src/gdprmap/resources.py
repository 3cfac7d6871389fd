"""Locate bundled data files from a checkout, an editable install or an installed wheel.

In a wheel, ``ontologies/`` and ``reports/templates/`` are packaged under ``gdprmap/_bundled``
(see pyproject.toml); in a checkout they sit at the repository's top level, as the design card
asks. Package data under ``gdprmap/data`` is found the ordinary way.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent.parent


def bundled_dir(name: str) -> Path:
    """``ontologies`` or ``templates``: the wheel's copy first, then the checkout's."""
    top = {"ontologies": "ontologies", "templates": "reports/templates"}[name]
    for candidate in (_PACKAGE / "_bundled" / name, _CHECKOUT / top):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"gdprmap data folder {name!r} is missing from this installation")


def data_path(name: str) -> Path:
    return _PACKAGE / "data" / name
