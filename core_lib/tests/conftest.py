"""Shared fixtures: datasets, estimators, services and an isolated working folder per test."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pipelines import penguins_pipeline
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge, RidgeClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from modelyard import Model
from modelyard.data import demo_dataset


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run every test in its own empty folder, with no MODELYARD_* settings inherited."""
    for key in [k for k in os.environ if k.startswith("MODELYARD_")]:
        if not key.startswith(TEST_PREFIX):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


#: Variables that configure the tests themselves (set by .ci/run), kept in every test.
TEST_PREFIX = "MODELYARD_TEST_"
#: URL of a PostgreSQL database the tests may use (.ci/install-postgres prints one).
POSTGRES_URL = "MODELYARD_TEST_POSTGRES_URL"
#: Set in CI: a service the tests need that does not answer fails them instead of skipping.
REQUIRE_SERVICES = "MODELYARD_TEST_REQUIRE_SERVICES"


def unavailable(message: str) -> None:
    """Skip the test on a laptop without the service; fail it in CI, where it must run."""
    if os.environ.get(REQUIRE_SERVICES):
        pytest.fail(f"{message}, and {REQUIRE_SERVICES} is set (see .ci/install-postgres)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A PostgreSQL database that answers, from MODELYARD_TEST_POSTGRES_URL."""
    url = os.environ.get(POSTGRES_URL)
    if not url:
        unavailable(f"no PostgreSQL server: {POSTGRES_URL} is not set")
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text("SELECT 1"))
    except sqlalchemy.exc.OperationalError as error:
        unavailable(f"PostgreSQL at {POSTGRES_URL} does not answer: {error.orig}")
    finally:
        engine.dispose()
    return url


@pytest.fixture
def postgres_table(postgres_url: str):
    """A fresh table of 60 customers in PostgreSQL; dropped after the test."""
    import pandas as pd
    import sqlalchemy

    name = f"customers_{uuid.uuid4().hex[:8]}"
    frame = pd.DataFrame(
        {
            "age": range(20, 80),
            "plan": ["basic", "plus", "pro"] * 20,
            "churned": [0, 1] * 30,
        }
    )
    engine = sqlalchemy.create_engine(postgres_url)
    frame.to_sql(name, engine, index=False)
    yield name
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(f'DROP TABLE "{name}"'))
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3-protocol server (moto's server mode) on 127.0.0.1, for the whole session."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_store(s3_endpoint: str) -> tuple[str, dict]:
    """An empty bucket on the S3 server: the store URL and its fsspec storage options."""
    import boto3

    bucket = f"models-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    ).create_bucket(Bucket=bucket)
    options = {"endpoint_url": s3_endpoint, "key": "test", "secret": "test"}
    return f"s3://{bucket}/models", options


@pytest.fixture(scope="session")
def binary_data():
    return demo_dataset("breast_cancer")


@pytest.fixture(scope="session")
def multiclass_data():
    return demo_dataset("iris")


@pytest.fixture(scope="session")
def regression_data():
    return demo_dataset("diabetes")


@pytest.fixture
def classifier() -> Model:
    return Model(make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)), name="cancer")


@pytest.fixture
def regressor() -> Model:
    return Model(LinearRegression(), name="diabetes")


@pytest.fixture
def trained_classifier(classifier: Model, binary_data) -> Model:
    return classifier.train(binary_data)


@pytest.fixture
def plant() -> Callable[[Path, bytes], None]:
    """Swap a saved version's model file for a payload, fixing both hashes as an attacker would."""
    from modelyard.artifact import CARD_FILE, MODEL_FILE, card_digest

    def plant(folder: Path, payload: bytes) -> None:
        (folder / MODEL_FILE).write_bytes(payload)
        card = json.loads((folder / CARD_FILE).read_text())
        card["sha256"] = hashlib.sha256(payload).hexdigest()
        card["card_sha256"] = card_digest(card)
        (folder / CARD_FILE).write_text(json.dumps(card))

    return plant


# -- real tabular data: strings and missing values ----------------------------


@pytest.fixture(scope="session")
def penguins():
    """palmerpenguins: 344 rows, string columns, missing values in six of seven features."""
    return demo_dataset("penguins")


@pytest.fixture(scope="session")
def penguin_mass():
    """palmerpenguins as a regression table: body_mass_g from the rest (strings, missing values);
    the 2 rows without a mass are left out."""
    import pandas as pd

    from modelyard.data import Dataset

    class PenguinMass(Dataset):
        def load_training_data(self):
            penguins = demo_dataset("penguins")
            frame = pd.concat([penguins.x, penguins.y], axis=1).dropna(subset=["body_mass_g"])
            return frame.drop(columns="body_mass_g"), frame["body_mass_g"]

        def load_prediction_data(self):
            return self.x

    return PenguinMass()


@pytest.fixture
def train_penguins(penguins):
    """Train the penguins pipeline under the given contract options (ContractOptions' keys)."""
    from modelyard.schema import ContractOptions

    def train(**options) -> Model:
        model = Model(penguins_pipeline(), name="penguins")
        model.contract = ContractOptions(**options)
        return model.train(penguins)

    return train


@pytest.fixture
def trained_penguins(train_penguins) -> Model:
    return train_penguins()


@pytest.fixture(scope="session")
def saved_penguins(penguins, tmp_path_factory) -> Path:
    """The penguins pipeline trained under the default contract and saved; its version folder."""
    import contextlib

    folder = tmp_path_factory.mktemp("penguins")
    with contextlib.chdir(folder):  # its run record goes there too
        model = Model(penguins_pipeline(), name="penguins").train(penguins)
        return Path(str(model.save(folder / "models")))


# -- plots and reports ---------------------------------------------------------


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the pyplot figures a test opened, so hundreds of plots do not pile up."""
    yield
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


def _scored(estimator, data, run_dir: Path, name: str, **kwargs):
    return Model(estimator, name=name).score(data, run_dir=run_dir, **kwargs)


@pytest.fixture(scope="session")
def binary_result(binary_data, tmp_path_factory):
    estimator = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return _scored(estimator, binary_data, tmp_path_factory.mktemp("runs"), "cancer")


@pytest.fixture(scope="session")
def multiclass_result(multiclass_data, tmp_path_factory):
    estimator = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return _scored(estimator, multiclass_data, tmp_path_factory.mktemp("runs"), "iris")


@pytest.fixture(scope="session")
def regression_result(regression_data, tmp_path_factory):
    return _scored(Ridge(), regression_data, tmp_path_factory.mktemp("runs"), "diabetes")


@pytest.fixture(scope="session")
def no_proba_result(binary_data, tmp_path_factory):
    """A classifier without predict_proba."""
    estimator = make_pipeline(StandardScaler(), RidgeClassifier())
    runs = tmp_path_factory.mktemp("runs")
    return _scored(estimator, binary_data, runs, "ridge", metrics=("accuracy", "f1"))


@pytest.fixture
def report_project(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder whose [tool.modelyard] names a breast-cancer classifier."""
    (workdir / "report_project.py").write_text(
        "from modelyard import Model\n"
        "from modelyard.data import DemoDataset\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import StandardScaler\n\n\n"
        "def build_model():\n"
        "    return Model(make_pipeline(StandardScaler(), LogisticRegression()))\n\n\n"
        "class Data(DemoDataset):\n"
        "    def __init__(self):\n"
        "        super().__init__('breast_cancer')\n"
    )
    (workdir / "pyproject.toml").write_text(
        '[project]\nname = "cancer-model"\n\n[tool.modelyard]\n'
        'model = "report_project:build_model"\ndataset = "report_project:Data"\n'
    )
    monkeypatch.syspath_prepend(str(workdir))
    return workdir


# -- searches, feature selection and Dask ---------------------------------------


@pytest.fixture(scope="session")
def noisy_data():
    """Three informative features and three of pure noise; the target is binary."""
    import numpy as np
    import pandas as pd

    from modelyard.data import Dataset

    class NoisyData(Dataset):
        def load_training_data(self):
            rng = np.random.default_rng(0)
            x = pd.DataFrame(
                rng.normal(size=(300, 6)),
                columns=[
                    "signal_a",
                    "signal_b",
                    "signal_c",
                    "noise_a",
                    "noise_b",
                    "noise_c",
                ],
            )
            logits = 2 * x["signal_a"] - 1.5 * x["signal_b"] + x["signal_c"]
            y = pd.Series((logits + rng.normal(scale=0.3, size=300) > 0).astype(int), name="y")
            return x, y

        def load_prediction_data(self):
            return self.x

    return NoisyData()


@pytest.fixture(scope="session")
def dask_scheduler(tmp_path_factory) -> str:
    """A real Dask LocalCluster (a scheduler and two worker processes) on 127.0.0.1."""
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        local_directory=str(tmp_path_factory.mktemp("dask")),
    )
    yield cluster.scheduler_address
    cluster.close()


@pytest.fixture
def unreachable_scheduler() -> str:
    """The address of a port on 127.0.0.1 where nothing listens."""
    return f"tcp://127.0.0.1:{_free_port()}"


class FitForbidden(LogisticRegression):
    """A classifier that fails the test if anything fits it: bad input must stop earlier."""

    def fit(self, X, y, sample_weight=None):
        raise AssertionError("a model was fitted before the bad input was refused")


@pytest.fixture
def unfittable() -> Model:
    return Model(make_pipeline(StandardScaler(), FitForbidden()), name="unfittable")


#: The project of the command-line fault tests: factories that work, and ones that must not run.
FAULT_PROJECT = """
from modelyard import Model
from modelyard.data import DemoDataset
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


class FitForbidden(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        raise AssertionError("a model was fitted before the bad input was refused")


def build_model():
    return Model(make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)))


def build_forbidden():
    return Model(FitForbidden())


class Data(DemoDataset):
    def __init__(self):
        super().__init__("iris")


class OneClass(DemoDataset):
    def __init__(self):
        super().__init__("iris")

    def load_training_data(self):
        x, y = super().load_training_data()
        return x, y * 0
"""


@pytest.fixture
def fault_project(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder (iris, a scaled logistic regression) for the command-line fault tests."""
    (workdir / "fault_project.py").write_text(FAULT_PROJECT)
    (workdir / "pyproject.toml").write_text(
        '[project]\nname = "iris-model"\n\n[tool.modelyard]\n'
        'model = "fault_project:build_model"\ndataset = "fault_project:Data"\n'
    )
    monkeypatch.syspath_prepend(str(workdir))
    return workdir


@pytest.fixture
def saved_version(trained_classifier: Model, workdir: Path) -> Path:
    """Version 1 of 'cancer' in the store ``models/``: its folder."""
    return trained_classifier.save(workdir / "models").path


@pytest.fixture
def table_data(workdir: Path):
    """Make a dataset from a table of columns: ``table_data(a=[...], y=[...])``, target ``y``."""
    import pandas as pd

    from modelyard.data import FileDataset

    def make(**columns) -> FileDataset:
        path = workdir / f"table-{uuid.uuid4().hex[:6]}.csv"
        pd.DataFrame(columns).to_csv(path, index=False)
        return FileDataset(path, target="y")

    return make


@pytest.fixture
def no_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No S3 credentials anywhere (environment, files, instance metadata), and an endpoint
    where nothing listens; S3 filesystems made meanwhile are forgotten afterwards."""
    s3fs = pytest.importorskip("s3fs")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_free_port()}")
    s3fs.S3FileSystem.clear_instance_cache()
    yield
    s3fs.S3FileSystem.clear_instance_cache()


@pytest.fixture
def write_project(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Write a project into the working folder: ``<module>.py`` and a pyproject naming it.

    ``write_project(module, source, name=..., extra=...)``: the module defines
    ``build_model`` and ``Data``; ``extra`` is more of ``[tool.modelyard]`` (or later
    tables). The module is importable, as an installed project's package is.
    """
    monkeypatch.syspath_prepend(str(workdir))

    def write(module: str, source: str, *, name: str, extra: str = "") -> Path:
        (workdir / f"{module}.py").write_text(source)
        (workdir / "pyproject.toml").write_text(
            f'[project]\nname = "{name}"\n\n[tool.modelyard]\n'
            f'model = "{module}:build_model"\ndataset = "{module}:Data"\n{extra}\n'
        )
        return workdir

    return write
