"""A given change is step 1; a model behind it continues from step 2 as if from its own step 1."""

from __future__ import annotations

from greenloop.adapters.models.given import GivenChange
from greenloop.adapters.models.scripted import ScriptedModel
from greenloop.adapters.protocols import AttemptSummary, Model, ModelRequest, Proposal, Ticket

DIFF = "--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-a - b\n+a + b\n"


def request(step: int, attempts: list[AttemptSummary] | None = None) -> ModelRequest:
    return ModelRequest(step=step, ticket=Ticket(title="t", body="t", source="text"), targets=["t::x"], repo=".",
                        base_commit="0" * 40, protected_paths=[], attempts=attempts or [])


class Recorder:
    """A model that remembers what it was asked."""

    name = "recorder"

    def __init__(self):
        self.requests: list[ModelRequest] = []

    def propose(self, request: ModelRequest, bench: object = None) -> Proposal | None:
        self.requests.append(request)
        return Proposal(diff=f"step {request.step}")


def test_step_one_proposes_the_given_diff():
    model = GivenChange(DIFF, "fix.diff")
    assert isinstance(model, Model)
    assert model.name == "given:fix.diff"
    proposal = model.propose(request(1))
    assert (proposal.diff, proposal.source, proposal.rationale) == (DIFF, "fix.diff", "the change to validate")


def test_without_a_model_behind_it_there_is_nothing_more():
    assert GivenChange(DIFF, "fix.diff").propose(request(2)) is None


def test_later_steps_ask_the_model_behind_it_with_the_step_shifted():
    behind = Recorder()
    model = GivenChange(DIFF, "feature@abc", then=behind)
    assert model.name == "given:feature@abc+recorder"
    attempts = [AttemptSummary(id="a1", diff=DIFF, outcome="not_fixed", failing=["t::x"])]
    asked = request(3, attempts)
    assert model.propose(asked).diff == "step 2"
    assert behind.requests == [asked.model_copy(update={"step": 2})]  # otherwise the same request
    assert asked.step == 3  # the caller's request is not changed
    assert model.propose(request(1)).diff == DIFF and len(behind.requests) == 1


def test_a_scripted_model_behind_it_replays_its_first_file_at_step_two(tmp_path):
    for name in ("01-a.diff", "02-b.diff"):
        (tmp_path / name).write_text(name)
    scripted = ScriptedModel(tmp_path)
    model = GivenChange(DIFF, "fix.diff", then=scripted)
    assert model.name == f"given:fix.diff+scripted:{tmp_path}"
    assert [model.propose(request(s)).source for s in (1, 2, 3)] == ["fix.diff", "01-a.diff", "02-b.diff"]
    assert model.propose(request(4)) is None
