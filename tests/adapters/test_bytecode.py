"""Stale .pyc files are removed before a test run; current ones, and folders nothing edits, are left alone."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from greenloop.adapters.bytecode import drop_stale_bytecode


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


def test_a_service_restarted_on_a_same_size_edit_runs_the_edit(tmp_path):
    """The offline engine edits `prec=4` to `prec=3`, then to `prec=5`, restarting the service each time, all within
    a second: without removing the stale .pyc the service would run the `prec=3` it had compiled."""
    from greenloop.adapters.sandboxes.logfile import read_log
    from greenloop.adapters.sandboxes.services import ServiceProcess
    from support import eventually

    module = tmp_path / "rates.py"
    command = f"{sys.executable} -c 'import rates; print(rates.PREC)'"
    seen = []
    for value in (3, 5):  # the second write lands within the second of the first (a fresh second, if need be)
        if value == 3:
            time.sleep(1 - time.time() % 1)
        module.write_text(f"PREC = {value}\n")
        log = tmp_path / f"service-{value}.log"
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        service = ServiceProcess(command, tmp_path, {**env, "PYTHONPATH": str(tmp_path)}, log)
        eventually(lambda service=service: service.exit_code() is not None, timeout=10)
        seen.append(eventually(lambda log=log: [line.text for line in read_log(log, "rates")], timeout=5))
    assert seen == [["3"], ["5"]]
