"""Finding a consent banner and acting on it, in one browser page (issue #16).

Two methods, tried in this order:

1. **autoconsent** - DuckDuckGo's rule set for known consent management platforms (bundled in
   ``vendor/``, MPL-2.0): its Playwright content script runs in every frame and reports the
   platform it detects; gdprmap then asks it to opt in or out. Cosmetic rules (hiding a banner
   without answering it) and heuristic detection are off: hiding a banner is not a choice.
2. **generic** - visible buttons and links (``<button>``, ``<a>``, ``role=button``, inputs) in
   every frame, iframes included, whose accessible text is an accept, refuse or settings control
   in English, French, German, Spanish, Italian or Dutch. To refuse when the first layer has no
   refuse control, the settings layer is opened and refused there.

Every click, whichever method made it, is recorded by a capturing ``click`` listener in the
page (text, CSS path, frame): that is the ``_action`` the HAR carries.
"""

from __future__ import annotations

import gzip
import json
import time
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from typing import Any

AUTOCONSENT_CONFIG: dict[str, Any] = {
    "enabled": True,
    "autoAction": None,  # gdprmap decides: none, optIn or optOut
    "disabledCmps": [],
    "enablePrehide": False,  # the screenshot must show the banner as the visitor sees it
    "enableCosmeticRules": False,  # hiding a banner is not answering it
    "enableGeneratedRules": True,
    "enableHeuristicDetection": False,  # the generic method below is gdprmap's own, recorded
    "enablePopupMutationObserver": False,
    "detectRetries": 20,
    "isMainWorld": True,
    "prehideTimeout": 2000,
    "visualTest": False,
    "performanceLoggingEnabled": False,
    "heuristicPopupSearchTimeout": 0,
    "heuristicMode": "off",
    "logs": {"lifecycle": False, "rulesteps": False, "detectionsteps": False, "evals": False,
             "errors": False, "messages": False, "waits": False},
}

# Control texts, normalised as generic.js does (lower case, no accents, no punctuation).
# Refusals first: "accept only necessary" is a refusal, not an acceptance.
PATTERNS: dict[str, list[str]] = {
    "reject": [
        # en
        "reject all", "reject", "decline all", "decline", "refuse all", "refuse", "deny all",
        "deny", "i decline", "reject all cookies", "decline all cookies", "reject cookies",
        "refuse cookies", "continue without accepting", "only necessary", "only essential",
        "necessary only", "essential only", "accept only necessary", "accept only essential",
        "accept necessary only", "use necessary cookies only", "only necessary cookies",
        "only essential cookies", "reject non essential", "reject optional cookies",
        "no thanks", "disagree",
        # fr
        "tout refuser", "refuser", "refuser tout", "je refuse", "refuser les cookies",
        "refuser tous les cookies", "continuer sans accepter", "non merci",
        "accepter uniquement les cookies necessaires", "uniquement les cookies necessaires",
        "cookies necessaires uniquement", "rejeter", "tout rejeter", "interdire",
        # de
        "alle ablehnen", "ablehnen", "nur notwendige", "nur notwendige cookies",
        "nur essenzielle cookies", "nur erforderliche cookies", "ohne zustimmung fortfahren",
        "weiter ohne einwilligung", "alle cookies ablehnen", "verweigern",
        # es
        "rechazar todo", "rechazar todas", "rechazar", "rechazar cookies", "denegar",
        "continuar sin aceptar", "solo necesarias", "solo cookies necesarias",
        # it
        "rifiuta tutto", "rifiuta tutti", "rifiuta", "rifiuto", "continua senza accettare",
        "solo necessari", "solo cookie necessari",
        # nl
        "alles weigeren", "weigeren", "alle cookies weigeren", "afwijzen", "alles afwijzen",
        "alleen noodzakelijke", "alleen noodzakelijke cookies", "doorgaan zonder te accepteren",
    ],
    "accept": [
        # en
        "accept all", "accept all cookies", "accept", "accept cookies", "allow all",
        "allow all cookies", "allow cookies", "i accept", "i agree", "agree", "agree and close",
        "agree to all", "got it", "ok", "yes i agree", "allow",
        # fr
        "tout accepter", "accepter tout", "accepter", "j'accepte", "accepter et fermer",
        "accepter et continuer", "accepter les cookies", "accepter tous les cookies",
        "autoriser", "tout autoriser", "d'accord", "ok pour moi", "j'ai compris",
        # de
        "alle akzeptieren", "akzeptieren", "alle cookies akzeptieren", "zustimmen",
        "alle zulassen", "einverstanden", "annehmen", "alle annehmen", "ich stimme zu",
        # es
        "aceptar todo", "aceptar todas", "aceptar", "aceptar cookies", "acepto",
        "aceptar y continuar", "permitir todas",
        # it
        "accetta tutto", "accetta tutti", "accetta", "accetto", "accetta i cookie",
        "acconsento", "consenti tutti",
        # nl
        "alles accepteren", "accepteren", "akkoord", "alle cookies accepteren", "ik ga akkoord",
        "alles toestaan", "toestaan",
    ],
    "settings": [
        "settings", "cookie settings", "cookies settings", "manage cookies", "manage settings",
        "manage preferences", "manage options", "customize", "customise", "preferences",
        "more options", "options", "set preferences",
        "parametrer", "parametres", "personnaliser", "gerer", "gerer les cookies",
        "gerer mes choix", "gerer les preferences", "en savoir plus et personnaliser",
        "parametrer les cookies", "personnaliser mes choix",
        "einstellungen", "cookie einstellungen", "anpassen", "mehr optionen", "verwalten",
        "configurar", "configuracion", "personalizar", "mas opciones", "gestionar",
        "impostazioni", "personalizza", "gestisci", "gestisci preferenze", "piu opzioni",
        "instellingen", "aanpassen", "voorkeuren", "beheren", "cookie instellingen",
    ],
}


def normalise(text: str) -> str:
    """The text as generic.js compares it (for patterns written here)."""
    out = unicodedata.normalize("NFKD", text)
    out = "".join(c for c in out if not unicodedata.combining(c)).lower().replace("’", "'")
    out = "".join(c if c.isalnum() or c in "' " else " " for c in out)
    return " ".join(out.split())


@lru_cache(maxsize=1)
def generic_script() -> str:
    return files("gdprmap.capture").joinpath("generic.js").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def autoconsent_script() -> str:
    return files("gdprmap.capture").joinpath("vendor/autoconsent.playwright.js").read_text(
        encoding="utf-8")


@lru_cache(maxsize=1)
def autoconsent_rules_json() -> str:
    raw = files("gdprmap.capture").joinpath("vendor/autoconsent-rules.json.gz").read_bytes()
    return gzip.decompress(raw).decode("utf-8")


def autoconsent_version() -> str:
    return files("gdprmap.capture").joinpath("vendor/VERSION.autoconsent").read_text(
        encoding="utf-8").strip()


# Records every click in every frame (capturing phase, before the page's own handlers).
CLICK_RECORDER = """
(() => {
  if (window.__gdprmapClicks) return;
  window.__gdprmapClicks = true;
  const cssPath = (el) => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && e !== document.documentElement; e = e.parentElement) {
      if (e.id && /^[A-Za-z][\\w-]*$/.test(e.id)) { parts.unshift('#' + e.id); break; }
      let i = 1;
      for (let s = e.previousElementSibling; s; s = s.previousElementSibling) if (s.tagName === e.tagName) i++;
      parts.unshift(e.tagName.toLowerCase() + ':nth-of-type(' + i + ')');
    }
    if (parts.length && !parts[0].startsWith('#')) parts.unshift('html');
    return parts.join(' > ');
  };
  document.addEventListener('click', (ev) => {
    const at = Date.now();  // before the page's own handlers send anything
    const el = ev.target && ev.target.closest ? (ev.target.closest('button,a,[role=button],input,label,[onclick]') || ev.target) : ev.target;
    if (!el || !window.gdprmapClicked) return;
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 200);
    window.gdprmapClicked({text, css: cssPath(el), frame: location.href, trusted: ev.isTrusted, time: at});
  }, true);
})();
"""


@dataclass
class Click:
    text: str
    css: str
    frame: str
    time: float  # epoch seconds


@dataclass
class BannerOutcome:
    """What happened to the banner in one consent state."""

    method: str | None = None  # "autoconsent" | "generic" | None (no banner found)
    cmp: str | None = None  # the platform autoconsent named, or "generic"
    outcome: str = "no-banner"  # no-banner | shown | clicked | no-control | failed
    clicks: list[Click] = field(default_factory=list)
    action_time: float | None = None  # epoch seconds of the first click that answered
    note: str | None = None


class AutoconsentBridge:
    """The message channel between autoconsent's content scripts (one per frame) and gdprmap."""

    def __init__(self) -> None:
        self.detected: dict[Any, str] = {}  # frame -> CMP name
        self.popups: dict[Any, str] = {}  # frame -> CMP name with a visible popup
        self.results: list[tuple[str, str, bool]] = []  # (type, cmp, result)
        self.done: list[str] = []
        self.clicks: list[Click] = []

    def install(self, context: Any) -> None:
        context.expose_binding("autoconsentSendMessage", self._message)
        context.expose_binding("gdprmapClicked", self._clicked)
        context.add_init_script(script=CLICK_RECORDER)
        context.add_init_script(script=autoconsent_script())

    def _clicked(self, source: dict[str, Any], info: dict[str, Any]) -> None:
        self.clicks.append(Click(text=str(info.get("text", ""))[:200],
                                 css=str(info.get("css", ""))[:1000],
                                 frame=str(info.get("frame", ""))[:2000],
                                 time=_epoch(info.get("time"))))

    def _message(self, source: dict[str, Any], message: Any) -> None:
        if not isinstance(message, dict):
            return
        frame: Any = source.get("frame")
        kind = message.get("type")
        if frame is None:
            return
        try:
            if kind == "init":
                frame.evaluate(
                    "([config, rules]) => window.autoconsentReceiveMessage({type: 'initResp', "
                    "config, rules: JSON.parse(rules)})",
                    [AUTOCONSENT_CONFIG, autoconsent_rules_json()])
            elif kind == "eval":  # a rule's snippet for the main world
                try:
                    result = frame.evaluate(str(message.get("code", "")))
                except Exception:
                    result = False
                frame.evaluate("m => window.autoconsentReceiveMessage(m)",
                               {"type": "evalResp", "id": message.get("id"),
                                "result": json.loads(json.dumps(result, default=str))})
            elif kind == "cmpDetected":
                self.detected[frame] = str(message.get("cmp"))
            elif kind == "popupFound":
                self.popups[frame] = str(message.get("cmp"))
            elif kind in ("optInResult", "optOutResult"):
                self.results.append((kind, str(message.get("cmp")), bool(message.get("result"))))
            elif kind == "autoconsentDone":
                self.done.append(str(message.get("cmp")))
        except Exception:  # the frame navigated or was detached: nothing to answer
            return

    def send(self, frame: Any, kind: str) -> None:
        frame.evaluate("m => window.autoconsentReceiveMessage && "
                       "window.autoconsentReceiveMessage(m)", {"type": kind})


def _epoch(ms: Any) -> float:
    """The page's click time (ms since the epoch, the machine's clock), else now."""
    return ms / 1000 if isinstance(ms, (int, float)) and ms > 0 else time.time()


def _frames(page: Any) -> list[Any]:
    return [f for f in page.frames if not f.is_detached()]


def find_controls(page: Any, kinds: list[str]) -> list[tuple[Any, dict[str, Any]]]:
    """(frame, control) pairs matching ``kinds``, best first; main frame before iframes."""
    patterns = {k: [normalise(p) for p in PATTERNS[k]] for k in PATTERNS}
    found: list[tuple[Any, dict[str, Any]]] = []
    for frame in _frames(page):
        try:
            rows = frame.evaluate(generic_script(), {"patterns": patterns, "kinds": kinds})
        except Exception:
            continue  # detached or navigating
        found += [(frame, row) for row in rows]
    found.sort(key=lambda fr: fr[1]["score"])
    return found


def _pick(found: list[tuple[Any, dict[str, Any]]], kind: str) -> tuple[Any, dict[str, Any]] | None:
    """The best control of ``kind`` that is not also a control of another kind listed before
    it ("Accept only necessary" is a refusal)."""
    claimed = {(id(f), c["css"]) for f, c in found if c["kind"] == "reject"} if kind == "accept" else set()
    for frame, control in found:
        if control["kind"] == kind and (id(frame), control["css"]) not in claimed:
            return frame, control
    return None


def _click(frame: Any, control: dict[str, Any], timeout_ms: float) -> bool:
    try:
        frame.locator(control["css"]).first.click(timeout=timeout_ms)
        return True
    except Exception:
        try:  # covered by an overlay, or animated: a DOM click as a last resort
            return bool(frame.evaluate(
                "css => { const e = document.querySelector(css); if (!e) return false; "
                "e.click(); return true; }", control["css"]))
        except Exception:
            return False


def act(page: Any, bridge: AutoconsentBridge, state: str, wait_s: float,
        timeout_s: float) -> BannerOutcome:
    """Find the banner and, for ``accept`` / ``reject``, answer it. ``none`` only looks."""
    outcome = BannerOutcome()
    popup = next(iter(bridge.popups.items()), None)
    if popup is not None:
        frame, cmp = popup
        outcome.method, outcome.cmp, outcome.outcome = "autoconsent", cmp, "shown"
        if state == "none":
            return outcome
        before = len(bridge.clicks)
        started = time.time()
        try:
            bridge.send(frame, "optIn" if state == "accept" else "optOut")
        except Exception:
            pass
        wanted = "optInResult" if state == "accept" else "optOutResult"
        deadline = started + max(timeout_s, 5.0)
        while time.time() < deadline and not any(r[0] == wanted for r in bridge.results):
            page.wait_for_timeout(100)
        ok = any(r[0] == wanted and r[2] for r in bridge.results)
        clicks = bridge.clicks[before:]
        if ok and clicks:
            outcome.outcome, outcome.clicks = "clicked", clicks
            outcome.action_time = clicks[-1].time  # the choice is made by the last click
            return outcome
        # the rule could not finish: the generic method tries, and the record says so
        outcome.note = f"autoconsent rule {cmp!r} did not complete; generic method tried"
    found = find_controls(page, ["reject", "accept", "settings"])
    if not found and outcome.method is None:
        return outcome  # no banner found
    if outcome.method is None:
        outcome.method, outcome.cmp, outcome.outcome = "generic", "generic", "shown"
    if state == "none":
        return outcome
    before = len(bridge.clicks)
    pick = _pick(found, state)
    if pick is None and state == "reject":
        settings = _pick(found, "settings")
        if settings is not None and _click(*settings, timeout_ms=timeout_s * 1000):
            page.wait_for_timeout(max(500, int(wait_s * 500)))
            pick = _pick(find_controls(page, ["reject"]), "reject")
            if pick is None:
                outcome.note = "settings layer opened; no refuse control found there"
    clicked_at = time.time()
    if pick is not None and _click(*pick, timeout_ms=timeout_s * 1000):
        page.wait_for_timeout(100)  # let the recorder report the click
    clicks = bridge.clicks[before:]
    if pick is not None and clicks:
        outcome.outcome, outcome.clicks = "clicked", clicks
        outcome.action_time = clicks[-1].time  # a settings layer's refusal is the last click
    elif pick is not None:
        # clicked but the page's recorder did not see it (e.g. the frame navigated at once)
        outcome.outcome = "clicked"
        outcome.clicks = [Click(text=pick[1]["text"], css=pick[1]["css"], frame=pick[0].url,
                                time=clicked_at)]
        outcome.action_time = outcome.clicks[0].time
    else:
        outcome.outcome = "no-control"
        outcome.clicks = clicks
    return outcome
