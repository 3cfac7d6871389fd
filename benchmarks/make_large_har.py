"""Write a large, realistic HAR 1.2 capture, deterministically (same arguments, same bytes).

    python benchmarks/make_large_har.py OUT.har --entries 200000 [--bodies 20000] [--seed 1]
    python benchmarks/make_large_har.py OUT.har --entries 100000 --mix realistic [--bodies 1500]

Entries look like a browser session on a health site: a first-party document and API, CDNs,
analytics beacons with client ids in the query, a POSTed JSON event body, cookies, Chrome's
``_initiator``/``_resourceType`` extensions, and - with ``--bodies N`` - a base64 response body of
about N bytes per entry (images, scripts), which the importer must read past and never keep.
The file is written entry by entry, so generating 1 GB needs no more memory than one entry.

``--mix distinct`` (issue 19) is the basic capture with a distinct server IP (in three clouds'
public ranges), client id and health page URL per request, and no ``pages``.

``--mix realistic`` (issue #9; the default ``basic`` keeps the bytes the issue-#3 figures were
measured on) writes page visits instead: a first-party document, then the sub-resources real
pages load, from templates of real request shapes - GA4 ``/g/collect`` beacons, the Meta pixel
``/tr`` with ``ev=PageView``, Google Ads/DoubleClick conversions, Hotjar, Sentry envelopes,
a consent platform, CDN scripts, styles and fonts, image hosts, first-party API calls POSTing
JSON and form-encoded bodies - with per-visitor cookies, client ids that persist across pages,
pages naming medical specialties, and Chrome's request headers (sec-ch-ua, Accept-Language).
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


SITE = "www.clinic.example"
REAL_PAGES = ["/", "/medecins/cardiologue/paris", "/medecins/oncologie/lyon",
              "/recherche?q=chirurgie+viscerale&ville=bordeaux", "/rdv/confirmation",
              "/compte/profil", "/blog/sommeil-et-stress", "/tarifs", "/medecins/psychiatre/nantes",
              "/aide/contact", "/medecins/dermatologue/lille", "/teleconsultation"]
UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0.0.0 Safari/537.36")
# (host, path template, method, resource type, mime of a POST body or "", weight)
TEMPLATES = [
    ("cdn.jsdelivr.net", "/npm/bootstrap@5.3.2/dist/js/bootstrap.bundle.min.js", "GET", "script", "", 4),
    ("cdnjs.cloudflare.com", "/ajax/libs/jquery/3.7.1/jquery.min.js", "GET", "script", "", 3),
    ("fonts.googleapis.com", "/css2?family=Inter:wght@400;600&display=swap", "GET", "stylesheet", "", 2),
    ("fonts.gstatic.com", "/s/inter/v13/UcC73FwrK3iLTeHuS_fvQtMwCp50KnMa1ZL7.woff2", "GET", "font", "", 3),
    ("www.googletagmanager.com", "/gtag/js?id=G-8XK2P4Q1ZL", "GET", "script", "", 2),
    ("region1.google-analytics.com", "/g/collect?v=2&tid=G-8XK2P4Q1ZL&gtm=45je4&_p={n}&cid={cid}"
     "&ul=fr-fr&sr=1920x1080&_s={k}&sid={sid}&sct=3&seg=1&dl={dl}&dr={dr}&dt={title}&en=page_view",
     "POST", "ping", "", 8),
    ("connect.facebook.net", "/en_US/fbevents.js", "GET", "script", "", 2),
    ("www.facebook.com", "/tr/?id=1234567890123456&ev=PageView&dl={dl}&rl={dr}&if=false&ts={ts}"
     "&sw=1920&sh=1080&v=2.9.156&r=stable&ec=0&o=4126&fbp={fbp}&it={ts}&coo=false&rqm=GET",
     "GET", "image", "", 5),
    ("googleads.g.doubleclick.net", "/pagead/viewthroughconversion/987654321/?random={n}&cv=11"
     "&fst={ts}&num=1&guid=ON&u_h=1080&u_w=1920&frm=0&url={dl}&ref={dr}&tiba={title}",
     "GET", "image", "", 3),
    ("static.hotjar.com", "/c/hotjar-3456789.js?sv=7", "GET", "script", "", 1),
    ("in.hotjar.com", "/api/v2/client/sites/3456789/visit-data?sv=7", "POST", "xhr",
     "application/json", 2),
    ("o450123.ingest.sentry.io", "/api/4504/envelope/?sentry_key=ab12cd34ef56ab12cd34ef56ab12cd34"
     "&sentry_version=7&sentry_client=sentry.javascript.browser%2F7.99.0", "POST", "fetch",
     "text/plain;charset=UTF-8", 2),
    ("sdk.privacy-center.org", "/sdk.5c0d1c2e.js", "GET", "script", "", 1),
    ("api.privacy-center.org", "/v1/events?sdk_version=2.0&domain=" + SITE, "POST", "xhr",
     "application/json", 1),
    ("res.cloudinary.com", "/clinic/image/upload/c_fill,w_160/v1690000000/doctors/{n}.jpg",
     "GET", "image", "", 6),
    ("d1pyesk9jfjbwi.cloudfront.net", "/assets/app.{n}.js", "GET", "script", "", 3),
    ("s3.eu-west-3.amazonaws.com", "/clinic-media/photos/{n}.webp", "GET", "image", "", 3),
    ("bat.bing.com", "/action/0?ti=187000123&tm=gtm002&Ver=2&mid={sid}&sid={sid}&vid={cid}"
     "&vids=0&msclkid=N&pi=918639831&lg=fr-FR&sw=1920&sh=1080&sc=24&p={dl}&r={dr}&lt=812&evt=pageLoad",
     "GET", "image", "", 2),
    (SITE, "/static/css/main.{n}.css", "GET", "stylesheet", "", 4),
    (SITE, "/static/img/{n}.svg", "GET", "image", "", 6),
    ("api.clinic.example", "/v2/availabilities?practice_ids={n}&limit=4&start_date=2024-03-01",
     "GET", "xhr", "", 5),
    ("api.clinic.example", "/v2/appointments", "POST", "xhr", "application/json", 1),
    ("api.clinic.example", "/v2/newsletter", "POST", "xhr", "application/x-www-form-urlencoded", 1),
]
_WEIGHTED = [t for t in TEMPLATES for _ in range(t[5])]


def realistic_entry(rng: random.Random, i: int, start: dt.datetime, body_size: int,
                    visit: dict) -> dict:
    """One request of a page visit; ``visit`` carries the visitor's ids and current page."""
    from urllib.parse import quote

    if i == visit["next_page"]:  # a new page view: its document first
        visit["page"] = REAL_PAGES[rng.randrange(len(REAL_PAGES))]
        visit["next_page"] = i + rng.randrange(20, 80)
        if rng.random() < 0.05:  # a new visitor
            visit["cid"] = f"{rng.randrange(10**9, 10**10)}.{1709280000 + i}"
            visit["fbp"] = f"fb.1.{1709280000000 + i}.{rng.randrange(10**9, 10**10)}"
            visit["session"] = f"{rng.getrandbits(128):032x}"
        host, path, method, rtype, mime = SITE, visit["page"], "GET", "document", ""
    else:
        host, path, method, rtype, mime, _ = _WEIGHTED[rng.randrange(len(_WEIGHTED))]
    page_url = f"https://{SITE}{visit['page']}"
    title = visit["page"].strip("/").split("?")[0].replace("/", " - ") or "Accueil"
    when = start + dt.timedelta(milliseconds=37 * i)
    ts = int(when.timestamp() * 1000)
    path = path.format(n=rng.randrange(1, 5000), cid=visit["cid"], sid=visit["cid"][:10],
                       k=i % 40, fbp=visit["fbp"], ts=ts, dl=quote(page_url, safe=""),
                       dr=quote(f"https://{SITE}/", safe=""), title=quote(title, safe=""))
    headers = [
        {"name": ":authority", "value": host}, {"name": ":method", "value": method},
        {"name": ":path", "value": path}, {"name": ":scheme", "value": "https"},
        {"name": "accept", "value": "text/html,application/xhtml+xml" if rtype == "document"
         else "*/*"},
        {"name": "accept-encoding", "value": "gzip, deflate, br, zstd"},
        {"name": "accept-language", "value": "fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7"},
        {"name": "sec-ch-ua", "value": '"Chromium";v="124", "Google Chrome";v="124", '
                                        '"Not-A.Brand";v="99"'},
        {"name": "sec-ch-ua-mobile", "value": "?0"},
        {"name": "sec-ch-ua-platform", "value": '"Windows"'},
        {"name": "user-agent", "value": UA},
    ]
    cookies = []
    if rtype != "document":
        headers.append({"name": "referer", "value": page_url})
    if host.endswith("clinic.example"):
        cookies = [{"name": "_ga", "value": f"GA1.1.{visit['cid']}"},
                   {"name": "_fbp", "value": visit["fbp"]},
                   {"name": "session_id", "value": visit["session"]},
                   {"name": "didomi_token", "value": "eyJ1c2VyX2lkIjoiMThlM2QifQ=="}]
    elif host == "www.facebook.com":
        cookies = [{"name": "fr", "value": f"0{visit['session'][:20]}..Bl4x.AAA.0.0"}]
    elif host.endswith("doubleclick.net"):
        cookies = [{"name": "IDE", "value": f"AHWqTU{visit['session'][:24]}"}]
    if cookies:
        headers.append({"name": "cookie", "value": "; ".join(f"{c['name']}={c['value']}"
                                                             for c in cookies)})
    query = [{"name": k, "value": v} for k, _, v in
             (kv.partition("=") for kv in path.partition("?")[2].split("&") if kv)]
    request = {"method": method, "url": f"https://{host}{path}", "httpVersion": "http/2.0",
               "headers": headers, "queryString": query, "cookies": cookies,
               "headersSize": -1, "bodySize": 0}
    if method == "POST":
        if mime == "application/x-www-form-urlencoded":
            text = (f"email=patient{i % 997}%40mail.example&first_name=Camille&zip=75011"
                    f"&consent=1&source={quote(visit['page'], safe='')}")
        elif "sentry" in host:
            text = (json.dumps({"event_id": f"{rng.getrandbits(128):032x}", "sent_at": when.isoformat()})
                    + "\n" + json.dumps({"type": "transaction"}) + "\n"
                    + json.dumps({"transaction": visit["page"], "contexts": {"trace": {
                        "op": "pageload", "trace_id": f"{rng.getrandbits(128):032x}"}},
                        "request": {"url": page_url, "headers": {"User-Agent": UA}},
                        "user": {"ip_address": "{{auto}}"}}))
        elif "appointments" in path:
            text = json.dumps({"practice_id": rng.randrange(1, 5000), "patient": {
                "first_name": "Camille", "last_name": "Martin", "birth_date": "1987-04-12",
                "phone": "+33 6 12 34 56 78", "email": f"patient{i % 997}@mail.example"},
                "motive": "Premiere consultation cardiologie", "start": when.isoformat()})
        elif "google-analytics" in host:
            text = f"en=scroll&_et={rng.randrange(10, 9000)}&epn.percent_scrolled=90"
            mime = "text/plain;charset=UTF-8"
        else:
            text = json.dumps({"page": page_url, "visitor_id": visit["cid"], "ts": ts,
                               "screen": {"w": 1920, "h": 1080}, "lang": "fr-FR"})
        request["postData"] = {"mimeType": mime or "text/plain", "text": text}
        request["bodySize"] = len(text)
    response_mime = {"document": "text/html", "script": "application/javascript",
                     "stylesheet": "text/css", "font": "font/woff2", "image": "image/png"
                     }.get(rtype, "application/json")
    content = {"size": body_size, "mimeType": response_mime}
    if body_size and rtype in ("image", "font"):
        content["text"] = base64.b64encode(rng.randbytes(body_size * 3 // 4)).decode()
        content["encoding"] = "base64"
    elif body_size:
        content["text"] = ("/* generated */ var a=" + "x" * max(0, body_size - 30) + ";")[:body_size]
    set_cookies = []
    if rtype == "document" and rng.random() < 0.2:
        set_cookies = [{"name": "session_id", "value": visit["session"], "path": "/",
                        "httpOnly": True, "secure": True}]
    return {
        "pageref": f"page_{REAL_PAGES.index(visit['page'])}", "startedDateTime": when.isoformat(),
        "time": 12.5 + i % 17, "request": request,
        "response": {"status": 204 if rtype == "ping" else 200, "statusText": "",
                     "httpVersion": "http/2.0",
                     "headers": [{"name": "content-type", "value": response_mime},
                                 {"name": "cache-control", "value": "max-age=31536000"}]
                     + [{"name": "set-cookie", "value": f"session_id={c['value']}; Path=/"}
                        for c in set_cookies],
                     "cookies": set_cookies, "content": content, "redirectURL": "",
                     "headersSize": -1, "bodySize": body_size},
        "cache": {}, "timings": {"blocked": 0.4, "dns": -1, "connect": -1, "ssl": -1,
                                 "send": 0.2, "wait": 10.1, "receive": 1.5},
        "serverIPAddress": f"{IPS.get(host, '198.51.100')}.{rng.randrange(1, 255)}",
        "_initiator": {"type": "parser", "url": page_url} if rtype != "document"
        else {"type": "other"},
        "_resourceType": rtype, "_priority": "High", "connection": str(400 + i % 37),
    }


IPS = {"region1.google-analytics.com": "216.239.32", "www.facebook.com": "157.240.21",
       "connect.facebook.net": "157.240.21", "fonts.gstatic.com": "142.250.179",
       "fonts.googleapis.com": "142.250.179", "cdnjs.cloudflare.com": "104.17.24",
       "res.cloudinary.com": "104.18.2", SITE: "52.47.200", "api.clinic.example": "52.47.201"}


def write_realistic(path: Path, entries: int, body_size: int, seed: int) -> int:
    rng = random.Random(seed)
    start = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    pages = [{"id": f"page_{k}", "startedDateTime": start.isoformat(),
              "title": f"https://{SITE}{p}", "pageTimings": {}}
             for k, p in enumerate(REAL_PAGES)]
    head = {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
            "pages": pages}
    visit = {"next_page": 0, "page": "/", "cid": "1234567890.1709280000",
             "fbp": "fb.1.1709280000000.1234567890", "session": f"{rng.getrandbits(128):032x}"}
    with path.open("w", encoding="utf-8") as out:
        out.write('{"log": ' + json.dumps(head)[:-1] + ', "entries": [\n')
        for i in range(entries):
            out.write((",\n" if i else "")
                      + json.dumps(realistic_entry(rng, i, start, body_size, visit)))
        out.write("\n]}}\n")
    return path.stat().st_size


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


# --mix distinct (issue 19): public ranges of three clouds, one address per request
CLOUD_RANGES = [(0x68100000, 1 << 20),   # 104.16.0.0/12
                (0x8EFA0000, 1 << 17),   # 142.250.0.0/15
                (0x03000000, 1 << 23)]   # 3.0.0.0/9


def distinct_entry(rng: random.Random, i: int, start: dt.datetime, body_size: int) -> dict:
    """The basic entry with a distinct server IP, client id and health page URL per request:
    what makes per-IP facts and per-request evidence grow."""
    e = entry(rng, i, start, body_size)
    base, size = CLOUD_RANGES[i % len(CLOUD_RANGES)]
    ip = base + (i * 2654435761) % size
    e["serverIPAddress"] = f"{ip >> 24}.{ip >> 16 & 255}.{ip >> 8 & 255}.{ip & 255}"
    page = f"/medecins/{PAGES[i % len(PAGES)].strip('/').split('/')[-1] or 'accueil'}/patient-{i}"
    e["request"]["headers"][1]["value"] = f"https://www.clinic.example{page}"
    return e


def write_distinct(path: Path, entries: int, body_size: int, seed: int) -> int:
    rng = random.Random(seed)
    start = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    head = {"version": "1.2", "creator": {"name": "make_large_har", "version": "1"}}
    with path.open("w", encoding="utf-8") as out:  # no pages: as mitmproxy and PCAPdroid write
        out.write('{"log": ' + json.dumps(head)[:-1] + ', "entries": [\n')
        for i in range(entries):
            out.write((",\n" if i else "") + json.dumps(distinct_entry(rng, i, start, body_size)))
        out.write("\n]}}\n")
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--bodies", type=int, default=0, metavar="BYTES",
                        help="base64 response body of about BYTES per entry (default: none)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mix", choices=("basic", "realistic", "distinct"), default="basic",
                        help="basic: the issue-#3 capture; realistic: page visits from "
                             "templates of real traffic (issue #9); distinct: basic with a "
                             "distinct server IP, id and health page URL per request, no "
                             "pages (issue 19)")
    args = parser.parse_args()
    writer = {"realistic": write_realistic, "distinct": write_distinct}.get(args.mix, write)
    size = writer(args.out, args.entries, args.bodies, args.seed)
    print(f"{args.out}: {args.entries} entries, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
