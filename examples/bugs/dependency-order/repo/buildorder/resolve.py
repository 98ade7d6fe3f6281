"""Order build targets so that each one comes after everything it needs.

Specs look like a tiny Makefile: one "target: need need ..." line per target, '#' starts a comment.
"""
import heapq


class CycleError(ValueError):
    pass


def parse_spec(text):
    deps = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        target, sep, needs = line.partition(":")
        if not sep or not target.strip():
            raise ValueError(f"expected 'target: needs...', got {raw!r}")
        deps.setdefault(target.strip(), []).extend(needs.split())
    return deps


def build_order(deps):
    """All targets (including ones only mentioned as needs), each after its needs.

    Among targets that become ready at the same time, alphabetical order wins, so the result is stable.
    """
    targets = set(deps)
    for needs in deps.values():
        targets.update(needs)
    needed_by = {target: [] for target in targets}
    pending = {}
    for target in targets:
        needs = set(deps.get(target, ()))
        pending[target] = len(needs)
        for need in needs:
            needed_by[need].append(target)
    ready = [target for target, count in pending.items() if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        target = heapq.heappop(ready)
        order.append(target)
        for dependent in needed_by[target]:
            pending[dependent] -= 1
            if pending[dependent] == 0:
                heapq.heappush(ready, target)
    if len(order) != len(targets):
        stuck = sorted(target for target, count in pending.items() if count > 0)
        raise CycleError(f"dependency cycle among: {', '.join(stuck)}")
    return order


def needs_of(deps, target):
    """Every target that `target` needs, directly or indirectly."""
    seen = set()
    stack = list(deps.get(target, ()))
    while stack:
        need = stack.pop()
        if need not in seen:
            seen.add(need)
            stack.extend(deps.get(need, ()))
    return seen
