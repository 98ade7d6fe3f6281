"""Backends resolved by name, imported only when a run needs them (keeps `greenloop --help` fast)."""

from __future__ import annotations

from pathlib import Path

from greenloop.adapters.protocols import Model
from greenloop.loop.errors import UsageError

MODEL_KINDS = {"scripted": "replays DIR's *.diff/*.patch files in name order: scripted:DIR"}


def load_model(spec: str, base: Path) -> Model:
    """A model from `KIND:ARGUMENT`; relative paths resolve against `base` (the current directory)."""
    kind, _, argument = spec.partition(":")
    if kind == "scripted" and argument:
        from greenloop.adapters.models.scripted import ScriptedModel

        return ScriptedModel((base / argument).resolve())
    known = "; ".join(f"{k} ({d})" for k, d in MODEL_KINDS.items())
    raise UsageError(f"unknown model {spec!r}", f"use one of: {known}")
