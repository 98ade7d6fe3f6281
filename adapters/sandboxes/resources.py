"""`[[resources]]`: per-sandbox copies of what services write to (a database file, a bucket, a queue).

Every `create` is written down in `<sandbox dir>/resources.json` before it runs and again with its outputs after, so
the matching `delete`s can run even from a later process, after a crash, knowing nothing but the sandbox folder.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from greenloop.adapters.manifest import Manifest
from greenloop.adapters.processes import run_to_file
from greenloop.loop.config import ResourceConfig
from greenloop.loop.errors import ServiceStartError
from greenloop.loop.files import write_atomic
from greenloop.loop.redact import redact, secret_values

RECORD = "resources.json"
LOGS = "resources"
TAIL_LINES = 20
"""Lines of a failed create's output quoted in its error."""
SANDBOX_ENV = ("GREENLOOP_SANDBOX", "GREENLOOP_SANDBOX_DIR", "GREENLOOP_ROUTING_KEY")
"""Variables a create gets from greenloop; recorded (none is a secret) so a later delete gets the same."""
_OUTPUT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)")


def create_resources(resources: list[ResourceConfig], workspace: Path, sandbox_dir: Path, env: Mapping[str, str],
                     manifest: Manifest | None = None) -> dict[str, dict[str, str]]:
    """Run each resource's `create` from `workspace`, in order: resource name → the NAME=VALUE lines it printed.

    `env` should carry GREENLOOP_SANDBOX and GREENLOOP_ROUTING_KEY; GREENLOOP_SANDBOX_DIR is set to `sandbox_dir`.
    When a create fails or times out, every resource recorded for the sandbox (the failed one too: it may have
    done half its work) is deleted, then `ServiceStartError` is raised.
    """
    sandbox_dir = sandbox_dir.absolute()
    env = {**env, "GREENLOOP_SANDBOX_DIR": str(sandbox_dir)}
    records = _load(sandbox_dir)  # leftovers of an earlier create are kept, so they are deleted too
    outputs: dict[str, dict[str, str]] = {}
    for resource in resources:
        record: dict[str, Any] = {
            "name": resource.name, "state": "creating", "cwd": str(workspace.absolute()), "delete": resource.delete,
            "timeout": resource.timeout, "env": {k: env[k] for k in SANDBOX_ENV if k in env}, "outputs": {},
        }
        records.append(record)
        _save(sandbox_dir, records)
        log = _log_path(sandbox_dir, resource.name, "create")
        code, _ = run_to_file(resource.create, workspace, env, log, resource.timeout, manifest,
                              _label(env, sandbox_dir, resource.name, "create"))
        record["outputs"] = parse_outputs(log.read_text(encoding="utf-8", errors="replace"))
        record["state"] = "created" if code == 0 else "failed"
        _save(sandbox_dir, records)
        if code != 0:
            problems = delete_resources(sandbox_dir, env, manifest)
            raise _create_error(resource, code, log, problems, secret_values({**os.environ, **env}))
        outputs[resource.name] = record["outputs"]
    return outputs


def delete_resources(sandbox_dir: Path, env: Mapping[str, str], manifest: Manifest | None = None) -> list[str]:
    """Run the `delete` of every resource recorded in `sandbox_dir`, last created first, each with its outputs in
    its environment; never raises on a failing delete: returns one line per problem. Each record goes once its
    delete has run (whatever its outcome), so a second call does nothing."""
    sandbox_dir = sandbox_dir.absolute()
    records = _load(sandbox_dir)
    problems: list[str] = []
    while records:
        record = records[-1]
        if record.get("delete"):
            problem = _delete(sandbox_dir, record, env, manifest)
            if problem:
                problems.append(problem)
        records.pop()
        _save(sandbox_dir, records)
    return problems


def parse_outputs(text: str) -> dict[str, str]:
    """The NAME=VALUE lines of a create's output (the last wins); any other line is log output."""
    outputs = {}
    for line in text.splitlines():
        match = _OUTPUT.fullmatch(line.rstrip("\r"))
        if match:
            outputs[match[1]] = match[2]
    return outputs


def outputs_for(service: str, resources: list[ResourceConfig],
                outputs: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """The environment `service` gets from resources: the merged outputs of those that list it (later ones win)."""
    merged: dict[str, str] = {}
    for resource in resources:
        if service in resource.services:
            merged.update(outputs.get(resource.name, {}))
    return merged


def always_forked(resources: list[ResourceConfig]) -> set[str]:
    """Services that use a resource: forked in every sandbox, so each writes only to its own copy."""
    return {service for resource in resources for service in resource.services}


def _delete(sandbox_dir: Path, record: dict[str, Any], env: Mapping[str, str], manifest: Manifest | None) -> str:
    name = record["name"]
    log = _log_path(sandbox_dir, name, "delete")
    full_env = {**env, **record.get("env", {}), **record.get("outputs", {})}
    try:
        code, _ = run_to_file(record["delete"], Path(record["cwd"]), full_env, log, float(record["timeout"]),
                              manifest, _label(full_env, sandbox_dir, name, "delete"))
    except OSError as error:  # the recorded cwd is gone, say
        return f"resource {name!r}: delete could not run from {record['cwd']}: {error.strerror or error}"
    if code is None:
        return f"resource {name!r}: delete timed out after {float(record['timeout']):g}s; see {log}"
    if code != 0:
        return f"resource {name!r}: delete failed with exit code {code}; see {log}"
    return ""


def _create_error(resource: ResourceConfig, code: int | None, log: Path, problems: list[str],
                  secrets: list[str]) -> ServiceStartError:
    outcome = f"timed out after {resource.timeout:g}s" if code is None else f"failed with exit code {code}"
    tail = [f"{match[1]}=[output elided]" if (match := _OUTPUT.fullmatch(line)) else line  # outputs: connection
            for line in log.read_text(encoding="utf-8", errors="replace").splitlines()[-TAIL_LINES:]]  # strings
    quoted = "".join(f"\n    {line}" for line in redact(tail, secrets))
    output = f"last {len(tail)} lines of {log}:{quoted}" if tail else f"its output {log} is empty"
    cleanup = "".join(f"\n  cleaning up: {problem}" for problem in problems)
    return ServiceStartError(
        f"resource {resource.name!r}: create {outcome}: {resource.create}\n  {output}{cleanup}",
        f"run `{resource.create}` by hand from the workspace root with GREENLOOP_SANDBOX_DIR set to an empty folder; "
        f"it must exit 0 and print NAME=VALUE lines; if it is only slow, raise timeout (now {resource.timeout:g} s)",
    )


def _log_path(sandbox_dir: Path, name: str, step: str) -> Path:
    folder = sandbox_dir / LOGS
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.{step}.log"


def _label(env: Mapping[str, str], sandbox_dir: Path, name: str, step: str) -> str:
    return f"{env.get('GREENLOOP_SANDBOX', sandbox_dir.name)}/resource {name} {step}"


def _load(sandbox_dir: Path) -> list[dict[str, Any]]:
    try:
        return list(json.loads((sandbox_dir / RECORD).read_text(encoding="utf-8"))["resources"])
    except FileNotFoundError:
        return []


def _save(sandbox_dir: Path, records: list[dict[str, Any]]) -> None:
    if records:
        write_atomic(sandbox_dir / RECORD, json.dumps({"resources": records}, indent=2) + "\n")
    else:
        (sandbox_dir / RECORD).unlink(missing_ok=True)
