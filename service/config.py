"""Settings of the streaming service: environment variables, an optional file, validated at start-up.

Why pydantic-settings: every knob has a type, a default and a description in one place, and a
wrong value is reported before the worker touches Kafka, naming the setting the way the user
wrote it (``ESCALERT_WEB_PORT``), instead of as a stack trace minutes later.

Sources, highest priority first:

1. keyword arguments (tests, the CLI's own options);
2. environment variables ``ESCALERT_<NAME>``, nested with ``__``
   (``ESCALERT_TOPICS__SIGNALS=my-signals``, ``ESCALERT_SECURITY__PROTOCOL=SASL_SSL``);
3. a file named by ``--config`` or ``ESCALERT_CONFIG``: ``.yaml``/``.yml``, ``.toml`` or
   ``.env`` (the same keys, nested as mappings in YAML/TOML);
4. the defaults below, which run the local single-node broker of ``scripts/kafka.sh``.

Secrets (``security.sasl_password``) are ``SecretStr``: they never print in logs or errors.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
    YamlConfigSettingsSource,
)

from service.alerts.settings import AlertSettings
from service.events.settings import EventSettings

ENV_PREFIX = "ESCALERT_"
CONFIG_ENV = "ESCALERT_CONFIG"


class ConfigError(ValueError):
    """A setting is wrong; the message names it (as an environment variable) and says why."""


class Security(BaseModel):
    """How to reach a real cluster: TLS and/or SASL. The local broker needs none of it."""

    model_config = ConfigDict(extra="forbid")

    protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", description="How clients talk to the brokers: TLS (SSL) and/or SASL."
    )
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        default="PLAIN", description="SASL mechanism, with a SASL protocol."
    )
    sasl_username: str | None = Field(default=None, description="Required with a SASL protocol.")
    sasl_password: SecretStr | None = Field(
        default=None, description="Required with a SASL protocol; never printed in logs or errors."
    )
    ssl_cafile: Path | None = Field(default=None, description="CA bundle that signed the brokers.")
    ssl_certfile: Path | None = Field(default=None, description="Client certificate (mutual TLS).")
    ssl_keyfile: Path | None = Field(
        default=None, description="Private key of the client certificate (checked to exist)."
    )
    ssl_check_hostname: bool = Field(
        default=True, description="Check that the broker's certificate names the host connected to."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Security:
        if self.protocol.startswith("SASL") and not (self.sasl_username and self.sasl_password):
            raise ValueError(
                f"protocol {self.protocol} needs security.sasl_username and security.sasl_password"
            )
        for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
            path = getattr(self, name)
            if path is not None and not path.is_file():
                raise ValueError(f"{name}: no such file: {path}")
        if (self.ssl_certfile is None) != (self.ssl_keyfile is None):
            raise ValueError("ssl_certfile and ssl_keyfile go together")
        return self

    @property
    def uses_ssl(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    @property
    def uses_sasl(self) -> bool:
        return self.protocol.startswith("SASL")


class Topics(BaseModel):
    """Topic names. ``alerts`` and ``alerts_dlq`` belong to the alert agents, ``ingest_*`` to the ingester."""

    model_config = ConfigDict(extra="forbid")

    articles: str = Field(default="articles", description="Articles in (JSON, key: article id).")
    signals: str = Field(default="signals", description="Signals out (JSON, key: article id).")
    articles_dlq: str = Field(
        default="articles-dlq", description="Dead letters of articles that could not be processed."
    )
    alerts: str = Field(default="alerts", description="Alerts decided by routing (key: subscription name).")
    alerts_dlq: str = Field(default="alerts-dlq", description="Alerts whose delivery failed for good.")
    ingest_state: str = Field(
        default="ingest-state", description="The ingester's compacted state: seen articles, source health."
    )
    ingest_dlq: str = Field(default="ingest-dlq", description="What ingest could not use: items that gave no text, GDELT files and rows (URL and reason).")

    @field_validator("*")
    @classmethod
    def _legal_name(cls, value: str) -> str:
        # Kafka's own rule: [a-zA-Z0-9._-], 1..249 characters.
        if not value or len(value) > 249 or any(
            not (c.isascii() and (c.isalnum() or c in "._-")) for c in value
        ):
            raise ValueError(f"{value!r} is not a legal Kafka topic name ([a-zA-Z0-9._-], 1-249 chars)")
        return value


class Retention(BaseModel):
    """How long each topic keeps messages, in hours (-1: forever)."""

    model_config = ConfigDict(extra="forbid")

    articles_hours: float = Field(default=7 * 24, description="Input articles.")
    signals_hours: float = Field(default=30 * 24, description="Detected signals.")
    dlq_hours: float = Field(default=30 * 24, description="Dead letters: long enough to fix and replay.")

    @field_validator("*")
    @classmethod
    def _positive_or_forever(cls, value: float) -> float:
        if value != -1 and value <= 0:
            raise ValueError("must be > 0 hours, or -1 for no time limit")
        return value


class Settings(BaseSettings):
    """Everything the worker, ``publish``, ``topics`` and ``tail`` need to know."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    brokers: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1:19092"],
        description="Bootstrap servers, host:port, comma-separated in the environment.",
    )
    security: Security = Field(default_factory=Security)
    topics: Topics = Field(default_factory=Topics)
    partitions: int = Field(default=4, ge=1, le=10_000, description="Partitions of the topics escalert creates: the most workers that share the work.")
    replication: int = Field(default=1, ge=1, le=10, description="Replication factor of the topics escalert creates (min.insync.replicas = replication - 1).")
    retention: Retention = Field(default_factory=Retention)

    app_id: str = Field(default="escalert", description="Faust app id: the consumer group and the prefix of tables and changelogs.")
    store: str = Field(default="rocksdb://", description="Store of the duplicate-suppression table: rocksdb:// (on disk) or memory:// (rebuilt from its changelog at start); the alert tables are always in memory (docs/delivery-guarantee.md).")
    data_dir: Path = Field(
        default=Path(".local/escalert-data"), description="Where rocksdb tables live (one folder per app id)."
    )
    processing_guarantee: Literal["at_least_once", "exactly_once"] = Field(
        default="at_least_once",
        description="exactly_once: signals, dead letters, dedupe state and offsets in one Kafka transaction.",
    )
    web_enabled: bool = Field(default=True, description="Serve health and metrics (Faust's own pages are off).")
    web_host: str = Field(default="127.0.0.1", description="Bind address of health and metrics.")
    web_port: int = Field(
        default=6066, ge=1, le=65535, description="Port of health and metrics; a port in use is exit status 2."
    )
    log_level: Literal["debug", "info", "warning", "error", "critical"] = Field(
        default="info", description="The worker's log level; CLI commands log warnings and errors only."
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="text, or json: one JSON object per line (time, level, logger, message, extras)."
    )
    broker_probe_seconds: float = Field(
        default=2.0, gt=0, le=60,
        description="How often the worker checks that a broker answers (readiness, outage notices).",
    )
    shutdown_grace_seconds: float = Field(
        default=20.0, gt=0, le=600,
        description=(
            "After SIGTERM/SIGINT, the longest a clean stop may take before the worker exits anyway "
            "(status 1; batches not finished are read again on the next start)."
        ),
    )

    ingest_sources: Path | None = Field(
        default=None,
        description="A sources file: the worker also runs the ingester on it, as `escalert ingest run` does.",
    )

    max_article_bytes: int = Field(
        default=1_000_000, ge=1024, le=50_000_000, description="Larger articles are dead-lettered as oversize."
    )
    dedupe_window_seconds: float = Field(
        default=7 * 24 * 3600.0, ge=0,
        description="How long an article id or content hash suppresses a repeat; 0 turns duplicate suppression off."
    )
    detector: str = Field(
        default="service.detection:detect",
        description="module:function of the detector (Article -> list[Signal]); tests plug in others.",
    )
    batch_size: int = Field(default=500, ge=1, le=100_000, description="Articles per processing batch.")
    batch_within_seconds: float = Field(
        default=0.05, gt=0, le=10, description="Longest wait to fill a batch (bounds latency at low rates)."
    )
    detect_processes: int | Literal["auto"] = Field(
        default="auto",
        description=(
            "Child processes that run detection beside the event loop; 0 detects in the worker's "
            "own process; auto: one per CPU the worker may use, at most 4."
        ),
    )
    detect_timeout_seconds: float = Field(
        default=120.0, gt=0, le=3600,
        description=(
            "Longest a detection process may spend on one article before it is killed "
            "(the article is then retried once, alone)."
        ),
    )
    faust_monitor: bool = Field(
        default=False,
        description="Keep Faust's own per-event Monitor sensor (costs ~25% of throughput; escalert serves Prometheus metrics instead).",
    )
    batch_intake: bool = Field(
        default=True,
        description=(
            "Hand the messages of the articles topic and of the event stage's topics from Faust's "
            "fetch loop to their agents in bulk (stream/intake.py); false: Faust's own per-event "
            "path for every stage (~2.5x the event loop's CPU)."
        ),
    )
    session_timeout_seconds: float = Field(
        default=10.0, ge=6, le=300, description="Consumer group session timeout."
    )
    heartbeat_interval_seconds: float = Field(
        default=2.0, gt=0, le=60, description="Consumer group heartbeat; at most a third of the session timeout."
    )
    commit_interval_seconds: float = Field(
        default=1.0, gt=0, le=60, description="How often Faust commits consumer offsets."
    )

    alerts: AlertSettings = Field(
        default_factory=AlertSettings,
        description="Alert routing and delivery (ESCALERT_ALERTS_*, service/alerts/settings.py).",
    )
    events: EventSettings = Field(
        default_factory=EventSettings,
        description="The event stage (ESCALERT_EVENTS_*, service/events/settings.py).",
    )

    @field_validator("detect_processes", mode="before")
    @classmethod
    def _processes(cls, value: Any) -> Any:
        # One clear message instead of one per member of the union.
        if isinstance(value, str) and value.strip().lower() == "auto":
            return "auto"
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError("expected a number of processes (0-64) or auto") from None
        if not 0 <= number <= 64 or isinstance(value, float | bool):
            raise ValueError("expected a number of processes (0-64) or auto")
        return number

    @property
    def detect_process_count(self) -> int:
        """``detect_processes`` with ``auto`` resolved: one detection process per CPU, at most 4
        (each holds its own detector, ~60 MB). The event loop needs less CPU per article than
        detection (measured: ~0.1 ms against ~0.4 ms in a child), and on 2 CPUs one child was
        19-27% slower than two, which share a CPU with the loop."""
        if self.detect_processes != "auto":
            return self.detect_processes
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            cpus = os.cpu_count() or 1
        return max(1, min(4, cpus))

    @field_validator("brokers", mode="before")
    @classmethod
    def _split_brokers(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("brokers")
    @classmethod
    def _host_port(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one broker host:port is needed")
        cleaned = []
        for item in value:
            addr = item.removeprefix("kafka://")
            host, sep, port = addr.rpartition(":")
            if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"{item!r} is not host:port")
            cleaned.append(addr)
        return cleaned

    @field_validator("store")
    @classmethod
    def _store(cls, value: str) -> str:
        if not (value.startswith("rocksdb://") or value.startswith("memory://")):
            raise ValueError(f"{value!r}: expected rocksdb:// or memory://")
        return value

    @field_validator("detector")
    @classmethod
    def _detector_path(cls, value: str) -> str:
        module, sep, func = value.partition(":")
        if not sep or not module or not func.isidentifier():
            raise ValueError(f"{value!r}: expected module.path:function")
        return value

    @field_validator("app_id")
    @classmethod
    def _app_id(cls, value: str) -> str:
        if not value or any(not (c.isascii() and (c.isalnum() or c in "._-")) for c in value):
            raise ValueError(f"{value!r}: use letters, digits, '.', '_' or '-'")
        return value

    @model_validator(mode="after")
    def _cross_checks(self) -> Settings:
        if self.heartbeat_interval_seconds * 3 > self.session_timeout_seconds:
            raise ValueError(
                "heartbeat_interval_seconds must be at most a third of session_timeout_seconds"
            )
        if self.store.startswith("rocksdb://"):
            try:
                import rocksdict  # noqa: F401
            except ImportError:
                raise ValueError(
                    "store rocksdb:// needs the rocksdict package (pip install 'escalert[rocksdb]'), "
                    "or set ESCALERT_STORE=memory://"
                ) from None
        return self

    # -- sources -----------------------------------------------------------------------------------

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _CONFIG_FILE.get("path") or os.environ.get(CONFIG_ENV)
        if path:
            sources.append(_file_source(settings_cls, Path(path)))
        return tuple(sources)

    # -- derived values used by the clients --------------------------------------------------------

    @property
    def broker_urls(self) -> str:
        """Faust's broker string: ``kafka://h1:p1;h2:p2``."""
        return ";".join(f"kafka://{b}" for b in self.brokers)

    @property
    def table_dir(self) -> Path:
        return self.data_dir

    def retention_ms(self, hours: float) -> int:
        return -1 if hours == -1 else int(hours * 3600 * 1000)


# The --config option is passed through this holder (not a parameter) because pydantic-settings
# builds sources in a classmethod; load_settings() sets and clears it around one construction.
_CONFIG_FILE: dict[str, str | None] = {"path": None}


def _file_source(settings_cls: type[BaseSettings], path: Path) -> PydanticBaseSettingsSource:
    if not path.is_file():
        raise ConfigError(f"{CONFIG_ENV} / --config: no such file: {path}")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return YamlConfigSettingsSource(settings_cls, yaml_file=path)
    if suffix == ".toml":
        return TomlConfigSettingsSource(settings_cls, toml_file=path)
    if suffix == ".env" or path.name.startswith(".env"):
        return DotEnvSettingsSource(
            settings_cls, env_file=path, env_prefix=ENV_PREFIX, env_nested_delimiter="__"
        )
    raise ConfigError(f"{CONFIG_ENV} / --config: {path}: expected a .yaml, .yml, .toml or .env file")


def _env_name(loc: tuple[int | str, ...], prefix: str = ENV_PREFIX) -> str:
    return prefix + "__".join(str(p) for p in loc).upper() if loc else "settings"


def _env_prefix(exc: ValidationError) -> str:
    """The prefix of the model that failed: ``Settings.alerts`` reads ESCALERT_ALERTS_* itself,
    and its errors arrive as its own, with locations relative to it."""
    if exc.title == AlertSettings.__name__:
        return str(AlertSettings.model_config.get("env_prefix") or ENV_PREFIX)
    if exc.title == EventSettings.__name__:
        return str(EventSettings.model_config.get("env_prefix") or ENV_PREFIX)
    return ENV_PREFIX


def describe_settings_error(exc: ValidationError) -> str:
    """One line: ``invalid settings: ESCALERT_WEB_PORT: ... (got 'x'); ESCALERT_...: ...``."""
    prefix = _env_prefix(exc)
    lines = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if p != "__root__")
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown setting"
        shown = err.get("input")
        if loc and loc[-1] in ("sasl_password",):
            shown = "***"
        value = "" if isinstance(shown, dict) or shown is None else f" (got {shown!r})"
        lines.append(f"{_env_name(loc, prefix)}: {msg}{value}")
    return "invalid settings: " + "; ".join(lines)


def load_settings(config: str | Path | None = None, **overrides: Any) -> Settings:
    """Build :class:`Settings` from overrides, the environment and an optional file.

    Raises :class:`ConfigError`: one line naming each wrong setting as its environment variable,
    so the CLI can print it and exit with status 2.
    """
    _CONFIG_FILE["path"] = str(config) if config else None
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(describe_settings_error(exc)) from None
    except ValueError as exc:  # e.g. a YAML/TOML file that does not parse
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"{CONFIG_ENV} / --config: {exc}") from None
    finally:
        _CONFIG_FILE["path"] = None
