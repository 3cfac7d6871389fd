"""A minimal DNS stub resolver for CNAME chains (issue 15: cloaked first-party trackers).

Only with ``--online``. One UDP query (type A, recursion desired) to the configured resolver -
``OnlineOptions.dns_server`` ("host:port"), else the first ``nameserver`` of /etc/resolv.conf -
and the CNAME records of the answer, followed from the name asked. Plain ``socket``: no new
dependency; every exchange has a timeout and a bounded answer. A truncated or malformed answer,
an error code or a timeout is a ``DnsFailure`` (recorded as a lookup), never a guess.
"""

from __future__ import annotations

import os
import secrets
import socket
import struct
from pathlib import Path

TYPE_A, TYPE_CNAME, CLASS_IN = 1, 5, 1
MAX_ANSWER = 4096
MAX_CHAIN = 10


class DnsFailure(Exception):
    def __init__(self, status: str, message: str, server: str) -> None:
        super().__init__(message)
        self.status, self.server = status, server


def system_resolver(path: str = "/etc/resolv.conf") -> str | None:
    """The first ``nameserver`` of resolv.conf as "address:53", or None."""
    try:
        for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "nameserver":
                return f"[{parts[1]}]:53" if ":" in parts[1] else f"{parts[1]}:53"
    except OSError:
        return None
    return None


def _address(server: str) -> tuple[str, int]:
    if server.startswith("["):
        host, _, port = server[1:].partition("]:")
        return host, int(port or 53)
    host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "53")
    return host, int(port or 53)


def query(name: str, server: str, timeout: float) -> bytes:
    """Send one A query for ``name`` and return the raw answer (same id, QR set)."""
    host, port = _address(server)
    qid = secrets.randbits(16)
    packet = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + _encode(name) + struct.pack(
        ">HH", TYPE_A, CLASS_IN)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(packet, (host, port))
            while True:
                data, _ = sock.recvfrom(MAX_ANSWER)
                if len(data) >= 12 and struct.unpack(">H", data[:2])[0] == qid:
                    return data
        except TimeoutError as e:
            raise DnsFailure("timeout", f"no answer within {timeout:g} s", server) from e
        except OSError as e:
            raise DnsFailure("error", f"query failed: {e}", server) from e


def cname_chain(name: str, answer: bytes, server: str) -> list[str]:
    """The CNAME targets of ``answer``, in order, starting from ``name``."""
    try:
        _qid, flags, qd, an, _ns, _ar = struct.unpack(">HHHHHH", answer[:12])
        if not flags & 0x8000:
            raise DnsFailure("error", "not a DNS answer", server)
        if flags & 0x0200:
            raise DnsFailure("error", "truncated answer", server)
        rcode = flags & 0x000F
        if rcode == 3:
            raise DnsFailure("not-found", "NXDOMAIN: no such name", server)
        if rcode:
            raise DnsFailure("error", f"DNS error code {rcode}", server)
        pos = 12
        for _ in range(qd):
            _, pos = _name(answer, pos)
            pos += 4
        cnames: dict[str, str] = {}
        for _ in range(min(an, 64)):
            owner, pos = _name(answer, pos)
            rtype, _rclass, _ttl, length = struct.unpack(">HHIH", answer[pos:pos + 10])
            pos += 10
            if pos + length > len(answer):
                raise ValueError("record past the end")
            if rtype == TYPE_CNAME:
                target, _ = _name(answer, pos)
                cnames[owner] = target
            pos += length
    except (struct.error, ValueError, IndexError) as e:
        raise DnsFailure("error", f"malformed answer: {e}", server) from e
    chain: list[str] = []
    current = name.lower().rstrip(".")
    while current in cnames and len(chain) < MAX_CHAIN:
        current = cnames[current]
        if current in chain:
            break
        chain.append(current)
    return chain


def _encode(name: str) -> bytes:
    out = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode("idna") if not label.isascii() else label.encode("ascii")
        if not 0 < len(raw) < 64:
            raise DnsFailure("skipped", f"not a DNS name: {name!r}", "")
        out += bytes([len(raw)]) + raw
    return out + b"\0"


def _name(data: bytes, pos: int) -> tuple[str, int]:
    """A (possibly compressed) domain name at ``pos``: the name and the position after it."""
    labels: list[str] = []
    end = None
    jumps = 0
    while True:
        length = data[pos]
        if length & 0xC0 == 0xC0:
            if jumps > 20:
                raise ValueError("compression loop")
            if end is None:
                end = pos + 2
            pos = ((length & 0x3F) << 8) | data[pos + 1]
            jumps += 1
            continue
        if length == 0:
            pos += 1
            break
        labels.append(data[pos + 1:pos + 1 + length].decode("ascii", "replace"))
        pos += 1 + length
    return ".".join(labels).lower(), (end if end is not None else pos)


def default_server() -> str | None:
    return os.environ.get("GDPRMAP_DNS_SERVER") or system_resolver()
