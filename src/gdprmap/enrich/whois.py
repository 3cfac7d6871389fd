"""Port-43 WHOIS: the exchange over a socket, parsing with python-whois's ``WhoisEntry.load``.

Why not ``whois.NICClient``: it connects to ``(host, 43)`` with the port hard-coded, so it cannot
be pointed at a test server on 127.0.0.1; its timeout is per ``recv`` (a server that trickles
bytes holds it forever); on socket errors it returns the text "Socket not responding: ..." as if
it were an answer; and for unknown TLDs it asks whois.iana.org on its own. So the exchange is
done here (one query line, read to EOF under one deadline, answers capped at 256 KiB, one
registrar referral followed), and python-whois parses the text offline, which is where its value
lies (per-TLD field patterns).

Servers are injectable: ``servers`` maps a TLD ("com") or a WHOIS host name (a referral target
such as "whois.markmonitor.com") to "host" or "host:port".
"""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass
from typing import Any

from .netpolicy import RefusedTarget, TargetPolicy, clamp_text
from .registrant import Registration, pick

MAX_ANSWER = 256 * 1024
RATE_LIMIT_PATTERNS = re.compile(
    r"rate limit|query limit|too many (queries|requests)|exceeded|try again later|"
    r"quota|access denied|temporarily (blocked|unavailable)", re.IGNORECASE)
NOT_FOUND_PATTERNS = re.compile(
    r"^[ \t]*(no match|not found|no data found|no entries found|status:\s*(free|available)|"
    r"domain not found|the queried object does not exist|no object found|%% no entries)",
    re.IGNORECASE | re.MULTILINE)
# "^[ \t]*", not "^\s*": with MULTILINE, \s* spans empty lines, and a run of newlines was
# scanned again from every line start (quadratic; issue #17).
REFERRAL = re.compile(r"^[ \t]*Registrar WHOIS Server:[ \t]*(\S+)[ \t\r]*$",
                      re.IGNORECASE | re.MULTILINE)


class WhoisFailure(Exception):
    """A WHOIS exchange that gave no usable answer; ``status`` says how it failed."""

    def __init__(self, status: str, message: str, server: str) -> None:
        super().__init__(message)
        self.status, self.server = status, server


@dataclass(frozen=True)
class WhoisAnswer:
    server: str  # host:port that gave the (last) answer
    text: str


def split_server(server: str, default_port: int = 43) -> tuple[str, int]:
    if server.startswith("["):  # [::1]:4343
        host, _, port = server[1:].partition("]")
        return host, int(port.lstrip(":") or default_port)
    if server.count(":") == 1:
        host, port = server.split(":")
        return host, int(port)
    return server, default_port


def exchange(server: str, query: str, timeout: float, policy: TargetPolicy | None = None) -> str:
    """Send one query line to ``server`` (host[:port]) and read the answer to EOF.

    ``timeout`` bounds the whole exchange (connect, send and every read together).
    ``policy``: the server was named by an answer (a referral), so it must be on port 43 at a
    public address (issue #17).
    """
    try:
        host, port = split_server(server)
        line = query.encode("idna") + b"\r\n"
    except (ValueError, UnicodeError) as e:
        raise WhoisFailure("error", "not a host name or port WHOIS can ask", server) from e
    if policy is not None:
        try:
            policy.check_port("whois", host, port)
        except RefusedTarget as e:
            raise WhoisFailure("error", str(e), server) from e
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            if policy is not None:
                policy.check_peer(sock, host, port)
            sock.sendall(line)
            chunks: list[bytes] = []
            size = 0
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("deadline")
                sock.settimeout(left)
                data = sock.recv(4096)
                if not data:
                    break
                chunks.append(data)
                size += len(data)
                if size > MAX_ANSWER:
                    raise WhoisFailure("error", f"answer larger than {MAX_ANSWER} bytes", server)
    except RefusedTarget as e:
        raise WhoisFailure("error", str(e), server) from e
    except TimeoutError as e:  # socket.timeout is TimeoutError
        raise WhoisFailure("timeout", f"no complete answer within {timeout:g} s", server) from e
    except (OSError, UnicodeError, ValueError) as e:
        reason = clamp_text(getattr(e, "strerror", None) or e)
        raise WhoisFailure("error", f"connection failed: {reason}", server) from e
    raw = b"".join(chunks)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # several ccTLD servers still answer in Latin-1


def classify_answer(text: str, server: str) -> None:
    """Raise ``WhoisFailure`` for empty, rate-limited and not-found answers."""
    stripped = text.strip()
    if not stripped:
        raise WhoisFailure("error", "empty answer", server)
    head = stripped[:600]
    if RATE_LIMIT_PATTERNS.search(head) and "domain name:" not in head.lower():
        raise WhoisFailure("rate-limited", clamp_text(head.splitlines()[0], 200), server)
    if NOT_FOUND_PATTERNS.search(head):
        raise WhoisFailure("not-found", clamp_text(head.splitlines()[0], 200), server)


def query(domain: str, server: str, timeout: float, servers: dict[str, str] | None = None,
          referral: bool = True, policy: TargetPolicy | None = None) -> WhoisAnswer:
    """Ask ``server`` about ``domain``; follow one "Registrar WHOIS Server:" referral.

    A failing referral keeps the registry's answer (thin registries still name the registrar).
    A referral the ``servers`` table maps is configuration and trusted; any other is checked
    against ``policy`` (port 43, public address; issue #17).
    """
    policy = policy or TargetPolicy()
    servers = servers or {}
    text = exchange(server, domain, timeout)
    classify_answer(text, server)
    m = REFERRAL.search(text) if referral else None
    if m:
        target = m.group(1).strip().rstrip("/")
        target = re.sub(r"^(whois|https?)://", "", target)
        mapped = servers.get(target.lower())
        target = mapped or target
        if target and "/" not in target and target != server:
            try:
                more = exchange(target, domain, timeout, None if mapped else policy)
                classify_answer(more, target)
                return WhoisAnswer(target, text + "\n" + more)
            except WhoisFailure:
                pass
    return WhoisAnswer(server, text)


MAX_PARSED = 64 * 1024
MAX_LINE = 200


def for_parser(text: str) -> str:
    """The answer as python-whois may read it: its patterns are quadratic in a line's length
    (a 250 kB answer took ~250 s), so lines are cut to ``MAX_LINE`` characters and the text to
    ``MAX_PARSED`` (real answers: a few kB, field lines well under 200 characters)."""
    return "\n".join(line[:MAX_LINE] for line in text[:MAX_PARSED].splitlines())


# Keys python-whois uses for the registrant, by TLD parser (see the module docstring).
ORG_KEYS = ("registrant_organization", "registrant_org", "org", "registrant_company_name",
            "registrant_organisation")
COUNTRY_KEYS = ("registrant_country", "registrant_country_code", "country", "country_code")


def parse(domain: str, text: str, server: str, retrieved: str) -> Registration:
    """Normalise a raw WHOIS answer with python-whois's parser."""
    from whois.parser import WhoisEntry

    text = for_parser(text)
    try:
        entry = WhoisEntry.load(domain, text)
    except Exception as e:  # python-whois raises bare Exception subclasses on odd answers
        raise WhoisFailure("error", f"python-whois could not parse the answer: "
                                    f"{type(e).__name__}: {str(e)[:120]}", server) from e
    notes: list[str] = []
    redacted: list[str] = []
    org_raw = _registrant_field(entry, ORG_KEYS, notes, "organisation")
    if org_raw is None:
        # Not every TLD parser has an organisation pattern; the ICANN label is common to most.
        org_raw = re.findall(r"^[ \t]*Registrant[ \t]+Organi[sz]ation:[ \t]*(\S.*)$", text,
                             re.IGNORECASE | re.MULTILINE) or None
    country_raw = _registrant_field(entry, COUNTRY_KEYS, notes, "country")
    org = pick("organisation", org_raw, notes, redacted)
    country = pick("country", country_raw, notes, redacted)
    if "organisation" in redacted and country:
        # A privacy service's answer gives the service's own address: not the holder's country.
        country = None
        redacted.append("country")
    return Registration(domain=domain, protocol="whois", server=server, retrieved=retrieved,
                        organisation=org, country=country,
                        redacted=tuple(dict.fromkeys(redacted)), notes=tuple(notes))


REGISTRANT_SCOPED = re.compile(r"registrant|holder|owner|titular|titulaire", re.IGNORECASE)


def _registrant_field(entry: dict[str, Any], keys: tuple[str, ...], notes: list[str],
                      kind: str) -> object:
    """The first non-empty registrant field, trusted only when it belongs to the registrant.

    Some python-whois TLD parsers fill ``org``/``country`` from *every* contact block
    (.ir's ``registrant_organization`` is ``org: *(.+)``, which picks the billing contact's
    company; .at's ``country:`` takes any contact's). A key is trusted when its pattern names the
    registrant/holder (or, without a pattern, its name does); otherwise the value is left out
    and a note says why.
    """
    patterns = getattr(entry, "_regex", {}) or {}
    for key in keys:
        value = entry.get(key)
        if not value:
            continue
        pattern = patterns.get(key)
        if REGISTRANT_SCOPED.search(pattern or "") or (pattern is None
                                                        and key.startswith("registrant")):
            return value
        notes.append(f"registrant {kind} not separable from other contacts in this answer")
        return None
    return None
