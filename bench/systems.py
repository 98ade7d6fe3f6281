"""Shared by the sandbox benches: a generated system of N tiny stdlib HTTP services in a temp git repository, the
two sandbox providers set up on it the way a run sets them up, and process accounting read from /proc.

The system is a chain (s1 -> s2 -> ... -> sN) or a star (s1 -> s2..sN). Every service is one file `sK/app.py`
(`paths = ["sK/"]`): a ThreadingHTTPServer with `GET /healthz`, and `GET /call`, which calls `/call` on every
service it depends on, forwarding the incoming `baggage` header, and answers with the version of each service
that took part. Services with dependencies have `probe = "/call"`, so a fork's readiness check walks the path.

Start cost: each service imports what a small web app imports (json, sqlite3, decimal, email, logging, asyncio,
http.client, ssl), then spends `start_cpu` seconds of CPU (building its routes, templates, caches) and
`start_wait` seconds waiting (a database connection, a config fetch), then listens. With the defaults a service
is ready about 0.7 s after its process starts on an idle machine: a small Flask or FastAPI app's order of size.

One change = one service's VERSION bumped: the changed service is the middle one in the chain (`s{N//2+1}`).
Not a benchmark itself: `python bench/sandbox_ready.py` and `python bench/sandbox_footprint.py` use it.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVICE = '''\
"""{name}: one service of a generated bench system; calls {calls}."""

import asyncio, decimal, email.parser, http.client, json, logging, os, sqlite3, ssl, sys, time  # noqa: F401,E401
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = "{name}-1"
NEXT = [os.environ[name] for name in {url_envs!r}]
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({{}}))


def start_up():
    """What an app does before it listens: CPU (routes, templates, caches), then waiting (a database, config)."""
    until = time.process_time() + float(os.environ.get("BENCH_START_CPU", "0"))
    table = {{}}
    while time.process_time() < until:
        table[len(table) % 5000] = json.dumps({{"n": len(table), "d": str(decimal.Decimal(len(table)) / 7)}})
    time.sleep(float(os.environ.get("BENCH_START_WAIT", "0")))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/healthz":
            return self.answer({{"ok": True}})
        if self.path == "/call":
            versions = {{"{name}": VERSION}}
            sites = {{"{name}": os.path.basename(os.getcwd())}}  # which worktree, so which sandbox, answered
            headers = {{"baggage": self.headers["baggage"]}} if self.headers["baggage"] else {{}}
            for url in NEXT:
                try:
                    with OPENER.open(urllib.request.Request(url + "/call", headers=headers), timeout=10) as answer:
                        body = json.load(answer)
                        versions.update(body["versions"])
                        sites.update(body["sites"])
                except Exception as error:  # say which hop failed, and how
                    sys.stderr.write("{name}: GET %s/call failed: %r\\n" % (url, error))
                    return self.answer({{"error": "{name}: GET %s/call: %r" % (url, error)}}, 502)
            return self.answer({{"versions": versions, "sites": sites}})
        self.send_error(404)

    def answer(self, body, status=200):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        sys.stderr.write("{name}: %s baggage=%s\\n" % (format % args, self.headers["baggage"] or "-"))


if __name__ == "__main__":
    start_up()
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
    server.daemon_threads = True
    print("{name}: listening on", server.server_address[1], flush=True)
    server.serve_forever()
'''


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


@dataclass
class System:
    repo: Path
    commit: str
    size: int
    shape: str
    changed: str
    """The one service each sandbox's change touches."""

    def diff(self, version: int) -> str:
        """The change: `changed`'s VERSION set to `<name>-<version>` (version ≥ 2)."""
        path = self.repo / self.changed / "app.py"
        text = path.read_text()
        path.write_text(text.replace(f'VERSION = "{self.changed}-1"', f'VERSION = "{self.changed}-{version}"'))
        try:
            return _git(self.repo, "diff", "--no-color")
        finally:
            path.write_text(text)

    def config(self) -> Any:
        from greenloop.loop.config import load_config

        return load_config(self.repo)[0]


def make_system(root: Path, size: int, shape: str = "chain", start_cpu: float = 0.5, start_wait: float = 0.2,
                isolation: str = "fork") -> System:
    """Write and commit a system of `size` services under `root` (a new folder)."""
    names = [f"s{i}" for i in range(1, size + 1)]
    if shape == "chain":
        calls = {name: names[i + 1:i + 2] for i, name in enumerate(names)}
    elif shape == "star":
        calls = {name: (names[1:] if i == 0 else []) for i, name in enumerate(names)}
    else:
        raise ValueError(f"unknown shape {shape!r}")
    root.mkdir(parents=True)
    toml = ['[test]', 'command = "true"', "", "[sandbox]", f'isolation = "{isolation}"', ""]
    for name in names:
        url_envs = [f"{d.upper()}_URL" for d in calls[name]]
        (root / name).mkdir()
        (root / name / "app.py").write_text(SERVICE.format(name=name, url_envs=url_envs,
                                                           calls=", ".join(calls[name]) or "nothing"))
        toml += ["[[services]]", f'name = "{name}"', f'command = "python {name}/app.py"', 'health = "/healthz"',
                 f'paths = ["{name}/"]', f'url_env = "{name.upper()}_URL"',
                 f'env = {{ BENCH_START_CPU = "{start_cpu}", BENCH_START_WAIT = "{start_wait}" }}']
        if calls[name]:
            toml += [f"depends_on = {calls[name]!r}".replace("'", '"'), 'probe = "/call"']
        toml.append("")
    (root / "greenloop.toml").write_text("\n".join(toml))
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=bench", "-c", "user.email=bench@greenloop.invalid", "commit", "-q", "-m", "system")
    return System(repo=root, commit=_git(root, "rev-parse", "HEAD").strip(), size=size, shape=shape,
                  changed=names[size // 2])


# -- providers as a run makes them ---------------------------------------------------------------------------------

def child_environment(config: Any) -> dict[str, str]:
    """What a run gives services: the allowlisted environment, with this interpreter's folder first on PATH so
    `python` is the one greenloop runs under."""
    from greenloop.adapters.environment import child_env

    env = child_env(config.env.allow)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def fork_provider(system: System, run_dir: Path, run_id: str) -> Any:
    """A run's ForkProvider (isolation = "fork") on `system`: no setup command, workspaces as git worktrees."""
    from greenloop.adapters.sandboxes.shared import ForkProvider
    from greenloop.adapters.workspaces.git import GitWorkspace

    config = system.config()
    run_dir.mkdir(parents=True, exist_ok=True)
    return ForkProvider(config, system.repo, run_id, run_dir, child_environment(config), lambda ws, seconds: None,
                        lambda path, owner: GitWorkspace.create(system.repo, system.commit, path, owner))


def copy_provider(system: System, run_dir: Path) -> Any:
    """A run's LocalSandboxProvider (isolation = "copy") on `system`."""
    from greenloop.adapters.manifest import Manifest
    from greenloop.adapters.sandboxes.local import LocalSandboxProvider

    config = system.config()
    run_dir.mkdir(parents=True, exist_ok=True)
    return LocalSandboxProvider(config.services, run_dir, base_env=child_environment(config),
                                manifest=Manifest(run_dir))


def workspace(system: System, path: Path, version: int, manifest: Any = None) -> Any:
    """A worktree of `system` at base + the change to version `version`."""
    from greenloop.adapters.workspaces.git import GitWorkspace

    ws = GitWorkspace.create(system.repo, system.commit, path, manifest)
    ws.apply(system.diff(version))
    return ws


def call_entry(endpoints: dict[str, str], headers: dict[str, str] | None = None) -> dict[str, str]:
    """GET /call on s1: the version of every service that answered."""
    return call_entry_sites(endpoints, headers)[0]


def call_entry_sites(endpoints: dict[str, str],
                     headers: dict[str, str] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """GET /call on s1: the version of every service that answered, and the folder each runs from (its worktree:
    the sandbox's own, or the baseline's `worktree`)."""
    import json
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(endpoints["s1"] + "/call", headers=headers or {})
    try:
        with opener.open(request, timeout=10) as answer:
            body = json.load(answer)
            return body["versions"], body["sites"]
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"GET {request.full_url}: {error.code} {error.read()[:500]!r}") from None


def explain(provider: Any, name: str, error: BaseException, lines: int = 15) -> None:
    """After a failed request through sandbox `name`: the error and the last lines of its logs, on stderr."""
    print(f"sandbox {name}: {error!r}; last log lines:", file=sys.stderr)
    for line in provider.logs(name)[-lines:]:
        print(f"  {line.service}: {line.text}", file=sys.stderr)


# -- processes, from /proc --------------------------------------------------------------------------------------

def check_sandbox(system: System, sandbox: Any, kind: str, version: int, worktree: Path) -> None:
    """A request through the sandbox reaches every service once, the changed one at `version`, and each service
    runs from the right worktree: for a copy, the sandbox's own (`worktree`); for a fork, the changed service from
    the sandbox's, the others from the baseline's. Raises RuntimeError otherwise."""
    versions, sites = call_entry_sites(sandbox.endpoints())
    own = Path(worktree).name
    names = [f"s{i}" for i in range(1, system.size + 1)]
    want_versions = {n: f"{n}-{version}" if n == system.changed else f"{n}-1" for n in names}
    want_sites = {n: own if kind == "copy" or n == system.changed else "worktree" for n in names}
    if (versions, sites) != (want_versions, want_sites):
        wrong = {n: (versions.get(n), sites.get(n)) for n in names
                 if (versions.get(n), sites.get(n)) != (want_versions[n], want_sites[n])}
        raise RuntimeError(f"{sandbox.id}: services answered wrong (version, worktree): {wrong}; expected worktree "
                           f"{own!r} for {'every service' if kind == 'copy' else system.changed}")


def descendants(root: int | None = None) -> set[int]:
    """Every live process below `root` (default: this one), by parent links."""
    root = os.getpid() if root is None else root
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if fields[0] not in ("Z", "X"):
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


@dataclass
class Footprint:
    processes: int = 0
    rss_kb: int = 0
    """Sum of VmRSS: counts a page shared by several processes (the interpreter, libraries) once per process."""
    pss_kb: int = 0
    """Sum of Pss (smaps_rollup): a shared page split between its sharers, so the sum is what they really take."""

    def __add__(self, other: Footprint) -> Footprint:
        return Footprint(self.processes + other.processes, self.rss_kb + other.rss_kb, self.pss_kb + other.pss_kb)


def footprint(pids: set[int]) -> Footprint:
    total = Footprint()
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:  # ended meanwhile
            continue
        total.processes += 1
        total.rss_kb += _kb(status, "VmRSS:")
        total.pss_kb += _kb(rollup, "Pss:")
    return total


def _kb(text: str, field: str) -> int:
    for line in text.splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


def leftovers(marker: str) -> list[str]:
    """Live processes (but this one) whose command line, working folder or environment mentions `marker` (the
    bench's scratch folder): what a bench failed to tear down."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        if int(entry.name) == os.getpid():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
            if fields[0] in ("Z", "X"):
                continue
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            try:
                cwd = os.readlink(entry / "cwd")
            except OSError:
                cwd = ""
            environ = (entry / "environ").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if marker in command or cwd.startswith(marker) or marker in environ:
            found.append(f"{entry.name} {command[:120]}")
    return found


def check_clean(marker: str) -> int:
    """Print what is left of the bench's processes; 0 when nothing is, else 1 (an exit code)."""
    import time

    left = leftovers(marker)
    deadline = time.monotonic() + 5
    while left and time.monotonic() < deadline:  # a group being stopped may need a moment
        time.sleep(0.2)
        left = leftovers(marker)
    print(f"processes left: {len(left)}" + "".join(f"\n  {line}" for line in left))
    return 1 if left else 0


# -- start failures ------------------------------------------------------------------------------------------------

_LEFT: dict[str, str] = {}
"""Sandbox key → the tail of its ingress output, saved just before a failed sandbox's folder is removed."""


def keep_ingress_output() -> None:
    """A fork sandbox that fails to start removes its folder, ingress.out with it (whose path its error names):
    save that file's tail first, in this process only, so a failure can be explained."""
    from greenloop.adapters.sandboxes.shared import ForkProvider

    original = ForkProvider._release
    if getattr(original, "_bench", False):
        return

    def release(self: Any, key: str) -> None:
        entry = self._sandboxes.get(key)
        if entry is not None:
            path = entry[0].folder / "ingress.out"
            lines = path.read_text(errors="replace").splitlines()[-6:] if path.is_file() else ["(no ingress.out)"]
            _LEFT[key] = "".join(f"\n    {line}" for line in lines or ["(ingress.out is empty)"])
        original(self, key)

    release._bench = True  # type: ignore[attr-defined]
    ForkProvider._release = release  # type: ignore[method-assign]


def create(provider: Any, ws: Any, name: str, failures: list[str], check: Any = None, tries: int = 3) -> Any:
    """`provider.create(ws, name)`, and `check(sandbox)` (raises when a request through it goes wrong), tried again
    up to `tries` times when the sandbox fails to start or fails its check; each failure, with what the ingress
    printed or the sandbox's last log lines, is added to `failures`. Returns the sandbox and the seconds its
    successful `create` took."""
    import time

    from greenloop.loop.errors import ServiceStartError

    for attempt in range(1, tries + 1):
        started = time.perf_counter()
        try:
            sandbox = provider.create(ws, name)
        except ServiceStartError as error:
            detail = next((text for key, text in _LEFT.items() if key.endswith(f"-{name}")), "")
            _LEFT.clear()
            failures.append(f"{name} (try {attempt}) did not start: {error.problem.splitlines()[0]}{detail}")
        else:
            seconds = time.perf_counter() - started
            try:
                if check is not None:
                    check(sandbox)
                return sandbox, seconds
            except Exception as error:  # noqa: BLE001 - ready, but a request through it went wrong
                tail = "".join(f"\n    {line.service}: {line.text}" for line in provider.logs(name)[-8:])
                failures.append(f"{name} (try {attempt}) was ready but answered wrong: {error}{tail}")
                sandbox.destroy()
        print(f"  failure: {failures[-1]}", file=sys.stderr)
    raise RuntimeError(f"sandbox {name} failed {tries} times: {failures[-1]}")


FORK_PARTS = {"_refork": "forks", "_start_ingress": "ingress", "_check": "checks"}
fork_parts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
"""Seconds spent in each part of a fork sandbox's start or update, by sandbox id, once `time_fork_parts` ran."""


def time_fork_parts() -> None:
    """Wrap ForkSandbox's steps (in this process only, once) to see where a fork sandbox's time goes."""
    from greenloop.adapters.sandboxes.forks import ForkSandbox

    for method, part in FORK_PARTS.items():
        original = getattr(ForkSandbox, method)
        if getattr(original, "_bench", False):
            continue

        @functools.wraps(original)
        def timed(self, *args, _original=original, _part=part, **kwargs):
            started = time.perf_counter()
            try:
                return _original(self, *args, **kwargs)
            finally:
                fork_parts[self.id][_part] += time.perf_counter() - started

        timed._bench = True  # type: ignore[attr-defined]
        setattr(ForkSandbox, method, timed)
