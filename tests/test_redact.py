"""Redaction at the boundary: secrets are replaced, names and the fact of a value kept."""

import pytest

from gdprmap import redact


@pytest.mark.parametrize("url", [
    "https://x.example/a?access_token=SECRET-1&page=2",
    "https://x.example/a?sentry_key=3f9c2a7b1e8d4c6fa0b5e9d2c7a41f36",
    "https://user:SECRET-1@x.example/a",
    "https://x.example/a?t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.SECRET-1sig",
    "https://x.example/reset/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.SECRET-1sig",
    "https://x.example/a?email=jane.doe%40SECRET-1.example",
    "https://x.example/a?uid=SECRET-1",
])
def test_url_secrets_are_removed(url):
    out = redact.url(url)
    assert "SECRET-1" not in out and "3f9c2a7b" not in out and "eyJzdWIi" not in out
    assert out.startswith("https://x.example/")


def test_url_keeps_what_is_evidence():
    out = redact.url("https://t.example/hit?p=chirurgie-viscerale::paris&s=612345&lang=fr")
    assert out == "https://t.example/hit?p=chirurgie-viscerale::paris&s=612345&lang=fr"


@pytest.mark.parametrize("name", ["Cookie", "cookie", "Authorization", "X-Sentry-Auth",
                                  "X-My-Token", "Proxy-Authorization", "x-api-key"])
def test_secret_headers(name):
    h = redact.header(name, "SECRET-1")
    assert h.redacted and h.value == "[redacted]" and h.name == name


def test_referer_header_is_a_redacted_url():
    h = redact.header("Referer", "https://s.example/p?session=SECRET-1&q=cardiologue")
    assert h.value == "https://s.example/p?session=[redacted]&q=cardiologue"


def test_json_body_keeps_structure_and_kinds():
    params, text = redact.body_params("application/json", (
        '{"event":"click","page":"https://s.example/oncologie","visitor_id":"SECRET-1",'
        '"user":{"id":"pat_1","email":"a@SECRET-1.fr"},"token":"SECRET-1","n":3}'))
    by_path = {p.path: p for p in params}
    assert text is None
    assert by_path["event"].value == "click" and not by_path["event"].redacted
    assert by_path["page"].value == "https://s.example/oncologie"
    assert by_path["visitor_id"].kind == "identifier" and by_path["user.id"].kind == "identifier"
    assert by_path["user.email"].kind == "email" and by_path["token"].kind == "secret"
    assert all("SECRET-1" not in p.value for p in params)
    # the same value gives the same digest, so shared identifiers can still be matched
    assert by_path["visitor_id"].digest == redact.param("vid", "SECRET-1").digest


def test_ndjson_envelope_and_free_text():
    params, _ = redact.body_params("text/plain", '{"a":1}\n{"user":{"id":"SECRET-1"}}\n')
    assert {p.path for p in params} == {"[0].a", "[1].user.id"}
    _, text = redact.body_params("text/plain", "hello token=SECRET-1 a@SECRET-1.fr Bearer SECRET-1")
    assert "SECRET-1" not in text and "hello" in text
