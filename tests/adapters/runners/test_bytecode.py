"""Stale .pyc files are removed before a test run; current ones, and folders nothing edits, are left alone."""

from __future__ import annotations

import os
from pathlib import Path

from greenloop.adapters.runners.bytecode import drop_stale_bytecode


def touch(path: Path, mtime_ns: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")
    os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def test_a_pyc_older_than_its_source_is_removed_and_the_rest_kept(tmp_path):
    second = 1_700_000_000 * 10**9
    touch(tmp_path / "pkg" / "edited.py", second + 900_000_000)  # edited after its .pyc, within the same second
    stale = touch(tmp_path / "pkg" / "__pycache__" / "edited.cpython-311.pyc", second + 100_000_000)
    rewritten = touch(tmp_path / "pkg" / "__pycache__" / "edited.cpython-311-pytest-9.2.0.pyc", second)
    touch(tmp_path / "pkg" / "current.py", second)
    current = touch(tmp_path / "pkg" / "__pycache__" / "current.cpython-311.pyc", second + 1)
    orphan = touch(tmp_path / "pkg" / "__pycache__" / "gone.cpython-311.pyc", second)
    for hidden in (tmp_path / ".tox" / "m.py", tmp_path / "venv" / "lib" / "m.py"):
        touch(hidden, second + 1)
    (tmp_path / "venv" / "pyvenv.cfg").write_text("")
    untouched = [touch(tmp_path / ".tox" / "__pycache__" / "m.cpython-311.pyc", second),
                 touch(tmp_path / "venv" / "lib" / "__pycache__" / "m.cpython-311.pyc", second)]

    drop_stale_bytecode(tmp_path)

    assert not stale.exists() and not rewritten.exists()
    assert current.exists() and orphan.exists() and all(path.exists() for path in untouched)
