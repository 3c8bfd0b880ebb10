"""modelyard.env names every environment variable and parses their lists one way."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

import modelyard
from modelyard import env
from modelyard.config import Settings, load_settings
from modelyard.exceptions import ConfigError

SOURCE = Path(modelyard.__file__).parent
NAME = re.compile(r"MODELYARD_[A-Z_]+")


def test_every_configuration_key_has_its_variable():
    keys = [f.name for f in dataclasses.fields(Settings) if f.name != "root"]

    assert [env.setting_variable(key) for key in keys] == [f"MODELYARD_{k.upper()}" for k in keys]


def test_every_variable_named_in_the_code_is_in_the_table():
    named = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                named.update(n for n in NAME.findall(node.value) if NAME.fullmatch(node.value))

    assert named - set(env.VARIABLES) == set()


@pytest.mark.parametrize("module", ["config.py", "cli.py", "serving/app.py", "serving/server.py"])
def test_configuration_cli_and_server_read_variables_only_through_env(module):
    lines = (SOURCE / module).read_text(encoding="utf-8").splitlines()
    direct = [line for line in lines if "os.environ" in line or "getenv" in line]

    # PROMETHEUS_MULTIPROC_DIR (MULTIPROCESS_ENV) is Prometheus's variable, not modelyard's.
    ours = [
        line
        for line in direct
        if "MODELYARD_" in line or ("_ENV" in line and "MULTIPROCESS_ENV" not in line)
    ]

    assert ours == []


def test_a_list_is_split_on_commas_with_blanks_dropped():
    assert env.split_list(" xgboost, pkg.Type,, ") == ("xgboost", "pkg.Type")


def test_the_trust_list_reads_the_same_for_the_configuration_and_the_server(workdir, monkeypatch):
    monkeypatch.setenv("MODELYARD_TRUST", "xgboost, pkg.Type,")

    assert load_settings().trust == env.read_list("MODELYARD_TRUST") == ("xgboost", "pkg.Type")


def test_a_bad_whole_number_names_the_variable(monkeypatch):
    monkeypatch.setenv("MODELYARD_MAX_ROWS", "many")

    with pytest.raises(ConfigError, match="MODELYARD_MAX_ROWS must be a positive whole number"):
        env.read_int("MODELYARD_MAX_ROWS", 10)


def test_an_unlisted_variable_cannot_be_read():
    with pytest.raises(KeyError, match="add it to VARIABLES"):
        env.read("MODELYARD_NOT_A_THING")
