"""`hotline ivr simulate` treats a known caller as the engine does (tier from the customer record)."""

from __future__ import annotations

import pytest

from cti.cli.main import main


def test_known_gold_caller_gets_the_gold_welcome_and_priority(capsys):
    assert main(["ivr", "simulate", "main", "--digits", "0", "--caller", "5559001", "--at", "2026-12-25 09:00"]) == 0
    out = capsys.readouterr().out
    assert "choice -> welcome_gold" in out and "priority 10" in out


def test_unknown_caller_gets_the_normal_welcome(capsys):
    assert main(["ivr", "simulate", "main", "--digits", "0", "--caller", "5550000"]) == 0
    assert "choice -> welcome\n" in capsys.readouterr().out


def test_bad_time_is_refused_with_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["ivr", "simulate", "main", "--digits", "1", "--at", "christmas"])
    assert '"2026-12-25 09:00"' in capsys.readouterr().err
