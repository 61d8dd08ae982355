"""Write a file all at once or not at all: a temp file in the target's folder, fsync, os.replace.

A failure at any point (an exception while the content is produced, a full disk, an interrupt)
removes the temp file and leaves whatever was at the target before untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(target: str | os.PathLike):
    """Yield a binary file handle; on a clean exit its content replaces `target` in one rename.

    The target's folder is created when missing.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual mode
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows it (POSIX)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_files_atomically(contents: dict) -> None:
    """Write several files (path -> bytes): every temp file is written and synced first, then all are
    renamed, so a failure while writing changes none of them. Errors become RubricError."""
    from ..errors import Problem, RubricError

    staged: list[tuple[str, Path]] = []
    try:
        for target, data in contents.items():
            target = Path(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            staged.append((temp, target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, 0o666 & ~_umask())
        for temp, target in staged:
            os.replace(temp, target)
            _sync_folder(target.parent)
    except OSError as exc:
        for temp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        raise RubricError(Problem(str(exc.filename or next(iter(contents), "")),
                                  f"cannot write: {exc.strerror or exc}")) from None
