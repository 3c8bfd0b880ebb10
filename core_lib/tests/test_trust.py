"""Exact trust: what a model file may hold is decided by the loader, never by the file."""

from __future__ import annotations

import importlib
import io
import re
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from modelyard import Model, load_model, trust
from modelyard.config import load_settings
from modelyard.data import TabularDataset
from modelyard.exceptions import ArtifactError, ConfigError
from modelyard.store import ModelStore


def _renamed(payload: bytes, old: str, new: str) -> bytes:
    """``payload`` with the pattern ``old`` in its schema.json replaced by ``new``."""
    source = zipfile.ZipFile(io.BytesIO(payload))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "schema.json":
                data, count = re.subn(old.encode(), new.encode(), data)
                assert count
            target.writestr(name, data)
    return out.getvalue()


def _command_chain(last) -> bytes:
    """A pipeline that would run ``touch marker`` through ``last`` when it predicts."""
    chain = make_pipeline(
        FunctionTransformer(np.zeros_like),
        FunctionTransformer(np.choose, kw_args={"choices": [["touch", "marker"]]}),
        FunctionTransformer(last),
    )
    return skops.io.dumps(chain)


@pytest.fixture
def saved_folder(trained_classifier) -> Path:
    return trained_classifier.save("models").path


def test_a_function_renamed_into_a_scikit_learn_module_is_refused(saved_folder, workdir, plant):
    payload = _command_chain(subprocess.check_output)
    plant(
        saved_folder,
        _renamed(payload, '"__module__": "subprocess"', '"__module__": "sklearn.utils._testing"'),
    )

    with pytest.raises(
        ArtifactError, match=r"does not trust: .*sklearn\.utils\._testing\.check_output"
    ):
        load_model(saved_folder)
    assert not (workdir / "marker").exists()


def test_a_numpy_function_renamed_to_a_harmful_numpy_module_function_is_refused(
    saved_folder, workdir, plant
):
    payload = _command_chain(np.log1p)
    crafted = _renamed(
        payload,
        r'"__class__": "log1p",(\s*)"__module__": "numpy"',
        r'"__class__": "getstatusoutput",\1"__module__": "numpy.distutils.cpuinfo"',
    )
    plant(saved_folder, crafted)

    with pytest.raises(ArtifactError, match=r"numpy\.distutils\.cpuinfo\.getstatusoutput"):
        load_model(saved_folder)
    assert not (workdir / "marker").exists()


@pytest.fixture
def hist_model(binary_data) -> Model:
    return Model(HistGradientBoostingClassifier(max_iter=3), name="hgb").train(binary_data)


def test_histgradientboosting_loads_when_its_node_arrays_are_sound(hist_model, binary_data):
    loaded = load_model(hist_model.save("models"))

    rows = binary_data.x.head(20)
    assert loaded.predict(rows).tolist() == hist_model.predict(rows).tolist()


def test_histgradientboosting_nodes_pointing_outside_the_array_are_refused(hist_model, plant):
    folder = hist_model.save("models").path
    estimator = hist_model.estimator
    for iteration in estimator._predictors:
        for predictor in iteration:
            nodes = predictor.nodes
            nodes["left"][0] = nodes["right"][0] = nodes["feature_idx"][0] = 2**30
            nodes["is_leaf"][0] = 0
    plant(folder, skops.io.dumps(estimator))

    with pytest.raises(ArtifactError, match="children inside the node array"):
        load_model(folder)


def test_a_forest_tree_with_children_outside_its_nodes_is_refused(binary_data, plant):
    model = Model(RandomForestClassifier(n_estimators=3, random_state=0), name="rf")
    folder = model.train(binary_data).save("models").path
    tree = model.estimator.estimators_[0].tree_
    tree.children_left[0] = 2**30
    plant(folder, skops.io.dumps(model.estimator))

    with pytest.raises(ArtifactError, match="children inside the node array"):
        load_model(folder)


def test_a_lambda_pipeline_is_refused_at_save_and_publishes_no_version(binary_data, workdir):
    model = Model(
        make_pipeline(FunctionTransformer(lambda X: X), RandomForestClassifier(n_estimators=3)),
        name="lambda",
    ).train(binary_data)

    with pytest.raises(ArtifactError, match=r"cannot be saved: .*<lambda>"):
        model.save("models")
    assert ModelStore(workdir / "models").versions("lambda") == []


def test_a_pipeline_choosing_its_columns_by_dtype_saves_and_loads(
    trained_penguins, penguins, workdir
):
    loaded = load_model(trained_penguins.save("models"))

    assert (loaded.predict(penguins.x) == trained_penguins.predict(penguins.x)).all()


def test_the_card_records_the_types_and_the_trust_a_model_needs(hist_model):
    card = load_model(hist_model.save("models")).ref
    saved = ModelStore("models").card(card.name, card.version)

    assert "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor" in saved.types
    assert saved.trust == []


def test_the_committed_estimator_list_is_scikit_learns_registry():
    assert trust.derive_estimator_types() == trust.ESTIMATOR_TYPES


def test_no_trusted_name_is_a_re_export():
    for name in trust.HELPER_TYPES + trust.FUNCTIONS + trust.CHECKED_TYPES:
        module_name, _, attribute = name.rpartition(".")
        obj = getattr(importlib.import_module(module_name), attribute)
        if isinstance(obj, np.ufunc):
            continue  # ufuncs carry no module; skops names them by where numpy exports them
        own = f"{obj.__module__}.{obj.__qualname__}"
        assert own == name or (module_name, obj.__qualname__) == ("numpy", attribute), name


def test_no_prefix_is_trusted():
    assert "sklearn.utils._testing.check_output" not in trust.BUILTIN
    assert "numpy.distutils.cpuinfo.getstatusoutput" not in trust.BUILTIN


def test_treepredictor_is_trusted_only_as_a_checked_type():
    name = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"

    assert name in trust.CHECKED_TYPES
    assert name not in trust.HELPER_TYPES


def test_a_profile_expands_to_its_exact_types():
    types, profiles = trust.expand(["lightgbm", "my_pkg.MyEstimator"])

    assert "lightgbm.sklearn.LGBMClassifier" in types
    assert "my_pkg.MyEstimator" in types
    assert profiles == ("lightgbm",)


def test_a_trust_name_that_is_neither_profile_nor_type_is_refused():
    with pytest.raises(ArtifactError, match="cannot trust 'lightgbm-ish'"):
        trust.expand(["lightgbm-ish"])


def test_the_project_trust_comes_from_pyproject_and_the_environment(workdir, monkeypatch):
    (workdir / "pyproject.toml").write_text('[tool.modelyard]\ntrust = ["lightgbm"]\n')
    assert load_settings().trust == ("lightgbm",)

    monkeypatch.setenv("MODELYARD_TRUST", "xgboost, pkg.Type")
    assert load_settings().trust == ("xgboost", "pkg.Type")


def test_a_bad_trust_setting_names_the_key(workdir):
    (workdir / "pyproject.toml").write_text('[tool.modelyard]\ntrust = ["not a name"]\n')

    with pytest.raises(ConfigError, match=r"trust = .*profile names \(lightgbm"):
        load_settings()


class Islands(TabularDataset):
    """A pandas categorical feature and missing values."""

    def __init__(self) -> None:
        super().__init__(target="biscoe")

    def describe(self) -> str:
        return "islands (generated)"

    def read_frame(self) -> pd.DataFrame:
        rng = np.random.RandomState(0)
        island = pd.Categorical(rng.choice(["Biscoe", "Dream", "Torgersen"], 200))
        bill = np.where(np.arange(200) % 13 == 0, np.nan, rng.normal(44, 5, 200))
        biscoe = (island == "Biscoe").astype(int)
        return pd.DataFrame({"island": island, "bill": bill, "biscoe": biscoe})


def test_histgradientboosting_with_native_categories_and_missing_values_round_trips():
    estimator = HistGradientBoostingClassifier(categorical_features="from_dtype", max_iter=5)
    model = Model(estimator, name="hgb-cat").train(Islands())
    rows = Islands().load_training_data()[0]

    loaded = load_model(model.save("models"))

    assert loaded.predict(rows).tolist() == model.predict(rows).tolist()
