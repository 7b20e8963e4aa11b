"""MQTT bridge: screen pops, agent state, call events and live stats out; agent desktop commands in.

`topics` (the layout), `outbox` (bounded queue), `inbound` (desktop commands) and `notifier`
(CTI payloads -> messages) are pure; `publisher` queues messages without waiting; `bridge` is the
only module that talks to a broker.
"""

from cti.mqtt.bridge import MqttBridge

__all__ = ["MqttBridge"]
