"""Stale bytecode: CPython takes a `.pyc` as current when its source has the recorded size and mtime in whole
seconds, so a source edited to the same size within the second its `.pyc` was written runs as it was before the edit.
Screening candidates one after another does exactly that (`31` → `30`, runs a fraction of a second apart); a test
run, and a service started on the workspace, must see it as it is, so every `.pyc` older than its source is removed
first (by the test runner and the local sandbox's services)."""

from __future__ import annotations

import os
from pathlib import Path


def drop_stale_bytecode(root: Path) -> None:
    """Delete each `__pycache__/<module>.*.pyc` under `root` whose source changed after it was written. Hidden
    folders and virtualenvs are not looked into: nothing edits them between test runs."""
    for folder, folders, files in os.walk(root):
        if "pyvenv.cfg" in files:
            folders[:] = []
            continue
        folders[:] = [name for name in folders if not name.startswith(".")]
        if os.path.basename(folder) != "__pycache__":
            continue
        for name in files:
            if not name.endswith(".pyc"):
                continue
            source = os.path.join(os.path.dirname(folder), name.partition(".")[0] + ".py")
            cached = os.path.join(folder, name)
            try:
                if os.stat(source).st_mtime_ns >= os.stat(cached).st_mtime_ns:  # equal: order unknown
                    os.unlink(cached)
            except OSError:  # no source (a .pyc-only module), or gone meanwhile
                continue
