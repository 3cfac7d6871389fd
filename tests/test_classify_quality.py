"""Detection quality on the labelled set: the targets of issue #4, asserted.

The figures and the command are in README.md ("Detection quality"); the labels and how they
were made are in tests/fixtures/labelled/make_requests.py.
"""

from conftest import load_module

dq = load_module("benchmarks/detection_quality.py", "detection_quality", register=True)


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
    mod = load_module("tests/fixtures/labelled/make_requests.py", "make_requests")
    monkeypatch.setattr(mod, "OUT", tmp_path / "requests.jsonl")
    mod.main()
    assert (tmp_path / "requests.jsonl").read_text() == dq.DEFAULT.read_text()
