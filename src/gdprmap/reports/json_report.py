"""The JSON contract: the ``Assessment`` model, versioned by ``schema_version``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic_core import PydanticSerializationError

from ..models import Assessment, Recipient


def render_json(assessment: Assessment) -> str:
    return "".join(iter_json(assessment))


def iter_json(assessment: Assessment) -> Iterator[str]:
    """The JSON report in pieces, one recipient at a time (issue 19): the same bytes as
    ``json.dumps(assessment.model_dump(mode="json"), indent=2, ensure_ascii=False)`` and a
    newline, without the whole document (dict and text) in memory at once."""
    head = assessment.model_dump(mode="json", exclude={"recipients"})
    yield "{"
    first = True
    for name in type(assessment).model_fields:
        if name != "recipients" and name not in head:
            continue
        yield ("\n" if first else ",\n") + f"  {json.dumps(name)}: "
        first = False
        if name != "recipients":
            yield _indented(head[name], "  ")
            continue
        if not assessment.recipients:
            yield "[]"
            continue
        for i, recipient in enumerate(assessment.recipients):
            yield ("[\n    " if i == 0 else ",\n    ") + _recipient(recipient)
        yield "\n  ]"
    yield "\n}\n" if not first else "}\n"


def _recipient(recipient: Recipient) -> str:
    """One recipient, by pydantic's compiled serialiser (4x json.dumps's pure-Python indenting
    encoder, issue 19). The bytes are json.dumps's: a recipient holds no free-form value and its
    one float (cookie lifetime in days) is rounded to 0.1, which both write alike (they differ
    only for exponents, below 1e-4). A string json.dumps accepts and pydantic's UTF-8 encoder
    refuses (a lone surrogate) takes the old path."""
    try:
        text = recipient.model_dump_json(indent=2)
    except PydanticSerializationError:
        return _indented(recipient.model_dump(mode="json"), "    ")
    return text.replace("\n", "\n    ")


def _indented(value: Any, indent: str) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return text.replace("\n", "\n" + indent) if "\n" in text else text


def json_schema() -> str:
    return json.dumps(Assessment.model_json_schema(mode="serialization"), indent=2) + "\n"


def write_json(assessment: Assessment, path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.writelines(iter_json(assessment))
