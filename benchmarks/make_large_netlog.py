"""A large Chrome NetLog for the NetLog reader's cost and memory (issue 19's kind of capture).

    python benchmarks/make_large_netlog.py big.json --requests 50000 [--gzip]
    /usr/bin/time -f "%e s %M KiB" python -m gdprmap report big.json -o out.json

Each request is what Chrome logs for an HTTP/1 request on a fresh TCP connection: the request's
start, its binding to a stream job, the job's binding to a socket, the socket's connection with
a distinct server address, the request headers sent (with a Cookie), the response headers, the
end - interleaved three at a time, as concurrent requests are, to one of 2,177 hosts of 311
third-party domains from a distinct server address each, plus non-request events (sockets' byte
counts), which make most of a real log. Event numbers follow the constants written with them, as in a real log.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

TYPES = {"REQUEST_ALIVE": 2, "URL_REQUEST_START_JOB": 3, "HTTP_TRANSACTION_SEND_REQUEST_HEADERS": 5,
         "HTTP_TRANSACTION_READ_RESPONSE_HEADERS": 7, "SOCKET_BYTES_RECEIVED": 8,
         "TCP_CONNECT": 9, "HTTP_STREAM_REQUEST_BOUND_TO_JOB": 10,
         "SOCKET_POOL_BOUND_TO_SOCKET": 11}
SOURCES = {"URL_REQUEST": 1, "SOCKET": 2, "HTTP_STREAM_JOB": 3}
OFFSET = 1_737_525_598_000


def constants() -> dict:
    return {"clientInfo": {"name": "Google Chrome", "version": "131.0.6778.85"},
            "logEventTypes": TYPES, "logSourceType": SOURCES,
            "logEventPhase": {"PHASE_NONE": 0, "PHASE_BEGIN": 1, "PHASE_END": 2},
            "netError": {"ERR_BLOCKED_BY_CLIENT": -20}, "timeTickOffset": str(OFFSET)}


def request_events(n: int, t: int) -> list[dict]:
    """The events of request ``n`` (its sources numbered from ``n``), from tick ``t``."""
    rid, job, sock = 3 * n + 1, 3 * n + 2, 3 * n + 3
    host = f"px{n % 7}.vendor{n % 311}.example"
    ip = f"198.{51 + n // 65536 % 100}.{n // 256 % 256}.{n % 256}"

    def ev(kind: str, sid: int, src: str, phase: int, params: dict | None = None) -> dict:
        e = {"phase": phase, "source": {"id": sid, "type": SOURCES[src], "start_time": str(t)},
             "time": str(t), "type": TYPES[kind]}
        if params is not None:
            e["params"] = params
        return e

    url = f"https://{host}/collect?uid={n:08x}&page=%2Fproducts%2F{n % 50}&ev=view"
    return [
        ev("REQUEST_ALIVE", rid, "URL_REQUEST", 1, {"url": url}),
        ev("URL_REQUEST_START_JOB", rid, "URL_REQUEST", 1, {
            "url": url, "method": "GET", "request_type": "main frame" if n == 0 else "other",
            "initiator": "https://www.shop.example", "load_flags": 0}),
        ev("TCP_CONNECT", sock, "SOCKET", 2, {"remote_address": f"{ip}:443"}),
        ev("SOCKET_POOL_BOUND_TO_SOCKET", job, "HTTP_STREAM_JOB", 0,
           {"source_dependency": {"id": sock, "type": SOURCES["SOCKET"]}}),
        ev("HTTP_STREAM_REQUEST_BOUND_TO_JOB", rid, "URL_REQUEST", 0,
           {"source_dependency": {"id": job, "type": SOURCES["HTTP_STREAM_JOB"]}}),
        ev("HTTP_TRANSACTION_SEND_REQUEST_HEADERS", rid, "URL_REQUEST", 0, {
            "line": "GET /collect HTTP/1.1\r\n",
            "headers": [f"Host: {host}", "User-Agent: Mozilla/5.0 (X11; Linux x86_64)",
                        "Referer: https://www.shop.example/products/", f"Cookie: uid={n:08x}"]}),
        *(ev("SOCKET_BYTES_RECEIVED", sock, "SOCKET", 0, {"byte_count": 1400})
          for _ in range(4)),
        ev("HTTP_TRANSACTION_READ_RESPONSE_HEADERS", rid, "URL_REQUEST", 0, {
            "headers": ["HTTP/1.1 200 OK", "Content-Type: image/gif",
                        f"Set-Cookie: uid={n:08x}; Max-Age=31536000"]}),
        ev("REQUEST_ALIVE", rid, "URL_REQUEST", 2),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--gzip", action="store_true")
    args = parser.parse_args()
    opener = gzip.open if args.gzip else open
    with opener(args.output, "wt", encoding="utf-8") as out:
        out.write('{"constants": ' + json.dumps(constants()) + ',\n"events": [\n')
        first = True
        for start in range(0, args.requests, 3):  # three requests in flight at a time
            batch = [request_events(n, 1000 + n) for n in range(start, min(start + 3,
                                                                           args.requests))]
            for i in range(max(len(b) for b in batch)):
                for events in batch:
                    if i < len(events):
                        out.write(("" if first else ",\n") + json.dumps(events[i]))
                        first = False
        out.write("\n]}\n")
    print(f"{args.output}: {args.requests} requests, {args.output.stat().st_size} bytes")


if __name__ == "__main__":
    main()
