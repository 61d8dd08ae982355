import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "data" / "mini"
SHIPPED = ROOT / "policies"
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture
def mini(tmp_path) -> Path:
    """A writable copy of the small test study."""
    target = tmp_path / "mini"
    shutil.copytree(MINI, target)
    return target


@pytest.fixture
def shipped(tmp_path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(SHIPPED, target)
    return target


def run_cli(*args, cwd=None):
    """Run the real command in a subprocess: exit code, stdout, stderr. Tables at 100 columns, whatever
    the terminal running the tests exports (tables fit COLUMNS; tests that want another width set it)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    proc = subprocess.run([sys.executable, "-m", "rubric", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def edit(path: Path, old: str, new: str, count: int = 1) -> int:
    """Replace text in a file; return the 1-based line where the replacement starts."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return line
