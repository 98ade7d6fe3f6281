"""The one place greenloop calls the Anthropic Messages API: one retry layer, and every failure as a greenloop error.

Retries live here and only here. The SDK retries by itself (twice by default) and LangGraph's RetryPolicy would
too; stacked, the layers multiply into minutes of silent waiting. So the SDK's retries are off and tenacity owns
them, with one policy and one place that tells the user what is happening (`on_retry`).

Failures leave as `UsageError` (exit 2) when the user can fix them before running again (key, permission, model
id), and as `ModelError` (exit 3) when the API failed at run time. No message ever carries the API key.
"""

from __future__ import annotations

import math
import os
import time
from typing import Callable

import anthropic
from tenacity import (RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_before_delay,
                      wait_exponential_jitter)

from greenloop.loop.errors import InfraError, UsageError

KEY_ENV = "ANTHROPIC_API_KEY"
RETRY_STATUSES = frozenset({408, 409, 429})  # and every 5xx: 500, 503, 504, 529 overloaded_error
CONNECT_TIMEOUT = 10.0
RESUME_FIX = "try again later; `greenloop resume <run-id>` continues the run where it stopped"


class ModelError(InfraError):
    """The Anthropic API failed at run time: it stayed unavailable through every retry, or refused a request
    greenloop built (400/413/422) (exit 3)."""


def retryable(e: BaseException) -> bool:
    """Worth another try: rate limits, overload, server errors, lock and request timeouts, no connection."""
    if isinstance(e, anthropic.APIConnectionError):  # includes APITimeoutError
        return True
    return isinstance(e, anthropic.APIStatusError) and (e.status_code in RETRY_STATUSES or e.status_code >= 500)


def retry_after(e: BaseException) -> float | None:
    """The wait in seconds the server asked for (`retry-after-ms`, then `retry-after`), or None.

    Read here rather than left to the SDK, which honours these headers uncapped: `retry-after: 3600` would stall a
    run for an hour. The caller caps the value at max_wait.
    """
    response = getattr(e, "response", None)  # only status errors carry one
    if response is None:
        return None
    for header, per_second in (("retry-after-ms", 1000), ("retry-after", 1)):
        try:
            seconds = float(response.headers.get(header)) / per_second
        except (TypeError, ValueError):
            continue
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
    return None


class MessagesClient:
    """`create(**request)` is `messages.create` with greenloop's retries and errors; `request` is its kwargs."""

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None, retries: int = 4,
                 initial_wait: float = 1.0, max_wait: float = 30.0, timeout: float = 300.0,
                 on_retry: Callable[[str], None] | None = None):
        api_key = api_key or os.environ.get(KEY_ENV) or None
        if not api_key:
            raise UsageError(f"{KEY_ENV} is not set, so greenloop cannot call the Anthropic API",
                             f"export {KEY_ENV}=sk-ant-... (create a key at console.anthropic.com), "
                             "or use another model, e.g. --model scripted:DIR")
        self._key = api_key
        self.retries = retries
        self.max_wait = max_wait
        self.timeout = timeout
        self.on_retry = on_retry
        # Jitter scales with initial_wait: tenacity's default adds up to a whole second to every wait.
        self._backoff = wait_exponential_jitter(multiplier=initial_wait, max=max_wait, jitter=initial_wait)
        connect = min(CONNECT_TIMEOUT, timeout)  # a bare number would also let a connection attempt take `timeout`
        self._sdk = anthropic.Anthropic(api_key=api_key, base_url=base_url, max_retries=0,
                                        timeout=anthropic.Timeout(timeout, connect=connect))

    def create(self, *, seconds: float | None = None, **request) -> anthropic.types.Message:
        """One call, retried as needed; with `seconds`, the call and its retries end within that time (the run's
        wall-time budget), each try's timeout shortened to what is left."""
        deadline = time.monotonic() + (seconds if seconds is not None else float("inf"))
        stop = stop_after_attempt(self.retries + 1)
        if seconds is not None:
            stop = stop | stop_before_delay(seconds)

        def once() -> anthropic.types.Message:
            left = min(self.timeout, max(0.1, deadline - time.monotonic()))
            timeout = anthropic.Timeout(left, connect=min(CONNECT_TIMEOUT, left))
            return self._sdk.with_options(timeout=timeout).messages.create(**request)

        retrying = Retrying(stop=stop, wait=self._wait, retry=retry_if_exception(retryable),
                            before_sleep=self._before_sleep, reraise=True)
        try:
            return retrying(once)
        except anthropic.APIError as e:
            raise self._failure(e, request, tries=retrying.statistics.get("attempt_number", 1)) from e

    def close(self) -> None:
        """Close the SDK's pooled connections (they would otherwise linger until garbage collection)."""
        self._sdk.close()

    def __enter__(self) -> MessagesClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait(self, state: RetryCallState) -> float:
        asked = retry_after(state.outcome.exception())
        return min(asked, self.max_wait) if asked is not None else self._backoff(state)

    def _before_sleep(self, state: RetryCallState) -> None:
        if self.on_retry is not None:
            e, n, wait = state.outcome.exception(), state.attempt_number, state.upcoming_sleep
            self.on_retry(self._clean(f"Anthropic API {self._what(e)}{_request_id(e)}; "
                                      f"retry {n} of {self.retries} in {wait:.1f} s"))

    def _what(self, e: BaseException) -> str:
        """Status and error type, or the connection failure: the part of a message that says what went wrong."""
        if isinstance(e, anthropic.APIStatusError):
            return f"{e.status_code} {e.type or 'error'}"
        if isinstance(e, anthropic.APITimeoutError):
            return f"timeout (no answer within {self.timeout:g} s)"
        if isinstance(e, anthropic.APIConnectionError):
            return f"connection error ({e.__cause__ or e})"  # the cause says why: "[Errno 111] Connection refused"
        return f"{type(e).__name__} ({e})"

    def _failure(self, e: anthropic.APIError, request: dict, tries: int) -> UsageError | ModelError:
        """The greenloop error for an SDK error that ended the call."""
        rid = _request_id(e)
        if retryable(e):
            return ModelError(self._clean(f"the Anthropic API stayed unavailable after {tries} tries: "
                                          f"{self._what(e)}{_detail(e)}{rid}"), RESUME_FIX)
        status = getattr(e, "status_code", None)
        if status == 401:
            return UsageError(self._clean(f"the Anthropic API rejected the key (401 {e.type or 'error'}){rid}"),
                              f"set a valid key: export {KEY_ENV}=sk-ant-... (from console.anthropic.com)")
        if status == 403:
            return UsageError(self._clean(f"the Anthropic API key lacks permission for model {request.get('model')!r} "
                                          f"({self._what(e)}){_detail(e)}{rid}"),
                              "use a key from an organization and workspace with access to the model "
                              "(console.anthropic.com), or another model: --model anthropic:<model-id>")
        if status == 404:
            return UsageError(self._clean(f"the Anthropic API answered {self._what(e)} for model "
                                          f"{request.get('model')!r}, probably an unknown model id{_detail(e)}{rid}"),
                              "name a model the API knows: --model anthropic:<model-id>, e.g. "
                              "--model anthropic:claude-sonnet-5-5 (or check ANTHROPIC_BASE_URL if you set it)")
        return ModelError(self._clean(f"the Anthropic API refused the request: {self._what(e)}{_detail(e)}{rid}"),
                          "the API's message says what it did not accept (e.g. max_tokens, prompt size, tool schema)")

    def _clean(self, text: str) -> str:
        """Belt and braces: whatever an error echoes back (a body, a URL), the key never reaches a message."""
        return text.replace(self._key, "[ANTHROPIC_API_KEY]")


def _detail(e: BaseException) -> str:
    message = getattr(e, "api_message", None)
    return f": {message}" if message else ""


def _request_id(e: BaseException) -> str:
    rid = getattr(e, "request_id", None)
    return f" (request {rid})" if rid else ""
