"""What a supervisor reads about an alert, in English and Chinese (wallboard, log, MQTT)."""

from __future__ import annotations

from acd.alert_state import Change
from acd.alerts import AlertEvent, AlertKind


def _n(value: float | None) -> str:
    return "-" if value is None else f"{value:g}" if value == int(value) else f"{value:.1f}"


_EN = {
    AlertKind.WAITING_CALLS: "{v} calls waiting (alert at {t}, clears at {c})",
    AlertKind.LONGEST_WAIT: "a caller has waited {v} s (alert at {t} s, clears at {c} s)",
    AlertKind.SERVICE_LEVEL: "service level {v}% over the last {w} min (alert at {t}%, clears at {c}%)",
    AlertKind.READY_AGENTS: "{v} agents ready (alert at {t}, clears at {c})",
}
_ZH = {
    AlertKind.WAITING_CALLS: "{v} 个来电排队等待（预警阈值 {t}，恢复阈值 {c}）",
    AlertKind.LONGEST_WAIT: "最长等待 {v} 秒（预警阈值 {t} 秒，恢复阈值 {c} 秒）",
    AlertKind.SERVICE_LEVEL: "近 {w} 分钟服务水平 {v}%（预警阈值 {t}%，恢复阈值 {c}%）",
    AlertKind.READY_AGENTS: "就绪坐席 {v} 人（预警阈值 {t}，恢复阈值 {c}）",
}


def messages(event: AlertEvent) -> dict[str, str]:
    """``{"en": ..., "zh": ...}``, e.g. "queue billing: alert raised: 9 calls waiting (...)"."""
    fields = {"v": _n(event.value), "t": _n(event.threshold), "c": _n(event.clear_at), "w": event.window_min}
    raised = event.change is Change.RAISED
    en_head = f"queue {event.queue}: {event.severity} {'raised' if raised else 'cleared'}: "
    zh_head = f"队列 {event.queue}：{'预警' if raised else '预警解除'}（{_ZH_SEVERITY.get(event.severity, event.severity)}）："
    tail_en = " (rule removed)" if event.reason == "reset" else ""
    tail_zh = "（规则已移除）" if event.reason == "reset" else ""
    return {"en": en_head + _EN[event.kind].format(**fields) + tail_en,
            "zh": zh_head + _ZH[event.kind].format(**fields) + tail_zh}


_ZH_SEVERITY = {"warning": "警告", "critical": "严重"}
