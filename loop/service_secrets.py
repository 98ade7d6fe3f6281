"""The secrets a config hands to services (`[[services]] env` values named like `*PASSWORD*`, `*TOKEN*`, …) stay
out of the run folder, yet a resumed run must start its services with them.

run.json keeps the config with those values masked. A resume reads them again from the config committed at the
run's base commit, which cannot have changed since. That commit is only the right source if it holds the values the
run used — the config is read from the working tree, where it may have uncommitted edits or not be committed at
all — so the run checks this when it starts and run.json records the answer (`secrets_at_base`); a resume that
cannot get the very values back stops with the reason, rather than start a service with a wrong one.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from greenloop.loop.config import CONFIG_FILE, Config
from greenloop.loop.errors import UsageError
from greenloop.loop.redact import MASK, SECRET_NAME

Env = dict[str, dict[str, str]]
"""Service name → {variable: value}."""


def masked(config: dict[str, Any]) -> dict[str, Any]:
    """A config dump (`Config.model_dump(mode="json")`) with every secret-named service env value masked."""
    services = [{**service, "env": {name: MASK if SECRET_NAME.search(name) else value
                                    for name, value in service.get("env", {}).items()}}
                for service in config.get("services", [])]
    return {**config, "services": services}


def at_base(config: dict[str, Any], repo: Path, commit: str) -> bool:
    """Whether the config committed at `commit` gives back every value `masked` hides in `config`, exactly."""
    hidden = _secret_env(config)
    if not hidden:
        return True
    committed = committed_env(repo, commit) or {}
    return all(committed.get(service, {}).get(name) == value
               for service, env in hidden.items() for name, value in env.items())


def restored(meta: dict[str, Any]) -> dict[str, Any]:
    """run.json's config with its masked values read back from the base commit's config, when run.json says that
    commit holds them; any other stays masked, for `require` to refuse before a service would get it. (A run that
    already ended needs none of them to give back its result.) A run.json written before values were masked has
    none, and comes back as it is."""
    config = meta["config"]
    if not _masked_names(config) or not meta.get("secrets_at_base"):
        return config
    committed = committed_env(Path(meta["repo"]), meta["base_commit"]) or {}
    services = [{**service, "env": {name: committed.get(service["name"], {}).get(name, value) if _hidden(name, value)
                                    else value for name, value in service.get("env", {}).items()}}
                for service in config.get("services", [])]
    return {**config, "services": services}


def require(config: Config, run_dir: Path) -> None:
    """A UsageError, before any service starts, when a secret `restored` could not read back is still masked."""
    missing = _masked_names(config.model_dump(mode="json"))
    if not missing:
        return
    meta = json.loads((run_dir / "run.json").read_text())
    why = (f"the base commit {meta['base_commit'][:12]} no longer gives them back" if meta.get("secrets_at_base")
           else "the config it started with was not the one committed at its base commit (greenloop.toml had "
                "uncommitted edits, or was not committed)")
    raise UsageError(f"run {run_dir.name} cannot restart its services: their secrets ({', '.join(missing)}) are kept "
                     f"out of run.json, and {why}",
                     "start a new run with greenloop run (commit greenloop.toml first, so that a later resume can "
                     "read them back)")


def committed_env(repo: Path, commit: str) -> Env | None:
    """Each service's env in the config at `commit` (greenloop.toml, else `[tool.greenloop]` in pyproject.toml,
    as `load_config` picks them); None when the commit holds no readable config."""
    from git import GitCommandError, Repo

    git = Repo(repo).git
    for path, table in ((CONFIG_FILE, lambda raw: raw),
                        ("pyproject.toml", lambda raw: raw.get("tool", {}).get("greenloop"))):
        try:
            raw = table(tomllib.loads(git.show(f"{commit}:{path}")))
        except GitCommandError:
            continue
        except tomllib.TOMLDecodeError:
            return None
        if isinstance(raw, dict):
            return {service["name"]: dict(service.get("env", {})) for service in raw.get("services", [])
                    if isinstance(service, dict) and isinstance(service.get("name"), str)}
    return None


def _hidden(name: str, value: str) -> bool:
    return value == MASK and bool(SECRET_NAME.search(name))


def _masked_names(config: dict[str, Any]) -> list[str]:
    return [f"{service['name']}.env.{name}" for service in config.get("services", [])
            for name, value in service.get("env", {}).items() if _hidden(name, value)]


def _secret_env(config: dict[str, Any]) -> Env:
    return {service["name"]: hidden for service in config.get("services", [])
            if (hidden := {name: value for name, value in service.get("env", {}).items()
                           if SECRET_NAME.search(name)})}
