"""Renderers: each reads only an ``Assessment`` and writes one format. Files are written to a
temporary name and renamed, so a failed run never leaves a partial report behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..errors import RenderError, UsageError
from ..models import Assessment

Renderer = Callable[[Assessment, Path], None]


def _json(assessment: Assessment, path: Path) -> None:
    from .json_report import render_json

    path.write_text(render_json(assessment), encoding="utf-8")


def _html(assessment: Assessment, path: Path) -> None:
    from .html import render_html

    path.write_text(render_html(assessment, lang=assessment.language), encoding="utf-8")


def _pdf(assessment: Assessment, path: Path) -> None:
    from .pdf import render_pdf

    render_pdf(assessment, path, lang=assessment.language)


RENDERERS: dict[str, Renderer] = {".json": _json, ".html": _html, ".pdf": _pdf}


def renderer_for(output: Path) -> Renderer:
    """The renderer for an output file's extension, writing atomically."""
    render = RENDERERS.get(output.suffix.lower())
    if render is None:
        known = ", ".join(RENDERERS)
        raise UsageError(f"{output}: unknown report format {output.suffix or '(none)'!r} "
                         f"(known: {known})")

    def write(assessment: Assessment, path: Path) -> None:
        directory = path.parent if str(path.parent) else Path(".")
        if not directory.is_dir():
            raise UsageError(f"{path}: folder {directory} does not exist")
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=directory)
        os.close(fd)
        try:
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
