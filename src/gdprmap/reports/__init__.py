"""Renderers: each reads only an ``Assessment`` and writes one format. Files are written to a
temporary name and renamed, so a failed run never leaves a partial report behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import RenderError, UsageError
from ..models import Assessment

Renderer = Callable[[Assessment, Path], None]


def _json(assessment: Assessment, path: Path) -> None:
    from .json_report import write_json

    write_json(assessment, path)  # streamed, a recipient at a time (issue 19)


def _html(assessment: Assessment, path: Path, *, options: dict[str, Any] | None = None) -> None:
    from .html import render_html

    opts = options or {}
    path.write_text(render_html(assessment, lang=assessment.language,
                                template_dir=opts.get("template_dir")), encoding="utf-8")


def _pdf(assessment: Assessment, path: Path, *, options: dict[str, Any] | None = None) -> None:
    from .pdf import render_pdf

    opts = options or {}
    render_pdf(assessment, path, lang=assessment.language, variant=opts.get("pdf_variant"),
               template_dir=opts.get("template_dir"))


def _csv(assessment: Assessment, path: Path) -> None:
    """Issue #7: one row per recipient, a processing register for spreadsheets."""
    from .csv_report import render_csv_bytes

    path.write_bytes(render_csv_bytes(assessment))


RENDERERS: dict[str, Renderer] = {".json": _json, ".html": _html, ".pdf": _pdf}
RENDERERS[".csv"] = _csv
# Renderers that take report options (issue #7: --template-dir, --pdf-variant) as `options=`.
OPTION_AWARE: set[Renderer] = {_html, _pdf}


def _export(name: str) -> Renderer:
    """Issue #8: the data exports of ``gdprmap.export`` (Turtle, JSON-LD, GraphML)."""

    def render(assessment: Assessment, path: Path) -> None:
        import importlib

        export = importlib.import_module("gdprmap.export")
        path.write_text(getattr(export, name)(assessment), encoding="utf-8")

    return render


RENDERERS.update({".ttl": _export("to_turtle"), ".jsonld": _export("to_jsonld"),
                  ".graphml": _export("to_graphml")})


def renderer_for(output: Path, **options: object) -> Renderer:
    """The renderer for an output file's extension, writing atomically. ``options`` (issue #7:
    ``template_dir``, ``pdf_variant``) reach the renderers that take them; giving one to a
    format that ignores it is a usage error."""
    render = RENDERERS.get(output.suffix.lower())
    if render is None:
        known = ", ".join(RENDERERS)
        raise UsageError(f"{output}: unknown report format {output.suffix or '(none)'!r} "
                         f"(known: {known})")
    given = {k: v for k, v in options.items() if v is not None}
    if given.get("pdf_variant") and output.suffix.lower() != ".pdf":
        raise UsageError(f"{output}: --pdf-variant applies to .pdf reports only")
    if given.get("template_dir") and render not in OPTION_AWARE:
        raise UsageError(f"{output}: --template-dir applies to .pdf and .html reports only")
    if given.get("pdf_variant"):
        from .pdf import check_variant

        check_variant(str(given["pdf_variant"]))

    def write(assessment: Assessment, path: Path) -> None:
        directory = path.parent if str(path.parent) else Path(".")
        if not directory.is_dir():
            raise UsageError(f"{path}: folder {directory} does not exist")
        try:  # an unwritable folder is the user's input error, not a crash (issue #17)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix,
                                       dir=directory)
        except OSError as e:
            raise UsageError(f"{path}: cannot write in {directory}: {e.strerror or e}") from e
        os.close(fd)
        try:
            if render in OPTION_AWARE:
                render(assessment, Path(tmp), options=given)  # type: ignore[call-arg]
            else:
                render(assessment, Path(tmp))
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; reports are not
            os.replace(tmp, path)
        except OSError as e:
            raise RenderError(f"{path}: cannot write: {e.strerror or e}") from e
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    return write
