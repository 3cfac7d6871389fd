import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "health-booking" / "capture.har"
CORPUS = ROOT.parent / "shared" / "corpus"
SECRETS = (
    "SECRET-SESSION-7f3a9c",
    "SECRET-BEARER",
    "SECRET-CFBM-91b2",
    "3f9c2a7b1e8d4c6fa0b5e9d2c7a41f36",
    "eyJhbGciOiJIUzI1NiJ9",
)


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory):
    """Derived-data caches (issue #9) go to a folder of this test session, not ~/.cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GDPRMAP_CACHE_DIR", str(tmp_path_factory.mktemp("gdprmap-cache")))
        yield


def load_module(relative: str, name: str, *, register: bool = False):
    """A script of scripts/ or benchmarks/ (not packages) imported from its file; ``register``
    puts it in sys.modules first (its dataclasses look their module up there)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / relative)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    if register:
        sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def har(entries, *, version="1.2", pages=None, creator="test"):
    """A minimal HAR document."""
    log = {"version": version, "creator": {"name": creator, "version": "1"}}
    if pages is not None:
        log["pages"] = pages
    log["entries"] = entries
    return {"log": log}


def entry(url, *, when="2022-12-05T10:00:00.000+01:00", method="GET", headers=(), ip="198.51.100.7",
          post=None, pageref="page_1", cookies=()):
    req = {"method": method, "url": url, "httpVersion": "HTTP/1.1",
           "headers": [{"name": n, "value": v} for n, v in headers],
           "queryString": [], "cookies": [{"name": n, "value": v} for n, v in cookies],
           "headersSize": -1, "bodySize": -1}
    if post is not None:
        req["postData"] = {"mimeType": "application/json", "text": post}
    return {"startedDateTime": when, "time": 1, "pageref": pageref, "request": req,
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                         "headers": [], "cookies": [], "content": {"size": 0, "mimeType": "x/y"},
                         "redirectURL": "", "headersSize": -1, "bodySize": -1},
            "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0},
            "serverIPAddress": ip}


@pytest.fixture
def write_har(tmp_path):
    def write(doc, name="capture.har", raw=None):
        path = tmp_path / name
        if raw is not None:
            path.write_bytes(raw)
        else:
            path.write_text(json.dumps(doc), encoding="utf-8")
        return path
    return write


@pytest.fixture(scope="session")
def example_dpf_list(tmp_path_factory):
    """A (fictional) DPF List workbook on which the example's Google LLC, Functional Software,
    Inc. (Sentry) and Cloudflare, Inc. are listed from 2023-07-17 (issue 14: dated judgement)."""
    from dpf_helpers import EXAMPLE_ROWS, write_dpf_list

    return write_dpf_list(tmp_path_factory.mktemp("dpf") / "dpf-list.xlsx", EXAMPLE_ROWS)
