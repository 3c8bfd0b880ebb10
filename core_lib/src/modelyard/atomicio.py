"""Writing a file so that it appears whole or not at all.

Every writer of modelyard (run records and their index, reports, batch
predictions, partitioned predictions) goes through here: the content is written
to a temporary name in the target's own folder (so the final rename never
crosses a file system), flushed to disk, and renamed over the target with
:func:`os.replace`. A reader sees the old file or the new one, never half of
one; a failure, or an interrupt, removes the temporary and leaves the target
as it was.

>>> from modelyard.atomicio import write_text
>>> path = write_text(tmp / "note.txt", "hello")  # doctest: +SKIP

The model store stages whole version folders its own way (see
:mod:`modelyard.store`); this module is for single files and output folders.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["staged", "write_bytes", "write_text", "write_with"]


@contextlib.contextmanager
def staged(path: Path | str, *, folder: bool = False) -> Iterator[Path]:
    """A temporary path beside ``path`` to write; renamed onto ``path`` when the block ends well.

    Args:
        path: the file (or, with ``folder=True``, the folder) to create or replace.
        folder: the block writes a folder rather than a file. A folder is not
            merged into an existing one: its caller checks that ``path`` is new.

    On success a file is flushed to disk (``fsync``) before the rename. If the
    block raises (any exception, ``KeyboardInterrupt`` too) the temporary file
    or folder is removed, the target is left untouched, and the exception goes on.
    """
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        yield temporary
        if not folder:
            _fsync(temporary)
        os.replace(temporary, target)
    except BaseException:
        if temporary.is_dir() and not temporary.is_symlink():
            shutil.rmtree(temporary, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def write_with(path: Path | str, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary_path)`` and move what it wrote onto ``path``, whole or not at all."""
    target = Path(path)
    with staged(target) as temporary:
        write(temporary)
    return target


def write_bytes(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path``, whole or not at all, and return the path."""
    return write_with(path, lambda temporary: temporary.write_bytes(data))


def write_text(path: Path | str, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` (UTF-8 unless told), whole or not at all, and return the path."""
    return write_bytes(path, text.encode(encoding))


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows it (not on Windows)."""
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
