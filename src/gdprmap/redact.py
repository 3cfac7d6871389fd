"""Redaction at the importer boundary: secrets never travel past it.

Cookie values, credential headers, and token-like or identifying query/body values are replaced
by ``[redacted]`` before any other stage sees them. What is kept is evidence: the name, the fact
that a value was present, what kind of value it looked like, and a keyed digest so that the same
identifier sent to two recipients can still be recognised as the same. The key comes from
``GDPRMAP_REDACTION_KEY`` or is random per process, so digests cannot be reversed by guessing
values; digests never appear in any output.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Iterator
from urllib.parse import SplitResult, quote, unquote, urlsplit, urlunsplit

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
# Every pattern here runs in time linear in the text (issue #17): a pattern that may start
# inside a run of the characters it consumes starts only at the run's beginning (a negative
# look-behind) and takes the run possessively (``++``, ``*+``), so no run is scanned twice.
# tests/test_hostile_regex.py runs every pattern of the package against adversarial strings.
_JWT = re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}+\.[A-Za-z0-9_-]{2,}+\.[A-Za-z0-9_-]*+")
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]++@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_BEARER = re.compile(r"\b(Bearer|Basic|Token)\s++[A-Za-z0-9._~+/=-]++", re.I)
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
_LONG_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])"
                         r"[A-Za-z0-9_-]{24,}+")
# A name=value (or name: value, "name": "value") pair whose name says the value is a secret:
# the names are found by one linear scan, the keyword is looked for in each name, and only a
# secret name's separator and value are matched (``_secret_pairs``).
_PAIR_NAME = re.compile(r"(?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]++(?=\"?\s*+[=:])")
_PAIR_TAIL = re.compile(r"(?<=[A-Za-z0-9_.-])\"?\s*+[=:]\s*+\"?(?=[^\s\"&,;}])")
_PAIR_VALUE = re.compile(r"[^\s\"&,;}]++")
# API keys with a well-known prefix (Stripe, GitHub, Slack, AWS access key ids, Google API keys)
_KEY_PREFIX = re.compile(r"(?<![A-Za-z0-9_])(?:(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{8,}+|"
                         r"gh[pousr]_[A-Za-z0-9]{20,}+|xox[abposr]-[A-Za-z0-9-]{8,}+|"
                         r"AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,}+)")
# Personal values inside free text (search terms, bodies that are not JSON, URL paths):
# international phone numbers, national ones written in groups (06 12 34 56 78), IPv4
# addresses and payment card numbers (13-19 digits passing the Luhn check).
_PHONE_IN_TEXT = re.compile(r"(?<![\w+])(?:\+|00)[1-9](?:[ .()/-]{0,2}[0-9]){7,14}(?![0-9])|"
                            r"(?<![\w+.-])0[1-9](?:[ .-]?[0-9]{2}){4}(?![0-9])")
_IPV4_IN_TEXT = re.compile(r"(?<![0-9.])(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}"
                           r"(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(?![0-9]|\.[0-9])")
_CARD_IN_TEXT = re.compile(r"(?<![0-9])[2-6](?:[ -]?[0-9]){12,18}(?![0-9])")
_HEX_OR_TOKEN = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-+/=.]{16,}$")

MAX_BODY_PARAMS = 2000
MAX_DEPTH = 20


# BLAKE2b in its keyed mode (a MAC, RFC 7693) takes keys of up to 64 bytes: a longer
# GDPRMAP_REDACTION_KEY is hashed to 64 bytes first, as HMAC does with long keys.
_MAC_KEY = _KEY if len(_KEY) <= 64 else hashlib.sha512(_KEY).digest()


def digest(value: str) -> str:
    """A keyed digest of a value (16 hex digits), for matching equal values; never output.
    Keyed BLAKE2b: one C call, ~2.5 x faster than HMAC-SHA256 (issue 19: one digest per
    identifier value not seen before, i.e. per request in a capture of unique client ids)."""
    return hashlib.blake2b(value.encode("utf-8", "surrogatepass"), key=_MAC_KEY,
                           digest_size=8).hexdigest()


# Personal values the classifier must name but that must not travel on raw (issue #4): known
# by the parameter name and the value's shape. ``classify/`` reads the kind; the value is gone.
_B, _E = r"(^|[_.\-\[])", r"([_.\-\]]|$)"
_IP_NAME = re.compile(_B + r"(ip|uip|ip_?address|ip_?addr|client_?ip|user_?ip|remote_?addr|"
                      r"x-forwarded-for|ip_?override)" + _E, re.I)
_IPV4 = re.compile(r"(\d{1,3}\.){3}(\d{1,3}|x{1,3}|\*)", re.I)
_IPV6 = re.compile(r"[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}", re.I)
_PHONE_NAME = re.compile(_B + r"(tel|phone|phone_?number|telephone|mobile|mobile_?phone|"
                         r"cell_?phone|portable|telefon|telefonnummer|handy|mobil)" + _E, re.I)
_PHONE_INTL = re.compile(r"\+\d[\d\s().\-]{7,18}\d")
_PHONE_CHARS = re.compile(r"\+?[\d\s().\-/]{6,22}")
_BIRTH_NAME = re.compile(_B + r"(dob|birth_?date|date_?of_?birth|birth_?day|date_?(de_?)?naissance|"
                         r"naissance|geburtsdatum|geburtstag)" + _E, re.I)
_PERSON_NAME = re.compile(_B + r"(first_?name|last_?name|given_?name|family_?name|full_?name|"
                          r"sur_?name|maiden_?name|middle_?name|nom_?de_?famille|"
                          r"vorname|nachname|familienname)" + _E + r"|^(nom|prenom)$", re.I)
_POSTCODE_NAME = re.compile(_B + r"(zip|zip_?code|post_?code|postal_?code|code_?postal|cp|plz|"
                            r"postleitzahl)" + _E, re.I)
_POSTCODE = re.compile(r"\d{4,5}|[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}", re.I)
_COORD_NAME = re.compile(_B + r"(lat|latitude|lng|lon|long|longitude|geo|geoloc|geolocation|"
                         r"coords?|coordinates|latlng|latlon|ll|position)" + _E, re.I)
_COORD = re.compile(r"-?\d{1,3}\.\d{2,}(\s*[,;]\s*-?\d{1,3}\.\d{2,})?")
_COORD_PAIR = re.compile(r"-?\d{1,2}\.\d{3,}\s*,\s*-?\d{1,3}\.\d{3,}")
_CITY_NAME = re.compile(_B + r"(city|ville|stadt|locality)" + _E + r"|^(town|ort|commune)$",
                        re.I)
_CITY = re.compile(r"[^\W\d_]+([\s'\-][^\W\d_]+){0,4}")


@functools.lru_cache(maxsize=16384)
def _name_kinds(name: str) -> tuple[bool, bool, bool, bool, bool, bool, bool, bool, bool]:
    """What a parameter name says (issue 19): the name patterns of ``personal_kind`` and
    ``value_kind`` run once per distinct name, not once per value - names repeat from request
    to request (``cid``, ``dl``), values often do not (a client id, a timestamp)."""
    return (_IP_NAME.search(name) is not None, _PHONE_NAME.search(name) is not None,
            _BIRTH_NAME.search(name) is not None, _PERSON_NAME.search(name) is not None,
            _POSTCODE_NAME.search(name) is not None, _COORD_NAME.search(name) is not None,
            _CITY_NAME.search(name) is not None, _SECRET_NAME.search(name) is not None,
            _IDENTIFIER_NAME.search(name) is not None)


def personal_kind(name: str, value: str) -> str | None:
    """"ip", "truncated-ip", "phone", "birthdate", "name", "postcode" or "location", for a
    value that is one; None otherwise."""
    return _personal_kind(_name_kinds(name), value)


def _personal_kind(names: tuple[bool, ...], value: str) -> str | None:
    ip_name, phone_name, birth_name, person_name, postcode_name, coord_name, city_name = names[:7]
    v = value.strip()
    if ip_name and (_IPV4.fullmatch(v) or ":" in v and _IPV6.fullmatch(v)):
        # a truncated address (last octet zeroed or masked) is still pseudonymous personal data
        return "truncated-ip" if v.endswith((".0", ".x", ".xx", ".xxx", ".*", "::")) else "ip"
    # the digit count only where a pattern already matched (it ran for every value before)
    intl = "+" in v and _PHONE_INTL.fullmatch(v) is not None
    named = phone_name and _PHONE_CHARS.fullmatch(v) is not None
    if intl or named:
        digits = sum(c.isdigit() for c in v)
        if intl and 8 <= digits <= 15 or named and 6 <= digits <= 15:
            return "phone"
    if birth_name and any(c.isdigit() for c in v):
        return "birthdate"
    if person_name and any(c.isalpha() for c in v):
        return "name"
    if postcode_name and _POSTCODE.fullmatch(v):
        return "postcode"
    if (coord_name and _COORD.fullmatch(v) or "," in v and _COORD_PAIR.fullmatch(v)
            or city_name and len(v) <= 60 and _CITY.fullmatch(v)):
        return "location"
    return None


def value_kind(name: str, value: str) -> str | None:
    """What a name/value pair looks like, or None when it may be shown as it is. Only the
    name's last 256 and the value's first ``MAX_SCRUB`` characters are looked at."""
    if not value:
        return None
    name, value = name[-256:], clamp(value, MAX_SCRUB)
    names = _name_kinds(name)
    if kind := _personal_kind(names, value):  # before secrets: "zip_code" is a postcode
        return kind
    if names[7]:  # a secret's name
        return "secret"
    if "eyJ" in value and _JWT.search(value) or _BEARER.match(value):
        return "secret"
    if "@" in value and _EMAIL.fullmatch(value.strip()):
        return "email"
    if names[8] or _UUID.fullmatch(value):  # an identifier's name
        return "identifier"
    if _HEX_OR_TOKEN.match(value) and not value.startswith(("http:", "https:", "/")):
        return "token"
    return None


@functools.lru_cache(maxsize=16384)
def param(path: str, value: str) -> Param:
    # memoised (issue #9): names and many values repeat from request to request (v=2,
    # tid=G-..., en=page_view, the page URL); a Param is frozen, so sharing one is safe
    kind = value_kind(path.rsplit(".", 1)[-1], value)
    shown = scrub_name(path)
    if shown != path and kind is None:
        kind = "secret" if shown == REDACTED else None
    if kind is None:
        return Param(path=shown, value=scrub_text(value))
    return Param(path=shown, value=REDACTED, redacted=True, kind=kind, digest=digest(value))


def secret_header(name: str) -> bool:
    """A header whose value is a credential or session secret, whatever its value."""
    lname = name.lower()
    return lname in SECRET_HEADERS or bool(_SECRET_HEADER_WORDS.search(lname))


def header(name: str, value: str) -> Header:
    lname = name.lower()
    if secret_header(lname):
        return Header(name=name, value=REDACTED, redacted=True)
    if lname in ("referer", "origin", ":path"):  # HTTP/2's :path is the URL's path and query
        return Header(name=name, value=url(value))
    return Header(name=name, value=scrub_text(value))


# Cheap necessary conditions for the patterns above (issue #9): each pattern runs only when
# the text can hold a match, so the result is the same.
_SECRET_PAIR_WORD = re.compile(r"token|secret|passw(?:or)?d|api_?key|sentry_key|sig|session",
                               re.I)
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_-]{24}")
_DIGIT_RUN = re.compile(r"[0-9]{2}[ .()/-]{0,2}[0-9]")
# Issue 19: a phone number holds at least 8 digits (``+``/``00`` and 8-15 digits, or ``0`` and
# 9 more), a payment card 13: text with fewer skips those two passes (one check, stopping at
# the eighth digit, costs a fifth of the phone pattern); an IPv4 address needs three dots; the
# bearer pattern needs one of its three words (looked for in lower case in ASCII text, where
# that is what IGNORECASE matches).
_EIGHT_DIGITS = re.compile(r"\A(?:[^0-9]*+[0-9]){8}")  # anchored: linear under findall too

# The longest text scrubbed (issue #17): request bodies are classified on their first 256 KiB
# (importers.har.MAX_BODY); a longer header or parameter value is cut there too.
MAX_SCRUB = 256 << 10
CUT = "…"


def clamp(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with an ellipsis."""
    return text if len(text) <= limit else text[:limit - 1] + CUT


def scrub_text(text: str, tokens: bool = True) -> str:
    """Replace secrets and personal values inside free text (bodies, excerpts, URL parts):
    JWTs, bearer tokens, API keys, name=secret pairs, e-mail addresses, phone numbers, IPv4
    addresses, payment card numbers, UUIDs and (with ``tokens``) long random tokens. Text
    longer than ``MAX_SCRUB`` is cut first; every pattern is linear in the text's length."""
    text = clamp(text, MAX_SCRUB)
    if "eyJ" in text:
        text = _JWT.sub(REDACTED, text)
    if not text.isascii() or _bearer_word(text.lower()):
        text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    if ("=" in text or ":" in text) and _SECRET_PAIR_WORD.search(text):
        text = _secret_pairs(text)
    if "_" in text or "xox" in text or "AKIA" in text or "AIza" in text:  # the prefixes' marks
        text = _KEY_PREFIX.sub(REDACTED, text)
    if "@" in text:
        text = _EMAIL.sub(REDACTED, text)
    if _DIGIT_RUN.search(text):
        many = _EIGHT_DIGITS.match(text) is not None  # a redaction only removes digits
        if many:
            text = _PHONE_IN_TEXT.sub(REDACTED, text)
        if text.count(".") >= 3:
            text = _IPV4_IN_TEXT.sub(REDACTED, text)
        if many:
            text = _CARD_IN_TEXT.sub(_card, text)
    if "-" in text and len(text) >= 36:
        text = _UUID.sub(REDACTED, text)
    if tokens and len(text) >= 24 and _TOKEN_RUN.search(text):
        text = _LONG_TOKEN.sub(REDACTED, text)
    return text


def _bearer_word(lower: str) -> bool:
    return "bearer" in lower or "basic" in lower or "token" in lower


def _secret_pairs(text: str) -> str:
    """``name=[redacted]`` for every pair whose name holds a secret keyword (one pass)."""
    out: list[str] = []
    done = 0
    for m in _PAIR_NAME.finditer(text):
        if m.start() < done or not _SECRET_PAIR_WORD.search(m.group()):
            continue
        tail = _PAIR_TAIL.match(text, m.end())
        if tail is None:
            continue
        value = _PAIR_VALUE.match(text, tail.end())
        if value is None:
            continue
        out += (text[done:tail.end()], REDACTED)
        done = value.end()
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


def _card(m: re.Match[str]) -> str:
    digits = [int(c) for c in m.group() if c.isdigit()]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2)
                for i, d in enumerate(reversed(digits)))
    return REDACTED if total % 10 == 0 else m.group()


def url(raw: str) -> str:
    """The URL with credentials, secret or identifying query values and token-like path
    segments replaced. Unparseable input is scrubbed as text."""
    return url_and_query(raw)[0]


def after_host(url: str) -> str | None:
    """What follows ``scheme://host`` in an absolute URL - path, query and fragment, cut
    where ``urlsplit`` ends the host - or None when ``url`` does not start with a scheme and
    ``//``. For URLs parsed once already (the importers' redacted ones), where ``urlsplit``
    again would cost more than the work it serves."""
    m = _SCHEME_AND_HOST.match(url)
    return None if m is None else url[m.end():]


# ``scheme://host`` as ``after_host`` cuts it: a scheme (an ASCII letter, then scheme
# characters up to the first ":"), "//", and the host up to the first "/", "?" or "#"
_SCHEME_AND_HOST = re.compile(r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*+://[^/?#]*+")


# An absolute URL that ``urlsplit`` would take apart without any of its special cases: a
# scheme, "//", an authority without brackets, no tab, CR or LF anywhere (urlsplit deletes
# them) and nothing to strip in front (the scheme starts with a letter).
_PLAIN_URL = re.compile(r"(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*+)://([^/?#\[\]\t\r\n]*+)"
                        r"((?:/[^?#\t\r\n]*+)?)(?:\?([^#\t\r\n]*+))?(?:#([^\t\r\n]*+))?")


def split_url(raw: str) -> SplitResult:
    """``urlsplit(raw)``, the same result and errors, with the common case (an absolute URL
    with an ASCII host) taken apart by one regex: ``urlsplit`` cost ~3 us per URL in Python,
    and an importer splits two or three per request (issue 19)."""
    m = _PLAIN_URL.fullmatch(raw)
    if m is None or not m.group(2).isascii():
        return urlsplit(raw)
    scheme, netloc, path, query, fragment = m.groups()
    return SplitResult(scheme.lower(), netloc, path, query or "", fragment or "")


def url_and_query(raw: str, parts: SplitResult | None = None) -> tuple[str, tuple[Param, ...]]:
    """``url(raw)`` and the redacted query parameters, parsed once (importers need both).
    ``parts`` is ``urlsplit(raw)`` when the caller has it already."""
    if parts is None:
        try:
            parts = split_url(raw)
        except ValueError:
            return scheme_and_host(raw), ()
    scheme = parts.scheme
    if scheme in ("data", "blob"):
        return raw[:64] + ("…" if len(raw) > 64 else ""), ()
    netloc = parts.netloc
    if "@" in netloc:
        netloc = netloc.rsplit("@", 1)[-1]  # drop user:password@
    path = _path(parts.path)
    params: tuple[Param, ...] = ()
    query = ""
    if parts.query:
        pairs = [_raw_query_pair(piece) for piece in parts.query.split("&") if piece]
        if pairs:
            params, texts = zip(*pairs)
            query = "&".join(texts)
    if netloc and (not path or path[0] == "/"):  # what urlunsplit writes, without its checks
        text = f"{scheme}://{netloc}{path}" if scheme else f"//{netloc}{path}"
        return (f"{text}?{query}" if query else text), params
    return urlunsplit((scheme, netloc, path, query, "")), params


@functools.lru_cache(maxsize=4096)
def _path(path: str) -> str:
    """A URL path with JWT and long-token segments replaced, and every segment through the
    free-text scrubber (e-mail addresses, API keys, ``;jsessionid=`` path parameters, phone
    and card numbers); memoised (paths repeat)."""
    return "/".join(
        REDACTED if ("eyJ" in seg and _JWT.search(seg)
                     or len(seg) >= 32 and _LONG_TOKEN.fullmatch(seg))
        else _segment(seg) for seg in clamp(path, MAX_SCRUB).split("/")
    )


def _segment(seg: str) -> str:
    # ;jsessionid=, ;PHPSESSID= (RFC 3986 path parameters): the value is a session secret
    if ";" in seg:
        head, _, params = seg.partition(";")
        return ";".join([_segment(head), *(_path_param(p) for p in params.split(";"))])
    if _PLAIN.fullmatch(seg):
        return seg
    return scrub_text(unquote(seg) if "%" in seg else seg, tokens=False)


def _path_param(piece: str) -> str:
    name, eq, value = piece.partition("=")
    if not eq:
        return _segment(name)
    if "sess" in name.lower() or _SECRET_PAIR_WORD.search(name) or value_kind(name, value):
        return f"{scrub_name(name)}={REDACTED}"
    return f"{scrub_name(name)}={_segment(value)}"


# Text that holds nothing the scrubber looks for: short words without digits or "@".
_PLAIN = re.compile(r"[A-Za-z._~!$'()*+,-]{0,23}")


@functools.lru_cache(maxsize=16384)
def scrub_name(name: str) -> str:
    """A parameter or key name as it may be shown: a name that is itself a secret or a
    personal value (a JWT, an e-mail address, a token used as the name) is replaced."""
    if _PLAIN.fullmatch(name):
        return name
    name = clamp(name, 1024)
    if _JWT.search(name) or _EMAIL.search(name) or _LONG_TOKEN.fullmatch(name):
        return REDACTED
    return scrub_text(name, tokens=False)


def scheme_and_host(raw: str) -> str:
    """What may be shown of a URL the parser refuses: its scheme and host, without any
    ``user:password@`` (issue #17); text without ``scheme://`` is scrubbed and cut."""
    scheme, sep, rest = raw.partition("://")
    if not sep or not scheme.isascii() or not scheme.isalnum() or len(scheme) > 20:
        return scrub_text(clamp(raw.rpartition("@")[2], 200))
    host = rest
    for stop in "/?#":
        host = host.partition(stop)[0]
    host = host.rpartition("@")[2]
    return f"{scheme}://{scrub_text(clamp(host, 260), tokens=False)}"


def split_query(query: str) -> list[tuple[str, str]]:
    """``parse_qsl(query, keep_blank_values=True)``."""
    return [_decode_pair(piece) for piece in query.split("&") if piece]


def _decode_pair(piece: str) -> tuple[str, str]:
    name, eq, value = piece.partition("=")
    if "%" in piece or "+" in piece:
        return unquote(name.replace("+", " ")), unquote(value.replace("+", " ")) if eq else ""
    return name, value


@functools.lru_cache(maxsize=16384)
def _raw_query_pair(piece: str) -> tuple[Param, str]:
    """``_query_pair`` of one ``name=value`` piece as it is in the URL: most pieces repeat
    from request to request, and decoding them (``unquote``) was the costly part (issue #9)."""
    return _query_pair(*_decode_pair(piece))


def _query_pair(name: str, value: str) -> tuple[Param, str]:
    """A query parameter redacted, and its ``name=value`` text for the redacted URL. Not
    memoised itself: ``_raw_query_pair``, its one caller, is, by the piece it decodes (issue
    19: this cache found no repeat that one had not, and held a second copy of each)."""
    p = param(name, value)
    return p, f"{_quote_name(p.path)}={_quote_value(p)}"


# What ``quote`` leaves alone with the ``safe`` characters below: text made only of these is
# returned as it is without the call (issue 19: most values are; ``quote`` was a quarter of
# the cost of a query value seen for the first time).
_QUOTE_SAFE_NAME = re.compile(r"[A-Za-z0-9_.~\[\]-]*")
_QUOTE_SAFE_VALUE = re.compile(r"[A-Za-z0-9_.~/:,-]*")


@functools.lru_cache(maxsize=4096)
def _quote_name(name: str) -> str:
    return name if _QUOTE_SAFE_NAME.fullmatch(name) else quote(name, safe="[]._-")


def _quote_value(p: Param) -> str:
    if p.redacted or _QUOTE_SAFE_VALUE.fullmatch(p.value):
        return p.value
    return quote(p.value, safe="/:,._-~")


def query_params(query: str) -> tuple[Param, ...]:
    return tuple(param(name, value) for name, value in split_query(query))


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
    except RecursionError:  # nested deeper than any real body: kept as a scrubbed excerpt
        return []
    except ValueError:
        pass
    docs = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            docs.append(json.loads(line))
        except (ValueError, RecursionError):
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


class Redactor:
    """The redaction an importer applies. ``keep_secrets=True`` passes raw values through for
    local debugging only; every output made that way is marked (``secrets_kept``), so an
    unredacted report can never pass for a normal one."""

    def __init__(self, keep_secrets: bool = False) -> None:
        self.keep_secrets = keep_secrets

    def url(self, raw: str) -> str:
        if self.keep_secrets and not raw.startswith(("data:", "blob:")):
            return raw
        return url(raw)

    def url_and_query(self, raw: str, parts: SplitResult | None = None,
                      ) -> tuple[str, tuple[Param, ...]]:
        if not self.keep_secrets:
            return url_and_query(raw, parts)
        try:
            query = (parts or urlsplit(raw)).query
        except ValueError:
            query = ""
        return self.url(raw), self.query_params(query)

    def header(self, name: str, value: str) -> Header:
        return Header(name=name, value=value) if self.keep_secrets else header(name, value)

    def param(self, path: str, value: str) -> Param:
        return Param(path=path, value=value) if self.keep_secrets else param(path, value)

    def query_params(self, query: str) -> tuple[Param, ...]:
        return tuple(self.param(n, v) for n, v in split_query(query))

    def body_params(self, mime: str, text: str) -> tuple[tuple[Param, ...], str | None]:
        if not self.keep_secrets:
            return body_params(mime, text)
        if "x-www-form-urlencoded" in mime:
            return self.query_params(text)[:MAX_BODY_PARAMS], None
        docs = _json_documents(text) if "json" in mime or text.lstrip()[:1] in ("{", "[") else []
        if docs:
            out = [Param(path=p, value=v) for i, doc in enumerate(docs)
                   for p, v in _flatten(doc, f"[{i}]" if len(docs) > 1 else "", 0)]
            return tuple(out[:MAX_BODY_PARAMS]), None
        return (), text or None

    def scrub_text(self, text: str) -> str:
        return text if self.keep_secrets else scrub_text(text)

    def name(self, name: str) -> str:
        """A parameter, cookie or storage key name (``scrub_name``)."""
        return name if self.keep_secrets else scrub_name(name)

    def path(self, path: str) -> str:
        """A URL path on its own (a cookie's ``path``): each segment through the scrubber."""
        return path if self.keep_secrets else _path(path)
