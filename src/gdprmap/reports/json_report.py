"""The JSON contract: the ``Assessment`` model, versioned by ``schema_version``."""

from __future__ import annotations

import json
from pathlib import Path

from ..models import Assessment


def render_json(assessment: Assessment) -> str:
    # exclude_none keeps the contract stable: optional fields appear only when known
    data = assessment.model_dump(mode="json")
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def json_schema() -> str:
    return json.dumps(Assessment.model_json_schema(mode="serialization"), indent=2) + "\n"


def write_json(assessment: Assessment, path: Path) -> None:
    path.write_text(render_json(assessment), encoding="utf-8")
