"""Model cards and safe persistence: what a saved version records, and what loading refuses."""

from __future__ import annotations

import json
import subprocess
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.tree import DecisionTreeClassifier

from modelyard import ArtifactError, Model, load_model
from modelyard.artifact import CARD_FILE, MODEL_FILE, card_digest, library_versions
from modelyard.data import Dataset
from modelyard.exceptions import VersionWarning
from modelyard.provenance import data_fingerprint


class FrameData(Dataset):
    def __init__(self, x, y):
        self._x, self._y = x, y

    def load_training_data(self):
        return self._x, self._y

    def load_prediction_data(self):
        return self._x


def _card(folder) -> dict:
    return json.loads((folder / CARD_FILE).read_text())


def _write_card(folder, card: dict, *, reseal: bool) -> None:
    if reseal:
        card["card_sha256"] = card_digest(card)
    (folder / CARD_FILE).write_text(json.dumps(card))


# What the card records


def test_the_card_records_the_training_data_fingerprint(trained_classifier, binary_data):
    card = _card(trained_classifier.save("models").path)

    assert card["data_fingerprint"] == data_fingerprint(binary_data.x, binary_data.y)
    assert card["training_rows"] == 569


def test_the_card_records_python_and_library_versions(trained_classifier):
    card = _card(trained_classifier.save("models").path)

    assert card["versions"] == library_versions()
    assert {"python", "scikit-learn", "numpy", "skops", "modelyard"} <= set(card["versions"])


def test_the_card_records_the_git_commit_and_whether_the_tree_is_dirty(trained_classifier, workdir):
    def git(*args):
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=workdir, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip

    git("init", "-q")
    (workdir / "model.py").write_text("print('v1')\n")
    git("add", "model.py")
    git("commit", "-qm", "first")
    clean = _card(trained_classifier.save("models").path)["git"]
    (workdir / "model.py").write_text("print('v2')\n")
    dirty = _card(trained_classifier.save("models").path)["git"]

    assert clean == {"commit": git("rev-parse", "HEAD"), "dirty": False}
    assert dirty == {"commit": clean["commit"], "dirty": True}


def test_outside_git_the_card_says_so_with_null(trained_classifier):
    assert _card(trained_classifier.save("models").path)["git"] is None


def test_a_loaded_model_keeps_the_fingerprint_of_its_training_data(trained_classifier):
    trained_classifier.save("models")

    assert load_model("models/cancer").data_fingerprint == trained_classifier.data_fingerprint


# Tampering


def test_flipping_one_byte_of_the_model_file_is_refused(trained_classifier):
    path = trained_classifier.save("models").path / MODEL_FILE
    payload = bytearray(path.read_bytes())
    payload[100] ^= 0x01
    path.write_bytes(bytes(payload))

    with pytest.raises(ArtifactError, match="does not match the sha256 in its model card"):
        load_model("models/cancer")


def test_a_truncated_model_file_is_refused(trained_classifier):
    path = trained_classifier.save("models").path / MODEL_FILE
    path.write_bytes(path.read_bytes()[:-10])

    with pytest.raises(ArtifactError, match="does not match the sha256"):
        load_model("models/cancer")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("classes", [1, 0]),
        ("features", [{"name": "mean radius", "kind": "string"}]),
        ("metrics", {"accuracy": 1.0}),
        ("versions", {"scikit-learn": "1.0.0"}),
        ("name", "someone-else"),
    ],
)
def test_editing_any_field_of_the_card_is_refused(trained_classifier, field, value):
    folder = trained_classifier.save("models").path
    card = _card(folder)
    card[field] = value
    _write_card(folder, card, reseal=False)

    with pytest.raises(ArtifactError, match=r"model.json was changed after the model was saved"):
        load_model(folder)


def test_a_card_edited_and_resealed_is_still_refused_if_it_contradicts_the_model(
    trained_classifier,
):
    folder = trained_classifier.save("models").path
    card = _card(folder)
    card["classes"] = [1, 0]
    card["estimator"] = "sklearn.linear_model.LogisticRegression"
    _write_card(folder, card, reseal=True)

    with pytest.raises(ArtifactError, match=r"does not describe model.skops: the card says"):
        load_model(folder)


def test_a_card_pointing_at_another_file_is_refused(trained_classifier):
    folder = trained_classifier.save("models").path
    card = _card(folder)
    card["model_file"] = "../../../etc/passwd"
    _write_card(folder, card, reseal=True)

    with pytest.raises(ArtifactError, match="this modelyard reads skops, pickle, joblib"):
        load_model(folder)


def test_a_card_that_is_not_json_is_refused(trained_classifier):
    folder = trained_classifier.save("models").path
    (folder / CARD_FILE).write_text("{not json")

    with pytest.raises(ArtifactError, match="cannot read the model card"):
        load_model(folder)


def test_a_card_with_an_unknown_field_is_refused(trained_classifier):
    folder = trained_classifier.save("models").path
    card = _card(folder)
    card["run_this"] = "os.system('rm -rf /')"
    _write_card(folder, card, reseal=True)

    with pytest.raises(ArtifactError, match="unknown fields: run_this"):
        load_model(folder)


# Library versions


def _saved_with(folder, **versions) -> None:
    card = _card(folder)
    card["versions"] = {**card["versions"], **versions}
    _write_card(folder, card, reseal=True)


def test_another_scikit_learn_minor_release_is_refused_with_how_to_override(
    trained_classifier,
):
    folder = trained_classifier.save("models").path
    _saved_with(folder, **{"scikit-learn": "1.0.2"})

    with pytest.raises(
        ArtifactError, match=r"saved with scikit-learn 1.0.2 .*allow_version_mismatch"
    ):
        load_model(folder)


def test_the_override_loads_it_with_a_warning(trained_classifier, binary_data):
    folder = trained_classifier.save("models").path
    _saved_with(folder, **{"scikit-learn": "1.0.2"})

    with pytest.warns(VersionWarning, match="scikit-learn 1.0.2"):
        model = load_model(folder, allow_version_mismatch=True)
    assert len(model.predict(binary_data.x.head(3))) == 3


def test_another_scikit_learn_patch_release_loads_silently(trained_classifier):
    folder = trained_classifier.save("models").path
    major, minor, *_ = library_versions()["scikit-learn"].split(".")
    _saved_with(folder, **{"scikit-learn": f"{major}.{minor}.999"})

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_model(folder)


@pytest.mark.parametrize(("package", "version"), [("numpy", "0.9.0"), ("python", "3.1.0")])
def test_other_library_differences_load_with_a_warning(trained_classifier, package, version):
    folder = trained_classifier.save("models").path
    _saved_with(folder, **{package: version})

    with pytest.warns(VersionWarning, match=f"saved with {package} {version}"):
        load_model(folder)


# Pickle is opt-in


@pytest.mark.parametrize(("fmt", "file"), [("pickle", "model.pkl"), ("joblib", "model.joblib")])
def test_pickle_and_joblib_load_only_with_allow_pickle(trained_classifier, binary_data, fmt, file):
    ref = trained_classifier.save("models", format=fmt)

    assert (ref.path / file).is_file()
    with pytest.raises(ArtifactError, match=f"is a {fmt} file, and loading one runs code"):
        load_model(ref.path)
    loaded = load_model(ref.path, allow_pickle=True)
    np.testing.assert_array_equal(
        loaded.predict(binary_data.x), trained_classifier.predict(binary_data.x)
    )


def test_a_tampered_pickle_is_refused_before_it_is_unpickled(trained_classifier):
    ref = trained_classifier.save("models", format="pickle")
    (ref.path / "model.pkl").write_bytes(b"cos\nsystem\n(S'echo pwned'\ntR.")

    with pytest.raises(ArtifactError, match="does not match the sha256"):
        load_model(ref.path, allow_pickle=True)


def test_an_unknown_format_is_refused_and_nothing_is_saved(trained_classifier, workdir):
    with pytest.raises(ArtifactError, match="unknown model format 'onnx'"):
        trained_classifier.save("models", format="onnx")

    assert not (workdir / "models" / "cancer").exists()


# Round trip


row_values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, width=32)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    x=st.lists(st.tuples(row_values, row_values, row_values), min_size=6, max_size=40),
    kind=st.sampled_from(["tree", "logistic", "ridge"]),
)
def test_a_saved_and_loaded_model_predicts_exactly_what_it_did(workdir, x, kind):
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    if kind == "ridge":
        estimator, target = Ridge(), frame["a"] * 2 - frame["c"]
    else:
        estimator = (
            DecisionTreeClassifier(random_state=0) if kind == "tree" else LogisticRegression()
        )
        target = pd.Series(np.arange(len(frame)) % 2)  # both classes, whatever the values
    model = Model(estimator, name="prop").train(FrameData(frame, target))

    loaded = load_model(model.save(workdir / "prop-store"))

    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))
    if kind != "ridge":
        np.testing.assert_array_equal(loaded.predict_proba(frame), model.predict_proba(frame))
    assert loaded.schema == model.schema and loaded.classes == model.classes
