"""Wait for a condition on a real server by polling it with a deadline (never a bare sleep)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

Predicate = Callable[[], bool | Awaitable[bool]]


async def until(
    predicate: Predicate,
    timeout: float = 10.0,
    interval: float = 0.05,
    message: str = "",
) -> None:
    """Poll `predicate` (sync or async) until it is truthy; raise AssertionError at the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = predicate()
        if inspect.isawaitable(result):
            result = await result
        if isinstance(result, asyncio.Event):  # always truthy: the test would never wait
            raise TypeError(f"until() got an asyncio.Event from {message or predicate}; poll .is_set()")
        if result:
            return
        if loop.time() >= deadline:
            raise AssertionError(f"condition not met within {timeout}s: {message or predicate}")
        await asyncio.sleep(interval)
