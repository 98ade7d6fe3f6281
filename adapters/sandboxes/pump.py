"""A service's log pump: `python -m greenloop.adapters.sandboxes.pump --log LOGFILE -- ARGV...`

Runs ARGV as its child, stdout and stderr into one pipe, and appends each line of it to LOGFILE in the `logfile`
format, stamped and redacted. The pump is a process of its own, not a thread of greenloop's, so a service outlives the
greenloop command that started it and still logs.

It ends like its child: the same exit code, or killed by the same signal. SIGTERM, SIGINT and SIGHUP do not end it:
they are passed on to the child, and the pump keeps copying until the child has exited and its output is drained.
Usually the whole process group is signalled, so the child gets such a signal twice.

Kept light, since every service has one: the standard library, `redact` and `stamp`; nothing that imports pydantic.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import signal
import subprocess
import sys
import threading
from typing import IO

from greenloop.adapters.sandboxes.logfile import stamp
from greenloop.loop.redact import redact, secret_values

DRAIN = 1.0
"""Seconds the output gets once the child has exited: a process that left the group can hold the pipe open forever."""
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def main(argv: list[str] | None = None) -> int:
    """Run the command to its end; its exit code (negative: killed by that signal)."""
    parser = argparse.ArgumentParser(prog="python -m greenloop.adapters.sandboxes.pump",
                                     description="Run a command, copying its output stamped and redacted into a log.")
    parser.add_argument("--log", required=True, help="the log file, appended to")
    parser.add_argument("command", nargs="+", help="the command and its arguments, after --")
    args = parser.parse_args(argv)
    log = open(args.log, "a", encoding="utf-8")  # closed by the copying thread
    child: subprocess.Popen[bytes] | None = None

    def forward(signum: int, _frame: object) -> None:
        if child is None:  # nothing started yet that could need us
            _die(signum)
        else:
            child.send_signal(signum)  # a no-op once the child is reaped

    for signum in FORWARDED:
        if signal.getsignal(signum) != signal.SIG_IGN:  # one ignored by whoever started us stays so for the child
            signal.signal(signum, forward)
    try:
        child = subprocess.Popen(args.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except OSError as error:
        with log:
            log.write(stamp(f"greenloop: could not run {args.command[0]}: {error.strerror}"))
        return 127
    assert child.stdout is not None
    # The secrets are those of our environment, which the child inherits: what it was given, it might print.
    copier = threading.Thread(target=_copy_lines, args=(child.stdout, log, secret_values()), daemon=True)
    copier.start()
    code = child.wait()
    copier.join(DRAIN)
    return code


def _copy_lines(pipe: IO[bytes], log: IO[str], secrets: list[str]) -> None:
    with pipe, log:
        for raw in pipe:
            log.write(stamp(redact(raw.decode("utf-8", "replace").rstrip("\r\n"), secrets)))
            log.flush()


def _die(signum: int) -> None:
    """End this process by `signum`, as its default action would, so our parent sees the child's fate."""
    _, hard = resource.getrlimit(resource.RLIMIT_CORE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, hard))  # the child's crash already dumped whatever it dumps
    with contextlib.suppress(ValueError, OSError):  # SIGKILL and SIGSTOP cannot be set, nor need to be
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signum})
    os.kill(os.getpid(), signum)
    os._exit(128 + signum)  # a signal whose default is to be ignored


if __name__ == "__main__":
    status = main()
    if status < 0:
        _die(-status)
    sys.exit(status)
