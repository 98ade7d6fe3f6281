"""Backends resolved by name, imported only when a run needs them (keeps `greenloop --help` fast)."""

from __future__ import annotations

import sys
from pathlib import Path

from greenloop.adapters.protocols import Model
from greenloop.loop.config import Config
from greenloop.loop.errors import UsageError

MODEL_KINDS = {
    "offline": "search-based program repair, no key and no network (the default): offline",
    "anthropic": "Claude with tools through the Messages API (needs ANTHROPIC_API_KEY): anthropic:claude-sonnet-5-5",
    "replay": "answers from a run recorded with --record DIR, with no key and no network: replay:DIR",
    "scripted": "replays DIR's *.diff/*.patch files in name order: scripted:DIR",
}


def load_model(spec: str, base: Path, config: Config | None = None, run_dir: Path | None = None,
               record: Path | None = None) -> Model:
    """A model from `KIND:ARGUMENT`; relative paths resolve against `base` (the current directory). A Claude model
    journals its calls in `run_dir/model` (the run folder; before a run exists, only its name is used)."""
    kind, _, argument = spec.partition(":")
    if kind == "offline" and not argument:
        from greenloop.adapters.models.offline import OfflineModel

        return OfflineModel((config or Config()).model.screenings)
    if kind == "scripted" and argument:
        from greenloop.adapters.models.scripted import ScriptedModel

        return ScriptedModel((base / argument).resolve())
    if kind in ("anthropic", "replay") and argument:
        return _claude(kind, argument, base, config or Config(), run_dir, record)
    known = "; ".join(f"{k} ({d})" for k, d in MODEL_KINDS.items())
    raise UsageError(f"unknown model {spec!r}", f"use one of: {known}")


def _claude(kind: str, argument: str, base: Path, config: Config, run_dir: Path | None, record: Path | None) -> Model:
    from greenloop.adapters.models.claude import ClaudeModel
    from greenloop.adapters.models.exchanges import Exchanges, recorded_model
    from greenloop.adapters.models.prices import cost, price_for
    from greenloop.loop.redact import secret_values  # with the config's own secrets: the run registered them

    settings = config.model
    journal = (run_dir or base) / "model"
    if kind == "replay":
        folder = (base / argument).resolve()
        model_id = recorded_model(folder)
        exchanges = Exchanges(journal, None, model_id, record=record, replay=folder)
        return ClaudeModel(f"replay:{folder}", model_id, exchanges, price_for(model_id, settings.prices),
                           secret_values(), settings.max_rounds, settings.max_output_tokens)
    from greenloop.adapters.models.client import MessagesClient

    model_id = argument
    price = price_for(model_id, settings.prices)
    if price is None and config.budget.max_dollars is not None:
        raise UsageError(f"no known price for model {model_id!r}, and a dollar cap is set ([budget] max_dollars)",
                         f"give its prices in greenloop.toml: [model.prices.{model_id}] input = …, output = …, "
                         "cache_write_5m = …, cache_write_1h = …, cache_read = … (USD per million tokens); or drop "
                         "max_dollars")
    client = MessagesClient(base_url=settings.base_url, retries=settings.retries,
                            initial_wait=settings.retry_initial_wait, max_wait=settings.retry_max_wait,
                            timeout=settings.call_timeout, on_retry=_say)

    def send(request: dict, seconds: float) -> tuple[dict, float]:
        reply = client.create(seconds=seconds, **request).model_dump(mode="json", exclude_none=True)
        return reply, cost(price, reply.get("usage") or {}) if price is not None else 0.0

    exchanges = Exchanges(journal, send, model_id, record=record.resolve() if record else None)
    return ClaudeModel(f"anthropic:{model_id}", model_id, exchanges, price, secret_values(),
                       settings.max_rounds, settings.max_output_tokens)


def _say(line: str) -> None:
    """A retry is progress the user should see, in the shape of the CLI's progress lines."""
    print(f"  {'model':<9} {0:7.2f}s  {line}", file=sys.stderr, flush=True)
