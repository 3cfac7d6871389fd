"""The command line: parse options, call the library, print, exit. Nothing else lives here.

Exit codes: 0 ok; 1 a recipient at or above --fail-on; 2 usage or input error; 3 internal error.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from . import __version__

VERDICTS = ("no-transfer", "adequate", "exposed", "safeguards-required", "unknown", "unlawful")
EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERNAL = 1, 2, 3


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


class _Group(click.Group):
    """Turns every gdprmap error into one line on stderr and exit code 2."""

    def invoke(self, ctx: click.Context) -> object:
        from .errors import GdprmapError

        try:
            return super().invoke(ctx)
        except GdprmapError as e:
            click.echo(f"gdprmap: error: {e}", err=True)
            ctx.exit(EXIT_ERROR)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("gdprmap: interrupted", err=True)
            ctx.exit(130)
        except Exception as e:  # a bug: one line for users, the traceback on request
            if os.environ.get("GDPRMAP_DEBUG"):
                raise
            click.echo(f"gdprmap: internal error: {type(e).__name__}: {e} "
                       "(set GDPRMAP_DEBUG=1 for a traceback)", err=True)
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="gdprmap")
def main() -> None:
    """Turn observed network traffic into GDPR Chapter V evidence."""


@main.command()
@click.argument("captures", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="Report file; the format follows the extension: .pdf, .html or .json.")
@click.option("--as-of", "as_of", callback=_date, metavar="DATE",
              help="Evaluate the law as of DATE (YYYY-MM-DD). Default: the capture's date.")
@click.option("--scenario", metavar="NAME",
              help="What-if scenario, e.g. dpf-invalidated (the DPF decision annulled).")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True,
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
def report(captures: tuple[Path, ...], output: Path, as_of: dt.date | None,
           scenario: str | None, lang: str, fail_on: str | None, controller: str | None,
           first_party: tuple[str, ...], kb_override: tuple[Path, ...]) -> None:
    """Assess CAPTURES (HAR files) and write a report to OUTPUT."""
    from .api import analyze
    from .models import Verdict
    from .reports import renderer_for

    render = renderer_for(output)  # an unknown extension fails before any work
    assessment = analyze(*captures, as_of=as_of, scenario=scenario, lang=lang,
                         controller=controller, first_party=first_party,
                         kb_override=kb_override, command=_command())
    render(assessment, output)
    counts = ", ".join(f"{n} {v}" for v, n in assessment.counts().items() if n)
    click.echo(f"{output}: {len(assessment.recipients)} recipients ({counts or 'none'}) "
               f"as of {assessment.as_of}", err=True)
    if fail_on and (worst := assessment.worst()) and worst.rank >= Verdict(fail_on).rank:
        sys.exit(EXIT_FINDINGS)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the report's JSON format."""
    from .reports.json_report import json_schema

    click.echo(json_schema(), nl=False)


def _command() -> tuple[str, ...]:
    """The command line that reproduces the report, with the program name normalised."""
    return ("gdprmap", *sys.argv[1:])


if __name__ == "__main__":  # pragma: no cover
    main()
