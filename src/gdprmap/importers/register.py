"""The declared processing register (YAML or JSON, ``gdprmap.register``) as a capture: every
declared recipient host becomes one flow with ``origin="declared"``, method ``DECLARED`` and
``resource_type="declared"``, carrying the declared data categories, so the graph holds what
the controller says next to what was observed. Declared flows have no capture time: the
register's ``updated`` date stands in for ``started`` (midnight UTC) and does not set the
assessment's as-of date (``first_seen`` stays empty).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InputError
from ..models import CaptureInfo, Flow, SkippedEntry
from ..register import Register
from .base import ImportOptions, decode_text, first_bad_text, read_bytes, short

MAX_REGISTER = 16 << 20
_YAML_KEY = re.compile(rb"^register_version\s*:", re.MULTILINE)


def sniff(path: Path, head: bytes) -> bool:
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"{"):
        return b'"register_version"' in text
    return bool(_YAML_KEY.search(text))


def open_register(path: Path, display: str, options: ImportOptions) -> RegisterCapture:
    return RegisterCapture(path, display, options)


def load_register(path: Path, display: str | None = None) -> Register:
    """Read and validate a register file; every problem is an ``InputError`` naming the field."""
    display = display or str(path)
    raw = read_bytes(path, display, MAX_REGISTER)
    return validate(_parse(decode_text(raw, display), display), display)


def validate(doc: Any, display: str) -> Register:
    if (bad := first_bad_text(doc)) is not None:
        raise InputError(display, "not valid Unicode (a lone surrogate escape)", field=bad)
    try:
        return Register.model_validate(doc)
    except ValidationError as e:
        errors = e.errors()
        first = errors[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise InputError(display, f"{first['msg']}{more}",
                         field=where.lstrip(".") or "register") from e


def _parse(text: str, display: str) -> Any:
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except ValueError as e:
            raise InputError(display, f"not valid JSON: {short(e)}") from e
        except RecursionError as e:
            raise InputError(display, "nested too deeply") from e
    import yaml

    try:
        # Aliases let a few lines expand into an exponential document ("billion laughs");
        # a register never needs them.
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise InputError(display, "YAML aliases (*name) are not allowed in a register")
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or short(e)
        raise InputError(display, f"not valid YAML{where}: {problem}") from e
    except RecursionError as e:
        raise InputError(display, "nested too deeply") from e
    except (ValueError, OverflowError) as e:
        # a value YAML's resolver cannot build: "2024-02-30" (a date that does not exist), an
        # integer of more than 4,300 digits (issue #17: both ended in exit 3)
        raise InputError(display, f"not valid YAML: a value cannot be read "
                                  f"({_value_problem(e)})") from e


def _value_problem(e: Exception) -> str:
    text = str(e)
    if "digits" in text:
        return "an integer with too many digits"
    if "out of range" in text or "must be in" in text:
        return "a date or time that does not exist"
    return type(e).__name__


@dataclass
class RegisterCapture:
    path: Path
    display: str
    options: ImportOptions
    skipped: list[SkippedEntry] = field(default_factory=list)  # a register is valid or refused
    _info: CaptureInfo | None = None

    def __iter__(self) -> Iterator[Flow]:
        raw = read_bytes(self.path, self.display, MAX_REGISTER)
        register = validate(_parse(decode_text(raw, self.display), self.display), self.display)
        yield from declared_flows(register, self.display)
        self._info = declared_info(register, self.display, hashlib.sha256(raw).hexdigest())

    def info(self) -> CaptureInfo:
        if self._info is None:
            raise RuntimeError("info() is complete only after iteration")
        return self._info


def declared_flows(register: Register, display: str) -> Iterator[Flow]:
    """One ``origin="declared"`` flow per declared recipient host, dated by ``updated``."""
    started = dt.datetime.combine(register.updated, dt.time(), tzinfo=dt.UTC)
    index = 0
    for activity in register.activities:
        for recipient in activity.recipients:
            safeguards = ", ".join(s.type for s in recipient.safeguard_list()) or "none"
            note = (f"declared in register: activity {activity.id} ({activity.name}); "
                    f"recipient {recipient.name} ({recipient.role}"
                    + (f", knowledge-base entity {recipient.entity}" if recipient.entity
                       else "") + f"); declared safeguards: {safeguards}")
            for host in recipient.hosts:
                yield Flow(
                    input=display, entry=index, started=started, method="DECLARED",
                    url=f"https://{host}/", scheme="https", host=host,
                    resource_type="declared", origin="declared", notes=(note,),
                    declared_data=tuple(activity.data_categories),
                )
                index += 1


def declared_info(register: Register, display: str, sha256: str) -> CaptureInfo:
    entries = sum(len(r.hosts) for a in register.activities for r in a.recipients)
    return CaptureInfo(
        path=display, sha256=sha256, format="register",
        producer=f"declared register of {register.controller.name}", entries=entries,
        declared=register.model_dump(mode="json"),
    )


@dataclass
class DeclaredCapture:
    """A register handed over as a model (``analyze(register=Register(...))``), read like a file:
    its SHA-256 is that of its canonical JSON."""

    register: Register
    display: str = "<declared register>"
    skipped: list[SkippedEntry] = field(default_factory=list)

    def __iter__(self) -> Iterator[Flow]:
        return declared_flows(self.register, self.display)

    def info(self) -> CaptureInfo:
        canonical = json.dumps(self.register.model_dump(mode="json"), sort_keys=True).encode()
        return declared_info(self.register, self.display, hashlib.sha256(canonical).hexdigest())
