"""Dead letters: inputs that could not be processed, kept whole so nothing is lost.

A dead letter carries the original payload byte-for-byte (as UTF-8 text when it decodes, as
base64 otherwise) so that an operator can fix the producer and replay it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

DEADLETTER_SCHEMA_VERSION = 1

DeadLetterReason = Literal[
    "not_json",
    "undecodable",
    "schema",
    "empty_body",
    "oversize",
    "too_deep",
    "unsupported_language",
    "detection_error",
    "delivery_failed",
    "event_error",
]


class DeadLetter(BaseModel):
    schema_version: Literal[1] = DEADLETTER_SCHEMA_VERSION
    reason: DeadLetterReason
    error: str = Field(description="A readable explanation naming the input and what is wrong.")
    payload: str = Field(description="The original payload, UTF-8 text or base64 (see encoding).")
    payload_encoding: Literal["utf-8", "base64"] = "utf-8"
    source_topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    failed_at: datetime
