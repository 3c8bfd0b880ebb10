"""End to end on real data: penguins (strings, missing values) trained by ``modelyard train``,
served over a socket, answering rows with ``null`` as Python and ``modelyard predict`` do."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
import urllib.request

import pandas as pd
import pytest

from modelyard import load_model
from modelyard.data import demo_dataset

PROJECT = """
[project]
name = "penguins"

[tool.modelyard]
model = "penguins_model:build_model"
dataset = "penguins_model:PenguinData"
"""

MODULE = """
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from modelyard import Model
from modelyard.data import DemoDataset


class PenguinData(DemoDataset):
    def __init__(self):
        super().__init__("penguins")


def build_model():
    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    strings = make_pipeline(
        SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
    )
    columns = make_column_transformer(
        (numbers, make_column_selector(dtype_include="number")),
        (strings, make_column_selector(dtype_include=["object", "string"])),
    )
    return Model(make_pipeline(columns, LogisticRegression(max_iter=1000)))
"""


def _modelyard(*args: str, cwd) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "modelyard.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**_env(cwd)},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _env(cwd) -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(cwd)}


@pytest.fixture
def penguins_project(workdir):
    (workdir / "pyproject.toml").write_text(PROJECT)
    (workdir / "penguins_model.py").write_text(textwrap.dedent(MODULE))
    _modelyard("train", cwd=workdir)
    return workdir


def _json_rows(frame: pd.DataFrame) -> list[dict]:
    return [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{url}/predict", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_rows_with_nulls_get_the_same_answers_over_http_in_python_and_in_batch(
    penguins_project, start_server
):
    rows = demo_dataset("penguins").x.iloc[[0, 3, 8, 9, 10, 11, 47, 178, 218, 256, 268, 271, 300]]
    assert rows.isna().any(axis=1).sum() >= 8  # most rows have a gap
    rows.to_csv(penguins_project / "rows.csv", index=False)
    url, _ = start_server(
        "-m", "modelyard.cli", "serve", str(penguins_project / "models" / "penguins")
    )

    over_http = _post(url, {"rows": _json_rows(rows)})["predictions"]
    in_python = load_model(penguins_project / "models" / "penguins").predict(rows).tolist()
    _modelyard("predict", "models/penguins", "--input", "rows.csv", "--output", "out.csv",
               cwd=penguins_project)  # fmt: skip
    in_batch = pd.read_csv(penguins_project / "out.csv")["prediction"].tolist()

    assert over_http == in_python == in_batch
    assert set(over_http) == {"Adelie", "Gentoo", "Chinstrap"}


def test_the_served_model_answers_a_row_with_missing_values(penguins_project, start_server):
    url, _ = start_server(
        "-m", "modelyard.cli", "serve", str(penguins_project / "models" / "penguins")
    )
    body = {
        "rows": [
            {"island": "Torgersen", "bill_length_mm": None, "bill_depth_mm": None,
             "flipper_length_mm": None, "body_mass_g": None, "sex": None, "year": 2007},
            {"island": "Biscoe", "bill_length_mm": 46.1, "bill_depth_mm": 13.2,
             "flipper_length_mm": 211.0, "body_mass_g": 4500.0, "sex": "female", "year": 2007.0},
        ],
        "probabilities": True,
    }  # fmt: skip

    assert _post(url, body)["predictions"] == ["Adelie", "Gentoo"]


def test_models_show_prints_the_contract(penguins_project):
    table = _modelyard("models", "show", "penguins", "--contract", cwd=penguins_project)

    lines = table.splitlines()
    assert lines[0].split() == ["feature", "kind", "nullable", "seen", "in", "training", "policy"]
    assert any(
        line.split()[:3] == ["island", "category", "no"] and "'Torgersen'" in line for line in lines
    )
    assert any(line.split()[:3] == ["sex", "category", "yes"] for line in lines)
    assert any(line.split()[:3] == ["year", "integer", "no"] for line in lines)
