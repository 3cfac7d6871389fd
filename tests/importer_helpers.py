"""Helpers shared by the importer tests (tests/test_importer_*.py)."""

from __future__ import annotations

import json
from pathlib import Path

from gdprmap.importers import ImportOptions, open_capture

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "importers"


def read(path: Path, display: str | None = None, **options: bool):
    capture = open_capture(Path(path), display, ImportOptions(**options))
    flows = list(capture)
    return flows, capture.info(), capture.skipped


def dump(flows, info) -> dict:
    """Flows and capture info as JSON, with the volatile parts pinned: keyed digests change
    with the per-run redaction key."""
    def clean(node):
        if isinstance(node, dict):
            return {k: clean(v) for k, v in node.items() if k != "digest"}
        if isinstance(node, list):
            return [clean(v) for v in node]
        return node

    return clean({"info": info.model_dump(mode="json", exclude_defaults=True),
                  "flows": [f.model_dump(mode="json", exclude_defaults=True) for f in flows]})


def as_text(flows, info) -> str:
    return json.dumps(dump(flows, info), ensure_ascii=False)
