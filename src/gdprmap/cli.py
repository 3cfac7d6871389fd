"""The command line: parse options, call the library, print, exit. Nothing else lives here.

Exit codes: 0 ok; 1 a recipient at or above --fail-on; 2 usage or input error; 3 internal error;
4 (batch) some captures failed, the others were done.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .catalogs import languages
from .verdicts import Verdict

LANGUAGES = languages()  # the folders of gdprmap/locale that hold a catalog

VERDICTS = tuple(v.value for v in Verdict)  # the --fail-on scale, least serious first
EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERNAL = 1, 2, 3
EXIT_BATCH_FAILURES = 4  # batch: some captures failed (listed in failures.csv)


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


_exit_freeze_registered = False


def _one_shot_collector() -> tuple[int, int, int]:
    """Set the cycle collector for a command that runs once in its process; returns the
    thresholds to put back (the command may run inside another program, e.g. tests).

    Imports, the analysis and WeasyPrint allocate ~250,000 long-lived objects: at the default
    threshold (700) the young generation is collected ~500 times and, every 10th and 100th time,
    the older ones are walked again; at 50,000 it is collected a few times (what is garbage is
    still freed by reference counting). At exit the heap is frozen, so that the interpreter's
    final collection does not walk and free piecemeal what the run left, which the OS takes back
    at once: ~0.35 s of the example PDF's ~2.5 s (issue 19, benchmarks/README.md). Finalizers
    registered with atexit or weakref.finalize still run, and standard streams are flushed."""
    global _exit_freeze_registered
    import gc

    if not _exit_freeze_registered:
        import atexit

        atexit.register(gc.freeze)
        _exit_freeze_registered = True
    previous = gc.get_threshold()
    gc.set_threshold(max(previous[0], 50_000), *previous[1:])
    return previous


class _Group(click.Group):
    """Turns every gdprmap error into one line on stderr and exit code 2."""

    def invoke(self, ctx: click.Context) -> object:
        import gc

        threshold = _one_shot_collector()
        try:
            return self._invoke(ctx)
        finally:
            gc.set_threshold(*threshold)

    def _invoke(self, ctx: click.Context) -> object:
        from .errors import GdprmapError

        try:
            return super().invoke(ctx)
        except GdprmapError as e:
            # an entry the format lets the reader step over: say how, on the same line
            hint = " (--skip-bad-entries reads the other entries)" if getattr(
                e, "skippable", False) else ""
            click.echo(f"gdprmap: error: {e}{hint}", err=True)
            ctx.exit(EXIT_ERROR)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:  # e.g. `gdprmap rules | head`: the reader left, nothing to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except KeyboardInterrupt:
            click.echo("gdprmap: interrupted", err=True)
            ctx.exit(130)
        except Exception as e:  # a bug: one line for users, the traceback on request
            if os.environ.get("GDPRMAP_DEBUG"):
                raise
            from .importers.base import short  # quotes nothing of the input (issue #17)

            click.echo(f"gdprmap: internal error: {type(e).__name__}: {short(e)} "
                       "(set GDPRMAP_DEBUG=1 for a traceback)", err=True)
            ctx.exit(EXIT_INTERNAL)


def _complete_scenarios(ctx: click.Context, param: click.Parameter,
                        incomplete: str) -> list[str]:
    """Shell completion of bundled scenario names (see README, "Shell completion")."""
    from .resources import bundled_dir

    names = sorted(p.stem for p in (bundled_dir("ontologies") / "scenarios").glob("*.ttl"))
    return [n for n in names if n.startswith(incomplete)]


def _complete_rules(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from .api import list_rules

    return [r.id for r in list_rules() if r.id.lower().startswith(incomplete.lower())]


def _complete_queries(ctx: click.Context, param: click.Parameter,
                      incomplete: str) -> list[str]:
    from .query import documented_queries

    return [n for n in documented_queries() if n.startswith(incomplete)]


def _logging(verbose: int, quiet: bool) -> None:
    """Standard ``logging`` to stderr: warnings by default, -v progress and timings (online
    lookups, batch sites, stages), -vv debugging detail, -q errors only."""
    import logging

    level = (logging.ERROR if quiet else logging.DEBUG if verbose > 1
             else logging.INFO if verbose else logging.WARNING)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(name)s: %(levelname)s: %(message)s"))
    root = logging.getLogger("gdprmap")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="gdprmap")
@click.option("-v", "--verbose", count=True,
              help="Log progress and timings to stderr (online lookups, batch sites, stages); "
                   "-vv for debugging detail.")
@click.option("-q", "--quiet", is_flag=True, help="Log errors only.")
def main(verbose: int, quiet: bool) -> None:
    """Turn observed network traffic into GDPR Chapter V evidence."""
    _logging(verbose, quiet)


def _render_to_stdout(render: Any, assessment: Any) -> None:
    """Renderers write files atomically; for `-o -` the finished file is copied to stdout."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="gdprmap-") as tmp:
        path = Path(tmp) / "report.json"
        render(assessment, path)
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()


def _stdin_inputs(args: Iterable[Path | str]) -> list[Any]:
    """The inputs with `-` as standard input, which can be read only once."""
    from .errors import UsageError

    inputs: list[Any] = [sys.stdin.buffer if str(a) == "-" else a for a in args]
    if sum(1 for a in args if str(a) == "-") > 1:
        raise UsageError("- (standard input) can be given only once")
    return inputs


@main.command()
@click.argument("captures", nargs=-1, required=True,
                type=click.Path(dir_okay=True, allow_dash=True, path_type=Path))
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="Report file; the format follows the extension: .pdf, .html, .json, .csv "
                   "(or an export format); - writes the JSON report to standard output.")
@click.option("--pdf-variant", "pdf_variant", type=click.Choice(["pdf/a-3b", "pdf/a-3u",
                                                                 "pdf/a-2b"]),
              help="Write a PDF/A file; pdf/a-3b and pdf/a-3u embed the JSON assessment and "
                   "the CSV register.")
@click.option("--template-dir", "template_dir", metavar="DIR",
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of report templates overriding the built-in ones (report.html.j2, "
                   "report.css; see the README).")
@click.option("--as-of", "as_of", callback=_date, metavar="DATE",
              help="Evaluate the law as of DATE (YYYY-MM-DD). Default: the capture's date.")
@click.option("--scenario", metavar="NAME", shell_complete=_complete_scenarios,
              help="What-if scenario, e.g. dpf-invalidated (the DPF decision annulled).")
@click.option("--scenario-file", "scenario_file", metavar="FILE",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A Turtle overlay defining your own what-if (see ontologies/scenarios/).")
@click.option("--doctrine", type=click.Choice(["exposure-is-risk", "exposure-is-transfer"]),
              default="exposure-is-risk", show_default=True,
              help="How to read EEA processing by an entity controlled from abroad.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="Language of the report.")
@click.option("--fail-on", "fail_on", type=click.Choice(VERDICTS), metavar="VERDICT",
              help="Exit 1 when a recipient's verdict is VERDICT or worse "
                   f"(scale: {' < '.join(VERDICTS)}).")
@click.option("--controller", metavar="NAME", help="Name of the controller, for the cover.")
@click.option("--first-party", "first_party", multiple=True, metavar="DOMAIN",
              help="A domain that belongs to the site itself (repeatable).")
@click.option("--kb-override", "kb_override", multiple=True, metavar="FILE",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A TOML file of organisations merged over the bundled knowledge base.")
@click.option("--skip-bad-entries", "skip_bad_entries", is_flag=True,
              help="Leave out broken entries of otherwise sound captures; the report lists "
                   "every one.")
@click.option("--keep-secrets", "keep_secrets", is_flag=True,
              help="DEBUG ONLY: do not redact cookie values, tokens, identifiers. The report "
                   "is marked as holding secrets.")
@click.option("--online", is_flag=True,
              help="Look up registrants of domains the knowledge base does not know (RDAP, "
                   "then WHOIS; cached in ~/.cache/gdprmap or $GDPRMAP_CACHE_DIR). Off by "
                   "default: runs stay reproducible and private. Never changes a verdict. "
                   "Also asks DNS ($GDPRMAP_DNS_SERVER, else the system resolver) for the "
                   "CNAME chains of the site's own host names, to unmask cloaked trackers.")
@click.option("--health-context", "health_context", is_flag=True,
              help="The captured site is a health service: every flow from its pages carries "
                   "health data (GDPR Recital 35). Sites the knowledge base records as health "
                   "services get this without the option.")
@click.option("--evidence", "evidence", type=click.Path(path_type=Path), metavar="FILE",
              help="Also write every request's evidence to FILE, one JSON line per request "
                   "(redacted like the report). The report keeps a bounded sample per "
                   "recipient and data category.")
@click.option("--dpf-list", "dpf_list", metavar="FILE",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A Data Privacy Framework List file (the official .xlsx from "
                   "dataprivacyframework.gov, or a JSON export; see `gdprmap kb fetch-dpf`): "
                   "US entities' DPF statuses come from it instead of the bundled ones.")
def report(captures: tuple[Path, ...], output: Path, as_of: dt.date | None,
           scenario: str | None, scenario_file: Path | None, doctrine: str, lang: str, fail_on: str | None, controller: str | None,
           first_party: tuple[str, ...], kb_override: tuple[Path, ...],
           skip_bad_entries: bool = False, keep_secrets: bool = False,
           online: bool = False, health_context: bool = False,
           pdf_variant: str | None = None, template_dir: Path | None = None,
           evidence: Path | None = None, dpf_list: Path | None = None) -> None:
    """Assess CAPTURES and write a report to OUTPUT.

    A capture is a HAR file (.har, .zhar, gzip, HAR Viewer .harp), an EDPS Website Evidence
    Collector or Blacklight output folder, a Chrome DevTools event log (a ChromeDriver
    performance log), a Chrome NetLog (chrome://net-export), a mitmproxy flow file (mitmdump
    -w), a WebPageTest JSON result, a
    TrackerControl or PCAPdroid CSV export, an iOS App Privacy Report, or a declared
    processing register (YAML/JSON); the format is recognised from the content. `-` reads
    one capture file from standard input (named <stdin> in the report).
    """
    from .api import analyze
    from .models import Verdict
    from .reports import renderer_for

    to_stdout = str(output) == "-"  # `-o -`: the JSON report on standard output
    render = renderer_for(Path("stdout.json") if to_stdout else output,  # unknown extension:
                          pdf_variant=pdf_variant, template_dir=template_dir)  # fails early
    if not to_stdout and output.suffix.lower() == ".pdf":
        from .reports.pdf import PrintAhead

        # WeasyPrint loads in a child process while the analysis runs; ended at exit
        ahead = PrintAhead.start()
        if ahead is not None:
            click.get_current_context().call_on_close(ahead.close)
    assessment = analyze(*_stdin_inputs(captures), as_of=as_of, scenario=scenario, lang=lang,
                         scenario_file=scenario_file, doctrine=doctrine,
                         controller=controller, first_party=first_party,
                         kb_override=kb_override, command=_command(),
                         skip_bad_entries=skip_bad_entries, keep_secrets=keep_secrets,
                         online=online, health_context=health_context, evidence=evidence,
                         dpf_list=dpf_list)
    if to_stdout:
        _render_to_stdout(render, assessment)
    else:
        render(assessment, output)
    if assessment.skipped:
        total = max(len(assessment.skipped), sum(i.skipped for i in assessment.inputs))
        listed = "listed in the report" if total == len(assessment.skipped) else (
            f"the first {len(assessment.skipped)} listed in the report")
        click.echo(f"gdprmap: warning: {total} broken entries skipped ({listed})", err=True)
    if assessment.secrets_kept:
        click.echo(f"gdprmap: warning: {output} holds UNREDACTED secrets (--keep-secrets); "
                   "do not share it", err=True)
    if assessment.not_sent:  # issue 15: a content blocker or the cache hid them from this capture
        hosts = len(assessment.hosts_not_sent())
        click.echo(f"gdprmap: note: {hosts} third-party hosts received nothing in this capture "
                   "(blocked, unresolved or answered from the cache): listed in the report, not "
                   "counted as recipients", err=True)
    counts = ", ".join(f"{n} {v}" for v, n in assessment.counts().items() if n)
    click.echo(f"{output}: {len(assessment.recipients)} recipients ({counts or 'none'}) "
               f"as of {assessment.as_of}", err=True)
    if fail_on and (worst := assessment.worst()) and worst.rank >= Verdict(fail_on).rank:
        sys.exit(EXIT_FINDINGS)


@main.command()
@click.option("--register", "register", is_flag=True,
              help="Print the schema of the declared processing register instead.")
def schema(register: bool = False) -> None:
    """Print the JSON Schema of the report's JSON format."""
    if register:
        from .api import register_schema

        click.echo(register_schema(), nl=False)
        return
    from .reports.json_report import json_schema

    click.echo(json_schema(), nl=False)


@main.group(invoke_without_command=True)
@click.pass_context
def rules(ctx: click.Context) -> None:
    """List the transfer rules with their ids, titles and citations."""
    if ctx.invoked_subcommand is None:
        from .api import list_rules

        for rule in list_rules():
            verdict = f" -> {rule.verdict}" if rule.verdict else ""
            click.echo(f"{rule.id}  [{rule.severity}{verdict}]  {rule.titles['en']}")
            for c in rule.citations:
                click.echo(f"    {c.label}" + (f" <{c.iri}>" if c.iri else ""))
        from .consent import load_rules as consent_rules  # issue #16: findings beside verdicts

        for crule in consent_rules().rules:
            click.echo(f"{crule.id}  [{crule.severity}, consent finding]  {crule.titles['en']}")
            for cc in crule.citations:
                click.echo(f"    {cc.label}" + (f" <{cc.iri}>" if cc.iri else ""))


@rules.command("show")
@click.argument("rule_id", shell_complete=_complete_rules)
def rules_show(rule_id: str) -> None:
    """Print one rule with its citations and its SPARQL logic."""
    from .api import get_rule
    from .consent import load_rules as consent_rules

    crule = next((r for r in consent_rules().rules if r.id == rule_id.upper()), None)
    if crule is not None:  # issue #16: a consent rule (a finding, never a verdict)
        click.echo(f"{crule.id}: {crule.titles['en']}")
        click.echo(f"French: {crule.titles.get('fr', '-')}")
        click.echo(f"severity: {crule.severity}")
        click.echo(f"verdict: (adds a finding beside the transfer verdict); consent state "
                   f"{crule.state}")
        click.echo("citations:")
        for cc in crule.citations:
            click.echo(f"  - {cc.label}" + (f" <{cc.iri}>" if cc.iri else ""))
        click.echo(f"explanation: {crule.explanations['en']}")
        click.echo("logic (ontologies/consent.ttl and its query):")
        click.echo(crule.query_text.rstrip())
        return
    rule = get_rule(rule_id)
    click.echo(f"{rule.id}: {rule.titles['en']}")
    click.echo(f"French: {rule.titles.get('fr', '-')}")
    click.echo(f"severity: {rule.severity}" + (f" ({rule.special_severity} with special-category "
                                                 "data)" if rule.special_severity else ""))
    click.echo(f"verdict: {rule.verdict or '(adds a finding)'}; priority {rule.priority}")
    click.echo("citations:")
    for c in rule.citations:
        click.echo(f"  - {c.label}" + (f" <{c.iri}>" if c.iri else ""))
    click.echo(f"explanation: {rule.explanations['en']}")
    click.echo(f"logic (ontologies/{rule.query_file}):")
    click.echo(rule.query_text.rstrip())


@main.group()
def kb() -> None:
    """The bundled legal and organisation data."""


@kb.command("status")
@click.option("--kb-override", "kb_override", multiple=True, metavar="FILE",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A knowledge-base TOML file merged over the bundled one (repeatable).")
@click.option("--dpf-list", "dpf_list", metavar="FILE",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Show this DPF List file too: its date, SHA-256, entries and how many "
                   "knowledge-base US entities it matches.")
def kb_status(kb_override: tuple[Path, ...], dpf_list: Path | None = None) -> None:
    """Show the dates and hashes of the legal and organisation data."""
    from .api import knowledge_status

    for key, value in knowledge_status(kb_override=kb_override, dpf_list=dpf_list).items():
        click.echo(f"{key}: {value}")


@kb.command("fetch-dpf")
@click.option("-o", "--output", "output", required=True, metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the List workbook (.xlsx).")
@click.option("--url", metavar="URL",
              help="Download from URL instead of the List's API "
                   "(https://dpfapi.azurewebsites.net/api/downloadfile, POST).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds to wait for the server.")
@click.option("--max-bytes", "max_bytes", type=click.IntRange(min=1), default=32 * 1024 * 1024,
              show_default=True, help="Refuse an answer larger than this.")
def kb_fetch_dpf(output: Path, url: str | None, timeout: float, max_bytes: int) -> None:
    """Download the current Data Privacy Framework List (DataPrivacyFrameworkParticipantsList.xlsx)
    for --dpf-list. Needs the network; the file is written only when it reads as a List."""
    from .api import fetch_dpf_list

    got = fetch_dpf_list(output, url=url, timeout=timeout, max_bytes=max_bytes)
    listed = got.dpf_list
    date = f"dated {listed.date}" if listed.date else "undated"
    click.echo(f"{got.path}: {got.bytes} bytes, sha256 {got.sha256}, {date}, "
               f"{len(listed.entries)} EU-U.S. DPF entries", err=True)


# --- issue #8: query, compare, diff, export (thin: the logic is in the library) -------------

def _analysis_options(f: Any) -> Any:
    """The options that shape an assessment, shared by commands that analyse captures."""
    options = [
        click.option("--as-of", "as_of", callback=_date, metavar="DATE",
                     help="Evaluate the law as of DATE (YYYY-MM-DD). Default: the capture's "
                          "date."),
        click.option("--scenario", metavar="NAME", shell_complete=_complete_scenarios,
                     help="What-if scenario, e.g. dpf-invalidated."),
        click.option("--scenario-file", "scenario_file", metavar="FILE",
                     type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="A Turtle overlay defining your own what-if."),
        click.option("--doctrine", type=click.Choice(["exposure-is-risk",
                                                      "exposure-is-transfer"]),
                     default="exposure-is-risk", show_default=True,
                     help="How to read EEA processing by an entity controlled from abroad."),
        click.option("--lang", type=click.Choice(LANGUAGES), default="en",
                     show_default=True, help="Language of finding titles and explanations."),
        click.option("--first-party", "first_party", multiple=True, metavar="DOMAIN",
                     help="A domain that belongs to the site itself (repeatable)."),
        click.option("--kb-override", "kb_override", multiple=True, metavar="FILE",
                     type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="A TOML file of organisations merged over the knowledge base."),
        click.option("--health-context", "health_context", is_flag=True,
                     help="The captured site is a health service (GDPR Recital 35)."),
        click.option("--dpf-list", "dpf_list", metavar="FILE",
                     type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="A DPF List file (.xlsx or JSON) whose statuses replace the "
                          "bundled ones for US entities."),
        click.option("--skip-bad-entries", "skip_bad_entries", is_flag=True,
                     help="Leave out broken entries of otherwise sound captures; the "
                          "assessment lists every one."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _analysis(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The analysis options of a command as keyword arguments of ``gdprmap.analyze``."""
    keys = ("as_of", "scenario", "scenario_file", "doctrine", "lang", "first_party",
            "kb_override", "health_context", "dpf_list", "skip_bad_entries")
    return {k: kwargs.pop(k) for k in keys if k in kwargs}


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{output}: written", err=True)


@main.command()
@click.argument("args", nargs=-1, required=True, metavar="INPUT... [SPARQL]")
@click.option("--file", "-f", "query_file", metavar="FILE|NAME",
              shell_complete=_complete_queries,
              help="Read the query from FILE, or run the documented query NAME (shipped with "
                   "gdprmap, e.g. unlawful-transfers; see docs/queries/); then every argument "
                   "is an input.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="Result format.")
@click.option("--full-iris", "full_iris", is_flag=True,
              help="Table format: print IRIs in full instead of prefix:name.")
@_analysis_options
def query(args: tuple[str, ...], query_file: str | None, fmt: str, full_iris: bool,
          **kwargs: Any) -> None:
    """Run a SPARQL query over the assessment's RDF (DPV terms + the gdprmap ontology).

    The last argument is the query (or a .rq file) unless --file is given. The prefixes
    gm: gmr: gmc: gml: dpv: pd: loc: eu-gdpr: rdfs: xsd: dct: skos: are bound. INPUT is one
    saved JSON assessment (`gdprmap report -o x.json`) or captures, assessed first with the
    analysis options (`-`: a capture on standard input). Documented queries (shipped with
    gdprmap, run by name with --file):
    docs/queries/*.rq. Example:

        gdprmap query capture.har 'SELECT ?id WHERE { ?r gm:recipientId ?id ;
        dpv:hasPersonalData pd:Health }'
    """
    from .api import open_assessment, run_query
    from .errors import UsageError

    from .query import documented_query

    inputs = list(args)
    if query_file is None and inputs and inputs[-1].endswith((".rq", ".sparql")) and Path(
            inputs[-1]).is_file():
        query_file = inputs.pop()  # `gdprmap query capture.har docs/queries/x.rq`
    if query_file is not None:
        try:
            sparql = documented_query(query_file)
        except UnicodeDecodeError as e:
            raise UsageError(f"{query_file}: cannot read the query as UTF-8 text "
                             f"({type(e).__name__})") from e
    else:
        if len(inputs) < 2:
            raise UsageError("give INPUT... and a SPARQL query (or --file FILE)")
        sparql = inputs.pop()
    if not inputs:
        raise UsageError("give at least one INPUT (captures or a saved JSON assessment)")
    assessment = open_assessment(*_stdin_inputs(inputs), **_analysis(kwargs))
    result = run_query(assessment, sparql)
    click.echo(result.render(fmt, compact=not full_iris), nl=False)


@main.command()
@click.argument("register", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("captures", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=True, path_type=Path))
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the comparison to FILE: JSON for .json, text otherwise.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Format on standard output (without -o).")
@click.option("--fail-on", "fail_on", multiple=True, metavar="KIND",
              type=click.Choice(["undeclared", "not-observed", "safeguards", "data", "any"]),
              help="Exit 1 when the comparison finds this kind of gap (repeatable): "
                   "undeclared (recipients observed, not declared), not-observed (declared, "
                   "not observed), safeguards (declared safeguards the verdict contradicts, "
                   "or none where one is needed), data (categories beyond those declared), "
                   "any.")
@_analysis_options
def compare(register: Path, captures: tuple[Path, ...], output: Path | None, fmt: str,
            fail_on: tuple[str, ...], **kwargs: Any) -> None:
    """Set a declared processing REGISTER against the traffic of CAPTURES.

    Lists recipients observed but not declared, declared but not observed, declared
    safeguards that do not match the verdict (SCCs for a transfer judged unlawful, DPF where
    the knowledge base shows no DPF listing, ...) and data categories observed beyond those
    declared. CAPTURES may also be one saved JSON assessment.
    """
    from .api import compare_captures

    comparison = compare_captures(register, *captures, **_analysis(kwargs))
    if output is not None:
        as_json = output.suffix.lower() == ".json"
        _emit(comparison.to_json() if as_json else comparison.render_text(), output)
    else:
        _emit(comparison.to_json() if fmt == "json" else comparison.render_text(), None)
    if comparison.triggered(fail_on):
        sys.exit(EXIT_FINDINGS)


@main.command()
@click.argument("old", type=click.Path(exists=True, dir_okay=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=True, path_type=Path))
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the differences to FILE: JSON for .json, text otherwise.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Format on standard output (without -o).")
@click.option("--fail-on", "fail_on", multiple=True, metavar="KIND",
              type=click.Choice(["new-unlawful", "new-recipient", "worse-verdict", "new-data",
                                 "new-special", "any"]),
              help="Exit 1 when the difference holds this kind of change (repeatable): "
                   "new-unlawful (a recipient unlawful in NEW that was not in OLD), "
                   "new-recipient, worse-verdict, new-data, new-special (special-category "
                   "data newly received), any.")
@_analysis_options
def diff(old: Path, new: Path, output: Path | None, fmt: str, fail_on: tuple[str, ...],
         **kwargs: Any) -> None:
    """Compare two assessments: new and gone recipients, verdict changes, new data.

    OLD and NEW are each a capture or a saved JSON assessment; captures are assessed with
    the same analysis options (each at its own capture date unless --as-of is given). A saved
    assessment is not assessed again: an analysis option given with one is an error. In CI:

        gdprmap diff baseline.json today.har --fail-on new-unlawful
    """
    from .api import diff_assessments, open_assessment

    options = _analysis(kwargs)
    difference = diff_assessments(open_assessment(old, **options),
                                  open_assessment(new, **options))
    if output is not None:
        as_json = output.suffix.lower() == ".json"
        _emit(difference.to_json() if as_json else difference.render_text(), output)
    else:
        _emit(difference.to_json() if fmt == "json" else difference.render_text(), None)
    if difference.triggered(fail_on):
        sys.exit(EXIT_FINDINGS)


@main.command()
@click.argument("inputs", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=True, allow_dash=True, path_type=Path))
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              metavar="FILE",
              help="Output file; the format follows the extension: .graphml (flow graph for "
                   "Gephi/yEd), .ttl (Turtle), .jsonld (JSON-LD), .json (the JSON report).")
@_analysis_options
def export(inputs: tuple[Path, ...], output: Path, **kwargs: Any) -> None:
    """Export the assessment of INPUTS as a graph or as RDF in W3C DPV terms.

    INPUTS are captures or one saved JSON assessment (`-`: a capture on standard input). The
    same input gives byte-identical output.
    """
    from .api import EXPORT_FORMATS, export_assessment, open_assessment
    from .errors import UsageError

    if output.suffix.lower() not in EXPORT_FORMATS:  # fail before any work
        raise UsageError(f"{output}: unknown export format {output.suffix or '(none)'!r} "
                         f"(known: {', '.join(EXPORT_FORMATS)})")
    assessment = open_assessment(*_stdin_inputs(inputs), **_analysis(kwargs))
    export_assessment(assessment, output)
    click.echo(f"{output}: {len(assessment.recipients)} recipients as of {assessment.as_of}",
               err=True)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", "outdir", required=True, type=click.Path(path_type=Path),
              metavar="OUTDIR", help="Folder for the per-site reports and the summary.")
@click.option("--format", "formats", default="json", show_default=True, metavar="LIST",
              help="Per-site report formats, comma-separated: json, pdf, html.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes (each assesses one site at a time).")
@click.option("--executor", type=click.Choice(["process", "dask"]), default="process",
              show_default=True, help="process: worker processes on this machine; dask: a "
              "Dask distributed cluster (pip install 'gdprmap[dask]').")
@click.option("--scheduler", metavar="ADDRESS",
              help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --executor dask).")
@click.option("--force", is_flag=True, help="Redo sites an earlier run finished.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("--as-of", "as_of", callback=_date, metavar="DATE",
              help="Evaluate the law as of DATE (YYYY-MM-DD). Default: each capture's date.")
@click.option("--scenario", metavar="NAME", shell_complete=_complete_scenarios,
              help="What-if scenario, e.g. dpf-invalidated.")
@click.option("--doctrine", type=click.Choice(["exposure-is-risk", "exposure-is-transfer"]),
              default="exposure-is-risk", show_default=True,
              help="How a US- (or otherwise foreign-) controlled recipient in the EEA is "
                   "judged: a risk finding, or a transfer (strict).")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="Language of every site's report.")
@click.option("--kb-override", "kb_override", multiple=True, metavar="FILE",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A knowledge-base TOML file merged over the bundled one (repeatable).")
@click.option("--skip-bad-entries", "skip_bad_entries", is_flag=True,
              help="Leave out broken entries of otherwise sound captures.")
@click.option("--dpf-list", "dpf_list", metavar="FILE",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A DPF List file (.xlsx or JSON) whose statuses replace the bundled ones "
                   "for US entities.")
@click.option("--fail-on", "fail_on", type=click.Choice(VERDICTS), metavar="VERDICT",
              help="Exit 1 when a recipient of any site is VERDICT or worse "
                   f"(scale: {' < '.join(VERDICTS)}).")
def batch(inputs: tuple[str, ...], outdir: Path, formats: str, jobs: int, executor: str,
          scheduler: str | None, force: bool, quiet: bool, fail_on: str | None,
          **options: Any) -> None:
    """Assess many sites: one capture per site, one report per site, a cross-site summary.

    INPUTS are folders (their *.har, *.zhar, *.har.gz, *.harp files and WEC folders), globs, list
    files (*.txt, *.lst: one path per line) or captures. Finished sites (same input sha256,
    same options) are skipped; a failing capture is recorded in failures.csv and never stops
    the batch. Exit: 0 done, 1 --fail-on reached, 2 usage error, 4 some captures failed.
    """
    from .batch import batch as run_batch  # a layer above the façade: it runs analyses
    from .models import Verdict

    bar: Any = None
    show = not quiet and sys.stderr.isatty()

    def progress(site: Any, total: int) -> None:
        nonlocal bar
        if not show:
            return
        if bar is None:
            bar = click.progressbar(length=total, label="sites", file=sys.stderr,
                                    show_pos=True, show_eta=True)
            bar.__enter__()
        bar.update(1)

    try:
        result = run_batch(inputs, outdir, formats=formats.split(","), jobs=jobs,
                           executor=executor, scheduler=scheduler, force=force,
                           progress=progress, **options)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(f"{outdir}: {len(result.sites)} sites: {len(result.done)} done, "
               f"{len(result.skipped)} already done, {len(result.failed)} failed "
               f"({result.seconds:.1f} s); summary in {outdir / 'summary.csv'}", err=True)
    for failure in result.failed[:10]:
        click.echo(f"gdprmap: failed: {failure.site}: {failure.error}", err=True)
    if len(result.failed) > 10:
        click.echo(f"gdprmap: ... and {len(result.failed) - 10} more in "
                   f"{outdir / 'failures.csv'}", err=True)
    if result.failed:
        sys.exit(EXIT_BATCH_FAILURES)
    if fail_on and (worst := result.worst()) and Verdict(worst).rank >= Verdict(fail_on).rank:
        sys.exit(EXIT_FINDINGS)


# --- issue #16: live capture with consent states ----------------------------------------------

def _capture_options(fn: Any) -> Any:
    """The options ``capture`` and ``audit`` share (the browser and the consent states)."""
    options = [
        click.option("--consent", default="all", show_default=True, metavar="STATE",
                     help="Consent states to capture: none, accept, reject or all (or a "
                          "comma-separated list). Each state is a fresh browser profile."),
        click.option("--browser", "browser", metavar="PATH",
                     help="The Chromium to run (default: $GDPRMAP_BROWSER, else chromium on "
                          "PATH; Debian: apt-get install chromium)."),
        click.option("--wait", type=float, default=3.0, show_default=True, metavar="SECONDS",
                     help="Time to wait after the page loads and after each click."),
        click.option("--timeout", type=float, default=30.0, show_default=True,
                     metavar="SECONDS", help="Time a page may take to load; beyond it the "
                     "capture stops with exit code 2."),
        click.option("--user-agent", "user_agent", metavar="TEXT",
                     help="User-Agent header (default: the browser's own)."),
        click.option("--viewport", default="1366x768", show_default=True, metavar="WxH",
                     help="Viewport size of the browser window and of the screenshots."),
        click.option("--pages", type=int, default=0, show_default=True, metavar="N",
                     help="After the banner, follow up to N same-site links (a short browse)."),
        click.option("--host-resolver-rules", "host_resolver_rules", metavar="RULES",
                     help="Passed to Chromium, e.g. 'MAP www.example.fr 192.0.2.7' to pin a "
                          "host for an investigation."),
        click.option("--insecure", is_flag=True,
                     help="Accept invalid TLS certificates (test servers only; recorded in "
                          "the capture)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _capture_opts(consent: str, browser: str | None, wait: float, timeout: float,
                  user_agent: str | None, viewport: str, pages: int,
                  host_resolver_rules: str | None, insecure: bool) -> Any:
    from .capture import CaptureOptions, parse_consent, parse_viewport

    return CaptureOptions(consent=parse_consent(consent), browser=browser, wait=wait,
                          timeout=timeout, user_agent=user_agent,
                          viewport=parse_viewport(viewport), pages=pages,
                          host_resolver_rules=host_resolver_rules, insecure=insecure,
                          command=_command())


def _progress(message: str) -> None:
    click.echo(f"gdprmap: {message}", err=True)


@main.command()
@click.argument("url")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              metavar="FILE.har", help="The HAR file to write; one screenshot per state is "
              "written beside it (FILE-none.png, FILE-accept.png, FILE-reject.png).")
@_capture_options
def capture(url: str, output: Path, **options: Any) -> None:
    """Visit URL with a real headless Chromium in each consent state and write a HAR.

    none: load and wait, no choice made; accept: the banner's accept-all control clicked;
    reject: its refuse control clicked (in its settings layer if the first layer has none).
    Known consent platforms are handled with DuckDuckGo's autoconsent rules, other banners by
    their buttons' and links' text (EN, FR, DE, ES, IT, NL), iframes included.
    """
    from .capture import capture as run_capture

    result = run_capture(url, output, _capture_opts(**options), log=_progress)
    outcomes = ", ".join(f"{s}: {o}" + (f" ({result.cmp[s]})" if result.cmp.get(s) else "")
                         for s, o in result.outcomes.items())
    click.echo(f"{output}: {result.entries} requests in {len(result.states)} consent states "
               f"({outcomes})", err=True)


@main.command()
@click.argument("url")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="Report file (.pdf, .html, .json, .csv); the HAR and the screenshots are "
                   "written beside it (same name, .har) unless --har is given.")
@click.option("--har", "har", type=click.Path(path_type=Path), metavar="FILE.har",
              help="Where to write the capture (default: OUTPUT with the extension .har).")
@_capture_options
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="Language of the report.")
@click.option("--controller", metavar="NAME", help="Name of the controller, for the cover.")
@click.option("--fail-on", "fail_on", type=click.Choice(VERDICTS), metavar="VERDICT",
              help="Exit 1 when a recipient's verdict is VERDICT or worse.")
def audit(url: str, output: Path, har: Path | None, lang: str, controller: str | None,
          fail_on: str | None, **options: Any) -> None:
    """Capture URL in the consent states (as `capture`) and write the report (as `report`)."""
    from .api import analyze
    from .capture import capture as run_capture
    from .models import Verdict
    from .reports import renderer_for

    render = renderer_for(output)  # an unknown extension fails before the browser starts
    har_path = har or output.with_suffix(".har")
    result = run_capture(url, har_path, _capture_opts(**options), log=_progress)
    assessment = analyze(har_path, lang=lang, controller=controller, command=_command())
    render(assessment, output)
    counts = ", ".join(f"{n} {v}" for v, n in assessment.counts().items() if n)
    click.echo(f"{output}: {len(assessment.recipients)} recipients ({counts or 'none'}), "
               f"{result.entries} requests in {len(result.states)} consent states; capture in "
               f"{har_path}", err=True)
    if fail_on and (worst := assessment.worst()) and worst.rank >= Verdict(fail_on).rank:
        sys.exit(EXIT_FINDINGS)


def _command() -> tuple[str, ...]:
    """The command line that reproduces the report, with the program name normalised."""
    return ("gdprmap", *sys.argv[1:])


if __name__ == "__main__":  # pragma: no cover
    main()
