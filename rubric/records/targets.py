"""Which file a record update really replaces.

A session or profile file may be a symlink (a study that shares one session file between two
folders, say). Replacing the link with a regular file would silently detach the two copies, so an
update is written through the link: the new content replaces the link's final target, atomically,
by a temp file and a rename in the target's own folder, and the link itself stays as it was.
A link whose target is missing or is not a regular file is refused.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import Problem, RubricError


def resolve_record_target(path: str | os.PathLike) -> Path:
    """The regular file an update of the record at `path` must replace: `path` itself, or the
    final target of the symlink(s) at `path`. Raises RubricError naming `path` if that target is
    missing or is not a regular file (a folder, a device, a FIFO)."""
    path = Path(path)
    try:
        if not path.is_symlink():
            return path
        target = Path(os.path.realpath(path))
        mode = os.stat(target).st_mode
    except OSError as exc:
        raise RubricError(Problem(str(path), f"symlink cannot be followed: {exc.strerror or exc}")) from None
    if not stat.S_ISREG(mode):
        raise RubricError(Problem(str(path), f"symlink to {target}, which is not a regular file; "
                                             "a record update is written through the link to a file only"))
    return target
