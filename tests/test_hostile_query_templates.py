"""Queries and templates run nothing and fetch nothing (issue #17, item 4)."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE

from gdprmap.cli import main
from gdprmap.errors import UsageError


class Listener:
    """A server on 127.0.0.1 that accepts and never answers, counting connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        held = []
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            held.append(conn)  # silent: a client waiting for an answer hangs

    def close(self) -> None:
        self.stop = True
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    out = tmp_path_factory.mktemp("q") / "a.json"
    assert CliRunner().invoke(main, ["report", str(EXAMPLE), "-o", str(out)]).exit_code == 0
    return out


@pytest.mark.parametrize("query", [
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?r gm:recipientId ?id . OPTIONAL {{ SERVICE SILENT "
    "<http://127.0.0.1:{port}/> {{ ?id ?p ?o }} }} }}",
    "SELECT * FROM <http://127.0.0.1:{port}/g.ttl> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <http://127.0.0.1:{port}/g.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
])
def test_service_and_remote_loads_are_refused_without_a_connection(saved, listener, query):
    start = time.monotonic()
    result = CliRunner().invoke(main, ["query", str(saved), query.format(port=listener.port)])
    assert result.exit_code == 2, result.output
    assert "refused" in result.output and len(result.output.strip().splitlines()) == 1
    assert time.monotonic() - start < 30
    time.sleep(0.3)
    assert listener.connections == 0


# The alarm can land inside a gc callback (hypothesis installs one), which swallows it; the
# deadline re-arms until the query stops (gdprmap.query._deadline), and Python reports the
# swallowed one as an unraisable exception - expected, not a failure.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_cartesian_product_is_stopped_by_the_time_limit(saved):
    from gdprmap.api import load_assessment
    from gdprmap.query import run_query

    assessment = load_assessment(saved)
    start = time.monotonic()
    with pytest.raises(UsageError, match="longer than 1 s"):
        run_query(assessment, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
                  timeout=1.0)
    assert time.monotonic() - start < 15


def test_a_non_utf8_query_file_is_an_input_error(saved, tmp_path):
    rq = tmp_path / "q.rq"
    rq.write_bytes(b"SELECT * WHERE { ?s ?p \xff\xfe }")
    result = CliRunner().invoke(main, ["query", str(saved), "--file", str(rq)])
    assert result.exit_code == 2 and "utf-8" in result.output.lower()


# --- templates ---------------------------------------------------------------------------------

ESCAPES = [
    "{{ lipsum.__globals__['os'].popen('echo PWNED').read() }}",
    "{{ cycler.__init__.__globals__.os.environ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ self._TemplateReference__context }}",
]


@pytest.mark.parametrize("payload", ESCAPES)
def test_templates_run_in_the_sandbox(tmp_path, payload):
    (tmp_path / "report.html.j2").write_text(
        '{% extends "builtin/report.html.j2" %}{% block end %}' + payload + "{% endblock %}",
        encoding="utf-8")
    out = tmp_path / "r.html"
    result = CliRunner().invoke(main, ["report", str(EXAMPLE), "-o", str(out),
                                       "--template-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "template error" in result.output and "PWNED" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and not out.exists()


@pytest.mark.parametrize("template, css", [
    ("{% block x %}", None),                      # syntax error
    ("{{ nothing_called_this }}", None),          # undefined
    (None, "body { color: red } </style><script>alert(1)</script>"),
])
def test_template_and_css_errors_are_input_errors(tmp_path, template, css):
    if template is not None:
        (tmp_path / "report.html.j2").write_text(template, encoding="utf-8")
    if css is not None:
        (tmp_path / "report.css").write_text(css, encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(EXAMPLE), "-o", str(tmp_path / "r.html"),
                                       "--template-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_sandboxed_override_still_renders(tmp_path):
    (tmp_path / "report.html.j2").write_text(
        '{% extends "builtin/report.html.j2" %}{% block end %}<p id="mine">'
        "{{ recipients | length }} recipients, {{ title | upper }}</p>{% endblock %}",
        encoding="utf-8")
    out = tmp_path / "r.html"
    result = CliRunner().invoke(main, ["report", str(EXAMPLE), "-o", str(out),
                                       "--template-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert 'id="mine">7 recipients' in out.read_text()


def test_a_swallowed_alarm_comes_again() -> None:
    """The first alarm can land where it is ignored (a gc callback swallows exceptions): the
    deadline must fire again rather than let the query run on."""
    import time

    from gdprmap import query

    swallowed = again = 0
    with pytest.raises(query._Expired):
        with query._deadline(0.05):
            stop = time.monotonic() + 10  # a bound for the loop, not a timing assertion
            while time.monotonic() < stop:
                try:
                    while time.monotonic() < stop:
                        pass
                except query._Expired:
                    if swallowed:
                        again += 1
                        raise
                    swallowed += 1  # swallowed once, as a gc callback would
    assert swallowed == 1 and again == 1
