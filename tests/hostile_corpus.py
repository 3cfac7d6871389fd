"""The hostile-input corpus (issue #17): strings, captures and servers an attacker who hands a
DPO a capture could use. Every new case found goes here, so every test that walks the corpus
covers it. Generated, not stored: the cases are large (a 100,000-level nesting is 200 kB) and
their shape is the point.

- ``REDOS_UNITS``: units repeated into long strings to drive backtracking in regexes;
- ``DEEP``: nesting strings;
- ``CANARIES``: planted secrets and personal values that must not reach any output, with the
  places of a capture they are planted in (URL paths, parameter names, free text, headers);
- hostile servers: see ``tests/test_hostile_online.py`` (127.0.0.1 only).
"""

from __future__ import annotations

# Units repeated (and followed by a character none of the patterns expects) into strings of
# thousands of characters. Generic classes first, then the shapes of the package's patterns.
REDOS_UNITS = (
    "a", "A", "1", "a1", "aB", "_", ".", "-", " ", "\n", "\t", ":", "=", "/", "@", "+", "\"",
    "\\", "(", "#", ";", ",", "é", "é ", "a.", "1.", "a-", "1 ", "a_", "a@", "@a", "a:", "0:",
    "a=", "a;", "1,", "1.1.", "+1 ", "00", "-1", "a.b@", "eyJ", "eyJa.", "token", "token=",
    "tokena=", "\"password\":", "session", "sk_live_", "Bearer ", "us-east-1.", ".us-east-1",
    "s3.", "execute-api.", "AS1 ", "AS1 x, country FR", "click_", "_click", "ui.", "1x1,",
    "en,", "en-", "art.", " (art", "Registrar WHOIS Server: ", "Registrant Organization: ",
    "gm:isoCode \"FR\" ;", "\"a\"@en ", "Builtin_", "ab.", "a%", "%20",
)
TAIL = "!"

# Depths that break recursive parsers and builders
DEEP = {
    "json-arrays": lambda n: "[" * n + "]" * n,
    "json-objects": lambda n: '{"a":' * n + "1" + "}" * n,
}

# Planted values: (what, text). Each must be absent from every output of a run over a capture
# that carries it (tests/test_hostile_secrets.py plants them in paths, names and free text).
CANARIES = {
    "email": "canary.person@example-mail.org",
    "stripe-key": "sk_live_51CanaryKeyAbCdEf0123456789",
    "jsessionid": "JSESSCANARY0123456789ABCDEF",
    "phpsessid": "phpsesscanary0123456789abcdef",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.Q2FuYXJ5U2lnbmF0dXJl",
    "phone-intl": "+33 6 12 34 56 78",
    "phone-national": "06 98 76 54 32",
    "ipv4": "198.51.100.77",
    "card": "4111 1111 1111 1111",
    "password": "Canary-Pa55word!",
    "userinfo": "canaryuser:canarypass",
    "wec-key": "canaryLocalStorageSecret0123456789",
}
