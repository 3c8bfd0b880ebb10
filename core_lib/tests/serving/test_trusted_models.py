"""LightGBM and XGBoost models go the whole way with project trust, and nowhere without it."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OrdinalEncoder

from modelyard import Model, load_model
from modelyard.cli import main
from modelyard.config import load_settings
from modelyard.data import TabularDataset
from modelyard.exceptions import ArtifactError
from modelyard.packaged import embed_model
from modelyard.store import ModelStore

lightgbm = pytest.importorskip("lightgbm")
xgboost = pytest.importorskip("xgboost")


class Penguins(TabularDataset):
    """A string categorical feature and missing values, as real tables have."""

    def __init__(self) -> None:
        super().__init__(target="heavy")

    def describe(self) -> str:
        return "penguins (generated)"

    def read_frame(self) -> pd.DataFrame:
        rng = np.random.RandomState(0)
        n = 300
        island = rng.choice(["Biscoe", "Dream", "Torgersen"], n)
        flipper = rng.normal(200, 15, n)
        bill = rng.normal(44, 5, n)
        heavy = (flipper + 10 * (island == "Biscoe") + rng.normal(0, 5, n) > 205).astype(int)
        bill[::17] = np.nan
        island = island.astype(object)
        island[::23] = None
        return pd.DataFrame({"island": island, "flipper": flipper, "bill": bill, "heavy": heavy})


def _estimator(profile: str):
    booster = {
        "lightgbm": lambda: lightgbm.LGBMClassifier(n_estimators=20, verbose=-1),
        "xgboost": lambda: xgboost.XGBClassifier(n_estimators=20, max_depth=3),
    }[profile]()
    encode = ColumnTransformer([("island", OrdinalEncoder(), ["island"])], remainder="passthrough")
    return make_pipeline(encode, booster)


@pytest.fixture(params=["lightgbm", "xgboost"])
def profile(request) -> str:
    return request.param


@pytest.fixture
def trained(profile) -> Model:
    return Model(_estimator(profile), name=profile).train(Penguins())


@pytest.fixture
def rows() -> pd.DataFrame:
    return Penguins().load_training_data()[0].head(40)


def test_saving_without_the_project_trust_is_refused_and_names_the_trust_key(trained, profile):
    with pytest.raises(ArtifactError, match=rf'trust = \["{profile}"\]'):
        trained.save("models")
    assert ModelStore("models").versions(profile) == []


def test_a_model_saved_with_its_profile_records_it_on_the_card(trained, profile):
    ref = trained.save("models", trusted=[profile])

    assert ModelStore("models").card(ref.name, ref.version).trust == [profile]


def test_loading_without_the_profile_is_refused_and_names_the_trust_key(trained, profile):
    ref = trained.save("models", trusted=[profile])

    with pytest.raises(ArtifactError, match=rf'\[tool.modelyard\] trust = \["{profile}"\]'):
        load_model(ref)


def test_loading_with_the_profile_predicts_as_the_trained_model(trained, profile, rows):
    loaded = load_model(trained.save("models", trusted=[profile]), trusted=[profile])

    assert loaded.predict_proba(rows).tolist() == trained.predict_proba(rows).tolist()


def test_the_project_trust_key_lets_save_and_predict_work(trained, profile, rows, workdir):
    (workdir / "pyproject.toml").write_text(f'[tool.modelyard]\ntrust = ["{profile}"]\n')
    ref = trained.save("models", settings=load_settings())
    rows.to_csv(workdir / "in.csv", index=False)

    command = ["predict", str(ref), "--input", "in.csv", "--output", "out.csv"]
    done = subprocess.run(
        [sys.executable, "-m", "modelyard.cli", *command],
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr
    written = pd.read_csv(workdir / "out.csv")
    assert written.iloc[:, -1].tolist() == trained.predict(rows).tolist()


def test_served_with_trust_over_a_socket_it_predicts_as_the_trained_model(
    trained, profile, rows, start_server
):
    ref = trained.save("models", trusted=[profile])
    url, _ = start_server("-m", "modelyard.cli", "serve", str(ref), "--trust", profile)
    rows = rows.dropna()  # missing values over HTTP are the feature contract's (issue 15)
    records = json.loads(rows.to_json(orient="records"))
    request = urllib.request.Request(
        f"{url}/predict",
        data=json.dumps({"rows": records}).encode(),
        headers={"Content-Type": "application/json"},
    )

    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)

    assert answer["predictions"] == trained.predict(rows).tolist()


def test_serving_without_trust_exits_with_the_trust_key(trained, profile):
    ref = trained.save("models", trusted=[profile])

    done = subprocess.run(
        [sys.executable, "-m", "modelyard.cli", "serve", str(ref), "--port", "8999"],
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 1
    assert f'trust = ["{profile}"]' in done.stderr and "Traceback" not in done.stderr


@pytest.fixture
def booster_project(workdir, monkeypatch, profile):
    """A project whose [tool.modelyard] names a booster pipeline; ``trust`` set by the test."""
    module = f"{profile}_project"  # one module per profile: imports are cached per name
    (workdir / f"{module}.py").write_text(
        "from modelyard import Model\n"
        "from test_trusted_models import Penguins, _estimator\n\n\n"
        f"def build_model():\n    return Model(_estimator({profile!r}))\n\n\n"
        "class Data(Penguins):\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(workdir))

    def write(trust: str) -> None:
        (workdir / "pyproject.toml").write_text(
            f'[project]\nname = "{profile}-model"\n\n[tool.modelyard]\n'
            f'model = "{module}:build_model"\ndataset = "{module}:Data"\n{trust}'
        )

    return write


def test_modelyard_train_with_the_project_trust_saves_and_shows_it(
    booster_project, profile, capsys
):
    booster_project(f'trust = ["{profile}"]\n')

    assert main(["train", "--skip-score"]) == 0
    assert main(["models", "show", f"{profile}-model"]) == 0
    assert f'loading it needs trust = ["{profile}"] (ok)' in capsys.readouterr().err


def test_modelyard_train_without_the_project_trust_is_one_line_naming_the_key(
    booster_project, profile, capsys
):
    booster_project("")

    assert main(["train", "--skip-score"]) == 1
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and f'trust = ["{profile}"]' in error
    assert ModelStore("models").versions(f"{profile}-model") == []


def test_a_release_embeds_the_model_only_with_its_trust(trained, profile, workdir):
    ref = trained.save("models", trusted=[profile])
    package = workdir / "pkg"
    package.mkdir()

    with pytest.raises(ArtifactError, match=rf'trust = \["{profile}"\]'):
        embed_model(ref.path, package)
    assert embed_model(ref.path, package, trusted=[profile]).trust == [profile]
