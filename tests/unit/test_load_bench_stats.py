"""The load bench's readers of SIPp's and /proc's files (bench/load_stats.py), fed real output."""

from __future__ import annotations

from bench.load_stats import (
    RunFigures, busiest, cpu_ticks, failure_reasons, format_table, per_call, percentile, response_times_ms,
    stat_counters, unexpected_codes,
)

# Header and last row of a SIPp 3.6.1 -trace_stat file (columns cut down; the real one has ~90).
STAT = (
    "StartTime;LastResetTime;CurrentTime;ElapsedTime(P);ElapsedTime(C);TargetRate;CallRate(P);CallRate(C);"
    "IncomingCall(P);IncomingCall(C);OutgoingCall(P);OutgoingCall(C);TotalCallCreated;CurrentCall;"
    "SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C);FailedCannotSendMessage(P);"
    "FailedCannotSendMessage(C);FailedMaxUDPRetrans(P);FailedMaxUDPRetrans(C);FailedTimeoutOnRecv(P);"
    "FailedTimeoutOnRecv(C);ResponseTime1(P);ResponseTime1(C);\n"
    "2026-12-01\t15:12:28.247923\t1796137948.247923;2026-12-01\t15:13:29.1\t1.1;2026-12-01\t15:13:29.2\t1.2;"
    "00:00:01;00:01:01;25;0;8.1;0;0;10;490;490;12;0;20;3;200;0;0;1;150;2;50;00:00:00:000000;00:00:01:000000;\n"
    "2026-12-01\t15:12:28.247923\t1796137948.247923;2026-12-01\t15:13:59.5\t1.5;2026-12-01\t15:13:59.5\t1.5;"
    "00:00:00;00:01:31;25;0;5.47741;0;0;0;500;500;0;0;26;0;474;0;0;0;329;0;145;00:00:00:000000;00:00:08:492000;\n"
)
RTT = "Date_ms;response_time_ms;rtd_no\n1796137948301.1;4.000000;1\n1796137948341.2;12.000000;1\n" \
      "1796137948381.3;8.000000;1\n1796137948391.3;900.000000;2\n"
ERRORS = """2026-12-01\t15:12:40.1\t1796137960.1: Aborting call on unexpected message for Call-Id '12-1@127.0.0.2': while expecting '200' (index 4), received 'SIP/2.0 408 Request Timeout
Via: SIP/2.0/UDP 127.0.0.2:5090;rport=5090;received=127.0.0.2;branch=z9hG4bK-1
Content-Length:  0
'.
2026-12-01\t15:12:41.1\t1796137961.1: Aborting call on unexpected message for Call-Id '13-1@127.0.0.2': while expecting '200' (index 4), received 'SIP/2.0 503 Service Unavailable
'.
2026-12-01\t15:12:42.1\t1796137962.1: Aborting call on unexpected message for Call-Id '14-1@127.0.0.2': while expecting '200' (index 4), received 'SIP/2.0 408 Request Timeout
'.
"""


def test_the_last_row_gives_the_cumulative_counters():
    counters = stat_counters(STAT)
    assert (counters["TotalCallCreated"], counters["SuccessfulCall"], counters["FailedCall"]) == (500, 26, 474)
    assert failure_reasons(counters) == {"MaxUDPRetrans": 329, "TimeoutOnRecv": 145}


def test_an_empty_stat_file_gives_no_counters():
    assert stat_counters("") == {} and stat_counters("only;a;header\n") == {}


def test_response_times_keep_only_the_asked_timer():
    assert response_times_ms(RTT) == [4.0, 12.0, 8.0]
    assert response_times_ms(RTT, rtd="2") == [900.0]


def test_percentiles_by_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (50.0, 99.0, 100.0)
    assert percentile([7.0], 99) == 7.0 and percentile([], 50) is None


def test_sip_codes_of_aborted_calls_are_counted():
    assert unexpected_codes(ERRORS) == {"408": 2, "503": 1}


def test_cpu_ticks_read_past_a_process_name_with_spaces():
    stat = "4605 (asterisk main) S 1 4605 4605 0 -1 4194560 120 0 0 0 1500 230 0 0 20 0 60 0"
    assert cpu_ticks(stat) == 1730


def test_busiest_taskprocessors_by_max_depth():
    text = ("Processor                     Processed   In Queue  Max Depth  Low water High water Low time(us) High time(us)\n"
            "stasis/p:manager:core-0000008a      500          0         16        450        500          0        163\n"
            "pjsip/distributor-00000038          264          0        160        450        500          0    5010447\n")
    assert busiest(text, 1) == [("pjsip/distributor-00000038", 160)]


def test_table_puts_responders_side_by_side():
    bare = RunFigures("bare", 50, 60, attempted=3000, completed=3000, responder_cpu_ms_per_call=per_call(3000, 3000))
    engine = RunFigures("engine", 50, 60, attempted=3000, completed=2999, failed=1, cdrs=3000,
                        failure_reasons={"MaxUDPRetrans": 1})
    table = format_table([bare, engine])
    assert "calls attempted" in table and "bare" in table.splitlines()[0]
    assert "engine failures: {'MaxUDPRetrans': 1}" in table
    assert per_call(10, 0) is None
