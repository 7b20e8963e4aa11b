"""The topic layout (documented in docs/mqtt.md); the one place topic strings are built or parsed.

Every id that becomes a topic level is checked: MQTT gives '/', '+' and '#' a meaning and a
NUL is illegal, so an id carrying one would publish somewhere else or be refused by the broker.
Such a message is skipped (and logged by the caller) rather than rewritten into another topic.
"""

from __future__ import annotations

_FORBIDDEN = frozenset("/+#\x00")
MAX_LEVEL = 128


class BadTopicLevel(ValueError):
    error_id = "bad-topic-level"


def level(value: object) -> str:
    """`value` as one topic level, or BadTopicLevel."""
    text = str(value)
    if not text or len(text) > MAX_LEVEL or _FORBIDDEN.intersection(text):
        raise BadTopicLevel(f"{text[:40]!r} cannot be a topic level (empty, too long, or has / + # NUL)")
    return text


class Topics:
    """Topic names under one prefix (``mqtt.topic_prefix``, default ``hotline``)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix.strip("/")
        if not self.prefix or "+" in self.prefix or "#" in self.prefix:
            raise ValueError(f"topic prefix {prefix!r}: use plain levels such as 'hotline' or 'site1/hotline'")

    def agent_state(self, agent_id: object) -> str:
        return f"{self.prefix}/agents/{level(agent_id)}/state"

    def screenpop(self, agent_id: object) -> str:
        return f"{self.prefix}/agents/{level(agent_id)}/screenpop"

    def consult(self, agent_id: object) -> str:
        return f"{self.prefix}/agents/{level(agent_id)}/consult"

    def reply(self, agent_id: object) -> str:
        return f"{self.prefix}/agents/{level(agent_id)}/reply"

    def command(self, agent_id: object) -> str:
        return f"{self.prefix}/agents/{level(agent_id)}/cmd"

    @property
    def command_filter(self) -> str:
        return f"{self.prefix}/agents/+/cmd"

    def agent_monitor(self, agent_id: object) -> str:
        """"Being monitored" notices to the agent's desk (supervisors with notify_agent)."""
        return f"{self.prefix}/agents/{level(agent_id)}/monitor"

    def supervisor_command(self, supervisor_id: object) -> str:
        return f"{self.prefix}/supervisors/{level(supervisor_id)}/cmd"

    def supervisor_reply(self, supervisor_id: object) -> str:
        return f"{self.prefix}/supervisors/{level(supervisor_id)}/reply"

    def supervisor_monitor(self, supervisor_id: object) -> str:
        """The supervisor's monitoring sessions: started, switched, ended."""
        return f"{self.prefix}/supervisors/{level(supervisor_id)}/monitor"

    @property
    def supervisor_command_filter(self) -> str:
        return f"{self.prefix}/supervisors/+/cmd"

    def supervisor_of_command(self, topic: str) -> str | None:
        """The supervisor id in ``{prefix}/supervisors/{id}/cmd``; None for any other topic."""
        head = f"{self.prefix}/supervisors/"
        if not topic.startswith(head) or not topic.endswith("/cmd"):
            return None
        supervisor = topic[len(head):-len("/cmd")]
        return supervisor if supervisor and "/" not in supervisor else None

    def call_events(self, call_id: object) -> str:
        return f"{self.prefix}/calls/{level(call_id)}/events"

    def queue_stats(self, queue: object) -> str:
        return f"{self.prefix}/queues/{level(queue)}/stats"

    def queue_alert(self, queue: object, kind: object) -> str:
        return f"{self.prefix}/queues/{level(queue)}/alerts/{level(kind)}"

    @property
    def alerts(self) -> str:
        return f"{self.prefix}/alerts"

    def case_events(self, case_id: object) -> str:
        return f"{self.prefix}/cases/{level(case_id)}/events"

    def ivr_flow(self, name: object) -> str:
        return f"{self.prefix}/ivr/flows/{level(name)}"

    def dialer_stats(self, campaign: object) -> str:
        return f"{self.prefix}/dialer/{level(campaign)}/stats"

    @property
    def engine_status(self) -> str:
        return f"{self.prefix}/engine/status"

    def agent_of_command(self, topic: str) -> str | None:
        """The agent id in ``{prefix}/agents/{id}/cmd``; None for any other topic."""
        head = f"{self.prefix}/agents/"
        if not topic.startswith(head) or not topic.endswith("/cmd"):
            return None
        agent = topic[len(head):-len("/cmd")]
        return agent if agent and "/" not in agent else None
