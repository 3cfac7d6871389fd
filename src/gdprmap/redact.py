"""Redaction at the importer boundary: secrets never travel past it.

Cookie values, credential headers, and token-like or identifying query/body values are replaced
by ``[redacted]`` before any other stage sees them. What is kept is evidence: the name, the fact
that a value was present, what kind of value it looked like, and a keyed digest so that the same
identifier sent to two recipients can still be recognised as the same. The key comes from
``GDPRMAP_REDACTION_KEY`` or is random per process, so digests cannot be reversed by guessing
values; digests never appear in any output.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from .models import Header, Param

REDACTED = "[redacted]"

_KEY = os.environ.get("GDPRMAP_REDACTION_KEY", "").encode() or os.urandom(32)

SECRET_HEADERS = frozenset({
    "cookie", "set-cookie", "authorization", "proxy-authorization", "x-api-key", "x-auth-token",
    "x-csrf-token", "x-xsrf-token", "x-sentry-auth", "x-amz-security-token", "x-goog-api-key",
})
_SECRET_HEADER_WORDS = re.compile(r"token|secret|auth|api-?key|session|signature|password", re.I)

# Parameter names whose values are credentials.
_SECRET_NAME = re.compile(
    r"(^|[_.\-\[])(access_?token|token|secret|passw(or)?d|pwd|auth\w*|api_?key|apikey|key|"
    r"session|sess|sid|signature|sig|jwt|bearer|credential\w*|csrf\w*|xsrf\w*|nonce|ticket|code|"
    r"sentry_key|x-amz-[\w-]+)([_.\-\]]|$)",
    re.I,
)
# Parameter names whose values identify a person, a device or a browser.
_IDENTIFIER_NAME = re.compile(
    r"(^|[_.\-\[])(id|uid|cid|uuid|guid|_?ga|_?gid|gclid|fbclid|msclkid|fbp|fbc|idclient|"
    r"(client|user|visitor|device|anonymous|distinct|session|customer|member|patient|ad|"
    r"advertising|tracking|fp)_?id|vid|pid|sid|tid|userid|visitorid|deviceid)([_.\-\]]|$)",
    re.I,
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_BEARER = re.compile(r"\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]+", re.I)
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
_LONG_TOKEN = re.compile(r"\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{24,}\b")
_SECRET_PAIR = re.compile(
    r"(?P<name>[A-Za-z0-9_.-]*(?:token|secret|passw(?:or)?d|api_?key|sentry_key|sig|session)"
    r"[A-Za-z0-9_.-]*)(?P<sep>\s*[=:]\s*\"?)(?P<value>[^\s\"&,;}]+)",
    re.I,
)
_HEX_OR_TOKEN = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-+/=.]{16,}$")

MAX_BODY_PARAMS = 2000
MAX_DEPTH = 20


def digest(value: str) -> str:
    return hmac.new(_KEY, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:16]


def value_kind(name: str, value: str) -> str | None:
    """What a name/value pair looks like, or None when it may be shown as it is."""
    if not value:
        return None
    if _SECRET_NAME.search(name):
        return "secret"
    if _JWT.search(value) or _BEARER.match(value):
        return "secret"
    if _EMAIL.fullmatch(value.strip()):
        return "email"
    if _IDENTIFIER_NAME.search(name) or _UUID.fullmatch(value):
        return "identifier"
    if _HEX_OR_TOKEN.match(value) and not value.startswith(("http:", "https:", "/")):
        return "token"
    return None


def param(path: str, value: str) -> Param:
    kind = value_kind(path.rsplit(".", 1)[-1], value)
    if kind is None:
        return Param(path=path, value=scrub_text(value))
    return Param(path=path, value=REDACTED, redacted=True, kind=kind, digest=digest(value))


def header(name: str, value: str) -> Header:
    lname = name.lower()
    if lname in SECRET_HEADERS or _SECRET_HEADER_WORDS.search(lname):
        return Header(name=name, value=REDACTED, redacted=True)
    if lname in ("referer", "origin"):
        return Header(name=name, value=url(value))
    return Header(name=name, value=scrub_text(value))


def scrub_text(text: str) -> str:
    """Replace secrets inside free text (bodies, excerpts): JWTs, bearer tokens, e-mail
    addresses, name=secret pairs, UUIDs and long random tokens."""
    text = _JWT.sub(REDACTED, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _SECRET_PAIR.sub(lambda m: f"{m.group('name')}{m.group('sep')}{REDACTED}", text)
    text = _EMAIL.sub(REDACTED, text)
    text = _UUID.sub(REDACTED, text)
    return _LONG_TOKEN.sub(REDACTED, text)


def url(raw: str) -> str:
    """The URL with credentials, secret or identifying query values and token-like path
    segments replaced. Unparseable input is scrubbed as text."""
    try:
        parts = urlsplit(raw)
    except ValueError:
        return scrub_text(raw)
    if parts.scheme in ("data", "blob"):
        return raw[:64] + ("…" if len(raw) > 64 else "")
    netloc = parts.netloc.rsplit("@", 1)[-1]  # drop user:password@
    path = "/".join(
        REDACTED if (_JWT.search(seg) or _LONG_TOKEN.fullmatch(seg) and len(seg) >= 32) else seg
        for seg in parts.path.split("/")
    )
    query = "&".join(
        f"{quote(p.path, safe='[]._-')}={_quote_value(p)}" for p in query_params(parts.query)
    )
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def _quote_value(p: Param) -> str:
    return p.value if p.redacted else quote(p.value, safe="/:,._-~")


def query_params(query: str) -> tuple[Param, ...]:
    return tuple(param(name, value) for name, value in parse_qsl(query, keep_blank_values=True))


def body_params(mime: str, text: str) -> tuple[tuple[Param, ...], str | None]:
    """Structured values of a request body and, when it has no structure, a scrubbed excerpt."""
    stripped = text.lstrip()
    if "x-www-form-urlencoded" in mime:
        return query_params(text)[:MAX_BODY_PARAMS], None
    if "json" in mime or stripped.startswith(("{", "[")):
        docs = _json_documents(text)
        if docs:
            out: list[Param] = []
            for i, doc in enumerate(docs):
                prefix = f"[{i}]" if len(docs) > 1 else ""
                for path, value in _flatten(doc, prefix, 0):
                    out.append(param(path, value))
                    if len(out) >= MAX_BODY_PARAMS:
                        return tuple(out), None
            return tuple(out), None
    return (), scrub_text(text) if text else None


def _json_documents(text: str) -> list[object]:
    """One JSON document, or newline-delimited ones (Sentry envelopes, NDJSON beacons)."""
    try:
        return [json.loads(text)]
    except ValueError:
        pass
    docs = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            docs.append(json.loads(line))
        except ValueError:
            return []
    return docs


def _flatten(node: object, path: str, depth: int) -> Iterator[tuple[str, str]]:
    if depth > MAX_DEPTH:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _flatten(value, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _flatten(value, f"{path}[{i}]", depth + 1)
    elif node is not None and not isinstance(node, bool):
        yield path, str(node)
