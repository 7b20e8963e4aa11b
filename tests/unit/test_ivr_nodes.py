"""The pure stepper for collect, say, set, language, hours, lookup, transfer, callback and goto nodes."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from ivr.models import Flow
from ivr.stepper import (ALL_KEYS, Callback, Collect, Event, Finish, GotoFlow, Lookup, LookupFailure, Play, Say,
                         Transfer, Walk)

END = {"done": {"type": "hangup"}, "bye": {"type": "hangup", "disposition": "invalid_input"},
       "quiet": {"type": "hangup", "disposition": "silent"}}


def make(nodes: dict[str, Any], entry: str = "start", name: str = "t") -> Flow:
    return Flow.model_validate({"name": name, "entry": entry, "nodes": {**END, **nodes}})


ACCOUNT = {"type": "collect", "variable": "account", "prompt": "enter_account", "min_length": 6, "max_length": 6,
           "pattern": "[0-9]{6}", "timeout_s": 4, "max_attempts": 2, "no_input": ["no_input"],
           "no_match": ["invalid_account"], "next": "done", "on_silence": "quiet", "fallback": "bye"}
ASK = Collect(("enter_account",), 4000, ALL_KEYS, 6, "#")


# ---------------------------------------------------------------- collect

def test_collect_stores_a_valid_entry_and_goes_next() -> None:
    walk = Walk(make({"start": ACCOUNT}))
    assert walk.start() == ASK
    assert walk.feed("123456") == Finish("completed")
    assert walk.variables["account"] == "123456"
    assert walk.path == ["start", "done"] and walk.digits == list("123456")


def test_collect_too_short_entry_plays_no_match_then_falls_back() -> None:
    walk = Walk(make({"start": ACCOUNT}))
    walk.start()
    assert walk.feed("123") == Collect(("invalid_account", "enter_account"), 4000, ALL_KEYS, 6, "#")
    assert walk.feed("12345x"[:5]) == Finish("invalid_input")
    assert "account" not in walk.variables


def test_collect_pattern_must_match_the_whole_entry() -> None:
    walk = Walk(make({"start": ACCOUNT | {"pattern": "9[0-9]{5}"}}))
    walk.start()
    assert walk.feed("123456") != Finish("completed")
    assert walk.feed("923456") == Finish("completed")


def test_collect_silent_caller_hears_no_input_then_goes_on_silence() -> None:
    walk = Walk(make({"start": ACCOUNT}))
    walk.start()
    assert walk.feed("") == Collect(("no_input", "enter_account"), 4000, ALL_KEYS, 6, "#")
    assert walk.feed("") == Finish("silent")


def test_collect_confirm_reads_back_then_1_accepts() -> None:
    walk = Walk(make({"start": ACCOUNT | {"confirm": True}}))
    walk.start()
    assert walk.feed("123456") == Play(("you_entered",), "")
    assert walk.feed("") == Say("digits", "123456")
    assert walk.feed("") == Collect(("confirm_entry",), 4000, ALL_KEYS)
    assert "account" not in walk.variables
    assert walk.feed("1") == Finish("completed")
    assert walk.variables["account"] == "123456"


def test_collect_confirm_2_asks_again_and_counts_an_attempt() -> None:
    walk = Walk(make({"start": ACCOUNT | {"confirm": True}}))
    walk.start()
    for _ in range(2):
        walk.feed("123456")
    walk.feed("")
    assert walk.feed("2") == ASK
    assert [d.event for d in walk.trail].count(Event.REENTER) == 1
    walk.feed("654321"), walk.feed(""), walk.feed("")
    assert walk.feed("2") == Finish("invalid_input")  # second attempt used up


def test_collect_discards_type_ahead_from_a_barge_in_prompt() -> None:
    walk = Walk(make({"start": {"type": "play", "prompts": ["welcome"], "next": "acct"}, "acct": ACCOUNT}))
    walk.start()
    assert walk.feed("5") == ASK


def test_collect_min_above_max_is_refused() -> None:
    with pytest.raises(ValidationError, match="min_length 7 is above max_length 6"):
        make({"start": ACCOUNT | {"min_length": 7}})


# ---------------------------------------------------------------- say, set, language

@pytest.mark.parametrize("kind, value, said", [
    ("money", "{balance}", Say("money", "1234.50")), ("number", "42", Say("number", "42")),
    ("digits", "{phone}", Say("digits", "5559001")), ("date", "2026-12-25", Say("date", "2026-12-25"))])
def test_say_emits_the_canonical_value(kind: str, value: str, said: Say) -> None:
    walk = Walk(make({"start": {"type": "say", "kind": kind, "value": value, "next": "done"}}),
                variables={"balance": "1234.5", "phone": "555-9001"})
    assert walk.start() == said
    assert walk.feed("") == Finish("completed")


def test_say_of_a_value_that_is_not_money_says_nothing_and_goes_on() -> None:
    walk = Walk(make({"start": {"type": "say", "kind": "money", "value": "{balance}", "next": "done"}}))
    assert walk.start() == Finish("completed")
    assert any(d.event is Event.SKIPPED for d in walk.trail)


def test_set_fills_templates_in_order_and_language_switches() -> None:
    walk = Walk(make({
        "start": {"type": "set", "values": {"queue_hint": "billing", "ref": "{account}-{queue_hint}"}, "next": "lang"},
        "lang": {"type": "language", "variable": "customer_language", "next": "zh"},
        "zh": {"type": "language", "language": "zh", "next": "done"}}),
        variables={"account": "42", "customer_language": "fr"})
    walk.start()
    assert walk.variables["ref"] == "42-billing"
    assert walk.language == "zh"
    assert [d.detail for d in walk.trail if d.event is Event.LANGUAGE] == ["en", "zh"]  # 'fr' kept en


@pytest.mark.parametrize("template", ["{balance + 1}", "{Balance}", "a}b", "{"])
def test_templates_allow_variable_names_only(template: str) -> None:
    with pytest.raises(ValidationError, match="braces may only hold a variable name"):
        make({"start": {"type": "set", "values": {"x": template}, "next": "done"}})


# ---------------------------------------------------------------- hours

HOURS = {"type": "hours", "timezone": "Asia/Shanghai", "weekly": {"mon": ["09:00-12:00", "13:00-18:00"],
                                                                  "sat": ["10:00-24:00"]},
         "holidays": ["2026-10-01"], "open": "done", "closed": "bye", "on_holiday": "quiet"}


@pytest.mark.parametrize("utc, state", [
    ("2026-03-16T01:00:00", "open"),     # Monday 09:00 in Shanghai
    ("2026-03-16T04:30:00", "closed"),   # Monday 12:30, lunch
    ("2026-03-16T10:00:00", "closed"),   # Monday 18:00: closing time is exclusive
    ("2026-03-21T15:59:00", "open"),     # Saturday 23:59, open until 24:00
    ("2026-03-15T03:00:00", "closed"),   # Sunday: not listed
    ("2026-10-01T03:00:00", "holiday"),  # a Thursday, but a holiday
])
def test_hours_reads_the_time_in_the_node_time_zone(utc: str, state: str) -> None:
    now = datetime.fromisoformat(utc).replace(tzinfo=timezone.utc)
    walk = Walk(make({"start": HOURS}), now=now)
    disposition = {"open": "completed", "closed": "invalid_input", "holiday": "silent"}[state]
    assert walk.start() == Finish(disposition)
    assert walk.trail[1].detail == state


def test_hours_without_now_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError, match="needs the time"):
        Walk(make({"start": HOURS})).start()


@pytest.mark.parametrize("change, message", [({"timezone": "Mars/Olympus"}, "unknown time zone"),
                                             ({"weekly": {"mon": ["18:00-09:00"]}}, "not an opening range"),
                                             ({"weekly": {"mon": ["9-17"]}}, "not an opening range")])
def test_hours_refuses_bad_zones_and_ranges(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make({"start": HOURS | change})


# ---------------------------------------------------------------- lookup

DB = {"type": "lookup", "source": "customer_db", "found": "done", "not_found": "bye", "failure": "quiet"}
HTTP = {"type": "lookup", "source": "http", "url": "https://crm.example/c/{account}?q={name}", "timeout_s": 3,
        "fields": {"balance": "account.balance", "vip": "vip", "gone": "nope"},
        "found": "done", "not_found": "bye", "failure": "quiet"}


def test_customer_lookup_by_caller_copies_every_field_when_found() -> None:
    walk = Walk(make({"start": DB}), variables={"caller": "5559001"})
    assert walk.start() == Lookup("customer_db", "5559001", "phone", 2.0)
    assert walk.feed({"tier": "gold", "balance": "1.00", "bad-name": "x"}) == Finish("completed")
    assert walk.variables == {"caller": "5559001", "tier": "gold", "balance": "1.00"}


@pytest.mark.parametrize("result, disposition", [(None, "invalid_input"), ({}, "invalid_input"),
                                                 (LookupFailure("timeout"), "silent")])
def test_lookup_not_found_and_failure_take_their_branches(result: Any, disposition: str) -> None:
    walk = Walk(make({"start": DB | {"field": "account", "key": "{acct}"}}), variables={"acct": "100001"})
    assert walk.start() == Lookup("customer_db", "100001", "account", 2.0)
    assert walk.feed(result) == Finish(disposition)


def test_lookup_without_a_key_is_not_found_without_asking() -> None:
    walk = Walk(make({"start": DB}))  # anonymous caller: no caller ID
    assert walk.start() == Finish("invalid_input")


def test_http_lookup_url_encodes_values_and_maps_json_fields() -> None:
    walk = Walk(make({"start": HTTP}), variables={"account": "1/2", "name": "Li Wei"})
    assert walk.start() == Lookup("http", "https://crm.example/c/1%2F2?q=Li%20Wei", "", 3.0)
    walk.feed({"account": {"balance": 12.5}, "vip": True})
    assert (walk.variables["balance"], walk.variables["vip"], walk.variables["gone"]) == ("12.5", "true", "")


@pytest.mark.parametrize("change, message", [({"fields": {}}, "needs 'fields'"), ({"url": "ftp://x"}, "needs 'url'")])
def test_http_lookup_needs_a_url_and_fields(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make({"start": HTTP | change})


# ---------------------------------------------------------------- transfer, callback

TRANSFER = {"type": "transfer", "target": "2001", "variables": {"account": "{account}", "reason": "billing"},
            "next": "done", "on_failure": "bye"}


@pytest.mark.parametrize("outcome, disposition", [("answered", "completed"), ("failed", "invalid_input")])
def test_dial_transfer_passes_variables_and_routes_its_outcome(outcome: str, disposition: str) -> None:
    walk = Walk(make({"start": TRANSFER}), variables={"account": "42"})
    assert walk.start() == Transfer("2001", {"account": "42", "reason": "billing"}, "hotline", "dial", 30)
    assert walk.feed(outcome) == Finish(disposition)


def test_goto_transfer_ends_the_flow_as_transferred() -> None:
    walk = Walk(make({"start": {"type": "transfer", "target": "10000", "mode": "goto"}}))
    assert walk.start().mode == "goto"
    assert walk.feed("transferred") == Finish("transferred")


@pytest.mark.parametrize("target", ["20;01", "SIP/1001", "Local/1001", "PJSIP/1001,g", "Dial(x)"])
def test_transfer_target_must_be_digits_or_a_pjsip_or_local_interface(target: str) -> None:
    with pytest.raises(ValidationError, match="target"):
        make({"start": TRANSFER | {"target": target}})


@pytest.mark.parametrize("target", ["+8613800000000", "PJSIP/agent-1001", "Local/1001@agent-sim", "*97#"])
def test_transfer_accepts_numbers_and_interfaces(target: str) -> None:
    assert make({"start": TRANSFER | {"target": target}})


def test_callback_books_the_number_and_failure_takes_on_failure() -> None:
    flow = make({"start": {"type": "callback", "next": "done", "on_failure": "bye"}})
    walk = Walk(flow, variables={"caller": "5559001"})
    assert walk.start() == Callback("caller", "5559001")
    assert walk.feed("booked") == Finish("completed")
    walk = Walk(flow, variables={"caller": "5559001"})
    walk.start()
    assert walk.feed("failed") == Finish("invalid_input")
    assert Walk(flow).start() == Finish("invalid_input")  # no number at all


# ---------------------------------------------------------------- goto

def test_goto_in_the_flow_moves_without_input() -> None:
    walk = Walk(make({"start": {"type": "goto", "node": "done"}}))
    assert walk.start() == Finish("completed")
    assert walk.path == ["start", "done"]


def test_goto_another_flow_records_flow_colon_node_in_the_path() -> None:
    other = make({"start": {"type": "play", "prompts": ["billing"], "next": "done"}}, name="billing")
    walk = Walk(make({"start": {"type": "goto", "flow": "billing"}}))
    assert walk.start() == GotoFlow("billing", None)
    assert walk.feed(other) == Play(("billing",), ALL_KEYS)
    assert walk.feed("") == Finish("completed")
    assert walk.path == ["start", "billing:start", "billing:done"]
    assert walk.exit_node == "billing:done"


def test_goto_a_flow_that_is_not_served_takes_the_fallback_or_ends_in_error() -> None:
    with_fallback = Walk(make({"start": {"type": "goto", "flow": "gone", "fallback": "bye"}}))
    with_fallback.start()
    assert with_fallback.feed(None) == Finish("invalid_input")
    without = Walk(make({"start": {"type": "goto", "flow": "gone", "node": "nowhere"}}))
    without.start()
    assert without.feed(make({}, entry="done", name="gone")) == Finish("error")  # flow there, node not


def test_flows_that_goto_each_other_forever_are_stopped() -> None:
    from ivr.stepper import FlowLoopError

    ping = make({"start": {"type": "goto", "flow": "pong"}}, name="ping")
    pong = make({"start": {"type": "goto", "flow": "ping"}}, name="pong")
    walk = Walk(ping, max_steps=20)
    command = walk.start()
    with pytest.raises(FlowLoopError):
        for _ in range(100):
            assert isinstance(command, GotoFlow)
            command = walk.feed({"ping": ping, "pong": pong}[command.flow])
