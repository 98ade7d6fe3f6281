"""A change made elsewhere (a patch file, a branch) as the loop's first proposal.

Validating someone's change is then just a run whose step 1 is fixed: the same sandbox, tests, verdict and
evidence as any attempt, with no second code path. With a model behind it, the loop continues from that change
when it is not green, and the model sees it as the earlier attempt it must improve on.
"""

from __future__ import annotations

from greenloop.adapters.protocols import Bench, Model, ModelRequest, Proposal


class GivenChange:
    """Step 1 proposes `diff` (a whole diff against the base commit); later steps are `then`'s, if any.

    `then` gets the request with its step shifted by one, so it starts at its own step 1 (a scripted model
    replays its first file at step 2) and a resumed run still maps each step to the same proposal.
    """

    def __init__(self, diff: str, source: str, then: Model | None = None):
        self.diff = diff
        self.source = source
        self.then = then
        self.name = f"given:{source}" + (f"+{then.name}" if then else "")
        self.uses_bench = bool(getattr(then, "uses_bench", False))

    def propose(self, request: ModelRequest, bench: Bench | None = None) -> Proposal | None:
        if request.step == 1:
            return Proposal(diff=self.diff, source=self.source, rationale="the change to validate")
        if self.then is None:
            return None
        return self.then.propose(request.model_copy(update={"step": request.step - 1}), bench)
