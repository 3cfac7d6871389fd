"""One error hierarchy. Every error the CLI turns into a one-line message and exit code 2.

    GdprmapError
    ├── UsageError            an option or option combination that makes no sense
    ├── InputError            a capture or register that cannot be read (carries file/entry/field)
    ├── KnowledgeBaseError    the bundled or overriding organisation data is invalid
    ├── OntologyError         the rules or ontology files are invalid
    ├── RenderError           an output could not be written
    └── CaptureError          a live capture could not be made (browser missing, URL
                              unreachable, page never loaded) - issue #16
"""

from __future__ import annotations


class GdprmapError(Exception):
    """Base of every error gdprmap raises on purpose."""


class UsageError(GdprmapError):
    pass


class InputError(GdprmapError):
    """A capture that cannot be read. The message names the file, the entry and the field."""

    def __init__(
        self, path: str, reason: str, *, entry: int | None = None, field: str | None = None
    ) -> None:
        self.path, self.reason, self.entry, self.field = path, reason, entry, field
        # set where a reader could step over this entry and go on (importers.base.EntryGuard)
        self.skippable = False
        where = path
        if entry is not None:
            where += f": entry {entry}"
        if field:
            where += f": {field}"
        super().__init__(f"{where}: {reason}")


class KnowledgeBaseError(GdprmapError):
    pass


class OntologyError(GdprmapError):
    pass


class RenderError(GdprmapError):
    pass


class CaptureError(GdprmapError):
    """A live capture (``gdprmap capture``/``audit``) that could not be made; the message says
    what to do (install the browser, check the URL, raise --timeout)."""
