"""Write a large, realistic HAR 1.2 capture, deterministically (same arguments, same bytes).

    python benchmarks/make_large_har.py OUT.har --entries 200000 [--bodies 20000] [--seed 1]

Entries look like a browser session on a health site: a first-party document and API, CDNs,
analytics beacons with client ids in the query, a POSTed JSON event body, cookies, Chrome's
``_initiator``/``_resourceType`` extensions, and - with ``--bodies N`` - a base64 response body of
about N bytes per entry (images, scripts), which the importer must read past and never keep.
The file is written entry by entry, so generating 1 GB needs no more memory than one entry.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import random
from pathlib import Path

HOSTS = [
    ("www.clinic.example", "document", "GET"),
    ("api.clinic.example", "xhr", "POST"),
    ("cdn.jsdelivr.net", "script", "GET"),
    ("fonts.gstatic.com", "font", "GET"),
    ("www.google-analytics.com", "ping", "POST"),
    ("region1.google-analytics.com", "ping", "GET"),
    ("connect.facebook.net", "script", "GET"),
    ("www.facebook.com", "image", "GET"),
    ("o450123.ingest.sentry.io", "xhr", "POST"),
    ("d1pyesk9jfjbwi.cloudfront.net", "image", "GET"),
    ("bat.bing.com", "image", "GET"),
    ("s3.eu-west-3.amazonaws.com", "image", "GET"),
]
PAGES = ["/", "/medecins/cardiologue/paris", "/medecins/oncologie", "/rdv/confirmation",
         "/compte/profil", "/recherche?q=chirurgie+viscerale"]


def entry(rng: random.Random, i: int, start: dt.datetime, body_size: int) -> dict:
    host, rtype, method = HOSTS[rng.randrange(len(HOSTS))]
    page = PAGES[i // 50 % len(PAGES)]
    cid = f"{rng.randrange(10**9)}.{rng.randrange(10**9)}"
    url = f"https://{host}/p/{i}?cid={cid}&dl=https%3A%2F%2Fwww.clinic.example{page}&v=2"
    headers = [
        {"name": "User-Agent", "value": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"},
        {"name": "Referer", "value": f"https://www.clinic.example{page}"},
        {"name": "Accept", "value": "*/*"},
        {"name": "Cookie", "value": f"_ga=GA1.2.{cid}; session=s{rng.getrandbits(64):x}"},
    ]
    request = {"method": method, "url": url, "httpVersion": "HTTP/2", "headers": headers,
               "queryString": [{"name": "cid", "value": cid}, {"name": "v", "value": "2"}],
               "cookies": [{"name": "_ga", "value": f"GA1.2.{cid}"}],
               "headersSize": -1, "bodySize": -1}
    if method == "POST":
        event = {"event": "page_view", "page": page, "client_id": cid, "ts": i,
                 "user": {"email": f"patient{i % 997}@mail.example", "speciality": page}}
        request["postData"] = {"mimeType": "application/json", "text": json.dumps(event)}
    content = {"size": body_size, "mimeType": "image/png"}
    if body_size:
        content["text"] = base64.b64encode(rng.randbytes(body_size * 3 // 4)).decode()
        content["encoding"] = "base64"
    when = start + dt.timedelta(milliseconds=37 * i)
    return {
        "pageref": f"page_{i // 50 % len(PAGES)}", "startedDateTime": when.isoformat(),
        "time": 12.5, "request": request,
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2",
                     "headers": [{"name": "Content-Type", "value": "image/png"}], "cookies": [],
                     "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1},
        "cache": {}, "timings": {"send": 1, "wait": 10, "receive": 1.5},
        "serverIPAddress": f"198.51.100.{rng.randrange(1, 255)}",
        "_initiator": {"type": "script", "url": "https://www.clinic.example/app.js"},
        "_resourceType": rtype, "_priority": "High",
    }


def write(path: Path, entries: int, body_size: int, seed: int) -> int:
    rng = random.Random(seed)
    start = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    pages = [{"id": f"page_{k}", "startedDateTime": start.isoformat(),
              "title": f"https://www.clinic.example{p}", "pageTimings": {}}
             for k, p in enumerate(PAGES)]
    head = {"version": "1.2", "creator": {"name": "make_large_har", "version": "1"},
            "pages": pages}
    with path.open("w", encoding="utf-8") as out:
        out.write('{"log": ' + json.dumps(head)[:-1] + ', "entries": [\n')
        for i in range(entries):
            out.write((",\n" if i else "") + json.dumps(entry(rng, i, start, body_size)))
        out.write("\n]}}\n")
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--bodies", type=int, default=0, metavar="BYTES",
                        help="base64 response body of about BYTES per entry (default: none)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    size = write(args.out, args.entries, args.bodies, args.seed)
    print(f"{args.out}: {args.entries} entries, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
