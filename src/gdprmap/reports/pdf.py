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
not print stay fast; ``gdprmap report -o x.pdf`` imports it in a child process while the
analysis runs, and that child prints (:class:`PrintAhead`). Print speed (issue #9, figures in benchmarks/README.md): WeasyPrint's cost
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
from . import htmltree, i18n
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


def _attachment_specs(assessment: Assessment, lang: str) -> list[dict[str, Any]]:
    """The files a PDF/A-3 report embeds, as plain data (``weasyprint.Attachment`` keywords)."""
    from .csv_report import render_csv_bytes
    from .json_report import render_json

    when = source_date() or dt.datetime.combine(assessment.as_of, dt.time(0), tzinfo=dt.UTC)
    when = when.astimezone(dt.UTC).replace(tzinfo=None)  # WeasyPrint writes it as UTC ("Z")
    payloads = {"assessment.json": render_json(assessment).encode("utf-8"),
                "register.csv": render_csv_bytes(assessment)}
    return [{"string": payloads[name], "name": name, "description": i18n.t(lang, key),
             "created": when, "modified": when, "relationship": "Data"}
            for name, key in attachment_names(assessment)]


def _attachments(specs: list[dict[str, Any]], fetcher: Any) -> list[Any]:
    weasyprint = _weasyprint()
    return [weasyprint.Attachment(url_fetcher=fetcher, **spec) for spec in specs]


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
    specs = _attachment_specs(assessment, lang) if attaching else []
    ahead, PrintAhead.started = PrintAhead.started, None  # one document per child
    if ahead is not None:
        data = ahead.print(html, variant, specs)
        if data is not None:
            return data
    return _print_job(html, variant, specs)


def _print_job(html: str, variant: str | None, specs: list[dict[str, Any]]) -> bytes:
    fetcher = no_fetch_url_fetcher()
    attachments = _attachments(specs, fetcher) if specs else None
    return _print(html, fetcher, variant=variant, attachments=attachments)


class PrintAhead:
    """A child process that imports WeasyPrint and prepares its stylesheet while this process
    analyses the capture, then prints the one PDF asked of it (issue 19): on two cores the
    ~0.2 s of that import and preparation overlap the analysis. For the command line only
    (:meth:`start`, POSIX ``fork``, a process with one thread); the result is the same bytes
    as printing here, and whenever the child cannot deliver (it failed, died, or was never
    asked), :func:`render_pdf_bytes` prints in this process as before, so errors are raised
    as before. ``GDPRMAP_PRINT_AHEAD=0`` turns it off."""

    started: PrintAhead | None = None

    def __init__(self, pid: int, to_child: int, from_child: int) -> None:
        self.pid, self.to_child, self.from_child = pid, to_child, from_child

    @classmethod
    def start(cls) -> PrintAhead | None:
        import threading

        if (cls.started is not None or not hasattr(os, "fork")
                or os.environ.get("GDPRMAP_PRINT_AHEAD", "1") == "0"
                or threading.active_count() != 1):  # fork copies no other thread's locks
            return cls.started
        job_r, job_w = os.pipe()
        out_r, out_w = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            for fd in (job_r, job_w, out_r, out_w):
                os.close(fd)
            return None
        if pid == 0:  # pragma: no cover - the child (its coverage is not collected)
            os.close(job_w)
            os.close(out_r)
            cls._child(job_r, out_w)
        os.close(job_r)
        os.close(out_w)
        cls.started = cls(pid, job_w, out_r)
        return cls.started

    @staticmethod
    def _child(job_r: int, out_w: int) -> None:  # pragma: no cover - runs in the child
        import pickle
        import signal

        status = 0
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the parent reports it
            _weasyprint()
            _lean_ua_stylesheet()
            _html_fields()
            _static_css()
            from .. import assess  # noqa: F401 - for _print's collector setting
            with os.fdopen(job_r, "rb") as fh:
                job = fh.read()
            if job:  # empty: the parent printed nothing (an error, or another format)
                html, variant, specs = pickle.loads(job)
                data = b"\0" + _print_job(html, variant, specs)
            else:
                data = b""
        except BaseException as e:  # noqa: BLE001 - any failure: the parent prints itself
            data = b"\1" + f"{type(e).__name__}: {e}".encode("utf-8", "replace")
            status = 1
        try:
            with os.fdopen(out_w, "wb") as fh:
                fh.write(data)
        finally:
            os._exit(status)  # no clean-up of the parent's objects, no flush of its buffers

    def print(self, html: str, variant: str | None,
              specs: list[dict[str, Any]]) -> bytes | None:
        """The child's PDF of ``html``, or None when it cannot give one."""
        import pickle

        try:
            with os.fdopen(self.to_child, "wb") as fh:
                self.to_child = -1
                fh.write(pickle.dumps((html, variant, specs), pickle.HIGHEST_PROTOCOL))
            with os.fdopen(self.from_child, "rb") as fh:
                self.from_child = -1
                data = fh.read()
        except OSError:
            data = b""
        finally:
            self.close()
        return data[1:] if data[:1] == b"\0" else None

    def close(self) -> None:
        """End the child (at once when nothing was asked of it) and reap it."""
        import signal

        asked = self.to_child < 0
        for fd in (self.to_child, self.from_child):
            if fd >= 0:
                os.close(fd)
        self.to_child = self.from_child = -1
        if self.pid:
            try:
                if not asked:  # it may still be importing WeasyPrint: nothing to wait for
                    os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.pid = 0
        if PrintAhead.started is self:
            PrintAhead.started = None


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
    """``weasyprint.HTML`` for ``html``, with the lean default stylesheet when it applies,
    built on the tree of :func:`htmltree.parse` when there is one (the same tree)."""
    weasyprint = _weasyprint()

    lean = None if _NEEDS_STOCK_UA.search(html) else _lean_ua_stylesheet()
    stock_ua = getattr(getattr(weasyprint, "html", None), "UA_STYLESHEET", None)
    base: Any = weasyprint.HTML
    cls = base
    if lean is not None and hasattr(weasyprint.HTML, "_ua_stylesheets"):
        class LeanHTML(base):  # type: ignore[misc]
            def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
                return [lean if s is stock_ua else s for s in super()._ua_stylesheets(forms)]

        cls = LeanHTML
    tree = htmltree.parse(html) if _html_fields() else None
    if tree is None:
        return cls(string=html, base_url=None, url_fetcher=fetcher)
    document = cls.__new__(cls)
    # what weasyprint.HTML.__init__ sets after parsing (checked by _html_fields); the report
    # has no <base> (htmltree refuses it), so its base URL is the one given: None
    document.base_url = None
    document.url_fetcher = fetcher
    document.media_type = "print"
    document.wrapper_element = htmltree.wrap(tree)
    document.etree_element = document.wrapper_element.etree_element
    return document


_HTML_FIELDS = ("base_url", "etree_element", "media_type", "url_fetcher", "wrapper_element")


@lru_cache(maxsize=1)
def _html_fields() -> bool:
    """Whether this WeasyPrint's ``HTML`` keeps exactly the fields :func:`_document` sets."""
    weasyprint = _weasyprint()
    probe = weasyprint.HTML(string="<!DOCTYPE html><p>", base_url=None,
                            url_fetcher=no_fetch_url_fetcher())
    return tuple(sorted(vars(probe))) == _HTML_FIELDS


# The report's <style> starts with report.css and the verdict colours (html.stylesheet()), the
# same for every report: parsing them takes ~15 ms of each print, so they are parsed once per
# process - in the printing child while the parent analyses. WeasyPrint parses a <style> as it
# finds it, so the element is emptied and its two parts (that stylesheet, the report's own
# lines after it) are given in the same order as user style sheets: the same declarations in
# the same order, and the only author declarations left, style attributes, win over both
# origins alike (the stylesheet has no !important).
def _static_css_text() -> str:
    from .html import stylesheet

    return "\n" + stylesheet() + "\n"


@lru_cache(maxsize=1)
def _static_css() -> Any:
    weasyprint = _weasyprint()
    from weasyprint.css.counters import CounterStyle

    text = _static_css_text()
    if "!important" in text:
        return None
    return weasyprint.CSS(string=text, base_url=None, url_fetcher=no_fetch_url_fetcher(),
                          media_type="print", counter_style=CounterStyle())


def _prepared_style(document: Any, fetcher: Any) -> list[Any]:
    """Empty the report's <style> and return it as [stylesheet(), the rest] when it starts
    with :func:`_static_css_text`; otherwise [] and the document is left as it is."""
    root = getattr(document, "etree_element", None)
    style = root.find("head/style") if root is not None else None
    if style is None or len(style) or style.attrib:
        return []
    text, prefix = style.text or "", _static_css_text()
    if not text.startswith(prefix) or "!important" in text or _static_css() is None:
        return []
    weasyprint = _weasyprint()
    from weasyprint.css.counters import CounterStyle

    rest = weasyprint.CSS(string=text[len(prefix):], base_url=None, url_fetcher=fetcher,
                          media_type="print", counter_style=CounterStyle())
    style.text = ""
    return [_static_css(), rest]


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
        sheets = _prepared_style(document, fetcher)
        if sheets:
            options["stylesheets"] = sheets
        data = document.write_pdf(pdf_identifier=False, uncompressed_pdf=False, **options)
    if not isinstance(data, bytes):  # pragma: no cover - write_pdf() without target returns bytes
        raise RenderError("WeasyPrint returned no PDF")
    return data
