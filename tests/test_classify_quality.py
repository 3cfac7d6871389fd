"""Detection quality on the labelled set: the targets of issue #4, asserted.

The figures and the command are in README.md ("Detection quality"); the labels and how they
were made are in tests/fixtures/labelled/make_requests.py.
"""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("detection_quality",
                                               ROOT / "benchmarks" / "detection_quality.py")
dq = importlib.util.module_from_spec(_spec)
sys.modules["detection_quality"] = dq  # dataclasses look their module up
_spec.loader.exec_module(dq)


def test_the_labelled_set_is_large_enough():
    assert len(dq.rows()) >= 200


def test_targets_are_met():
    scores, terms, _ = dq.evaluate()
    for (metric, label), minimum in dq.TARGETS.items():
        assert getattr(scores[label], metric) >= minimum, (metric, label, scores[label].fns,
                                                           scores[label].fps)


def test_no_false_special_category_anywhere():
    scores, _, _ = dq.evaluate()
    for label in ("health", "religion", "sexual", "political", "union"):
        assert scores[label].fp == 0, (label, scores[label].fps)


def test_the_set_is_what_the_generator_makes(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "make_requests", ROOT / "tests" / "fixtures" / "labelled" / "make_requests.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "OUT", tmp_path / "requests.jsonl")
    mod.main()
    assert (tmp_path / "requests.jsonl").read_text() == dq.DEFAULT.read_text()
