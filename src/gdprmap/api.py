"""The library façade: every CLI command is one call here. No printing, no exiting."""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .arguments import several
from .assess import Options
from .assess import analyze as _analyze
from .models import Assessment, Flow
from .rules.engine import Rule

if TYPE_CHECKING:
    from .compare import Comparison
    from .diff import AssessmentDiff
    from .enrich.dpf import Download
    from .query import QueryResult
    from .register import Register

PathLike = str | os.PathLike[str]
log = logging.getLogger(__name__)



def analyze(
    *captures: PathLike | BinaryIO,
    as_of: dt.date | str | None = None,
    scenario: str | None = None,
    lang: str = "en",
    controller: str | None = None,
    first_party: str | Iterable[str] = (),
    kb_override: PathLike | Iterable[PathLike] = (),
    command: tuple[str, ...] = (),
    scenario_file: PathLike | None = None,
    doctrine: str = "exposure-is-risk",
    keep_secrets: bool = False,
    skip_bad_entries: bool = False,
    online: bool = False,
    online_options: object = None,
    registration_source: object = None,
    ip_data: bool = True,
    ip_source: object = None,
    health_context: bool = False,
    cname_source: object = None,
    register: PathLike | Register | None = None,
    evidence: PathLike | None = None,
    dpf_list: PathLike | None = None,
    input_names: Mapping[PathLike, str] | None = None,
) -> Assessment:
    """Assess one or more captures. ``as_of`` defaults to the first observation's date.

    ``register`` is the controller's declared processing register (a YAML/JSON file or a
    ``gdprmap.register.Register``); it is validated here and handed to the pipeline
    (``Options.register``/``register_paths``). Use ``compare`` to set it against the traffic.

    ``skip_bad_entries`` lists broken entries of otherwise sound captures in
    ``Assessment.skipped`` instead of failing; ``keep_secrets`` (local debugging only) keeps
    raw values and sets ``Assessment.secrets_kept``.

    ``online`` (off by default, so runs are reproducible and private) looks up the registrants
    of domains the knowledge base does not know, over RDAP then WHOIS, with a disk cache, a
    timeout, a run budget and per-server rate limits (``online_options``: an
    ``gdprmap.enrich.online.OnlineOptions``; its ``cache_dir`` overrides the cache folder).
    ``registration_source``/``ip_source`` inject fakes such as ``gdprmap.testing.StaticWhois``
    and ``StaticAsn``. ``ip_data`` (on, offline) adds ASN and country facts for server IPs.
    ``online`` also asks DNS for the CNAME chains of the site's own hosts (cloaked trackers,
    ``OnlineOptions.dns_server``); ``cname_source`` injects a fake (``StaticCnames``).

    ``evidence`` names a JSON Lines file that receives every request's evidence (one line per
    request: input, entry, time, method, host, redacted URL, server address and each data item
    with its field and redacted excerpt); the assessment keeps a bounded sample of it.

    ``health_context`` declares the captured site a health service (GDPR Recital 35): every
    flow from its pages carries health data, whatever its URL says. Sites the knowledge base
    records as health services (``health_service = true``) get this without the option.

    ``dpf_list`` is a Data Privacy Framework List file (the official
    ``DataPrivacyFrameworkParticipantsList.xlsx`` or a JSON export; see ``fetch_dpf_list``):
    US entities' DPF statuses come from it instead of the bundled records, judged as of the
    as-of date (``gdprmap.enrich.dpf``).

    A capture may also be a binary stream such as ``sys.stdin.buffer`` (the command line's
    ``-``): it is copied to a temporary file, read like any capture and named by its ``name``
    (``<stdin>``) in the report. ``input_names`` gives other inputs the name the report shows
    instead of their path (``batch`` uses it so that no absolute path, with a user's name in
    it, reaches a report).

    >>> a = analyze("examples/health-booking/capture.har")  # doctest: +SKIP
    >>> a.counts()                                          # doctest: +SKIP
    """
    if isinstance(as_of, str):
        from .errors import UsageError

        try:
            as_of = dt.date.fromisoformat(as_of)
        except ValueError as e:
            raise UsageError(f"as-of date {as_of!r} is not YYYY-MM-DD") from e
    options = Options(as_of=as_of, scenario=scenario, lang=lang, controller=controller,
                      first_party=several(first_party),
                      kb_overrides=tuple(Path(p) for p in several(kb_override)),
                      command=tuple(command),
                      scenario_file=Path(scenario_file) if scenario_file else None,
                      doctrine=doctrine,
                      keep_secrets=keep_secrets, skip_bad_entries=skip_bad_entries,
                      online=online, online_options=online_options,
                      registration_source=registration_source, ip_data=ip_data,
                      ip_source=ip_source, health_context=health_context,
                      evidence_path=Path(evidence) if evidence else None,
                      cname_source=cname_source,
                      dpf_list=Path(dpf_list) if dpf_list else None,
                      **_register_options(register))
    started = time.perf_counter()
    log.info("assessing %d capture(s) as of %s", len(captures), as_of or "the capture date")
    with _files(captures, input_names or {}) as (paths, names):
        assessment = _analyze(paths, replace(options, input_names=names))
    log.info("assessed in %.2f s: %d recipients, worst verdict %s",
             time.perf_counter() - started, len(assessment.recipients), assessment.worst())
    return assessment


@contextmanager
def _files(captures: Iterable[PathLike | BinaryIO], given: Mapping[PathLike, str],
           ) -> Iterator[tuple[list[Path], dict[Path, str]]]:
    """Paths for ``captures``: streams are spooled to a temporary folder that lives as long
    as the assessment, and keep their own name (``<stdin>``) for the report."""
    from .importers.base import spool

    with ExitStack() as stack:
        tmp: Path | None = None  # made only when there is a stream (not for every analysis)
        paths: list[Path] = []
        names: dict[Path, str] = {Path(k): v for k, v in given.items()}
        for capture in captures:
            if not isinstance(capture, (str, os.PathLike)):  # a binary stream
                if tmp is None:
                    tmp = Path(stack.enter_context(
                        tempfile.TemporaryDirectory(prefix="gdprmap-stdin-")))
                name = getattr(capture, "name", None)
                display = name if isinstance(name, str) else "<stream>"
                path = spool(capture, tmp, display)
                names[path] = display
                paths.append(path)
            else:
                paths.append(Path(capture))
        yield paths, names


def _register_options(register: PathLike | Register | None) -> dict[str, Any]:
    from .register import Register

    if register is None:
        return {}
    if isinstance(register, Register):
        return {"register": register}
    from .importers.register import load_register

    return {"register": load_register(Path(register), str(register)),
            "register_paths": (Path(register),)}


def load(*captures: PathLike, keep_secrets: bool = False,
         skip_bad_entries: bool = False) -> Iterator[Flow]:
    """The redacted flows of captures, streamed, without any assessment."""
    from .importers import ImportOptions, open_capture

    options = ImportOptions(keep_secrets=keep_secrets, skip_bad_entries=skip_bad_entries)
    for capture in captures:
        yield from open_capture(Path(capture), str(capture), options)


def register_schema() -> str:
    """The published JSON Schema of the declared processing register."""
    from importlib.resources import files

    return files("gdprmap").joinpath("schemas/register.schema.json").read_text(encoding="utf-8")


def list_rules() -> list[Rule]:
    """The transfer rules in evaluation order."""
    from .rules.engine import load_ruleset

    return list(load_ruleset().rules)


def get_rule(rule_id: str) -> Rule:
    from .errors import UsageError

    for rule in list_rules():
        if rule.id == rule_id.upper():
            return rule
    raise UsageError(f"no rule {rule_id!r} (see `gdprmap rules`)")


def knowledge_status(kb_override: PathLike | Iterable[PathLike] = (),
                     dpf_list: PathLike | None = None) -> dict[str, str]:
    """Dates, sizes and hashes of the bundled legal and organisation data, and of the DPF List
    file given (``dpf_list``): its date, SHA-256 and how many US entities it matched."""
    from .status import knowledge_status as _status

    return _status(tuple(Path(p) for p in several(kb_override)),
                   Path(dpf_list) if dpf_list else None)


def fetch_dpf_list(output: PathLike, *, url: str | None = None, timeout: float = 60.0,
                   max_bytes: int | None = None) -> Download:
    """Download the current DPF List workbook into ``output`` (written only when the answer
    reads as a List); returns a ``gdprmap.enrich.dpf.Download`` (path, bytes, sha256, list).
    Offline, on a timeout, an HTTP error or an oversized answer: ``InputError`` naming the URL.

    >>> d = fetch_dpf_list("dpf.xlsx")      # doctest: +SKIP
    >>> a = analyze("capture.har", dpf_list=d.path)   # doctest: +SKIP
    """
    from .enrich import dpf

    return dpf.fetch_dpf_list(Path(output), url=url or dpf.DOWNLOAD_URL, timeout=timeout,
                              max_bytes=max_bytes or dpf.MAX_DOWNLOAD)


# --- issue #8: programmatic use: saved assessments, queries, comparisons, exports -----------

ASSESSMENT_SNIFF_BYTES = 4096


def is_saved_assessment(path: PathLike) -> bool:
    """Whether ``path`` is a JSON assessment (``gdprmap report -o x.json``), not a capture."""
    p = Path(path)
    if not p.is_file():
        return False
    try:
        with p.open("rb") as fh:
            head = fh.read(ASSESSMENT_SNIFF_BYTES).removeprefix(b"\xef\xbb\xbf").lstrip()
    except OSError:
        return False
    return head.startswith(b"{") and b'"schema_version"' in head and b'"generator"' in head


def load_assessment(path: PathLike) -> Assessment:
    """Read a saved JSON assessment; its ``graph`` is rebuilt from the recipients.

    >>> a = load_assessment("report.json")   # doctest: +SKIP
    """
    from pydantic import ValidationError

    from .errors import InputError

    p = Path(path)
    try:
        text = p.read_bytes()
    except OSError as e:
        raise InputError(str(path), f"cannot read: {e.strerror or e}") from e
    try:
        return Assessment.from_json(text)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "assessment"
        raise InputError(str(path), f"not a gdprmap JSON assessment: {first['msg']}",
                         field=where) from e


def open_assessment(*inputs: PathLike | BinaryIO, **options: Any) -> Assessment:
    """A saved JSON assessment (one file), or the assessment of captures (``analyze`` with
    ``options``; a stream such as ``sys.stdin.buffer`` is a capture). Mixing a saved
    assessment with captures is a ``UsageError``."""
    from .errors import UsageError

    saved = [i for i in inputs if isinstance(i, (str, os.PathLike)) and is_saved_assessment(i)]
    if not saved:
        return analyze(*inputs, **options)
    if len(inputs) > 1:
        raise UsageError("give either one saved JSON assessment or captures, not both "
                         f"({', '.join(str(s) for s in saved)} is a saved assessment)")
    assessment = load_assessment(saved[0])
    # A saved assessment is not re-assessed: an analysis option would silently not apply.
    same = {"doctrine": assessment.doctrine, "lang": assessment.language}
    ignored = sorted(k for k, v in options.items()
                     if v not in (None, (), [], False) and same.get(k, object()) != v)
    if ignored:
        names = ", ".join("--" + k.replace("_", "-") for k in ignored)
        raise UsageError(f"{saved[0]}: a saved assessment is not assessed again, so {names} "
                         "cannot apply to it; give the captures instead")
    return assessment


def run_query(assessment: Assessment, sparql: str) -> QueryResult:
    """Run a SPARQL query over ``assessment.to_rdf()`` (prefixes gm:, dpv:, pd:, loc: … bound).

    >>> r = run_query(a, "SELECT ?name WHERE { ?r dpv:hasPersonalData pd:Health ; "
    ...                  "rdfs:label ?name }")  # doctest: +SKIP
    """
    from .query import run_query as _run

    return _run(assessment, sparql)


def compare_captures(register: PathLike | Register, *captures: PathLike,
                     **options: Any) -> Comparison:
    """Set a declared processing register against the observed traffic of ``captures``
    (assessed with ``options``, as ``analyze``) - or against a saved JSON assessment.

    >>> c = compare_captures("register.yaml", "capture.har")   # doctest: +SKIP
    >>> [r.id for r in c.undeclared]                  # doctest: +SKIP
    """
    from .compare import compare_register
    from .enrich.kb import KnowledgeBase
    from .errors import UsageError
    from .importers.register import load_register
    from .register import Register as RegisterModel

    if not captures:
        raise UsageError("compare needs a register and at least one capture")
    model = register if isinstance(register, RegisterModel) else load_register(
        Path(register), str(register))
    if any(is_saved_assessment(c) for c in captures):
        assessment = open_assessment(*captures)
    else:
        assessment = analyze(*captures, register=model, **options)
    kb = KnowledgeBase.load(tuple(Path(p) for p in several(options.get("kb_override"))))
    return compare_register(model, assessment, kb)


def diff_assessments(old: Assessment, new: Assessment) -> AssessmentDiff:
    """What changed from ``old`` to ``new``: recipients, verdicts, data categories.

    >>> d = diff_assessments(analyze("monday.har"), analyze("tuesday.har"))  # doctest: +SKIP
    >>> d.new_unlawful()                                                     # doctest: +SKIP
    """
    from .diff import diff_assessments as _diff

    return _diff(old, new)


EXPORT_FORMATS = (".graphml", ".ttl", ".jsonld", ".json")


def export_assessment(assessment: Assessment, output: PathLike) -> Path:
    """Write ``assessment`` to ``output`` in the format its extension names (``.graphml``,
    ``.ttl``, ``.jsonld``, ``.json``); atomic and byte-identical for the same assessment."""
    from .errors import UsageError
    from .reports import renderer_for

    path = Path(output)
    if path.suffix.lower() not in EXPORT_FORMATS:
        raise UsageError(f"{path}: unknown export format {path.suffix or '(none)'!r} "
                         f"(known: {', '.join(EXPORT_FORMATS)})")
    renderer_for(path)(assessment, path)
    return path
