"""PCAPdroid connections CSV export (Android; a VPN-based capture app).

Header from PCAPdroid's ``strings.xml`` (``connections_csv_fields``):
``IPProto,SrcIP,SrcPort,DstIp,DstPort,UID,App,PackageName,Proto,Status,Info,BytesSent,BytesRcvd,
PktsSent,PktsRcvd,FirstSeen,LastSeen`` and ``,Malicious`` when malware detection is on.
``Info`` is the layer-7 hostname (DNS query, TLS SNI or HTTP Host). For a DNS row the host
contacted is the resolver at ``DstIp``; the name asked for is what it learns (kept as a note).
The device's own address (``SrcIP``) is not kept: it identifies the user and proves nothing
about recipients. PCAPdroid's HAR export is read by the HAR importer.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..errors import InputError
from ..models import Flow
from .base import (
    ImportOptions,
    parse_epoch,
    parse_time,
)
from .connections import ConnectionLog, connection_flow, csv_header, host_or_ip

COLUMNS = ("IPProto", "SrcIP", "SrcPort", "DstIp", "DstPort", "UID", "App", "PackageName",
           "Proto", "Status", "Info", "BytesSent", "BytesRcvd", "PktsSent", "PktsRcvd",
           "FirstSeen", "LastSeen")
_TLS_PROTOS = frozenset({"tls", "https", "quic", "http/2", "http2", "ssl"})


def sniff(path: Path, head: bytes) -> bool:
    header = csv_header(head)
    return header[: len(COLUMNS)] == COLUMNS and header[len(COLUMNS):] in ((), ("Malicious",))


def open_csv(path: Path, display: str, options: ImportOptions) -> PcapdroidCapture:
    return PcapdroidCapture(path, display, options)


class PcapdroidCapture(ConnectionLog):
    producer = "PCAPdroid"
    FORMAT = "pcapdroid-csv"

    def _row(self, index: int, row: dict[str, str]) -> tuple[Flow, dt.datetime | None]:
        return self._flow(index, row)

    def _flow(self, index: int, row: dict[str, str]) -> tuple[Flow, dt.datetime | None]:
        def fail(name: str, reason: str) -> InputError:
            return InputError(self.display, reason, entry=index, field=name)

        dst_host, dst_ip = host_or_ip(row["DstIp"])
        if dst_ip is None:
            raise fail("DstIp", "not an IP address")
        try:
            port = int(row["DstPort"])
            if not 0 <= port <= 65535:
                raise ValueError(port)
        except ValueError:
            raise fail("DstPort", "not a port number") from None
        started = _time(row["FirstSeen"])
        if started is None:
            raise fail("FirstSeen", "not an ISO 8601 date-time or epoch time")
        ended = _time(row["LastSeen"]) if row["LastSeen"].strip() else None
        proto = row["Proto"].strip()
        info_host, _ = host_or_ip(row["Info"]) if row["Info"].strip() else (None, None)
        notes = [f"PCAPdroid: {row['IPProto'].strip()} {proto} {row['Status'].strip()}".strip(),
                 (f"PCAPdroid: {row['BytesSent'].strip()} bytes sent, "
                 f"{row['BytesRcvd'].strip()} received")]
        if row.get("Malicious", "").strip() not in ("", "0", "false"):
            notes.append(f"PCAPdroid malware detection: {row['Malicious'].strip()}")
        app = row["PackageName"].strip() or None
        if proto.lower() == "dns" or port == 53:
            if info_host:
                notes.append(f"DNS query for {info_host}")
            flow = connection_flow(self.display, index, started, dst_ip, ip=dst_ip, port=port,
                                   scheme="dns", app=app, notes=tuple(notes), resource_type="dns")
            return flow, ended
        if proto.lower() == "http" or (port == 80 and proto.lower() not in _TLS_PROTOS):
            scheme = "http"
        elif proto.lower() in _TLS_PROTOS or port == 443:
            scheme = "https"
        else:
            scheme = row["IPProto"].strip().lower() or "tcp"
            if scheme not in ("tcp", "udp", "icmp"):
                raise fail("IPProto", "not TCP, UDP or ICMP")
        host = info_host or dst_host or dst_ip
        return connection_flow(self.display, index, started, host, ip=dst_ip, port=port,
                               scheme=scheme, app=app, notes=tuple(notes)), ended


def _time(value: str) -> dt.datetime | None:
    """FirstSeen/LastSeen: ISO 8601 in the export (formats.md); epoch seconds or milliseconds
    are accepted too, since older versions wrote numbers (unverified)."""
    text = value.strip()
    if text.isdigit():
        return parse_epoch(text, millis=len(text) > 11)
    return parse_time(text)
