from __future__ import annotations

import textwrap

import pytest

from modelyard import ConfigError
from modelyard.config import load_settings


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


def test_a_factory_that_cannot_be_imported_says_to_install_the_project(project):
    project('model = "not_installed_pkg.model:build"\n')

    with pytest.raises(ConfigError, match="pip install -e"):
        load_settings().build_model()


def test_a_factory_without_a_colon_shows_the_expected_form(project):
    project('dataset = "pkg.data.MyData"\n')

    with pytest.raises(ConfigError, match="module:attribute"):
        load_settings().build_dataset()


def test_a_missing_factory_says_which_key_to_add(project):
    project("")

    with pytest.raises(ConfigError, match=r"has no 'model'.*model = "):
        load_settings().build_model()
