"""Models shipped in a package: embedded from the store, found by import name, loaded with
every check; a package without a model, or no trained model to ship, is refused."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import pytest

from modelyard import load_model
from modelyard.artifact import CARD_FILE
from modelyard.exceptions import ArtifactError, ReleaseError
from modelyard.packaged import (
    PACKAGED_FOLDER,
    embed_model,
    find_packaged_model,
    load_packaged_model,
    packaged_model_path,
    require_model_in_wheel,
)
from modelyard.provenance import model_package
from modelyard.release import Distributions
from modelyard.store import locate


@pytest.fixture
def package(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An importable package ``shipped_model`` (on sys.path), with no model in it yet."""
    folder = workdir / "site" / "shipped_model"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text('"""A model package."""\n')
    monkeypatch.syspath_prepend(str(folder.parent))
    monkeypatch.delitem(sys.modules, "shipped_model", raising=False)
    return folder


@pytest.fixture
def saved(trained_classifier) -> str:
    return str(trained_classifier.save("models"))


def test_embedding_copies_the_version_into_the_package(package, saved):
    card = embed_model(saved, package)
    assert card.version == 1
    copied = sorted(p.name for p in (package / PACKAGED_FOLDER).iterdir())
    assert copied == sorted(p.name for p in Path(saved).iterdir())
    assert {CARD_FILE, card.model_file} <= set(copied)


def test_the_embedded_model_loads_by_package_name_with_the_same_predictions(
    package, saved, binary_data
):
    embed_model(saved, package)
    x = binary_data.x.head(5)
    shipped = load_packaged_model("shipped_model")
    assert shipped.predict(x).tolist() == load_model(saved).predict(x).tolist()


def test_locate_accepts_an_installed_model_package(package, saved):
    embed_model(saved, package)
    assert Path(locate("shipped_model")) == package / PACKAGED_FOLDER


def test_an_edited_embedded_card_is_refused_like_any_load(package, saved):
    embed_model(saved, package)
    card = package / PACKAGED_FOLDER / CARD_FILE
    data = json.loads(card.read_text())
    card.write_text(json.dumps({**data, "metrics": {"accuracy": 1.0}}))
    with pytest.raises(ArtifactError, match="was changed after the model was saved"):
        load_packaged_model("shipped_model")


def test_a_package_built_without_a_model_says_how_to_get_one(package):
    assert find_packaged_model("shipped_model") is None
    with pytest.raises(ArtifactError, match=r"holds no trained model.*`modelyard release`"):
        packaged_model_path("shipped_model")


def test_a_package_that_is_not_installed_is_named(workdir):
    with pytest.raises(ArtifactError, match="no installed package named 'not_a_package_here'"):
        load_packaged_model("not_a_package_here")


def test_embedding_with_no_trained_model_is_refused_and_writes_nothing(package):
    with pytest.raises(ReleaseError, match=r"no trained model.*Run `modelyard train` first"):
        embed_model("models/never-trained", package)
    assert not (package / PACKAGED_FOLDER).exists()


def test_embedding_again_replaces_the_previous_model(package, trained_classifier):
    embed_model(str(trained_classifier.save("models")), package)
    card = embed_model(str(trained_classifier.save("models")), package)
    assert card.version == 2
    assert json.loads((package / PACKAGED_FOLDER / CARD_FILE).read_text())["version"] == 2


def test_a_wheel_without_the_model_is_refused(workdir):
    wheel = workdir / "shipped_model-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("shipped_model/__init__.py", "")
    dists = Distributions("shipped-model", "1.0.0", (wheel,))
    with pytest.raises(
        ReleaseError, match=r"does not contain shipped_model/trained_model/model\.json"
    ):
        require_model_in_wheel(dists, "shipped_model")


def test_the_package_of_the_model_factory_is_found_from_its_module(workdir):
    import sklearn

    package = model_package("sklearn.linear_model:LogisticRegression", workdir)
    assert package == {"name": "scikit-learn", "version": sklearn.__version__}


def test_an_editable_project_is_found_from_its_pyproject_name(workdir):
    (workdir / "pyproject.toml").write_text('[project]\nname = "modelyard"\n')
    assert model_package("not_importable_here.model:build", workdir)["name"] == "modelyard"


def test_no_package_is_recorded_for_a_project_that_is_not_installed(workdir):
    (workdir / "pyproject.toml").write_text('[project]\nname = "never-installed"\n')
    assert model_package("not_importable_here.model:build", workdir) is None
