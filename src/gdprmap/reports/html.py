"""The HTML report: an Article 30 style record of observed international transfers.

:func:`render_html` turns an :class:`~gdprmap.models.Assessment` into one self-contained HTML
document: CSS inline, the data-flow map as inline SVG, no external resource of any kind (links to
legal sources are plain ``<a href>`` anchors, never fetched). The same document, rendered with
``paged=True``, is what :mod:`gdprmap.reports.pdf` prints.

Everything from a capture is untrusted (URLs, page titles, hosts can carry markup): the Jinja2
environment autoescapes every template, and the only values marked safe are the bundled CSS,
CSS strings escaped by :func:`css_string` and the SVG map, which escapes its own text.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .. import catalogs
from ..models import Assessment, Evidence, Finding, Recipient, Severity, Verdict
from ..resources import DerivedCache, bundled_dir, digest
from . import consent_view, flowmap, i18n, sections, worldmap
from .sections import safe_link

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"

EVIDENCE_CAP = 10  # evidence items shown per finding
EXCERPT_CAP = 300  # characters of an evidence excerpt shown
HOSTS_CAP = 8  # hosts listed per recipient in the Article 30 table
SKIPPED_CAP = 200  # skipped entries listed
FACTS_CAP = 8  # registration / network facts listed per recipient
FILES_CAP = 50  # files listed per folder input in the integrity annex
TOP_FINDINGS = 3
TERMS_CAP = 6  # matched special-category terms listed per category
BASIS_CAP = 160  # characters of a destination's basis in the Article 30 table
COMPACT_ABOVE = 30  # more recipients than this: findings are printed compactly, evidence grouped
EVIDENCE_GROUP_CAP = 4  # evidence groups shown per finding in compact mode
MAP_PER_PART = 12  # recipients per map page in paged output
# Issue 19: above ANNEX_ABOVE recipients, ANNEX_ABOVE are printed in full (Art. 30 rows,
# findings, map nodes; chosen by :func:`prominence`) and every other one is a line of the annex,
# grouped by verdict: print cost follows the recipients shown, not every host.
ANNEX_ABOVE = 60
ANNEX_NAME = 44  # characters of the annex's name column (a longer name has a line of its own)
ANNEX_CHUNK = 50  # annex lines per <pre> block (one block of thousands of lines lays out slower)
NAMES_CAP = 20  # recipient names listed per country controlled from / per special category

# Usable area for the map on an A4 landscape page (see report.css, @page wide), in mm.
MAP_PAGE_WIDTH_MM = 269.0
MAP_PAGE_HEIGHT_MM = 150.0



def render_html(
    assessment: Assessment,
    lang: str = "en",
    *,
    standalone: bool = True,
    template_dir: str | os.PathLike[str] | None = None,
) -> str:
    """The report as HTML. ``standalone``: a complete document with its CSS inline; otherwise
    only the ``<article>`` element, for embedding in a page that includes :func:`stylesheet`.
    ``template_dir``: a folder whose templates override the built-in ones (see
    :func:`environment`)."""
    return render_document(assessment, lang, standalone=standalone, template_dir=template_dir)


def stylesheet() -> str:
    """The report's CSS (``report.css`` and the verdict colours), for embedding a fragment."""
    return _stylesheet() + "\n" + str(_verdict_css())


def render_document(
    assessment: Assessment,
    lang: str = "en",
    *,
    standalone: bool = True,
    paged: bool = False,
    created: dt.datetime | None = None,
    template_dir: str | os.PathLike[str] | None = None,
    attachments: tuple[tuple[str, str], ...] = (),
) -> str:
    """:func:`render_html` with the options the PDF renderer needs: ``paged`` splits the map
    into A4 landscape parts; ``created`` is written as ``dcterms.created``/``modified``;
    ``attachments`` lists (file name, description key) of files embedded in the PDF."""
    i18n.check_lang(lang)
    env = environment(template_dir)
    context = build_context(assessment, lang, paged=paged)
    context["standalone"] = standalone
    context["created"] = created.isoformat() if created else None
    # the cache key is the folder as a string (a PathLike need not be hashable)
    css_dir = os.fspath(template_dir) if template_dir is not None else None
    context["stylesheet"] = Markup(_stylesheet(css_dir)) if standalone else None
    context["attachments"] = [{"name": n, "what": i18n.t(lang, k)} for n, k in attachments]
    if template_dir is None:
        return env.get_template(TEMPLATE).render(context)
    try:
        return env.get_template(TEMPLATE).render(context)
    except (jinja2.TemplateError, UnicodeDecodeError) as e:
        # a user's template: a syntax error, an undefined name or a sandbox refusal is an
        # input error (exit 2) naming the file and line, not a crash (issue #17)
        from ..errors import UsageError

        where = getattr(e, "filename", None) or os.fspath(template_dir)
        line = getattr(e, "lineno", None)
        message = getattr(e, "message", None) or type(e).__name__
        raise UsageError(f"{where}{f':{line}' if line else ''}: template error: "
                         f"{' '.join(str(message).split())[:200]}") from e


# --- environment ---------------------------------------------------------------------------


def _finalize(value: Any) -> Any:
    """Every printed value: ``None`` prints as nothing, strings lose XML-invalid characters."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return flowmap.clean_text(value)
    return value


def environment(template_dir: str | os.PathLike[str] | None = None) -> Environment:
    """The Jinja2 environment. With ``template_dir``, templates there come first (a
    ``ChoiceLoader``): a user's ``report.html.j2`` may ``{% extends "builtin/report.html.j2" %}``
    and override blocks, or replace the whole template; ``report.css`` there replaces the
    stylesheet. Built-ins stay reachable as ``builtin/NAME``."""
    key = str(Path(template_dir).resolve()) if template_dir else None
    if key is not None and not Path(key).is_dir():
        from ..errors import UsageError

        raise UsageError(f"{template_dir}: template folder does not exist")
    return _environment(key)


@lru_cache(maxsize=8)
def _environment(template_dir: str | None = None) -> Environment:
    builtin = FileSystemLoader(str(bundled_dir("templates")))
    loaders: list[Any] = [builtin]
    if template_dir:
        loaders.insert(0, FileSystemLoader(template_dir))
    loaders.append(PrefixedBuiltin(builtin))
    # A user's templates run in Jinja's sandbox (issue #17): they may use the context, filters
    # and tests, but not reach Python objects' internals (``lipsum.__globals__`` gave os).
    env_class = SandboxedEnvironment if template_dir else Environment
    env = env_class(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # sandboxed code differs (calls go through the sandbox): never shared through the cache
        bytecode_cache=None if template_dir else TemplateCache(),
    )
    env.filters["css_string"] = css_string
    return env


class TemplateCache(BytecodeCache):
    """Compiled templates in the derived-data cache (``resources.DerivedCache``): compiling the
    report template costs about 0.3 s in every new process, loading it a few milliseconds.
    Jinja's bucket itself rejects code compiled from another source or by another Python."""

    def _entry(self, bucket: Bucket) -> DerivedCache:
        return DerivedCache(f"jinja-{bucket.key[:16]}",
                            digest(bucket.key, bucket.checksum, jinja2.__version__))

    def load_bytecode(self, bucket: Bucket) -> None:
        data = self._entry(bucket).read()
        if data is None:
            return
        try:
            bucket.bytecode_from_string(data)
        except Exception:  # noqa: BLE001 - a damaged entry is a miss: compile again
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._entry(bucket).write(bucket.bytecode_to_string())


class PrefixedBuiltin(FileSystemLoader):
    """The built-in templates under the name ``builtin/NAME``, so that an override can extend
    the template it replaces."""

    def __init__(self, builtin: FileSystemLoader) -> None:
        super().__init__(builtin.searchpath)

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Any]:
        from jinja2 import TemplateNotFound

        if not template.startswith("builtin/"):
            raise TemplateNotFound(template)
        return super().get_source(environment, template[len("builtin/"):])


@lru_cache(maxsize=8)
def _stylesheet(template_dir: str | None = None) -> str:
    folder = bundled_dir("templates")
    if template_dir and (Path(template_dir) / STYLESHEET).is_file():
        folder = Path(template_dir)
    from ..errors import UsageError

    try:
        css = (folder / STYLESHEET).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{folder / STYLESHEET}: cannot read a UTF-8 stylesheet "
                         f"({type(e).__name__})") from e
    if "</" in css:  # it is written inside <style>: "</" could close it (issue #17: exit 2)
        raise UsageError(f"{folder / STYLESHEET}: a stylesheet must not contain '</'")
    return css


def css_string(value: object) -> Markup:
    """A quoted CSS string with every non-alphanumeric character hex-escaped: safe inside a
    ``<style>`` element whatever ``value`` holds."""
    out = []
    escaped = False  # a white space right after an escape would end it, not be printed
    for ch in flowmap.clean_text(value):
        if ch.isascii() and (ch.isalnum() or (ch == " " and not escaped)):
            out.append(ch)
            escaped = False
        else:
            out.append(f"\\{ord(ch):06x}")
            escaped = True
    return Markup('"' + "".join(out) + '"')


# --- view model ------------------------------------------------------------------------------

SEVERITY_COLOURS: dict[Severity, str] = {
    Severity.INFO: "#707b7c",
    Severity.LOW: "#2e86c1",
    Severity.MEDIUM: "#b9770e",
    Severity.HIGH: "#c0392b",
    Severity.CRITICAL: "#7b241c",
}


def _short(text: str | None, cap: int) -> str | None:
    if text is None or len(text) <= cap:
        return text
    return text[: cap - 1].rstrip() + "…"


def _exhibit_anchor(label: str | None) -> str | None:
    """The HTML anchor of an exhibit label (``E-3`` -> ``ex3``)."""
    return f"ex{label[2:]}" if label else None


def _evidence(
    ev: Iterable[Evidence], book: sections.ExhibitBook | None = None, who: str = "",
    numbered: int = EVIDENCE_CAP,
) -> dict[str, Any]:
    items = list(ev)
    labels = [
        book.cite(e, who) if book is not None and i < numbered else None
        for i, e in enumerate(items)
    ]
    shown = [
        {
            "input": e.input,
            "entry": e.entry,
            "field": e.field,
            "excerpt": _short(e.excerpt, EXCERPT_CAP),
            "exhibit": labels[i],
            "exhibit_anchor": _exhibit_anchor(labels[i]),
            # the excerpt is the request line that the exhibit prints
            "request_line": labels[i] is not None and _is_request_line(e),
        }
        for i, e in enumerate(items[:EVIDENCE_CAP])
    ]
    return {
        "rows": shown,
        "table": _evidence_table(shown),
        "more": max(0, len(items) - EVIDENCE_CAP),
        "total": len(items),
        "exhibits": list(dict.fromkeys(x for x in labels if x)),
        **_evidence_groups(items),
    }


def _is_request_line(e: Evidence) -> bool:
    """Whether the excerpt of ``e`` is ``METHOD URL``, which its exhibit prints."""
    if not e.excerpt:
        return False
    method, url = getattr(e, "method", None), getattr(e, "url", None)
    if method and url:
        return e.excerpt == f"{method} {url}"
    if url:  # a request whose method the capture did not record
        return bool(e.excerpt == url)
    return e.field == "request.url" and " " in e.excerpt  # evidence written before issue #7


def _evidence_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The printed evidence rows: items with the same field and excerpt (the User-Agent of
    every request, the same Referer cited twice) are one row listing their exhibits and
    entries, in order of first citation; so are items of one field whose excerpt is the
    request line of their exhibit (``request_line``: the exhibits table prints it)."""
    table: dict[tuple[str, str, str | None], dict[str, Any]] = {}
    for row in rows:
        excerpt = None if row["request_line"] else row["excerpt"]
        group = table.setdefault((row["input"], row["field"], excerpt), {
            "input": row["input"], "field": row["field"], "excerpt": excerpt,
            "request_line": row["request_line"], "exhibits": [], "entries": []})
        if row["exhibit"] and row["exhibit"] not in (x["label"] for x in group["exhibits"]):
            group["exhibits"].append({"label": row["exhibit"], "anchor": row["exhibit_anchor"]})
        if row["entry"] not in group["entries"]:
            group["entries"].append(row["entry"])
    return list(table.values())


def _fact_groups(facts: Iterable[Any], _: i18n.Translator) -> list[dict[str, Any]]:
    """Registration and network facts grouped by provenance (source, date, reference, note),
    each value once with the subjects (server addresses) it holds for: the IP data's source
    and caveat are printed once per recipient, not once per address."""
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for fact in facts:
        subject = getattr(fact, "subject", None)
        note = getattr(fact, "note", None)
        value = fact.value
        if subject and value.startswith(subject + ": "):  # "192.0.2.7: AS64500 ..." says it
            value = value[len(subject) + 2:]
        group = groups.setdefault((fact.source, fact.checked, fact.reference, note), {
            "source": fact.source, "reference": fact.reference, "note": note,
            "checked": _.date(fact.checked) if fact.checked else None, "items": {}})
        subjects = group["items"].setdefault(value, [])
        if subject and subject not in subjects:
            subjects.append(subject)
    return [{**g, "items": [{"value": v, "subjects": s} for v, s in g["items"].items()]}
            for g in groups.values()]


def entry_ranges(entries: Iterable[int], cap: int = 6) -> str:
    """``[3, 4, 5, 9, 12, 13]`` -> ``3–5, 9, 12–13`` (at most ``cap`` runs, then ``…``)."""
    runs: list[list[int]] = []
    for e in sorted(set(entries)):
        if runs and e == runs[-1][1] + 1:
            runs[-1][1] = e
        else:
            runs.append([e, e])
    text = ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in runs[:cap])
    return text + (", …" if len(runs) > cap else "")


def _evidence_groups(items: list[Evidence]) -> dict[str, Any]:
    """Evidence aggregated by (input, field): how many entries, which, one example excerpt."""
    groups: dict[tuple[str, str], list[Evidence]] = {}
    for e in items:
        groups.setdefault((e.input, e.field), []).append(e)
    out = []
    for (inp, fld), evs in groups.items():
        example = next((e.excerpt for e in evs if e.excerpt), None)
        out.append(
            {
                "input": inp,
                "field": fld,
                "count": len(evs),
                "entries": entry_ranges(e.entry for e in evs),
                "excerpt": _short(example, 160),
            }
        )
    return {
        "groups": out[:EVIDENCE_GROUP_CAP],
        "groups_more": max(0, len(out) - EVIDENCE_GROUP_CAP),
    }


def _refer_repeated_steps(findings: list[dict[str, Any]]) -> None:
    """A recipient's findings often share reasoning steps (the facts about the recipient and
    its parent): a step printed in an earlier finding is printed again as a reference to it,
    consecutive ones as one line (``Steps 1-6: as steps 1-6 of GM-UNL-02 above``).
    ``f["printed_steps"]`` is what the template prints; ``f["steps"]`` keeps every step."""
    seen: dict[tuple[Any, ...], tuple[str, int]] = {}
    for f in findings:
        out: list[dict[str, Any]] = []
        for n, st in enumerate(f["steps"], 1):
            key = (st["kind"], st["text"], st["source"], st["reference"])
            earlier = seen.get(key)
            if earlier is None:
                seen[key] = (f["rule"], n)
                out.append({**st, "n": n, "same_rule": None})
                continue
            last = out[-1] if out else None
            if (last is not None and last.get("same_rule") == earlier[0]
                    and last["last"] == n - 1 and last["same_last"] == earlier[1] - 1):
                last["last"], last["same_last"] = n, earlier[1]
                last["count"] += 1
            else:
                out.append({"n": n, "last": n, "same_rule": earlier[0], "same_first": earlier[1],
                            "same_last": earlier[1], "count": 1})
        f["printed_steps"] = out


def _known_citations(assessment: Assessment) -> set[str]:
    """Every citation label of the findings: the legal appendix prints each in full."""
    return {c.label for r in assessment.recipients for f in r.findings for c in f.citations}


def _short_sources(source: str | None, known: set[str]) -> str | None:
    """A step's source that is a list of citations the legal appendix prints in full
    (``label; label``), with each citation in its short form; any other text unchanged."""
    if not source:
        return source
    parts: list[str] = []
    rest = source
    while rest:
        for label in sorted((k for k in known if rest.startswith(k)), key=len, reverse=True):
            tail = rest[len(label):]
            if tail == "" or tail.startswith("; "):
                parts.append(sections.short_citation(label))
                rest = tail[2:]
                break
        else:
            return source
    return "; ".join(parts)


def _refer_repeated_text(views: list[dict[str, Any]], known: set[str]) -> None:
    """Texts that recur word for word across recipients are printed once: a finding whose
    explanation, or whose legal references, equal those of the same rule's finding for an
    earlier recipient refers to it (``explanation_as``, ``citations_as``: that recipient's
    view). Step sources that only list citations get their short forms (each is in the
    legal appendix in full)."""
    explained: dict[tuple[str, str], dict[str, Any]] = {}
    cited: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}
    for view in views:
        for f in view["findings"]:
            f["explanation_as"] = None
            f["citations_as"] = None
            key = (f["rule"], f["explanation"])
            if key in explained and explained[key] is not view:
                f["explanation_as"] = explained[key]
            explained.setdefault(key, view)
            ckey = (f["rule"], tuple(c["label"] for c in f["citations"]))
            if f["citations"] and ckey in cited and cited[ckey] is not view:
                f["citations_as"] = cited[ckey]
            cited.setdefault(ckey, view)
            for st in f.get("printed_steps", ()):
                if st.get("same_rule") is None and st.get("kind") == "law":
                    st["source"] = _short_sources(st["source"], known)


def _citation_views(f: Finding) -> list[dict[str, Any]]:
    return [
        {
            "label": c.label,
            "short": sections.short_citation(c.label),
            "href": safe_link(c.iri),
            "iri": c.iri if not safe_link(c.iri) else None,
        }
        for c in f.citations
    ]


def _finding_key(f: Finding) -> tuple[int, bool, str, str]:
    return (-i18n.SEVERITY_RANK[f.severity], f.verdict is None, f.rule, f.title)


def _attribution(r: Recipient) -> dict[str, Any]:
    """How a recipient was attributed (issue 15): cloaked hosts and probable first party."""
    return {
        "cloaked": r.cloaked,
        "cloaking": [{"host": e.host, "signal": e.signal, "detail": e.detail,
                      "strong": e.strong, "source": e.source} for e in r.cloaking],
        "probable": r.first_party_probable,
        "probable_reasons": [{"signal": x.signal, "detail": x.detail, "domain": x.domain}
                             for x in r.first_party_reasons],
        "probable_domains": sorted({x.domain for x in r.first_party_reasons}),
    }


def _recipient_view(
    r: Recipient, index: int, _: i18n.Translator, names: dict[str, str],
    book: sections.ExhibitBook | None = None, compact: bool = False,
    registers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    org = r.organisation
    cats: list[dict[str, Any]] = []
    by_iri = {d.iri: d for d in r.data}
    for iri, (label, special) in flowmap.recipient_categories(r).items():
        d = by_iri.get(iri)
        text = _.category(iri, label)
        cats.append(
            {
                "label": i18n.without_art9(text) if special else text,
                "curie": i18n.category_curie(iri),
                "special": special,
                "flows": d.flows if d else None,
                "terms": list(d.terms[:TERMS_CAP]) if d else [],
                "terms_more": max(0, len(d.terms) - TERMS_CAP) if d else 0,
            }
        )
    cats.sort(key=lambda c: (not c["special"], c["label"].casefold()))
    destinations = [
        {
            "code": d.country.upper(),
            "name": _.country(d.country),
            "status": _.status(d.country),
            "third": not _.eea(d.country),
            "basis": (basis := catalogs.reason(d.basis, _.lang, "basis")),
            "basis_short": _short(basis, BASIS_CAP),
            "source": d.source,
            "entity": d.entity,
        }
        for d in r.destinations
    ]
    third = sorted(c for c in flowmap.received_countries(r) if not _.eea(c))
    findings: list[dict[str, Any]] = []
    for f in sorted(r.findings, key=_finding_key):
        cited = "; ".join(c.label for c in f.citations)
        findings.append(
            {
                "rule": f.rule,
                "title": f.title,
                "severity": f.severity.value,
                "severity_label": _.severity(f.severity),
                "severity_colour": SEVERITY_COLOURS[f.severity],
                "decides": f.verdict is not None,
                "verdict": f.verdict.value if f.verdict else None,
                "verdict_label": _.verdict(f.verdict) if f.verdict else None,
                "explanation": f.explanation,
                "citations": _citation_views(f),
                "legal_anchor": sections.rule_anchor(f.rule),
                "evidence": _evidence(
                    f.evidence, book, flowmap.recipient_name(r),
                    sections.EXHIBITS_PER_FINDING_COMPACT if compact
                    else sections.EXHIBITS_PER_FINDING,
                ),
                "steps": [
                    {
                        "kind": st.kind,
                        "kind_label": _.step_kind(st.kind),
                        "text": st.text,
                        # the rule step's source is the finding's citations, printed below it
                        "source": None if st.kind == "rule" and st.source == cited
                        else st.source,
                        "reference": st.reference,
                    }
                    for st in getattr(f, "steps", ())
                ],
            }
        )
    _refer_repeated_steps(findings)
    pname = flowmap.parent_name(org)
    declared = sections.declared_for(r, registers or [])
    deciding = next((f for f in findings if f["decides"]), findings[0] if findings else None)
    groups = deciding["evidence"]["groups"] if deciding else []
    return {
        "exhibits": list(dict.fromkeys(x for f in findings for x in f["evidence"]["exhibits"])),
        "evidence_summary": groups[0] if groups else None,
        "declared": [
            {
                "activity": d["activity"],
                "role": d["recipient"].get("role"),
                "country": d["recipient"].get("country"),
                "safeguards": [sections.safeguard_text(s)
                               for s in d["recipient"].get("safeguards", [])],
            }
            for d in declared
        ],
        "anchor": f"r{index}",
        "index": index,
        "id": r.id,
        "name": flowmap.recipient_name(r),
        "identified": org is not None,
        "verdict": r.verdict.value,
        "verdict_label": _.verdict(r.verdict),
        "country": org.country if org else None,
        "country_name": _.country(org.country) if org else None,
        "parent": pname,
        "parent_country": org.parent_country if org else None,
        "parent_country_name": _.country(org.parent_country)
        if org and org.parent_country
        else None,
        "chain": [{"name": e.name, "country": e.country} for e in org.chain]
        if org and len(org.chain) > 2
        else [],
        "shared": [names.get(x, x) for x in getattr(r, "shared_identifiers", ())],
        "facts": [
            {
                "value": fact.value,
                "source": fact.source,
                "reference": fact.reference,
                "checked": _.date(fact.checked) if fact.checked else None,
                "subject": getattr(fact, "subject", None),
                "note": getattr(fact, "note", None),
            }
            for fact in getattr(r, "facts", ())[:FACTS_CAP]
        ],
        "fact_groups": _fact_groups(getattr(r, "facts", ())[:FACTS_CAP], _),
        "hosts": list(r.hosts[:HOSTS_CAP]),
        "hosts_more": max(0, len(r.hosts) - HOSTS_CAP),
        "all_hosts": list(r.hosts),
        "services": list(r.services),
        "category": r.category,
        "purpose_hint": i18n.service_hint(r.category, _.lang),
        "requests": r.requests,
        "server_ips": list(r.server_ips[:HOSTS_CAP]),
        "server_countries": list(r.server_countries),
        "categories": cats,
        "destinations": destinations,
        "third_countries": [{"code": c, "name": _.country(c)} for c in third],
        "findings": findings,
        **_attribution(r),
    }


def prominence(r: Recipient) -> tuple[Any, ...]:
    """The order in which a large report chooses the recipients it prints in full: identified
    recipients before unidentified ones, then the most serious verdict, the most severe
    finding, special-category data, the most requests; name and id break ties."""
    worst = max((i18n.SEVERITY_RANK[f.severity] for f in r.findings), default=-1)
    return (r.organisation is None, -r.verdict.rank, -worst, not r.special_categories,
            -r.requests, flowmap.recipient_name(r).casefold(), r.id)


def split_tail(recipients: list[Recipient],
               above: int | None = None) -> tuple[list[Recipient], list[Recipient]]:
    """(printed in full, annex), each in the order of ``recipients``: everything is printed in
    full up to ``above`` (default :data:`ANNEX_ABOVE`) recipients; beyond, the ``above``
    first by :func:`prominence`."""
    above = ANNEX_ABOVE if above is None else above
    if len(recipients) <= above:
        return list(recipients), []
    ranked = sorted(range(len(recipients)), key=lambda i: prominence(recipients[i]))
    keep = set(ranked[:above])
    return ([r for i, r in enumerate(recipients) if i in keep],
            [r for i, r in enumerate(recipients) if i not in keep])


def _clean_line(text: str) -> str:
    """One line of annex text: control characters and line breaks become spaces."""
    return "".join(" " if ch < " " or ch == "\x7f" else ch for ch in flowmap.clean_text(text))


def _annex_row(r: Recipient, index: int, _: i18n.Translator, multi_input: bool) -> dict[str, Any]:
    """A recipient of the annex: what its line prints, and what the summary, the Art. 30
    overview and the attribution annex count (as in :func:`_recipient_view`)."""
    findings = sorted(r.findings, key=_finding_key)
    deciding = next((f for f in findings if f.verdict is not None),
                    findings[0] if findings else None)
    evidence = "—"
    if deciding is not None and deciding.evidence:
        per_input: dict[str, list[int]] = {}
        for e in deciding.evidence:
            per_input.setdefault(e.input, []).append(e.entry)
        evidence = "; ".join(
            (f"{inp} " if multi_input else "") + "#" + entry_ranges(entries, cap=3)
            for inp, entries in list(per_input.items())[:2])
        if len(per_input) > 2:
            evidence += "; …"
    cats = []
    for iri, (label, special) in flowmap.recipient_categories(r).items():
        text = _.category(iri, label)
        cats.append({"label": i18n.without_art9(text) if special else text,
                     "curie": i18n.category_curie(iri), "special": special})
    received = flowmap.received_countries(r)
    name = _clean_line(flowmap.recipient_name(r))
    rule = deciding.rule if deciding is not None else "—"
    if len(name) > ANNEX_NAME:  # the name on a line of its own, the columns below it
        name = f"{name}\n{'':<{ANNEX_NAME + 7}}"
    else:
        name = f"{name:<{ANNEX_NAME}}  "
    line = (f"{index:>5}  {name}{rule:<11} {', '.join(received) or '—':<12} "
            f"{r.requests:>8}  {evidence}")
    return {
        "index": index,
        "anchor": "annex",
        "name": flowmap.recipient_name(r),
        "identified": r.organisation is not None,
        "verdict": r.verdict.value,
        "verdict_label": _.verdict(r.verdict),
        "line": line,
        "categories": cats,
        "third_countries": [{"code": c, "name": _.country(c)}
                            for c in sorted(c for c in received if not _.eea(c))],
        **_attribution(r),
        "findings": findings,
    }


def _annex(rows: list[dict[str, Any]], shown: int, _: i18n.Translator) -> dict[str, Any] | None:
    """The annex: its rows grouped by verdict (most serious first), each group's lines cut
    into blocks of :data:`ANNEX_CHUNK`."""
    if not rows:
        return None
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["verdict"], []).append(row)
    head = (f"{'#':>5}  {_('annex_col_recipient'):<{ANNEX_NAME}}  {_('annex_col_rule'):<11} "
            f"{_('annex_col_countries'):<12} {_('annex_col_requests'):>8}  "
            f"{_('annex_col_evidence')}")
    out = []
    for word in sorted(groups, key=lambda w: -Verdict(w).rank):
        lines = [row["line"] for row in groups[word]]
        out.append({"verdict": word, "label": groups[word][0]["verdict_label"],
                    "count": len(lines),
                    "chunks": [lines[i:i + ANNEX_CHUNK] for i in range(0, len(lines),
                                                                       ANNEX_CHUNK)]})
    return {"total": shown + len(rows), "shown": shown, "n": len(rows), "head": head,
            "groups": out}


def _countries(recipients: list[Recipient], _: i18n.Translator,
               assessment: Assessment | None = None) -> list[dict[str, Any]]:
    """The summary's countries (issue 13: one truth per country): the same rows as the world
    map's table - each country where data are RECEIVED, with the most severe verdict of the
    transfers received there (not of the recipients' other transfers)."""
    if assessment is None:
        return []
    return sections.world_countries(assessment, _)


def _controlling(recipients: list[Recipient], _: i18n.Translator) -> list[dict[str, Any]]:
    """Countries the recipients are controlled from (ultimate parents), a separate heading:
    being controlled from a country is exposure to its law, not a transfer there."""
    seen: dict[str, list[str]] = {}
    for r in recipients:
        for code in flowmap.controlling_countries(r):
            seen.setdefault(code, []).append(flowmap.recipient_name(r))
    rows: list[dict[str, Any]] = [
        {"code": c, "name": _.country(c), "status": _.status(c), "third": not _.eea(c),
         "count": len(names), "recipients": names[:NAMES_CAP],
         "more": max(0, len(names) - NAMES_CAP)} for c, names in seen.items()]
    rows.sort(key=lambda c: (not c["third"], -c["count"], c["name"].casefold()))
    return rows


def _rule_groups(views: list[dict[str, Any]], annex: Iterable[dict[str, Any]] = (),
                 _: i18n.Translator | None = None) -> list[dict[str, Any]]:
    """Compact mode: findings grouped by rule, one row per recipient, most severe rule first.
    ``annex`` rows (issue 19) are counted per rule (``g["annex"]``), not listed."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    anchored: set[str] = set()
    for view in views:
        for f in view["findings"]:
            g = groups.setdefault(
                (f["rule"], f["title"]),
                {
                    "rule": f["rule"],
                    "title": f["title"],
                    "explanation": f["explanation"],
                    "example": view["name"],
                    "citations": f["citations"],
                    "rows": [],
                    "rank": -1,
                },
            )
            rank = i18n.SEVERITY_RANK.get(Severity(f["severity"]), 0)
            if rank > g["rank"]:
                g["rank"], g["severity"], g["severity_label"] = (
                    rank,
                    f["severity"],
                    f["severity_label"],
                )
            anchor = None
            if view["anchor"] not in anchored:
                anchor = view["anchor"]
                anchored.add(anchor)
            g["rows"].append({"recipient": view, "finding": f, "anchor": anchor})
    for row in annex:
        for f in row["findings"]:
            if (f.rule, f.title) not in groups:
                groups[(f.rule, f.title)] = {
                    "rule": f.rule, "title": f.title, "explanation": f.explanation,
                    "example": row["name"], "citations": _citation_views(f), "rows": [],
                    "rank": -1}
            g = groups[(f.rule, f.title)]
            g["annex"] = g.get("annex", 0) + 1
            rank = i18n.SEVERITY_RANK.get(f.severity, 0)
            if rank > g["rank"]:
                assert _ is not None
                g["rank"], g["severity"] = rank, f.severity.value
                g["severity_label"] = _.severity(f.severity)
    for g in groups.values():
        g.setdefault("annex", 0)
    out = sorted(groups.values(),
                 key=lambda g: (-g["rank"], -len(g["rows"]) - g["annex"], g["rule"]))
    for i, g in enumerate(out, 1):
        g["anchor"] = f"g{i}"
    return out


def _top_findings(views: list[dict[str, Any]], recipients: list[Recipient]) -> list[dict[str, Any]]:
    rows = []
    for view, r in zip(views, recipients, strict=True):
        for f in view["findings"]:
            rows.append(
                (
                    -i18n.SEVERITY_RANK[Severity(f["severity"])],
                    -r.verdict.rank,
                    not f["decides"],
                    view["name"].casefold(),
                    f["rule"],
                    {"recipient": view, "finding": f, "anchor": view["anchor"]},
                )
            )
    rows.sort(key=lambda row: row[:5])
    return [row[-1] for row in rows[:TOP_FINDINGS]]


def _map_views(assessment: Assessment, lang: str, paged: bool,
               shown: list[Recipient] | None = None,
               tail: list[Recipient] | None = None) -> list[dict[str, Any]]:
    """The flow map's pages: ``shown`` recipients one node each, the annex's (``tail``)
    grouped by verdict (issue 19)."""
    if not assessment.recipients:
        return []
    if paged:
        layouts = flowmap.flowmap_parts(assessment, lang, per_part=MAP_PER_PART,
                                        recipients=shown, grouped=tail or ())
    else:
        layouts = [flowmap.layout_flowmap(assessment, lang, recipients=shown,
                                          grouped=tail or ())]
    views = []
    for i, layout in enumerate(layouts, 1):
        width = MAP_PAGE_WIDTH_MM
        height = layout.height * width / layout.width
        if height > MAP_PAGE_HEIGHT_MM:  # shrink to the page height, keep the aspect ratio
            width *= MAP_PAGE_HEIGHT_MM / height
            height = MAP_PAGE_HEIGHT_MM
        labels: list[flowmap.Label] | None = [] if paged else None
        svg = flowmap.svg_from_layout(layout, edge_titles=not paged, labels=labels)
        views.append(
            {
                "svg": Markup(svg),
                "labels": [_map_label(t, width / layout.width) for t in labels or ()],
                "part": i18n.t(lang, "map_part", i=i, n=len(layouts)) if len(layouts) > 1 else None,
                "width_mm": f"{width:.1f}",
                "height_mm": f"{height:.1f}",
            }
        )
    return views


# DejaVu Sans: ascender 0.928 em, descender 0.236 em; with line-height 1 the baseline lies
# 0.928 - (1.164 - 1) / 2 = 0.846 em below the top of the line box.
_BASELINE_EM = 0.846


def _map_label(t: flowmap.Label, mm: float) -> dict[str, Any]:
    """Where a flow-map text goes over the printed drawing (``mm``: millimetres per map unit):
    a box as wide as the text, placed so that its baseline and anchor match the SVG text."""
    width = t.width * mm
    left = t.x * mm - {"middle": width / 2, "end": width}.get(t.anchor, 0.0)
    style = (f"left:{left:.2f}mm;top:{(t.y - _BASELINE_EM * t.size) * mm:.2f}mm;"
             f"width:{width:.2f}mm;font-size:{t.size * mm:.2f}mm;color:{t.colour}")
    if t.anchor in ("middle", "end"):
        style += ";text-align:" + ("center" if t.anchor == "middle" else "right")
    if t.bold:
        style += ";font-weight:bold"
    if t.italic:
        style += ";font-style:italic"
    return {"text": t.text, "style": style}


def _verdict_css() -> Markup:
    rules = []
    words = dict.fromkeys([*flowmap.VERDICT_COLOURS, *(v.value for v in Verdict)])
    for word in words:
        if not all(ch.isalnum() or ch == "-" for ch in word):
            continue
        colour = flowmap.verdict_colour(word)
        rules.append(f".v-{word}{{background-color:{colour};border-color:{colour}}}")
        rules.append(f".vt-{word}{{color:{colour}}}")
        rules.append(f".vb-{word}{{border-left-color:{colour}}}")
    for s, colour in SEVERITY_COLOURS.items():
        rules.append(f".s-{s.value}{{color:{colour};border-color:{colour}}}")
        rules.append(f".sb-{s.value}{{border-left-color:{colour}}}")
    return Markup("\n".join(rules))


def _ipdb_date(assessment: Assessment, lang: str) -> str | None:
    """The IP data's date as a date of ``lang`` (English keeps ISO, as ``gdprmap kb status``)."""
    value = getattr(assessment.knowledge, "ipdb_date", None)
    return catalogs.date(value, lang, "date_text") if value else None


def build_context(assessment: Assessment, lang: str, *, paged: bool = False) -> dict[str, Any]:
    """Everything the template prints, computed from the assessment alone."""
    _ = i18n.Translator(lang, assessment.as_of)
    everyone = flowmap.sort_recipients(assessment.recipients)
    recipients, tail = split_tail(everyone)  # issue 19: the long tail goes to the annex
    compact = len(everyone) > COMPACT_ABOVE
    names = {r.id: flowmap.recipient_name(r) for r in everyone}
    book = sections.ExhibitBook(
        sections.EXHIBITS_CAP_COMPACT if compact else sections.EXHIBITS_CAP)
    registers = sections.declared_registers(assessment)
    views = [_recipient_view(r, i, _, names, book, compact, registers)
             for i, r in enumerate(recipients, 1)]
    _refer_repeated_text(views, _known_citations(assessment))
    multi_input = len(assessment.inputs) > 1
    annex_rows = [_annex_row(r, i, _, multi_input)
                  for i, r in enumerate(tail, len(recipients) + 1)]
    annex = _annex(annex_rows, len(views), _)
    facts = sections.ip_facts(assessment.recipients)
    exhibits = [sections.exhibit_view(x, facts, _) for x in book.exhibits()]
    counts = assessment.counts()
    generator = f"{assessment.generator.name} {assessment.generator.version}"
    special = [
        {"recipient": v, "categories": [c for c in v["categories"] if c["special"]]}
        for v in views
        if any(c["special"] for c in v["categories"])
    ]
    by_category: dict[str, dict[str, Any]] = {}
    for item in special:
        for c in item["categories"]:
            entry = by_category.setdefault(
                c["curie"], {"label": c["label"], "curie": c["curie"], "recipients": [],
                             "more": 0, "annex": 0}
            )
            if len(entry["recipients"]) < NAMES_CAP:
                entry["recipients"].append(item["recipient"])
            else:
                entry["more"] += 1
    for row in annex_rows:  # counted, named in the annex
        for c in row["categories"]:
            if c["special"]:
                by_category.setdefault(
                    c["curie"], {"label": c["label"], "curie": c["curie"], "recipients": [],
                                 "more": 0, "annex": 0})["annex"] += 1
    for entry in by_category.values():
        entry["total"] = len(entry["recipients"]) + entry["more"] + entry["annex"]
    basis = {"capture": _("basis_capture"), "option": _("basis_option")}.get(
        assessment.as_of_basis, assessment.as_of_basis
    )
    inputs = [
        {
            "path": c.path,
            "format": c.format,
            "producer": c.producer,
            "entries": c.entries,
            "first_seen": _.datetime(c.first_seen) if c.first_seen else None,
            "last_seen": _.datetime(c.last_seen) if c.last_seen else None,
            "sha256": c.sha256,
            "pages": list(c.pages[:5]),
            "pages_more": max(0, len(c.pages) - 5),
            "files": [
                {"path": f.path, "sha256": f.sha256} for f in getattr(c, "files", ())[:FILES_CAP]
            ],
            "files_more": max(0, len(getattr(c, "files", ())) - FILES_CAP),
        }
        for c in assessment.inputs
    ]
    return {
        "_": _,
        "lang": lang,
        "title": _("title"),
        "short_title": _("short_title"),
        "generator": generator,
        "footer": _("footer", generator=generator, date=_.date(assessment.as_of)),
        "as_of": _.date(assessment.as_of),
        "as_of_iso": assessment.as_of.isoformat(),
        "as_of_basis": basis,
        "controller": assessment.controller,
        "first_party": list(assessment.first_party_domains),
        "scenario": assessment.scenario,
        "doctrine": assessment.doctrine,
        "schema_version": assessment.schema_version,
        "inputs": inputs,
        "verdicts": [
            {"word": v.value, "label": _.verdict(v), "meaning": _.meaning(v), "count": counts[v]}
            for v in Verdict
        ],
        "total": len(assessment.recipients),
        "recipients": views,
        "annex": annex,
        "special": special,
        "special_by_category": list(by_category.values()),
        "countries": _countries(everyone, _, assessment),
        "controlling_countries": _controlling(everyone, _),
        "top_findings": _top_findings(views, recipients),
        "maps": _map_views(assessment, lang, paged, recipients, tail),
        "paged": paged,
        "compact": compact,
        "rule_groups": _rule_groups(views, annex_rows, _) if compact else [],
        "knowledge": assessment.knowledge,
        "rules": list(assessment.knowledge.rules),
        "command": shlex.join(assessment.command) if assessment.command else None,
        "browser_traffic": list(assessment.browser_traffic),
        "local_traffic": list(assessment.local_traffic),
        "not_sent": list(assessment.not_sent),
        "hosts_not_sent": len(assessment.hosts_not_sent()),
        "skipped": list(assessment.skipped[:SKIPPED_CAP]),
        "skipped_total": len(assessment.skipped),
        "skipped_more": max(0, len(assessment.skipped) - SKIPPED_CAP),
        "verdict_css": _verdict_css(),
        "secrets_kept": bool(getattr(assessment, "secrets_kept", False)),
        "controller_info": sections.controller_view(assessment, _),
        "observed": sections.observed_view(assessment, _),
        "art30": sections.art30_view(assessment, [*views, *annex_rows], _),
        "exhibits": exhibits,
        "exhibit_servers": sections.exhibit_servers(exhibits),
        "multi_input": multi_input,
        "world_countries": sections.world_countries(assessment, _),
        "exhibits_more": book.overflow,
        "legal": sections.legal_appendix(assessment, lang),
        "cloaked_views": [v for v in (*views, *annex_rows) if v["cloaked"]],  # issue 15 annex
        "probable_views": [v for v in (*views, *annex_rows) if v["probable"]],
        "data_status": sections.data_status(assessment, lang),
        "ipdb_date": _ipdb_date(assessment, lang),
        "worldmap": Markup(worldmap.render_worldmap_svg(assessment, lang, paged=paged))
        if assessment.recipients else None,
        "worldmap_legend": worldmap.legend(assessment, lang)
        if assessment.recipients and paged else None,
        "attachments": [],
        "consent": consent_view.consent_view(assessment, lang, names),  # issue #16
        "legend": [
            {
                "word": v.value,
                "label": _.verdict(v),
                "colour": flowmap.verdict_colour(v),
                "dash": flowmap.verdict_dash(v),
            }
            for v in Verdict
        ],
    }
