"""Requests that stay on the visitor's device or local network (issue 15): a page that talks to
``127.0.0.1`` (a development server's reload socket, a fraud script probing local ports), a
router at ``192.168.1.1`` or a printer at ``printer.local``. No organisation receives them over
the internet, so they are not recipients of the site and cannot be transfers; they are reported
apart, with the standard that makes the address or name local. Only the request's own host
counts - a public host name whose server address happens to be private (a proxy, a test DNS) is
not local."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Flow


@dataclass(frozen=True)
class LocalDestination:
    kind: str  # "device" | "local-network" | "provider-network"
    reason: str
    source: str


_DEVICE = "device"
_NETWORK = "local-network"

# (networks, kind, reason, source); the first that contains the address wins
_NETWORKS = (
    (("127.0.0.0/8", "::1/128"), _DEVICE, "loopback address: the request reaches the device itself",
     "RFC 1122 s. 3.2.1.3(g); RFC 4291 s. 2.5.3"),
    (("0.0.0.0/32", "::/128"), _DEVICE,
     "unspecified address, meaning 'this host': not a destination on the internet",
     "RFC 1122 s. 3.2.1.3(a); RFC 4291 s. 2.5.2"),
    (("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"), _NETWORK,
     "private-network address: not routed on the internet", "RFC 1918 s. 3; RFC 4193"),
    (("169.254.0.0/16", "fe80::/10"), _NETWORK,
     "link-local address: reachable only on the local link", "RFC 3927; RFC 4291 s. 2.5.6"),
    (("100.64.0.0/10",), "provider-network",
     "shared address space of a provider's or VPN's network: not routed on the internet",
     "RFC 6598"),
)
_PARSED = tuple((tuple(ipaddress.ip_network(n) for n in nets), LocalDestination(kind, why, src))
                for nets, kind, why, src in _NETWORKS)

# special-use names that never resolve to a public server, by their last label
_NAMES = {
    "localhost": LocalDestination(_DEVICE, "the name localhost and names under it resolve to the "
                                  "device itself", "RFC 6761 s. 6.3"),
    "local": LocalDestination(_NETWORK, "a multicast DNS name, resolved on the local link only",
                              "RFC 6762 s. 3"),
}
_HOME_ARPA = LocalDestination(_NETWORK, "a name of the home network (home.arpa)", "RFC 8375")


@lru_cache(maxsize=4096)
def destination(host: str | None) -> LocalDestination | None:
    """How ``host`` (a URL's host: a name or an IP literal without brackets) stays on the
    device or local network, else None."""
    if not host:
        return None
    name = host.lower().rstrip(".").strip("[]")
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])  # fe80::1%eth0
    except ValueError:
        if name == "home.arpa" or name.endswith(".home.arpa"):
            return _HOME_ARPA
        return _NAMES.get(name.rsplit(".", 1)[-1])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return next((local for nets, local in _PARSED if any(address in n for n in nets)), None)


def of_flow(flow: Flow) -> LocalDestination | None:
    """:func:`destination` of an imported request; a declared register's flow names a
    recipient, never a local address."""
    if flow.origin == "declared":
        return None
    return destination(flow.host)
