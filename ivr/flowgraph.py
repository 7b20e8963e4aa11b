"""Graph algorithms over a flow's nodes: reachability and loops (Tarjan), for the loader's checks.

Pure functions over node names and a `successors` function, so the loader decides which exits
count (any exit for reachability; exits taken without caller input for silent loops).
"""

from __future__ import annotations

from collections.abc import Callable


def reachable(entry: str, targets: Callable[[str], list[str]]) -> set[str]:
    seen, todo = set(), [entry]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += targets(name)
    return seen


def cycles(names: list[str], successors: Callable[[str], list[str]]) -> list[list[str]]:
    """One cycle per strongly connected part of the graph that has one, in `names` (file) order.

    Nodes such as branch, hours or lookup have several exits taken without caller input, so a
    loop is any cycle among them (Tarjan's algorithm finds the parts; a path round each is then
    listed from its first node in file order).
    """
    order = {name: i for i, name in enumerate(names)}
    cycles = []
    for part in strong_parts(names, successors):
        inside = set(part)
        first = min(part, key=order.__getitem__)
        if len(part) > 1 or first in successors(first):
            cycles.append(cycle_through(first, inside, successors, order))
    return sorted(cycles, key=lambda c: order[c[0]])


def cycle_through(start: str, inside: set[str], successors: Callable[[str], list[str]],
                   order: dict[str, int]) -> list[str]:
    """A shortest cycle from `start` back to itself within one strongly connected part."""
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for name in frontier:
            for nxt in sorted(set(successors(name)) & inside, key=order.__getitem__):
                if nxt == start:
                    cycle = [name]
                    while cycle[-1] != start:
                        cycle.append(came_from[cycle[-1]])
                    return cycle[::-1]
                if nxt not in came_from:
                    came_from[nxt] = name
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"{start} is on no cycle")


def strong_parts(names: list[str], successors: Callable[[str], list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (flows can be long)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    parts: list[list[str]] = []
    for root in names:
        if root in index:
            continue
        work = [(root, iter(successors(root)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            name, todo = work[-1]
            nxt = next(todo, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(successors(nxt))))
                elif nxt in on_stack:
                    low[name] = min(low[name], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[name])
            if low[name] == index[name]:
                part = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    part.append(member)
                    if member == name:
                        break
                parts.append(part)
    return parts
