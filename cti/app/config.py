"""Typed engine configuration, read from ``config/hotline.yaml``.

Every section forbids unknown keys so that a misspelt option is an error with a did-you-mean
hint instead of a silently ignored setting. Defaults are the loopback sandbox of DESIGN.md, so
a file only needs what differs (in practice: ``ami.secret``).

Relative paths (``database.spool_dir``, ``ivr.flows_dir``, ``ivr.sounds_dir`` and a relative
SQLite URL) are kept as written and resolve against the process's current directory, not the
config file's folder: the service unit or the developer sets the working directory once, and
the same file then works for both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from common.calendar import check_zone
from common.yamlconf import validate

Port = Annotated[int, Field(ge=1, le=65535)]
Seconds = Annotated[float, Field(gt=0)]
Host = Annotated[str, Field(min_length=1)]
Positive = Annotated[int, Field(gt=0)]
NonNegative = Annotated[int, Field(ge=0)]
NonNegativeFloat = Annotated[float, Field(ge=0)]

SANDBOX_AMI_SECRET = "hotline-sandbox-secret"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EngineConfig(_Section):
    name: str = "hotline"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    timezone: Annotated[str, AfterValidator(check_zone)] = "UTC"  # the centre's days (the wallboard's "today")


class AmiConfig(_Section):
    """Asterisk Manager Interface link; the secret has no default on purpose."""

    host: Host = "127.0.0.1"
    port: Port = 5038
    username: Host = "hotline"
    secret: Annotated[str, Field(min_length=1)]
    connect_timeout: Seconds = 5.0
    action_timeout: Seconds = 10.0
    ping_interval: Seconds = 10.0
    reconnect_min: Seconds = 0.5
    reconnect_max: Seconds = 30.0

    @model_validator(mode="after")
    def _backoff_bounds_ordered(self) -> Self:
        if self.reconnect_max < self.reconnect_min:
            raise ValueError("reconnect_max must be at least reconnect_min")
        return self


NodeName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,59}$")]


class NodeConfig(_Section):
    """One Asterisk server under this engine (docs/nodes.md). Its AMI user and timeouts are the
    ``ami:`` section's unless given here."""

    name: NodeName  # agents say `node: NAME` in acd.yaml; CDRs say which node carried a call
    systemname: Annotated[str, Field(pattern=r"^([A-Za-z0-9][A-Za-z0-9_.-]{0,59})?$")] | None = None
    host: Host
    port: Port = 5038
    username: Host | None = None
    secret: Annotated[str, Field(min_length=1)] | None = None
    trunk: NodeName | None = None  # the PJSIP endpoint on the OTHER nodes that reaches this one

    def system_name(self) -> str:
        """Asterisk's asterisk.conf ``systemname`` (uniqueids start with it): ``name`` unless set."""
        return self.name if self.systemname is None else self.systemname

    def trunk_endpoint(self) -> str:
        return self.trunk or f"hotline-node-{self.name}"


class AgiConfig(_Section):
    host: Host = "127.0.0.1"
    port: Port = 4573
    header_timeout: Seconds = 5.0
    command_timeout: Seconds = 30.0
    max_sessions: Positive = 1000
    max_calls: NonNegative = 0
    max_new_calls_per_s: NonNegativeFloat = 0.0
    new_calls_burst: NonNegative = 0


class DatabaseConfig(_Section):
    url: Host = "sqlite+aiosqlite:///var/hotline.db"
    spool_dir: Host = "var/spool"
    batch_size: Positive = 500
    schema_name: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]{0,62}$")] | None = None  # PostgreSQL search_path


class HaConfig(_Section):
    """Standby engine (docs/standby.md): two engines on one PostgreSQL, one active at a time."""

    enabled: bool = False
    node: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,60}$")] = "hotline"  # unique per engine
    lease_s: Seconds = 10.0  # the lease lasts this long after each renewal (database clock)
    renew_every_s: Seconds = 2.0  # the active engine renews, the standby tries to take over, this often
    margin_s: Seconds = 2.0  # the active engine stops acting this long before its lease could lapse

    @model_validator(mode="after")
    def _renewals_fit_in_the_lease(self) -> Self:
        if self.margin_s >= self.lease_s:
            raise ValueError("margin_s must be shorter than lease_s")
        if self.renew_every_s * 2 > self.lease_s - self.margin_s:
            raise ValueError("renew_every_s must leave room for two renewals within lease_s - margin_s "
                             "(e.g. lease_s: 10, renew_every_s: 2, margin_s: 2)")
        return self


class MqttConfig(_Section):
    enabled: bool = True
    host: Host = "127.0.0.1"
    port: Port = 1883
    topic_prefix: Host = "hotline"
    username: str | None = None
    password_file: str | None = None
    client_id: Host = "hotline-engine"
    stats_interval: Seconds = 5.0

    def password(self) -> str | None:
        """Read from a file so the secret never sits in hotline.yaml."""
        if not self.password_file:
            return None
        return Path(self.password_file).read_text(encoding="utf-8").strip()


class IvrConfig(_Section):
    flows_dir: Host = "config/ivr"
    sounds_dir: Host = "sounds"
    default_flow: Host = "main"


class AcdConfig(_Section):
    config: Host = "config/acd.yaml"
    tick_interval: Seconds = 0.5
    consult_wait_s: Seconds = 120.0  # a consult nobody answers ends after this; the agent is back with the caller


class DialerConfig(_Section):
    campaigns_dir: Host = "config/campaigns"
    interval: Seconds = 1.0
    safe_harbor_s: Seconds = 2.0
    callback_campaign: Host = "callbacks"


class CasesConfig(_Section):
    enabled: bool = True
    config: Host = "config/cases.yaml"
    tick_interval: Seconds = 30.0  # how often case deadlines are checked (warn, escalate)


class ControlConfig(_Section):
    socket: Host = "var/run/hotline.sock"


class HttpConfig(_Section):
    """The browser desk, wallboard and JSON API (docs/web.md); loopback by default."""

    enabled: bool = True
    host: Host = "127.0.0.1"
    port: Port = 8080
    users_file: Host = "var/web-users.json"  # `hotline web user set` writes it (scrypt hashes)
    session_ttl_s: Seconds = 43200.0  # a session lasts a shift (12 h), then the login form again
    secure_cookies: bool = False  # true behind TLS (a reverse proxy): the cookie is then HTTPS-only
    login_attempts: Positive = 5  # failed logins per user and per address ...
    login_window_s: Seconds = 300.0  # ... within this window; then 429 until the oldest leaves it
    board_interval: Seconds = 1.0  # seconds between wallboard snapshots on a supervisor's stream
    today_interval: Seconds = 30.0  # today's queue figures are read from the database at most this often
    today_timeout: Seconds = 5.0  # ... each read bounded by this; on failure the board keeps the last ones
    admin_token_file: str | None = None  # a token for /metrics from off the machine (Bearer)

    def admin_token(self) -> str | None:
        if not self.admin_token_file:
            return None
        return Path(self.admin_token_file).read_text(encoding="utf-8").strip() or None


def _absolute(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError(f"asterisk_dir must be an absolute path as Asterisk sees it, got {value!r}")
    return value


class RecordingsConfig(_Section):
    """Where call recordings go (docs/recordings.md). Asterisk writes them; the engine checks, converts
    and lists them. The two may see the directory under different paths (Asterisk in a chroot or a
    container): ``asterisk_dir`` is Asterisk's path, ``dir`` the engine's. ``dir`` left empty means
    ``<asterisk_root><asterisk_dir>``, where ``asterisk_root`` is "" (Asterisk on this machine's own
    filesystem: the same path), ``sandbox`` (the test sandbox's chroot, `hotline sandbox up`) or
    the host path of Asterisk's root."""

    dir: str = ""
    asterisk_dir: Annotated[str, AfterValidator(_absolute)] = "/var/spool/asterisk/monitor/hotline"
    asterisk_root: str = ""
    format: Literal["wav"] = "wav"  # 16-bit PCM, 8 kHz, 2 channels: caller, agent
    retention_days: Positive = 90  # `hotline recordings purge` deletes older files
    settle_timeout_s: Seconds = 10.0  # after the hang-up, how long the file may take to be closed

    def engine_dir(self) -> Path:
        """The recordings directory as the engine sees it."""
        if self.dir:
            return Path(self.dir)
        if self.asterisk_root == "sandbox":
            from common.sandbox_paths import sandbox_root
            root = sandbox_root()
        else:
            root = Path(self.asterisk_root or "/")
        return root / self.asterisk_dir.lstrip("/")


class ShutdownConfig(_Section):
    drain_timeout: Seconds = 30.0


class HotlineConfig(_Section):
    """The whole of ``hotline.yaml``; only ``ami`` is required (for its secret)."""

    engine: EngineConfig = Field(default_factory=EngineConfig)
    ami: AmiConfig
    asterisk: list[NodeConfig] = []  # several Asterisk servers under one engine; [] = the one of `ami:`
    agi: AgiConfig = Field(default_factory=AgiConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    mqtt: MqttConfig = Field(default_factory=MqttConfig)
    ivr: IvrConfig = Field(default_factory=IvrConfig)
    acd: AcdConfig = Field(default_factory=AcdConfig)
    dialer: DialerConfig = Field(default_factory=DialerConfig)
    control: ControlConfig = Field(default_factory=ControlConfig)
    cases: CasesConfig = Field(default_factory=CasesConfig)
    http: HttpConfig = Field(default_factory=HttpConfig)
    recordings: RecordingsConfig = Field(default_factory=RecordingsConfig)
    shutdown: ShutdownConfig = Field(default_factory=ShutdownConfig)
    ha: HaConfig = Field(default_factory=HaConfig)

    @field_validator("ha")
    @classmethod
    def _ha_needs_postgres(cls, ha: HaConfig, info: ValidationInfo) -> HaConfig:
        database = info.data.get("database")  # validated before ha (field order)
        if ha.enabled and database is not None and not database.url.startswith("postgresql"):
            raise ValueError("ha.enabled needs database.url on PostgreSQL (postgresql+asyncpg://user:pass@host/db): "
                             "both engines must share one database, which holds the lease with its own clock "
                             "and row locks; SQLite is a local file a standby elsewhere cannot share")
        return ha

    @field_validator("asterisk")
    @classmethod
    def _nodes_tell_apart(cls, nodes: list[NodeConfig]) -> list[NodeConfig]:
        for what, key in (("name", lambda n: n.name), ("systemname", NodeConfig.system_name),
                          ("AMI address", lambda n: f"{n.host}:{n.port}")):
            seen = [key(n) for n in nodes]
            twice = sorted({k for k in seen if seen.count(k) > 1})
            if twice:
                raise ValueError(f"two Asterisk nodes have the same {what} {twice[0]!r}: give each its own "
                                 "(the systemname is what tells their calls apart, docs/nodes.md)")
        return nodes

    @classmethod
    def default(cls) -> HotlineConfig:
        """The sandbox configuration (same values as the shipped ``config/hotline.yaml``)."""
        return cls(ami=AmiConfig(secret=SANDBOX_AMI_SECRET), recordings=RecordingsConfig(asterisk_root="sandbox"))


def load_config(path: str | Path) -> HotlineConfig:
    """Read and check ``path``; raises ``common.yamlconf.ConfigError`` listing every problem."""
    return validate(path, HotlineConfig)
