"""Build gdprmap's bundled copy of DuckDuckGo's autoconsent (issue #16).

    npm pack @duckduckgo/autoconsent && tar xzf duckduckgo-autoconsent-*.tgz
    python scripts/build_autoconsent.py package/

writes src/gdprmap/capture/vendor/: the Playwright content script (``dist/autoconsent.playwright.js``,
unchanged), the JSON rules (``rules/rules.json``, re-serialised without whitespace and gzipped;
the compact rule file omits the opt-in steps, so the full rules are kept) and the package's
LICENSE (MPL-2.0) with its version. These files stay under the MPL-2.0 (see NOTICE).
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "gdprmap" / "capture" / "vendor"


def main(package: Path) -> None:
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    OUT.mkdir(parents=True, exist_ok=True)
    script = (package / "dist" / "autoconsent.playwright.js").read_bytes()
    (OUT / "autoconsent.playwright.js").write_bytes(script)
    rules = json.loads((package / "rules" / "rules.json").read_text(encoding="utf-8"))
    text = json.dumps(rules, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    # mtime 0: the same package gives byte-identical files
    (OUT / "autoconsent-rules.json.gz").write_bytes(gzip.compress(text.encode(), 9, mtime=0))
    (OUT / "LICENSE.autoconsent").write_bytes((package / "LICENSE").read_bytes())
    (OUT / "VERSION.autoconsent").write_text(f"{meta['name']} {meta['version']}\n",
                                             encoding="utf-8")
    print(f"{meta['name']} {meta['version']}: {len(rules['autoconsent'])} JSON rules -> {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "package"))
