"""Write files all at once or not at all.

One file: a temp file in the target's folder, fsync, os.replace (`atomic_write`).

Several files (`write_files_atomically`, e.g. an import touching two sessions, or a profile update
plus a new profile) go through a journal in the study folder:

1. every new file is written to a temp file beside its target and synced;
2. a manifest (`.rubric-journal.json`: target -> temp) is written and renamed into place: the
   commit point;
3. each temp file is renamed over its target;
4. the manifest is removed.

A run cut short (SIGKILL, power loss) is repaired by `recover_journal`, which every command that
loads a study calls first (under the study lock): a manifest on disk means every new file is
complete, so the renames are ROLLED FORWARD; temp files without a manifest are an unfinished
write and are ROLLED BACK (deleted). Either way each file ends in its old or its new state.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import signal
import stat
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".rubric.tmp"  # still a ".tmp" file to the eye and to tools
JOURNAL_NAME = ".rubric-journal.json"
_KILL_AT_STEP = "RUBRIC_TEST_KILL_AT_STEP"  # test hook: SIGKILL this process at the k-th journal step


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _new_temp(target: Path) -> tuple[int, str]:
    return tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)


@contextlib.contextmanager
def atomic_write(target: str | os.PathLike):
    """Yield a binary file handle; on a clean exit its content replaces `target` in one rename.

    The target's folder is created when missing.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = _new_temp(target)
    handle = os.fdopen(fd, "wb")
    try:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual mode
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        with contextlib.suppress(OSError, ValueError):
            handle.close()
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


# -- the study lock and the journal ----------------------------------------------------------------

@contextlib.contextmanager
def study_lock(root: str | os.PathLike, wait: bool = True):
    """Exclusive advisory lock on the study folder itself (creates no file in the study).
    With wait=False, yields False at once when another process holds it."""
    fd = os.open(root, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class _Steps:
    """Counts the journal's steps; the test hook kills the process at a chosen one."""

    def __init__(self):
        text = os.environ.get(_KILL_AT_STEP, "")
        self.kill_at = int(text) if text.isdigit() else None
        self.done = 0

    def __call__(self) -> None:
        self.done += 1
        if self.done == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


def write_files_atomically(contents: dict, journal_root: str | os.PathLike) -> None:
    """Write several files (path -> bytes) all or nothing, through the journal in `journal_root`
    (the study folder; the caller holds its lock). Errors become RubricError."""
    from .errors import Problem, RubricError

    step = _Steps()
    root = Path(journal_root)
    staged: list[tuple[str, Path]] = []
    journal = root / JOURNAL_NAME
    committed = False
    try:
        for target, data in contents.items():
            target = Path(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = _new_temp(target)
            staged.append((temp, target))
            step()
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                step()
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, 0o666 & ~_umask())
            step()
        manifest = json.dumps({"files": [{"target": os.fspath(t), "temp": temp} for temp, t in staged]})
        with atomic_write(journal) as handle:
            handle.write(manifest.encode("utf-8"))
            step()
        committed = True
        step()
        _finish(staged, step)
        journal.unlink()
        _sync_folder(root)
        step()
    except OSError as exc:
        if not committed:
            for temp, _ in staged:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
        raise RubricError(Problem(str(exc.filename or next(iter(contents), "")),
                                  f"cannot write: {exc.strerror or exc}"
                                  + ("; the journal completes the write on the next run" if committed else ""))
                          ) from None


def _finish(staged, step=lambda: None) -> None:
    for temp, target in staged:
        if os.path.lexists(temp):
            os.replace(temp, target)
            step()
            _sync_folder(Path(target).parent)
            step()


def _temp_files(root: Path) -> list[Path]:
    from .records.load import FOLDERS

    found = []
    for folder in (root, *(root / name for name in FOLDERS.values())):
        with contextlib.suppress(OSError):
            found.extend(p for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(TEMP_SUFFIX))
    return found


def recover_journal(root: str | os.PathLike, locked: bool = False) -> str | None:
    """Repair a multi-file write cut short in study `root`; returns a one-line account, or None when
    there was nothing to do. Takes the study lock unless `locked`; when a writer holds it, does
    nothing (that writer is not finished yet)."""
    root = Path(root)
    journal = root / JOURNAL_NAME
    try:
        pending = journal.exists() or bool(_temp_files(root))
    except OSError:
        return None
    if not pending:
        return None
    lock = contextlib.nullcontext(True) if locked else _try_lock(root)
    with lock as held:
        if not held:
            return None
        try:
            return _recover(root, journal)
        except OSError as exc:  # a read-only study, say: reported, and finished by the next run that can write
            return f"rubric: {root}: cannot finish an interrupted write: {exc.strerror or exc}"


@contextlib.contextmanager
def _try_lock(root: Path):
    try:
        with study_lock(root, wait=False) as held:
            yield held
    except OSError:
        yield False


def _recover(root: Path, journal: Path) -> str | None:
    journaled = journal.exists()
    forward = 0
    if journaled:
        try:
            entries = json.loads(journal.read_text(encoding="utf-8"))["files"]
            staged = [(e["temp"], Path(e["target"])) for e in entries]
        except (OSError, ValueError, KeyError, TypeError):
            staged = []  # a manifest is renamed into place complete; this one is not ours
        forward = sum(1 for temp, _ in staged if os.path.lexists(temp))
        _finish(staged)
        journal.unlink()
        _sync_folder(root)
    leftovers = _temp_files(root)
    for temp in leftovers:
        with contextlib.suppress(OSError):
            temp.unlink()
    if journaled:
        return (f"rubric: finished an interrupted write in {root}: {forward} more file(s) renamed into place "
                "(journal rolled forward)")
    return (f"rubric: discarded an unfinished write in {root}: {len(leftovers)} temp file(s) removed, "
            "the files keep their old content (rolled back)")


# -- output paths ----------------------------------------------------------------------------------

def check_output_path(path: str | os.PathLike, default_name: str, study_root: str | os.PathLike | None,
                      force: bool = False) -> str:
    """The file a writer may write for `-o path`, or a RubricError saying why not.

    A trailing slash (or an existing folder given with one) means a folder: `default_name` is
    written inside. Refused: a symlink (never followed), a folder, a device, a FIFO or a socket,
    the study folder or any file the study's loader reads (also through a hard link), and an
    existing file that is not an .xlsx workbook unless `force`."""
    from .errors import Problem, RubricError

    shown = os.fspath(path)

    def refuse(message: str) -> RubricError:
        return RubricError(Problem(shown, message))

    if shown.endswith(os.sep) or (os.altsep and shown.endswith(os.altsep)):
        shown = os.path.join(shown, default_name)
    target = Path(shown)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise refuse(f"cannot use as output: {exc.strerror or exc}") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise refuse("output is a symbolic link; give the real path (links are not followed)")
        if stat.S_ISDIR(info.st_mode):
            raise refuse(f"output is a folder; add a trailing slash to write {default_name} inside it")
        if not stat.S_ISREG(info.st_mode):
            raise refuse("output is not a regular file (a device, FIFO or socket); refused")
    if study_root is not None:
        _check_not_study_input(target, info, Path(study_root), refuse)
    if info is not None and not force and not _looks_like_xlsx(target):
        raise refuse("an existing file that is not an .xlsx workbook; use --force to overwrite it")
    return shown


def _check_not_study_input(target: Path, info, root: Path, refuse) -> None:
    from .records.load import study_files

    real_root = root.resolve()
    real_target = target.parent.resolve() / target.name
    if real_target == real_root:
        raise refuse("output is the study folder")
    inputs = [p for _, p in study_files(root)]
    for candidate in inputs:
        same_path = candidate.parent.resolve() / candidate.name == real_target
        same_file = info is not None and candidate.exists() and _same_inode(candidate, info)
        if same_path or same_file:
            raise refuse(f"output would overwrite {candidate}, a record of the study; choose another path")
    relative = real_target.relative_to(real_root) if real_root in real_target.parents else None
    if relative is not None and relative.suffix in (".yaml", ".yml") and \
            (len(relative.parts) == 1 or relative.parts[0] in ("options", "profiles", "sessions")):
        raise refuse("output would become a record of the study; choose a path outside its record folders")


def _same_inode(candidate: Path, info) -> bool:
    try:
        other = os.stat(candidate)
    except OSError:
        return False
    return (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino)


def _looks_like_xlsx(path: Path) -> bool:
    if path.suffix.lower() != ".xlsx":
        return False
    try:
        with open(path, "rb", opener=lambda p, flags: os.open(p, flags | os.O_NONBLOCK)) as handle:
            head = handle.read(4)
    except OSError as exc:
        return exc.errno == errno.ENOENT
    return head in (b"", b"PK\x03\x04")
