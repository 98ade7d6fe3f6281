"""What a tool-using model reads at the start of a step, rendered from the prompt templates in `prompts/`.

The context has to fit and has to stay stable: the ticket, the targets' failures (head and tail), a compact map
of the repository, and what earlier attempts changed and how they ended, so the model does not repeat itself.
Everything here is fixed for the whole step, so it sits in the cached prefix of every call the step makes.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from string import Template

from greenloop.adapters.models.repomap import repo_map
from greenloop.adapters.protocols import Allowance, AttemptSummary, ModelRequest

MESSAGE_CHARS = 1200
DIFF_CHARS = 3000
LOG_LINES = 30


def template(name: str) -> Template:
    return Template(resources.files("greenloop.adapters.models").joinpath("prompts", name).read_text("utf-8"))


def system_prompt() -> str:
    return template("system.md").substitute()


def task_prompt(request: ModelRequest, root: Path, services: list[str]) -> str:
    """The step's task: fixing the targets, or (nothing failing at base) writing a reproduction test first."""
    fields = {
        "title": request.ticket.title, "body": request.ticket.body.strip() or "(no description)",
        "targets": "\n".join(f"- `{t}`\n{_indent(head_tail(request.target_messages.get(t, ''), MESSAGE_CHARS))}"
                             for t in request.targets) or "(none)",
        "attempts": "\n".join(_attempt(a) for a in request.attempts) or "(none yet)",
        "reproduction": (f"\n## The reproduction test (accepted; keep it exactly as it is)\n```diff\n"
                         f"{head_tail(request.reproduction, DIFF_CHARS)}\n```\n" if request.reproduction else ""),
        "repo_map": repo_map(root), "protected": ", ".join(request.protected_paths) or "(none)",
        "services": ", ".join(services) or "(none)", "allowance": _allowance(request.allowance),
        "repro_dir": request.repro_dir,
    }
    name = "reproduce.md" if request.task == "reproduce" else "fix.md"
    return template(name).safe_substitute(fields)


def head_tail(text: str, limit: int) -> str:
    """`text` cut to about `limit` characters, keeping its start and its end (where tracebacks say most)."""
    text = text.strip()
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[… {len(text) - 2 * half} characters cut …]\n{text[-half:]}"


def _attempt(attempt: AttemptSummary) -> str:
    lines = [f"### {attempt.id}: {attempt.outcome.replace('_', ' ')}"]
    if attempt.refusal:
        lines.append(f"Refused: {attempt.refusal}")
    if attempt.failing:
        lines.append("Still failing: " + ", ".join(f"`{t}`" for t in attempt.failing))
    for test, message in list(attempt.messages.items())[:3]:
        lines.append(f"`{test}`:\n{_indent(head_tail(message, MESSAGE_CHARS // 2))}")
    lines.append(f"```diff\n{head_tail(attempt.diff, DIFF_CHARS)}\n```")
    if attempt.log_lines:
        lines.append("Log lines after it ran:\n" + _indent("\n".join(attempt.log_lines[-LOG_LINES:])))
    return "\n".join(lines)


def _allowance(allowance: Allowance) -> str:
    parts = [f"{allowance.seconds / 60:.1f} minutes"]
    if allowance.tokens is not None:
        parts.append(f"{allowance.tokens} tokens")
    if allowance.dollars is not None:
        parts.append(f"${allowance.dollars:.2f}")
    if allowance.test_runs is not None:
        parts.append(f"{allowance.test_runs} test runs")
    return ", ".join(parts)


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines()) or "    (no message)"
