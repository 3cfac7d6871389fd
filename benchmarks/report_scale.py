"""Report rendering at scale (issue #7): a 5,000-request capture with 150 recipients -> PDF.

    PYTHONPATH=src python benchmarks/report_scale.py [--entries 5000] [--recipients 150]
        [--seed 7] [--keep DIR] [--variant pdf/a-3b]
    PYTHONPATH=src python benchmarks/report_scale.py --hosts 5000 [--pdf-only]   # issue 19

``--hosts N`` (issue 19) replaces ``--recipients``: N distinct host names, each its own
registrable domain - every knowledge-base operator's first domain once (about 280), then unknown
tracker domains (``tNNNNN-metrics.net``) - so that the report has about N recipients, most of
them unknown (the long tail). Every host gets at least one of the ``--entries`` requests.
``--har-only --keep DIR`` writes ``DIR/scale.har`` and stops. ``--pdf-only`` skips the HTML, JSON and CSV timings (for ``/usr/bin/time -v`` peak RSS of the
analysis and the PDF alone).

Writes a HAR deterministically (same arguments, same bytes): one first-party site
(www.clinic.example) whose pages name medical specialties, and ``--recipients`` third-party
recipients - the first domain of distinct knowledge-base operators (so they are attributed, with
their real processing places) and, for one recipient in seven, an unknown tracker domain
(``trk-NNN-metrics.net``). Requests carry a client id in the query, cookies, a Referer naming the
page and, for one in four, a POSTed JSON event. Server IPs come from public cloud ranges so the
IP data adds ASN facts.

Then it times, separately: the analysis (``gdprmap.analyze``), the HTML, the PDF (the bound of
issue #7 is 20 s on the 2-core machine), and the JSON and CSV; and prints pages and sizes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

PAGES = ["/", "/medecins/cardiologue/paris", "/medecins/oncologie/lyon", "/rdv/confirmation",
         "/medecins/psychiatre/lille", "/compte/mes-rendez-vous"]
IP_PREFIXES = ["18.66.196", "34.120.54", "52.217.106", "104.16.132", "142.250.179",
               "151.101.1", "13.107.42", "185.60.216", "23.215.0", "3.230.114"]


def recipient_domains(n: int) -> list[str]:
    """``n`` registrable domains: known operators' first, one unknown domain in seven."""
    from gdprmap.enrich.kb import KnowledgeBase

    kb = KnowledgeBase.load(())
    known: list[str] = []
    operators: set[str] = set()
    for service in sorted(kb.data.services, key=lambda s: s.id):
        if not service.domains or service.operator in operators:
            continue
        domain = service.domains[0]
        match = kb.match(domain)
        if match is None or match.chain[0].id in operators:
            continue
        if "clinic" in domain or (kb.is_health_service(match.chain[0].id)):
            continue
        operators.add(match.chain[0].id)
        operators.add(service.operator)
        known.append(domain)
    out: list[str] = []
    k = 0
    for i in range(n):
        if i % 7 == 6:
            out.append(f"trk-{i:03d}-metrics.net")
        else:
            out.append(known[k % len(known)])
            k += 1
    return out


def distinct_hosts(n: int) -> list[str]:
    """``n`` distinct registrable domains: known operators' first (each once), then unknown."""
    known = [d for i, d in enumerate(recipient_domains(7 * n // 6 + 7)) if i % 7 != 6]
    known = list(dict.fromkeys(known))[:n]
    return known + [f"t{i:05d}-metrics.net" for i in range(n - len(known))]


def entry(rng: random.Random, i: int, host: str, start: dt.datetime) -> dict:
    page = PAGES[i // 40 % len(PAGES)]
    cid = f"{rng.randrange(10**9)}.{rng.randrange(10**9)}"
    url = f"https://{host}/collect?cid={cid}&dl=https%3A%2F%2Fwww.clinic.example{page}&n={i}"
    method = "POST" if i % 4 == 0 else "GET"
    request = {
        "method": method, "url": url, "httpVersion": "HTTP/2",
        "headers": [
            {"name": "User-Agent", "value": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"},
            {"name": "Referer", "value": f"https://www.clinic.example{page}"},
            {"name": "Cookie", "value": f"uid={cid}; sess=s{rng.getrandbits(64):x}"},
        ],
        "queryString": [{"name": "cid", "value": cid},
                        {"name": "dl", "value": f"https://www.clinic.example{page}"},
                        {"name": "n", "value": str(i)}],
        "cookies": [{"name": "uid", "value": cid}], "headersSize": -1, "bodySize": -1,
    }
    if method == "POST":
        body = {"event": "page_view", "page": page, "client_id": cid, "screen": "1920x1080"}
        request["postData"] = {"mimeType": "application/json", "text": json.dumps(body)}
    code = sum(map(ord, host))  # stable per host (unlike hash())
    ip = f"{IP_PREFIXES[code % len(IP_PREFIXES)]}.{code % 250 + 1}"
    when = start + dt.timedelta(milliseconds=53 * i)
    return {
        "pageref": f"page_{i // 40 % len(PAGES)}", "startedDateTime": when.isoformat(),
        "time": 10.0, "request": request,
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2", "headers": [],
                     "cookies": [], "content": {"size": 0, "mimeType": "image/gif"},
                     "redirectURL": "", "headersSize": -1, "bodySize": -1},
        "cache": {}, "timings": {"send": 1, "wait": 8, "receive": 1},
        "serverIPAddress": ip, "_resourceType": "ping",
    }


def write_har(path: Path, entries: int, recipients: int, seed: int, hosts: int = 0) -> None:
    rng = random.Random(seed)
    start = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    domains = distinct_hosts(hosts) if hosts else recipient_domains(recipients)
    pages = [{"id": f"page_{k}", "startedDateTime": start.isoformat(),
              "title": f"https://www.clinic.example{p}", "pageTimings": {}}
             for k, p in enumerate(PAGES)]
    doc = {"pageref": "page_0", "startedDateTime": start.isoformat(), "time": 5.0,
           "request": {"method": "GET", "url": "https://www.clinic.example/", "httpVersion":
                       "HTTP/2", "headers": [], "queryString": [], "cookies": [],
                       "headersSize": -1, "bodySize": -1},
           "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2",
                        "headers": [], "cookies": [], "content": {"size": 0, "mimeType":
                                                                  "text/html"},
                        "redirectURL": "", "headersSize": -1, "bodySize": -1},
           "cache": {}, "timings": {"send": 1, "wait": 1, "receive": 1},
           "serverIPAddress": "192.0.2.10", "_resourceType": "document"}
    items = [doc]
    for i in range(1, entries):
        # every recipient at least once, then a skewed mix (a few recipients get most requests)
        host_domain = domains[i - 1] if i <= len(domains) else domains[
            min(int(rng.paretovariate(1.2)) - 1, len(domains) - 1) if rng.random() < 0.5
            else rng.randrange(len(domains))]
        items.append(entry(rng, i, host_domain, start))
    har = {"log": {"version": "1.2", "creator": {"name": "report_scale", "version": "1"},
                   "pages": pages, "entries": items}}
    path.write_text(json.dumps(har), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--recipients", type=int, default=150)
    parser.add_argument("--hosts", type=int, default=0,
                        help="N distinct hosts, each its own domain (issue 19); overrides "
                             "--recipients")
    parser.add_argument("--pdf-only", action="store_true", help="time the analysis and PDF only")
    parser.add_argument("--har-only", action="store_true",
                        help="write DIR/scale.har (--keep DIR) and stop, e.g. to time "
                             "`gdprmap report DIR/scale.har -o x.pdf` under /usr/bin/time -v")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--variant", default=None, help="e.g. pdf/a-3b")
    parser.add_argument("--keep", type=Path, help="folder to keep the HAR and the reports in")
    args = parser.parse_args()

    from gdprmap.api import analyze
    from gdprmap.reports.csv_report import render_csv
    from gdprmap.reports.html import render_html
    from gdprmap.reports.json_report import render_json
    from gdprmap.reports.pdf import render_pdf_bytes

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        har = folder / "scale.har"
        write_har(har, args.entries, args.recipients, args.seed, args.hosts)
        if args.har_only:
            print(f"{har}: {args.entries} entries, {har.stat().st_size:,} bytes")
            return
        t0 = time.perf_counter()
        assessment = analyze(har, as_of="2024-03-01", command=("gdprmap", "report", "scale.har"))
        t1 = time.perf_counter()
        html = "" if args.pdf_only else render_html(assessment, "en")
        t2 = time.perf_counter()
        import weasyprint  # noqa: F401 - import cost (~0.6 s) not counted in the render

        t2b, c2b = time.perf_counter(), time.process_time()
        pdf = render_pdf_bytes(assessment, "en", variant=args.variant)
        t3, c3 = time.perf_counter(), time.process_time()
        text_json = "" if args.pdf_only else render_json(assessment)
        text_csv = "" if args.pdf_only else render_csv(assessment)
        t4 = time.perf_counter()
        import io

        import pypdf

        pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
        if args.keep:
            (folder / "scale.pdf").write_bytes(pdf)
            for name, text in (("scale.html", html), ("scale.json", text_json),
                               ("scale.csv", text_csv)):
                if text:
                    (folder / name).write_text(text, encoding="utf-8")
        requests = sum(r.requests for r in assessment.recipients)
        print(f"capture: {args.entries} entries, {har.stat().st_size:,} bytes; "
              f"{len(assessment.recipients)} recipients, {requests} third-party requests")
        print(f"analysis  {t1 - t0:6.2f} s")
        print(f"html      {t2 - t1:6.2f} s  ({len(html):,} chars)")
        print(f"pdf       {t3 - t2b:6.2f} s wall, {c3 - c2b:.2f} s CPU  ({len(pdf):,} bytes, "
              f"{pages} pages"
              f"{', ' + args.variant if args.variant else ''})")
        print(f"json+csv  {t4 - t3:6.2f} s  ({len(text_json):,} + {len(text_csv):,} chars)")


if __name__ == "__main__":
    main()
