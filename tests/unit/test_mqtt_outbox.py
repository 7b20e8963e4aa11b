"""The bounded outbox and the topic layout: pure, no broker."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from cti.mqtt.outbox import Outbox
from cti.mqtt.topics import BadTopicLevel, Topics, level


def test_full_outbox_drops_the_oldest_and_counts_it():
    box = Outbox(3)
    for i in range(5):
        box.put(f"t/{i}", b"x")
    assert [m.topic for m in box.peek(10)] == ["t/2", "t/3", "t/4"]
    assert box.dropped == 2


def test_ack_after_drops_during_a_batch_forgets_only_what_was_sent():
    box = Outbox(3)
    for i in range(3):
        box.put(f"t/{i}", b"x")
    batch = box.peek(2)  # t/0, t/1 in flight
    box.put("t/3", b"x")  # drops t/0 while the batch is in flight
    box.ack(batch[-1].seq)
    assert [m.topic for m in box.peek(10)] == ["t/2", "t/3"]


@given(st.lists(st.one_of(st.just("put"), st.integers(min_value=1, max_value=5)), max_size=60),
       st.integers(min_value=1, max_value=8))
def test_outbox_keeps_fifo_order_and_never_exceeds_capacity(ops, capacity):
    box, expected, n = Outbox(capacity), [], 0
    for op in ops:
        if op == "put":
            box.put(str(n), b"")
            expected = (expected + [str(n)])[-capacity:]
            n += 1
        else:
            batch = box.peek(op)
            if batch:
                box.ack(batch[-1].seq)
                expected = expected[len(batch):]
        assert [m.topic for m in box.peek(capacity)] == expected
        assert len(box) <= capacity


def test_topic_layout_under_the_prefix():
    t = Topics("hotline")
    assert t.agent_state("1001") == "hotline/agents/1001/state"
    assert t.screenpop("1001") == "hotline/agents/1001/screenpop"
    assert t.reply("1001") == "hotline/agents/1001/reply"
    assert t.call_events("1700000000.12") == "hotline/calls/1700000000.12/events"
    assert t.queue_stats("billing") == "hotline/queues/billing/stats"
    assert t.ivr_flow("main") == "hotline/ivr/flows/main"
    assert t.dialer_stats("winback") == "hotline/dialer/winback/stats"
    assert t.engine_status == "hotline/engine/status"
    assert t.command_filter == "hotline/agents/+/cmd"


@pytest.mark.parametrize("topic, agent", [
    ("hotline/agents/1001/cmd", "1001"),
    ("hotline/agents/1001/reply", None),
    ("hotline/agents//cmd", None),
    ("hotline/agents/a/b/cmd", None),
    ("other/agents/1001/cmd", None),
])
def test_agent_id_comes_from_the_command_topic(topic, agent):
    assert Topics("hotline").agent_of_command(topic) == agent


@pytest.mark.parametrize("bad", ["", "a/b", "+", "#", "x\x00", "y" * 200])
def test_ids_that_would_change_the_topic_are_refused(bad):
    with pytest.raises(BadTopicLevel):
        level(bad)


def test_wildcard_prefix_is_refused():
    with pytest.raises(ValueError):
        Topics("hotline/#")
