"""Drive a real headless Chromium through the consent states and record what it sent.

Playwright for Python drives the system Chromium (``executable_path``; Playwright's own browser
download cannot work offline). Each consent state runs in its own browser with a new, empty
profile (``--user-data-dir`` under one temporary folder, removed afterwards): load, wait,
screenshot,
act on the banner, wait, optionally browse same-site links, then read cookies and storage keys.
Every request of every frame is recorded through Playwright's context events; the Chrome
DevTools protocol adds what Playwright does not expose (certificate SANs, the document's
certificate subject organisation).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import CaptureError, UsageError
from .banner import AutoconsentBridge, BannerOutcome, act

STATES = ("none", "accept", "reject")
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# As root and on a closed network Chromium needs these, or it floods the network with its own
# services (sync, component updates, field trials) and refuses to start sandboxed.
# Playwright adds --headless; the --user-data-dir is new and empty for each state.
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-domain-reliability", "--metrics-recording-only",
    "--no-default-browser-check", "--disable-extensions", "--disable-client-side-phishing-detection",
    "--allow-browser-signin=false", "--disable-features=OptimizationHints,MediaRouter,Translate,"
    "AccountConsistency,SigninInterceptBubble,ChromeWhatsNewUI",
)
INSTALL_HINT = ("install Chromium (Debian/Ubuntu: apt-get install chromium) or give "
                "--browser PATH")


@dataclass(frozen=True)
class CaptureOptions:
    consent: tuple[str, ...] = STATES
    browser: str | None = None
    wait: float = 3.0  # seconds after load and after each click
    timeout: float = 30.0  # seconds for a page to load
    user_agent: str | None = None
    viewport: tuple[int, int] = (1366, 768)
    pages: int = 0  # same-site links followed after the banner, per state
    host_resolver_rules: str | None = None
    insecure: bool = False  # accept invalid TLS certificates (test servers)
    command: tuple[str, ...] = ()


@dataclass
class Recorded:
    """One request as Playwright reported it, with what the browser said about its response."""

    request: Any
    wall: float  # epoch seconds when the request event arrived
    response: Any = None
    finished: bool = False
    failure: str | None = None


@dataclass
class StateRun:
    state: str
    started: dt.datetime
    ended: dt.datetime | None = None
    url: str = ""
    title: str = ""
    banner: BannerOutcome = field(default_factory=BannerOutcome)
    screenshot: Path | None = None
    cookies: list[dict[str, Any]] = field(default_factory=list)
    storage: list[dict[str, str]] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    on_load_ms: float | None = None
    on_content_load_ms: float | None = None
    user_agent: str | None = None


def find_browser(path: str | None) -> str:
    """The Chromium to run: ``path``, ``$GDPRMAP_BROWSER``, or the first on ``PATH``."""
    wanted = path or os.environ.get("GDPRMAP_BROWSER")
    if wanted:
        resolved = shutil.which(wanted) if os.sep not in wanted else wanted
        if not resolved or not os.access(resolved, os.X_OK) or not Path(resolved).is_file():
            raise CaptureError(f"browser {wanted!r} not found or not executable: {INSTALL_HINT}")
        return resolved
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise CaptureError(f"no Chromium browser found on PATH: {INSTALL_HINT}")


VERSION_TIMEOUT = 20  # seconds for `BROWSER --version`


def browser_version(executable: str) -> str:
    """The browser's own version line, for the run record. A browser that cannot be run at all
    is an error; one that does not answer in time on a loaded machine (Debian's wrapper script
    has been seen to take over 20 s) is recorded as of unknown version - starting it, with its
    own timeout, tells whether it works."""
    try:
        out = subprocess.run([executable, "--version"], capture_output=True, text=True,
                             timeout=VERSION_TIMEOUT, check=False).stdout.strip()
    except subprocess.TimeoutExpired:
        return f"unknown (no answer to --version within {VERSION_TIMEOUT} s)"
    except (OSError, subprocess.SubprocessError) as e:
        raise CaptureError(f"cannot run {executable}: {e}: {INSTALL_HINT}") from e
    return out.splitlines()[0][:200] if out else "unknown"


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UsageError(f"{url}: not an http(s) URL (scheme {parts.scheme or 'missing'!r})")
    if not parts.hostname:
        raise UsageError(f"{url}: no host name")
    return url


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).astimezone().isoformat(
        timespec="milliseconds")


def run_states(url: str, options: CaptureOptions, shots: Path, stem: str,
               log: Any = None) -> tuple[list[StateRun], str, list[str]]:
    """Capture ``url`` once per consent state; screenshots go to ``shots``/``stem``-STATE.png.
    Returns the runs, the browser's version string and the arguments it was started with."""
    check_url(url)
    executable = find_browser(options.browser)
    version = browser_version(executable)
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as e:
        raise CaptureError("Playwright for Python is not installed: pip install "
                           "'gdprmap[capture]' (or make setup)") from e
    args = list(CHROMIUM_ARGS)
    if options.host_resolver_rules:
        args.append(f"--host-resolver-rules={options.host_resolver_rules}")
    if options.insecure:
        args.append("--ignore-certificate-errors")
    # marks this run's browser processes (the tests check that none is left behind);
    # GDPRMAP_RUN_ID sets it, e.g. to trace a run
    run_id = os.environ.get("GDPRMAP_RUN_ID") or uuid.uuid4().hex
    marker = f"--gdprmap-run={''.join(c for c in run_id if c.isalnum() or c in '-_')[:64]}"
    args.append(marker)
    runs: list[StateRun] = []
    root = Path(tempfile.mkdtemp(prefix="gdprmap-capture-"))
    try:
        with sync_playwright() as pw:
            for state in options.consent:
                t0 = time.monotonic()
                context = _launch(pw, root / state, executable, args, options, PlaywrightError)
                try:
                    runs.append(_run_state(context, url, state, options, shots, stem,
                                           PlaywrightError))
                finally:
                    try:
                        context.close()  # ends the browser of this state
                    except PlaywrightError:
                        pass
                if log:
                    log(f"consent state {state}: {time.monotonic() - t0:.2f} s")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return runs, version, ["--headless", *args]


# A new profile's preferences: third-party cookies allowed as in a default Chrome profile (a
# visitor's browser, not an incognito window, which blocks them and would hide tracking), and
# no browser sign-in.
PROFILE_PREFERENCES = {
    "profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False},
    "signin": {"allowed": False, "allowed_on_next_startup": False},
    "browser": {"has_seen_welcome_page": True},
}


def _launch(pw: Any, profile: Path, executable: str, args: list[str], options: CaptureOptions,
            PlaywrightError: type[Exception]) -> Any:
    """One browser with a new, empty profile (``--user-data-dir``) for one consent state."""
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text(json.dumps(PROFILE_PREFERENCES),
                                                     encoding="utf-8")
    try:
        return pw.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=args,
            ignore_default_args=["--enable-automation"], chromium_sandbox=False,
            user_agent=options.user_agent, ignore_https_errors=options.insecure,
            viewport={"width": options.viewport[0], "height": options.viewport[1]},
            timeout=max(options.timeout, 30) * 1000)
    except PlaywrightError as e:
        raise CaptureError(f"{executable}: the browser did not start: {_first_line(e)}: "
                           f"{INSTALL_HINT}") from e


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0][:300] if text else type(e).__name__


def _run_state(context: Any, url: str, state: str, options: CaptureOptions, shots: Path,
               stem: str, PlaywrightError: type[Exception]) -> StateRun:
    run = StateRun(state=state, started=dt.datetime.now(dt.timezone.utc))
    bridge = AutoconsentBridge()
    bridge.install(context)
    recorded: dict[Any, Recorded] = {}
    order: list[Recorded] = []

    def on_request(req: Any) -> None:
        rec = Recorded(req, time.time())
        recorded[req] = rec
        order.append(rec)

    def on_response(resp: Any) -> None:
        rec = recorded.get(resp.request)
        if rec is not None:
            rec.response = resp

    def on_finished(req: Any) -> None:
        if (rec := recorded.get(req)) is not None:
            rec.finished = True

    def on_failed(req: Any) -> None:
        if (rec := recorded.get(req)) is not None:
            rec.failure = req.failure or "failed"

    context.on("request", on_request)
    context.on("response", on_response)
    context.on("requestfinished", on_finished)
    context.on("requestfailed", on_failed)
    page = context.pages[0] if context.pages else context.new_page()
    tls = _TlsRecorder(context, page)
    timeout_ms = options.timeout * 1000
    try:
        page.goto(url, wait_until="load", timeout=timeout_ms)
    except PlaywrightError as e:
        message = _first_line(e)
        if "Timeout" in type(e).__name__ or "Timeout" in message:
            raise CaptureError(f"{url}: the page did not finish loading within "
                               f"{options.timeout:g} s (raise --timeout)") from e
        reason = message.split("net::", 1)[-1].split()[0] if "net::" in message else message
        raise CaptureError(f"{url}: cannot load the page: {reason}") from e
    run.url, run.title = page.url, _safe(lambda: page.title(), "")
    run.user_agent = _safe(lambda: page.evaluate("navigator.userAgent"), None)
    timing = _safe(lambda: page.evaluate(
        "(() => { const n = performance.getEntriesByType('navigation')[0];"
        " return n ? [n.domContentLoadedEventEnd, n.loadEventEnd] : null; })()"), None)
    if timing:
        run.on_content_load_ms, run.on_load_ms = timing
    page.wait_for_timeout(int(options.wait * 1000))
    shot = shots / f"{stem}-{state}.png"
    try:
        page.screenshot(path=str(shot), timeout=timeout_ms)
        run.screenshot = shot
    except PlaywrightError:
        run.screenshot = None
    run.banner = act(page, bridge, state, options.wait, min(options.timeout, 10.0))
    if run.banner.outcome == "clicked":
        page.wait_for_timeout(int(options.wait * 1000))
    run.visited = [run.url]
    if options.pages:
        run.visited += _browse(page, url, options, PlaywrightError)
    hosts = {urlsplit(str(rec.request.url)).hostname or "" for rec in order}
    run.cookies = _cookies(context, url, hosts)
    run.storage = _storage(context)
    run.ended = dt.datetime.now(dt.timezone.utc)
    san = tls.collect()
    run.entries = [entry for rec in order if (entry := _entry(rec, state, san)) is not None]
    return run


def _safe(fn: Any, default: Any) -> Any:
    try:
        return fn()
    except Exception:
        return default


def _browse(page: Any, start: str, options: CaptureOptions,
            PlaywrightError: type[Exception]) -> list[str]:
    """Follow up to ``options.pages`` same-site links (the visitor's short browse)."""
    from ..enrich.domains import registrable_domain

    site = registrable_domain(urlsplit(start).hostname or "")
    links = _safe(lambda: page.eval_on_selector_all(
        "a[href]", "els => els.map(e => e.href)"), []) or []
    seen = {start.split("#")[0], page.url.split("#")[0]}
    visited: list[str] = []
    for link in links:
        if len(visited) >= options.pages:
            break
        target = str(link).split("#")[0]
        parts = urlsplit(target)
        if (parts.scheme not in ("http", "https") or target in seen
                or registrable_domain(parts.hostname or "") != site):
            continue
        seen.add(target)
        try:
            page.goto(target, wait_until="load", timeout=options.timeout * 1000)
            page.wait_for_timeout(int(options.wait * 1000))
            visited.append(page.url)
        except PlaywrightError:
            continue  # a broken link ends no capture
    return visited


def _cookies(context: Any, url: str, hosts: set[str]) -> list[dict[str, Any]]:
    """Cookies present at the end of the state: name, domain, path, expiry, flags and whether
    they are first party. Never the value. Only cookies a recorded request's host could have
    set or been sent: Chromium's own service requests (e.g. its sign-in check) are not the
    site's doing and are left out."""
    from ..enrich.domains import registrable_domain

    site = registrable_domain(urlsplit(url).hostname or "")
    out = []
    for c in _safe(lambda: context.cookies(), []) or []:
        domain = str(c.get("domain", "")).lstrip(".")
        if not any(h == domain or h.endswith("." + domain) for h in hosts):
            continue
        expires = c.get("expires", -1)
        out.append({
            "name": c.get("name", ""), "domain": c.get("domain", ""), "path": c.get("path", "/"),
            "expires": _iso(expires) if isinstance(expires, (int, float)) and expires > 0
            else None,
            "session": not (isinstance(expires, (int, float)) and expires > 0),
            "httpOnly": bool(c.get("httpOnly")), "secure": bool(c.get("secure")),
            "sameSite": c.get("sameSite"),
            "firstParty": registrable_domain(domain) == site,
        })
    return sorted(out, key=lambda c: (c["domain"], c["name"], c["path"]))


def _storage(context: Any) -> list[dict[str, str]]:
    """localStorage keys per origin (values are never kept)."""
    state = _safe(lambda: context.storage_state(), {}) or {}
    out = [{"origin": str(o.get("origin", "")), "key": str(item.get("name", ""))}
           for o in state.get("origins", []) for item in o.get("localStorage", [])]
    return sorted(out, key=lambda s: (s["origin"], s["key"]))


class _TlsRecorder:
    """Certificate facts the DevTools protocol gives and Playwright does not: the SANs of each
    response's certificate, and the subject organisation of the document's certificate."""

    def __init__(self, context: Any, page: Any) -> None:
        self.san: dict[str, list[str]] = {}
        self.page_origins: set[str] = set()
        self.session = None
        try:
            self.session = context.new_cdp_session(page)
            self.session.send("Network.enable")
            self.session.on("Network.responseReceived", self._response)
        except Exception:
            self.session = None

    def _response(self, event: dict[str, Any]) -> None:
        response = event.get("response") or {}
        details = response.get("securityDetails")
        if details and isinstance(details.get("sanList"), list):
            self.san[str(response.get("url", ""))] = [str(s) for s in details["sanList"]][:100]
        if event.get("type") == "Document":
            parts = urlsplit(str(response.get("url", "")))
            if parts.scheme == "https" and parts.netloc:
                self.page_origins.add(f"https://{parts.netloc}")

    def collect(self) -> dict[str, Any]:
        """{"san": {url: [names]}, "org": {origin: organisation or None}}"""
        from .tls import subject_organisation

        orgs: dict[str, str | None] = {}
        if self.session is not None:
            for origin in sorted(self.page_origins):
                try:
                    chain = self.session.send("Network.getCertificate", {"origin": origin})
                    names = chain.get("tableNames") or []
                    if names:  # empty: the browser did not expose this origin's certificate
                        orgs[origin] = subject_organisation(names[0])
                except Exception:
                    continue
        return {"san": self.san, "org": orgs}


def _entry(rec: Recorded, state: str, tls: dict[str, Any]) -> dict[str, Any] | None:
    from .har import entry

    return entry(rec, state, tls)
