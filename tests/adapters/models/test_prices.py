"""The packaged price table loads, costs come out as the Pricing page bills them, and the worst case bounds them."""

from __future__ import annotations

import itertools

import pytest
from pydantic import ValidationError

from greenloop.adapters.models.prices import Price, cost, estimate_tokens, load_prices, price_for, worst_case

REQUIRED = ["claude-fable-5-2", "claude-fable-5-1", "claude-opus-5-5", "claude-opus-5", "claude-sonnet-5-5",
            "claude-sonnet-5", "claude-haiku-5-5", "claude-haiku-4-5"]


def test_every_required_model_is_priced():
    assert set(REQUIRED) <= set(load_prices())


@pytest.mark.parametrize("model", sorted(load_prices()))
def test_prices_are_sane(model):
    bands = [load_prices()[model]]
    if bands[0].long_context is not None:
        bands.append(bands[0].long_context)
        assert all(getattr(bands[1], field) >= getattr(bands[0], field) for field in
                   ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read"))
    for band in bands:
        assert 0 < band.cache_read < band.input <= band.cache_write_5m <= band.cache_write_1h
        assert band.input < band.output <= 100


def test_haiku_5_5_has_two_bands_split_at_100k():
    haiku = load_prices()["claude-haiku-5-5"]
    assert haiku.long_context_above == 100_000
    assert (haiku.input, haiku.long_context.input) == (0.10, 0.50)


def test_load_prices_hands_out_a_copy():
    load_prices()["made-up"] = load_prices()["claude-opus-5"]
    assert "made-up" not in load_prices()


SONNET_5_5 = Price(input=2, output=10, cache_write_5m=2.5, cache_write_1h=4, cache_read=0.1)


def test_sonnet_5_5_in_the_table_matches_the_notes():
    assert load_prices()["claude-sonnet-5-5"] == SONNET_5_5


def test_cost_with_5m_and_1h_cache_writes_and_reads():
    usage = {"input_tokens": 1000, "output_tokens": 500, "cache_creation_input_tokens": 3000,
             "cache_read_input_tokens": 10_000,
             "cache_creation": {"ephemeral_5m_input_tokens": 2000, "ephemeral_1h_input_tokens": 1000}}
    # 1000 x $2 + 2000 x $2.50 + 1000 x $4 + 10000 x $0.10 + 500 x $10 = $17000 per million tokens
    assert cost(SONNET_5_5, usage) == pytest.approx(0.017)


def test_without_the_breakdown_every_cache_write_is_5m():
    usage = {"input_tokens": 1000, "output_tokens": 500, "cache_creation_input_tokens": 3000,
             "cache_read_input_tokens": 10_000}
    # 1000 x $2 + 3000 x $2.50 + 10000 x $0.10 + 500 x $10 = $15500 per million tokens
    assert cost(SONNET_5_5, usage) == pytest.approx(0.0155)


def test_null_counts_are_zero():
    """The SDK's Usage dumps absent fields as None."""
    usage = {"input_tokens": 1000, "output_tokens": 0, "cache_creation_input_tokens": None,
             "cache_read_input_tokens": None, "cache_creation": None}
    assert cost(SONNET_5_5, usage) == pytest.approx(0.002)


def test_haiku_5_5_bills_the_whole_request_at_the_band_its_prompt_falls_into():
    haiku = price_for("claude-haiku-5-5")
    at_threshold = {"input_tokens": 100_000, "output_tokens": 1000}
    # 100000 x $0.10 + 1000 x $0.50
    assert cost(haiku, at_threshold) == pytest.approx(0.0105)
    read_pushes_it_over = {"input_tokens": 60_000, "cache_read_input_tokens": 40_001, "output_tokens": 1000}
    # 60000 x $0.50 + 40001 x $0.05 + 1000 x $2.50 = $34500.05 per million tokens
    assert cost(haiku, read_pushes_it_over) == pytest.approx(0.03450005)
    write_pushes_it_over = {"input_tokens": 1, "cache_creation_input_tokens": 100_000, "output_tokens": 0}
    # 1 x $0.50 + 100000 x $0.625
    assert cost(haiku, write_pushes_it_over) == pytest.approx(0.0625005)


def test_a_dated_id_is_priced_like_its_alias():
    assert price_for("claude-sonnet-5-5-20260901") == SONNET_5_5
    assert price_for("claude-haiku-4-5-20251001") == load_prices()["claude-haiku-4-5"]


@pytest.mark.parametrize("model", ["claude-unknown-9", "claude-sonnet-5-5-2026", "claude-sonnet-5-5-latest",
                                   "claude-sonnet", "claude-unknown-20260101", ""])
def test_an_unknown_id_has_no_price(model):
    assert price_for(model) is None


def test_an_override_wins_for_the_id_and_its_dated_snapshots():
    cheaper = Price(input=1, output=5, cache_write_5m=1.25, cache_write_1h=2, cache_read=0.1)
    overrides = {"claude-sonnet-5-5": cheaper, "in-house-model": cheaper}
    assert price_for("claude-sonnet-5-5", overrides) == cheaper
    assert price_for("claude-sonnet-5-5-20260901", overrides) == cheaper
    assert price_for("in-house-model", overrides) == cheaper
    assert price_for("claude-opus-5-5", overrides) == load_prices()["claude-opus-5-5"]


def test_worst_case_prices_every_prompt_token_at_the_dearest_rate_of_its_band():
    haiku = price_for("claude-haiku-5-5")
    # 1000 x $0.20 (1h write) + 100 x $0.50
    assert worst_case(haiku, 1000, 100) == pytest.approx(0.00025)
    # 200000 x $1.00 (1h write, long band) + 1000 x $2.50
    assert worst_case(haiku, 200_000, 1000) == pytest.approx(0.2025)


@pytest.mark.parametrize("model", sorted(load_prices()))
def test_worst_case_bounds_the_cost_of_any_split_of_the_prompt(model):
    price = load_prices()[model]
    for prompt in (1, 999, 100_000, 100_001, 400_000):
        shares = [0, 1, prompt // 3, prompt // 2, prompt]
        for uncached, write_5m, write_1h in itertools.product(shares, repeat=3):
            if uncached + write_5m + write_1h > prompt:
                continue
            usage = {"input_tokens": uncached, "output_tokens": 4096,
                     "cache_creation_input_tokens": write_5m + write_1h,
                     "cache_read_input_tokens": prompt - uncached - write_5m - write_1h,
                     "cache_creation": {"ephemeral_5m_input_tokens": write_5m, "ephemeral_1h_input_tokens": write_1h}}
            assert worst_case(price, prompt, 4096) >= cost(price, usage)
        all_1h = {"input_tokens": 0, "output_tokens": 4096, "cache_creation_input_tokens": prompt,
                  "cache_creation": {"ephemeral_1h_input_tokens": prompt}}
        assert worst_case(price, prompt, 4096) == pytest.approx(cost(price, all_1h))


def test_estimate_tokens_counts_a_token_per_three_bytes_plus_a_margin():
    assert estimate_tokens("") == 16
    assert estimate_tokens("abc") == 17
    assert estimate_tokens("abcd") == 18
    assert estimate_tokens("é") == 17


def test_estimate_tokens_errs_high_for_ordinary_text():
    payload = '{"messages": [{"role": "user", "content": "Fix the failing test in shop/pricing/app.py, please."}]}'
    assert estimate_tokens(payload) > len(payload) / 3.5


@pytest.mark.parametrize("fields", [
    {"long_context_above": 100_000},
    {"long_context": {"input": 1, "output": 1, "cache_write_5m": 1, "cache_write_1h": 1, "cache_read": 1}},
    {"input": -1},
    {"batch_input": 1},
])
def test_a_malformed_price_is_refused(fields):
    with pytest.raises(ValidationError):
        Price.model_validate({**SONNET_5_5.model_dump(exclude_none=True), **fields})
