"""Assess many sites in one run: one capture per site, one report per site, a cross-site summary.

    result = gdprmap.batch(["captures/"], "out/", formats=("json",), jobs=4)
    result.failed        # [SiteResult(site=..., error="captures/x.har: not valid JSON: ...")]

Inputs are folders (every ``*.har``, ``*.zhar``, ``*.har.gz``, ``*.harp`` file and every WEC/Blacklight
output folder inside, not recursive), globs (``"captures/**/*.har"``), list files (``*.txt``,
``*.lst``, ``*.list``: one path or glob per line, ``#`` comments, relative to the list) or
capture paths. Each capture is one site, named after its file (``shop.example.har`` ->
``shop.example``; a clash gets the parent folder's name in front).

Layout of ``outdir``::

    sites/<site>.json [.pdf .html]   one assessment per site (the formats asked)
    sites/<site>.manifest.json       written last: input sha256, options, summary of the site
    summary.json                     every site: status, verdict counts, recipients and data
    summary.csv                      one row per (site, recipient): who receives what, verdict
    sites.csv, recipients.csv        verdict counts per site / per recipient across sites
    failures.csv                     site, input, one-line error (only when some failed)

Resumable: a site whose manifest records the same input sha256 and the same options, and
whose outputs all exist, is skipped (its summary is read back from the manifest); a changed
capture or changed options redo it. A failing capture is recorded (summary and
``failures.csv``) and never stops the batch.

Executors: ``"process"`` (``concurrent.futures.ProcessPoolExecutor`` with ``jobs`` workers;
``jobs=1`` runs in this process), ``"dask"`` (``dask.distributed``: ``scheduler`` is the
address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``, or a ``distributed.Client``;
workers need gdprmap installed and ``outdir`` and the inputs on a shared file system).
Each task carries only paths and options; each worker reads its capture, writes its reports
and manifest, and returns a small summary, so nothing large crosses the network.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .arguments import several
from .errors import GdprmapError, UsageError
from .resources import AtomicFile
from .limits import outside

log = logging.getLogger(__name__)

FORMATS = ("json", "pdf", "html")
EXECUTORS = ("process", "dask")
LIST_SUFFIXES = (".txt", ".lst", ".list")
CAPTURE_SUFFIXES = (".har", ".zhar", ".har.gz", ".harp")
# analyze() keywords that make sense for every site of a batch (not: controller, first_party)
ANALYZE_OPTIONS = frozenset({"as_of", "scenario", "scenario_file", "lang", "doctrine",
                             "kb_override", "skip_bad_entries", "health_context", "ip_data",
                             "dpf_list"})
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class SiteTask:
    """What one worker needs: paths and options only (small, picklable)."""

    site: str
    input: str
    input_sha256: str
    outdir: str
    formats: tuple[str, ...]
    options: dict[str, Any]
    options_key: str
    path: str = ""  # the file to read, when ``input`` (the name shown) is not its path


@dataclass
class SiteResult:
    site: str
    input: str
    status: str  # "done" | "skipped" (finished by an earlier run) | "failed"
    sha256: str = ""
    error: str | None = None
    seconds: float = 0.0
    outputs: list[str] = field(default_factory=list)
    as_of: str | None = None
    counts: dict[str, int] = field(default_factory=dict)  # verdict -> recipients
    recipients: list[dict[str, Any]] = field(default_factory=list)
    # issue 19: how many recipients; ``recipients`` is emptied once written to the summary
    recipient_count: int = 0

    def worst(self) -> str | None:
        from .models import Verdict

        present = [Verdict(v) for v, n in self.counts.items() if n]
        return str(max(present, key=lambda v: v.rank)) if present else None


@dataclass
class BatchResult:
    outdir: Path
    sites: list[SiteResult]
    seconds: float = 0.0

    @property
    def failed(self) -> list[SiteResult]:
        return [s for s in self.sites if s.status == "failed"]

    @property
    def done(self) -> list[SiteResult]:
        return [s for s in self.sites if s.status == "done"]

    @property
    def skipped(self) -> list[SiteResult]:
        return [s for s in self.sites if s.status == "skipped"]

    def worst(self) -> str | None:
        """The most serious verdict of any recipient of any site."""
        from .models import Verdict

        verdicts = [Verdict(w) for s in self.sites if (w := s.worst())]
        return str(max(verdicts, key=lambda v: v.rank)) if verdicts else None


# --- inputs -------------------------------------------------------------------------------

def expand_inputs(inputs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The captures named by folders, globs, list files and paths, in order, without repeats."""
    out: list[Path] = []
    for raw in inputs:
        # relative to the current folder and written so: reports name inputs as given, never
        # as absolute paths that carry the user's name (issue #17)
        out += _expand(str(raw), Path("."), depth=0)
    seen: set[Path] = set()
    unique = []
    for p in out:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    if not unique:
        raise UsageError("no capture found in the batch inputs")
    return unique


def shown_input(path: Path) -> str:
    """How reports, summaries and manifests name an input: as given when relative; an absolute
    path (which may carry a user's name) is cut to its folder and file name (issue #17)."""
    if not path.is_absolute():
        return str(path)
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def _expand(raw: str, base: Path, depth: int) -> list[Path]:
    if depth > 5:
        raise UsageError(f"{raw}: list files nest too deeply")
    path = Path(raw) if Path(raw).is_absolute() else base / raw
    if glob.has_magic(raw):
        matches = sorted(glob.glob(str(path), recursive=True))
        if not matches:
            raise UsageError(f"{raw}: no file matches this pattern")
        return [Path(m) for m in matches if _is_capture(Path(m))]
    if path.is_dir():
        if _is_wec_folder(path):
            return [path]
        # symbolic links are followed only when they stay inside the folder (issue #17)
        found = sorted(p for p in path.iterdir() if not p.name.startswith(".")
                       and not outside(path, p)
                       and (p.is_file() and p.name.lower().endswith(CAPTURE_SUFFIXES)
                            or p.is_dir() and _is_wec_folder(p)))
        if not found:
            raise UsageError(f"{raw}: no capture (*.har, *.zhar, *.har.gz, *.harp or WEC folder) "
                             "in this folder")
        return found
    if not path.exists():
        raise UsageError(f"{raw}: no such file or folder")
    if path.suffix.lower() in LIST_SUFFIXES:
        out: list[Path] = []
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            raise UsageError(f"{raw}: cannot read this list as UTF-8 text "
                             f"({type(e).__name__})") from e
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                out += _expand(line, path.parent, depth + 1)
        return out
    return [path]


def _is_capture(path: Path) -> bool:
    return path.is_file() or path.is_dir() and _is_wec_folder(path)


def _is_wec_folder(path: Path) -> bool:
    return (path / "inspection.json").is_file() or (path / "requests.har").is_file()


def site_names(paths: list[Path]) -> list[str]:
    """A file-system-safe, unique name per capture, from its file name."""

    def stem(p: Path) -> str:
        name = p.name
        for suffix in (".har.gz", ".zhar", ".harp", ".har", ".gz", ".json", ".csv"):
            if name.lower().endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                break
        return _safe(name)

    names = [stem(p) for p in paths]
    counts: dict[str, int] = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    out, used = [], set()
    for p, n in zip(paths, names):
        if counts[n] > 1:
            n = f"{_safe(p.resolve().parent.name)}_{n}"
        base, k = n, 2
        while n in used:
            n, k = f"{base}-{k}", k + 1
        used.add(n)
        out.append(n)
    return out


def _safe(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "._-" else "_" for c in name).strip(".")
    # at most 120 bytes in UTF-8: the outputs' names add a suffix, and file names are limited
    # to 255 bytes (80 CJK characters are 240; issue #17)
    while len(cleaned.encode("utf-8")) > 120:
        cleaned = cleaned[:-1]
    return cleaned or "site"


def input_sha256(path: Path) -> str:
    """The SHA-256 of a capture file, or of a folder's files (relative names and contents)."""
    sha = hashlib.sha256()
    if path.is_dir():
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            sha.update(f.relative_to(path).as_posix().encode() + b"\0")
            _hash_file(f, sha)
    else:
        _hash_file(path, sha)
    return sha.hexdigest()


def _hash_file(path: Path, sha: Any) -> None:
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            sha.update(chunk)


# --- one site (runs in a worker) ----------------------------------------------------------

def run_site(task: SiteTask) -> SiteResult:
    """Assess one capture, write its reports and then its manifest. Never raises: a failure is
    returned as ``status="failed"`` with a one-line error."""
    started = time.perf_counter()
    result = SiteResult(site=task.site, input=task.input, status="done", sha256=task.input_sha256)
    try:
        from .api import analyze
        from .reports import renderer_for

        sites = Path(task.outdir) / "sites"
        # A re-run first takes away the earlier manifest and outputs: if it fails, nothing of
        # the earlier run looks current, and no JSON stays without its PDF (issue #17). The
        # new outputs are written under temporary names and put in place together.
        _manifest_path(Path(task.outdir), task.site).unlink(missing_ok=True)
        for fmt in FORMATS:
            (sites / f"{task.site}.{fmt}").unlink(missing_ok=True)
        # and what a worker killed while writing this site left (its temporary files)
        for pattern in (f".{task.site}.partial.*", f"..{task.site}.partial.*"):
            for leftover in sites.glob(pattern):
                leftover.unlink(missing_ok=True)
        assessment = analyze(task.path or task.input, command=("gdprmap", "batch", task.input),
                             input_names={task.path: task.input} if task.path else None,
                             **task.options)
        partial = []
        try:
            for fmt in task.formats:
                tmp = sites / f".{task.site}.partial.{fmt}"
                renderer_for(tmp)(assessment, tmp)
                partial.append(tmp)
            for fmt, tmp in zip(task.formats, partial):
                os.replace(tmp, sites / f"{task.site}.{fmt}")
                result.outputs.append(f"{task.site}.{fmt}")
        finally:
            for tmp in partial:
                tmp.unlink(missing_ok=True)
        result.as_of = str(assessment.as_of)
        result.counts = {str(v): n for v, n in assessment.counts().items()}
        result.recipients = [_recipient_row(r) for r in assessment.recipients]
        result.recipient_count = len(result.recipients)
    except GdprmapError as e:
        result.status, result.error = "failed", _one_line(str(e))
    except Exception as e:  # noqa: BLE001 - a bug or a broken capture: never stop the batch
        result.status = "failed"
        from .importers.base import short  # quotes nothing of the input (issue #17)

        result.error = _one_line(f"internal error: {type(e).__name__}: {short(e)}")
    result.seconds = round(time.perf_counter() - started, 3)
    if result.status == "done":
        _write_manifest(task, result)
    return result


def _recipient_row(r: Any) -> dict[str, Any]:
    org = r.organisation
    return {"recipient": r.id, "organisation": org.name if org else None,
            "country": org.country if org else None,
            "parent_country": org.parent_country if org else None,
            "verdict": str(r.verdict), "requests": r.requests,
            "data_categories": list(r.data_categories),
            "special_categories": list(r.special_categories)}


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line[:500]


def _manifest_path(outdir: Path, site: str) -> Path:
    return outdir / "sites" / f"{site}.manifest.json"


def _write_manifest(task: SiteTask, result: SiteResult) -> None:
    data = {"manifest_version": MANIFEST_VERSION, "generator": __version__,
            "site": task.site, "input": task.input, "sha256": task.input_sha256,
            "options": task.options_key, "formats": list(task.formats),
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "result": asdict(result)}
    _atomic_write(_manifest_path(Path(task.outdir), task.site), json.dumps(data, indent=1))


def _atomic_write(path: Path, text: str) -> None:
    with AtomicFile(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def finished(task: SiteTask) -> SiteResult | None:
    """The earlier result of a site, if its manifest matches this input and these options and
    every output it lists still exists."""
    outdir = Path(task.outdir)
    try:
        data = json.loads(_manifest_path(outdir, task.site).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (not isinstance(data, dict) or data.get("manifest_version") != MANIFEST_VERSION
            or data.get("sha256") != task.input_sha256 or data.get("options") != task.options_key
            or not set(task.formats) <= set(data.get("formats", ()))):
        return None
    if not all((outdir / "sites" / f"{task.site}.{fmt}").is_file() for fmt in task.formats):
        return None
    try:
        result = SiteResult(**data["result"])
        result.recipient_count = result.recipient_count or len(result.recipients)
    except (KeyError, TypeError):
        return None
    result.status, result.input = "skipped", task.input
    return result


# --- the batch ----------------------------------------------------------------------------

def batch(inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
          outdir: str | os.PathLike[str], *, formats: str | Iterable[str] = ("json",), jobs: int = 1, executor: str = "process",
          scheduler: Any = None, force: bool = False,
          progress: Callable[[SiteResult, int], None] | None = None,
          **analyze_options: Any) -> BatchResult:
    """Assess every capture of ``inputs`` as one site and write ``outdir`` (see the module
    docstring). ``analyze_options`` are ``analyze()`` keywords applied to every site (as_of,
    scenario, scenario_file, lang, doctrine, kb_override, skip_bad_entries, health_context).
    ``progress(site_result, total)`` is called once per site as it finishes (skipped and
    failed ones included; ``total`` is the number of sites). ``force``
    redoes finished sites."""
    started = time.perf_counter()
    inputs = several(inputs)
    formats = tuple(dict.fromkeys(f.strip().lower() for f in several(formats) if f.strip()))
    if not formats or (bad := [f for f in formats if f not in FORMATS]):
        raise UsageError(f"unknown batch format(s) {', '.join(bad) if formats else '(none)'} "
                         f"(known: {', '.join(FORMATS)})")
    if executor not in EXECUTORS:
        raise UsageError(f"unknown executor {executor!r} (known: {', '.join(EXECUTORS)})")
    if executor == "dask" and scheduler is None:
        raise UsageError("--executor dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
    if executor != "dask" and scheduler is not None:
        raise UsageError("--scheduler is only for --executor dask")
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1 (got {jobs})")
    if unknown := sorted(set(analyze_options) - ANALYZE_OPTIONS):
        raise UsageError(f"option(s) not available in a batch: {', '.join(unknown)} "
                         f"(available: {', '.join(sorted(ANALYZE_OPTIONS))})")
    options = _normalise_options(analyze_options)
    paths = expand_inputs(inputs)
    out = Path(outdir)
    try:
        (out / "sites").mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"{out}: cannot create the output folder: {e.strerror or e}") from e
    options_key = hashlib.sha256(json.dumps(
        {"options": options, "version": __version__}, sort_keys=True).encode()).hexdigest()[:16]

    results: dict[str, SiteResult] = {}
    total = len(paths)
    todo: list[SiteTask] = []
    order = site_names(paths)
    summary = SummaryWriter(out, order)

    def record(site_result: SiteResult) -> None:
        # issue 19: the site's rows go to the summary files now and leave memory
        summary.add(site_result)
        results[site_result.site] = site_result
        log.info("batch: %s %s (%d/%d)", site_result.site, site_result.status,
                 len(results), total)
        if progress:
            progress(site_result, total)

    try:
        for path, site in zip(paths, order):
            try:
                sha = input_sha256(path)
            except OSError as e:
                record(SiteResult(site, shown_input(path), "failed",
                                  error=_one_line(f"{shown_input(path)}: cannot read: "
                                                  f"{e.strerror or e}")))
                continue
            task = SiteTask(site, shown_input(path), sha, str(out), formats, options,
                            options_key, path=str(path))
            earlier = None if force else finished(task)
            if earlier is not None:
                record(earlier)
            else:
                todo.append(task)

        run = _run_dask if executor == "dask" else _run_processes
        log.info("batch: %d site(s), %d to assess, %d already done", total, len(todo),
                 total - len(todo))
        for site_result in run(todo, jobs, scheduler):
            record(site_result)

        ordered = [results[s] for s in order if s in results]
        batch_result = BatchResult(out, ordered, round(time.perf_counter() - started, 3))
        summary.finish(batch_result, options)
    finally:
        summary.close()
    return batch_result


def _normalise_options(options: dict[str, Any]) -> dict[str, Any]:
    """JSON-able analyze() keywords (dates and paths as strings), for tasks and the key."""
    out: dict[str, Any] = {}
    for key, value in sorted(options.items()):
        if value is None or value == () or value is False and key != "ip_data":
            continue
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, os.PathLike):
            value = str(value)
        elif isinstance(value, (tuple, list)):
            value = [str(v) for v in value]
        out[key] = value
    return out


def _run_processes(tasks: list[SiteTask], jobs: int, _scheduler: Any) -> Iterator[SiteResult]:
    if jobs == 1 or len(tasks) <= 1:
        for task in tasks:
            yield run_site(task)
        return
    import multiprocessing

    # fork where there is one: workers inherit the loaded modules and never re-run the caller's
    # main module (spawn would, and a script without a __main__ guard would recurse). Worker
    # memory stays bounded without recycling: each site's data is dropped when it is done.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    # A worker that dies (killed for memory, a crash in a C library) breaks the whole pool:
    # every site not finished then fails with it. Sites that had started (their marker file
    # is there) are suspects and are run again alone, so a death names its own site; sites
    # that had not started go to a new pool (issue 17).
    markers = Path(tempfile.mkdtemp(prefix=".running-", dir=Path(tasks[0].outdir) / "sites"))
    try:
        pending, suspects = list(tasks), list[SiteTask]()
        tries: dict[str, int] = {}
        while pending or suspects:
            if pending:
                broken = yield from _pool_round(pending, min(jobs, len(pending)), context,
                                                markers)
                for task in broken:
                    tries[task.site] = tries.get(task.site, 0) + 1
                started = [t for t in broken if _marker(markers, t).exists()
                           or tries[t.site] > 2]  # (a pool that breaks before any site runs)
                pending = [t for t in broken if t not in started]
                suspects += started
                for task in suspects:
                    _marker(markers, task).unlink(missing_ok=True)
                continue
            task = suspects.pop(0)
            broken = yield from _pool_round([task], 1, context, markers)
            for task in broken:
                yield _lost(task, "the worker process died while assessing this site "
                                  "(killed, e.g. out of memory, or crashed)")
    finally:
        for marker in markers.iterdir():
            marker.unlink(missing_ok=True)
        markers.rmdir()


def _pool_round(tasks: list[SiteTask], workers: int, context: Any,
                markers: Path) -> Generator[SiteResult, None, list[SiteTask]]:
    """Run ``tasks`` in a pool; yield each result; return the tasks lost to a broken pool."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    broken: list[SiteTask] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures: dict[Future[SiteResult], SiteTask] = {
            pool.submit(_run_marked, t, str(_marker(markers, t))): t for t in tasks}
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool:
                broken.append(futures[future])
    return broken


def _marker(markers: Path, task: SiteTask) -> Path:
    return markers / hashlib.sha256(task.site.encode()).hexdigest()[:32]


def _run_marked(task: SiteTask, marker: str) -> SiteResult:
    """``run_site`` in a pool worker, with a marker file present while it runs."""
    Path(marker).touch()
    try:
        return run_site(task)
    finally:
        Path(marker).unlink(missing_ok=True)


def _run_dask(tasks: list[SiteTask], jobs: int, scheduler: Any) -> Iterator[SiteResult]:
    try:
        from distributed import Client, as_completed
    except ImportError as e:
        raise UsageError("--executor dask needs dask.distributed: "
                         "pip install 'gdprmap[dask]'") from e
    own = not isinstance(scheduler, Client)
    try:
        client = (Client(scheduler, timeout="20s")  # type: ignore[no-untyped-call]
                  if own else scheduler)
    except (OSError, TimeoutError, ValueError) as e:
        raise UsageError(f"cannot reach the Dask scheduler {scheduler}: {e}") from e
    try:
        futures = {}
        for task in tasks:
            future = client.submit(run_site, task, pure=False,
                                   key=f"gdprmap-site-{task.site}-{os.urandom(4).hex()}")
            futures[future] = task
        for future in as_completed(list(futures)):  # type: ignore[no-untyped-call]
            task = futures[future]
            try:
                yield future.result()
            except Exception as e:  # noqa: BLE001 - KilledWorker, lost connection: this site
                yield _lost(task, f"dask task failed: {type(e).__name__}: {e}")
            finally:
                future.release()
    finally:
        if own:
            client.close()


def _lost(task: SiteTask, why: str) -> SiteResult:
    return SiteResult(task.site, task.input, "failed", sha256=task.input_sha256,
                      error=_one_line(why))


# --- summary ------------------------------------------------------------------------------

SUMMARY_COLUMNS = ["site", "input", "status", "recipient", "organisation", "country", "verdict",
                   "requests", "data_categories", "special_categories"]


class SummaryWriter:
    """The cross-site summary, built as sites finish, in memory that does not grow with the
    number of sites (issue 19): each site's rows (``summary.csv``) and its ``summary.json``
    entry are written to scratch files at once, and the site's ``SiteResult.recipients`` is
    emptied; what stays is one small record per site and one aggregate per recipient. At the
    end the files are assembled in input order (whatever order the sites finished in) and
    renamed into place."""

    def __init__(self, outdir: Path, order: list[str]) -> None:
        from .models import Verdict

        self.out = outdir
        self.verdicts = [str(v) for v in Verdict]
        self.rank = {site: i for i, site in enumerate(order)}
        self.rows = tempfile.TemporaryFile("w+b", dir=outdir)
        self.sites = tempfile.TemporaryFile("w+b", dir=outdir)
        self.where: dict[str, tuple[int, int, int, int]] = {}  # site -> row and json spans
        self.per_recipient: dict[str, dict[str, Any]] = {}

    def add(self, site: SiteResult) -> None:
        from .reports.csv_report import short_categories, spreadsheet_lines

        rows = spreadsheet_lines(
            [[site.site, site.input, site.status, r["recipient"], r["organisation"] or "",
              r["country"] or "", r["verdict"], r["requests"],
              short_categories(r["data_categories"]), short_categories(r["special_categories"])]
             for r in site.recipients]).encode("utf-8")
        entry = _indented(asdict(site), "  ").encode("utf-8")
        row_at, site_at = self.rows.tell(), self.sites.tell()
        self.rows.write(rows)
        self.sites.write(entry)
        self.where[site.site] = (row_at, len(rows), site_at, len(entry))
        for r in site.recipients:
            agg = self.per_recipient.setdefault(r["recipient"], {
                "recipient": r["recipient"], "organisation": r["organisation"],
                "country": r["country"], "sites": 0, "requests": 0,
                "verdicts": {v: 0 for v in self.verdicts}, "data_categories": set()})
            agg["sites"] += 1
            agg["requests"] += r["requests"]
            agg["verdicts"][r["verdict"]] += 1
            agg["data_categories"].update(r["data_categories"])
        site.recipients = []

    def _spans(self, result: BatchResult, json_part: bool) -> Iterator[bytes]:
        source = self.sites if json_part else self.rows
        for s in result.sites:
            row_at, row_len, site_at, site_len = self.where[s.site]
            at, length = (site_at, site_len) if json_part else (row_at, row_len)
            source.seek(at)
            yield source.read(length)

    def finish(self, result: BatchResult, options: dict[str, Any]) -> None:
        from .reports.csv_report import short_categories

        out, verdicts = self.out, self.verdicts
        recipients = sorted(self.per_recipient.values(),
                            key=lambda a: (-a["sites"], a["recipient"]))
        for agg in recipients:
            agg["data_categories"] = sorted(agg["data_categories"])
        head = {
            "generator": {"name": "gdprmap", "version": __version__},
            "options": options,
            "seconds": result.seconds,
            "counts": {"sites": len(result.sites), "done": len(result.done),
                       "skipped": len(result.skipped), "failed": len(result.failed)},
        }
        # the same text as json.dumps(summary, indent=1), written in pieces
        with AtomicFile(out / "summary.json") as f:
            f.write(b"{\n")
            for key, value in head.items():
                f.write(f" {json.dumps(key)}: {_indented(value, ' ')},\n".encode())
            f.write(b' "sites": [')
            for i, piece in enumerate(self._spans(result, json_part=True)):
                f.write((b"\n  " if i == 0 else b",\n  ") + piece)
            f.write(b"\n ],\n" if result.sites else b"],\n")
            f.write(f' "recipients": {_indented(recipients, " ")}\n}}'.encode())
        with AtomicFile(out / "summary.csv") as f:
            f.write(_csv_head(SUMMARY_COLUMNS).encode("utf-8"))
            for piece in self._spans(result, json_part=False):
                f.write(piece)
        _write_csv(out / "sites.csv", ["site", "input", "status", "as_of", "recipients",
                                       *verdicts, "error"],
                   [[s.site, s.input, s.status, s.as_of or "", s.recipient_count,
                     *(s.counts.get(v, 0) for v in verdicts), s.error or ""]
                    for s in result.sites])
        _write_csv(out / "recipients.csv", ["recipient", "organisation", "country", "sites",
                                            "requests", *verdicts, "data_categories"],
                   [[a["recipient"], a["organisation"] or "", a["country"] or "", a["sites"],
                     a["requests"], *(a["verdicts"][v] for v in verdicts),
                     short_categories(a["data_categories"])] for a in recipients])
        failures = out / "failures.csv"
        if result.failed:
            _write_csv(failures, ["site", "input", "error"],
                       [[s.site, s.input, s.error or ""] for s in result.failed])
        elif failures.exists():
            failures.unlink()  # a re-run that fixed every failure

    def close(self) -> None:
        self.rows.close()
        self.sites.close()


def write_summary(result: BatchResult, options: dict[str, Any]) -> None:
    """The summary files of ``result`` at once (its sites must still hold their rows)."""
    writer = SummaryWriter(result.outdir, [s.site for s in result.sites])
    try:
        for site in result.sites:
            writer.add(site)
        writer.finish(result, options)
    finally:
        writer.close()


def _indented(value: Any, indent: str) -> str:
    text = json.dumps(value, indent=1, ensure_ascii=False)
    return text.replace("\n", "\n" + indent)


def _csv_head(header: list[str]) -> str:
    from .reports.csv_report import BOM, spreadsheet_lines

    return BOM + spreadsheet_lines([list(header)])


def _write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    """The batch's CSV files follow the register CSV's conventions (reports/csv_report.py):
    UTF-8 with a byte-order mark, CRLF, lists joined with "; ", DPV categories as ``pd:``
    CURIEs, cells a spreadsheet would read as formulas prefixed with '."""
    from .reports.csv_report import spreadsheet_lines

    _atomic_write(path, _csv_head(header) + spreadsheet_lines(rows))


__all__ = ["BatchResult", "SiteResult", "SiteTask", "batch", "expand_inputs", "run_site"]
