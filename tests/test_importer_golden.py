"""Golden files: every fixture under tests/fixtures/importers/ (one or more per producer) gives
exactly the flows and capture info recorded in tests/fixtures/importers/golden/.

Regenerate after an intended change, then review the diff:
    GDPRMAP_REGEN_GOLDEN=1 python -m pytest tests/test_importer_golden.py
"""

import json
import os

import pytest
from conftest import SECRETS
from importer_helpers import FIXTURES, as_text, dump, read

GOLDEN = FIXTURES / "golden"
CASES = sorted(p for p in FIXTURES.iterdir() if p.name != "golden")


def test_every_format_has_a_fixture():
    from gdprmap.importers import REGISTRY

    formats = set()
    for path in CASES:
        _, info, _ = read(path)
        formats.add(info.format.split(" ")[0].split("+")[0])
    assert {"har", "wec", "blacklight", "trackercontrol-csv", "pcapdroid-csv",
            "register", "devtools-events", "webpagetest-json", "ios-app-privacy-report",
            "mitmproxy-flows", "chrome-netlog"} <= formats
    assert set(REGISTRY) == {"har", "wec", "trackercontrol-csv", "pcapdroid-csv", "register",
                             "devtools-events", "webpagetest-json", "ios-app-privacy-report",
                             "mitmproxy-flows", "chrome-netlog"}


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_golden(path):
    flows, info, skipped = read(path, f"fixtures/{path.name}")
    assert not skipped
    got = dump(flows, info)
    golden = GOLDEN / f"{path.name}.json"
    if os.environ.get("GDPRMAP_REGEN_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        pytest.skip("golden file regenerated: review the diff")
    assert golden.is_file(), f"no golden file; run GDPRMAP_REGEN_GOLDEN=1 pytest {__file__}"
    assert got == json.loads(golden.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_no_secret_and_no_body_in_flows(path):
    text = as_text(*read(path)[:2])
    for secret in (*SECRETS, "BODY-NEVER-KEPT", "alice@mail.example", "patient-4242",
                   "P-12345", "1234567890.1700000000", "AHWqTUm"):
        assert secret not in text, secret
