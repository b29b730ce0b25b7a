"""Settings of the desk (``ESCALERT_DESK_*``): where the store is, how long it keeps rows, the bind.

Example::

    ESCALERT_DESK_URL=postgresql+psycopg://desk@127.0.0.1:5432/escalert
    ESCALERT_DESK_RETENTION_DAYS=90
    ESCALERT_DESK_TOKEN=...      # the token for changes (silences); generated when unset
    ESCALERT_DESK_READS=token    # reads need the token too (default: open)

The store's URL is the one setting that chooses the database: unset, an embedded SQLite file
``desk.sqlite3`` in the data directory (``ESCALERT_DATA_DIR``); a ``postgresql+psycopg://`` URL
for a shared PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SQLITE_NAME = "desk.sqlite3"
_SCHEMES = ("sqlite", "postgresql")


class DeskSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ESCALERT_DESK_", extra="ignore")

    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store; default: sqlite:///<data dir>/desk.sqlite3. "
        "PostgreSQL: postgresql+psycopg://user:password@host:port/db.",
    )
    retention_days: float = Field(
        default=90.0, description="Rows older than this are deleted (-1: keep everything)."
    )
    host: str = Field(default="127.0.0.1", description="Bind address of the web UI and API.")
    port: int = Field(default=8088, ge=1, le=65535)
    token: SecretStr | None = Field(
        default=None,
        description="Bearer token for changes (silences). Unset: a random one is generated at "
        "start and written to <data dir>/desk.token (mode 0600).",
    )
    reads: Literal["open", "token"] = Field(
        default="open",
        description="Who may read: open (anyone who reaches the bind; the default, with the "
        "bind on 127.0.0.1) or token (every API read needs the same token as changes; the page "
        "asks for it once per browser session).",
    )
    group_id: str | None = Field(
        default=None, description="Kafka consumer group of the store; default: <app id>-desk."
    )
    poll_ms: int = Field(default=200, ge=10, le=5000, description="Longest wait for new messages.")
    batch_max: int = Field(default=2000, ge=1, le=100_000, description="Messages per transaction.")

    @field_validator("url")
    @classmethod
    def _known_database(cls, value: Any) -> Any:
        if value is None:
            return value
        text = str(value).strip()
        if not text:
            raise ValueError("is set but empty: give a database URL, or unset the variable")
        scheme = text.split(":", 1)[0].split("+", 1)[0]
        if scheme not in _SCHEMES:
            raise ValueError(
                f"unsupported database {scheme!r}: use sqlite:///PATH or postgresql+psycopg://..."
            )
        return text

    @field_validator("retention_days")
    @classmethod
    def _positive_or_forever(cls, value: float) -> float:
        if value != -1 and value <= 0:
            raise ValueError("must be > 0 days, or -1 to keep everything")
        return value

    def database_url(self, data_dir: Path) -> str:
        if self.url:
            return self.url
        return f"sqlite:///{(Path(data_dir) / SQLITE_NAME).resolve()}"


def describe_error(exc: ValidationError) -> str:
    """``invalid settings: ESCALERT_DESK_PORT: ... (got 'x')`` (a token or URL is never shown)."""
    parts = []
    for err in exc.errors(include_url=False):
        loc = "__".join(str(p) for p in err["loc"]).upper()
        msg = err["msg"].removeprefix("Value error, ")
        shown = None if loc in ("TOKEN", "URL") else err.get("input")  # may hold a password
        parts.append(f"ESCALERT_DESK_{loc}: {msg}" + (f" (got {shown!r})" if shown is not None else ""))
    return "invalid settings: " + "; ".join(parts)
