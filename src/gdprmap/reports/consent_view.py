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

from .. import catalogs
from ..models import Assessment, ConsentPage, Recipient

MAX_SCREENSHOT = 8 << 20  # bytes; a larger file is listed, not embedded

# The section's words are the catalogs' `consent:` keys (gdprmap/locale).

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
    say = catalogs.table(lang, "consent")
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
