"""Where a model's calls go: the run's journal first, then the API; each answer is journaled before it is used.

An exchange (the request as sent, the reply, what it cost) lands in `<run>/model/step-NNNN/call-NNN.json` the
moment the reply arrives. A run killed mid-step and resumed asks for the same (step, call) again and gets the
journaled reply: the call is charged to the budget again (it was paid once) but not paid twice. The same files
copied to `--record DIR` are what `--model replay:DIR` answers from, with no key and no network.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from greenloop.loop.errors import UsageError
from greenloop.loop.files import write_atomic
from greenloop.loop.redact import redact

META = "recording.json"
"""In a recording folder: the model id the exchanges were made with."""


def exchange_path(folder: Path, step: int, call: int) -> Path:
    return folder / f"step-{step:04d}" / f"call-{call:03d}.json"


class Exchanges:
    """`call(step, index, …)` → the exchange. `send(request, seconds)` makes the real call and returns (reply,
    dollars); None replays only (`replay:DIR`), where an exchange missing from the recording, or a tool call that
    ended otherwise than recorded, is an error naming where the run left the recording. Replies are journaled
    redacted, like requests: a secret never reaches the disk."""

    def __init__(self, journal: Path, send: Callable[[dict[str, Any], float], tuple[dict[str, Any], float]] | None,
                 model_id: str, record: Path | None = None, replay: Path | None = None):
        self.journal, self.send, self.model_id, self.record, self.replay = journal, send, model_id, record, replay

    def call(self, step: int, index: int, request: dict[str, Any], secrets: list[str],
             seconds: float) -> dict[str, Any]:
        """The exchange for this call of this step, `{"request", "reply", "dollars", "source"}`; a call sent to the
        API may take at most `seconds`, retries included."""
        journaled = exchange_path(self.journal, step, index)
        if journaled.is_file():  # paid for before a kill (and recorded again: the kill may have come in between)
            exchange = json.loads(journaled.read_text(encoding="utf-8"))
            self._keep(step, index, exchange)
            return {**exchange, "source": "journal"}
        if self.replay is not None:
            recorded = exchange_path(self.replay, step, index)
            if not recorded.is_file():
                raise UsageError(f"replay: the recording {self.replay} has no call {index} for step {step}: this run "
                                 "asked for more than the recorded one did", "replay the recording with the config "
                                 "and repository state it was made with (same commit, same budget)")
            exchange = json.loads(recorded.read_text(encoding="utf-8"))
            _same_course(exchange["request"], request, self.replay, step, index)
        else:
            assert self.send is not None
            reply, dollars = self.send(request, seconds)
            exchange = {"request": request, "reply": redact(reply, secrets), "dollars": dollars}
            self._write(journaled, exchange)
            self._keep(step, index, exchange)
            return {**exchange, "reply": reply, "source": "api"}  # the model's own text for its tools: masking a
        self._write(journaled, exchange)  # value it happened to write (`postgres`) would corrupt its edit
        self._keep(step, index, exchange)
        return {**exchange, "source": "replay"}

    def _keep(self, step: int, index: int, exchange: dict[str, Any]) -> None:
        """The exchange in the `--record` folder too, which replay answers from."""
        if self.record is not None:
            self._write(exchange_path(self.record, step, index), exchange)
            if not (self.record / META).is_file():  # once per recording, not per call
                write_atomic(self.record / META, json.dumps({"model": self.model_id}))

    def note_tool(self, step: int, record: dict[str, Any]) -> None:
        """One line per tool call in `step-NNNN/tools.jsonl`: what the model ran, how long, whether it failed."""
        folder = self.journal / f"step-{step:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "tools.jsonl").open("a", encoding="utf-8") as lines:
            lines.write(json.dumps(record) + "\n")

    @staticmethod
    def _write(path: Path, exchange: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(exchange, indent=1))


def _same_course(recorded: dict[str, Any], asked: dict[str, Any], folder: Path, step: int, index: int) -> None:
    """A replay stays on the recorded run's course only while its tool calls end as they did there: the same
    calls, each failing or succeeding alike (their output, test durations say, may differ)."""
    def outcomes(request: dict[str, Any]) -> list[tuple[str, bool]]:
        turn = request["messages"][-1]["content"] if request.get("messages") else []
        return [(block.get("tool_use_id"), bool(block.get("is_error"))) for block in turn
                if isinstance(block, dict) and block.get("type") == "tool_result"]

    if outcomes(recorded) != outcomes(asked):
        raise UsageError(f"replay: this run left the recording {folder} before step {step} call {index}: a tool call "
                         "that succeeded there failed here, or the reverse", "replay the recording on the commit and "
                         "config it was made with")


def recorded_model(folder: Path) -> str:
    """The model id a recording was made with; a folder that is not a recording is a usage error."""
    meta = folder / META
    if not meta.is_file():
        raise UsageError(f"replay: {folder} is not a recording (no {META})",
                         "record one with greenloop run --record DIR --model anthropic:<model-id>")
    return json.loads(meta.read_text(encoding="utf-8"))["model"]
