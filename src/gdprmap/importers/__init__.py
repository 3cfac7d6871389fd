"""Importers: each knows one capture format and yields ``Flow`` records; nothing after them sees
a capture format. Formats are chosen by sniffing content (and, for folders, the files they
hold), not by file name. Built-ins register through ``REGISTRY`` like a third party would."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError
from ..limits import special_file
from ..models import CaptureInfo, Flow
from . import (compressed, devtools, har, ios_privacy, mitmflow, netlog, pcapdroid, register,
               trackercontrol, webpagetest, wec)
from .base import Capture, Importer, ImportOptions

SNIFF_BYTES = 8192
_PYTHON_REPR = re.compile(rb"\{\s*'log'\s*:\s*\{\s*'")
READ_COMPRESSED = ("har", "devtools-events", "chrome-netlog")  # formats read through gzip / zlib

# Tried in order: the most specific content signature first, the HAR catch-all after them.
REGISTRY: dict[str, Importer] = {
    imp.id: imp
    for imp in (
        Importer("register", "declared processing register (YAML or JSON)", register.sniff,
                 register.open_register),
        Importer("wec", "EDPS Website Evidence Collector or Blacklight output folder "
                 "(inspection.json + requests.har)", wec.sniff, wec.open_inspection),
        Importer("har", "HAR 1.1/1.2, also gzip/zlib compressed (browsers, mitmproxy, Charles, "
                 "Fiddler, PCAPdroid ...)", har.sniff, har.open_har),
        Importer("devtools-events", "Chrome DevTools Protocol network events: a ChromeDriver "
                 "(Selenium) performance log or a list of Network.* events (Puppeteer)",
                 devtools.sniff, devtools.open_events),
        Importer("chrome-netlog", "Chrome NetLog (chrome://net-export, --log-net-log; also "
                 "gzip compressed), its URL requests", netlog.sniff, netlog.open_netlog),
        Importer("mitmproxy-flows", "mitmproxy flow file (mitmdump -w; flow format 8 and "
                 "later), its HTTP flows", mitmflow.sniff, mitmflow.open_flows),
        Importer("webpagetest-json", "WebPageTest JSON test result (every run and view)",
                 webpagetest.sniff, webpagetest.open_result),
        Importer("ios-app-privacy-report", "iOS App Privacy Report export (JSON Lines; its "
                 "network activity)", ios_privacy.sniff, ios_privacy.open_report),
        Importer("pcapdroid-csv", "PCAPdroid connections CSV export", pcapdroid.sniff,
                 pcapdroid.open_csv),
        Importer("trackercontrol-csv", "TrackerControl CSV export (one app or all apps)",
                 trackercontrol.sniff, trackercontrol.open_csv),
    )
}


def open_capture(path: Path, display: str | None = None,
                 options: ImportOptions | None = None) -> Capture:
    """Open ``path`` with the first importer whose sniffer recognises it."""
    display = display or str(path)
    options = options or ImportOptions()
    head = b""
    if special_file(path):
        raise InputError(display, "not a regular file (a FIFO, socket or device); "
                                  "give a capture file or folder")
    if not path.is_dir():
        try:
            with path.open("rb") as fh:
                head = fh.read(SNIFF_BYTES)
        except OSError as e:
            raise InputError(display, f"cannot read: {e.strerror or e}") from e
        if not head.strip():
            raise InputError(display, "empty file")
    packed = compressed.kind(head)
    sniffed = compressed.inflated_head(head, SNIFF_BYTES) if packed else head
    for importer in REGISTRY.values():
        if importer.sniff(path, sniffed):
            if packed and importer.id not in READ_COMPRESSED:
                raise InputError(display, f"{packed}-compressed {importer.id} file: decompress "
                                          "it first (only HAR, DevTools logs and NetLogs are "
                                          "read compressed)")
            return importer.open(path, display, options)
    if packed:  # a broken stream, or a compressed file of no known format: the HAR reader
        return REGISTRY["har"].open(path, display, options)  # names what is wrong inside
    if _PYTHON_REPR.match(sniffed.lstrip()):  # str(har) instead of json.dump(har): a common slip
        raise InputError(display, "a HAR written as a Python dict (single quotes: str() "
                                  "instead of json.dump), not JSON: write it again with "
                                  "json.dump")
    raise InputError(display, f"unrecognised capture format (known: {', '.join(REGISTRY)})")


__all__ = [
    "REGISTRY",
    "Capture",
    "CaptureInfo",
    "Flow",
    "ImportOptions",
    "Importer",
    "open_capture",
]
