"""The bundled organisation knowledge base: which legal entity operates a host, who controls it.

The data lives in ``gdprmap/data/organisations.toml`` and the per-sector files of
``gdprmap/data/organisations/*.toml`` (human-editable, reviewed like code), read in that order. Two
tables: ``[entities.ID]`` legal entities with country, parent, DPF status and sources, and
``[[services]]`` products with the host suffixes they answer on, the entity that receives the data
(``operator``) and where that data is processed (``processing``). A user file given with
``--kb-override`` is merged over it: an entity or service with the same id replaces the bundled one.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .. import catalogs
from ..errors import KnowledgeBaseError
from ..limits import MAX_HOST
from ..models import Destination, Entity, Fact
from ..resources import DerivedCache, data_path
from ..resources import digest as _digest

if TYPE_CHECKING:
    from .dpf import DpfList, DpfView

COUNTRY = r"^[A-Z]{2}$"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _within(day: dt.date, since: dt.date | None, until: dt.date | None) -> bool:
    """Whether ``day`` falls in a record's period (both ends included; open ends open)."""
    return (since is None or since <= day) and (until is None or day <= until)


class ParentPeriod(_Strict):
    """Who controlled an entity between two dates (issue 15: Twitter International Company's
    parent was Twitter, Inc. until October 2022, X Corp. after): one link of a dated chain.
    Without ``id``, the entity itself was the established ultimate parent in the period (a
    listed company without a controlling shareholder, per the basis)."""

    id: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    basis: str  # what the text read says, quoted, with its date
    sources: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _dated(self) -> ParentPeriod:
        if self.since is None and self.until is None:
            raise ValueError("a parent period needs since and/or until (an undated parent is "
                             "'parent')")
        if self.since and self.until and self.until < self.since:
            raise ValueError("a parent period's until is before its since")
        return self

    def holds_on(self, day: dt.date) -> bool:
        return _within(day, self.since, self.until)


class DpfLapse(_Strict):
    """A time off the DPF List that the participant's later row no longer shows: a copy of the
    List read on ``seen`` had it inactive from ``since`` (its Inactive Start Date), a later copy
    of ``until`` has it active again under its first Install Date (re-certification keeps the
    Install Date and clears the Inactive Start Date)."""

    since: dt.date  # the Inactive Start Date the earlier copy gives
    seen: dt.date  # the date of the last copy read that shows it inactive
    until: dt.date  # the date of the first later copy that shows it active again
    source: str  # that earlier copy

    @model_validator(mode="after")
    def _in_order(self) -> DpfLapse:
        if not self.since <= self.seen < self.until:
            raise ValueError("a DPF lapse needs since <= seen < until")
        return self


class EntityRecord(_Strict):
    name: str
    country: str = Field(pattern=COUNTRY)
    parent: str | None = None
    # ... or the parents it had, each for its period; on a date no period covers, who
    # controlled the entity is not established (a gap clears nothing)
    parents: list[ParentPeriod] = Field(default_factory=list)
    # False: who controls the entity is not established (a missing fact, never "independent");
    # True: the recorded parent, or no parent at all, is established from a source.
    # Required where ``parent`` is empty (the loader refuses silence: an empty parent is either
    # an established ultimate parent or an unknown one); may be omitted where ``parent`` is set.
    parent_established: bool | None = None
    # What an adequacy decision's scope is judged on (Japan: private sector under the APPI;
    # Canada: PIPEDA organisations; the EPO has its own decision). Religious organisations and
    # political parties are their own values: Korea's decision excludes them.
    sector: Literal["private", "public-body", "international-organisation",
                    "religious-organisation", "political-party"] | None = None
    # Where the entity is run from, when a source says it differs from its country of
    # incorporation (ByteDance Ltd.: Cayman Islands, operated from China). Exposure to a
    # country's access law follows both (issue 13).
    controlled_from: str | None = Field(default=None, pattern=COUNTRY)
    controlled_from_source: str | None = None
    dpf: Literal["active", "inactive", "not-listed", "unknown"] = "unknown"
    dpf_checked: dt.date | None = None
    dpf_source: str | None = None
    dpf_id: str | None = None  # the List's participant id, where a source gives it
    dpf_since: dt.date | None = None  # the List's "Install Date" (may predate 2023-07-10)
    dpf_until: dt.date | None = None  # the List's "Inactive Start Date"
    # lapses earlier copies of the List show and the row read (dpf_source) no longer does
    dpf_lapses: list[DpfLapse] = Field(default_factory=list)
    privacy_shield: Literal["certified", "not-certified", "unknown"] = "unknown"
    privacy_shield_checked: dt.date | None = None
    privacy_shield_source: str | None = None
    # a date a source shows the organisation certified on (the List's "Original Certification
    # Date" where one was read); certified from it to the end of the Privacy Shield
    privacy_shield_since: dt.date | None = None
    # the List's "Inactive Start Date" where one was read: not certified from that day on
    privacy_shield_until: dt.date | None = None
    fisa702: Literal["in-scope", "out-of-scope", "unknown"] = "unknown"
    fisa702_basis: str | None = None
    health_service: bool = False
    sources: list[str] = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _controlled_from_needs_source(self) -> EntityRecord:
        if self.controlled_from and not self.controlled_from_source:
            raise ValueError("controlled_from needs controlled_from_source (the URL read)")
        return self

    @model_validator(mode="after")
    def _parents_dated_apart(self) -> EntityRecord:
        if self.parents and (self.parent is not None or self.parent_established is not None):
            raise ValueError("an entity with dated 'parents' has neither 'parent' nor "
                             "parent_established (each period names its parent)")
        spans = sorted((p.since or dt.date.min, p.until or dt.date.max) for p in self.parents)
        if any(later[0] <= earlier[1] for earlier, later in zip(spans, spans[1:])):
            raise ValueError("parent periods overlap")
        return self

    def parent_on(self, day: dt.date | None) -> tuple[ParentPeriod | None, str | None, bool]:
        """The period, parent and whether control is established on ``day``: as recorded, of
        the dated period covering it (in a gap: none, not established), or - undated - of the
        latest period."""
        if not self.parents:
            return None, self.parent, self.parent is not None or bool(self.parent_established)
        period = (max(self.parents, key=lambda p: p.until or dt.date.max) if day is None else
                  next((p for p in self.parents if p.holds_on(day)), None))
        return period, period.id if period else None, period is not None

    @model_validator(mode="after")
    def _parent_said(self) -> EntityRecord:
        if self.parents:
            return self
        if self.parent is None and self.parent_established is None:
            raise ValueError("an entity without 'parent' must say parent_established = true "
                             "(an established ultimate parent) or false (parent not established)")
        if self.parent is not None and self.parent_established is False:
            raise ValueError("parent_established = false contradicts a recorded parent: omit "
                             "'parent' when the parent is not established")
        return self

    @model_validator(mode="after")
    def _privacy_shield_needs_provenance(self) -> EntityRecord:
        if self.privacy_shield != "unknown" and not (
                self.privacy_shield_checked and self.privacy_shield_source):
            raise ValueError("a Privacy Shield status other than 'unknown' needs "
                             "privacy_shield_checked and privacy_shield_source")
        return self

    @model_validator(mode="after")
    def _privacy_shield_until_ends_a_certification(self) -> EntityRecord:
        until, since = self.privacy_shield_until, self.privacy_shield_since
        if until and (self.privacy_shield != "certified" or (since and until <= since)):
            raise ValueError("privacy_shield_until (the List's Inactive Start Date) ends a "
                             "'certified' status, after privacy_shield_since")
        return self

    @model_validator(mode="after")
    def _dpf_needs_provenance(self) -> EntityRecord:
        if self.dpf != "unknown" and not (self.dpf_checked and self.dpf_source):
            raise ValueError("a DPF status other than 'unknown' needs dpf_checked and dpf_source")
        return self

    @model_validator(mode="after")
    def _dpf_lapses_within_the_listing(self) -> EntityRecord:
        since, checked = self.dpf_since, self.dpf_checked
        if self.dpf_lapses and (self.dpf != "active" or since is None or checked is None or any(
                g.since < since or g.until > checked for g in self.dpf_lapses)):
            raise ValueError("dpf_lapses belong to an 'active' listing with dpf_since: each "
                             "after the Install Date and ended by the row read (dpf_checked)")
        return self


class ProcessingRecord(_Strict):
    country: str = Field(pattern=COUNTRY)
    entity: str
    basis: str
    source: str
    # the dates between which the texts read show the place; outside them it is not
    # established by this record (a policy of 2024 does not say where data went in 2019)
    since: dt.date | None = None
    until: dt.date | None = None

    @model_validator(mode="after")
    def _period_in_order(self) -> ProcessingRecord:
        if self.since and self.until and self.until < self.since:
            raise ValueError("a processing place's until is before its since")
        return self

    def holds_on(self, day: dt.date | None) -> bool:
        """Whether the texts read place the data here on ``day`` (any day, undated)."""
        return day is None or _within(day, self.since, self.until)

    def destination(self) -> Destination:
        period = (f" from {self.since}" if self.since else "") + (
            f" until {self.until}" if self.until else "")
        basis = f"{self.basis} (a place the texts read show{period})" if period else self.basis
        return Destination(country=self.country, entity=self.entity, basis=basis,
                           source=self.source)


class ServiceRecord(_Strict):
    id: str
    name: str
    operator: str
    category: str
    purpose: str | None = None
    data_in_clear: bool = True
    domains: list[str] = Field(min_length=1)
    processing: list[ProcessingRecord] = Field(default_factory=list)
    region_pattern: str | None = None  # regex with a (?P<region>…) group, matched on the host
    regions: str | None = None  # name of a [regions.NAME] table mapping region -> country
    region_entity: str | None = None  # entity processing in the region named by the host
    # Why `operator` is the entity serving EEA customers: the sentence of the terms read, with
    # the copy's date; that copy is sources[0], the reference of the "operated by" fact (#13).
    operator_basis: str | None = None
    # The operator's DPF certification, as read, covers named services only and not this one:
    # the sentence read. Its hosts are then judged without the listing (issue 14: a missing
    # fact never clears a recipient).
    dpf_outside: str | None = None
    # The period this operator ran the service's hosts, when a domain changed hands: from
    # `since` and/or until `until` (both days included), with the text that dates it. A
    # capture is attributed as of its date; outside every period a host has no operator here.
    since: dt.date | None = None
    until: dt.date | None = None
    period_basis: str | None = None
    sources: list[str] = Field(min_length=1)

    @field_validator("domains")
    @classmethod
    def _lower(cls, v: list[str]) -> list[str]:
        return [d.lower().strip(".") for d in v]

    @model_validator(mode="after")
    def _period_is_dated(self) -> ServiceRecord:
        if (self.since or self.until) and not self.period_basis:
            raise ValueError("since/until need period_basis: the text that dates the period")
        if self.since and self.until and self.since > self.until:
            raise ValueError("since is after until")
        return self

    def runs_on(self, day: dt.date) -> bool:
        """Whether this operator ran the service on ``day`` (always, without a period)."""
        return _within(day, self.since, self.until)

    def overlaps(self, other: ServiceRecord) -> bool:
        lo = max(self.since or dt.date.min, other.since or dt.date.min)
        hi = min(self.until or dt.date.max, other.until or dt.date.max)
        return lo <= hi


class KnowledgeFile(_Strict):
    meta: dict[str, str | dt.date] = Field(default_factory=dict)
    entities: dict[str, EntityRecord] = Field(default_factory=dict)
    services: list[ServiceRecord] = Field(default_factory=list)
    regions: dict[str, dict[str, str]] = Field(default_factory=dict)


@dataclass(frozen=True)
class HostMatch:
    """What the knowledge base says about one host."""

    host: str
    service: ServiceRecord
    chain: tuple[Entity, ...]  # the operator, then each parent up to the ultimate one
    destinations: tuple[Destination, ...]
    facts: tuple[Fact, ...]


@dataclass
class KnowledgeBase:
    data: KnowledgeFile
    sha256: str
    sources: tuple[str, ...]
    # host suffix -> its services; several only for operators of different periods
    _suffixes: dict[str, list[ServiceRecord]] = field(default_factory=dict, repr=False)
    # issue 14: DPF statuses as of one date (``dated``); None: the records as written
    _dpf: DpfView | None = field(default=None, repr=False)
    # the day whose operators hosts are matched to (a domain that changed hands): the capture's
    _operators_on: dt.date | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for svc in self.data.services:
            for domain in svc.domains:
                claims = self._suffixes.setdefault(domain, [])
                if svc.since or svc.until:
                    clash = next((c for c in claims if c.overlaps(svc)), None)
                    if clash is not None:
                        raise KnowledgeBaseError(
                            f"service {svc.id}: its period for {domain} overlaps service "
                            f"{clash.id}'s")
                    claims.append(svc)
                else:
                    claims[:] = [svc]  # an override's service replaces (issue #7's rule)
        self._check_references()

    # -- loading ------------------------------------------------------------------------
    @classmethod
    def load(cls, overrides: tuple[Path, ...] = (), cache: bool = True) -> KnowledgeBase:
        """The bundled files merged in order, then each override over them, validated.

        The merge of the bundled files (TOML parsing is most of the ~0.1 s this takes) comes
        from the user's cache folder when an entry for exactly these files exists (issue #9);
        ``cache=False`` reads the TOML files and neither reads nor writes the cache."""
        return cls._load(overrides, read_cache=cache, write_cache=cache)

    @classmethod
    def _load(cls, overrides: tuple[Path, ...], read_cache: bool,
              write_cache: bool) -> KnowledgeBase:
        bundled = data_path("organisations.toml")
        bundled_files = bundled_paths()
        paths = (*bundled_files, *overrides)
        contents = {path: _read_bytes(path) for path in bundled_files}
        digest = hashlib.sha256()
        for path in bundled_files:
            digest.update(contents[path])
        entry = _merged_cache(bundled_files, contents) if read_cache or write_cache else None
        cached = entry.read() if entry is not None and read_cache else None
        memo_key = None
        if cached is not None:  # the same entry bytes and overrides: the same object again
            memo_key = (hashlib.sha256(cached).hexdigest(), tuple(map(str, bundled_files)),
                        tuple((str(p), _read_bytes(p)) for p in overrides))
            if (hit := _LOADED.get(memo_key)) is not None:
                return hit
        merged = _read_merged(cached) if cached is not None else None
        from_cache = merged is not None
        pending: bytes | None = None
        owner: dict[str, Path] = {}  # bundled entity/service id or domain -> file defining it
        if merged is None:
            merged = {"meta": {}, "entities": {}, "services": {}, "regions": {}, "periods": {}}
            for path in bundled_files:
                raw = _parse_toml(path, contents[path])
                _check_bundled_unique(path, raw, owner)
                _merge(merged, raw)
            pending = _encode_merged(merged) if entry is not None and write_cache else None
        for path in overrides:
            raw = _read_toml(path)
            digest.update(path.read_bytes())
            _merge(merged, raw)
        try:
            merged["services"] = [*merged["services"].values(), *_period_services(merged, owner)]
            del merged["periods"]
            data = KnowledgeFile.model_validate(merged)
            kb = cls(data, digest.hexdigest(), tuple(str(p) for p in paths))
        except (ValidationError, KnowledgeBaseError) as e:
            if from_cache:  # again from the files: rewrites a bad entry, or names the culprit
                return cls._load(overrides, read_cache=False, write_cache=write_cache)
            if isinstance(e, KnowledgeBaseError):
                raise
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            culprit: Path = paths[-1] if overrides else bundled
            loc = first["loc"]
            if not overrides and len(loc) > 1 and loc[0] in ("entities", "services"):
                key = (f"entity {loc[1]}" if loc[0] == "entities" else
                       f"service {merged['services'][int(loc[1])].get('id')}")
                culprit = owner.get(key, bundled)
            raise KnowledgeBaseError(f"{culprit}: {where}: {first['msg']}") from e
        if entry is not None and pending is not None:
            entry.write(pending)
        if from_cache and memo_key is not None:
            _LOADED.clear()
            _LOADED[memo_key] = kb
        return kb

    def _check_references(self) -> None:
        ents = self.data.entities
        for eid, ent in ents.items():
            for parent in [ent.parent, *(p.id for p in ent.parents)]:
                if parent and parent not in ents:
                    raise KnowledgeBaseError(f"entity {eid}: unknown parent {parent!r}")
        for eid in ents:  # any parent of any period counts: a cycle on no date is still refused
            todo: list[tuple[str, tuple[str, ...]]] = [(eid, ())]
            while todo:
                current, path = todo.pop()
                if current in path:
                    raise KnowledgeBaseError(f"entity {eid}: parent cycle through {current!r}")
                rec = ents[current]
                parents = {p for p in (rec.parent, *(q.id for q in rec.parents)) if p}
                todo += [(p, (*path, current)) for p in sorted(parents)]
        for svc in self.data.services:
            refs = [svc.operator, *(p.entity for p in svc.processing)]
            if svc.region_entity:
                refs.append(svc.region_entity)
            for ref in refs:
                if ref not in ents:
                    raise KnowledgeBaseError(f"service {svc.id}: unknown entity {ref!r}")
            if svc.region_pattern:
                if not (svc.regions in self.data.regions and svc.region_entity):
                    raise KnowledgeBaseError(
                        f"service {svc.id}: region_pattern needs regions and region_entity"
                    )
                if "(?P<region>" not in svc.region_pattern:
                    raise KnowledgeBaseError(f"service {svc.id}: region_pattern lacks (?P<region>…)")
                try:
                    re.compile(svc.region_pattern)
                except (re.error, RecursionError, OverflowError) as e:
                    raise KnowledgeBaseError(f"service {svc.id}: region_pattern is not a valid "
                                             f"regular expression ({e.__class__.__name__}: "
                                             f"{str(e)[:120]})") from e

    # -- queries ------------------------------------------------------------------------
    @cached_property
    def checked(self) -> str | None:
        value = self.data.meta.get("checked")
        return str(value) if value else None

    def dated(self, as_of: dt.date, dpf_list: DpfList | None = None,
              operators_on: dt.date | None = None) -> KnowledgeBase:
        """This knowledge base with every entity's DPF status judged as of ``as_of``
        (``enrich.dpf.judge``), from ``dpf_list`` for US entities when given, else from the
        records, and each host's operator that of ``operators_on`` (the day the data went:
        the capture's, which a later ``--as-of`` does not change), by default ``as_of``. The
        records themselves are not changed."""
        from .dpf import DpfView

        view = copy.copy(self)
        view._dpf = DpfView(self, as_of, dpf_list)
        view._operators_on = operators_on or as_of
        return view

    def entity(self, eid: str) -> Entity:
        rec = self.data.entities[eid]
        # the DPF and Privacy Shield statuses: as recorded, or judged as of the view's date
        if self._dpf is None:
            listed: dict[str, Any] = {
                "dpf": rec.dpf, "dpf_checked": rec.dpf_checked, "dpf_source": rec.dpf_source,
                "dpf_id": rec.dpf_id, "dpf_since": rec.dpf_since, "dpf_until": rec.dpf_until,
                "privacy_shield": rec.privacy_shield}
        else:
            j = self._dpf.judgement(eid)
            ps, ps_basis = privacy_shield_judged(rec, self._dpf.as_of)
            listed = {"dpf": j.status, "dpf_checked": j.listing.checked,
                      "dpf_source": j.listing.source, "dpf_id": j.listing.participant_id,
                      "dpf_since": j.listing.since, "dpf_until": j.listing.until,
                      "dpf_basis": j.basis, "privacy_shield": ps, "privacy_shield_basis": ps_basis}
        period, parent, established = rec.parent_on(self._operators_on)
        return Entity(
            id=eid,
            name=rec.name,
            country=rec.country,
            parent=parent,
            parent_established=established,
            sector=rec.sector,
            controlled_from=rec.controlled_from,
            fisa702=rec.fisa702,
            sources=tuple(dict.fromkeys([*rec.sources, *(period.sources if period else ())])),
            **listed,
        )

    def chain(self, eid: str) -> tuple[Entity, ...]:
        """The entity, its parent, and so on up to the ultimate parent."""
        out: list[Entity] = []
        seen: set[str] = set()
        current: str | None = eid
        while current:
            if current in seen:
                raise KnowledgeBaseError(f"entity {eid}: parent cycle through {current!r}")
            seen.add(current)
            ent = self.entity(current)
            out.append(ent)
            current = ent.parent
        return tuple(out)

    def is_health_service(self, eid: str) -> bool:
        return any(self.data.entities[e.id].health_service for e in self.chain(eid))

    def service_for(self, host: str) -> ServiceRecord | None:
        """The service whose longest domain suffix matches ``host`` - of a dated view, the one
        whose operator ran it on the view's date (none when no period covers it); undated, the
        latest operator."""
        labels = host.lower().strip(".").split(".")
        for i in range(len(labels)):
            claims = self._suffixes.get(".".join(labels[i:]))
            if not claims:
                continue
            if self._operators_on is None:  # (an undated service's until counts as open)
                return max(claims, key=lambda s: s.until or dt.date.max)
            svc = next((s for s in claims if s.runs_on(self._operators_on)), None)
            if svc is not None:
                return svc
        return None

    def service(self, service_id: str) -> ServiceRecord | None:
        """The service with this id (issue 15: cloaking signatures name services)."""
        return next((s for s in self.data.services if s.id == service_id), None)

    def match(self, host: str, service: ServiceRecord | None = None) -> HostMatch | None:
        """What the knowledge base says about ``host``; with ``service``, the host is taken as
        operated by that service (issue 15: a cloaked first-party host, on other evidence)."""
        svc = service or self.service_for(host)
        if svc is None:
            return None
        chain = self.chain(svc.operator)
        if svc.dpf_outside and chain[0].dpf == "active":
            chain = (chain[0].model_copy(update={
                "dpf": "unknown",
                "dpf_basis": f"the DPF certification read does not cover {svc.name}: "
                             f"{svc.dpf_outside}"}), *chain[1:])
        operator = chain[0]
        ref = f"kb:organisations.toml#service={svc.id}"
        destinations = [p.destination() for p in svc.processing
                        if p.holds_on(self._operators_on)]
        period = (f" from {svc.since}" if svc.since else "") + (
            f" until {svc.until}" if svc.until else "")
        facts = [Fact(value=f"{host} is operated by {operator.name}{period}", source=ref,
                      reference=svc.sources[0], checked=_date(self.checked),
                      note=svc.period_basis if period else None)]
        if svc.region_pattern:
            # searched on host names only, which importers cap at 253 characters (issue #17)
            m = re.search(svc.region_pattern, host) if len(host) <= MAX_HOST else None
            region = m.group("region") if m else None
            country = self.data.regions[svc.regions or ""].get(region or "")
            if region and country:
                destinations = [Destination(
                    country=country,
                    entity=svc.region_entity or svc.operator,
                    basis=catalogs.text(catalogs.SOURCE, "basis:region").format(region=region),
                    source=ref,
                )]
            elif region:
                destinations = []  # a region we cannot place: say nothing rather than guess
        return HostMatch(host, svc, chain, tuple(destinations), tuple(facts))


def privacy_shield_judged(rec: EntityRecord, as_of: dt.date) -> tuple[str, str | None]:
    """:func:`privacy_shield_as_of` and one sentence saying why, naming the text read."""
    status = privacy_shield_as_of(rec, as_of)
    if rec.privacy_shield == "unknown":
        return status, None
    since = _privacy_shield_since(rec)
    start = since or rec.privacy_shield_checked
    source, checked = rec.privacy_shield_source, rec.privacy_shield_checked
    if _lapsed(rec, as_of):
        return status, catalogs.say("ps", "lapsed", since=start, until=rec.privacy_shield_until,
                                    source=source, date=checked)
    if status == "unknown":
        return status, catalogs.say("ps", "later_only", status=rec.privacy_shield, since=start,
                                    source=source, date=checked)
    if since:
        # a later text (a List row) dates the certification but cannot show a lapse between
        unseen = (catalogs.say("ps_part", "unseen") if checked and as_of < checked else "")
        return status, catalogs.say("ps", "dated", since=since, source=source, date=checked,
                                    unseen=unseen)
    return status, catalogs.say("ps", "read", status=status, date=start, source=source)


def privacy_shield_as_of(rec: EntityRecord, as_of: dt.date) -> str:
    """The entity's Privacy Shield status on ``as_of``, as its record establishes it - like the
    DPF's (issue 14): certified from ``privacy_shield_since`` when a source gives such a date,
    else only from the date of the text read (``privacy_shield_checked``); a text saying the
    entity is not certified speaks from its date too. Earlier: unknown, which clears nothing -
    a text of 2020 saying an organisation participates does not show it did in 2018."""
    status = rec.privacy_shield
    start = _privacy_shield_since(rec) or rec.privacy_shield_checked
    if _lapsed(rec, as_of):
        return "not-certified"  # the List's Inactive Start Date: the certification ended
    return status if status != "unknown" and start is not None and as_of >= start else "unknown"


def _lapsed(rec: EntityRecord, as_of: dt.date) -> bool:
    return rec.privacy_shield_until is not None and as_of >= rec.privacy_shield_until


def _privacy_shield_since(rec: EntityRecord) -> dt.date | None:
    """The date a source shows the organisation certified: it counts for `certified` only."""
    return rec.privacy_shield_since if rec.privacy_shield == "certified" else None


def bundled_paths() -> tuple[Path, ...]:
    """The bundled knowledge-base files in load order: ``organisations.toml``, then the per-sector
    files of ``organisations/`` sorted by name (the order is part of ``organisations_sha256``)."""
    folder = data_path("organisations")
    extra = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    return (data_path("organisations.toml"), *extra)


def _check_bundled_unique(path: Path, raw: dict[str, Any], owner: dict[str, Path]) -> None:
    """Bundled files may not redefine each other's entities, services or host suffixes: a silent
    last-one-wins between two bundled files would hide a conflict. (Overrides may, on purpose.)
    Services of operators of different periods may share a suffix (their periods are checked
    not to overlap when the knowledge base is built)."""
    keys = [f"entity {e}" for e in raw.get("entities", {})]
    keys += [f"service {p.get('id')}" for p in raw.get("periods", [])]  # their domains: inherited
    for svc in raw.get("services", []):
        keys.append(f"service {svc.get('id')}")
        dated = bool(svc.get("since") or svc.get("until"))
        for d in svc.get("domains", []):
            undated_key = f"domain {str(d).lower().strip('.')}"
            dated_key = f"{undated_key} (dated)"
            # a dated claim and an undated one on the same suffix: the undated would hide it
            if (undated_key if dated else dated_key) in owner:
                raise KnowledgeBaseError(f"{path}: {undated_key} is claimed with and without "
                                         "an operator period")
            if dated:
                owner.setdefault(dated_key, path)  # several dated claims: periods checked later
            else:
                keys.append(undated_key)
    for key in keys:
        if key in owner:
            raise KnowledgeBaseError(f"{path}: {key} is already defined in {owner[key].name}")
        owner[key] = path


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise KnowledgeBaseError(f"{path}: cannot read: {e.strerror}") from e


def _parse_toml(path: Path, content: bytes) -> dict[str, Any]:
    try:
        return tomllib.loads(content.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise KnowledgeBaseError(f"{path}: not valid TOML: not UTF-8 ({e})") from e
    except tomllib.TOMLDecodeError as e:
        raise KnowledgeBaseError(f"{path}: not valid TOML: {e}") from e


def _read_toml(path: Path) -> dict[str, Any]:
    return _parse_toml(path, _read_bytes(path))


def _merge(merged: dict[str, Any], raw: dict[str, Any]) -> None:
    """One file over the merge so far: a later entity, region or service id replaces one."""
    merged["meta"].update(raw.get("meta", {}))
    merged["entities"].update(raw.get("entities", {}))
    merged["regions"].update(raw.get("regions", {}))
    for svc in raw.get("services", []):
        merged["services"][svc.get("id")] = svc
    for period in raw.get("periods", []):
        merged["periods"][period.get("id")] = period


# A [[periods]] record names an earlier (or later) operator of a service's hosts; it takes the
# service's name, category, purpose and domains, so a domain list is written once whoever ran it.
_PERIOD_INHERITS = ("name", "category", "purpose", "data_in_clear", "domains")


def _period_services(merged: dict[str, Any], owner: dict[str, Path]) -> list[dict[str, Any]]:
    """Each ``[[periods]]`` record as a service of its own id: the record's fields over those
    it inherits from the service it names (``domains`` may list a subset of the service's,
    when only some of its hosts changed hands). Periods are checked not to overlap when the
    knowledge base is built, like any dated services."""
    def fail(pid: object, msg: str) -> KnowledgeBaseError:
        where = owner.get(f"service {pid}")
        return KnowledgeBaseError(f"{where}: period {pid}: {msg}" if where else
                                  f"period {pid}: {msg}")

    def suffixes(domains: object) -> set[str]:
        return {str(d).lower().strip(".") for d in domains} if isinstance(domains, list) else set()

    services: list[dict[str, Any]] = []
    for pid, period in merged["periods"].items():
        if not isinstance(period, dict):
            raise fail(pid, "is not a table")
        base = merged["services"].get(period.get("service"))
        if not isinstance(base, dict):
            raise fail(pid, f"unknown service {period.get('service')!r}")
        if not (period.get("since") or period.get("until")):
            raise fail(pid, "needs since and/or until (and period_basis): it is the period of "
                            "another operator of the service's hosts")
        if "domains" in period:
            extra = suffixes(period["domains"]) - suffixes(base.get("domains"))
            if not period["domains"] or extra:
                outside = f", not {sorted(extra)}" if extra else ""
                raise fail(pid, "domains must be a non-empty subset of service "
                                f"{period['service']}'s{outside}")
        record = {key: base[key] for key in _PERIOD_INHERITS if key in base}
        record.update((key, value) for key, value in period.items() if key != "service")
        services.append(record)
    return services


# --- the merged bundled files, cached as JSON (issue #9) --------------------------------------
# JSON, not pickle: the entry is plain TOML data (dates tagged) and loading it runs no code; it
# is validated by the models on every load like the files themselves, and only read when the
# current user owns it (resources.DerivedCache). A damaged entry is rejected and rewritten.

_CACHE_FORMAT = "gdprmap-kb-cache-2"
# The last knowledge base loaded from an entry, by the entry's bytes and the overrides: a
# process that analyses many captures (batch, the report's data status, Python users) loads
# it once; knowledge bases are never changed after loading (``dated`` makes a copy).
_LOADED: dict[tuple[str, tuple[str, ...], tuple[tuple[str, bytes], ...]], KnowledgeBase] = {}
_TAG = "$toml"


def _merged_cache(files: tuple[Path, ...], contents: dict[Path, bytes]) -> DerivedCache:
    parts: list[bytes | str] = [_CACHE_FORMAT, Path(__file__).read_bytes()]  # merge code too
    for path in files:
        parts += [path.name, contents[path]]
    return DerivedCache("kb", _digest(*parts))


def _read_merged(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw, object_hook=_untag)
        merged = value["merged"]
        if value["format"] != _CACHE_FORMAT or set(merged) != {
                "meta", "entities", "services", "regions", "periods"}:
            return None
        merged["services"] = {svc.get("id"): svc for svc in merged["services"]}
        merged["periods"] = {period.get("id"): period for period in merged["periods"]}
    except (ValueError, KeyError, TypeError, AttributeError):  # damaged: a miss
        return None
    return merged  # type: ignore[no-any-return]


def _encode_merged(merged: dict[str, Any]) -> bytes | None:
    """The entry for the merged bundled files; None if it would not read back equal."""
    state = {**merged, "services": list(merged["services"].values()),
             "periods": list(merged["periods"].values())}
    try:
        text = json.dumps({"format": _CACHE_FORMAT, "merged": state}, default=_tag,
                          ensure_ascii=False)
    except (TypeError, ValueError):  # a TOML value JSON cannot hold: no cache
        return None
    if json.loads(text, object_hook=_untag)["merged"] != state:
        return None  # e.g. a table with a "$toml" key, or NaN: would not read back equal
    return text.encode("utf-8")


def _tag(value: object) -> dict[str, str]:
    for kind, cls in (("datetime", dt.datetime), ("date", dt.date), ("time", dt.time)):
        if isinstance(value, cls):
            return {_TAG: kind, "value": value.isoformat()}
    raise TypeError(f"{type(value).__name__} is not a TOML value")


def _untag(obj: dict[str, Any]) -> Any:
    if _TAG in obj and len(obj) == 2 and "value" in obj:
        kind, value = obj[_TAG], obj["value"]
        if kind == "datetime":
            return dt.datetime.fromisoformat(value)
        if kind == "date":
            return dt.date.fromisoformat(value)
        if kind == "time":
            return dt.time.fromisoformat(value)
        raise ValueError(f"unknown tag {kind!r}")
    return obj
