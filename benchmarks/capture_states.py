"""Issue #16: seconds per consent state of `gdprmap capture` for a typical page.

The "typical page" is served on 127.0.0.1 by this script (no network): a home page of about
60 requests (a document, 8 stylesheets and scripts, 40 images, a web font, a OneTrust banner
loaded from cdn.cookielaw.org as the real stub is, Google Tag Manager / Analytics and the Meta
pixel after acceptance, and 3 requests to an ad server before any choice), over HTTPS with the
test certificate, every host mapped to the server with --host-resolver-rules.

    PYTHONPATH=src:tests python benchmarks/capture_states.py [--runs 3] [--wait 3]

prints, per state, the wall-clock seconds (browser start to browser end) of each run and the
median, and the whole capture's seconds. --wait is gdprmap's --wait (default 3 s, as the CLI):
with it, a state costs about 2 x wait plus the browser's own work.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import capture_sites  # noqa: E402

IMAGES = 40


def typical_page() -> bytes:
    head = "".join(f'<link rel="stylesheet" href="/static/style{i}.css">' for i in range(4))
    head += "".join(f'<script src="/static/app{i}.js"></script>' for i in range(4))
    head += ('<script src="https://cdn.cookielaw.org/scripttemplates/otSDKStub.js" '
             'data-domain-script="bench"></script>')
    imgs = "".join(f'<img src="/media/p{i}.gif" width="120" height="90" alt="">'
                   for i in range(IMAGES))
    ads = "".join(f'<img src="https://ads.adserver.example/imp?slot={i}" width="1" height="1">'
                  for i in range(3))
    body = (f"<nav>{''.join(f'<a href=/p{i}>Page {i}</a> ' for i in range(10))}</nav>"
            f"<main><p>{'Lorem ipsum dolor sit amet. ' * 80}</p>{imgs}</main>{ads}"
            "<script>window.addEventListener('load', function () {"
            " document.cookie = 'session=1; path=/'; });</script>")
    return capture_sites._page("Typical shop", body, head)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--wait", type=float, default=3.0)
    args = parser.parse_args()
    capture_sites.PAGES["www.typical.example"] = typical_page()
    from gdprmap.capture import CaptureOptions, capture

    per_state: dict[str, list[float]] = {}
    totals: list[float] = []
    with capture_sites.Sites() as sites, tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            start = time.perf_counter()
            result = capture("https://www.typical.example/", Path(tmp) / f"run{run}.har",
                             CaptureOptions(wait=args.wait, host_resolver_rules=sites.rules,
                                            insecure=True))
            totals.append(time.perf_counter() - start)
            for state, seconds in result.seconds.items():
                per_state.setdefault(state, []).append(seconds)
            print(f"run {run + 1}: {result.entries} requests, outcomes {result.outcomes}, "
                  f"{totals[-1]:.2f} s", file=sys.stderr)
    print(f"wait {args.wait:g} s, {args.runs} runs; seconds per state (page load to cookies "
          "read, browser start and stop excluded) and per capture (all included):")
    for state, values in per_state.items():
        print(f"  {state:7s} median {statistics.median(values):6.2f}   runs "
              + " ".join(f"{v:.2f}" for v in values))
    print(f"  capture median {statistics.median(totals):6.2f}   runs "
          + " ".join(f"{v:.2f}" for v in totals))


if __name__ == "__main__":
    main()
