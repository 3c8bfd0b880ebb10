"""Reading small files that may not be what they claim: never follow a link, never block.

A model card or a run record is read with :func:`read_regular_file`, which opens
the file without following a symbolic link and without blocking (a FIFO would
otherwise wait for a writer forever), checks that what it opened is a regular
file, and reads at most a given number of bytes (``/dev/zero`` would otherwise
fill the memory).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from modelyard.exceptions import UnsafeFileError


def read_regular_file(path: Path | str, limit: int | None) -> bytes:
    """The bytes of ``path`` if it is a regular file (not a link) of at most ``limit`` bytes.

    Args:
        path: the file to read.
        limit: the largest size accepted, in bytes; None for no limit.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        UnsafeFileError: ``path`` is a symbolic link, not a regular file, or too large.
        OSError: it cannot be read for another reason.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if Path(path).is_symlink():
            raise UnsafeFileError(f"{path} is a symbolic link; it is not read") from None
        raise error from None
    with os.fdopen(descriptor, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFileError(f"{path} is not a regular file; it is not read")
        if limit is not None and info.st_size > limit:
            raise UnsafeFileError(f"{path} is {info.st_size} bytes, more than {limit} allowed")
        data = file.read() if limit is None else file.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise UnsafeFileError(f"{path} grew past {limit} bytes while it was read")
    return data
