"""The IVR shell over a fake call session: what each node kind makes Asterisk do."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from cti.calls.http_lookup import ServiceFailed, get_json
from ivr.loader import load_flow
from ivr.models import Flow
from cti.agi import DialOutcome
from cti.calls.flow_runner import FlowRunner
from tests.support.fake_call import Barge, FakeCall

REPO = Path(__file__).resolve().parents[2]
SOUNDS = REPO / "sounds"
SELFSERVICE = load_flow(REPO / "config/ivr/selfservice.yaml", SOUNDS)
END = {"done": {"type": "hangup"}, "bye": {"type": "hangup", "disposition": "invalid_input"},
       "quiet": {"type": "hangup", "disposition": "silent"}}


def make(nodes: dict[str, Any], name: str = "t", language: str = "en") -> Flow:
    return Flow.model_validate({"name": name, "entry": "start", "language": language, "nodes": {**END, **nodes}})


def run(runner: FlowRunner, call: FakeCall) -> Any:
    return asyncio.run(runner.run(call))


DEMO = {("phone", "5559001"): {"tier": "gold", "balance": "1234.50", "language": "en"},
        ("phone", "5559002"): {"tier": "silver", "balance": "88.05", "language": "zh"},
        ("account", "100003"): {"tier": "normal", "balance": "42.75", "language": "en"}}


async def demo_lookup(field: str, value: str) -> dict[str, str] | None:
    return DEMO.get((field, value))


def test_selfservice_known_caller_hears_balance_in_dollars_and_cents() -> None:
    call = FakeCall()
    outcome = run(FlowRunner(SELFSERVICE, SOUNDS, variables={"caller": "5559001"}, customer_lookup=demo_lookup), call)
    assert call.actions == [("play", "en/welcome"), ("play", "en/your_balance_is"), ("set", "CHANNEL(language)", "en"),
                            ("say_number", 1234), ("play", "en/money_major"), ("say_number", 50),
                            ("play", "en/money_minor"), ("play", "en/goodbye")]
    assert outcome.path == ["welcome", "find_caller", "their_language", "balance", "say_balance", "goodbye", "done"]
    assert outcome.disposition == "completed"


def test_selfservice_mandarin_customer_hears_yuan_jiao_fen_from_the_zh_folder() -> None:
    call = FakeCall()
    run(FlowRunner(SELFSERVICE, SOUNDS, variables={"caller": "5559002"}, customer_lookup=demo_lookup), call)
    assert call.actions[1:] == [("play", "zh/your_balance_is"), ("set", "CHANNEL(language)", "zh"),
                                ("say_number", 88), ("play", "zh/money_major"),  # 0 jiao is not said
                                ("say_number", 5), ("play", "zh/money_fen"), ("play", "zh/goodbye")]


def test_selfservice_unknown_caller_enters_and_confirms_account_then_hears_balance() -> None:
    call = FakeCall(["100003", "1"])
    outcome = run(FlowRunner(SELFSERVICE, SOUNDS, variables={"caller": "5550000"}, customer_lookup=demo_lookup), call)
    assert ("collect", "en/enter_account", 6, "#") in call.actions
    assert ("say_digits", "100003") in call.actions and ("collect", "en/confirm_entry", 1, "") in call.actions
    assert ("say_number", 42) in call.actions and ("say_number", 75) in call.actions
    assert outcome.path[2:4] == ["ask_account", "find_account"]


def test_selfservice_without_a_wired_lookup_asks_for_the_account_and_says_not_found() -> None:
    call = FakeCall(["100003", "1"])
    outcome = run(FlowRunner(SELFSERVICE, SOUNDS, variables={"caller": "5559001"}), call)
    assert outcome.path[-3:] == ["no_such_account", "goodbye", "done"]


def test_selfservice_failing_lookup_says_service_unavailable() -> None:
    async def broken(field: str, value: str) -> None:
        raise ServiceFailed("database down")

    call = FakeCall()
    outcome = run(FlowRunner(SELFSERVICE, SOUNDS, variables={"caller": "5559001"}, customer_lookup=broken), call)
    assert ("play", "en/service_unavailable") in call.actions and outcome.exit_node == "done"


def test_slow_customer_lookup_is_a_failure_after_its_timeout() -> None:
    async def slow(field: str, value: str) -> None:
        await asyncio.Event().wait()  # never answers: only the node's timeout ends it

    flow = make({"start": {"type": "lookup", "source": "customer_db", "timeout_s": 0.05, "found": "done",
                           "not_found": "bye", "failure": "quiet"}})
    assert run(FlowRunner(flow, SOUNDS, variables={"caller": "1"}, customer_lookup=slow),
               FakeCall()).disposition == "silent"


def test_collect_key_pressed_during_a_retry_prompt_starts_the_entry() -> None:
    flow = make({"start": {"type": "collect", "variable": "a", "prompt": "enter_account", "min_length": 6,
                           "max_length": 6, "max_attempts": 2, "no_match": ["invalid_account"], "next": "done",
                           "fallback": "bye"}})
    call = FakeCall(["12", Barge("1"), "00003"])  # "1" during the retry prompt
    runner = FlowRunner(flow, SOUNDS)
    assert run(runner, call).disposition == "completed"
    assert runner.walk.variables["a"] == "100003"
    assert call.actions[-1] == ("collect", None, 5, "#")


def test_say_date_uses_say_unix_time_at_noon_utc() -> None:
    call = FakeCall()
    run(FlowRunner(make({"start": {"type": "say", "kind": "date", "value": "2026-12-25", "next": "done"}},
                        language="zh"), SOUNDS), call)
    assert call.actions == [("set", "CHANNEL(language)", "zh"), ("exec", "SayUnixTime", "1798200000", "UTC", "YBd")]


def test_dial_transfer_sets_prefixed_variables_then_dials_with_g() -> None:
    flow = make({"start": {"type": "transfer", "target": "2001", "context": "agent-sim",
                           "variables": {"account": "{account}", "note": "{name}"},
                           "next": "done", "on_failure": "bye"}})
    call = FakeCall(dials=[DialOutcome("BUSY", 0, 4)])
    outcome = run(FlowRunner(flow, SOUNDS, variables={"account": "42", "name": "line\nbreak"}), call)
    assert call.actions == [("set", "HOTLINE_ACCOUNT", "42"), ("set", "HOTLINE_NOTE", "linebreak"),
                            ("dial", "Local/2001@agent-sim", 30, "g")]
    assert outcome.disposition == "invalid_input"


def test_goto_transfer_execs_goto_and_finishes_transferred() -> None:
    call = FakeCall()
    flow = make({"start": {"type": "transfer", "target": "10000", "mode": "goto"}})
    assert run(FlowRunner(flow, SOUNDS), call).disposition == "transferred"
    assert call.actions == [("exec", "Goto", "hotline", "10000", 1)]


def test_callback_is_booked_through_the_injected_service_with_the_call_variables() -> None:
    booked: list[tuple[str, dict[str, str]]] = []

    async def book(number: str, variables: dict[str, str]) -> None:
        booked.append((number, dict(variables)))

    flow = make({"start": {"type": "callback", "next": "done", "on_failure": "bye"}})
    assert run(FlowRunner(flow, SOUNDS, variables={"caller": "555", "tier": "gold"}, book_callback=book),
               FakeCall()).disposition == "completed"
    assert booked == [("555", {"caller": "555", "tier": "gold"})]


def test_callback_without_a_booking_service_goes_on_as_booked(caplog: pytest.LogCaptureFixture) -> None:
    flow = make({"start": {"type": "callback", "next": "done", "on_failure": "bye"}})
    assert run(FlowRunner(flow, SOUNDS, variables={"caller": "555"}), FakeCall()).disposition == "completed"
    assert "no booking service is wired" in caplog.text


def test_goto_flow_resolves_through_the_injected_flows_or_only_knows_itself() -> None:
    other = make({"start": {"type": "play", "prompts": ["billing"], "next": "done"}}, name="billing")
    flow = make({"start": {"type": "goto", "flow": "billing", "fallback": "bye"}})
    outcome = run(FlowRunner(flow, SOUNDS, flows=lambda: {"billing": other}), FakeCall())
    assert outcome.path == ["start", "billing:start", "billing:done"] and outcome.exit_node == "billing:done"
    assert run(FlowRunner(flow, SOUNDS), FakeCall()).disposition == "invalid_input"


def test_hours_node_reads_the_injected_clock() -> None:
    flow = make({"start": {"type": "hours", "timezone": "Europe/London", "weekly": {"fri": ["09:00-17:00"]},
                           "open": "done", "closed": "bye"}})
    friday_10 = datetime(2026, 12, 25, 10, tzinfo=timezone.utc)
    assert run(FlowRunner(flow, SOUNDS, clock=lambda: friday_10), FakeCall()).disposition == "completed"
    assert run(FlowRunner(flow, SOUNDS, clock=lambda: friday_10.replace(hour=18)),
               FakeCall()).disposition == "invalid_input"


# ---------------------------------------------------------------- http lookup, against a local server

async def _serve(handler: Any) -> tuple[asyncio.AbstractServer, str]:
    async def respond(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = (await reader.readuntil(b"\r\n\r\n")).decode()
        status, body, hang = handler(request.split()[1])
        if hang:
            await reader.read()  # say nothing until the client gives up and closes
            writer.close()
            return
        writer.write(f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                     f"Connection: close\r\n\r\n".encode() + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(respond, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


def _routes(path: str) -> tuple[str, bytes, bool]:
    """(status, body, hang): a hanging route never answers."""
    if path == "/c/100003":
        return "200 OK", json.dumps({"account": {"balance": 42.75}, "tier": "gold"}).encode(), False
    if path == "/slow":
        return "200 OK", b"{}", True
    if path == "/list":
        return "200 OK", b"[1]", False
    if path == "/broken":
        return "500 Internal Server Error", b"{}", False
    return "404 Not Found", b"{}", False


@pytest.mark.parametrize("path, expected", [("/c/100003", {"account": {"balance": 42.75}, "tier": "gold"}),
                                            ("/c/999999", None)])
def test_http_get_json_returns_the_object_or_none_for_404(path: str, expected: Any) -> None:
    async def go() -> Any:
        server, base = await _serve(_routes)
        async with server:
            return await get_json(base + path, 2)

    assert asyncio.run(go()) == expected


@pytest.mark.parametrize("path, reason", [("/slow", "no answer within"), ("/list", "not an object"),
                                          ("/broken", "HTTP 500")])
def test_http_get_json_failures_are_service_failures(path: str, reason: str) -> None:
    async def go() -> None:
        server, base = await _serve(_routes)
        async with server:
            await get_json(base + path, 0.3)

    with pytest.raises(ServiceFailed, match=reason):
        asyncio.run(go())


def test_http_lookup_node_maps_json_into_variables_and_says_the_balance() -> None:
    async def go() -> tuple[Any, FakeCall, FlowRunner]:
        server, base = await _serve(_routes)
        flow = make({"start": {"type": "lookup", "source": "http", "url": base + "/c/{account}",
                               "fields": {"balance": "account.balance"}, "found": "say", "not_found": "bye",
                               "failure": "quiet"},
                     "say": {"type": "say", "kind": "money", "value": "{balance}", "next": "done"}})
        call = FakeCall()
        runner = FlowRunner(flow, SOUNDS, variables={"account": "100003"})
        async with server:
            return await runner.run(call), call, runner

    outcome, call, runner = asyncio.run(go())
    assert outcome.disposition == "completed" and runner.walk.variables["balance"] == "42.75"
    assert ("say_number", 42) in call.actions and ("say_number", 75) in call.actions


def test_the_sounds_folder_is_resolved_once_not_per_call(tmp_path, monkeypatch) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    flow = make({"start": {"type": "play", "prompts": ["welcome"], "next": "done"}})
    resolves: list[Path] = []
    original = Path.resolve
    monkeypatch.setattr(Path, "resolve", lambda self, *a, **k: resolves.append(self) or original(self, *a, **k))
    runners = [FlowRunner(flow, tmp_path / "link") for _ in range(5)]
    assert {r.prompt_path("welcome") for r in runners} == {f"{tmp_path / 'real'}/en/welcome"}
    assert len(resolves) == 1
