"""Progress of long commands on stderr: plain lines off a terminal, bounded, and --quiet."""

from __future__ import annotations

import re
import time

import pytest

from modelyard import progress
from modelyard.cli import main

PACKAGE = """
import time

from modelyard import Model
from modelyard.data import DemoDataset
from sklearn.tree import DecisionTreeClassifier


class SlowTree(DecisionTreeClassifier):
    def fit(self, X, y, **kwargs):
        time.sleep(0.4)  # long enough for several progress lines at the test's interval
        return super().fit(X, y, **kwargs)


def build_model():
    return Model(SlowTree(random_state=0))


class Data(DemoDataset):
    def __init__(self):
        super().__init__("iris")
"""

#: The seconds between two plain progress lines in these tests (5 in real use).
INTERVAL = 0.1


@pytest.fixture
def project(write_project, monkeypatch):
    monkeypatch.setattr(progress, "INTERVAL", INTERVAL)
    # No report: its plots would refit the slow tree dozens of times, and progress is the subject.
    extra = 'trust = ["slow_project.SlowTree"]\nreport = "none"'
    return write_project("slow_project", PACKAGE, name="slow-model", extra=extra)


def progress_lines(err: str, command: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith(f"{command}: ")]


def test_score_off_a_terminal_shows_plain_progress_lines_bounded_by_the_interval(project, capsys):
    started = time.monotonic()
    assert main(["score", "--cv", "3"]) == 0
    elapsed = time.monotonic() - started

    lines = progress_lines(capsys.readouterr().err, "score")
    assert lines, "no progress line in a run longer than the interval"
    assert len(lines) <= elapsed / INTERVAL + 2
    assert re.fullmatch(r"score: 3 of 3 \(100%\) folds, .* \[\d+ s\]", lines[-1])


def test_train_shows_each_step_of_scoring_training_and_saving(project, capsys):
    assert main(["train"]) == 0

    err = capsys.readouterr().err
    assert "fitting on" in progress_lines(err, "score")[0]
    assert any("fitting on 150 rows" in line for line in progress_lines(err, "train"))


@pytest.mark.parametrize("arguments", [["--quiet", "score"], ["score", "--quiet"], ["score", "-q"]])
def test_quiet_before_or_after_the_command_shows_no_progress(project, capsys, arguments):
    assert main(arguments) == 0

    captured = capsys.readouterr()
    assert progress_lines(captured.err, "score") == []
    assert "holdout metrics" in captured.out


def test_a_quiet_search_shows_no_progress(project, capsys):
    text = (project / "pyproject.toml").read_text()
    (project / "pyproject.toml").write_text(
        text + "\n[tool.modelyard.search]\ncv = 2\nparams = { max_depth = [1, 2] }\n"
    )

    assert main(["search", "--quiet"]) == 0

    assert capsys.readouterr().err == ""
