"""Answers that once baked a broken project: names are matched whole, and any Unicode text
lands in valid TOML. Every generated TOML, YAML and Python file is parsed."""

from __future__ import annotations

import ast
import importlib.util
import sys

import pytest
import yaml
from cookiecutter.exceptions import FailedHookException
from hypothesis import given
from hypothesis import strategies as st

from conftest import HOSTILE_ANSWERS
from support import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib


def _local_extensions():
    """The template's Jinja filters, imported as cookiecutter imports them: from the root."""
    spec = importlib.util.spec_from_file_location("local_extensions", REPO / "local_extensions.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


toml_string = _local_extensions().toml_string


@pytest.mark.parametrize("text", ["🚀", "Zoë", 'say "hi"', "back\\slash", "a\nb", "\x7f", "\x00"])
def test_toml_string_writes_text_toml_reads_back_unchanged(text):
    assert tomllib.loads(f"x = {toml_string(text)}")["x"] == text


@given(st.text())
def test_toml_string_is_valid_toml_for_any_unicode_text(text):
    assert tomllib.loads(f"x = {toml_string(text)}")["x"] == text


@pytest.mark.parametrize(
    "answers",
    [{"package_name": "abc\n"}, {"project_slug": "abc\n", "package_name": "abc"}],
    ids=["package-name", "project-slug"],
)
def test_a_name_with_a_trailing_newline_is_refused_and_nothing_is_written(cookies, answers):
    result = cookies.bake(extra_context=answers)

    assert result.exit_code != 0
    assert isinstance(result.exception, FailedHookException)
    assert result.project_path is None or not result.project_path.exists()


def test_emoji_in_the_description_and_author_bake_a_readable_pyproject(hostile_baked):
    project = tomllib.loads((hostile_baked / "pyproject.toml").read_text(encoding="utf-8"))

    assert project["project"]["description"] == HOSTILE_ANSWERS["description"]
    assert project["project"]["authors"][0]["name"] == HOSTILE_ANSWERS["author_name"]


def test_every_generated_toml_file_parses(hostile_baked):
    for path in hostile_baked.rglob("*.toml"):
        tomllib.loads(path.read_text(encoding="utf-8"))


def test_every_generated_yaml_file_parses(hostile_baked):
    paths = [*hostile_baked.rglob("*.yml"), *hostile_baked.rglob("*.yaml")]

    assert paths
    for path in paths:
        yaml.safe_load(path.read_text(encoding="utf-8"))


def test_every_generated_python_file_parses(hostile_baked):
    paths = list(hostile_baked.rglob("*.py"))

    assert paths
    for path in paths:
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
