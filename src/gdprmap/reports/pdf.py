"""The PDF report, printed from the HTML report by WeasyPrint.

Nothing is ever fetched while printing: the document is self-contained, ``base_url`` is unset
(relative references resolve to nothing) and :class:`NoFetchURLFetcher` refuses every URL, so
markup that slipped into capture text could not reach the network or the file system even if it
were not escaped. Refused URLs are recorded on the fetcher for tests.

Dates: WeasyPrint writes PDF dates only from ``dcterms.created``/``modified`` metadata. When
``SOURCE_DATE_EPOCH`` is set it is used for both; otherwise the PDF carries no date, so the same
assessment always prints to the same bytes.

WeasyPrint is imported lazily (about 0.6 s) so that commands that do not print stay fast.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

from ..errors import RenderError
from ..models import Assessment
from . import i18n
from .html import render_document


def source_date(environ: dict[str, str] | None = None) -> dt.datetime | None:
    """The ``SOURCE_DATE_EPOCH`` instant (UTC), ``None`` when unset; invalid values raise."""
    raw = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH")
    if raw is None or raw.strip() == "":
        return None
    try:
        seconds = int(raw.strip())
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise RenderError(f"SOURCE_DATE_EPOCH must be a number of seconds, not {raw!r}") from exc


def no_fetch_url_fetcher() -> Any:
    """A WeasyPrint URL fetcher that refuses every URL, whatever its scheme.

    WeasyPrint 70 wants a ``weasyprint.URLFetcher`` subclass (a plain function crashes it);
    older versions, without that class, take a function.
    """
    import weasyprint

    base = getattr(weasyprint, "URLFetcher", None)
    if base is None:  # pragma: no cover - WeasyPrint < 66
        refused: list[str] = []

        def refuse(url: str, *args: Any, **kwargs: Any) -> Any:
            refused.append(url)
            raise ValueError(f"gdprmap reports fetch nothing (refused {url[:80]!r})")

        refuse.refused = refused  # type: ignore[attr-defined]
        refuse.fetch = refuse  # type: ignore[attr-defined]
        return refuse

    class NoFetchURLFetcher(base):  # type: ignore[misc, valid-type]
        """Refuses everything; ``refused`` lists what was asked for."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["allowed_protocols"] = ()
            kwargs["fail_on_errors"] = False
            super().__init__(*args, **kwargs)
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            self.refused.append(url)
            raise ValueError(f"gdprmap reports fetch nothing (refused {url[:80]!r})")

        def open(self, url: Any, data: Any = None, timeout: Any = None) -> Any:
            self.refused.append(str(getattr(url, "full_url", url)))
            raise ValueError("gdprmap reports fetch nothing")

    return NoFetchURLFetcher()


def render_pdf(assessment: Assessment, path: str | os.PathLike[str], lang: str = "en") -> Path:
    """Print the report of ``assessment`` in ``lang`` to ``path`` (written atomically)."""
    i18n.check_lang(lang)
    target = Path(path)
    html = render_document(assessment, lang, paged=True, created=source_date())
    data = _print(html)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise RenderError(f"{target}: cannot write the PDF: {exc.strerror or exc}") from exc
    return target


def render_pdf_bytes(assessment: Assessment, lang: str = "en") -> bytes:
    """The PDF as bytes (same output as :func:`render_pdf`)."""
    i18n.check_lang(lang)
    return _print(render_document(assessment, lang, paged=True, created=source_date()))


def _print(html: str, fetcher: Any = None) -> bytes:
    import weasyprint

    fetcher = fetcher or no_fetch_url_fetcher()
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher)
    data = document.write_pdf(pdf_identifier=False, uncompressed_pdf=False)
    if not isinstance(data, bytes):  # pragma: no cover - write_pdf() without target returns bytes
        raise RenderError("WeasyPrint returned no PDF")
    return data
