"""Fuzz-style: mutated captures of every format give flows or an InputError - never another
exception. Bounded (derandomized, ~250 examples) so the suite stays fast."""

import json
import shutil

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from importer_helpers import FIXTURES, read

from gdprmap.errors import InputError

SETTINGS = settings(max_examples=50, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
JSON_FILES = ["chrome-devtools.har", "firebug-1.1.har", "pcapdroid.har", "register.json"]
TEXT_FILES = ["pcapdroid-connections.csv", "trackercontrol_log_20240405.csv",
              "com.example.booking_20240405.csv", "register.yaml", "chrome-devtools.har",
              "mitmdump-11.flow"]
WEIRD = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                  st.just("x" * (2 << 20)), st.just("\ud800"), st.just(""), st.just([]),
                  st.just({}), st.just({"name": 1}), st.text(max_size=20),
                  st.just("2024-02-30T25:61:00Z"), st.just("[::1"))


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, (*prefix, i))


def mutate(doc, where, op, value):
    if not where:
        return value if op == "replace" else doc
    parent = doc
    for key in where[:-1]:
        parent = parent[key]
    if op == "delete":
        del parent[where[-1]]
    else:
        parent[where[-1]] = value
    return doc


def must_be_clean(path, **options):
    try:
        flows, info, _ = read(path, **options)
    except InputError as e:
        assert "\n" not in str(e) and str(e).startswith(str(path).rsplit("/", 1)[0])
        return
    info.model_dump_json()  # a result must also serialise (no lone surrogates etc.)
    for f in flows:
        f.model_dump_json()


@SETTINGS
@given(st.sampled_from(JSON_FILES), st.data())
def test_structural_mutations(tmp_path_factory, name, data):
    doc = json.loads((FIXTURES / name).read_text())
    where = data.draw(st.sampled_from(list(paths(doc))))
    op = data.draw(st.sampled_from(["delete", "replace"]))
    doc = mutate(doc, where, op, data.draw(WEIRD))
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_text(json.dumps(doc), encoding="utf-8", errors="surrogatepass")
    must_be_clean(path)
    must_be_clean(path, skip_bad_entries=True)


@SETTINGS
@given(st.sampled_from(TEXT_FILES), st.data())
def test_byte_mutations(tmp_path_factory, name, data):
    raw = bytearray((FIXTURES / name).read_bytes())
    op = data.draw(st.sampled_from(["truncate", "flip", "invalid-utf8", "insert"]))
    at = data.draw(st.integers(0, len(raw) - 1))
    if op == "truncate":
        raw = raw[:at]
    elif op == "flip":
        raw[at] ^= data.draw(st.integers(1, 255))
    elif op == "invalid-utf8":
        raw[at:at] = b"\xff\xfe\xc3"
    else:
        raw[at:at] = data.draw(st.sampled_from([b'"', b",", b"{", b"]", b"\n", b"\x00", b"\\"]))
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(bytes(raw))
    if not raw.strip():
        return  # an empty file is a separate, tested case
    must_be_clean(path)
    must_be_clean(path, skip_bad_entries=True)


@SETTINGS
@given(st.sampled_from(["inspection.json", "requests.har"]), st.data())
def test_wec_folder_mutations(tmp_path_factory, name, data):
    folder = tmp_path_factory.mktemp("fuzz") / "wec"
    shutil.copytree(FIXTURES / "wec-output", folder)
    doc = json.loads((folder / name).read_text())
    where = data.draw(st.sampled_from(list(paths(doc))))
    doc = mutate(doc, where, data.draw(st.sampled_from(["delete", "replace"])), data.draw(WEIRD))
    (folder / name).write_text(json.dumps(doc), encoding="utf-8", errors="surrogatepass")
    must_be_clean(folder)
