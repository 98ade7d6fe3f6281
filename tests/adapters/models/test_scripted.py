from __future__ import annotations

import pytest

from greenloop.adapters.models.scripted import ScriptedModel
from greenloop.adapters.protocols import ModelRequest, Ticket
from greenloop.adapters.registry import load_model
from greenloop.loop.errors import UsageError


def request(step: int) -> ModelRequest:
    return ModelRequest(step=step, ticket=Ticket(title="t", body="t", source="text"), targets=[], repo=".",
                        base_commit="0" * 40, protected_paths=[])


def test_replays_diffs_in_name_order_by_step(tmp_path):
    for name in ("02-b.patch", "01-a.diff", "notes.txt"):
        (tmp_path / name).write_text(name)
    model = load_model(f"scripted:{tmp_path.name}", tmp_path.parent)
    assert isinstance(model, ScriptedModel)
    assert [model.propose(request(s)).diff for s in (1, 2, 1)] == ["01-a.diff", "02-b.patch", "01-a.diff"]
    assert model.propose(request(3)) is None


def test_errors(tmp_path):
    with pytest.raises(UsageError, match="not a directory"):
        ScriptedModel(tmp_path / "none")
    with pytest.raises(UsageError, match="no \\*.diff"):
        ScriptedModel(tmp_path)
    with pytest.raises(UsageError, match="unknown model 'claude'"):
        load_model("claude", tmp_path)
