"""The built wheel carries the ontologies, templates and data, and works outside the checkout."""

import os
import subprocess
import sys
import zipfile

import pytest

from conftest import EXAMPLE, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                           str(ROOT)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"wheel build failed: {proc.stderr[-2000:]}")
    (path,) = out.glob("gdprmap-*.whl")
    return path


def test_wheel_contents(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("gdprmap/_bundled/ontologies/law.ttl",
                     "gdprmap/_bundled/ontologies/rules/GM-UNL-01.rq",
                     "gdprmap/_bundled/ontologies/scenarios/dpf-invalidated.ttl",
                     "gdprmap/_bundled/templates/report.html.j2",
                     "gdprmap/data/organisations.toml",
                     "gdprmap/data/organisations/80-health.toml",
                     "gdprmap/classify/lexicons/health.fr.txt",
                     "gdprmap/_bundled/queries/unlawful-transfers.rq",
                     "gdprmap/__main__.py", "gdprmap/py.typed",
                     # the report languages: one catalog per language, and the template
                     "gdprmap/locale/en/LC_MESSAGES/gdprmap.po",
                     "gdprmap/locale/fr/LC_MESSAGES/gdprmap.po",
                     "gdprmap/locale/gdprmap.pot"):
        assert required in names, required
    assert any(n.endswith("entry_points.txt") for n in names)
    # issue 18: the licence travels with the wheel and its metadata says which it is
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert any(n.endswith(".dist-info/licenses/NOTICE") for n in names)
    (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: Apache-2.0" in text
    assert "Classifier: Typing :: Typed" in text


def test_installed_wheel_runs_outside_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    probe = subprocess.run(
        [sys.executable, "-c", "import gdprmap, gdprmap.resources as r; "
         "print(gdprmap.__file__); print(r.bundled_dir('ontologies'))"],
        cwd=work, env=env, capture_output=True, text=True, check=True).stdout.splitlines()
    assert probe[0].startswith(str(target)) and probe[1].startswith(str(target))
    proc = subprocess.run(
        [sys.executable, "-m", "gdprmap", "report", str(EXAMPLE), "-o", "r.pdf"],
        cwd=work, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (work / "r.pdf").read_bytes().startswith(b"%PDF")


def test_dockerfile_installs_the_makefiles_debian_packages() -> None:
    """The container has no list of its own to drift: it runs the Makefile's target, which
    installs DEBIAN_PACKAGES, then the package (issue 18)."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "make debian-packages" in dockerfile
    assert "pip install --no-cache-dir '.[capture]'" in dockerfile
    assert "COPY . ." in dockerfile and 'ENTRYPOINT ["gdprmap"]' in dockerfile
    assert "\ndebian-packages:" in makefile and "$(DEBIAN_PACKAGES)" in makefile
    dry_run = subprocess.run(["make", "-n", "debian-packages"], cwd=ROOT, capture_output=True,
                             text=True, check=False, timeout=60)
    assert dry_run.returncode == 0, dry_run.stderr
    packages = makefile.split("DEBIAN_PACKAGES :=", 1)[1].split("\n", 1)[0].split()
    assert packages and all(p in dry_run.stdout for p in packages)
    # `make report` needs no browser; `make test` (and the container) install it
    report = subprocess.run(["make", "-n", "report-packages"], cwd=ROOT, capture_output=True,
                            text=True, check=False, timeout=60)
    assert report.returncode == 0 and "chromium" not in report.stdout
    assert all(p in report.stdout for p in packages if p != "chromium")
