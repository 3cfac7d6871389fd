"""The declared processing register: published schema, validation, declared flows."""

import json
import subprocess
import sys

import pytest
from conftest import ROOT
from importer_helpers import FIXTURES, read

from gdprmap.errors import InputError
from gdprmap.importers.register import load_register
from gdprmap.register import category_iri, json_schema

SCHEMA_FILE = ROOT / "src" / "gdprmap" / "schemas" / "register.schema.json"


def test_published_schema_is_the_models_schema():
    """Regenerate with: python -c 'import json; from gdprmap.register import json_schema;
    print(json.dumps(json_schema(), indent=2))' > src/gdprmap/schemas/register.schema.json"""
    assert json.loads(SCHEMA_FILE.read_text()) == json_schema()


def test_cli_prints_the_register_schema():
    out = subprocess.run([sys.executable, "-m", "gdprmap.cli", "schema", "--register"],
                         capture_output=True, text=True, check=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}).stdout
    assert json.loads(out) == json_schema()


def test_fixtures_validate_against_the_published_schema():
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    schema = json.loads(SCHEMA_FILE.read_text())
    for name in ("register.yaml", "register.json"):
        doc = yaml.safe_load((FIXTURES / name).read_text())
        doc["updated"] = str(doc["updated"])  # YAML reads dates as dates; JSON has strings
        for activity in doc["activities"]:
            for r in activity.get("recipients", []):
                for s in r.get("safeguards", []):
                    if isinstance(s, dict) and "date" in s:
                        s["date"] = str(s["date"])
        jsonschema.validate(doc, schema)


def test_yaml_register_loads_into_models():
    register = load_register(FIXTURES / "register.yaml")
    booking = register.activities[0]
    assert booking.data_categories == ["https://w3id.org/dpv/pd#Health",
                                       "https://w3id.org/dpv/pd#EmailAddress",
                                       "https://w3id.org/dpv/pd#IPAddress"]
    aws, sentry = booking.recipients
    assert [s.type for s in aws.safeguard_list()] == ["scc", "encryption-keys-in-eea"]
    assert sentry.safeguard_list()[0].type == "dpf" and aws.entity == "aws-emea"


def test_declared_recipients_become_declared_flows():
    flows, info, _ = read(FIXTURES / "register.yaml")
    assert [f.host for f in flows] == ["s3.eu-west-3.amazonaws.com", "o450123.ingest.sentry.io",
                                       "sentry.io"]
    assert all(f.origin == "declared" and f.method == "DECLARED" for f in flows)
    assert flows[0].declared_data[0] == "https://w3id.org/dpv/pd#Health"
    assert flows[0].started.isoformat() == "2024-02-15T00:00:00+00:00"
    assert info.format == "register" and info.first_seen is None  # never sets the as-of date
    assert info.declared["controller"]["name"] == "Clinique Exemple SAS"


def test_observed_flows_are_marked_observed():
    flows, _, _ = read(FIXTURES / "chrome-devtools.har")
    assert {f.origin for f in flows} == {"observed"}


@pytest.mark.parametrize(("text", "message"), [
    ('register_version: "1"\ncontroller: {name: X}\nupdated: 2024-01-01\nactivities: []\n',
     "activities: List should have at least 1 item"),
    ('register_version: "2"\ncontroller: {name: X}\nupdated: 2024-01-01\nactivities: []\n',
     "register_version: Input should be '1'"),
    (('register_version: "1"\ncontroller: {name: X}\nupdated: 2024-01-01\nactivities:\n'
     '  - {id: a, name: A, purposes: [p], data_categories: [health]}\n'),
     "activities[0].data_categories[0]: Value error, 'health' is neither a DPV IRI"),
    (('register_version: "1"\ncontroller: {name: X}\nupdated: 2024-01-01\nactivities:\n'
     '  - {id: a, name: A, purposes: [p], data_categories: [Health],\n'
     '     recipients: [{name: R, hosts: ["not a host"]}]}\n'),
     "activities[0].recipients[0].hosts[0]: Value error, 'not a host' is not a host name"),
    (('register_version: "1"\ncontroller: {name: X, colour: red}\nupdated: 2024-01-01\n'
     'activities: []\n'), "controller.colour: Extra inputs are not permitted"),
    ('register_version: "1"\nx: &a [1]\ny: *a\n', "YAML aliases"),
    ('register_version: "1"\ncontroller: {name: X\n', "not valid YAML at line"),
])
def test_invalid_registers_name_the_field(tmp_path, text, message):
    path = tmp_path / "r.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read(path)
    assert f"{path}: " in str(err.value) and message in str(err.value)
    assert "\n" not in str(err.value)


def test_category_iri():
    assert category_iri("pd:Health") == category_iri("Health") == "https://w3id.org/dpv/pd#Health"
    assert category_iri("dpv:PersonalData") == "https://w3id.org/dpv#PersonalData"
    with pytest.raises(ValueError):
        category_iri("http://evil.example/x")
