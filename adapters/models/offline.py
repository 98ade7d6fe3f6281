"""`offline`: a search-based repair engine, greenloop's model when there is no API key and no network.

One step: run the tests once under per-test coverage on the bench (the spectra), rank lines by Ochiai and by the
frames of the failures' and the services' tracebacks (`repair/localize.py`), generate small AST edits at the most
suspicious lines (`repair/candidates.py`), and screen them, best first, through the bench's own TestRunner and
sandbox: the targets first, then the whole suite. The first candidate with every target passing and nothing that
passed broken is the proposal; the graph then deploys and judges it like any other. A candidate that makes some
targets pass and breaks nothing is kept and built on, for bugs that need two edits. Each screening is one test run
of the budget every model shares.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from greenloop.adapters.models.repair.candidates import Candidate, Hints, candidates
from greenloop.adapters.models.repair.localize import coverage_env, crash_points, frames, rank, spectra
from greenloop.adapters.protocols import Bench, BudgetSpent, ModelRequest, Proposal, TestReport, Usage
from greenloop.loop.errors import GreenloopError, OutOfBudget

FAILED = ("failed", "error")
MAX_FILES = 6
"""Files (by their most suspicious line) that candidates are generated in."""
PARTIAL_ROUNDS = 2
"""Two-edit bugs: how often a partial fix is built on."""
SLOWER = 10
"""A screening may take this many times as long as the suite did before any edit (at least `SLOW_FLOOR` seconds):
a candidate that makes a loop never end is stopped there, not at the test command's timeout."""
SLOW_FLOOR = 5.0


@dataclass
class Search:
    """One step's search state: what the suite did before any edit, what was tried, what it cost, and what it may
    still spend: `budget` test runs (the step's screenings, or fewer when the budget's test-run cap leaves fewer:
    `capped`) until `deadline` (the wall-time cap)."""

    targets: list[str]
    budget: int
    deadline: float
    capped: bool = False
    outcomes: dict[str, str] = field(default_factory=dict)
    crashes: list[tuple[str, int, str]] = field(default_factory=list)  # where the failures raised
    limit: float | None = None  # seconds a screening may take
    runs: int = 0
    screened: int = 0
    stopped: str | None = None
    """Why screening stopped before the candidates ran out, when a cap stopped it."""

    def spent(self) -> str | None:
        """Which cap leaves no room for the next test run (worded as `graph/budget.py` words a spent cap), or
        None; the step's own screenings running out is no cap."""
        if self.runs >= self.budget and self.capped:
            used = (f"the offline engine used the {self.budget} test run(s) the budget left it ({self.screened} "
                    "candidate(s) screened)") if self.budget else "no test run is left for the offline engine"
            return f"test-run budget spent: {used}; the graph's test of each proposal is kept aside"
        if time.time() >= self.deadline:
            return f"wall-time budget spent while the offline engine searched ({self.screened} candidate(s) screened)"
        return None

    def run(self, bench: Bench, **options: object) -> TestReport:
        """A test run of the search (the spectra run, its fallback, a screening's whole-suite run), checked
        against both caps before it starts and counted once it does. A screening's first run is checked by the
        screening loop, and counted even when the candidate broke start-up."""
        if self.runs >= self.budget and not self.capped:
            raise OutOfBudget(f"the offline engine's screenings for one step ({self.budget}) are used")
        why = self.spent()
        if why:
            raise OutOfBudget(why)
        report = bench.run_tests(**options)  # type: ignore[arg-type]
        self.runs += 1
        return report


class OfflineModel:
    """`offline` (the default model): candidates from program-repair operators, screened on the bench."""

    uses_bench = True

    def __init__(self, screenings: int = 200):
        self.name = "offline"
        self.screenings = screenings
        self.tried: set[str] = set()
        """Candidates screened in this run (by file and content): a later step never screens one again."""

    def propose(self, request: ModelRequest, bench: Bench | None = None) -> Proposal | None:
        if request.task != "fix" or bench is None or not request.targets:
            return None
        allowed = request.allowance.test_runs
        search = Search(targets=list(request.targets), deadline=time.time() + request.allowance.seconds,
                        budget=min(self.screenings, allowed if allowed is not None else self.screenings),
                        capped=allowed is not None and allowed <= self.screenings)
        try:
            found, partial = self._search(request, bench, search)
        except OutOfBudget as stop:  # a cap left no room for the next run: the step ends, what it ran is spent
            raise BudgetSpent(stop.problem, Usage(test_runs=search.runs)) from None
        usage = Usage(test_runs=search.runs)
        best = found or (partial[0] if partial else None)
        if best is None:
            if search.stopped:  # not out of ideas: out of budget
                raise BudgetSpent(search.stopped, usage)
            return Proposal(diff="", rationale=f"no candidate passed the targets ({search.screened} screened)",
                            usage=usage, source=self.name) if search.runs else None
        _apply(bench, best)
        what = "passes every target" if found else "makes some targets pass and breaks nothing"
        return Proposal(diff=bench.diff(), usage=usage, source=f"{self.name}: {best.operator} at {best.path}:"
                        f"{best.line}", rationale=f"{best.operator} at {best.path}:{best.line} {what} "
                        f"({search.screened} candidates screened)")

    def _search(self, request: ModelRequest, bench: Bench,
                search: Search) -> tuple[Candidate | None, tuple[Candidate, dict[str, str]] | None]:
        """Localize, then screen (building on a partial fix): what `_screen` found. Every test run, the spectra run
        and its fallback included, is checked against the test-run and wall-time caps before it starts."""
        with tempfile.TemporaryDirectory(prefix="greenloop-spectra-") as scratch:
            data = Path(scratch) / "coverage"
            before = search.run(bench, env=coverage_env(bench.root, data, Path(scratch) / "coveragerc"))
            if not any(t in before.results for t in request.targets):  # no pytest-cov where the tests run (or the
                before = search.run(bench)  # cap cut the run short): the tracebacks alone localize then
            search.outcomes = _outcomes(before)
            search.limit = max(SLOW_FLOOR, SLOWER * before.duration)
            scores = self._localize(request, bench, before, spectra(data, bench.root), search)
        found, partial = self._screen(request, bench, scores, search)
        for _ in range(PARTIAL_ROUNDS):
            if found is not None or partial is None:
                break
            _apply(bench, partial[0])  # build on it: the next edit starts from the partial fix and what it passes
            search.outcomes = partial[1]
            found, partial = self._screen(request, bench, scores, search)
        return found, partial

    def _localize(self, request: ModelRequest, bench: Bench, before: TestReport,
                  lines_run: dict[str, dict[int, set[str]]], search: Search) -> dict[str, dict[int, float]]:
        known = set(subprocess.run(["git", "-C", str(bench.root), "ls-files"], capture_output=True, text=True,
                                   check=True).stdout.splitlines())
        failing = [t for t in request.targets if before.outcome(t) in FAILED] or list(request.targets)
        texts = [before.results[t].message for t in failing if t in before.results]
        texts += [request.target_messages.get(t, "") for t in failing]
        try:
            logged = bench.service_logs()
        except GreenloopError:
            logged = []
        texts += _tracebacks("\n".join(line.text for line in logged))
        passing = {t for t, outcome in _outcomes(before).items() if outcome == "passed"}
        search.crashes = crash_points(texts, known)
        return rank(lines_run, failing, passing, frames(texts, known), request.protected_paths, bench.root)

    def _screen(self, request: ModelRequest, bench: Bench, scores: dict[str, dict[int, float]],
                search: Search) -> tuple[Candidate | None, tuple[Candidate, dict[str, str]] | None]:
        """The first candidate that passes, or else the best partial one with the outcomes it had, screened within
        the budget; `search.stopped` says which cap stopped it before the candidates ran out."""
        hints = Hints(messages=[m for m in request.target_messages.values() if m],
                      names=set(request.ticket.title.split()), crashes=search.crashes)
        pool: list[Candidate] = []
        for path in sorted(scores, key=lambda p: -max(scores[p].values()))[:MAX_FILES]:
            source = (bench.root / path).read_text(encoding="utf-8")
            pool += candidates(path, source, scores[path], hints)
        pool.sort(key=lambda c: (-c.score, c.path, c.line, c.operator))
        best: tuple[int, Candidate, dict[str, str]] | None = None
        for candidate in pool:
            key = _digest(candidate.path + candidate.source)
            if key in self.tried:
                continue
            if search.runs >= search.budget or time.time() >= search.deadline:
                search.stopped = search.spent()
                break
            self.tried.add(key)
            passed, after = self._try(bench, candidate, search)
            if passed == len(search.targets):
                return candidate, None
            if passed and (best is None or passed > best[0]):
                best = (passed, candidate, after)
        return None, (best[1], best[2]) if best else None

    def _try(self, bench: Bench, candidate: Candidate, search: Search) -> tuple[int, dict[str, str]]:
        """How many targets the candidate makes pass when it breaks nothing that passed (else 0), and the whole
        suite's outcomes with it."""
        original = (bench.root / candidate.path).read_text(encoding="utf-8")
        search.screened += 1
        try:
            (bench.root / candidate.path).write_text(candidate.source, encoding="utf-8")
            bench.record([candidate.path])
            try:
                first = bench.run_tests(selection=search.targets, timeout=search.limit)
            except OutOfBudget:
                raise
            except GreenloopError:  # it broke start-up
                search.runs += 1
                return 0, {}
            search.runs += 1
            passed = sum(first.outcome(t) == "passed" for t in search.targets)
            was = sum(search.outcomes.get(t) == "passed" for t in search.targets)
            if passed <= was or search.runs >= search.budget or time.time() >= search.deadline:
                return 0, {}  # (a cap that left no room for the whole suite stops the screening next)
            after = _outcomes(search.run(bench, timeout=search.limit))  # the whole suite (counted by `run`)
            broken = [t for t, outcome in search.outcomes.items() if outcome == "passed" and after.get(t) != "passed"]
            return (0, {}) if broken else (sum(after.get(t) == "passed" for t in search.targets), after)
        finally:
            (bench.root / candidate.path).write_text(original, encoding="utf-8")
            bench.record([candidate.path])


def _apply(bench: Bench, candidate: Candidate) -> None:
    (bench.root / candidate.path).write_text(candidate.source, encoding="utf-8")
    bench.record([candidate.path])


def _outcomes(report: TestReport) -> dict[str, str]:
    return {t: r.outcome for t, r in report.results.items()}


def _tracebacks(log: str) -> list[str]:
    marker = "Traceback (most recent call last):"
    return [marker + part for part in log.split(marker)[1:]]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
