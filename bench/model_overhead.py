"""What greenloop's Claude loop adds to each model call: redaction of the whole request, the budget estimate, the
journal write, the tool call and its recording — against the same requests sent straight through the SDK.

One step of N rounds (each a `search` tool call whose result is a few KB, so the conversation grows as a real one
does) runs against the local Messages API stand-in; then the very request bodies it sent are sent again with the bare
client, alternating run by run so a noisy machine hits both alike. The difference per call is greenloop's own work;
the last request's size and the journal's size show how that work grows with the conversation.

    python bench/model_overhead.py [--rounds 30] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from messages_standin import MessagesStandIn, message, text, tool_use  # noqa: E402

from greenloop.adapters.models.client import MessagesClient  # noqa: E402
from greenloop.adapters.protocols import Allowance, ModelRequest, Ticket  # noqa: E402
from greenloop.adapters.registry import load_model  # noqa: E402
from greenloop.loop.config import Config  # noqa: E402


class FileBench:
    """A bench over a git repository with no services: enough for file tools."""

    def __init__(self, root: Path, base: str):
        self.root, self.base, self.services = root, base, []

    def record(self, paths: list[str]) -> None:
        if paths:
            subprocess.run(["git", "-C", str(self.root), "add", "-A", "--", *paths], check=True)

    def diff(self) -> str:
        return subprocess.run(["git", "-C", str(self.root), "diff", "--cached", self.base], check=True,
                              capture_output=True, text=True).stdout

    def run_tests(self, selection=None):  # pragma: no cover - not used by this bench
        raise NotImplementedError

    service_logs = http_request = run_tests


def make_repo(folder: Path) -> str:
    for i in range(40):
        module = "\n\n".join(f"def handler_{i}_{j}(request):\n    return {{'id': {j}, 'ok': True}}" for j in range(25))
        (folder / f"mod_{i:02d}.py").write_text(module + "\n")
    subprocess.run(["git", "init", "-q", "-b", "main", str(folder)], check=True)
    subprocess.run(["git", "-C", str(folder), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(folder), "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "b"],
                   check=True)
    return subprocess.run(["git", "-C", str(folder), "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()


def script(rounds: int):
    def reply(body: dict, index: int):
        if index % rounds == rounds - 1:
            return message(text("done"))
        return message(tool_use("search", {"pattern": f"handler_{index % 40}_1", "glob": "*.py"}))
    return reply


def one_step(api: MessagesStandIn, repo: Path, base: str, run_dir: Path, step: int) -> float:
    model = load_model("anthropic:claude-sonnet-5-5", repo, Config(), run_dir)
    request = ModelRequest(step=step, ticket=Ticket(title="t", body="b", source="text"), targets=[], repo=str(repo),
                           base_commit=base, protected_paths=[], allowance=Allowance(seconds=3600))
    started = time.perf_counter()
    model.propose(request, FileBench(repo, base))
    return time.perf_counter() - started


def bare(api: MessagesStandIn, bodies: list[dict]) -> float:
    client = MessagesClient(api_key="bench", base_url=api.url)
    started = time.perf_counter()
    for body in bodies:
        client.create(**body)
    client.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    os.environ["ANTHROPIC_API_KEY"] = "bench-key-not-secret"
    with tempfile.TemporaryDirectory() as scratch, MessagesStandIn(script(args.rounds)) as api:
        os.environ["ANTHROPIC_BASE_URL"] = api.url
        repo = Path(scratch) / "repo"
        repo.mkdir()
        base = make_repo(repo)
        ours, theirs = [], []
        for repeat in range(args.repeats):
            run_dir = Path(scratch) / f"run-{repeat}"
            first = len(api.requests)
            ours.append(one_step(api, repo, base, run_dir, step=1))
            bodies = [r["body"] for r in api.requests[first:]]
            theirs.append(bare(api, bodies))
        journal = sum(p.stat().st_size for p in (Path(scratch) / "run-0" / "model").rglob("*") if p.is_file())
        last = len(str(bodies[-1]).encode())
    per_ours = statistics.median(ours) / args.rounds * 1000
    per_theirs = statistics.median(theirs) / args.rounds * 1000
    print(f"{args.rounds} rounds per step, median of {args.repeats} steps")
    print(f"  greenloop loop (redact, estimate, journal, tool): {per_ours:6.2f} ms per call")
    print(f"  the same requests through the bare SDK client:   {per_theirs:6.2f} ms per call")
    print(f"  greenloop's own work: {per_ours - per_theirs:+.2f} ms per call ({per_ours / per_theirs:.2f}x)")
    print(f"  last request {last / 1024:.0f} KB; journal of one step {journal / 1024:.0f} KB")


if __name__ == "__main__":
    main()
