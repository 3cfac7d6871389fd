"""What ``--online`` may connect to, and for how long (issue #17).

Answers come from servers that may be hostile or intercepted. The servers gdprmap is configured
with (the RDAP bootstrap, the WHOIS table, ``OnlineOptions.rdap_servers``/``whois_servers``) are
trusted; a target that an *answer* names - an RDAP ``related`` link, an HTTP redirect, a WHOIS
``Registrar WHOIS Server:`` referral - is not. Such a target must be on its protocol's standard
port (443/80 for RDAP, 43 for WHOIS) and the address actually connected to must be public:
loopback, private, link-local, multicast, reserved and unspecified addresses are refused. The
check is made on the connected socket's peer address, so a DNS answer that changes between a
check and the connection (rebinding) changes nothing.

Tests serve referrals from 127.0.0.1: ``OnlineOptions.referral_allowlist`` names exact
``host:port`` pairs that may be reached anyway. It is a field of the library's options only -
no command-line option or environment variable sets it - so a capture, an answer or a shell
profile cannot widen what a run connects to.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterable

STANDARD_PORTS = {"https": 443, "http": 80, "whois": 43}


class RefusedTarget(Exception):
    """A target an answer named that a run must not connect to."""


def public_address(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_reserved or ip.is_unspecified)


class TargetPolicy:
    """Whether an answer-named target may be reached: standard port, public peer address,
    or an exact ``host:port`` of the (library-only) allowlist."""

    def __init__(self, allowlist: Iterable[str] = ()) -> None:
        self.allowlist = frozenset(a.lower() for a in allowlist)

    def allowed_pair(self, host: str, port: int) -> bool:
        return f"{host.lower()}:{port}" in self.allowlist

    def check_port(self, scheme: str, host: str, port: int) -> None:
        if self.allowed_pair(host, port):
            return
        if port != STANDARD_PORTS.get(scheme):
            raise RefusedTarget(f"refused: a referral to a non-standard port ({port})")

    def check_peer(self, sock: socket.socket, host: str, port: int) -> None:
        if self.allowed_pair(host, port):
            return
        peer = sock.getpeername()[0]
        if not public_address(peer):
            raise RefusedTarget("refused: a referral to a loopback, private or link-local "
                                "address")


class Deadline:
    """One deadline for a whole exchange (connect, request, headers, every read): when it
    passes, the sockets it watches are shut down, so a server that sends a byte every few
    seconds cannot hold a lookup past it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def left(self) -> float:
        return self.end - time.monotonic()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._socks.append(sock)
            if self.expired:
                _shutdown(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._socks:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def clamp_text(text: object, limit: int = 120) -> str:
    """A server-provided phrase (HTTP reason, first line of an answer) on one short line."""
    value = " ".join("".join(c if c.isprintable() else " " for c in str(text)[:limit * 4])
                     .split())
    return value if len(value) <= limit else value[:limit - 1] + "…"
