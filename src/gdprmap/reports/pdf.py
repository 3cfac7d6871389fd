"""The PDF report, printed from the HTML report by WeasyPrint.

Nothing is ever fetched while printing: the document is self-contained, ``base_url`` is unset
(relative references resolve to nothing) and :class:`NoFetchURLFetcher` refuses every URL, so
markup that slipped into capture text could not reach the network or the file system even if it
were not escaped. Refused URLs are recorded on the fetcher for tests.

Dates: WeasyPrint writes PDF dates only from ``dcterms.created``/``modified`` metadata. When
``SOURCE_DATE_EPOCH`` is set it is used for both; otherwise the PDF carries no date, so the same
assessment always prints to the same bytes.

PDF/A (``variant="pdf/a-3b"``, CLI ``--pdf-variant pdf/a-3b``): WeasyPrint's PDF/A writer with
the JSON assessment and the CSV register embedded as associated files (``attachments``). Their
dates are ``SOURCE_DATE_EPOCH`` when set, else the as-of date (midnight UTC), so that the same
inputs give the same bytes.

WeasyPrint is imported lazily (about 0.45 s, see :func:`_weasyprint`) so that commands that do
not print stay fast. Print speed (issue #9, figures in benchmarks/README.md): WeasyPrint's cost
follows the number of boxes and lines it lays out and draws (about 1 ms per line), so the
template prints each text once; besides, the print copy of WeasyPrint's default stylesheet
(:func:`_document`) and the maps (texts as HTML, simplified world outlines) avoid its slowest
paths.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from functools import lru_cache
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


# WeasyPrint opens its libraries by trying Windows and macOS names first ("libpango-1.0-0",
# "libharfbuzz-0.dll" ...); on Linux cffi then asks ctypes.util.find_library, which runs
# ldconfig, gcc and ld for each of these names that cannot exist there: about 16 subprocesses
# and 0.3 s of the 0.7 s import. While WeasyPrint is imported, those names get their answer
# (None) at once; every other name goes to find_library as before.
_FOREIGN_LIBRARY_NAME = re.compile(r"-\d+$|\.dll$|\.dylib$")


def _weasyprint() -> Any:
    """``import weasyprint``, without the library look-ups that cannot succeed on Linux."""
    import sys

    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        import weasyprint

        return weasyprint
    import ctypes.util

    find_library = ctypes.util.find_library

    def linux_find_library(name: str) -> str | None:
        return None if _FOREIGN_LIBRARY_NAME.search(name) else find_library(name)

    ctypes.util.find_library = linux_find_library
    try:
        import weasyprint
    finally:
        ctypes.util.find_library = find_library
    return weasyprint


PNG_DATA = "data:image/png;base64,"


def _embedded_png(url: str) -> bytes | None:
    """The bytes of a ``data:image/png;base64,`` URL holding a PNG (the report's own embedded
    consent screenshots, issue #16): decoded here, nothing fetched. Anything else: None."""
    if not isinstance(url, str) or not url.startswith(PNG_DATA):
        return None
    import base64
    import binascii

    try:
        data = base64.b64decode(url[len(PNG_DATA):], validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if data.startswith(b"\x89PNG\r\n\x1a\n") else None


def no_fetch_url_fetcher() -> Any:
    """A WeasyPrint URL fetcher that refuses every URL, whatever its scheme (only a PNG
    embedded as a ``data:`` URL in the report itself is decoded, never fetched).

    WeasyPrint 70 wants a ``weasyprint.URLFetcher`` subclass (a plain function crashes it);
    older versions, without that class, take a function.
    """
    weasyprint = _weasyprint()

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
            image = _embedded_png(url)
            if image is not None:  # issue #16: a screenshot exhibit inside the report itself
                from weasyprint.urls import URLFetcherResponse

                return URLFetcherResponse(url, body=image, headers={"Content-Type": "image/png"})
            self.refused.append(url)
            raise ValueError(f"gdprmap reports fetch nothing (refused {url[:80]!r})")

        def open(self, url: Any, data: Any = None, timeout: Any = None) -> Any:
            self.refused.append(str(getattr(url, "full_url", url)))
            raise ValueError("gdprmap reports fetch nothing")

    return NoFetchURLFetcher()


PDF_VARIANTS: tuple[str, ...] = ("pdf/a-3b", "pdf/a-3u", "pdf/a-2b")
ATTACHING_VARIANTS = ("pdf/a-3b", "pdf/a-3u")  # PDF/A-2 forbids non-PDF/A embedded files


def check_variant(variant: str | None) -> str | None:
    if variant is None or variant == "":
        return None
    v = variant.lower()
    if v not in PDF_VARIANTS:
        from ..errors import UsageError

        raise UsageError(f"unknown PDF variant {variant!r} (known: {', '.join(PDF_VARIANTS)})")
    return v


def attachment_names(assessment: Assessment) -> tuple[tuple[str, str], ...]:
    """(file name, description key) of the files a PDF/A-3 report embeds."""
    return (("assessment.json", "att_json"), ("register.csv", "att_csv"))


def _attachments(assessment: Assessment, lang: str, fetcher: Any) -> list[Any]:
    weasyprint = _weasyprint()

    from .csv_report import render_csv_bytes
    from .json_report import render_json

    when = source_date() or dt.datetime.combine(assessment.as_of, dt.time(0), tzinfo=dt.UTC)
    when = when.astimezone(dt.UTC).replace(tzinfo=None)  # WeasyPrint writes it as UTC ("Z")
    payloads = {"assessment.json": render_json(assessment).encode("utf-8"),
                "register.csv": render_csv_bytes(assessment)}
    out = []
    for name, key in attachment_names(assessment):
        out.append(weasyprint.Attachment(
            string=payloads[name], name=name, description=i18n.t(lang, key),
            created=when, modified=when, relationship="Data", url_fetcher=fetcher))
    return out


def render_pdf(
    assessment: Assessment,
    path: str | os.PathLike[str],
    lang: str = "en",
    *,
    variant: str | None = None,
    template_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Print the report of ``assessment`` in ``lang`` to ``path`` (written atomically).
    ``variant``: ``pdf/a-3b`` (or ``pdf/a-3u``) embeds the JSON and CSV reports."""
    target = Path(path)
    data = render_pdf_bytes(assessment, lang, variant=variant, template_dir=template_dir)
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


def render_pdf_bytes(
    assessment: Assessment,
    lang: str = "en",
    *,
    variant: str | None = None,
    template_dir: str | os.PathLike[str] | None = None,
) -> bytes:
    """The PDF as bytes (same output as :func:`render_pdf`)."""
    i18n.check_lang(lang)
    variant = check_variant(variant)
    attaching = variant in ATTACHING_VARIANTS
    html = render_document(
        assessment, lang, paged=True, created=source_date(), template_dir=template_dir,
        attachments=attachment_names(assessment) if attaching else (),
    )
    fetcher = no_fetch_url_fetcher()
    attachments = _attachments(assessment, lang, fetcher) if attaching else None
    return _print(html, fetcher, variant=variant, attachments=attachments)


# WeasyPrint's default stylesheet gives every element a ::marker, ::footnote-call,
# ::footnote-marker, ::note-call, ::note-marker and ::note-callback style ("::marker { ... }"
# applies to all elements), and WeasyPrint computes each of them: for this report about 17,000
# of its 19,000 computed styles, half of the style cascade. A report has no footnotes and no
# list items but <li>, so the copy used here limits those rules to <li>; documents that mention
# footnotes, notes or other list items (a --template-dir override) keep the stock stylesheet.
_UNIVERSAL_PSEUDO = re.compile(r"^::(marker|footnote-[a-z]+|note-[a-z]+) \{", re.M)
_NEEDS_STOCK_UA = re.compile(r"footnote|float\s*:\s*note|::note|list-item\s*[;}]|"
                             r"display\s*:\s*list-item|<summary", re.I)


@lru_cache(maxsize=1)
def _lean_ua_stylesheet() -> Any:
    """WeasyPrint's HTML stylesheet with the universal pseudo-element rules limited to
    ``li``; ``None`` when this WeasyPrint's stylesheet is not the expected one."""
    weasyprint = _weasyprint()
    from weasyprint.css.counters import CounterStyle

    stock = getattr(getattr(weasyprint, "html", None), "UA", None)
    if not isinstance(stock, str) or len(_UNIVERSAL_PSEUDO.findall(stock)) != 6:
        return None
    return weasyprint.CSS(string=_UNIVERSAL_PSEUDO.sub(r"li::\1 {", stock),
                          counter_style=CounterStyle())


def _document(html: str, fetcher: Any) -> Any:
    """``weasyprint.HTML`` for ``html``, with the lean default stylesheet when it applies."""
    weasyprint = _weasyprint()

    lean = None if _NEEDS_STOCK_UA.search(html) else _lean_ua_stylesheet()
    stock_ua = getattr(getattr(weasyprint, "html", None), "UA_STYLESHEET", None)
    if lean is None or not hasattr(weasyprint.HTML, "_ua_stylesheets"):
        return weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher)

    base: Any = weasyprint.HTML

    class LeanHTML(base):  # type: ignore[misc]
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [lean if s is stock_ua else s for s in super()._ua_stylesheets(forms)]

    return LeanHTML(string=html, base_url=None, url_fetcher=fetcher)


def _print(html: str, fetcher: Any = None, *, variant: str | None = None,
           attachments: list[Any] | None = None) -> bytes:
    # WeasyPrint allocates hundreds of thousands of boxes and styles: with the collector's
    # default threshold, its full collections walk them and everything the analysis left (the
    # ontology, the knowledge base) again and again. The analysis's setting (frozen heap, rare
    # collections; thread-safe, restored afterwards) cuts ~10 % of the printing CPU (issue 19).
    from ..assess import _few_collections

    fetcher = fetcher or no_fetch_url_fetcher()
    options: dict[str, Any] = {}
    if variant:
        options["pdf_variant"] = variant
    if attachments:
        options["attachments"] = attachments
    with _few_collections():
        document = _document(html, fetcher)
        data = document.write_pdf(pdf_identifier=False, uncompressed_pdf=False, **options)
    if not isinstance(data, bytes):  # pragma: no cover - write_pdf() without target returns bytes
        raise RenderError("WeasyPrint returned no PDF")
    return data
