"""Cookie lifetimes: how long the identifiers a recipient can read live.

Lifetimes come from what a capture tool recorded about cookies being set
(``CaptureInfo.cookies``: the EDPS Website Evidence Collector and Blacklight record name,
domain and expiry; HAR captures do not carry them yet). A cookie belongs to a recipient when
its domain matches one of the recipient's hosts (``.doubleclick.net`` for
``stats.g.doubleclick.net``), or when a script served from one of its hosts set it on the
site's own domain (``_ga`` set by ``www.googletagmanager.com``: the script reads it and sends
its value, e.g. as ``cid``) - then ``set_by_script`` names the script. The lifetime is counted from the start of the capture run (or its
first request). It is a hint for the Art. 30(1)(f) erasure time limits and for ePrivacy
assessments, never a statement of what the recipient keeps.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from ..models import CaptureInfo, CookieLifetime


def cookie_lifetimes(infos: Iterable[CaptureInfo], hosts: Iterable[str]) -> tuple[CookieLifetime, ...]:
    hosts = [h.lower().strip(".") for h in hosts]
    out: dict[tuple[str, str], CookieLifetime] = {}
    for info in infos:
        start = (info.run.started if info.run and info.run.started else None) or info.first_seen
        source = info.producer or info.format
        for c in info.cookies:
            domain = c.domain.lower().strip(".")
            script = None
            if not domain or not any(h == domain or h.endswith("." + domain) for h in hosts):
                setter = _host(c.set_at) if c.set_by == "Cookie.JS" and c.set_at else None
                if setter not in hosts:
                    continue
                script = c.set_at
            days = None
            if c.expires is not None and not c.session and start is not None:
                days = round((c.expires - start).total_seconds() / 86400, 1)
            out.setdefault((domain, c.name), CookieLifetime(name=c.name, domain=c.domain,
                                                            days=days, source=source,
                                                            set_by_script=script))
    return tuple(out[k] for k in sorted(out))


def _host(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower() if host else None
