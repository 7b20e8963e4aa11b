"""Who holds a call after a consult transfer: the ACD's hand-over bookkeeping (real router, fake clock)."""

from __future__ import annotations

from acd import Agent, QueueSpec, Router, Task
from acd.inbox import Offered
from cti.services.acd import AcdService
from cti.store.models import QueueLogRecord
from tests.support.sinks import RecordingSink


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


def _setup() -> tuple[AcdService, RecordingSink, Clock]:
    queues = {"billing": QueueSpec("billing", {"billing": 1}, wrapup_s=5),
              "faults": QueueSpec("faults", {"faults": 1}, wrapup_s=5)}
    agents = {"A": Agent("A", "Alice", "PJSIP/A", {"billing": 5}), "B": Agent("B", "Bob", "PJSIP/B", {"faults": 5})}
    sink, clock = RecordingSink(), Clock()
    acd = AcdService(Router(queues, agents), sink, clock=clock)
    for agent_id in agents:
        acd.agent_command(agent_id, "login")
    return acd, sink, clock


def _answer(acd: AcdService, task: Task):
    inbox = acd.open(task)
    offered = inbox.events.get_nowait()
    assert isinstance(offered, Offered)
    acd.answered(offered.reservation)
    return offered.reservation


def _state(acd: AcdService, agent_id: str) -> str:
    return str(acd.agent(agent_id).state)


def test_completed_consult_ends_the_first_agent_and_the_call_ends_with_the_colleague():
    acd, sink, clock = _setup()
    call = Task("c1", "billing", 0, clock.now, attributes={"tier": "gold"})
    first = _answer(acd, call)
    consult = Task("leg1", "faults", 1_000_000, clock.now, kind="consult")
    second = _answer(acd, consult)
    assert (_state(acd, "A"), _state(acd, "B")) == ("on_call", "on_call")
    faults, billing = acd.stats("faults"), acd.stats("billing")
    assert (faults.offered, faults.answered) == (0, 0)  # a consult is not the queue's traffic
    assert (billing.offered, billing.answered) == (1, 1)

    acd.hand_over(call, "A", "B", "faults", consult.id)
    assert (_state(acd, "A"), _state(acd, "B")) == ("wrap_up", "on_call")
    assert acd.last_call["B"] is call and acd.holder("c1") == ("B", "faults")

    assert acd.call_ended(second, 30.0) is None  # the consult leg ending is not the colleague's end
    assert _state(acd, "B") == "on_call"
    assert acd.call_ended(first, 90.0) == ("B", "faults")
    assert _state(acd, "B") == "wrap_up"
    logged = [(r.call_id, str(r.event), r.agent_id) for r in sink.records if isinstance(r, QueueLogRecord)]
    assert logged == [("c1", "enqueue", None), ("c1", "offer", "A"), ("c1", "answer", "A"),
                      ("leg1", "consult_queued", None), ("leg1", "offer", "B"), ("leg1", "answer", "B"),
                      ("c1", "transfer", "A")]


def test_hand_over_before_anyone_answered_gives_the_call_to_whoever_answers_later():
    acd, _, clock = _setup()
    call = Task("c1", "billing", 0, clock.now)
    first = _answer(acd, call)
    consult = Task("leg1", "faults", 1_000_000, clock.now, kind="consult")

    acd.hand_over(call, "A", None, "faults")  # A hung up while the consult still waited
    assert _state(acd, "A") == "wrap_up" and acd.holder("c1") is None
    second = _answer(acd, consult)
    acd.hand_over(call, "A", "B", "faults", consult.id)  # A's part is not ended twice
    assert acd.call_ended(second, 10.0) is None
    assert acd.call_ended(first, 10.0) == ("B", "faults")
    assert _state(acd, "B") == "wrap_up"


def test_without_a_hand_over_the_answering_agent_ends_the_call():
    acd, _, clock = _setup()
    first = _answer(acd, Task("c1", "billing", 0, clock.now))
    assert acd.call_ended(first, 10.0) == ("A", "billing")
    assert _state(acd, "A") == "wrap_up" and "A" not in acd.connected_by


def test_a_caller_waiting_in_a_queue_removed_by_a_reload_leaves_with_a_valid_queue_log_record():
    acd, sink, clock = _setup()
    acd.agent_command("B", "pause", "lunch")  # nobody takes faults calls: the caller waits
    inbox = acd.open(Task("c9", "faults", 0, clock.now))
    acd.reload({"billing": acd.queue("billing")}, {a.id: a for a in acd.agents()})
    assert [type(e).__name__ for e in _drain(inbox)][-1] == "Refused"
    last = [r for r in sink.records if isinstance(r, QueueLogRecord)][-1]
    assert (last.call_id, str(last.event), last.reason) == ("c9", "leave", "queue_removed")


def _drain(inbox) -> list:
    out = []
    while not inbox.events.empty():
        out.append(inbox.events.get_nowait())
    return out
