"""Whether a just-started service is ready: poll its health check until it passes, its process exits, or time is up."""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

from greenloop.adapters.processes import run_command
from greenloop.loop.config import HealthCheck

POLL_INTERVAL = 0.1
SETTLE = 0.2
"""A service without a health check is ready once it has stayed up this long."""
NETWORK_TIMEOUT = 1.0
"""Per HTTP/TCP probe, so a hung service still gets probed again before the deadline."""


def wait_until_ready(
    check: HealthCheck | None,
    port: int,
    env: Mapping[str, str],
    cwd: Path,
    exit_code: Callable[[], int | None],
    timeout: float,
) -> str | None:
    """None once the service is ready; otherwise what happened, phrased to follow "service 'name' "."""
    started = time.monotonic()
    deadline = started + timeout
    while True:
        if check is None:
            not_ready = None if time.monotonic() - started >= SETTLE else f"it had not stayed up for {SETTLE:g} s"
        else:
            not_ready = probe(check, port, env, cwd, max(POLL_INTERVAL, deadline - time.monotonic()))
        code = exit_code()  # after the probe: a port answering for a process that died is not this service
        if code is not None:
            ended = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
            return f"{ended} while starting"
        if not_ready is None:
            return None
        if time.monotonic() >= deadline:
            return f"was not healthy within {timeout:g} s (last check: {not_ready})"
        time.sleep(POLL_INTERVAL)


def probe(check: HealthCheck, port: int, env: Mapping[str, str], cwd: Path, timeout: float) -> str | None:
    """None when the check passes, else why it did not."""
    if check.http is not None:
        return _http(f"http://127.0.0.1:{port}{check.http}", min(timeout, NETWORK_TIMEOUT))
    if check.command is not None:
        return _command(check.command, env, cwd, timeout)
    return _tcp(port, min(timeout, NETWORK_TIMEOUT))


def _http(url: str, timeout: float) -> str | None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never reach a local port via a proxy
    try:
        with opener.open(url, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        error.close()
        return f"GET {url} answered {error.code}"
    except urllib.error.URLError as error:
        return f"GET {url} failed: {error.reason}"
    except (OSError, http.client.HTTPException) as error:
        return f"GET {url} failed: {error!r}"
    return None if 200 <= status < 300 else f"GET {url} answered {status}"


def _tcp(port: int, timeout: float) -> str | None:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=timeout).close()
    except OSError as error:
        return f"TCP connect to 127.0.0.1:{port} failed: {error}"
    return None


def _command(command: str, env: Mapping[str, str], cwd: Path, timeout: float) -> str | None:
    code, output = run_command(command, cwd, env, timeout)
    if code == 0:
        return None
    if code is None:
        return f"`{command}` did not finish within {timeout:.1f} s"
    last_line = next(iter(reversed(output.strip().splitlines())), "")
    return f"`{command}` exited with code {code}" + (f": {last_line}" if last_line else "")
