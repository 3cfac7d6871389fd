"""View models of the report sections added by issue #7: the cover's observation summary, the
Article 30(1) record (observed / declared / to be completed), the numbered exhibits, the legal
appendix and the data status of the method section.

Each function reads the :class:`~gdprmap.models.Assessment` (and, for the legal appendix and the
data status, the installed rule set and knowledge base through :mod:`gdprmap.api`, guarded: a
report loaded from JSON still renders when they are unavailable). Nothing here is invented: a
field the assessment cannot fill is returned as ``None`` and printed "to be completed by the
controller".
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .. import catalogs
from ..models import Assessment, Evidence, Fact, Recipient
from . import flowmap, i18n

EXHIBITS_CAP = 400  # exhibits printed; the JSON and CSV keep every evidence item
EXHIBITS_PER_FINDING = 10  # evidence items of a finding that get an exhibit number
EXHIBITS_PER_FINDING_COMPACT = 1
EXHIBITS_CAP_COMPACT = 150  # large reports (see html.COMPACT_ABOVE): rows cost render time
URL_CAP = 300

_ASN_FACT = re.compile(r"AS(?P<asn>\d+)\s+(?P<org>.*?)(?:,\s*country\s+(?P<country>[A-Z]{2}))?$")


# --- exhibits -----------------------------------------------------------------------------


@dataclass
class Exhibit:
    number: int
    input: str
    entry: int
    time: dt.datetime | None = None
    method: str | None = None
    url: str | None = None
    server_ip: str | None = None
    fields: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"E-{self.number}"


class ExhibitBook:
    """Numbers the capture entries that findings cite, in reading order: one exhibit per
    (input, entry), whatever the number of findings citing it."""

    def __init__(self, cap: int = EXHIBITS_CAP) -> None:
        self.cap = cap
        self.by_key: dict[tuple[str, int], Exhibit] = {}
        self.overflow_keys: set[tuple[str, int]] = set()  # entries cited beyond the cap

    @property
    def overflow(self) -> int:
        return len(self.overflow_keys)

    def cite(self, ev: Evidence, recipient: str) -> str | None:
        """The exhibit label of ``ev`` (``E-3``), numbering it on first sight; ``None`` past
        the cap."""
        key = (ev.input, ev.entry)
        ex = self.by_key.get(key)
        if ex is None:
            if len(self.by_key) >= self.cap:
                self.overflow_keys.add(key)
                return None
            ex = Exhibit(len(self.by_key) + 1, ev.input, ev.entry)
            self.by_key[key] = ex
        ex.time = ex.time or getattr(ev, "time", None)
        ex.method = ex.method or getattr(ev, "method", None)
        ex.url = ex.url or getattr(ev, "url", None) or _url_from_excerpt(ev)
        ex.server_ip = ex.server_ip or getattr(ev, "server_ip", None)
        if ev.field not in ex.fields:
            ex.fields.append(ev.field)
        if recipient not in ex.recipients:
            ex.recipients.append(recipient)
        return ex.label

    def exhibits(self) -> list[Exhibit]:
        return sorted(self.by_key.values(), key=lambda e: e.number)


def _url_from_excerpt(ev: Evidence) -> str | None:
    """Evidence written before issue #7 kept ``METHOD URL`` as the excerpt of request.url."""
    if ev.field == "request.url" and ev.excerpt and " " in ev.excerpt:
        return ev.excerpt.split(" ", 1)[1]
    return None


def ip_facts(recipients: tuple[Recipient, ...]) -> dict[str, Fact]:
    """Server IP -> the IP-data fact about it (ASN, AS organisation, country, source)."""
    out: dict[str, Fact] = {}
    for r in recipients:
        for f in getattr(r, "facts", ()):
            subject = getattr(f, "subject", None)
            if subject and subject not in out and _is_ip(subject):
                out[subject] = f
    return out


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def exhibit_view(ex: Exhibit, facts: dict[str, Fact], _: i18n.Translator) -> dict[str, Any]:
    fact = facts.get(ex.server_ip or "")
    asn = as_org = country = None
    if fact is not None:
        value = fact.value.split(": ", 1)[-1]
        m = _ASN_FACT.match(value)
        if m:
            asn, as_org, country = f"AS{m['asn']}", m["org"], m["country"]
    url = ex.url
    if url and len(url) > URL_CAP:
        url = url[: URL_CAP - 1] + "…"
    return {
        "label": ex.label,
        "anchor": f"ex{ex.number}",
        "input": ex.input,
        "entry": ex.entry,
        "time": _.datetime(ex.time) if ex.time else None,
        "time_iso": ex.time.isoformat() if ex.time else None,
        "method": ex.method,
        "url": url,
        "server_ip": ex.server_ip,
        "asn": asn,
        "as_org": as_org,
        "country": country,
        "country_name": _.country(country) if country else None,
        "ip_fact": fact.value if fact is not None and asn is None else None,
        "ip_source": fact.source if fact is not None else None,
        "ip_note": getattr(fact, "note", None) if fact is not None else None,
        "fields": ex.fields,
        "recipients": ex.recipients,
    }


def exhibit_servers(exhibits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The server addresses that exhibits name, each once with what the IP data say about it
    (the exhibits table prints only the address)."""
    out: dict[str, dict[str, Any]] = {}
    for x in exhibits:
        ip = x["server_ip"]
        if ip and ip not in out:
            out[ip] = {"ip": ip, "asn": x["asn"], "as_org": x["as_org"], "country": x["country"],
                       "country_name": x["country_name"], "ip_fact": x["ip_fact"],
                       "source": x["ip_source"], "note": x["ip_note"]}
    return list(out.values())


# --- cover --------------------------------------------------------------------------------


def controller_view(assessment: Assessment, _: i18n.Translator) -> dict[str, Any]:
    """Who the controller is and where that comes from: the --controller option, a declared
    register, the knowledge base's operator of a first-party domain, or nobody."""
    if assessment.controller:
        return {"name": assessment.controller, "source": _("ctl_src_option"), "contact": None,
                "country": None}
    for reg in declared_registers(assessment):
        ctl = reg.get("controller") or {}
        if ctl.get("name"):
            return {"name": ctl["name"], "source": _("ctl_src_register"),
                    "contact": ctl.get("contact"), "country": ctl.get("country")}
    hint = (assessment.extra or {}).get("controller_kb")
    if isinstance(hint, dict) and hint.get("name"):
        return {"name": hint["name"], "country": hint.get("country"), "contact": None,
                "source": _("ctl_src_kb", domain=hint.get("domain", ""))}
    return {"name": None, "source": None, "contact": None, "country": None}


def observed_view(assessment: Assessment, _: i18n.Translator) -> dict[str, Any]:
    firsts = [c.first_seen for c in assessment.inputs if c.first_seen]
    lasts = [c.last_seen for c in assessment.inputs if c.last_seen]
    producers = sorted({c.producer for c in assessment.inputs if c.producer})
    formats = sorted({c.format for c in assessment.inputs})
    return {
        "inputs": len(assessment.inputs),
        "entries": sum(c.entries for c in assessment.inputs),
        "requests": sum(r.requests for r in assessment.recipients),
        "producers": producers,
        "formats": formats,
        "first": _.datetime(min(firsts)) if firsts else None,
        "last": _.datetime(max(lasts)) if lasts else None,
    }


# --- article 30 ---------------------------------------------------------------------------


def declared_registers(assessment: Assessment) -> list[dict[str, Any]]:
    """The validated processing registers among the inputs (issue #3), as dicts."""
    out = []
    for c in assessment.inputs:
        reg = getattr(c, "declared", None)
        if isinstance(reg, dict):
            out.append(reg)
    return out


def _host_covered(host: str, declared: str) -> bool:
    return host == declared or host.endswith("." + declared)


def declared_for(r: Recipient, registers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Declared recipients (with their activity) that name this recipient: by knowledge-base
    entity id, or by a host the register lists."""
    ids = set()
    if r.organisation is not None:
        ids = {r.organisation.id, *(e.id for e in r.organisation.chain)}
    out = []
    for reg in registers:
        for act in reg.get("activities", []):
            for d in act.get("recipients", []):
                hosts = d.get("hosts", [])
                if (d.get("entity") and d["entity"] in ids) or any(
                    _host_covered(h, dh) for h in r.hosts for dh in hosts
                ):
                    out.append({"activity": act.get("name"), "recipient": d})
    return out


def safeguard_text(s: Any) -> str:
    if isinstance(s, str):
        return s
    parts = [s.get("type") or "other"]
    if s.get("description"):
        parts.append(s["description"])
    if s.get("date"):
        parts.append(str(s["date"]))
    if s.get("reference"):
        parts.append(s["reference"])
    return " · ".join(str(p) for p in parts)


def art30_view(assessment: Assessment, views: list[dict[str, Any]],
               _: i18n.Translator) -> dict[str, Any]:
    """Art. 30(1)(a)-(g): for each letter, what observation establishes, what a declared
    register adds, and whether the controller must complete it."""
    registers = declared_registers(assessment)
    activities = [a for reg in registers for a in reg.get("activities", [])]
    purposes = [
        {"activity": a.get("name"), "purposes": a.get("purposes", [])} for a in activities
    ]
    subjects = sorted({s for a in activities for s in a.get("data_subjects", [])})
    retention = [
        {"activity": a.get("name"), "retention": a["retention"]}
        for a in activities if a.get("retention")
    ]
    declared_cats = sorted({c for a in activities for c in a.get("data_categories", [])})
    observed_cats: dict[str, dict[str, Any]] = {}
    for v in views:
        for c in v["categories"]:
            entry = observed_cats.setdefault(
                c["curie"], {"label": c["label"], "curie": c["curie"], "special": c["special"],
                             "recipients": 0})
            entry["recipients"] += 1
    cookie_rows = []
    for r in assessment.recipients:
        for cl in getattr(r, "cookie_lifetimes", ()):
            cookie_rows.append({
                "recipient": flowmap.recipient_name(r),
                "name": cl.name,
                "domain": cl.domain,
                "days": _.number(cl.days, 1) if cl.days is not None else None,
                "source": cl.source,
            })
    third = sorted({c["code"] for v in views for c in v["third_countries"]})
    return {
        "registers": len(registers),
        "declared_recipients": sum(len(a.get("recipients", [])) for a in activities),
        "register_dates": sorted({str(reg.get("updated")) for reg in registers
                                  if reg.get("updated")}),
        "purposes": purposes,
        "subjects": subjects,
        "retention": retention,
        "declared_categories": [
            {"curie": i18n.category_curie(c), "label": _.category(c)} for c in declared_cats
        ],
        "observed_categories": sorted(observed_cats.values(),
                                      key=lambda c: (not c["special"], c["label"].casefold())),
        "cookies": cookie_rows[:200],
        "cookies_more": max(0, len(cookie_rows) - 200),
        "third_countries": [{"code": c, "name": _.country(c)} for c in third],
        "recipients_total": len(views),
        "recipients_third": sum(1 for v in views if v["third_countries"]),
    }


# --- legal appendix -------------------------------------------------------------------------


def legal_appendix(assessment: Assessment, lang: str) -> dict[str, Any]:
    """The rules the report uses (those behind a finding first, then the others applied), with
    titles, verdicts and citations with their ELI links. Rule metadata comes from the installed
    rule set; for a rule it does not know, the findings' own citations are used."""
    used: dict[str, dict[str, Any]] = {}
    for r in assessment.recipients:
        for f in r.findings:
            entry = used.setdefault(f.rule, {"title": f.title, "citations": {}, "count": 0})
            entry["count"] += 1
            for c in f.citations:
                entry["citations"].setdefault(c.label, c.iri)
    try:
        from ..rules.engine import load_ruleset

        meta = {rule.id: rule for rule in load_ruleset().rules}
    except Exception:  # noqa: BLE001 - a report must render from JSON alone
        meta = {}
    rows = []
    applied = list(assessment.knowledge.rules)
    order = [rid for rid in applied if rid in used] + sorted(set(used) - set(applied))
    for rid in order:
        rule = meta.get(rid)
        cites = dict(used[rid]["citations"])
        if rule is not None:
            for ref in rule.citations:
                cites.setdefault(ref.label_in(lang), ref.iri)
        rows.append({
            "id": rid,
            "anchor": rule_anchor(rid),
            "title": rule.titles.get(lang, rule.titles.get("en")) if rule else used[rid]["title"],
            "verdict": rule.verdict if rule else None,
            "severity": rule.severity if rule else None,
            "explanation": (rule.explanations.get(lang) or rule.explanations.get("en"))
            if rule else None,
            "query_file": rule.query_file if rule else None,
            "findings": used[rid]["count"],
            "citations": [{"label": k, "iri": v, "href": _link(v)} for k, v in cites.items()],
        })
    others = [rid for rid in applied if rid not in used]
    return {"rules": rows, "others": others}


def rule_anchor(rule: str) -> str:
    """The HTML anchor of a rule's entry in the legal appendix."""
    return "rule-" + re.sub(r"[^A-Za-z0-9-]", "-", rule)


def short_citation(label: str) -> str:
    """A citation without its gloss: ``"CJEU C-311/18 Schrems II, paras 126-135: exporters
    must verify ..."`` -> ``"CJEU C-311/18 Schrems II, paras 126-135"``. Findings print the
    short form; the legal appendix prints every citation in full. A colon inside parentheses
    is not a gloss."""
    depth = 0
    for i, ch in enumerate(label):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == ":" and depth == 0 and label[i + 1:i + 2] == " " and i > 0:
            return label[:i]
    return label


LINK_SCHEMES = ("http", "https")


def safe_link(iri: str | None) -> str | None:
    """``iri`` if it is an http(s) URL that may be offered as a link, else ``None``."""
    if not iri:
        return None
    try:
        parts = urlsplit(iri.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in LINK_SCHEMES and parts.netloc:
        return iri.strip()
    return None


_link = safe_link


# --- method: data status --------------------------------------------------------------------


def data_status(assessment: Assessment, lang: str = "en") -> dict[str, Any]:
    """``gdprmap kb status`` of the installed data, worded in ``lang``, and whether its hashes
    are the ones the assessment was made with (a report re-rendered later may differ)."""
    try:
        from ..status import knowledge_figures

        f = knowledge_figures()
    except Exception:  # noqa: BLE001 - a report must render from JSON alone
        return {"rows": [], "matches": None}
    matches = (f.organisations_sha256 == assessment.knowledge.organisations_sha256
               and f.ontology_sha256 == assessment.knowledge.ontology_sha256)
    say = catalogs.table(lang, "status")

    def day(value: Any) -> str:
        return catalogs.date(value, lang, "date_text") if value else "-"

    def n(value: int | None) -> str:
        return catalogs.integer(value, lang) if value is not None else "-"

    rows = [
        (say["organisations"], say["organisations_value"].format(
            orgs=n(f.organisations), entities=n(f.entities), services=n(f.services))),
        (say["reviewed"], day(f.reviewed) if f.reviewed else say["unknown"]),
        (say["dpf"], say["dpf_value"].format(n=n(f.dpf_recorded), first=day(f.dpf_first),
                                             last=day(f.dpf_last), dated=n(f.dpf_dated))),
        (say["legal"], say["legal_value"].format(n=n(f.instruments), date=day(f.latest_law))),
        (say["scenarios"], ", ".join(f.scenarios)),
    ]
    listed = assessment.knowledge.dpf_list
    if listed is not None:  # issue 14: the List whose statuses were used
        dated = say["dpf_list_dated"].format(date=day(listed.date)) if listed.date else ""
        rows.append((say["dpf_list"], say["dpf_list_value"].format(
            path=listed.path, dated=dated, sha=listed.sha256, matched=n(listed.us_entities_matched),
            total=n(listed.us_entities))))
    return {"rows": [{"key": k, "value": v} for k, v in rows], "matches": matches}


def world_countries(assessment: Assessment, _: i18n.Translator) -> list[dict[str, Any]]:
    """The world map's table: each country where data are received, with the number of
    recipients receiving there and the most severe verdict there (the map's colour)."""
    from . import worldmap

    rows: list[dict[str, Any]] = []
    for code, m in worldmap.country_verdicts(assessment).items():
        if m.verdict is None:
            continue
        rows.append({"code": code, "name": _.country(code), "status": _.status(code),
                     "third": not _.eea(code), "count": len(m.recipients),
                     "worst": m.verdict.value, "worst_label": _.verdict(m.verdict)})
    rows.sort(key=lambda c: (not c["third"], -c["count"], c["name"].casefold()))
    return rows
