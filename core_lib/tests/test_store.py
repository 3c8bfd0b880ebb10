from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
import skops.io
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer

from modelyard import ArtifactError, Model, NotTrainedError, load_model
from modelyard.artifact import CARD_FILE, MODEL_FILE, read_card
from modelyard.compiled import COMPILED_FILE
from modelyard.data import demo_dataset
from modelyard.exceptions import StoreWarning, UnsafeFileError
from modelyard.safeio import read_regular_file
from modelyard.store import ModelStore, is_model_name, is_version, locate, parse_model_ref


class HomeMadeClassifier:
    """A class scikit-learn does not know, so modelyard does not trust it by default."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def predict_proba(self, X):
        return np.tile([1.0, 0.0], (len(X), 1))


def _save_iris(store: str) -> int:
    model = Model(LogisticRegression(max_iter=200), name="iris").train(demo_dataset("iris"))
    return model.save(store).version


def test_save_writes_the_model_and_its_card_into_version_1(trained_classifier, workdir):
    ref = trained_classifier.save("models")

    assert ref.path == workdir / "models" / "cancer" / "1"
    assert sorted(p.name for p in ref.path.iterdir()) == [CARD_FILE, COMPILED_FILE, MODEL_FILE]


def test_each_save_takes_the_next_version(trained_classifier):
    versions = [trained_classifier.save("models").version for _ in range(3)]

    assert versions == [1, 2, 3]


def test_model_card_describes_the_model(trained_classifier, binary_data):
    trained_classifier.score(binary_data)
    card = json.loads((trained_classifier.save("models").path / CARD_FILE).read_text())

    assert card["name"] == "cancer"
    assert card["estimator"] == "sklearn.pipeline.Pipeline"
    first = card["features"][0]
    assert (first["name"], first["kind"], first["nullable"]) == ("mean radius", "number", False)
    assert (first["min"], first["max"]) == (6.981, 28.11)
    assert card["classes"] == [0, 1]
    assert set(card["metrics"]) == {"accuracy", "roc_auc", "f1"}
    assert {"python", "scikit-learn", "modelyard"} <= set(card["versions"])
    assert len(card["sha256"]) == 64


def test_saving_an_untrained_model_says_to_train_first(classifier):
    with pytest.raises(NotTrainedError, match="train"):
        classifier.save("models")


def test_a_loaded_model_predicts_what_the_saved_one_did(trained_classifier, binary_data):
    trained_classifier.save("models")

    loaded = load_model("models/cancer")

    np.testing.assert_array_equal(
        loaded.predict(binary_data.x), trained_classifier.predict(binary_data.x)
    )
    np.testing.assert_array_equal(
        loaded.predict_proba(binary_data.x), trained_classifier.predict_proba(binary_data.x)
    )
    assert loaded.schema == trained_classifier.schema


def test_load_model_takes_the_latest_version_or_the_one_asked_for(trained_classifier):
    for _ in range(3):
        trained_classifier.save("models")

    assert load_model("models/cancer").ref.version == 3
    assert load_model("models/cancer@2").ref.version == 2
    assert load_model("models/cancer/1").ref.version == 1


def test_load_model_of_a_missing_version_lists_the_saved_ones(trained_classifier):
    trained_classifier.save("models")

    with pytest.raises(ArtifactError, match=r"no version 7.*versions: 1"):
        load_model("models/cancer@7")


def test_load_model_of_a_path_without_a_model_says_how_to_make_one():
    with pytest.raises(ArtifactError, match="modelyard train"):
        load_model("models/nothing-here")


def test_a_model_file_changed_after_saving_is_refused(trained_classifier):
    path = trained_classifier.save("models").path / MODEL_FILE
    payload = bytearray(path.read_bytes())
    payload[len(payload) // 2] ^= 0xFF
    path.write_bytes(bytes(payload))

    with pytest.raises(ArtifactError, match="does not match the sha256"):
        load_model("models/cancer")


def test_a_type_nobody_trusted_is_refused_even_with_a_matching_hash(trained_classifier, plant):
    folder = trained_classifier.save("models").path
    # An attacker swaps in a model that calls os.system and fixes up both hashes.
    plant(folder, skops.io.dumps(FunctionTransformer(func=os.system)))

    with pytest.raises(ArtifactError, match=r"does not trust: .*system"):
        load_model(folder)


def test_a_home_made_estimator_loads_only_when_the_caller_trusts_it(binary_data):
    type_name = f"{__name__}.HomeMadeClassifier"
    Model(HomeMadeClassifier(), name="home").train(binary_data).save("models", trusted=[type_name])

    with pytest.raises(ArtifactError, match=f"trusted=\\['{type_name}'\\]"):
        load_model("models/home")
    assert load_model("models/home", trusted=[type_name]).predict(
        binary_data.x.head(2)
    ).tolist() == [0, 0]


def test_a_failed_save_leaves_no_version_and_no_staging_files(workdir):
    store = ModelStore(workdir / "models")

    def crash(folder, version):
        folder.mkdir(parents=True)
        (folder / MODEL_FILE).write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store.publish("cancer", crash)
    assert store.versions("cancer") == []
    assert list((workdir / "models" / ".staging").iterdir()) == []


def test_concurrent_saves_get_distinct_versions(workdir):
    with ProcessPoolExecutor(max_workers=4) as pool:
        versions = list(pool.map(_save_iris, [str(workdir / "models")] * 4))

    assert sorted(versions) == [1, 2, 3, 4]
    assert ModelStore(workdir / "models").versions("iris") == [1, 2, 3, 4]


@pytest.mark.parametrize("name", ["../escape", ".hidden", "a b"])
def test_a_model_name_that_is_not_a_safe_folder_name_is_refused(trained_classifier, name):
    trained_classifier.name = name

    with pytest.raises(ArtifactError, match="cannot be used as a folder name"):
        trained_classifier.save("models")


def test_a_store_path_that_is_a_file_is_refused(trained_classifier, workdir):
    (workdir / "models").write_text("not a folder")

    with pytest.raises(ArtifactError, match="is a file, not a folder"):
        trained_classifier.save("models")


@pytest.mark.parametrize("folder", ["\u00b3", "\u0662", "007", "0", "2x", "-1"])
def test_an_odd_version_folder_is_ignored_with_a_warning(saved_version, folder):
    (saved_version.parent / folder).mkdir()
    store = ModelStore("models")

    with pytest.warns(StoreWarning, match=f"{folder} is ignored"):
        assert store.versions("cancer") == [1]
    assert store.names() == ["cancer"]


def test_an_odd_version_folder_does_not_stop_loading_the_latest_model(saved_version):
    (saved_version.parent / "\u00b3").mkdir()

    with pytest.warns(StoreWarning):
        assert load_model("models/cancer").ref.version == 1


def test_an_empty_version_folder_without_a_card_is_ignored(saved_version):
    (saved_version.parent / "2").mkdir()

    with pytest.warns(StoreWarning, match="no model.json"):
        assert load_model("models/cancer").ref.version == 1


@pytest.mark.parametrize("ref", ["models/cancer@\u0661", "models/cancer@01", "models/cancer@x"])
def test_a_version_that_is_not_plain_ascii_digits_is_refused(saved_version, ref):
    with pytest.raises(ArtifactError, match="version after @ must be a number"):
        load_model(ref)


def test_a_version_folder_linked_out_of_the_store_is_ignored(saved_version, workdir):
    outside = workdir / "outside"
    shutil.copytree(saved_version, outside)
    (saved_version.parent / "2").symlink_to(outside)

    with pytest.warns(StoreWarning, match="link leading out of the store"):
        assert ModelStore("models").versions("cancer") == [1]
    with pytest.raises(ArtifactError, match="link leading out of its store"):
        locate("models/cancer/2")


def test_a_model_file_linked_out_of_the_store_is_refused(saved_version, workdir):
    outside = workdir / "outside.skops"
    (saved_version / MODEL_FILE).rename(outside)
    (saved_version / MODEL_FILE).symlink_to(outside)

    with pytest.raises(ArtifactError, match="link leading out of the model's folder"):
        load_model("models/cancer")


def test_a_card_that_is_a_fifo_is_refused_without_waiting(saved_version):
    (saved_version / CARD_FILE).unlink()
    os.mkfifo(saved_version / CARD_FILE)

    with pytest.raises(ArtifactError, match="not a regular file"):
        read_card(saved_version)
    with pytest.warns(StoreWarning, match="not a regular file"):
        assert ModelStore("models").versions("cancer") == []


def test_a_card_linked_to_dev_zero_is_refused_without_reading_it(saved_version):
    (saved_version / CARD_FILE).unlink()
    (saved_version / CARD_FILE).symlink_to("/dev/zero")

    with pytest.raises(ArtifactError, match="symbolic link"):
        read_card(saved_version)
    with pytest.warns(StoreWarning, match="not a regular file"):
        assert ModelStore("models").versions("cancer") == []


def test_a_file_larger_than_the_limit_is_not_read(workdir):
    (workdir / "big").write_bytes(b"x" * 11)

    with pytest.raises(UnsafeFileError, match="more than 10 allowed"):
        read_regular_file(workdir / "big", 10)


@pytest.mark.parametrize("name", ["churn", "churn-2", "a.b_c"])
def test_a_model_name_of_ascii_letters_digits_and_dashes_is_accepted(name):
    assert is_model_name(name)


@pytest.mark.parametrize(
    "name", ["abc\n", "../x", "..", "a/b", "\uff43\uff48\uff55\uff52\uff4e", "", ".x"]
)
def test_a_model_name_outside_the_safe_ascii_set_is_refused(name):
    assert not is_model_name(name)


@pytest.mark.parametrize("text", ["1", "10", "2026"])
def test_a_version_is_ascii_digits_without_a_leading_zero(text):
    assert is_version(text)


@pytest.mark.parametrize("text", ["0", "007", "\u00b3", "\u0662", "\u0661", "1\n", "", "+1"])
def test_anything_else_is_not_a_version(text):
    assert not is_version(text)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("churn", ("churn", None)), ("churn/3", ("churn", 3)), ("churn@3", ("churn", 3))],
)
def test_a_model_reference_is_a_name_and_an_optional_version(text, parsed):
    assert parse_model_ref(text) == parsed


@pytest.mark.parametrize(
    "text", ["churn@\u0661", "churn@007", "../../somewhere", "churn/3/4", "a b"]
)
def test_a_model_reference_with_a_bad_name_or_version_is_refused(text):
    with pytest.raises(ArtifactError):
        parse_model_ref(text)


def test_a_card_outside_the_store_is_never_read_through_its_name(saved_version):
    with pytest.raises(ArtifactError, match="cannot be used as a folder name"):
        ModelStore("models").card("../models/cancer")


def test_an_at_sign_in_a_folder_above_the_model_is_not_read_as_a_version(trained_classifier):
    trained_classifier.save("team@host/models")

    assert load_model("team@host/models/cancer").ref.version == 1


@pytest.mark.parametrize("odd", ["a folder without a card", "a link out of the store"])
def test_a_save_takes_the_number_after_an_ignored_version_folder(saved_version, workdir, odd):
    ignored = saved_version.parent / "2"
    if odd == "a link out of the store":
        ignored.symlink_to(workdir)
    else:
        ignored.mkdir()
        (ignored / "notes.txt").write_text("not a model")

    with pytest.warns(StoreWarning):
        assert load_model("models/cancer").save("models").version == 3
