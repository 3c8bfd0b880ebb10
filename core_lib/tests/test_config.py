from __future__ import annotations

import textwrap

import pytest

from modelyard import ConfigError
from modelyard.config import DEFAULTS, load_settings
from modelyard.project import build_dataset, build_model


@pytest.fixture
def project(workdir):
    def write(table: str, project: str = '[project]\nname = "churn"\n'):
        (workdir / "pyproject.toml").write_text(
            project + "[tool.modelyard]\n" + textwrap.dedent(table)
        )
        return workdir

    return write


def test_defaults_apply_without_a_pyproject(workdir):
    settings = load_settings()

    assert settings.model_dir == workdir / "models"
    assert (settings.test_size, settings.random_state) == (0.25, 42)


def test_a_missing_configuration_is_an_error_when_required():
    with pytest.raises(ConfigError, match=r"no pyproject.toml with a \[tool.modelyard\] table"):
        load_settings(required=True)


def test_values_come_from_the_table_and_the_name_from_the_project(project):
    root = project('model = "pkg.model:build"\ntest_size = 0.3\nrun_dir = "logs"\n')

    settings = load_settings()

    assert settings.model == "pkg.model:build"
    assert settings.name == "churn"
    assert settings.test_size == 0.3
    assert settings.run_dir == root / "logs"


def test_settings_are_found_from_a_subfolder(project):
    root = project('model_dir = "store"\n')
    (root / "notebooks").mkdir()

    assert load_settings(root / "notebooks").model_dir == root / "store"


def test_environment_variables_override_the_file(project, monkeypatch):
    project("random_state = 1\n")
    monkeypatch.setenv("MODELYARD_RANDOM_STATE", "7")

    assert load_settings().random_state == 7


def test_an_unknown_key_is_named_with_the_allowed_ones(project):
    project("modle = 'x'\n")

    with pytest.raises(ConfigError, match=r"unknown key 'modle'.*allowed keys: name, model"):
        load_settings()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("test_size = 2", "test_size = 2 is invalid; it must be a number between 0 and 1"),
        ("random_state = 'abc'", "random_state = 'abc' is invalid; it must be an integer"),
    ],
)
def test_a_bad_value_is_named_with_what_it_must_be(project, line, message):
    project(line + "\n")

    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_the_deprecated_settings_build_model_warns_and_still_builds(project, monkeypatch):
    folder = project('model = "deprecated_factory:build"\n')
    (folder / "deprecated_factory.py").write_text(
        "from modelyard import Model\nfrom sklearn.dummy import DummyClassifier\n\n\n"
        "def build():\n    return Model(DummyClassifier())\n"
    )
    monkeypatch.syspath_prepend(str(folder))

    with pytest.warns(DeprecationWarning, match=r"modelyard\.project\.build_model"):
        model = load_settings().build_model()

    assert type(model.estimator).__name__ == "DummyClassifier"


def test_a_factory_that_cannot_be_imported_says_to_install_the_project(project):
    project('model = "not_installed_pkg.model:build"\n')

    with pytest.raises(ConfigError, match="pip install -e"):
        build_model(load_settings())


def test_a_factory_without_a_colon_shows_the_expected_form(project):
    project('dataset = "pkg.data.MyData"\n')

    with pytest.raises(ConfigError, match="module:attribute"):
        build_dataset(load_settings())


def test_a_missing_factory_says_which_key_to_add(project):
    project("")

    with pytest.raises(ConfigError, match=r"has no 'model'.*model = "):
        build_model(load_settings())


def test_every_key_has_a_documented_default(workdir):
    settings = load_settings()

    assert (settings.cv, settings.n_jobs, settings.metrics, settings.store) == (0, 1, (), None)
    assert settings.store_url == str(workdir / "models")
    assert set(DEFAULTS) == {
        "name", "model", "dataset", "model_dir", "store", "run_dir",
        "test_size", "random_state", "cv", "n_jobs", "metrics", "scheduler", "compare", "search",
        "monitoring",
        "nullable", "unseen_category", "out_of_range",
        "trust",
        "data", "sample", "report",
    }  # fmt: skip


def test_cv_n_jobs_and_metrics_come_from_the_table(project):
    project('cv = 5\nn_jobs = -1\nmetrics = ["balanced_accuracy", "roc_auc"]\n')

    settings = load_settings()

    assert (settings.cv, settings.n_jobs) == (5, -1)
    assert settings.metrics == ("balanced_accuracy", "roc_auc")


def test_metrics_from_the_environment_are_comma_separated(project, monkeypatch):
    project("")
    monkeypatch.setenv("MODELYARD_METRICS", "accuracy, f1")
    monkeypatch.setenv("MODELYARD_CV", "3")

    settings = load_settings()

    assert settings.metrics == ("accuracy", "f1")
    assert settings.cv == 3


def test_a_store_url_is_kept_as_given_and_a_store_folder_is_made_absolute(project, monkeypatch):
    root = project('store = "shared/models"\n')
    assert load_settings().store_url == str(root / "shared" / "models")

    monkeypatch.setenv("MODELYARD_STORE", "s3://bucket/models")
    assert load_settings().store_url == "s3://bucket/models"


def test_model_dir_and_store_together_are_refused(project):
    project('model_dir = "models"\nstore = "s3://bucket/models"\n')

    with pytest.raises(ConfigError, match="both model_dir and store; keep one"):
        load_settings()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("cv = 1", r"cv = 1 is invalid; it must be 0 \(one holdout split\) or a number of folds"),
        ("cv = true", "cv = True is invalid"),
        ("cv = 2.5", "cv = 2.5 is invalid"),
        ("n_jobs = 0", r"n_jobs = 0 is invalid; it must be a whole number other than 0"),
        ("test_size = 'half'", "test_size = 'half' is invalid"),
        ("run_dir = ''", "run_dir = '' is invalid; it must be a folder path"),
        ("model_dir = 3", "model_dir = 3 is invalid; it must be a folder path"),
        ('metrics = "acuracy"', r"metrics = 'acuracy' is invalid; .*from: accuracy, roc_auc"),
        ("metrics = [1, 2]", r"metrics = \[1, 2\] is invalid"),
        ('model = ["a"]', r"model = \['a'\] is invalid; it must be 'module:attribute'"),
        ('report = "quick"', r"report = 'quick' is invalid; it must be fast .*, full .* or none"),
    ],
)
def test_each_bad_value_names_the_key_and_what_it_allows(project, line, message):
    project(line + "\n")

    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_the_report_setting_is_fast_unless_the_project_or_environment_says(project, monkeypatch):
    project('report = "full"\n')
    assert load_settings().report == "full"

    monkeypatch.setenv("MODELYARD_REPORT", "none")
    assert load_settings().report == "none"


def test_a_bad_environment_value_is_named_like_one_in_the_file(project, monkeypatch):
    project("")
    monkeypatch.setenv("MODELYARD_N_JOBS", "many")

    with pytest.raises(ConfigError, match="n_jobs = 'many' is invalid"):
        load_settings()


def test_a_pyproject_that_is_not_toml_is_named(workdir):
    (workdir / "pyproject.toml").write_text("[tool.modelyard\nmodel = ")

    with pytest.raises(ConfigError, match=r"cannot read .*pyproject.toml"):
        load_settings()


def test_contract_keys_reach_the_model_the_project_builds(project, workdir, monkeypatch):
    (workdir / "contract_factory.py").write_text(
        "from sklearn.dummy import DummyClassifier\n"
        "from modelyard import Model\n"
        "def build():\n    return Model(DummyClassifier())\n"
    )
    monkeypatch.syspath_prepend(str(workdir))
    project(
        'model = "contract_factory:build"\nnullable = ["year"]\n'
        'unseen_category = "reject"\nout_of_range = {year = "reject"}\n'
    )

    contract = build_model(load_settings()).contract

    assert contract.nullable == ("year",)
    assert contract.policy("unseen_category", "island") == "reject"
    assert contract.policy("out_of_range", "year") == "reject"
    assert contract.policy("out_of_range", "bill_length_mm") == "accept"


def test_an_unknown_policy_is_one_error_naming_the_choices(project):
    project('unseen_category = "ignore"\n')

    with pytest.raises(
        ConfigError, match="unseen_category = 'ignore' is invalid; it must be 'accept'"
    ):
        load_settings()


def test_monitoring_thresholds_come_from_their_table(project):
    project("[tool.modelyard.monitoring]\npsi_drift = 0.3\nmin_rows = 500\n")

    assert load_settings().monitoring == {"psi_drift": 0.3, "min_rows": 500}


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("psi_warm = 0.1", "unknown key 'psi_warm'.*allowed keys: psi_warn"),
        ("p_value = 5", r"p_value = 5 is invalid; it must be .*between 0 and 1"),
        ("psi_warn = 0.5", "psi_warn is above psi_drift"),
    ],
)
def test_a_bad_monitoring_key_is_one_config_error(project, table, message):
    project(f"[tool.modelyard.monitoring]\n{table}\n")

    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_a_dataset_class_with_an_abstract_method_left_is_one_config_error(
    project, workdir, monkeypatch
):
    monkeypatch.syspath_prepend(str(workdir))
    (workdir / "half_data.py").write_text(
        "from modelyard.data import Dataset\n\n"
        "class HalfData(Dataset):\n"
        "    def load_training_data(self):\n"
        "        raise NotImplementedError\n"
    )
    project('dataset = "half_data:HalfData"\n')

    with pytest.raises(ConfigError, match="define its method load_prediction_data"):
        build_dataset(load_settings())
