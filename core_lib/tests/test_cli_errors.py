"""Every fault a user can cause from the command line is one line, exit status 1, no traceback,
and the ones found in the store or the configuration are found before any fitting."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import zipfile

import pytest

from modelyard.artifact import CARD_FILE, MODEL_FILE, card_digest
from modelyard.cli import main

#: A project whose model fails the test if it is ever fitted.
FIT_FORBIDDEN = "fault_project:build_forbidden"


def one_line_error(capsys) -> str:
    """The error the last command printed, after checking it is exactly one line."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    [line] = [line for line in err.splitlines() if not line.startswith("modelyard: warning:")]
    assert line.startswith("modelyard: error: ")
    return line


def forge_model_file(folder, payload: bytes) -> None:
    """Replace a saved model file and fix up both hashes, as an attacker would."""
    (folder / MODEL_FILE).write_bytes(payload)
    card = json.loads((folder / CARD_FILE).read_text())
    card["sha256"] = hashlib.sha256(payload).hexdigest()
    card["card_sha256"] = card_digest(card)
    (folder / CARD_FILE).write_text(json.dumps(card))


def test_a_store_under_proc_is_one_line_before_fitting(fault_project, monkeypatch, capsys):
    monkeypatch.setenv("MODELYARD_MODEL", FIT_FORBIDDEN)
    monkeypatch.setenv("MODELYARD_MODEL_DIR", "/proc/self")

    assert main(["train"]) == 1

    assert "model store /proc/self cannot be written" in one_line_error(capsys)


def test_a_store_that_is_a_file_is_one_line_before_fitting(fault_project, monkeypatch, capsys):
    (fault_project / "models").write_text("a file where the store should be")
    monkeypatch.setenv("MODELYARD_MODEL", FIT_FORBIDDEN)

    assert main(["train"]) == 1

    assert "cannot be written" in one_line_error(capsys)


@pytest.mark.parametrize("command", ["train", "score"])
def test_a_run_folder_that_cannot_be_written_is_one_line_before_fitting(
    fault_project, monkeypatch, capsys, command
):
    (fault_project / "runs").write_text("a file where the run folder should be")
    monkeypatch.setenv("MODELYARD_MODEL", FIT_FORBIDDEN)

    assert main([command]) == 1

    assert "run folder" in one_line_error(capsys)


def test_an_s3_store_without_credentials_is_one_line_before_fitting(
    fault_project, no_aws_credentials, monkeypatch, capsys
):
    monkeypatch.setenv("MODELYARD_STORE", "s3://no-credentials/models")
    monkeypatch.setenv("MODELYARD_MODEL", FIT_FORBIDDEN)

    assert main(["train"]) == 1

    assert "check its credentials" in one_line_error(capsys)


def test_a_pyproject_that_is_not_utf8_is_one_line(fault_project, capsys):
    (fault_project / "pyproject.toml").write_bytes(b'[tool.modelyard]\nmodel = "caf\xe9:m"\n')

    assert main(["train"]) == 1

    assert "is not UTF-8" in one_line_error(capsys)


@pytest.mark.parametrize("document", ["[tool]\nmodelyard = 5\n", "tool = 5\n"])
def test_a_modelyard_setting_that_is_not_a_table_is_one_line(fault_project, capsys, document):
    (fault_project / "pyproject.toml").write_text(document)

    assert main(["train"]) == 1

    one_line_error(capsys)


@pytest.mark.parametrize(
    ("factory", "problem"),
    [
        ("os:system", "part of Python"),
        ("os:abort", "part of Python"),
        ("builtins:exit", "part of Python"),
        ("fault_project:FitForbidden", "a class that is not a modelyard.Model"),
    ],
)
def test_a_model_factory_that_is_not_one_is_refused_without_calling_it(
    fault_project, monkeypatch, capsys, factory, problem
):
    monkeypatch.setenv("MODELYARD_MODEL", factory)

    assert main(["train"]) == 1

    assert problem in one_line_error(capsys)


def test_a_model_factory_that_needs_arguments_is_refused_without_calling_it(
    fault_project, monkeypatch, capsys
):
    (fault_project / "needs_args.py").write_text("def build(estimator):\n    raise SystemExit\n")
    monkeypatch.setenv("MODELYARD_MODEL", "needs_args:build")

    assert main(["train"]) == 1

    assert "it needs arguments" in one_line_error(capsys)


@pytest.mark.parametrize("name", ["../../somewhere", "iris-model@\u0661", "a\nb"])
def test_models_show_refuses_a_name_outside_the_store_in_one_line(fault_project, capsys, name):
    assert main(["models", "show", name]) == 1

    one_line_error(capsys)


def test_a_pickle_renamed_model_skops_is_one_line(saved_version, capsys):
    forge_model_file(saved_version, pickle.dumps({"not": "skops"}))

    assert main(["predict", "models/cancer", "--input", "in.csv", "--output", "out.csv"]) == 1

    assert "is not a skops file" in one_line_error(capsys)


def test_a_zip_without_schema_json_renamed_model_skops_is_one_line(saved_version, capsys):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("other.json", "{}")
    forge_model_file(saved_version, archive.getvalue())

    assert main(["predict", "models/cancer", "--input", "in.csv", "--output", "out.csv"]) == 1

    assert "is not a skops file" in one_line_error(capsys)


@pytest.fixture(params=["fifo", "dev-zero"])
def unreadable_card(request, saved_version):
    """Version 1 of 'cancer', its card replaced by a FIFO or by a link to /dev/zero."""
    card = saved_version / CARD_FILE
    card.unlink()
    if request.param == "fifo":
        os.mkfifo(card)
    else:
        card.symlink_to("/dev/zero")
    return saved_version


def test_a_card_that_is_not_a_regular_file_does_not_hang_models_list(unreadable_card, capsys):
    assert main(["models", "list", "--store", "models"]) == 0

    assert "no saved models" in capsys.readouterr().out


def test_a_card_that_is_not_a_regular_file_does_not_hang_predict(unreadable_card, capsys):
    assert main(["predict", "models/cancer/1", "--input", "in.csv", "--output", "out.csv"]) == 1

    one_line_error(capsys)
