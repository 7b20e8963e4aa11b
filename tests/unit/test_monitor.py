"""`hotline monitor`: frames rendered from fixture dicts, and `--once` against a real control socket."""

from __future__ import annotations

import asyncio
import re
import tempfile
from datetime import datetime
from pathlib import Path

import pytest

from acd.config import load_acd
from acd.models import Task
from acd.router import Router
from cti.services.acd import AcdService
from cti.cli.main import main
from cti.app.control import Commands, ControlServer
from cti.cli.wallboard import duration, render, render_unreachable, sort_agents

NOW = datetime(2024, 5, 6, 14, 30, 5)
ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _window(minutes: int, sl, asa, aband) -> dict:
    return {"minutes": minutes, "offered": 10, "answered": 8, "answered_in_sl": 6, "abandoned": 2,
            "abandoned_after_sl": 1, "timed_out": 0, "service_level": sl, "asa_s": asa,
            "abandonment_rate": aband}


def _queue(name: str, sl: float | None, *, waiting=0, longest=0.0, target=80.0, callers=None) -> dict:
    q = {"queue": name, "at": 1000.0, "waiting": waiting, "reserved": 0, "longest_wait_s": longest,
         "agents": {"logged_out": 1, "ready": 2, "reserved": 0, "on_call": 3, "wrap_up": 1, "paused": 1},
         "staffed": 7, "offered": 40, "answered": 35, "abandoned": 4, "timed_out": 1, "rejected": 0,
         "sl_target_percent": target, "sl_target_seconds": 20.0,
         "windows": {"15": _window(15, sl, 12.4, 20.0), "30": _window(30, 90.0, 8.0, 5.0),
                     "60": _window(60, 95.0, 7.0, 2.0)},
         "aht_s": 180.0, "ewt_s": 95.0}
    if callers is not None:
        q["callers"] = callers
    return q


AGENTS = [
    {"id": "1001", "name": "Alice Martin", "interface": "PJSIP/1001", "state": "on_call", "reason": "",
     "since_s": 30.0},
    {"id": "1002", "name": "Bob Dupont", "interface": "PJSIP/1002", "state": "ready", "reason": "",
     "since_s": 5.0},
    {"id": "1003", "name": "Chen Wei", "interface": "PJSIP/1003", "state": "paused", "reason": "lunch",
     "since_s": 1500.0},
    {"id": "1004", "name": "Dana Kowalski", "interface": "PJSIP/1004", "state": "ready", "reason": "",
     "since_s": 125.0},
    {"id": "1005", "name": "Eve Laurent", "interface": "PJSIP/1005", "state": "on_call", "reason": "",
     "since_s": 4000.0},
]


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _row(text: str, first_cell: str) -> str:
    return next(line for line in _lines(text) if line.split()[:1] == [first_cell])


def test_queue_row_shows_waiting_longest_agents_sl_asa_abandonment_and_ewt():
    frame = render([_queue("billing", 85.0, waiting=3, longest=75.0)], AGENTS, NOW, 200)
    header = _row(frame, "QUEUE").split()
    assert header == ["QUEUE", "WAIT", "LONGEST", "SL15/TARGET", "ASA15", "ABAND15", "EWT", "READY", "RING",
                      "CALL", "WRAP", "PAUSE"]
    assert _row(frame, "billing").split() == ["billing", "3", "1:15", "85%/80%", "0:12", "20%", "1:35", "2",
                                              "0", "3", "1", "1"]
    assert frame.startswith("hotline monitor  2024-05-06 14:30:05  engine up")


def test_sl_under_target_is_marked_and_explained_only_for_that_queue():
    frame = render([_queue("billing", 85.0), _queue("faults", 62.5, target=90.0)], AGENTS, NOW, 200)
    assert "!" not in _row(frame, "billing")
    assert "62%/90% !" in _row(frame, "faults") or "63%/90% !" in _row(frame, "faults")
    assert "! service level (15 min) under the queue's target" in frame


def test_queue_without_answered_calls_shows_dashes_not_zero():
    frame = render([_queue("vip", None)], [], NOW, 200)
    assert "-/80%" in _row(frame, "vip")
    assert "!" not in frame


def test_agents_sorted_by_state_then_longest_in_state_first():
    frame = render([], AGENTS, NOW, 200)
    ids = [line.split()[0] for line in _lines(frame) if line[:4].isdigit()]
    assert ids == ["1004", "1002", "1005", "1001", "1003"]
    assert _row(frame, "1003").split()[-2:] == ["lunch", "25:00"]
    assert _row(frame, "1005").split()[-1] == "1:06:40"


def test_logged_out_agents_show_no_time_in_state():
    frame = render([], [{"id": "1006", "name": "Li Na", "state": "logged_out", "reason": "", "since_s": 4066}],
                   NOW, 200)
    assert _row(frame, "1006").split()[-3:] == ["logged", "out", "-"]


def test_agent_without_state_order_sorts_last():
    agents = [{"id": "9", "state": "mystery", "since_s": 1}, {"id": "8", "state": "logged_out", "since_s": 0}]
    assert [a["id"] for a in sort_agents(agents)] == ["8", "9"]


def test_narrow_width_cuts_every_line_with_an_ellipsis():
    frame = render([_queue("billing", 62.0, waiting=2, longest=40)], AGENTS, NOW, 30)
    assert all(len(line) <= 30 for line in _lines(frame))
    assert _row(frame, "billing").endswith("…")
    assert _row(frame, "1001").startswith("1001   Alice Martin   on call")


def test_sl_column_survives_a_60_column_terminal():
    frame = render([_queue("billing", 62.0, waiting=2, longest=40)], AGENTS, NOW, 60)
    assert max(map(len, _lines(frame))) == 60
    assert "62%/80% !" in _row(frame, "billing")




def test_colour_codes_do_not_count_towards_the_width_and_plain_has_none():
    queues = [_queue("faults", 50.0, waiting=1, longest=30)]
    plain = render(queues, AGENTS, NOW, 40)
    coloured = render(queues, AGENTS, NOW, 40, colour=True)
    assert "\x1b" not in plain
    assert "\x1b[31m" in coloured  # red SL marker
    assert ANSI.sub("", coloured) == plain


def test_longest_waiting_callers_listed_when_the_stats_carry_them():
    callers = [{"id": "c1", "caller": "+33611111111", "wait_s": 12, "priority": 0},
               {"id": "c2", "caller": "+33622222222", "wait_s": 95, "priority": 5}]
    frame = render([_queue("billing", 80.0, waiting=2, longest=95, callers=callers)], [], NOW, 200)
    assert "Longest-waiting callers" in frame
    section = frame[frame.index("Longest-waiting callers"):]
    assert section.index("+33622222222") < section.index("+33611111111")
    assert "Longest-waiting callers" not in render([_queue("billing", 80.0)], [], NOW, 200)


def test_unreachable_frame_names_the_socket_and_retries():
    frame = render_unreachable("var/run/hotline.sock", NOW, 200, reason="No such file or directory")
    assert "engine unreachable at var/run/hotline.sock: retrying" in frame
    assert "engine down" in _lines(frame)[0]


@pytest.mark.parametrize("seconds, text", [(None, "-"), (0, "0:00"), (59.6, "1:00"), (3600, "1:00:00")])
def test_duration_format(seconds, text):
    assert duration(seconds) == text


# ------------------------------------------------------------------ --once against a real engine socket

class _Sink:
    def __init__(self) -> None:
        self.records: list[object] = []

    def submit(self, record: object) -> None:
        self.records.append(record)


@pytest.fixture
def short_dir():
    with tempfile.TemporaryDirectory(prefix="hlmon") as d:  # Unix socket paths are capped at ~107 bytes
        yield Path(d)


@pytest.fixture
async def engine(short_dir):
    clock = [1000.0]
    acd = AcdService(Router(*load_acd(ROOT / "config/acd.yaml")), _Sink(), clock=lambda: clock[0])
    for agent in ("1001", "1003"):
        acd.agent_command(agent, "login")
    acd.agent_command("1003", "pause", "lunch")
    acd.agent_command("1001", "pause", "training")
    clock[0] += 42.0
    acd.open(Task(id="call-1", queue="billing", priority=0, enqueued_at=acd.now()))
    clock[0] += 75.0
    server = ControlServer(Commands(acd), short_dir / "hl.sock")
    await server.start()
    yield server.path
    await server.close()


def _config_pointing_at(socket: Path, folder: Path) -> Path:
    text = (ROOT / "config/hotline.yaml").read_text()
    config = folder / "hotline.yaml"
    config.write_text(re.sub(r"(?m)^(\s+socket:)\s*\S+", rf"\1 {socket}", text, count=1))
    return config


async def test_once_prints_one_frame_from_a_running_engine_and_exits_0(engine, short_dir, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)  # the config names sibling files relatively
    config = _config_pointing_at(engine, short_dir)
    code = await asyncio.to_thread(main, ["monitor", "-c", str(config), "--once", "--plain"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"engine up at {engine}" in out
    billing = _row(out, "billing").split()
    assert billing[:3] == ["billing", "1", "1:15"]  # one caller, waiting 75 s
    assert billing[-1] == "2"  # both logged-in billing agents paused
    assert _row(out, "1003").split()[-2:] == ["lunch", "1:57"]
    assert _row(out, "1001").split()[-2:] == ["training", "1:57"]
    assert "\x1b" not in out


async def test_once_without_engine_exits_1_and_says_where_it_looked(short_dir, capsys):
    socket = short_dir / "nobody.sock"
    code = await asyncio.to_thread(main, ["monitor", "--socket", str(socket), "--once"])
    captured = capsys.readouterr()
    assert code == 1
    assert f"engine unreachable at {socket}" in captured.err
    assert captured.out == ""


def test_an_agent_waiting_for_a_colleague_is_marked_as_a_consult():
    callers = [{"call": "leg1", "kind": "consult", "caller": "+33611111111", "wait_s": 4, "priority": 1000000}]
    frame = render([_queue("faults", 80.0, waiting=1, longest=4, callers=callers)], [], NOW, 200)
    assert "+33611111111 (consult)" in frame
