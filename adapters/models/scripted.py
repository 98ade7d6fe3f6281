"""A deterministic model for demos and tests: replays prepared diffs, one per step."""

from __future__ import annotations

from pathlib import Path

from greenloop.adapters.protocols import Bench, ModelRequest, Proposal
from greenloop.loop.errors import UsageError

SUFFIXES = (".diff", ".patch")


class ScriptedModel:
    """`scripted:DIR`: step N proposes DIR's N-th *.diff/*.patch file in name order.

    The step number comes from the request, not from a counter, so a resumed run replays the same file.
    """

    def __init__(self, directory: Path):
        if not directory.is_dir():
            raise UsageError(f"scripted model: {directory} is not a directory",
                             "pass --model scripted:DIR where DIR holds *.diff or *.patch files")
        self.files = sorted(p for p in directory.iterdir() if p.suffix in SUFFIXES and p.is_file())
        if not self.files:
            raise UsageError(f"scripted model: {directory} holds no *.diff or *.patch files",
                             "put one whole diff against the base commit per step in it, e.g. 01-first.diff")
        self.name = f"scripted:{directory}"

    def propose(self, request: ModelRequest, bench: Bench | None = None) -> Proposal | None:
        if request.task != "fix" or request.step > len(self.files):
            return None
        file = self.files[request.step - 1]
        return Proposal(diff=file.read_text(encoding="utf-8"), rationale=f"replayed {file.name}", source=file.name)
