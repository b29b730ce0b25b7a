"""The input contract: one news article.

Producers put these on the ``articles`` topic; ``escalert detect`` and ``escalert publish`` read
them from files. Validation lives here so that the CLI and the stream reject exactly the same
inputs with exactly the same reasons.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

SUPPORTED_LANGUAGES: frozenset[str] = frozenset({"en"})


def content_id(title: str, body: str) -> str:
    """A stable id for an article that came without one: the same text always gets the same id."""
    digest = hashlib.sha256(f"{title.strip()}\n\n{body.strip()}".encode()).hexdigest()
    return f"sha256-{digest[:24]}"


class Article(BaseModel):
    """A news article as escalert consumes it.

    ``published_at`` anchors every relative date ("next Tuesday", "on Jan. 10"); when a producer
    does not know it, the time of reading is used and ``published_at_assumed`` says so, and every
    signal carries that flag on.
    """

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)

    id: str = Field(default="", description="Producer's id; a stable content hash when absent.")
    title: str = ""
    body: str = Field(min_length=1, description="The article text; required, non-empty.")
    published_at: datetime | None = Field(
        default=None, description="ISO 8601; when absent, the time of reading (and signals say so)."
    )
    published_at_assumed: bool = Field(
        default=False, description="True when published_at was not given and the read time was used."
    )
    source: str | None = Field(default=None, description="The outlet, e.g. Reuters.")
    url: str | None = None
    language: str = Field(default="en", description="ISO 639-1 code; only 'en' is supported.")
    text_source: Literal["page", "summary"] | None = Field(
        default=None,
        description="Where `body` came from when ingested from a feed: the article page's main text, or the feed's summary (the page could not be fetched or extracted).",
    )
    revision: int = Field(
        default=0, ge=0, le=1_000_000,
        description="0 for the first publication; n for the n-th changed version of the same article (same id).",
    )

    @field_validator("id", "title", "body", "source", "url", "language", mode="before")
    @classmethod
    def _strict_strings(cls, value: object) -> object:
        # Pydantic would coerce nothing here anyway, but a number where text belongs is a producer
        # bug worth naming precisely rather than stringifying silently.
        if value is not None and not isinstance(value, str):
            raise ValueError(f"must be a string, got {type(value).__name__}")
        return value

    @field_validator("body")
    @classmethod
    def _body_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("body is empty")
        return value

    @field_validator("language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        code = (value or "en").strip().lower().split("-")[0]
        if code not in SUPPORTED_LANGUAGES:
            raise ValueError(f"unsupported language {value!r} (supported: en)")
        return code

    @model_validator(mode="after")
    def _defaults(self, info: ValidationInfo) -> Article:
        if not self.id:
            self.id = content_id(self.title, self.body)
        if self.published_at is None:
            # Readers pass the read time as validation context ({"now": datetime}) so that a batch
            # shares one clock and tests are deterministic.
            now = (info.context or {}).get("now") if info.context else None
            self.published_at = now or datetime.now(UTC)
            self.published_at_assumed = True
        elif self.published_at.tzinfo is None:
            # A naive timestamp is read as UTC: documented, and better than guessing the producer's zone.
            self.published_at = self.published_at.replace(tzinfo=UTC)
        return self
