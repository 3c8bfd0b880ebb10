"""`modelyard select METHOD`: input columns chosen on the project's pipeline, printed, saved."""

from __future__ import annotations

import json

import pytest

from modelyard.cli import main
from modelyard.runlog import list_runs

#: The project: penguins (strings, missing values) through a ColumnTransformer pipeline.
PACKAGE = """
from pipelines import penguins_pipeline
from modelyard import Model
from modelyard.data import DemoDataset


def build_model():
    return Model(penguins_pipeline())


class Data(DemoDataset):
    def __init__(self):
        super().__init__("penguins")
"""

FEATURES = [
    "island",
    "bill_length_mm",
    "bill_depth_mm",
    "flipper_length_mm",
    "body_mass_g",
    "sex",
    "year",
]


@pytest.fixture
def project(write_project):
    return write_project("select_project", PACKAGE, name="penguins-model")


def _selected(out: str) -> list[str]:
    (line,) = [line for line in out.splitlines() if line.startswith("selected ")]
    return line.split(": ", 1)[1].split(", ")


def test_select_prints_a_row_per_input_column_and_the_selection(project, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["select", "sequential", "--n-features", "2", "--cv", "3"]) == 0

    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["feature", "kept", "evidence"]
    assert [line.split()[0] for line in lines[1:8]] == FEATURES
    assert all(len(line) <= 100 for line in lines)
    assert len(_selected(out)) == 2
    assert "selected 2 of 7: " in out
    assert "accuracy" in lines[8] and "cross-validated" in lines[8]


def test_select_records_the_run_and_says_where(project, capsys):
    assert main(["select", "permutation", "--n-features", "3"]) == 0

    out = capsys.readouterr().out
    (record,) = list_runs(project / "runs")
    assert record.kind == "select_features"
    assert record.options["selected"] == _selected(out)
    assert f"run recorded in runs/{record.run_id}" in out


def test_select_save_saves_a_version_trained_on_the_selected_columns(project, capsys):
    assert main(["select", "permutation", "--n-features", "4", "--save"]) == 0

    out = capsys.readouterr().out
    card = json.loads((project / "models" / "penguins-model" / "1" / "model.json").read_text())
    assert [feature["name"] for feature in card["features"]] == _selected(out)
    assert "saved models/penguins-model/1" in out


def test_select_without_save_saves_nothing(project, capsys):
    assert main(["select", "permutation"]) == 0

    assert not (project / "models").exists()


def test_an_impossible_number_of_features_is_one_line(project, capsys):
    assert main(["select", "rfecv", "--n-features", "7"]) == 1

    err = capsys.readouterr().err
    assert err.startswith("modelyard: error: n_features must be a whole number from 1 to 6")
    assert len(err.splitlines()) == 1


def test_an_unknown_method_is_a_usage_error(project, capsys):
    with pytest.raises(SystemExit):
        main(["select", "lasso"])

    assert "invalid choice: 'lasso'" in capsys.readouterr().err


def test_progress_off_a_terminal_is_a_bounded_trail(project, monkeypatch, capsys):
    import functools

    from modelyard import selection
    from modelyard.progress import Progress

    monkeypatch.setattr(selection, "Progress", functools.partial(Progress, interval=0))

    assert main(["select", "sequential", "--n-features", "1", "--cv", "2"]) == 0

    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 7  # one per candidate at most: each of the 7 columns alone
    assert lines[-1].startswith("sequential selection: 7 of 7 (100%) candidates, best accuracy")
