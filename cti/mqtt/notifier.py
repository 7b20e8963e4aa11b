"""ACD events -> MQTT messages (pure: returns what to publish, the bridge publishes it).

`AcdService` notifies ``('agent', {agent, from, event, state, reason})`` for every agent state
change and ``('queue', {queue, call, event, ...fields})`` for every queue-log event (enqueue,
offer, answer, abandon, timeout...). The shell puts the caller context (number, customer
record, tier, IVR path, digits, wait) into the queue event's fields; they are passed on as
given, and an ``offer`` to an agent is also that agent's screen pop. ``('consult', {...})`` tells
the consulting agent how his consult goes (cti.calls.consult); ``('case', {...})`` is a case's
change (cti.services.cases); ``('alert', {...})`` a volume alert raised or cleared
(cti.services.alerts): on the alert stream, and retained as that (queue, kind)'s latest state;
``('monitor', {...})`` a live monitoring session's start, switch or end (cti.services.monitoring).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from cti.mqtt.topics import Topics


class Message(NamedTuple):
    topic: str
    payload: dict[str, Any]
    retain: bool = False


def acd_messages(topics: Topics, kind: str, payload: dict[str, Any], at: str) -> list[Message]:
    """Raises `topics.BadTopicLevel` for an id that cannot be a topic level."""
    if kind == "agent":
        return [Message(topics.agent_state(payload["agent"]), {**payload, "at": at}, retain=True)]
    if kind == "consult":  # how the agent's consult goes: answered, completed, ended
        return [Message(topics.consult(payload["by"]), {**payload, "at": at})]
    if kind == "preview":  # preview dialing: the lead the agent may call, on his screen
        return [Message(topics.screenpop(payload["agent"]), {**payload, "event": "preview", "at": at})]
    if kind == "case":  # a case moved, was noted, warned or escalated (cti.services.cases)
        return [Message(topics.case_events(payload["case"]), {**payload, "at": at})]
    if kind == "monitor":  # live monitoring (cti.services.monitoring): the supervisor's own topic, and the
        body = {**payload, "at": at}  # agent's desk only when his supervisor is set to tell him
        out = [Message(topics.supervisor_monitor(payload["supervisor"]), body)]
        if payload.get("notify_agent"):
            notice = {k: body[k] for k in ("event", "supervisor", "mode", "call", "at")}
            out.append(Message(topics.agent_monitor(payload["agent"]), notice))
        return out
    if kind == "alert":
        body = {**payload, "at": payload.get("at", at)}
        return [Message(topics.alerts, body),
                Message(topics.queue_alert(payload["queue"], payload["kind"]), body, retain=True)]
    if kind == "queue":
        body = {**payload, "at": at}
        out = [Message(topics.call_events(payload["call"]), body)]
        if payload.get("event") == "offer" and payload.get("agent_id"):
            out.append(Message(topics.screenpop(payload["agent_id"]), body))
        return out
    return []
