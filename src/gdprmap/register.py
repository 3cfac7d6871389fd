"""A controller's declared processing register (GDPR Art. 30 style), as typed models.

A data protection officer writes it in YAML or JSON; ``schemas/register.schema.json`` is its
published JSON Schema (generated from these models: ``gdprmap schema --register``). Declared
recipients enter the flow graph marked ``origin="declared"``, next to the observed flows, so a
report can set what the controller says against what the traffic shows.

Example (YAML)::

    register_version: "1"
    controller: {name: Example Clinic SAS, country: FR}
    updated: 2024-03-01
    activities:
      - id: booking
        name: Online appointment booking
        purposes: [ServiceProvision]
        data_categories: [pd:Health, EmailAddress]
        retention: 3 years after the last appointment
        recipients:
          - name: Amazon Web Services EMEA SARL
            entity: aws-emea            # id in the organisation knowledge base, if known
            role: processor
            hosts: [s3.eu-west-3.amazonaws.com]
            safeguards: [scc, encryption with keys in the EEA]
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from .vocab import DPV, PD

REGISTER_VERSION = "1"

SafeguardType = Literal[
    "adequacy", "dpf", "scc", "bcr", "code-of-conduct", "certification", "derogation",
    "encryption-keys-in-eea", "pseudonymisation", "other",
]
# Plain words a register may use for a safeguard, and the type they name.
SAFEGUARD_WORDS: dict[str, SafeguardType] = {
    "adequacy": "adequacy", "adequacy decision": "adequacy",
    "dpf": "dpf", "data privacy framework": "dpf", "eu-us dpf": "dpf",
    "scc": "scc", "sccs": "scc", "standard contractual clauses": "scc",
    "bcr": "bcr", "bcrs": "bcr", "binding corporate rules": "bcr",
    "code of conduct": "code-of-conduct", "certification": "certification",
    "derogation": "derogation", "art. 49": "derogation",
    "encryption with keys in the eea": "encryption-keys-in-eea",
    "encryption-keys-in-eea": "encryption-keys-in-eea",
    "pseudonymisation": "pseudonymisation", "pseudonymization": "pseudonymisation",
}
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
_SHORT_CATEGORY = re.compile(r"^(pd:|dpv:)?[A-Z][A-Za-z0-9]*$")

Text = Annotated[str, Field(min_length=1, max_length=2000)]


def host_name(value: str) -> str:
    name = value.strip().lower().rstrip(".")
    if not _HOST.match(name):
        raise ValueError(f"{value!r} is not a host name")
    return name


def category_iri(value: str) -> str:
    """A DPV IRI from an IRI or a short name: ``Health`` and ``pd:Health`` -> pd#Health."""
    text = value.strip()
    if text.startswith("https://w3id.org/dpv"):
        return text
    if _SHORT_CATEGORY.match(text):
        if text.startswith("dpv:"):
            return DPV + text[4:]
        return PD + text.removeprefix("pd:")
    raise ValueError(f"{value!r} is neither a DPV IRI nor a short name like pd:Health")


# Validated one by one, so an error names the item's index.
HostName = Annotated[str, Field(max_length=253), AfterValidator(host_name)]
CategoryIri = Annotated[str, Field(max_length=500), AfterValidator(category_iri)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Safeguard(_Model):
    """An Art. 46 tool or supplementary measure the controller declares for a recipient."""

    type: SafeguardType
    description: str | None = Field(None, max_length=2000)
    reference: str | None = Field(None, max_length=2000, description="document or URL")
    date: dt.date | None = None


class Controller(_Model):
    name: Text
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    contact: str | None = Field(None, max_length=500)


class DeclaredRecipient(_Model):
    name: Text = Field(description="the recipient's legal name")
    entity: str | None = Field(None, max_length=200,
                               description="id in the organisation knowledge base")
    role: Literal["processor", "sub-processor", "joint-controller", "controller",
                  "other"] = "processor"
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    hosts: list[HostName] = Field(min_length=1, max_length=1000,
                             description="host names the recipient receives data at "
                                         "(its web domain when no other is known)")
    safeguards: list[Safeguard | Text] = Field(
        default_factory=list, description="objects, or plain words such as 'SCCs', 'BCR', "
                                          "'encryption with keys in the EEA'")

    def safeguard_list(self) -> list[Safeguard]:
        """Every safeguard as an object; plain words map to their type, others to 'other'."""
        return [s if isinstance(s, Safeguard) else
                Safeguard(type=SAFEGUARD_WORDS.get(s.strip().lower(), "other"), description=s)
                for s in self.safeguards]


class Activity(_Model):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
    name: Text
    purposes: list[Text] = Field(min_length=1)
    data_categories: list[CategoryIri] = Field(
        min_length=1, description="DPV IRIs (https://w3id.org/dpv/pd#Health) or short names "
                                  "(pd:Health, Health)")
    data_subjects: list[Text] = Field(default_factory=list)
    recipients: list[DeclaredRecipient] = Field(default_factory=list)
    retention: Text | None = None


class Register(_Model):
    register_version: Literal["1"]
    controller: Controller
    updated: dt.date = Field(description="when the register was last reviewed; declared flows "
                                         "carry this date")
    activities: list[Activity] = Field(min_length=1)


def json_schema() -> dict[str, object]:
    schema = Register.model_json_schema(mode="validation")
    schema.pop("title", None)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "gdprmap declared processing register", **schema}
