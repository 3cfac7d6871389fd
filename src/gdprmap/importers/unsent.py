"""Requests the capture tool says never left the browser (issue 15): Chrome's DevTools and
BrowserMob Proxy record them as HAR entries with a status of 0 and an ``_error``; gdprmap's own
live capture writes ``_failure``; Chrome marks a response its memory or disk cache served,
without any transfer, with ``_fromCache``. A request an ad blocker cancelled, whose host name
did not resolve, or that the cache answered disclosed nothing to anyone during the capture -
reporting its host as a recipient would state a disclosure that did not happen. Only errors
that prove the request was never sent count: a refused or reset connection, a timeout or an
aborted request may have reached the server, and stays a request."""

from __future__ import annotations

from typing import Any

_CHROMIUM = "Chromium, net/base/net_error_list.h"
_BROWSERMOB = "BrowserMob Proxy, browsermob-core HarCaptureUtil (RESOLUTION_FAILED_ERROR_MESSAGE)"
_DEVTOOLS = ("Chrome DevTools HAR export (front_end/models/har/Log.ts): _fromCache is written when "
             "request.cached() - served from the memory or disk cache without a transfer")

# gdprmap's NetLog reader writes this when a request ended in the log without request headers
NETLOG_UNSENT = "NetLog: ended on no connection, without sending request headers"

# error as the producer writes it -> (why it was never sent, where the producer defines it)
_NEVER_SENT: dict[str, tuple[str, str]] = {
    "net::ERR_BLOCKED_BY_CLIENT": (
        "the client chose to block the request", _CHROMIUM),
    "net::ERR_BLOCKED_BY_ADMINISTRATOR": (
        "the request was blocked by the URL block list configured by the domain administrator",
        _CHROMIUM),
    "net::ERR_NAME_NOT_RESOLVED": ("the host name could not be resolved", _CHROMIUM),
    "net::ERR_INTERNET_DISCONNECTED": ("the Internet connection has been lost", _CHROMIUM),
    "Unable to resolve host": ("the host name could not be resolved (name lookup failure)",
                               _BROWSERMOB),
    "_fromCache: memory": ("served from the browser's memory cache: nothing was transferred",
                           _DEVTOOLS),
    "_fromCache: disk": ("served from the browser's disk cache: nothing was transferred",
                         _DEVTOOLS),
    NETLOG_UNSENT: (
        "the request ended without being bound to a connection or sending its headers (an "
        "internal redirect such as an HSTS upgrade, or a cache-only lookup)",
        "Chromium NetLog: a request's binding to a stream job or session, and "
        "HTTP_TRANSACTION_SEND_REQUEST_HEADERS or its HTTP/2 and QUIC forms, are logged for "
        "every request that uses a connection or sends its headers "
        "(net/log/net_log_event_type_list.h)"),
}
_BROWSERMOB_PREFIX = "Unable to resolve host: "


def never_sent(entry: dict[str, Any], response: dict[str, Any]) -> str | None:
    """Chrome's ``_fromCache`` mark, or the producer's error (``response._error``, or
    ``_failure`` of gdprmap's own captures) when it shows that the request never left the
    browser, else None. BrowserMob's message names the host and port; only its fixed part is
    kept."""
    cached = entry.get("_fromCache")
    if cached in ("memory", "disk"):
        return f"_fromCache: {cached}"
    for error in (response.get("_error"), entry.get("_failure")):
        if isinstance(error, str):
            error = error.strip()
            if error.startswith(_BROWSERMOB_PREFIX):
                return _BROWSERMOB_PREFIX.rstrip(": ")
            if error in _NEVER_SENT:
                return error
    return None


def explain(error: str) -> tuple[str, str]:
    """(why, source) for an error :func:`never_sent` returned."""
    return _NEVER_SENT[error]
