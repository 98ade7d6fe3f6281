"""Per-test outcomes from pytest's xunit1 JUnit XML, keyed by pytest node id so they match ticket and CLI ids.

The XML is parsed with the standard library's ElementTree rather than defusedxml: the file is written by the
test command we just ran in the workspace, which can already execute arbitrary code, so a hostile XML file
would gain nothing; and ElementTree refuses external entities anyway.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from greenloop.adapters.protocols import Outcome, TestResult

MESSAGE_CHARS = 1500
_HEADLINE_CHARS = 300
# How bad each outcome is: pytest writes a second <testcase> with the same id for a teardown error.
_SEVERITY: dict[Outcome, int] = {"passed": 0, "skipped": 1, "error": 2, "failed": 3}


def parse_junit(path: Path) -> dict[str, TestResult]:
    """Test id → result for every <testcase>; raises `ET.ParseError` when the file is not XML."""
    results: dict[str, TestResult] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        result = _result(case)
        earlier = results.get(result.id)
        results[result.id] = _merge(earlier, result) if earlier else result
    return results


def node_id(file: str, classname: str, name: str) -> str:
    """pytest's node id (`file::Class::name`) rebuilt from xunit1 attributes.

    xunit1's classname is the node id's file part with `/` → `.` and `.py` dropped, plus the classes. `file`
    is where the test function is defined, which differs for a test inherited from a base class in
    another module; then the classes are taken to start at the first capitalised part.
    """
    if not classname:  # a collection error: the id is the module that failed to import
        return file or _module_file(name) or "<collection>"
    module = _module_name(file) if file else ""
    if classname == module:
        classes: list[str] = []
    elif module and classname.startswith(module + "."):
        classes = classname[len(module) + 1 :].split(".")
    else:
        parts = classname.split(".")
        first_class = next((i for i, part in enumerate(parts) if part[:1].isupper()), len(parts))
        file, classes = _module_file(".".join(parts[:first_class])), parts[first_class:]
    return "::".join([file, *classes, name])


def summarize(headline: str, text: str, limit: int = MESSAGE_CHARS) -> str:
    """`headline` plus the start of `text`, within `limit`, always keeping the `E   ` lines and the `file:line`.

    The `E` lines carry the assertion with its values, which is what the model needs most.
    """
    headline, text = headline.strip(), text.rstrip().lstrip("\n")  # keep the first line's indentation
    full = "\n".join(part for part in (headline, text) if part)
    if len(full) <= limit:
        return full
    lines = text.splitlines()
    headline = headline[:_HEADLINE_CHARS]
    key = "\n".join([line for line in lines if line.startswith("E ")] + lines[-1:])
    key = key[: max(limit - len(headline) - 2, 0)]
    room = limit - len(headline) - len(key) - 3
    lead = text[:room].rsplit("\n", 1)[0] if room > 0 else ""
    return "\n".join(part for part in (headline, lead, "…" if lead else "", key) if part)[:limit]


def _result(case: ET.Element) -> TestResult:
    case_id = node_id(case.get("file", ""), case.get("classname", ""), case.get("name", ""))
    duration = float(case.get("time") or 0)
    for tag, outcome in (("failure", "failed"), ("error", "error")):
        problems = case.findall(tag)
        if problems:
            message = "\n".join(summarize(p.get("message", ""), p.text or "") for p in problems)
            return TestResult(id=case_id, outcome=outcome, duration=duration, message=message[:MESSAGE_CHARS])
    skipped = case.find("skipped")
    if skipped is not None:
        return TestResult(id=case_id, outcome="skipped", duration=duration, message=skipped.get("message", ""))
    return TestResult(id=case_id, outcome="passed", duration=duration)


def _merge(first: TestResult, second: TestResult) -> TestResult:
    worse = max(first, second, key=lambda r: _SEVERITY[r.outcome])
    message = "\n".join(m for m in (first.message, second.message) if m)[:MESSAGE_CHARS]
    return worse.model_copy(update={"duration": first.duration + second.duration, "message": message})


def _module_name(file: str) -> str:
    return re.sub(r"\.py$", "", file).replace("/", ".")


def _module_file(module: str) -> str:
    return module.replace(".", "/") + ".py" if module else ""
