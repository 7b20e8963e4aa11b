"""The `ha:` section of hotline.yaml, and the CDR stamp of an engine with a lease."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from common.yamlconf import ConfigError
from cti.app.config import HotlineConfig, load_config
from cti.services.standby import FencedRecords
from cti.store import CdrRecord, QueueLogRecord

PG = "postgresql+asyncpg://hotline:pw@db.example/hotline"


def load(tmp_path: Path, text: str) -> HotlineConfig:
    path = tmp_path / "hotline.yaml"
    path.write_text("ami: {secret: s}\n" + text, encoding="utf-8")
    return load_config(path)


def test_ha_is_off_by_default_and_needs_nothing():
    assert HotlineConfig.default().ha.enabled is False


def test_ha_on_postgres_with_the_default_timing(tmp_path):
    config = load(tmp_path, f"database: {{url: '{PG}', schema_name: centre_a}}\nha: {{enabled: true, node: a}}\n")
    assert (config.ha.node, config.ha.lease_s, config.ha.renew_every_s, config.ha.margin_s) == ("a", 10.0, 2.0, 2.0)
    assert config.database.schema_name == "centre_a"


def test_ha_on_sqlite_is_refused_with_the_reason(tmp_path):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, "ha: {enabled: true, node: a}\n")
    [issue] = info.value.issues
    assert issue.line == 2  # the ha: line, where the operator switched it on
    assert "ha.enabled needs database.url on PostgreSQL" in str(issue) and "SQLite is a local file" in str(issue)


@pytest.mark.parametrize("timing", ["lease_s: 4, margin_s: 4", "lease_s: 10, renew_every_s: 5, margin_s: 2"])
def test_renewals_must_fit_in_the_lease(tmp_path, timing):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, f"database: {{url: '{PG}'}}\nha: {{enabled: true, node: a, {timing}}}\n")
    assert "ha" in str(info.value)


def test_node_names_are_checked(tmp_path):
    with pytest.raises(ConfigError):
        load(tmp_path, f"database: {{url: '{PG}'}}\nha: {{enabled: true, node: 'a b'}}\n")


class _Sink:
    def __init__(self) -> None:
        self.records: list = []

    def submit(self, record) -> None:
        self.records.append(record)


def test_cdrs_are_stamped_with_node_at_epoch_and_other_records_pass_unchanged():
    sink = _Sink()
    fenced = FencedRecords(sink, lambda: "a@7")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    cdr = CdrRecord(call_id="1.1", linked_id=None, direction="inbound", caller="555", caller_name="", dialed="10000",
                    started_at=now, answered_at=None, ended_at=now, duration_s=0.0, ivr_flow="main", ivr_path="",
                    exit_node="", queue=None, agent=None, wait_s=None, talk_s=None, disposition="completed",
                    hangup_cause=None, hangup_cause_txt=None, digits=None)
    queued = QueueLogRecord(at=now, call_id="1.1", queue="billing", event="enqueue")
    fenced.submit(cdr)
    fenced.submit(queued)
    assert sink.records == [dataclasses.replace(cdr, engine_node="a@7"), queued]
