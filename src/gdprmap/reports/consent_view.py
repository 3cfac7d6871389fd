"""The report's consent section and its integrity rows (issue #16), from the assessment alone.

A live capture's states become: one exhibit per state (the screenshot, embedded only when the
file still has the SHA-256 read when the capture was assessed), how the banner was found and
which control was clicked, a recipient x state table, and for the integrity annex the capture
run (browser, command line, start/end in UTC, time zone) and the screenshots' SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

from ..models import Assessment, ConsentPage, Recipient

MAX_SCREENSHOT = 8 << 20  # bytes; a larger file is listed, not embedded

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Consent states",
        "intro": "gdprmap visited the site itself with a headless Chromium, once per consent "
                 "state, each time with a fresh browser profile: \"none\" (the page loaded, no "
                 "choice made), \"accept\" (the banner's accept control clicked) and \"reject\" "
                 "(its refuse control clicked). A request counts in a state once the choice "
                 "was clicked; before the click it counts as \"none\". Where no banner was "
                 "found the state is \"no banner found\", not a refusal or an acceptance.",
        "state": "State", "outcome": "Banner", "method": "Found by", "control": "Control clicked",
        "requests": "Requests", "cookies": "Cookies after the state", "storage": "localStorage keys",
        "screenshot": "Screenshot", "not_available": "screenshot not available (file missing or "
                                                  "changed since the assessment)",
        "table": "Recipients by consent state",
        "table_intro": "A mark means the recipient received at least one request in that "
                       "state. Recipients reached after a refusal are flagged, here and on the "
                       "data-flow map.",
        "recipient": "Recipient", "verdict": "Transfer verdict", "findings": "Consent findings",
        "after_refusal": "reached after refusal",
        "no_recipient": "No third-party recipient received a request in these states.",
        "none": "none (before any choice)", "accept": "accept", "reject": "reject",
        "no-banner": "no banner found", "shown": "shown, not answered",
        "clicked": "answered", "no-control": "no control for this choice",
        "unknown": "not recorded",
        "run": "Live capture", "browser": "Browser", "started": "Started (UTC)",
        "ended": "Ended (UTC)", "timezone": "Time zone of the capturing machine",
        "command": "Capture command", "args": "Browser arguments",
        "shots": "Consent screenshots", "recorded": "recorded at capture",
        "mismatch": "differs from the SHA-256 recorded at capture",
        "rules": "Consent rules",
    },
    "fr": {
        "title": "États de consentement",
        "intro": "gdprmap a visité le site lui-même avec un Chromium sans interface, une fois "
                 "par état de consentement, chaque fois avec un profil neuf : « none » (page "
                 "chargée, aucun choix), « accept » (contrôle d'acceptation du bandeau cliqué) "
                 "et « reject » (contrôle de refus cliqué). Une requête compte dans un état une "
                 "fois le choix cliqué ; avant le clic elle compte comme « none ». Sans bandeau "
                 "trouvé, l'état est « aucun bandeau trouvé », ni un refus ni une acceptation.",
        "state": "État", "outcome": "Bandeau", "method": "Trouvé par", "control": "Contrôle cliqué",
        "requests": "Requêtes", "cookies": "Cookies après l'état", "storage": "Clés localStorage",
        "screenshot": "Capture d'écran", "not_available": "capture d'écran indisponible (fichier "
                                                         "absent ou modifié depuis l'analyse)",
        "table": "Destinataires par état de consentement",
        "table_intro": "Une marque signifie que le destinataire a reçu au moins une requête "
                       "dans cet état. Les destinataires atteints après un refus sont signalés, "
                       "ici et sur la carte des flux.",
        "recipient": "Destinataire", "verdict": "Verdict de transfert",
        "findings": "Constats de consentement", "after_refusal": "atteint après refus",
        "no_recipient": "Aucun destinataire tiers n'a reçu de requête dans ces états.",
        "none": "none (avant tout choix)", "accept": "accept", "reject": "reject",
        "no-banner": "aucun bandeau trouvé", "shown": "affiché, sans réponse",
        "clicked": "répondu", "no-control": "aucun contrôle pour ce choix",
        "unknown": "non enregistré",
        "run": "Capture en direct", "browser": "Navigateur", "started": "Début (UTC)",
        "ended": "Fin (UTC)", "timezone": "Fuseau horaire de la machine de capture",
        "command": "Commande de capture", "args": "Arguments du navigateur",
        "shots": "Captures d'écran des états", "recorded": "enregistré à la capture",
        "mismatch": "diffère du SHA-256 enregistré à la capture",
        "rules": "Règles de consentement",
    },
    "de": {
        "title": "Einwilligungszustände",
        "intro": "gdprmap hat die Website selbst mit einem Chromium ohne Oberfläche besucht, "
                 "einmal je Einwilligungszustand, jedes Mal mit einem neuen Browserprofil: "
                 "„none“ (Seite geladen, keine Wahl getroffen), „accept“ (Zustimmungs-"
                 "Bedienelement des Banners angeklickt) und „reject“ (Ablehnungs-Bedienelement "
                 "angeklickt). Eine Anfrage zählt zu einem Zustand, sobald die Wahl angeklickt "
                 "wurde; vor dem Klick zählt sie als „none“. Wurde kein Banner gefunden, lautet "
                 "der Zustand „kein Banner gefunden“, weder Ablehnung noch Zustimmung.",
        "state": "Zustand", "outcome": "Banner", "method": "Gefunden durch",
        "control": "Angeklicktes Bedienelement",
        "requests": "Anfragen", "cookies": "Cookies nach dem Zustand",
        "storage": "localStorage-Schlüssel",
        "screenshot": "Bildschirmfoto", "not_available": "Bildschirmfoto nicht verfügbar (Datei "
                                                       "fehlt oder seit der Bewertung geändert)",
        "table": "Empfänger nach Einwilligungszustand",
        "table_intro": "Eine Markierung bedeutet, dass der Empfänger in diesem Zustand mindestens "
                       "eine Anfrage erhalten hat. Nach einer Ablehnung erreichte Empfänger sind "
                       "hier und auf der Datenflusskarte gekennzeichnet.",
        "recipient": "Empfänger", "verdict": "Bewertung der Übermittlung",
        "findings": "Feststellungen zur Einwilligung", "after_refusal": "nach Ablehnung erreicht",
        "no_recipient": "Kein dritter Empfänger hat in diesen Zuständen eine Anfrage erhalten.",
        "none": "none (vor jeder Auswahl)", "accept": "accept (Zustimmung)",
        "reject": "reject (Ablehnung)",
        "no-banner": "kein Banner gefunden", "shown": "angezeigt, nicht beantwortet",
        "clicked": "beantwortet", "no-control": "kein Bedienelement für diese Wahl",
        "unknown": "nicht erfasst",
        "run": "Live-Aufzeichnung", "browser": "Browser", "started": "Beginn (UTC)",
        "ended": "Ende (UTC)", "timezone": "Zeitzone des aufzeichnenden Rechners",
        "command": "Aufzeichnungsbefehl", "args": "Browser-Argumente",
        "shots": "Bildschirmfotos der Zustände", "recorded": "bei der Aufzeichnung erfasst",
        "mismatch": "weicht vom bei der Aufzeichnung erfassten SHA-256 ab",
        "rules": "Einwilligungsregeln",
    },
}

CONSENT_RULES = ("GM-CNS-01", "GM-CNS-02")


def _utc(value: Any) -> str | None:
    if value is None:
        return None
    import datetime as dt

    return str(value.astimezone(dt.timezone.utc).isoformat(timespec="seconds")).replace(
        "+00:00", "Z")


def _image(page: ConsentPage) -> str | None:
    """The screenshot as a data: URI, only when the file is what the assessment hashed."""
    if not page.screenshot_path or not page.screenshot_sha256:
        return None
    path = Path(page.screenshot_path)
    try:
        if path.stat().st_size > MAX_SCREENSHOT:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != page.screenshot_sha256 or not data.startswith(
            b"\x89PNG\r\n\x1a\n"):
        return None
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def after_refusal(recipient: Recipient) -> bool:
    return "reject" in recipient.consent_states


def consent_view(assessment: Assessment, lang: str, names: dict[str, str]) -> dict[str, Any] | None:
    summary = assessment.consent
    if summary is None:
        return None
    say = TEXT.get(lang, TEXT["en"])
    pages = []
    for i, page in enumerate(summary.pages, 1):
        pages.append({
            "label": f"C-{i}",
            "state": page.state,
            "state_label": say.get(page.state, page.state),
            "outcome": say.get(page.outcome, page.outcome),
            "method": page.method,
            "cmp": page.cmp,
            "action": page.action,
            "action_time": _utc(page.action.time) if page.action else None,
            "clicks": len(page.clicks),
            "note": page.note,
            "url": page.url,
            "requests": page.requests,
            "cookies": len(page.cookies),
            "third_party_cookies": sum(1 for c in page.cookies if c.first_party is False),
            "storage": len(page.storage),
            "screenshot": page.screenshot,
            "image": _image(page),
            "sha256": page.screenshot_sha256,
            "recorded_sha256": page.screenshot_recorded_sha256,
            "mismatch": bool(page.screenshot_sha256 and page.screenshot_recorded_sha256
                             and page.screenshot_sha256 != page.screenshot_recorded_sha256),
        })
    rows: list[dict[str, Any]] = []
    for r in assessment.recipients:
        if not r.consent_states:
            continue
        rows.append({
            "name": names.get(r.id, r.id),
            "verdict": r.verdict.value,
            "cells": [s in r.consent_states for s in summary.states],
            "after_refusal": after_refusal(r),
            "findings": sorted({f.rule for f in r.findings if f.rule in CONSENT_RULES}),
        })
    rows.sort(key=lambda row: (not row["after_refusal"], "GM-CNS-01" not in row["findings"],
                               row["name"].casefold()))
    runs = []
    for info in assessment.inputs:
        run = info.run
        if not info.consent or run is None:
            continue
        runs.append({
            "input": info.path,
            "browser": " ".join(x for x in (run.browser, run.browser_version) if x),
            "user_agent": run.user_agent,
            "started": _utc(run.started), "ended": _utc(run.ended),
            "timezone": run.timezone,
            "command": " ".join(run.command) if run.command else None,
            "args": " ".join(run.browser_args) if run.browser_args else None,
            "url": run.start_url,
        })
    return {
        "t": say,
        "states": [{"state": s, "label": say.get(s, s)} for s in summary.states],
        "pages": pages,
        "rows": rows,
        "runs": runs,
        "rules": list(summary.rules),
        "rules_sha256": summary.rules_sha256,
    }
