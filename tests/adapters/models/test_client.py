"""MessagesClient drives the real SDK (over HTTP, through httpx2) against the local Messages API stand-in."""

from __future__ import annotations

import time
from dataclasses import replace

import anthropic
import pytest

from greenloop.adapters.models.client import MessagesClient, ModelError
from greenloop.loop.errors import UsageError
from messages_standin import MessagesStandIn, Reply, closed_port, error, message, text, tool_use

KEY = "sk-ant-test-0123456789abcdef"
REQUEST = {"model": "claude-sonnet-5-5", "max_tokens": 512, "system": "You fix bugs.",
           "tools": [{"name": "run_tests", "description": "Run the tests",
                      "input_schema": {"type": "object", "properties": {}}}],
           "messages": [{"role": "user", "content": "Fix the failing test."}]}


@pytest.fixture
def client():
    """MessagesClient(**options) against `api`, with fast retries; closed after the test (no pooled socket left)."""
    made: list[MessagesClient] = []

    def make(api, **options) -> MessagesClient:
        options = {"api_key": KEY, "base_url": api and api.url, "retries": 4, "initial_wait": 0.01,
                   "max_wait": 2.0} | options
        made.append(MessagesClient(**options))
        return made[-1]

    yield make
    for made_client in made:
        made_client.close()


def test_success_sends_one_request_with_bearer_auth_and_the_body(client):
    with MessagesStandIn([message(text("Let me run them."), tool_use("run_tests", {}, id="toolu_x"))]) as api:
        result = client(api).create(**REQUEST)
    assert isinstance(result, anthropic.types.Message)
    assert result.stop_reason == "tool_use" and result.content[1].id == "toolu_x"
    assert result._request_id and result._request_id.startswith("req_")
    [request] = api.requests
    assert request["path"] == "/v1/messages"
    assert request["headers"]["authorization"] == f"Bearer {KEY}"
    assert "x-api-key" not in request["headers"]
    assert request["headers"].get("x-stainless-retry-count", "0") == "0"
    assert request["body"] == REQUEST
    assert api.invalid == []


def test_overloaded_twice_then_success_retries_in_tenacity_not_the_sdk(client):
    said: list[str] = []
    with MessagesStandIn([error(529, "overloaded_error"), error(529, "overloaded_error"),
                          message(text("Patched."))]) as api:
        result = client(api, on_retry=said.append).create(**REQUEST)
    assert result.content[0].text == "Patched."
    assert len(api.requests) == 3 and api.invalid == []
    # The SDK's own retries are off: each try is a first try as far as it knows.
    assert {r["headers"].get("x-stainless-retry-count", "0") for r in api.requests} == {"0"}
    assert len(said) == 2
    assert said[0].startswith("Anthropic API 529 overloaded_error (request req_") and "retry 1 of 4 in " in said[0]
    assert "retry 2 of 4" in said[1]


def test_rate_limit_honours_retry_after(client):
    said: list[str] = []
    with MessagesStandIn([error(429, "rate_limit_error", headers={"retry-after": "1"}), message(text("ok"))]) as api:
        started = time.monotonic()
        client(api, on_retry=said.append).create(**REQUEST)
        waited = time.monotonic() - started
    assert len(api.requests) == 2
    assert waited >= 0.95
    assert said == [said[0]] and "429 rate_limit_error" in said[0] and "in 1.0 s" in said[0]


def test_retry_after_ms_is_preferred_and_a_long_retry_after_is_capped_at_max_wait(client):
    said: list[str] = []
    script = [error(429, "rate_limit_error", headers={"retry-after": "3600"}),
              error(529, "overloaded_error", headers={"retry-after-ms": "50", "retry-after": "3600"}),
              message(text("ok"))]
    with MessagesStandIn(script) as api:
        started = time.monotonic()
        client(api, max_wait=0.3, on_retry=said.append).create(**REQUEST)
        waited = time.monotonic() - started
    assert len(api.requests) == 3
    assert "in 0.3 s" in said[0] and "in 0.1 s" in said[1]  # 0.05 s, printed to one decimal
    assert 0.3 <= waited < 2


def test_bad_request_fails_at_once_quoting_the_api(client):
    with MessagesStandIn([error(400, "invalid_request_error", "max_tokens: must be at most 128000")]) as api:
        with pytest.raises(ModelError) as caught:
            client(api).create(**REQUEST)
    assert len(api.requests) == 1
    problem = caught.value.problem
    assert "400 invalid_request_error" in problem and "max_tokens: must be at most 128000" in problem
    assert "(request req_" in problem
    assert caught.value.exit_code == 3


@pytest.mark.parametrize("status, type", [(413, "request_too_large"), (422, "invalid_request_error")])
def test_other_refusals_fail_at_once(status, type, client):
    with MessagesStandIn([error(status, type, "no")]) as api:
        with pytest.raises(ModelError, match=f"{status} {type}: no"):
            client(api).create(**REQUEST)
    assert len(api.requests) == 1


def test_rejected_key_is_a_usage_error_that_never_shows_the_key(client):
    with MessagesStandIn([error(401, "authentication_error", f"invalid x-api-key {KEY}")]) as api:
        with pytest.raises(UsageError) as caught:
            client(api).create(**REQUEST)
    assert len(api.requests) == 1
    assert "ANTHROPIC_API_KEY" in str(caught.value) and "401 authentication_error" in str(caught.value)
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)
    assert caught.value.exit_code == 2


def test_permission_denied_is_a_usage_error(client):
    with MessagesStandIn([error(403, "permission_error")]) as api:
        with pytest.raises(UsageError) as caught:
            client(api).create(**REQUEST)
    assert "lacks permission for model 'claude-sonnet-5-5' (403 permission_error)" in caught.value.problem
    assert len(api.requests) == 1


def test_unknown_model_names_the_model_flag(client):
    with MessagesStandIn([error(404, "not_found_error", "model: claude-nope")]) as api:
        with pytest.raises(UsageError) as caught:
            client(api).create(**REQUEST | {"model": "claude-nope"})
    assert len(api.requests) == 1
    assert "'claude-nope'" in caught.value.problem and "--model anthropic:<model-id>" in caught.value.fix


def test_server_errors_forever_give_up_after_retries_plus_one_tries(client):
    said: list[str] = []
    with MessagesStandIn(lambda body, index: error(500, "api_error")) as api:
        with pytest.raises(ModelError) as caught:
            client(api, retries=3, on_retry=said.append).create(**REQUEST)
    assert len(api.requests) == 4 and len(said) == 3
    assert "stayed unavailable after 4 tries: 500 api_error" in caught.value.problem
    assert "greenloop resume <run-id>" in caught.value.fix


def test_connection_refused_gives_up_after_retries(client):
    said: list[str] = []
    with pytest.raises(ModelError) as caught:
        client(None, base_url=f"http://127.0.0.1:{closed_port()}", retries=2, on_retry=said.append).create(**REQUEST)
    assert "after 3 tries: connection error" in caught.value.problem
    assert len(said) == 2 and said[0].startswith("Anthropic API connection error")
    assert KEY not in str(caught.value)


def test_a_timeout_is_retried_like_a_connection_error(client):
    said: list[str] = []
    with MessagesStandIn([replace(message(text("late")), delay=1.0), message(text("on time"))]) as api:
        result = client(api, timeout=0.3, on_retry=said.append).create(**REQUEST)
    assert result.content[0].text == "on time" and len(api.requests) == 2
    assert len(said) == 1 and said[0].startswith("Anthropic API timeout (no answer within 0.3 s); retry 1 of 4")


def test_missing_key_is_a_usage_error(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(UsageError) as caught:
        MessagesClient(base_url="http://127.0.0.1:1")
    assert "ANTHROPIC_API_KEY is not set" in caught.value.problem
    assert "export ANTHROPIC_API_KEY=" in caught.value.fix and "--model scripted:DIR" in caught.value.fix


def test_key_from_the_environment(monkeypatch, client):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env")
    with MessagesStandIn([message(text("hi"))]) as api:
        client(api, api_key=None).create(**REQUEST)
    assert api.requests[0]["headers"]["authorization"] == "Bearer sk-ant-from-env"


def test_standin_replies_are_valid_messages_and_bad_ones_are_caught(request):
    reply = message(text("a"), tool_use("bash", {"command": "ls"}))
    parsed = anthropic.types.Message.model_validate(reply.body)
    assert parsed.stop_reason == "tool_use" and parsed.usage.cache_read_input_tokens is not None
    assert tool_use("bash", {})["id"] != tool_use("bash", {})["id"]
    with pytest.raises(ValueError):
        message({"type": "nope"})
    with pytest.raises(ValueError):
        error(529, "overloded_error")

    broken = Reply(200, {"type": "message", "content": "not a list"})
    with MessagesStandIn([lambda body: message(text(body["model"])), broken]) as api:
        sdk = anthropic.Anthropic(api_key=KEY, base_url=api.url, max_retries=0)
        request.addfinalizer(sdk.close)
        assert sdk.messages.create(**REQUEST).content[0].text == "claude-sonnet-5-5"
        assert api.invalid == []
        with pytest.raises(anthropic.InternalServerError):
            sdk.messages.create(**REQUEST)
        assert len(api.invalid) == 1 and "not a valid Message" in api.invalid[0]
        with pytest.raises(anthropic.InternalServerError):
            sdk.messages.create(**REQUEST)
        assert "script exhausted" in api.invalid[1]
    assert api.served == 2 and len(api.requests) == 3
