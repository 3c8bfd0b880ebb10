"""Intersphinx inventories written from the installed packages, with no network."""

from __future__ import annotations

import zlib

from modelyard.inventories import PROJECTS, offline_intersphinx, write_inventory


def _names(path) -> set[str]:
    raw = path.read_bytes()
    body = raw.split(b"zlib.\n", 1)[1]
    return {line.split(" ")[0] for line in zlib.decompress(body).decode().splitlines()}


def test_an_inventory_lists_public_and_canonical_names(workdir):
    path = write_inventory(PROJECTS["pandas"], workdir)

    names = _names(path)
    assert {"pandas.DataFrame", "pandas.core.frame.DataFrame", "pandas.read_csv"} <= names
    assert "pandas.DataFrame.to_csv" in names


def test_the_python_inventory_holds_the_standard_library(workdir):
    names = _names(write_inventory(PROJECTS["python"], workdir))

    assert {"pathlib.Path", "collections.abc.Mapping", "typing.Any", "ValueError"} <= names


def test_an_inventory_reads_as_sphinx_reads_one(workdir):
    from sphinx.util.inventory import InventoryFile

    path = write_inventory(PROJECTS["numpy"], workdir)

    with path.open("rb") as stream:
        inventory = InventoryFile.load(
            stream, "https://numpy.example/", lambda *parts: "/".join(parts)
        )
    entries = inventory["py:class"] if isinstance(inventory, dict) else inventory.data["py:class"]
    assert "numpy.ndarray" in entries


def test_a_written_inventory_is_reused(workdir):
    path = write_inventory(PROJECTS["sklearn"], workdir)
    path.write_bytes(b"kept")

    assert write_inventory(PROJECTS["sklearn"], workdir).read_bytes() == b"kept"


def test_the_mapping_names_each_project_its_url_and_local_file(workdir):
    mapping = offline_intersphinx(workdir, ["python", "numpy"])

    assert set(mapping) == {"python", "numpy"}
    url, path = mapping["numpy"]
    assert url == PROJECTS["numpy"].url
    assert path.startswith(str(workdir))
