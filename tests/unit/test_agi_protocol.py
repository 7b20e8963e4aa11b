"""Sans-IO FastAGI framing: header and reply parsers, command quoting."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cti.agi import (
    AgiProtocolError,
    HangupNotice,
    Reply,
    ReplyParser,
    RequestParser,
    Trying,
    UnsafeValueError,
    UsageError,
    format_command,
    quote,
)

HEADERS = (
    "agi_network: yes\n"
    "agi_network_script: ivr/main?lang=zh\n"
    "agi_request: agi://127.0.0.1/ivr/main?lang=zh\n"
    "agi_channel: PJSIP/caller-00000001\n"
    "agi_uniqueid: 1700000000.42\n"
    "agi_callerid: 5551234\n"
    "agi_calleridname: 王小明\n"
    "agi_extension: 10000\n"
    "agi_accountcode: \n"
    "agi_arg_1: first\n"
    "agi_arg_2: two words\n"
    "\n"
).encode()

USAGE = (
    b"520-Invalid command syntax.  Proper usage follows:\n"
    b" Usage: STREAM FILE <filename> <escape digits> [sample offset]\n"
    b"\n"
    b"520 End of proper usage.\n"
)


def feed_in_chunks(parser: RequestParser | ReplyParser, data: bytes, size: int) -> None:
    for start in range(0, len(data), size):
        parser.feed(data[start : start + size])


def replies(data: bytes, cuts: list[int] | None = None) -> tuple[list[object], str | None]:
    """Events (and the protocol error reason, if any) of ``data`` cut at ``cuts``."""
    parser = ReplyParser(max_line=200, max_block=1000)
    bounds = [0, *sorted(cuts or []), len(data)]
    error = None
    try:
        for start, end in zip(bounds, bounds[1:]):
            parser.feed(data[start:end])
    except AgiProtocolError as exc:
        error = exc.reason
    return list(parser.events()), error


# -- RequestParser ---------------------------------------------------------------------------
def test_header_block_parses_into_env_without_agi_prefix() -> None:
    parser = RequestParser()
    parser.feed(HEADERS)
    env = parser.env
    assert env is not None
    assert env["uniqueid"] == "1700000000.42"
    assert env["callerid"] == "5551234"
    assert env["calleridname"] == "王小明"
    assert env["extension"] == "10000"
    assert env["network_script"] == "ivr/main?lang=zh"
    assert env["request"] == "agi://127.0.0.1/ivr/main?lang=zh"
    assert env["accountcode"] == ""
    assert (env["arg_1"], env["arg_2"]) == ("first", "two words")


def test_header_env_is_none_until_the_blank_line() -> None:
    parser = RequestParser()
    parser.feed(HEADERS[:-1])
    assert parser.env is None and not parser.complete
    parser.feed(b"\n")
    assert parser.complete


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_multibyte_caller_name_split_across_reads_survives(size: int) -> None:
    parser = RequestParser()
    feed_in_chunks(parser, HEADERS.replace(b"\n", b"\r\n"), size)
    assert parser.env is not None and parser.env["calleridname"] == "王小明"


def test_bytes_after_the_header_block_are_kept_as_leftover() -> None:
    parser = RequestParser()
    parser.feed(HEADERS + b"HANGUP\n")
    assert parser.leftover == b"HANGUP\n"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "malformed-header"),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n", "malformed-header"),
        (b"\n", "empty-header"),
        (b"agi_network yes\n", "malformed-header"),
    ],
)
def test_garbage_header_is_a_protocol_error(data: bytes, reason: str) -> None:
    with pytest.raises(AgiProtocolError) as caught:
        RequestParser().feed(data)
    assert caught.value.reason == reason
    assert caught.value.error_id == "agi-protocol-error"


def test_header_line_over_the_cap_is_refused_before_its_end_arrives() -> None:
    parser = RequestParser(max_line=100)
    with pytest.raises(AgiProtocolError) as caught:
        feed_in_chunks(parser, b"agi_x: " + b"a" * 1_000_000, 4096)
    assert caught.value.reason == "line-too-long"


def test_header_block_over_the_cap_is_refused() -> None:
    parser = RequestParser(max_line=100, max_block=1000)
    with pytest.raises(AgiProtocolError) as caught:
        feed_in_chunks(parser, b"agi_x: y\n" * 200, 50)
    assert caught.value.reason == "block-too-large"


# -- ReplyParser ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("200 result=-1 (timeout) endpos=1234",
         Reply(200, "-1", "timeout", 1234, "200 result=-1 (timeout) endpos=1234")),
        ("200 result=0 endpos=8000", Reply(200, "0", None, 8000, "200 result=0 endpos=8000")),
        ("200 result=1 (a (b) c)", Reply(200, "1", "a (b) c", None, "200 result=1 (a (b) c)")),
        ("200 result=", Reply(200, "", None, None, "200 result=")),
        ("200 result= (timeout)", Reply(200, "", "timeout", None, "200 result= (timeout)")),
        ("200 result=12 (timeout)", Reply(200, "12", "timeout", None, "200 result=12 (timeout)")),
        ("510 Invalid or unknown command", Reply(510, "", None, None, "510 Invalid or unknown command")),
        ("511 Command Not Permitted on a dead channel or intercept routine",
         Reply(511, "", None, None, "511 Command Not Permitted on a dead channel or intercept routine")),
        ("100 result=0 Trying...", Trying("100 result=0 Trying...")),
        ("520 Invalid command syntax.  Proper usage not available.",
         UsageError("520 Invalid command syntax.  Proper usage not available.")),
    ],
)
def test_reply_lines_become_typed_events(line: str, expected: object) -> None:
    assert replies(line.encode() + b"\n") == ([expected], None)


def test_hangup_notice_then_the_current_commands_result_are_two_events() -> None:
    events, error = replies(b"HANGUP\n200 result=-1 endpos=0\n")
    assert error is None
    assert events == [HangupNotice(), Reply(200, "-1", None, 0, "200 result=-1 endpos=0")]


def test_multiline_520_is_one_usage_event_and_the_next_reply_is_not_shifted() -> None:
    events, error = replies(USAGE + b"200 result=0\n")
    assert error is None
    assert len(events) == 2
    assert isinstance(events[0], UsageError)
    assert "Usage: STREAM FILE" in events[0].text and events[0].text.endswith("520 End of proper usage.")
    assert events[1] == Reply(200, "0", None, None, "200 result=0")


def test_crlf_line_endings_are_tolerated() -> None:
    assert replies(b"200 result=1 (x)\r\n")[0] == [Reply(200, "1", "x", None, "200 result=1 (x)")]


def test_reply_line_over_the_cap_is_refused() -> None:
    assert replies(b"200 result=1 (" + b"x" * 500)[1] == "line-too-long"


def test_endless_520_block_is_refused() -> None:
    assert replies(b"520-usage\n" + b"more usage\n" * 200)[1] == "block-too-large"


def test_unknown_reply_line_is_a_protocol_error() -> None:
    assert replies(b"hello there\n")[1] == "unexpected-line"


def test_reply_parser_is_iterable() -> None:
    parser = ReplyParser()
    parser.feed(b"200 result=0\nHANGUP\n")
    assert [type(e) for e in parser] == [Reply, HangupNotice]
    assert list(parser) == []


_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12)
_LINES = st.one_of(
    st.just(b"HANGUP\n"),
    st.just(b"100 result=0 Trying...\n"),
    st.just(USAGE),
    st.just(b"510 Invalid or unknown command\n"),
    st.builds(lambda r: f"200 result={r}\n".encode(), st.sampled_from(["", "0", "1", "-1", "49", "123#"])),
    st.builds(lambda d, e: f"200 result=1 ({d}) endpos={e}\n".encode(), _TEXT, st.integers(0, 10**6)),
    st.builds(lambda d: f"200 result=1 ({d})\r\n".encode(), _TEXT),
    st.just(b"200 result=1 (" + b"x" * 300 + b")\n"),  # over the 200-byte cap used by replies()
    st.just(b"garbage\n"),
)


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(_LINES, max_size=8), cuts=st.lists(st.integers(0, 4000), max_size=12))
def test_reply_events_do_not_depend_on_how_bytes_are_chunked(lines: list[bytes], cuts: list[int]) -> None:
    data = b"".join(lines)
    whole = replies(data)
    assert replies(data, list(range(1, len(data)))) == whole
    assert replies(data, [c for c in cuts if c <= len(data)]) == whole


@settings(max_examples=100, deadline=None)
@given(name=_TEXT, extra=st.dictionaries(st.from_regex(r"[a-z_]{1,10}", fullmatch=True), _TEXT, max_size=5))
def test_header_env_does_not_depend_on_how_bytes_are_chunked(name: str, extra: dict[str, str]) -> None:
    data = "".join(f"agi_{k}: {v}\n" for k, v in {"calleridname": name, **extra}.items()).encode() + b"\n"
    whole = RequestParser()
    whole.feed(data)
    one_by_one = RequestParser()
    feed_in_chunks(one_by_one, data, 1)
    assert one_by_one.env == whole.env
    assert whole.env is not None and "calleridname" in whole.env


# -- format_command / quote -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("ANSWER",), b"ANSWER\n"),
        (("STREAM FILE", "hotline/welcome", ""), b'STREAM FILE hotline/welcome ""\n'),
        (("SET VARIABLE", "NAME", 'say "hi" \\o/'), b'SET VARIABLE NAME "say \\"hi\\" \\\\o/"\n'),
        (("VERBOSE", "two words", 1), b'VERBOSE "two words" 1\n'),
        (("SET VARIABLE", "CALLER", "王小明"), "SET VARIABLE CALLER 王小明\n".encode()),
    ],
)
def test_format_command_quotes_only_what_needs_it(parts: tuple[object, ...], expected: bytes) -> None:
    assert format_command(*parts) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("evil", ["x\nEXEC System rm", "a\rb", "nul\0", "tab\there", "bell\x07", "del\x7f", "c1\x85"])
def test_control_characters_in_data_are_refused(evil: str) -> None:
    with pytest.raises(UnsafeValueError) as caught:
        format_command("SET VARIABLE", "CALLERID", evil)
    assert isinstance(caught.value, ValueError)
    assert caught.value.error_id == "agi-unsafe-value"


def test_a_caller_id_cannot_smuggle_a_second_command() -> None:
    with pytest.raises(UnsafeValueError):
        quote('"x\nEXEC System rm')


@pytest.mark.parametrize("verb", ["stream file", "EXEC\nSYSTEM", "", "GET  DATA"])
def test_command_verbs_are_checked(verb: str) -> None:
    with pytest.raises(UnsafeValueError):
        format_command(verb)


def test_command_longer_than_asterisks_buffer_is_refused() -> None:
    with pytest.raises(UnsafeValueError) as caught:
        format_command("VERBOSE", "x" * 3000, 1)
    assert caught.value.reason == "command-too-long"


def test_quote_forced_and_empty() -> None:
    assert quote("") == '""'
    assert quote("abc") == "abc"
    assert quote("abc", force=True) == '"abc"'


def test_the_control_character_check_is_exactly_unicode_category_cc() -> None:
    import sys
    import unicodedata

    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue  # surrogates cannot be in a str from a caller
        refused = unicodedata.category(char) == "Cc"
        try:
            quote(f"a{char}b")
        except UnsafeValueError:
            assert refused, hex(code)
        else:
            assert not refused, hex(code)
