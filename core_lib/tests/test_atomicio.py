"""Atomic writes: a file appears whole or not at all, and a failure leaves the old one."""

from __future__ import annotations

import pytest

from modelyard import atomicio


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_text_is_written_and_nothing_else_is_left_in_the_folder(tmp_path):
    path = atomicio.write_text(tmp_path / "note.txt", "héllo")

    assert path.read_text(encoding="utf-8") == "héllo"
    assert leftovers(tmp_path) == []


def test_bytes_replace_an_existing_file(tmp_path):
    (tmp_path / "data.bin").write_bytes(b"old")

    atomicio.write_bytes(tmp_path / "data.bin", b"new")

    assert (tmp_path / "data.bin").read_bytes() == b"new"


def test_a_writer_that_fails_leaves_the_old_file_and_no_temporary(tmp_path):
    (tmp_path / "report.html").write_text("old")

    def half_then_fail(temporary):
        temporary.write_text("half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        atomicio.write_with(tmp_path / "report.html", half_then_fail)

    assert (tmp_path / "report.html").read_text() == "old"
    assert leftovers(tmp_path) == []


def test_an_interrupt_inside_the_block_removes_the_temporary(tmp_path):
    with pytest.raises(KeyboardInterrupt), atomicio.staged(tmp_path / "out.csv") as temporary:
        temporary.write_text("a,b\n")
        raise KeyboardInterrupt

    assert list(tmp_path.iterdir()) == []


def test_a_staged_folder_appears_whole_under_its_name(tmp_path):
    with atomicio.staged(tmp_path / "parts", folder=True) as temporary:
        temporary.mkdir()
        (temporary / "part.0.parquet").write_bytes(b"x")
        assert not (tmp_path / "parts").exists()

    assert [p.name for p in (tmp_path / "parts").iterdir()] == ["part.0.parquet"]


def test_a_staged_folder_that_fails_is_removed_with_its_contents(tmp_path):
    with pytest.raises(ValueError), atomicio.staged(tmp_path / "parts", folder=True) as temporary:
        temporary.mkdir()
        (temporary / "part.0.parquet").write_bytes(b"x")
        raise ValueError("worker lost")

    assert list(tmp_path.iterdir()) == []


def test_the_temporary_sits_in_the_targets_folder(tmp_path):
    with atomicio.staged(tmp_path / "sub" / "file.txt") as temporary:
        seen = temporary.parent
        temporary.parent.mkdir()
        temporary.write_text("x")

    assert seen == tmp_path / "sub"
