"""Device data: user agent, screen, language, fingerprinting payloads.

- ``pd:UserAgent`` - the ``User-Agent`` header, or a user agent inside the payload.
- ``pd:DeviceBased`` - screen or window size (``sr=1920x1080``, ``vp``, ``screen.width``).
- ``pd:Language`` - the browser language inside the payload (``ul=fr-fr``, ``language``).
  The ``Accept-Language`` header is not counted: every request carries it.
- ``pd:BrowserFingerprint`` - a canvas/WebGL/audio hash or font list, or at least
  ``fingerprint_min_properties`` distinct device properties in one request (a fingerprinting
  payload, e.g. FingerprintJS components).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import vocab
from .base import Claim, View, item, noted
from .keys import patterns, segments

_P = patterns()
_UA = _P.keys("device", "ua_keys")
_SCREEN = _P.keys("device", "screen_keys")
_SCREEN_DIM = _P.keys("device", "screen_dimension_keys")
_SCREEN_PARENT = _P.keys("device", "screen_parent_keys")
_SCREEN_CHILD = _P.keys("device", "screen_child_keys")
_LANGUAGE = _P.keys("device", "language_keys")
_FP = _P.keys("device", "fingerprint_keys")
_FP_PROPS = _P.keys("device", "fingerprint_properties")
_FP_MIN = _P.number("device", "fingerprint_min_properties")
_SIZE = re.compile(r"\d{2,5}\s*[x×*,]\s*\d{2,5}(\s*[x×*,]\s*\d{1,3}){0,2}")
_NUMBER = re.compile(r"\d{1,5}(\.\d+)?")
_LANG = re.compile(r"[a-z]{2,3}([-_][a-z]{2,4})?(,\s*[a-z]{2,3}([-_][a-z]{2,4})?)*", re.I)


def user_agent(view: View) -> Iterator[Claim]:
    flow = view.flow
    for h in flow.headers:
        if h.name.lower() == "user-agent" and h.value:
            yield item(flow, vocab.USER_AGENT.iri, "request.headers[User-Agent]", h.value)
            break
    for field, p, key in view.params:
        if key in _UA and not p.redacted and "/" in p.value and len(p.value) > 10:
            yield item(flow, vocab.USER_AGENT.iri, field, f"{p.path}={p.value}")
            break


def screen_and_language(view: View) -> Iterator[Claim]:
    screen = language = False
    for field, p, key in view.params:
        if p.redacted:
            continue
        value = p.value.strip()
        if not screen and (key in _SCREEN and _SIZE.fullmatch(value)
                           or key in _SCREEN_DIM and _NUMBER.fullmatch(value)
                           or key in _SCREEN_CHILD and _NUMBER.fullmatch(value)
                           and segments(p.path) & _SCREEN_PARENT):
            screen = True
            yield item(view.flow, vocab.DEVICE.iri, field, f"{p.path}={value}")
        elif not language and key in _LANGUAGE and _LANG.fullmatch(value):
            language = True
            yield item(view.flow, vocab.LANGUAGE.iri, field, f"{p.path}={value}")


def fingerprint(view: View) -> Iterator[Claim]:
    # every segment of the path counts: FingerprintJS nests values ("components.canvas.value")
    props: dict[str, str] = {}
    for field, p, _ in view.params:
        names = segments(p.path)
        if not p.value:
            continue
        if names & _FP:
            yield item(view.flow, vocab.FINGERPRINT.iri, field,
                       noted(p.path, "fingerprint_redacted" if p.redacted
                             else "fingerprint_present"))
            return
        for key in names & _FP_PROPS:
            props.setdefault(key, field)
    if len(props) >= _FP_MIN:
        first = next(iter(props.values()))
        yield item(view.flow, vocab.FINGERPRINT.iri, first.rsplit(":", 1)[0] if
                   first.startswith("request.postData") else "request.queryString",
                   f"{len(props)} device properties in one request: {', '.join(sorted(props))}")
