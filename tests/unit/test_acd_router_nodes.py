"""Several Asterisk nodes under one router (docs/nodes.md): one matcher across nodes that prefers an
agent on the caller's node, and offers nothing to agents of a node the engine has lost."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from acd import QueueSpec
from acd.models import AgentState
from tests.support.routing import BILLING, agent, call, make, offers


def on(node: str, a):
    return dataclasses.replace(a, node=node)


def at_node(task, node: str):
    return dataclasses.replace(task, node=node)


def test_the_caller_gets_an_agent_of_his_own_node_even_when_a_remote_one_has_waited_longer() -> None:
    # 1001 (node a) logged in first: longest idle, the strategy's pick on one node.
    router = make([BILLING], [on("a", agent("1001", billing=5)), on("b", agent("1002", billing=5))])
    assert offers(router.enqueue(at_node(call("c1", "billing", 10), "b"), 10)) == [("c1", "1002")]


def test_with_nobody_free_on_his_node_the_caller_gets_the_best_remote_agent_by_the_queue_strategy() -> None:
    router = make([BILLING], [on("a", agent("1001", billing=5)), on("a", agent("1002", billing=5)),
                              on("b", agent("1003", billing=5))])
    router.pause("1003", 1, "lunch")
    # both on node a: longest idle first, as on one node
    assert offers(router.enqueue(at_node(call("c1", "billing", 10), "b"), 10)) == [("c1", "1001")]
    assert offers(router.enqueue(at_node(call("c2", "billing", 11), "b"), 11)) == [("c2", "1002")]


def test_agents_and_callers_without_a_node_are_on_the_default_node() -> None:
    router = make([BILLING], [on("b", agent("1001", billing=5)), agent("1002", billing=5)])
    router.set_default_node("a")
    assert offers(router.enqueue(call("c1", "billing", 10), 10)) == [("c1", "1002")]  # caller "" = node a
    assert offers(router.enqueue(at_node(call("c2", "billing", 11), "a"), 11)) == [("c2", "1001")]  # remote
    router = make([BILLING], [on("b", agent("1001", billing=5)), agent("1002", billing=5)])
    router.set_default_node("a")
    assert offers(router.enqueue(at_node(call("c3", "billing", 12), "b"), 12)) == [("c3", "1001")]


def test_a_waiting_caller_goes_to_the_first_agent_who_frees_whatever_his_node() -> None:
    """Locality only chooses among READY agents; it never makes a caller wait longer."""
    queue = QueueSpec("billing", {"billing": 5}, when_nobody="wait")
    router = make([queue], [on("a", agent("1001", billing=5))], login=False)
    router.login("1001", 0)
    router.pause("1001", 0, "break")
    router.enqueue(at_node(call("c1", "billing", 1), "b"), 1)
    assert offers(router.ready("1001", 5)) == [("c1", "1001")]


def test_agents_of_a_lost_node_are_offered_nothing_until_it_is_back() -> None:
    router = make([BILLING], [on("a", agent("1001", billing=5)), on("b", agent("1002", billing=5))])
    router.node_available("a", False, 5)
    router.pause("1002", 5, "lunch")
    task = at_node(call("c1", "billing", 10), "a")
    assert offers(router.enqueue(task, 10)) == []
    assert [t.id for t in router.waiting("billing")] == ["c1"]
    assert router.agent("1001").state is AgentState.READY  # still ready: the node is what is missing
    assert offers(router.ready("1002", 11)) == [("c1", "1002")]  # a remote agent takes him
    router.enqueue(at_node(call("c2", "billing", 12), "a"), 12)
    assert offers(router.node_available("a", True, 20)) == [("c2", "1001")]


def test_an_agent_made_ready_while_his_node_is_lost_waits_for_the_node() -> None:
    router = make([BILLING], [on("b", agent("1002", billing=5))])
    router.pause("1002", 1, "lunch")
    router.node_available("b", False, 2)
    router.enqueue(at_node(call("c1", "billing", 3), "a"), 3)
    assert offers(router.ready("1002", 4)) == []
    assert offers(router.node_available("b", False, 5)) == []  # lost twice: no change
    assert offers(router.node_available("b", True, 6)) == [("c1", "1002")]
    assert offers(router.node_available("b", True, 7)) == []  # back twice: nothing offered twice


@settings(max_examples=60, deadline=None)
@given(agent_nodes=st.lists(st.sampled_from("abc"), min_size=1, max_size=6), caller_node=st.sampled_from("abc"),
       busy=st.sets(st.integers(0, 5)))
def test_a_local_agent_is_taken_whenever_one_is_ready_else_a_remote_one(agent_nodes, caller_node, busy) -> None:
    agents = [on(n, agent(f"10{i:02d}", billing=5)) for i, n in enumerate(agent_nodes)]
    router = make([BILLING], agents)
    for i in busy & set(range(len(agents))):
        router.pause(agents[i].id, 100, "break")
    ready = [a for i, a in enumerate(agents) if i not in busy]
    got = offers(router.enqueue(at_node(call("c", "billing", 200), caller_node), 200))
    if not ready:
        assert got == []
        return
    chosen = router.agent(got[0][1])
    local = [a for a in ready if a.node == caller_node]
    assert chosen.node == caller_node if local else chosen in ready
    pool = local or ready  # longest idle within the preferred pool = first logged in (login order)
    assert chosen.id == pool[0].id
