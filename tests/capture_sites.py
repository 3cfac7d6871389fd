"""Web sites for the live-capture tests (issue #16), served on 127.0.0.1 by the test itself.

Chromium reaches them through ``--host-resolver-rules "MAP * 127.0.0.1:PORT"``: every host
name, trackers' included, resolves to this one server, which answers by the ``Host`` header.
No request leaves the machine.

Sites (``https://<host>/``, a self-signed certificate in
``fixtures/capture/``: the capture runs with ``--insecure``):
- ``www.cmp-known.example``: a OneTrust banner, with the markup OneTrust's banner SDK inserts
  (ids ``onetrust-banner-sdk``, ``onetrust-accept-btn-handler``, ``onetrust-reject-all-handler``
  ...), loaded from ``cdn.cookielaw.org`` as the real stub is; Google Analytics only after
  "Accept All Cookies".
- ``www.boutique.example``: a home-made French banner whose controls are links ("Tout
  accepter", "Continuer sans accepter"); Google Analytics only after acceptance.
- ``www.early.example``: Meta's pixel on load, before any choice (English banner).
- ``www.ignores.example``: a German banner without a first-layer refusal ("Alle akzeptieren",
  "Einstellungen" -> "Alle ablehnen"); Google Analytics loads after the refusal all the same.
- ``www.nobanner.example``: no banner; Google Analytics on load.
- ``www.framed.example``: the banner is an iframe of ``consent.framed-cmp.example`` (Spanish:
  "Aceptar todo" / "Rechazar todo"); the parent loads Google Analytics on acceptance.
- ``www.slow.example``: the document never finishes loading.
"""

from __future__ import annotations

import http.server
import ssl
import threading
from pathlib import Path
from typing import Any

TLS = Path(__file__).parent / "fixtures" / "capture"

GA = """<script>
function loadAnalytics() {
  var s = document.createElement('script');
  s.src = 'https://www.googletagmanager.com/gtag/js?id=G-TEST123';
  document.head.appendChild(s);
  var i = new Image();
  i.src = 'https://www.google-analytics.com/g/collect?v=2&tid=G-TEST123&cid=555.666&dl=' +
    encodeURIComponent(location.href);
}
</script>"""

ONETRUST_STUB = """
(function () {
  var html = '<div id="onetrust-consent-sdk" data-nosnippet="true">' +
    '<div class="onetrust-pc-dark-filter ot-fade-in"></div>' +
    '<div id="onetrust-banner-sdk" class="otFlat vertical-align-content" tabindex="0" role="region" aria-label="Cookie banner">' +
    '<div role="dialog" aria-modal="true" aria-describedby="onetrust-policy-text" aria-label="Privacy">' +
    '<div class="ot-sdk-container"><div class="ot-sdk-row">' +
    '<div id="onetrust-group-container" class="ot-sdk-eight ot-sdk-columns">' +
    '<div class="banner_logo"></div><div id="onetrust-policy">' +
    '<div id="onetrust-policy-text">We use cookies to improve your experience and for marketing. ' +
    '<a class="ot-cookie-policy-link" href="/privacy" aria-label="More information about your privacy, opens in a new tab">Cookie Policy</a></div></div></div>' +
    '<div id="onetrust-button-group-parent" class="ot-sdk-three ot-sdk-columns">' +
    '<div id="onetrust-button-group">' +
    '<button id="onetrust-pc-btn-handler">Cookies Settings</button>' +
    '<button id="onetrust-reject-all-handler">Reject All</button>' +
    '<button id="onetrust-accept-btn-handler">Accept All Cookies</button>' +
    '</div></div></div></div></div></div></div>';
  function close(groups) {
    document.cookie = 'OptanonAlertBoxClosed=' + new Date().toISOString() + '; path=/; max-age=31536000';
    document.cookie = 'OptanonConsent=groups=' + groups + '; path=/; max-age=31536000';
    var sdk = document.getElementById('onetrust-consent-sdk');
    sdk.parentNode.removeChild(sdk);
  }
  function show() {
    if (document.cookie.indexOf('OptanonAlertBoxClosed') >= 0) return;
    var d = document.createElement('div'); d.innerHTML = html;
    document.body.appendChild(d.firstChild);
    document.getElementById('onetrust-accept-btn-handler').addEventListener('click', function () {
      close('C0001:1,C0002:1,C0004:1'); window.loadAnalytics();
    });
    document.getElementById('onetrust-reject-all-handler').addEventListener('click', function () {
      close('C0001:1,C0002:0,C0004:0');
    });
  }
  setTimeout(show, 150);
})();
"""

STYLE = """<style>
#banner { position: fixed; bottom: 0; left: 0; right: 0; background: #fff; border-top: 3px solid #333;
  padding: 24px; font: 16px sans-serif; }
#banner a, #banner button { margin-right: 16px; }
</style>"""


def _page(title: str, body: str, head: str = "") -> bytes:
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>"
            f"{STYLE}{GA}{head}</head><body><h1>{title}</h1>"
            f"<p><a href=\"/produits\">Produits</a></p>{body}</body></html>").encode()


BANNER_JS = """<script>
function choose(accepted) {
  document.cookie = 'consent=' + (accepted ? 'yes' : 'no') + '; path=/; max-age=15552000';
  var b = document.getElementById('banner'); if (b) b.remove();
  %s
}
</script>"""

PAGES: dict[str, bytes] = {
    "www.cmp-known.example": _page(
        "Known CMP shop", "",
        '<script src="https://cdn.cookielaw.org/scripttemplates/otSDKStub.js" '
        'data-domain-script="0f3e0c7d-1111-2222-3333-444455556666"></script>'),
    "www.boutique.example": _page(
        "Boutique", '<div id="banner" role="dialog" aria-label="Cookies"><p>Nous utilisons des '
        'cookies pour mesurer l\'audience.</p>'
        '<a href="#" id="ok" onclick="choose(true); return false;">Tout accepter</a>'
        '<a href="#" id="non" onclick="choose(false); return false;">Continuer sans accepter '
        '&rarr;</a></div>' + BANNER_JS % "if (accepted) loadAnalytics();"),
    "www.early.example": _page(
        "Early tracker", '<img src="https://www.facebook.com/tr?id=1234567890&ev=PageView" '
        'width="1" height="1"><div id="banner"><p>We use cookies.</p>'
        '<button onclick="choose(true)">Accept all</button>'
        '<button onclick="choose(false)">Reject all</button></div>'
        + BANNER_JS % "if (accepted) loadAnalytics();"),
    "www.ignores.example": _page(
        "Ignores refusal", '<div id="banner"><p>Wir verwenden Cookies.</p>'
        '<button onclick="choose(true)">Alle akzeptieren</button>'
        '<button onclick="document.getElementById(\'layer\').style.display=\'block\'">'
        'Einstellungen</button><div id="layer" style="display:none">'
        '<label><input type="checkbox"> Statistik</label>'
        '<button onclick="choose(false)">Alle ablehnen</button></div></div>'
        + BANNER_JS % "loadAnalytics(); /* the refusal is ignored */"),
    "www.nobanner.example": _page("No banner", "<script>loadAnalytics();</script>"),
    "www.framed.example": _page(
        "Framed banner", '<iframe id="cmp" src="https://consent.framed-cmp.example/banner" '
        'style="position:fixed;bottom:0;left:0;width:100%;height:160px;border:0"></iframe>'
        "<script>window.addEventListener('message', function (e) {"
        " if (e.data === 'accept') loadAnalytics();"
        " document.getElementById('cmp').remove(); });</script>"),
    "www.slow.example": b"",  # see Handler.slow
}
PAGES["consent.framed-cmp.example"] = (
    "<!doctype html><html lang=\"es\"><head><meta charset=\"utf-8\"></head>"
    "<body style=\"background:#fff;font:16px sans-serif\"><p>Usamos cookies.</p>"
    "<button onclick=\"parent.postMessage('accept','*')\">Aceptar todo</button> "
    "<button onclick=\"parent.postMessage('reject','*')\">Rechazar todo</button>"
    "</body></html>").encode()

GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000"
                    "010001000002024401003b")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        host = (self.headers.get("Host") or "").split(":")[0]
        self.server.seen.append((host, self.path))
        if host == "www.slow.example":
            return self.slow()
        if host == "cdn.cookielaw.org":
            return self.send(ONETRUST_STUB.encode(), "application/javascript")
        if host in PAGES and host != "consent.framed-cmp.example" or (
                host == "consent.framed-cmp.example" and self.path.startswith("/banner")):
            if self.path.startswith("/produits"):
                return self.send(_page("Produits", "<p>Catalogue</p>"), "text/html")
            return self.send(PAGES[host], "text/html; charset=utf-8")
        if self.path.endswith(".js") or "/gtag/js" in self.path:
            return self.send(b"/* tracker */", "application/javascript",
                             cookie=f"_tr_{host.split('.')[1]}=1; Max-Age=31536000; Path=/; SameSite=None; Secure")
        if host == "favicon" or self.path == "/favicon.ico":
            return self.send(b"", "image/x-icon", status=404)
        return self.send(GIF, "image/gif",
                         cookie=f"uid_{host.split('.')[1]}=abc123; Max-Age=31536000; Path=/; SameSite=None; Secure")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.do_GET()

    def send(self, body: bytes, ctype: str, status: int = 200, cookie: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.end_headers()
        self.wfile.write(body)

    def slow(self) -> None:
        """Headers and the start of a document, then nothing until the server stops."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        try:
            self.wfile.write(b"<!doctype html><html><body><p>Loading")
            self.wfile.flush()
            while not self.server.stopping.wait(0.2):
                pass
        except OSError:
            pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the browser closing a connection early is not a test failure


class Sites:
    """The server; ``rules`` is the --host-resolver-rules value mapping every host to it."""

    def __init__(self) -> None:
        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.httpd.seen = []  # type: ignore[attr-defined]
        self.httpd.stopping = threading.Event()  # type: ignore[attr-defined]
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(TLS / "cert.pem", TLS / "key.pem")
        self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.rules = f"MAP * 127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Sites:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.stopping.set()  # type: ignore[attr-defined]
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def seen(self) -> list[tuple[str, str]]:
        return self.httpd.seen  # type: ignore[attr-defined, no-any-return]
