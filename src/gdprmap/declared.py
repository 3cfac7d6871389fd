"""What a controller's declared register adds to an assessment.

A declared flow (``Flow.origin == "declared"``) proves only what the register says: the data
categories it declares, never what traffic would show (no IP address, no user agent). Declared
safeguards attach to the recipients they name, by knowledge-base entity or by host, and reach
the rules as DPV IRIs (``gm:registerType`` in ``ontologies/law.ttl`` maps the register's words).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .models import CaptureInfo, DataItem, Evidence, Flow
from .register import DeclaredRecipient, Register


def declared_items(flow: Flow) -> list[DataItem]:
    """The data items a declared flow stands for: the categories the register declares."""
    note = flow.notes[0] if flow.notes else None
    evidence = Evidence(input=flow.input, entry=flow.entry, field="declared register", excerpt=note)
    return [DataItem(category=iri, evidence=evidence) for iri in flow.declared_data]


class DeclaredSafeguards:
    """The safeguards declared for each recipient of the registers among the inputs."""

    def __init__(self, infos: Iterable[CaptureInfo], iris_for: Callable[[str], list[str]]) -> None:
        self._recipients: list[tuple[DeclaredRecipient, tuple[str, ...]]] = []
        for info in infos:
            if not info.declared:
                continue
            register = Register.model_validate(info.declared)
            for activity in register.activities:
                for recipient in activity.recipients:
                    iris = tuple(iri for s in recipient.safeguard_list() for iri in iris_for(s.type))
                    self._recipients.append((recipient, iris))

    def for_recipient(self, entity_ids: set[str], hosts: Iterable[str]) -> tuple[str, ...]:
        """Safeguard IRIs declared for a recipient known by these entities and hosts. A declared
        host covers its sub-domains (``s3.eu-west-3.amazonaws.com`` covers a bucket host)."""
        hosts = list(hosts)
        found: list[str] = []
        for declared, iris in self._recipients:
            by_entity = declared.entity is not None and declared.entity in entity_ids
            by_host = any(h == d or h.endswith("." + d) for h in hosts for d in declared.hosts)
            if by_entity or by_host:
                found += [i for i in iris if i not in found]
        return tuple(found)
