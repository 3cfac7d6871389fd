"""``--online`` against hostile servers on 127.0.0.1 (issue #17, item 5): one deadline per
exchange, referrals to private targets refused, server text clamped, Retry-After clamped,
WHOIS parsing bounded, and one lookup's failure never the run's end."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from test_rdap import RdapServer, doc

from gdprmap.enrich import whois
from gdprmap.enrich.netpolicy import public_address
from gdprmap.enrich.online import OnlineOptions, RegistrationLookup


class TcpServer:
    """A TCP server on 127.0.0.1 running ``handle(conn)`` per connection; counts them."""

    def __init__(self, handle) -> None:
        self.handle, self.connections = handle, 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        try:
            self.handle(conn, self.stop)
        except OSError:
            pass
        finally:
            conn.close()

    def __enter__(self) -> TcpServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


def trickle(conn: socket.socket, stop: threading.Event) -> None:
    """An HTTP answer or a WHOIS text, one byte every 0.3 s, for a minute."""
    conn.settimeout(5)
    try:
        conn.recv(4096)
    except OSError:
        return
    for byte in (b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 200):
        if stop.wait(0.3):
            return
        conn.sendall(bytes([byte]))


def options(tmp_path, **kw) -> OnlineOptions:
    base = dict(timeout=1.0, min_interval=0.0, cache_dir=tmp_path / "cache",
                protocols=("rdap",))
    base.update(kw)
    return OnlineOptions(**base)


def test_a_trickling_rdap_server_is_stopped_by_one_deadline(tmp_path):
    with TcpServer(trickle) as server:
        look = RegistrationLookup(options(tmp_path, rdap_servers={
            "com": f"http://{server.address}/"}))
        start = time.monotonic()
        assert look.lookup("slow-tracker.com") is None
        assert time.monotonic() - start < 4
    assert look.lookups[-1].status == "timeout"


def test_a_trickling_whois_server_is_stopped_by_one_deadline():
    with TcpServer(trickle) as server:
        start = time.monotonic()
        with pytest.raises(whois.WhoisFailure) as e:
            whois.exchange(server.address, "slow-tracker.com", 1.0)
        assert time.monotonic() - start < 4 and e.value.status == "timeout"


def test_an_rdap_related_link_to_loopback_is_refused_without_a_connection(tmp_path):
    with RdapServer({}) as registrar, RdapServer({}) as registry:
        registry.routes["/domain/acme-tracker.com"] = (
            200, {}, doc("domain-thin.json", base=registry.base, registrar=registrar.base))
        look = RegistrationLookup(options(tmp_path, rdap_servers={"com": registry.base}))
        look.lookup("acme-tracker.com")
        assert registrar.requests == []
    details = " ".join(lk.detail or "" for lk in look.lookups)
    assert "registrar: refused" in details


def test_an_rdap_redirect_to_a_non_standard_port_is_refused(tmp_path):
    with RdapServer({}) as target, RdapServer({}) as registry:
        registry.routes["/domain/moved.com"] = (
            302, {"Location": f"{target.base}domain/moved.com"}, b"")
        look = RegistrationLookup(options(tmp_path, rdap_servers={"com": registry.base}))
        assert look.lookup("moved.com") is None
        assert target.requests == []
    assert "non-standard port" in look.lookups[-1].detail


def whois_referring_to(address: str, body: bytes = b"") -> callable:
    def handle(conn: socket.socket, stop: threading.Event) -> None:
        conn.recv(4096)
        conn.sendall(b"Domain Name: ACME-TRACKER.COM\r\nRegistrar WHOIS Server: "
                     + address.encode() + b"\r\n" + body)
    return handle


def test_a_whois_referral_to_loopback_or_another_port_is_refused(monkeypatch):
    attempts = []
    real = whois.exchange

    def spy(server, query, timeout, policy=None):
        attempts.append(server)
        return real(server, query, timeout, policy)

    monkeypatch.setattr(whois, "exchange", spy)
    with TcpServer(whois_referring_to("x")) as target:
        for referral in (f"127.0.0.1:{target.port}", "127.0.0.1", "localhost"):
            attempts.clear()
            with TcpServer(whois_referring_to(referral)) as registry:
                answer = whois.query("acme-tracker.com", registry.address, 2.0)
            assert answer.server == registry.address  # the registry's answer is kept
            assert attempts == [registry.address, referral]  # the referral was read, then refused
        assert target.connections == 0


def test_a_configured_referral_target_is_trusted():
    """The ``servers`` table is configuration (tests use it): its targets are not referrals."""
    with TcpServer(whois_referring_to("x")) as target:
        with TcpServer(whois_referring_to("whois.registrar.test")) as registry:
            answer = whois.query("acme-tracker.com", registry.address, 2.0,
                                 {"whois.registrar.test": target.address})
        assert target.connections == 1 and answer.server == target.address


def test_server_text_is_clamped_and_retry_after_bounded(tmp_path):
    huge_org = "Acme " + "X" * 500_000
    registrant = json.loads(doc("domain-registrant.json"))

    def set_org(node):
        if isinstance(node, list):
            if len(node) == 4 and node[0] == "org":
                node[3] = huge_org
            for item in node:
                set_org(item)
        elif isinstance(node, dict):
            for item in node.values():
                set_org(item)

    set_org(registrant)
    with RdapServer({}) as registry:
        registry.routes["/domain/huge-org.com"] = (200, {}, json.dumps(registrant).encode())
        registry.routes["/domain/busy.com"] = (429, {"Retry-After": "1e11"}, b"")
        look = RegistrationLookup(options(tmp_path, rdap_servers={"com": registry.base}))
        reg = look.lookup("huge-org.com")
        assert reg is not None and reg.organisation and len(reg.organisation) <= 200
        look.lookup("busy.com")
    busy = look.lookups[-1]
    assert busy.status == "rate-limited" and "1e+11" not in busy.detail
    assert "86400" in busy.detail


def test_a_long_http_reason_phrase_is_clamped(tmp_path):
    def handle(conn: socket.socket, stop: threading.Event) -> None:
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 500 " + b"R" * 2000 + b"\r\nContent-Length: 0\r\n\r\n")

    with TcpServer(handle) as server:
        look = RegistrationLookup(options(tmp_path, rdap_servers={
            "com": f"http://{server.address}/"}))
        look.lookup("reason.com")
    assert look.lookups[-1].status == "error" and len(look.lookups[-1].detail) <= 300


def test_one_bad_domain_is_one_failed_lookup(tmp_path):
    with RdapServer({}) as registry:
        look = RegistrationLookup(options(tmp_path, rdap_servers={"com": registry.base}))
        assert look.lookup("a" * 64 + ".com") is None
        assert look.lookup("\udcff.com") is None
        look.lookup("hidden-pixel.com")  # the run goes on
    assert len(look.lookups) >= 3


def test_parsing_a_huge_whois_answer_is_bounded():
    text = "Domain Name: EXAMPLE.COM\n" + ("a" * 1000 + "\n") * 250
    start = time.monotonic()
    whois.parse("example.com", text, "whois.test:43", "2024-01-01")
    assert time.monotonic() - start < 10


@pytest.mark.parametrize("address, public", [
    ("127.0.0.1", False), ("10.1.2.3", False), ("192.168.0.1", False), ("169.254.169.254", False),
    ("::1", False), ("fe80::1", False), ("::ffff:127.0.0.1", False), ("0.0.0.0", False),
    ("fc00::1", False), ("8.8.8.8", True), ("2001:4860:4860::8888", True)])
def test_public_addresses(address, public):
    assert public_address(address) is public
