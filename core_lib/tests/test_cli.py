from __future__ import annotations

import textwrap

import pytest

from modelyard.cli import main

PACKAGE = """
from modelyard import Model
from modelyard.data import DemoDataset
from sklearn.linear_model import LogisticRegression


def build_model():
    return Model(LogisticRegression(max_iter=1000))


def build_nothing():
    return "not a model"


class Data(DemoDataset):
    def __init__(self):
        super().__init__("iris")
"""


@pytest.fixture
def project(workdir, monkeypatch):
    (workdir / "cli_project.py").write_text(PACKAGE)
    (workdir / "pyproject.toml").write_text(
        textwrap.dedent("""
        [project]
        name = "iris-model"

        [tool.modelyard]
        model = "cli_project:build_model"
        dataset = "cli_project:Data"
    """)
    )
    monkeypatch.syspath_prepend(str(workdir))
    return workdir


def test_train_saves_a_version_and_prints_where(project, capsys):
    assert main(["train"]) == 0

    out = capsys.readouterr().out
    assert "saved models/iris-model/1" in out
    assert (project / "models" / "iris-model" / "1" / "model.json").is_file()


def test_train_records_holdout_metrics_in_the_model_card(project):
    main(["train"])

    card = (project / "models" / "iris-model" / "1" / "model.json").read_text()
    assert '"accuracy"' in card


def test_score_prints_the_holdout_metrics_and_records_the_run(project, capsys):
    assert main(["score"]) == 0

    out = capsys.readouterr().out
    assert "accuracy" in out and "roc_auc" in out and "f1" in out
    assert len(list((project / "runs").glob("*-score-*.json"))) == 1


def test_a_command_outside_a_project_fails_with_one_line_and_no_traceback(workdir, capsys):
    assert main(["train"]) == 1

    err = capsys.readouterr().err
    assert err.startswith("modelyard: error: no pyproject.toml with a [tool.modelyard] table")
    assert "Traceback" not in err


def test_a_factory_returning_something_else_is_named(project, capsys):
    text = (project / "pyproject.toml").read_text().replace("build_model", "build_nothing")
    (project / "pyproject.toml").write_text(text)

    assert main(["score"]) == 1
    assert "returned str; it must return a modelyard.Model" in capsys.readouterr().err


def test_serve_of_a_missing_model_fails_before_starting_a_server(project, capsys):
    assert main(["serve", "models/none"]) == 1

    assert "no saved model at 'models/none'" in capsys.readouterr().err


def test_version_flag_prints_the_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])

    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("modelyard 0.")


def test_a_port_that_is_not_a_number_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.setenv("MODELYARD_PORT", "eighty")

    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "models/x"])

    assert exit_info.value.code == 2
    assert "invalid int value: 'eighty'" in capsys.readouterr().err
