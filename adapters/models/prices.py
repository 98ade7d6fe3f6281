"""What model calls cost, from the packaged price table (prices.toml), so budgets can be checked in dollars.

Prices live in data because they change more often than the code that uses them, and a config can override any
of them without a release.
"""

from __future__ import annotations

import math
import re
import tomllib
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, NonNegativeFloat, PositiveInt, model_validator

PER_PRICE_UNIT = 1_000_000
"""Prices are quoted per million tokens."""

DATED_ID = re.compile(r"(?P<base>.+)-\d{8}")
"""A pinned snapshot such as `claude-sonnet-5-5-20260901`, priced like its alias `claude-sonnet-5-5`."""


class Price(BaseModel):
    """One model's prices in USD per million tokens.

    A model with two bands (priced by prompt size) has `long_context_above` and the higher band in `long_context`;
    a request whose prompt exceeds the threshold is billed wholly at the higher band.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: NonNegativeFloat
    output: NonNegativeFloat
    cache_write_5m: NonNegativeFloat
    cache_write_1h: NonNegativeFloat
    cache_read: NonNegativeFloat
    long_context_above: PositiveInt | None = None
    long_context: Price | None = None

    @model_validator(mode="after")
    def _bands_are_whole(self) -> Price:
        """A threshold without the band above it (or the reverse) would silently bill every request at one band."""
        if (self.long_context_above is None) != (self.long_context is None):
            raise ValueError("long_context_above and long_context go together: give both or neither")
        if self.long_context is not None and self.long_context.long_context is not None:
            raise ValueError("the long_context band cannot have bands of its own")
        return self

    def band(self, prompt_tokens: int) -> Price:
        """The prices a request with this many prompt tokens (input + cache writes + cache reads) is billed at."""
        if self.long_context is not None and self.long_context_above is not None:
            if prompt_tokens > self.long_context_above:
                return self.long_context
        return self


@cache
def _packaged() -> dict[str, Price]:
    text = resources.files("greenloop.adapters.models").joinpath("prices.toml").read_text(encoding="utf-8")
    return {model: Price.model_validate(fields) for model, fields in tomllib.loads(text).items()}


def load_prices() -> dict[str, Price]:
    """The packaged table by model id, read once. Each caller gets its own dict: adding to it changes no other."""
    return dict(_packaged())


def price_for(model_id: str, overrides: dict[str, Price] | None = None) -> Price | None:
    """The model's prices, or None when neither the overrides (from config, which win) nor the table know it.

    A dated id (`<known id>-YYYYMMDD`) falls back to its undated alias, since snapshots are priced like the alias.
    """
    table = {**load_prices(), **(overrides or {})}
    if model_id in table:
        return table[model_id]
    dated = DATED_ID.fullmatch(model_id)
    return table.get(dated["base"]) if dated else None


def cost(price: Price, usage: dict) -> float:
    """The USD cost of one call from the usage the Messages API returned.

    `input_tokens` counts only uncached input. `cache_creation_input_tokens` counts every cache write; the
    `cache_creation` breakdown, when present, says how many were 1h writes, and the rest are billed as 5m writes
    (the default TTL, and all there is when the breakdown is missing). Missing or null counts are zero.
    """
    def count(source: dict, key: str) -> int:
        return source.get(key) or 0

    breakdown = usage.get("cache_creation") or {}
    write_1h = count(breakdown, "ephemeral_1h_input_tokens")
    written = count(usage, "cache_creation_input_tokens")
    write_5m = max(count(breakdown, "ephemeral_5m_input_tokens"), written - write_1h)
    uncached, read = count(usage, "input_tokens"), count(usage, "cache_read_input_tokens")
    band = price.band(uncached + write_5m + write_1h + read)
    return (uncached * band.input + write_5m * band.cache_write_5m + write_1h * band.cache_write_1h
            + read * band.cache_read + count(usage, "output_tokens") * band.output) / PER_PRICE_UNIT


def worst_case(price: Price, prompt_tokens: int, max_output_tokens: int) -> float:
    """The most a call can cost, to check a budget before sending it: whatever the cache does with the prompt, no
    prompt token costs more than the dearest prompt rate of the band that prompt size falls into, and the model writes
    at most `max_output_tokens`."""
    band = price.band(prompt_tokens)
    dearest = max(band.input, band.cache_write_5m, band.cache_write_1h, band.cache_read)
    return (prompt_tokens * dearest + max_output_tokens * band.output) / PER_PRICE_UNIT


def estimate_tokens(payload: str) -> int:
    """An estimate, meant to err high, of the tokens in a request's JSON text, for `worst_case` before the call.

    Claude tokens average about 3.5-4 characters of English or code, so counting one token per 3 UTF-8 bytes
    overshoots ordinary text, and non-ASCII text (several bytes a character) is counted more heavily still. JSON
    syntax and escaping are counted as if they were tokens too, and the constant covers the few tokens the API adds
    around a request. A budget check that errs high stops early rather than overspending.
    """
    return math.ceil(len(payload.encode()) / 3) + 16
