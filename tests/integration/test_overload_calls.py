"""Overload on the real path: an admission limit of 2 calls with 4 callers at once (docs/performance.md)."""

from __future__ import annotations

import asyncio
import json

from cti.ami import events as ev
from tests.integration.conftest import engine_config, start_engine, stop_engine
from tests.support import sipp
from tests.support.sipp import HangUp, Pause
from tests.support.until import until


async def test_calls_over_the_limit_get_the_fallback_at_once_while_admitted_calls_go_on(sandbox, ami, tmp_path):
    path = engine_config(tmp_path)
    config = json.loads(path.read_text())
    config["agi"] = {"max_calls": 2}
    path.write_text(json.dumps(config))
    running = await start_engine(path)
    fallbacks: list[ev.UserEvent] = []

    async def watch() -> None:
        while True:
            event = await ami.events.get()
            if isinstance(event, ev.UserEvent) and event.name == "HotlineFallback":
                fallbacks.append(event)

    watcher = asyncio.create_task(watch())
    try:
        served = [asyncio.create_task(sipp.call(tmp_path, [Pause(9000), HangUp()], caller=f"555400{i}"))
                  for i in (1, 2)]
        await until(lambda: running.engine.calls.active == 2, 15, message="two calls admitted and in the IVR")
        refused = await asyncio.gather(*(sipp.call(tmp_path, [Pause(1500), HangUp()], caller=f"555400{i}")
                                         for i in (3, 4)))
        await until(lambda: len(fallbacks) == 2, 10, message="two HotlineFallback user events")
        # The refused callers met the fallback and left while both admitted calls were still in the IVR.
        assert running.engine.calls.active == 2 and not any(task.done() for task in served)
        results = await asyncio.gather(*served)
        rows = {caller: await running.cdr(caller=caller) for caller in ("5554001", "5554002", "5554003", "5554004")}
    finally:
        watcher.cancel()
        await stop_engine(running)

    assert all(r.ok for r in refused + results), [r.stderr for r in refused + results]
    assert [rows[c].disposition for c in sorted(rows)] == ["caller_hangup", "caller_hangup", "refused", "refused"]
    assert rows["5554001"].exit_node == rows["5554002"].exit_node == "menu"  # untouched by the refusals
    # (the event's own Uniqueid header repeats the channel's, so it arrives as a list: its Linkedid
    # is the same id for an inbound call)
    assert {rows["5554003"].call_id, rows["5554004"].call_id} == {e.headers.get("Linkedid") for e in fallbacks}
    assert rows["5554003"].ivr_exit == "max_calls"
    assert running.engine.agi.sessions_refused == 2
