"""`modelyard search`: the search declared in [tool.modelyard.search], top candidates printed."""

from __future__ import annotations

import json
import textwrap

import pytest

from modelyard.cli import main
from modelyard.config import load_settings
from modelyard.exceptions import ConfigError
from modelyard.runlog import list_runs

PACKAGE = """
from modelyard import Model
from modelyard.data import DemoDataset
from sklearn.tree import DecisionTreeClassifier


def build_model():
    return Model(DecisionTreeClassifier(random_state=0))


class Data(DemoDataset):
    def __init__(self):
        super().__init__("iris")
"""


@pytest.fixture
def project(workdir, monkeypatch):
    (workdir / "search_project.py").write_text(PACKAGE)
    monkeypatch.syspath_prepend(str(workdir))
    return workdir


def _configure(folder, search: str) -> None:
    (folder / "pyproject.toml").write_text(
        textwrap.dedent("""
        [project]
        name = "iris-model"

        [tool.modelyard]
        model = "search_project:build_model"
        dataset = "search_project:Data"
        """)
        + textwrap.dedent(search)
    )


def test_search_prints_the_top_candidates_best_first(project, capsys):
    _configure(
        project,
        """
        [tool.modelyard.search]
        kind = "grid"
        cv = 3
        params = { max_depth = [1, 2, 3], min_samples_leaf = [1, 10] }
    """,
    )

    assert main(["search", "--top", "3"]) == 0

    out = capsys.readouterr().out
    assert "6 candidates, best first:" in out
    table = out.split("best first:\n")[1].splitlines()
    assert table[0].split()[:3] == ["rank", "max_depth", "min_samples_leaf"]
    assert [line.split()[0] for line in table[1:4]] == ["1", "2", "3"]
    assert table[4].startswith("best parameters: max_depth=")
    (record,) = [r for r in list_runs(project / "runs") if r.kind == "search"]
    assert record.options["candidates"] == 6


def test_search_tables_show_plain_values_that_fit_a_terminal(project, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    _configure(
        project,
        """
        [tool.modelyard.search]
        kind = "random"
        n_iter = 4
        cv = 2
        params.min_impurity_decrease = { loguniform = [0.0001, 0.1] }
        params.max_depth = { randint = [1, 6] }
    """,
    )

    assert main(["search"]) == 0

    out = capsys.readouterr().out
    assert "np." not in out
    assert all(len(line) <= 100 for line in out.splitlines())
    value = out.split("best first:\n")[1].splitlines()[1].split()[1]
    assert len(value) <= 6 and float(value) > 0  # four significant digits, no numpy repr


def test_search_save_best_saves_a_version_whose_card_names_the_search_run(project, capsys):
    _configure(
        project,
        """
        [tool.modelyard.search]
        cv = 3
        params = { max_depth = [1, 3] }
    """,
    )

    assert main(["search", "--save-best"]) == 0

    (record,) = [r for r in list_runs(project / "runs") if r.kind == "search"]
    card = json.loads((project / "models" / "iris-model" / "1" / "model.json").read_text())
    assert card["origin"]["kind"] == "search"
    assert card["origin"]["run_id"] == record.run_id
    assert card["origin"]["params"] == record.params == {"max_depth": 3}
    assert card["params"]["max_depth"] == 3
    assert "saved the best candidate as models/iris-model/1" in capsys.readouterr().out


def test_search_without_save_best_saves_no_version(project):
    _configure(project, "[tool.modelyard.search]\ncv = 2\nparams = { max_depth = [1, 2] }\n")

    assert main(["search"]) == 0

    assert not (project / "models").exists()


def test_a_random_search_samples_distributions(project, capsys):
    _configure(
        project,
        """
        [tool.modelyard.search]
        kind = "random"
        n_iter = 3
        cv = 2
        params.max_depth = { randint = [1, 6] }
        params.min_impurity_decrease = { uniform = [0.0, 0.1] }
    """,
    )

    assert main(["search"]) == 0

    assert "3 candidates, best first:" in capsys.readouterr().out


def test_search_without_a_search_table_says_how_to_add_one(project, capsys):
    _configure(project, "")

    assert main(["search"]) == 1

    assert "no [tool.modelyard.search] table" in capsys.readouterr().err


def test_search_with_an_unreachable_scheduler_fails_cleanly(project, capsys, unreachable_scheduler):
    _configure(
        project,
        """
        [tool.modelyard.search]
        params = { max_depth = [1, 2] }
    """,
    )

    assert main(["search", "--scheduler", unreachable_scheduler]) == 1

    assert "no Dask scheduler answered" in capsys.readouterr().err
    assert not (project / "runs").exists()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("kind = 'grid'\nparams = { max_depth = [1] }\niters = 3", "unknown key 'iters'"),
        ("kind = 'bayes'\nparams = { max_depth = [1] }", "kind = 'bayes' is invalid"),
        ("params = {}", "params = {} is invalid"),
        ("params = { max_depth = [] }", "params.max_depth = [] is invalid"),
        ("params = { max_depth = 3 }", "params.max_depth = 3 is invalid"),
        ("params = { max_depth = { randint = [1, 5] } }", "params.max_depth"),
        ("kind = 'random'\nparams = { a = { normal = [0, 1] } }", "params.a"),
        ("kind = 'random'\nparams = { a = [1] }\nn_iter = 0", "n_iter = 0 is invalid"),
        ("params = { a = [1] }\nn_iter = 5", "n_iter = 5 is invalid"),
        ("params = { a = [1] }\ncv = 1", "cv = 1 is invalid"),
        ("params = { a = [1] }\nmetrics = ['acuracy']", "metrics = ['acuracy'] is invalid"),
    ],
)
def test_a_bad_search_table_is_a_config_error(project, table, message):
    _configure(project, "[tool.modelyard.search]\n" + table + "\n")

    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("{", r"\{")):
        load_settings()


def test_an_unknown_parameter_in_the_table_is_refused_before_fitting(project, capsys):
    _configure(
        project,
        """
        [tool.modelyard.search]
        params = { depth = [1, 2] }
    """,
    )

    assert main(["search"]) == 1

    err = capsys.readouterr().err
    assert "DecisionTreeClassifier has no parameter 'depth'" in err
    assert "max_depth" in err


def test_the_scheduler_setting_is_read_from_the_configuration(project):
    _configure(project, "")
    text = (
        (project / "pyproject.toml")
        .read_text()
        .replace(
            'dataset = "search_project:Data"',
            'dataset = "search_project:Data"\nscheduler = "tcp://127.0.0.1:8786"',
        )
    )
    (project / "pyproject.toml").write_text(text)

    assert load_settings().scheduler == "tcp://127.0.0.1:8786"
