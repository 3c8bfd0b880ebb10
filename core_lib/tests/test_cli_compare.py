"""`modelyard compare`: the project's candidate models scored side by side."""

from __future__ import annotations

import pytest

from modelyard.cli import main
from modelyard.config import load_settings
from modelyard.exceptions import ConfigError
from modelyard.runlog import list_runs

PACKAGE = """
from modelyard import Model
from modelyard.data import DemoDataset
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def _prepare():
    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    strings = make_pipeline(
        SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
    )
    return make_column_transformer(
        (numbers, make_column_selector(dtype_include="number")),
        (strings, make_column_selector(dtype_include=["object", "string"])),
    )


def build_model():
    return Model(make_pipeline(_prepare(), LogisticRegression(max_iter=1000)))


def build_forest():
    return Model(make_pipeline(_prepare(), RandomForestClassifier(n_estimators=20, random_state=0)))


def both():
    return {"linear": build_model(), "forest": build_forest().estimator}


def build_text():
    return "not a model"


class Data(DemoDataset):
    def __init__(self):
        super().__init__("penguins")
"""


FACTORIES = 'compare = ["compare_project:build_model", "compare_project:build_forest"]'


@pytest.fixture
def configure(write_project):
    def write(extra: str):
        return write_project("compare_project", PACKAGE, name="penguins-model", extra=extra)

    return write


@pytest.fixture
def project(configure):
    return configure(FACTORIES)


def table(out: str) -> list[list[str]]:
    return [line.split() for line in out.split("best first")[1].splitlines()[1:]]


def test_compare_scores_the_configured_factories_on_the_same_folds(project, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")  # a wide terminal: no cell is cut
    assert main(["compare", "--cv", "5"]) == 0

    out = capsys.readouterr().out
    rows = table(out)
    assert rows[0][:3] == ["rank", "candidate", "estimator"]
    assert sorted(row[1] for row in rows[1:]) == ["build_forest", "build_model"]
    assert "Pipeline(... RandomForestClassifier)" in out
    assert "Pipeline(... LogisticRegression)" in out
    (record,) = [r for r in list_runs(project / "runs") if r.kind == "compare"]
    assert record.options["estimators"] == ["build_model", "build_forest"]


def test_cross_validation_tables_show_the_rows_of_each_fold(project, capsys):
    assert main(["compare", "--cv", "5"]) == 0

    # palmerpenguins has 344 rows: five folds of 275 training and 69 (or 68) test rows
    assert "5-fold cross-validation of 344 rows (275 training, 69 test per fold)" in (
        capsys.readouterr().out
    )


def test_the_table_fits_the_terminal_by_cutting_its_widest_cells(project, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "90")

    assert main(["compare", "--cv", "2"]) == 0

    lines = capsys.readouterr().out.splitlines()[1:]
    assert all(len(line) <= 90 for line in lines)
    assert any("…" in line for line in lines)


def test_piped_output_is_never_cut_and_a_cut_estimator_keeps_its_model(
    project, capsys, monkeypatch
):
    monkeypatch.delenv("COLUMNS", raising=False)  # stdout is captured: not a terminal
    assert main(["compare", "--cv", "2"]) == 0
    assert "Pipeline(... RandomForestClassifier)" in capsys.readouterr().out

    monkeypatch.setenv("COLUMNS", "95")
    assert main(["compare", "--cv", "2"]) == 0
    assert "…RandomForestClassifier)" in capsys.readouterr().out


def test_a_factory_named_on_the_command_line_may_return_several_candidates(project, capsys):
    assert main(["compare", "compare_project:both", "--cv", "2"]) == 0

    names = sorted(row[1] for row in table(capsys.readouterr().out)[1:])
    assert names == ["forest", "linear"]


def test_compare_without_candidates_says_how_to_name_them(configure, capsys):
    configure("")

    assert main(["compare"]) == 1

    assert "nothing to compare: add compare = [" in capsys.readouterr().err


def test_a_factory_returning_something_else_is_one_line(project, capsys):
    assert main(["compare", "compare_project:build_model", "compare_project:build_text"]) == 1

    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "compare factory 'compare_project:build_text' returned str" in err


def test_a_compare_setting_that_is_not_factories_is_a_config_error(configure):
    configure('compare = ["not a factory"]')

    with pytest.raises(ConfigError, match="compare = "):
        load_settings()
