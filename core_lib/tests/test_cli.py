from __future__ import annotations

import json
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


def test_score_with_cv_prints_mean_and_std(project, capsys):
    assert main(["score", "--cv", "3"]) == 0

    out = capsys.readouterr().out
    assert "3-fold cross-validation" in out and "±" in out


def test_score_takes_cv_from_the_configuration(project, capsys):
    with (project / "pyproject.toml").open("a") as file:
        file.write("cv = 3\n")

    assert main(["score"]) == 0

    assert "3-fold cross-validation" in capsys.readouterr().out


def test_score_takes_metrics_from_the_configuration(project, capsys):
    with (project / "pyproject.toml").open("a") as file:
        file.write('metrics = ["balanced_accuracy"]\n')

    assert main(["score"]) == 0

    out = capsys.readouterr().out
    assert "balanced_accuracy" in out and "f1" not in out


def test_score_with_a_bad_cv_is_one_line(project, capsys):
    assert main(["score", "--cv", "1"]) == 1

    assert "cv must be 0" in capsys.readouterr().err


def test_models_list_shows_each_model_with_its_latest_version(project, capsys):
    main(["train"])
    main(["train"])
    capsys.readouterr()

    assert main(["models", "list"]) == 0

    out = capsys.readouterr().out.splitlines()
    header = ["model", "versions", "latest", "created", "(UTC)", "estimator", "metrics"]
    assert out[0].split() == header
    assert out[1].split()[:3] == ["iris-model", "2", "2"]
    assert out[1].split()[5] == "LogisticRegression"


def test_models_list_of_an_empty_store_says_how_to_fill_it(project, capsys):
    assert main(["models", "list"]) == 0

    assert "modelyard train" in capsys.readouterr().out


def test_models_show_prints_the_card_of_a_version(project, capsys):
    main(["train"])
    main(["train"])
    capsys.readouterr()

    assert main(["models", "show", "iris-model@1"]) == 0

    card = json.loads(capsys.readouterr().out)
    assert (card["name"], card["version"]) == ("iris-model", 1)
    assert card["estimator"] == "sklearn.linear_model._logistic.LogisticRegression"


def test_models_show_of_a_missing_model_lists_the_models(project, capsys):
    main(["train"])
    capsys.readouterr()

    assert main(["models", "show", "churn"]) == 1
    assert "no saved versions of 'churn'" in capsys.readouterr().err


def test_models_show_with_a_version_that_is_not_a_number_is_one_line(project, capsys):
    assert main(["models", "show", "iris-model@latest"]) == 1
    assert "the version after @ must be a number" in capsys.readouterr().err


def test_models_list_reads_a_store_url(project, capsys, s3_store):
    url, options = s3_store
    from modelyard.config import load_settings
    from modelyard.project import build_dataset, build_model

    settings = load_settings()
    model = build_model(settings).train(build_dataset(settings), settings=settings)
    model.save(url, storage_options=options)
    capsys.readouterr()

    # The CLI takes credentials and the endpoint the way any S3 client does.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", options["key"])
        env.setenv("AWS_SECRET_ACCESS_KEY", options["secret"])
        env.setenv("AWS_ENDPOINT_URL", options["endpoint_url"])
        assert main(["models", "list", "--store", url]) == 0

    assert "iris-model" in capsys.readouterr().out


def test_runs_list_shows_the_newest_first(project, capsys):
    main(["score"])
    main(["train"])
    capsys.readouterr()

    assert main(["runs", "list"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert "-train-" in lines[1] and "-score-" in lines[-1]


def test_runs_show_prints_one_record(project, capsys):
    main(["score"])
    run_id = next((project / "runs").glob("*-score-*.json")).stem
    capsys.readouterr()

    assert main(["runs", "show", run_id]) == 0

    assert json.loads(capsys.readouterr().out)["run_id"] == run_id


def test_runs_show_of_an_unknown_id_is_one_line(project, capsys):
    assert main(["runs", "show", "nope"]) == 1
    assert "no run 'nope'" in capsys.readouterr().err


def test_sample_writes_the_rows_asked_for_where_the_setting_says(project, capsys):
    assert main(["sample", "--rows", "40"]) == 0

    assert "wrote 40 rows to data/sample.csv" in capsys.readouterr().out
    assert len((project / "data" / "sample.csv").read_text().splitlines()) == 41


def test_sample_draws_from_the_full_data_even_in_sample_mode(project, monkeypatch, capsys):
    monkeypatch.setenv("MODELYARD_DATA", "sample")

    assert main(["sample", "--rows", "500", "--output", "s.csv"]) == 0

    assert "wrote 150 rows to s.csv" in capsys.readouterr().out


def test_train_in_sample_mode_trains_on_the_committed_sample(project, monkeypatch, capsys):
    main(["sample", "--rows", "60"])
    monkeypatch.setenv("MODELYARD_DATA", "sample")

    assert main(["train", "--skip-score"]) == 0

    card = json.loads((project / "models" / "iris-model" / "1" / "model.json").read_text())
    assert card["training_rows"] == 60


def test_runs_list_prints_a_record_s_control_characters_as_question_marks(project, capsys):
    import json as json_module

    main(["score"])
    (record,) = (project / "runs").glob("*-score-*.json")
    data = json_module.loads(record.read_text())
    data["estimator"] = "Pipeline\x1b[2J\x1b]0;owned\x07"
    record.write_text(json_module.dumps(data))
    capsys.readouterr()

    assert main(["runs", "list"]) == 0

    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "Pipeline?[2J?]0;owned?" in out
