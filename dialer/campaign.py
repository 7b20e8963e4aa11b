"""Outbound campaign schema: what an operator may write in config/campaigns/*.yaml.

Every section forbids unknown keys, so a misspelt option is an error with a did-you-mean hint
(through ``common.yamlconf.validate``) instead of a silently ignored setting.

Dial string: ``dial_string`` is a template with exactly one ``{number}`` placeholder, e.g.
``PJSIP/{number}@trunk``. Only a number that passed ``dialer.numbers.normalize_number`` (an optional
leading ``+`` and 3-15 digits, nothing else) is ever substituted, so a lead's number can never
smuggle a second channel, a CR/LF or an AMI header into the Originate (DESIGN.md principle 3).
"""

from __future__ import annotations

import string
from datetime import datetime, time
from collections.abc import Collection
from pathlib import Path
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from common.recording import RecordMode
from common.safety import check_value
from common.flowrefs import unknown_flow
from common.yamlconf import ConfigIssue, load_yaml_with_marks, validate
from dialer.numbers import normalize_number

Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")]
PromptName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$")]
ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, 24 h")]
Millis = Annotated[int, Field(ge=0, le=60_000)]
Minutes = Annotated[float, Field(ge=0, le=60 * 24 * 30)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Outcome = Literal["busy", "no_answer", "machine", "failed", "dropped"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AmdConfig(_Section):
    """Parameters of Asterisk's AMD() application, in its argument order (amd.conf defaults)."""

    enabled: bool = True
    initial_silence_ms: Millis = 2500
    greeting_ms: Millis = 1500
    after_greeting_silence_ms: Millis = 800
    total_analysis_ms: Millis = 5000
    min_word_length_ms: Millis = 100
    between_words_silence_ms: Millis = 50
    maximum_words: Annotated[int, Field(ge=1, le=20)] = 2
    silence_threshold: Annotated[int, Field(ge=1, le=32767)] = 256

    def app_args(self) -> str:
        """The comma-separated argument list for ``AMD(...)`` in the dialplan."""
        return ",".join(str(v) for v in (
            self.initial_silence_ms, self.greeting_ms, self.after_greeting_silence_ms,
            self.total_analysis_ms, self.min_word_length_ms, self.between_words_silence_ms,
            self.maximum_words, self.silence_threshold))


class CallWindow(_Section):
    """When a lead may be called, read on the LEAD's own clock (its IANA zone, DST included)."""

    start: ClockTime = "09:00"
    end: ClockTime = "21:00"
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS), min_length=1)

    @model_validator(mode="after")
    def _start_before_end(self) -> Self:
        if self.start >= self.end:
            raise ValueError(f"call_window start {self.start} must be before end {self.end} "
                             "(windows across midnight are not supported)")
        return self

    @property
    def start_time(self) -> time:
        return time.fromisoformat(self.start)

    @property
    def end_time(self) -> time:
        return time.fromisoformat(self.end)

    @property
    def weekdays(self) -> frozenset[int]:
        """Allowed days as ``datetime.weekday()`` numbers (Monday = 0)."""
        return frozenset(WEEKDAYS.index(d) for d in self.days)


RetryDelay = Minutes | Annotated[list[Minutes], Field(min_length=1)]


class RetryDelays(_Section):
    """Minutes to wait before the next attempt, per outcome; a list gives one delay per attempt
    (the last one repeats), so e.g. no-answer can back off ``[30, 120, 480]``."""

    busy: RetryDelay = 15
    no_answer: RetryDelay = 120
    machine: RetryDelay = 240
    failed: RetryDelay = 60
    dropped: RetryDelay = 30

    def minutes(self, outcome: Outcome, attempts: int) -> float:
        delay = getattr(self, outcome)
        if isinstance(delay, list):
            return delay[min(max(attempts, 1), len(delay)) - 1]
        return delay


class PacingPriors(_Section):
    """Starting guesses for the predictive pacer; measured values take over within minutes."""

    answer_rate: Annotated[float, Field(gt=0, le=1)] = 0.3
    live_rate: Annotated[float, Field(gt=0, le=1)] = 0.7
    ring_s: Annotated[float, Field(gt=0, le=120)] = 15.0
    talk_s: Annotated[float, Field(gt=0, le=7200)] = 180.0
    wrapup_s: Annotated[float, Field(ge=0, le=3600)] = 15.0
    target_fraction: Annotated[float, Field(gt=0, le=1)] = Field(
        0.97, description="aim the day's abandonment at this share of the cap (dialer.abandon)")


class ScreenPopField(_Section):
    key: Name
    label: str = ""


class Campaign(_Section):
    """One outbound campaign: who is called, how, when, and which agents take the answered calls."""

    name: Name
    kind: Literal["payment_reminder", "follow_up", "survey", "notification", "callback"]
    description: str = ""
    mode: Literal["preview", "progressive", "predictive"] = "predictive"
    queue: Name
    skills: list[Name] = Field(default_factory=list)
    caller_id: str
    caller_name: str = ""
    dial_string: str = "PJSIP/{number}@trunk"
    ring_timeout_s: Annotated[int, Field(ge=5, le=120)] = 25
    default_timezone: str = "UTC"
    abandon_cap: Annotated[float, Field(gt=0, le=0.5)] = 0.03
    abandon_window_calls: Annotated[int, Field(ge=20, le=100_000, description=(
        "the cap holds per day; the pacer plans its remaining abandons as if the day could end "
        "within this many more live calls (dialer.abandon)"))] = 200
    amd: AmdConfig = AmdConfig()
    call_window: CallWindow = CallWindow()
    max_attempts: Annotated[int, Field(ge=1, le=50)] = 5
    retry_delays: RetryDelays = RetryDelays()
    dnc_lists: list[str] = Field(default_factory=list)
    safe_harbor_prompt: PromptName
    machine_prompt: PromptName | None = None
    script: str = ""
    screen_pop: list[ScreenPopField] = Field(default_factory=list)
    pacing: PacingPriors = PacingPriors()
    record: RecordMode = Field("never", description="record the answered person's talk with the agent: never, "
                                                    "on_demand or always (docs/recordings.md); the queue's own setting "
                                                    "applies too: the call is recorded as the stronger of the two says")
    survey: Name | None = Field(None, description=(
        "IVR flow (config/ivr/) an answered person runs instead of waiting for an agent: an automated "
        "survey (回访); dialed `survey_lines` at a time, whatever the agents do"))
    survey_lines: Annotated[int, Field(ge=1, le=100)] = 2

    @model_validator(mode="after")
    def _survey_needs_no_preview(self) -> Self:
        if self.survey is not None and self.mode == "preview":
            raise ValueError("an automated survey campaign has no agent to preview its leads: "
                             "remove 'mode: preview' (its calls are paced by survey_lines)")
        return self

    @field_validator("caller_id")
    @classmethod
    def _caller_id_is_a_number(cls, value: str) -> str:
        return normalize_number(value)

    @field_validator("caller_name", "description")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return check_value(value, "text")

    @field_validator("script")
    @classmethod
    def _printable_script(cls, value: str) -> str:
        check_value(value.replace("\n", " ").replace("\t", " "), "script")
        return value

    @field_validator("dial_string")
    @classmethod
    def _one_number_placeholder(cls, value: str) -> str:
        check_value(value, "dial_string")
        fields = [f for _, f, _, _ in string.Formatter().parse(value) if f is not None]
        if fields != ["number"]:
            raise ValueError("dial_string needs exactly one {number} placeholder and no other "
                             f"braces, e.g. 'PJSIP/{{number}}@trunk' (found {fields or 'none'})")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as "
                             "'Asia/Shanghai' or 'America/New_York'") from None
        return value

    def day_left_s(self, now: datetime) -> float:
        """Seconds until today's call window closes on the campaign's own clock (0 once it has).

        The pacer plans the day's abandon budget up to here (leads in other zones may run a
        little longer; the margin in ``dialer.abandon`` covers that)."""
        local = now.astimezone(ZoneInfo(self.default_timezone))
        end = datetime.combine(local.date(), self.call_window.end_time, local.tzinfo)
        return max(0.0, (end - local).total_seconds())

    def channel(self, number: str) -> str:
        """The Originate channel for ``number``; the number is re-validated here, never trusted."""
        return self.dial_string.format(number=normalize_number(number))


def load_campaign(path: str | Path) -> Campaign:
    """Validated campaign from one YAML file, or ConfigError listing every issue with file:line:col."""
    return validate(path, Campaign)


def find_campaign(spec: str, campaigns_dir: Path = Path("config/campaigns")) -> Campaign:
    """A campaign by file path, or by name (``campaigns_dir/NAME.yaml``): the CLI's CAMPAIGN argument."""
    return load_campaign(campaign_path(spec, campaigns_dir))


def campaign_path(spec: str, campaigns_dir: Path = Path("config/campaigns")) -> Path:
    path = Path(spec)
    return path if path.suffix in (".yaml", ".yml") or path.is_file() else campaigns_dir / f"{spec}.yaml"


def survey_issues(path: str | Path, campaign: Campaign, flows: Collection[str]) -> list[ConfigIssue]:
    """The campaign's `survey:` must name a served IVR flow (file:line:col at the key's value)."""
    if campaign.survey is None or campaign.survey in flows:
        return []
    _, marks = load_yaml_with_marks(path)
    return [unknown_flow(f"campaign {campaign.name!r}", "survey", campaign.survey, flows, str(path), marks,
                         ("survey",))]
