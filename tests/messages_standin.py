"""A local stand-in for the Anthropic Messages API (`POST /v1/messages`, non-streaming JSON), for tests and benches.

The real SDK talks to it over HTTP through `base_url`, so its transport, headers, error classes and our retries are
exercised end to end: httpx-level mocks never see the SDK's traffic (it uses httpx2). Every successful reply is checked
against `anthropic.types.Message` when it is built and again when it is served, because the SDK itself does not
validate responses: a malformed stub reply would otherwise reach the code under test as a half-built model.

    with MessagesStandIn([error(529, "overloaded_error"), message(text("Patched."))]) as api:
        client = MessagesClient(api_key="test", base_url=api.url)
        ...
        assert api.invalid == []
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, get_args

from anthropic.types import ErrorType, Message

_ids = itertools.count(1)
_ids_lock = threading.Lock()


def _next_id(prefix: str) -> str:
    """Ids unique per process, so two stand-ins in one test never hand out the same tool_use id."""
    with _ids_lock:
        return f"{prefix}_{next(_ids):04d}"


@dataclass
class Reply:
    """One scripted answer. `delay` (seconds) holds the answer back, e.g. to make the client time out."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def text(t: str) -> dict:
    return {"type": "text", "text": t}


def tool_use(name: str, input: dict, id: str | None = None) -> dict:
    return {"type": "tool_use", "id": id or _next_id("toolu"), "name": name, "input": input}


def message(*content: dict, stop_reason: str | None = None, usage: dict | None = None,
            model: str = "claude-sonnet-5-5") -> Reply:
    """A 200 reply; raises pydantic's ValidationError at once if the body is not a valid `Message`."""
    if stop_reason is None:
        stop_reason = "tool_use" if any(block.get("type") == "tool_use" for block in content) else "end_turn"
    if usage is None:
        usage = {"input_tokens": 1200, "output_tokens": 40, "cache_creation_input_tokens": 0,
                 "cache_read_input_tokens": 1000}
    body = {"id": _next_id("msg"), "type": "message", "role": "assistant", "model": model, "content": list(content),
            "stop_reason": stop_reason, "stop_sequence": None, "usage": usage}
    Message.model_validate(body)
    return Reply(200, body, {"request-id": _next_id("req")})


ERROR_TYPES = frozenset(get_args(ErrorType)) | {"request_too_large"}
DEFAULT_ERROR_MESSAGES = {
    "invalid_request_error": "Invalid request",
    "authentication_error": "invalid x-api-key",
    "permission_error": "Your API key does not have permission to use the specified resource.",
    "not_found_error": "Not found",
    "rate_limit_error": "Rate limited",
    "api_error": "Internal server error",
    "overloaded_error": "Overloaded",
}


def error(status: int, type: str, message: str | None = None, headers: dict | None = None) -> Reply:
    """An error reply shaped like the API's, with a request-id header (the SDK exposes it as `err.request_id`).

    `type` must be one the API sends (the SDK's `ErrorType`, plus `request_too_large`, which the API documents for
    413 but the SDK does not list), which catches a misspelt type; build a `Reply` by hand to serve anything else.
    """
    if type not in ERROR_TYPES:
        raise ValueError(f"unknown Anthropic error type {type!r}; known: {', '.join(sorted(ERROR_TYPES))}")
    request_id = _next_id("req")
    body = {"type": "error", "error": {"type": type, "message": message or DEFAULT_ERROR_MESSAGES.get(type, type)},
            "request_id": request_id}
    return Reply(status, body, {"request-id": request_id, **(headers or {})})


def closed_port() -> int:
    """A port nothing listens on (bound once, then released), for connection-refused tests."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


Script = list["Reply | Callable[[dict], Reply]"] | Callable[[dict, int], Reply]


class MessagesStandIn:
    """A ThreadingHTTPServer on 127.0.0.1 (a free port) answering from `script` in order.

    `script` is a list whose items are `Reply`s or callables `(request_body) -> Reply`, or one callable
    `(request_body, index) -> Reply` for open-ended conversations. Anything the server could not answer as scripted
    (an exhausted script, an invalid reply, a callable that raised) is answered with a 500 api_error, a wrong path
    with a 404 and a body that is not a JSON object with a 400; each is recorded in `invalid`, so a test fails
    loudly by asserting `invalid == []` rather than through a confusing retry.
    """

    def __init__(self, script: Script):
        self.script = script
        self.requests: list[dict] = []
        self.invalid: list[str] = []
        self.served = 0  # replies taken from the script
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def __enter__(self) -> MessagesStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the real API: retries reuse the SDK's pooled connection
            disable_nagle_algorithm = True  # else its separate header and body writes stall 40 ms on delayed ACKs

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                standin._answer(self, raw)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.handle_error = lambda request, address: None  # a client that timed out closes mid-reply
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll keeps shutdown() quick: the default 0.5 s would be paid by every test.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="messages-standin", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)

    def _next_reply(self, path: str, body: Any) -> Reply:
        """Pick (and check) the reply for one request; called under the lock, so replies keep their order."""
        if path != "/v1/messages":
            return self._fail(f"request {len(self.requests)}: unexpected path {path}", status=404,
                              type="not_found_error")
        if not isinstance(body, dict):
            return self._fail(f"request {len(self.requests)}: body is not a JSON object: {body!r:.200}", status=400,
                              type="invalid_request_error")
        index = len(self.requests) - 1
        try:
            if callable(self.script):
                reply = self.script(body, index)
            elif self.served < len(self.script):
                item = self.script[self.served]
                reply = item(body) if callable(item) else item
            else:
                return self._fail(f"request {index}: script exhausted after {self.served} replies")
        except Exception as e:  # a scripted callable failed: report it rather than hang the client in retries
            return self._fail(f"request {index}: script raised {type(e).__name__}: {e}")
        self.served += 1
        if not isinstance(reply, Reply):
            return self._fail(f"request {index}: script gave {type(reply).__name__}, not a Reply")
        if reply.status == 200:
            try:
                Message.model_validate(reply.body)
            except Exception as e:
                return self._fail(f"request {index}: reply is not a valid Message: {e}")
        return reply

    def _fail(self, problem: str, status: int = 500, type: str = "api_error") -> Reply:
        self.invalid.append(problem)
        return Reply(status, {"type": "error", "error": {"type": type, "message": f"stand-in: {problem}"}},
                     {"request-id": _next_id("req")})

    def _answer(self, handler: BaseHTTPRequestHandler, raw: bytes) -> None:
        try:
            body: Any = json.loads(raw or b"null")
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with self._lock:
            self.requests.append({"path": handler.path, "headers": {k.lower(): v for k, v in handler.headers.items()},
                                  "body": body})
            reply = self._next_reply(handler.path, body)
        if reply.delay:
            threading.Event().wait(reply.delay)
        payload = json.dumps(reply.body).encode()
        handler.send_response(reply.status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(payload)))
        for name, value in reply.headers.items():
            handler.send_header(name, str(value))
        handler.end_headers()
        handler.wfile.write(payload)
