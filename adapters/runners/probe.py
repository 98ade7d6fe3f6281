"""What a pytest session loaded on its own — its config file, its plugins, the distributions that registered them —
written by a tiny plugin greenloop adds to every run, so the judged run can be held to what the base run loaded.

A proposal can make pytest load code greenloop never looked at without touching a test: a new `pytest.toml` whose
`addopts` names a plugin, a `pytest11` entry point that a `[setup]` install registers, a new requirement that is a
pytest plugin. The static guard (`graph/guard.py`) refuses the files that do this; this probe catches whatever
reaches the session anyway, whichever way it came, by comparing the judged run with the base run
(`graph/verdict.py: unexpected_loads`).

The plugin is written next to the reports and imported by the test command's Python, which may not have greenloop
installed: standard library and pytest only, and syntax old Pythons still parse. Each session appends one JSON line
(a test command may run pytest more than once); `read_loaded` merges them.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

PROBE_ENV = "GREENLOOP_PROBE"
PROBE_PLUGIN = "greenloop_probe"
OURS = ("greenloop_probe", "greenloop_select")
"""Our own plugins: never counted as loaded by the project."""

PROBE_SOURCE = f'''"""Written by greenloop: record what this pytest session loaded (config file, plugins, their distributions)
in the file ${PROBE_ENV} names, so greenloop can compare a judged run with the base run."""

import hashlib
import json
import os
import site
import sys
import types


def _where(path, root):
    path = os.path.realpath(str(path))
    root = os.path.realpath(str(root))
    return os.path.relpath(path, root) if path == root or path.startswith(root + os.sep) else path


def _module_of(plugin):
    if isinstance(plugin, types.ModuleType):
        return getattr(plugin, "__file__", None) or plugin.__name__
    return type(plugin).__module__


def _fingerprint(path, root):
    with open(path, "rb") as file:
        data = file.read().replace(os.path.realpath(str(root)).encode(), b"<workspace>")
    return _where(path, root) + "#" + hashlib.sha256(data).hexdigest()[:16]


def _startup(root):
    """What Python ran before pytest: the .pth files of every site folder, and sitecustomize/usercustomize."""
    folders = list(getattr(site, "getsitepackages", lambda: [])())
    if site.ENABLE_USER_SITE:
        folders.append(site.getusersitepackages())
    found = set()
    for folder in folders:
        if os.path.isdir(folder):
            found.update(_fingerprint(os.path.join(folder, name), root)
                         for name in os.listdir(folder) if name.endswith(".pth"))
    for name in ("sitecustomize", "usercustomize"):
        path = getattr(sys.modules.get(name), "__file__", None)
        if path and os.path.isfile(path):
            found.add(_fingerprint(path, root))
    return sorted(found)


def pytest_sessionfinish(session):
    out = os.environ.get("{PROBE_ENV}")
    if not out:
        return
    config = session.config
    root = config.invocation_params.dir
    plugins = set()
    for name, plugin in config.pluginmanager.list_name_plugin():
        if plugin is None:
            continue
        where = _module_of(plugin)
        if where.endswith((".py", ".pyc")):
            where = _where(where, root)
        plugins.add(where)
    dists = set()
    for _, dist in config.pluginmanager.list_plugin_distinfo():
        meta = getattr(dist, "metadata", None)
        name = meta["name"] if meta is not None and "name" in meta else getattr(dist, "project_name", "?")
        dists.add(str(name) + "==" + str(getattr(dist, "version", "?")))
    inifile = getattr(config, "inipath", None) or getattr(config, "inifile", None)
    record = {{"inifile": _where(inifile, root) if inifile else None, "rootdir": _where(config.rootpath, root),
              "plugins": sorted(plugins), "dists": sorted(dists), "startup": _startup(root)}}
    with open(out, "a", encoding="utf-8") as file:
        file.write(json.dumps(record) + "\\n")
'''


def fresh_plugin_dir(report_dir: Path, label: str) -> Path:
    """A folder of its own for the plugins greenloop adds to one test run, made anew for each: nothing an earlier
    run's code left there (a planted `__pycache__`, a replaced module) can stand in for them."""
    folder = report_dir / f"_plugins-{label}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def probe_env(environment: dict[str, str], plugin_dir: Path, report_dir: Path, label: str) -> dict[str, str]:
    """Variables that make pytest load the probe (written into `plugin_dir`) and say where it writes; existing
    values are extended."""
    (plugin_dir / f"{PROBE_PLUGIN}.py").write_text(PROBE_SOURCE, encoding="utf-8")
    out = report_dir / f"loaded-{label}.jsonl"
    out.unlink(missing_ok=True)  # a stale file from an earlier run with this label must not be read
    entries = (environment.get("PYTHONPATH") or "").split(os.pathsep)
    python_path = os.pathsep.join(filter(None, [str(plugin_dir)] + [e for e in entries if e != str(plugin_dir)]))
    addopts = f"{environment.get('PYTEST_ADDOPTS', '')} -p {PROBE_PLUGIN}".strip()
    return {"PYTHONPATH": python_path, "PYTEST_ADDOPTS": addopts, PROBE_ENV: str(out)}


def read_loaded(report_dir: Path, label: str) -> dict[str, Any] | None:
    """What the run's pytest sessions loaded, merged: config files, rootdirs, plugins (module files relative to
    the workspace, or module names), plugin distributions; None when no session reported (pytest did not run, or
    ended before its session finished)."""
    path = report_dir / f"loaded-{label}.jsonl"
    if not path.is_file():
        return None
    merged: dict[str, set[str]] = {"inifiles": set(), "rootdirs": set(), "plugins": set(), "dists": set(),
                                   "startup": set()}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        merged["inifiles"].add(record.get("inifile") or "(none)")
        merged["rootdirs"].add(str(record.get("rootdir")))
        merged["plugins"].update(p for p in record.get("plugins", []) if not _ours(p))
        merged["dists"].update(record.get("dists", []))
        merged["startup"].update(record.get("startup", []))
    return {key: sorted(values) for key, values in merged.items()}


def _ours(plugin: str) -> bool:
    name = Path(plugin).stem if plugin.endswith((".py", ".pyc")) else plugin
    return name in OURS
