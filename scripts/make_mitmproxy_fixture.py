"""Write tests/fixtures/importers/mitmdump-11.flow with mitmproxy's own serialiser (the file
``mitmdump -w`` writes): a page, a beacon with a form body, a request that got no response and
a TCP flow. Run with mitmproxy importable (the set-up installs it apart):

    PYTHONPATH=.venv/tools/mitmproxy .venv/bin/python scripts/make_mitmproxy_fixture.py

The values are invented; the secrets are the test suite's (tests/conftest.py SECRETS), which no
output may contain."""

from __future__ import annotations

from pathlib import Path

from mitmproxy import http, io
from mitmproxy.test import tflow

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "importers" / "mitmdump-11.flow"
T0 = 1712311200.0  # 2024-04-05 10:00:00 UTC


def flow(method: str, url: str, at: float, ip: str, headers: dict[str, str],
         body: bytes = b"", status: int = 200,
         response_headers: dict[str, str] | None = None) -> http.HTTPFlow:
    f = tflow.tflow(resp=True)
    f.request = http.Request.make(method, url, body, headers)
    f.request.timestamp_start, f.request.timestamp_end = T0 + at, T0 + at + 0.05
    f.response = http.Response.make(status, b"BODY-NEVER-KEPT", response_headers or {})
    f.response.timestamp_start, f.response.timestamp_end = T0 + at + 0.08, T0 + at + 0.1
    f.server_conn.peername = (ip, 443)
    return f


def main() -> None:
    page = flow("GET", "https://clinic.example/rendez-vous", 0, "45.80.1.10",
                {"Sec-Fetch-Dest": "document", "Cookie": "session=SECRET-SESSION-7f3a9c; lang=fr",
                 "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/124.0"},
                response_headers={"Content-Type": "text/html; charset=utf-8",
                                  "Set-Cookie": "__cf_bm=SECRET-CFBM-91b2; Secure"})
    beacon = flow("POST", "https://region1.google-analytics.com/g/collect?v=2&tid=G-TEST&"
                  "dl=https%3A%2F%2Fclinic.example%2Frendez-vous", 0.4, "142.250.74.46",
                  {"Content-Type": "application/x-www-form-urlencoded",
                   "Referer": "https://clinic.example/rendez-vous",
                   "Authorization": "Bearer SECRET-BEARER"},
                  body=b"em=alice%40mail.example&uid=3f9c2a7b1e8d4c6fa0b5e9d2c7a41f36", status=204)
    unanswered = tflow.tflow(err=True)
    unanswered.request = http.Request.make("GET", "https://chat.support-widget.example/w.js", b"",
                                           {"Referer": "https://clinic.example/rendez-vous"})
    unanswered.request.timestamp_start = T0 + 0.6
    unanswered.server_conn.peername = None  # the connection was never made
    with OUT.open("wb") as fh:
        writer = io.FlowWriter(fh)
        for f in (page, beacon, tflow.ttcpflow(), unanswered):
            writer.add(f)
    print(OUT, OUT.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
