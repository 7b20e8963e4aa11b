"""The wallboard API carries each queue's figures of today, to supervisors of that queue only."""

from __future__ import annotations

from tests.support.web import WebDesk, login

TODAY = {"queues": {"billing": {"offered": 7, "answered": 6, "service_level": 83.33, "asa_s": 12.5,
                                "abandonment_rate": 14.29, "sl_seconds": 20.0},
                    "faults": {"offered": 3, "answered": 3, "service_level": 100.0, "asa_s": 4.0,
                               "abandonment_rate": 0.0, "sl_seconds": 30.0}},
         "as_of": "2026-12-01T02:00:00+00:00", "age_s": 95.0, "error": "OperationalError: connection refused"}


async def _board(desk: WebDesk, user: str) -> tuple[int, dict]:
    async with desk.client() as client:
        await login(client, user)
        reply = await client.get("/api/wallboard")
        return reply.status_code, reply.json()


async def test_a_supervisor_gets_today_for_his_queues_only_with_the_age_of_the_figures(tmp_path):
    asks = []
    desk = WebDesk(tmp_path, today=lambda: asks.append(1) or TODAY)
    status, board = await _board(desk, "boss")  # supervisor of billing
    assert status == 200 and asks
    [billing] = board["queues"]
    assert billing["queue"] == "billing" and "windows" in billing  # the live figures stay beside them
    assert billing["today"] == {**TODAY["queues"]["billing"], "as_of": TODAY["as_of"], "age_s": 95.0,
                                "error": TODAY["error"]}
    assert "faults" not in str(board["queues"])


async def test_an_admin_sees_every_queue_today_and_an_agent_no_board(tmp_path):
    desk = WebDesk(tmp_path, today=lambda: TODAY)
    _, board = await _board(desk, "root")
    assert {q["queue"]: q["today"]["offered"] for q in board["queues"]} == {"billing": 7, "faults": 3}
    status, _ = await _board(desk, "1001")
    assert status == 403


async def test_before_the_first_read_a_queue_has_an_empty_today(tmp_path):
    desk = WebDesk(tmp_path, today=lambda: {"queues": {}, "as_of": None, "age_s": None, "error": None})
    _, board = await _board(desk, "boss")
    assert board["queues"][0]["today"] == {"as_of": None, "age_s": None, "error": None}
