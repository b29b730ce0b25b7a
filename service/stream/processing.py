"""The pure core of the worker: raw Kafka records in, messages to send and state to record out.

Why pure: every decision the worker makes (parse, reject with which reason, suppress as a
duplicate, which signals to emit under which key) is made here without Faust, Kafka or a clock,
so unit tests cover it exhaustively and the agent in ``agents.py`` is only wiring.

Nothing here raises on bad input: a record either yields signals, is a duplicate (counted), or
becomes one dead letter whose reason and message name the input.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from schemas.article import Article
from schemas.deadletter import DeadLetter
from schemas.signal import Signal
from service.inputs import ArticleRejected, parse_article

Detect = Callable[[Article], list[Signal]]
SeenLookup = Callable[["Record", str], float | None]


@dataclass(frozen=True, slots=True)
class Record:
    """One consumed Kafka message, as the core needs it."""

    value: bytes | None
    key: bytes | None
    topic: str
    partition: int
    offset: int
    timestamp: float | None = None  # Kafka message timestamp, seconds since the epoch

    @property
    def origin(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message to produce: to ``signals`` or to the dead-letter topic."""

    kind: Literal["signal", "dead_letter", "changelog"]
    key: bytes | None
    value: bytes


@dataclass(slots=True)
class Result:
    """What became of one record."""

    record: Record
    status: Literal["ok", "duplicate", "dead_letter"]
    outbound: list[Outbound] = field(default_factory=list)
    reason: str | None = None  # dead-letter reason, or "id"/"content" for a duplicate
    article_id: str | None = None
    marks: list[str] = field(default_factory=list)  # dedupe keys to record once sends succeed
    signal_types: list[str] = field(default_factory=list)


def content_hash(article: Article) -> str:
    """Hash of the text with ASCII case and whitespace normalised: a re-sent wire story with
    another id or trivially different spacing is still the same content.

    Done on UTF-8 bytes (bytes.split/lower are ASCII-only and ~3x faster than str on a 3 KB
    article with typographic quotes: 30 us instead of 80 us per article).
    """
    raw = f"{article.title}\n{article.body}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(b" ".join(raw.split()).lower()).hexdigest()[:32]


def dedupe_keys(article: Article) -> tuple[str, str]:
    return f"id:{article.id}", f"hash:{content_hash(article)}"


def _payload_text(value: bytes) -> tuple[str, Literal["utf-8", "base64"]]:
    try:
        return value.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(value).decode("ascii"), "base64"


def dead_letter(
    record: Record, reason: str, message: str, now: datetime, *, max_bytes: int | None = None
) -> Outbound:
    """Build the dead letter for a record: the original payload kept whole when it fits.

    ``max_bytes`` bounds the encoded dead letter (the DLQ topic's size limit); a payload too big
    for it is cut, and the error says so and how big it was, rather than the send failing.
    """
    value = record.value or b""
    text, encoding = _payload_text(value)
    error = f"{record.origin}: {message}"
    dl = DeadLetter(
        reason=reason,  # type: ignore[arg-type]
        error=error,
        payload=text,
        payload_encoding=encoding,
        source_topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=_payload_text(record.key)[0] if record.key is not None else None,
        failed_at=now,
    )
    out = dl.model_dump_json().encode("utf-8")
    if max_bytes is not None and len(out) > max_bytes:
        keep = max(0, len(text) - (len(out) - max_bytes) - 1024)
        while True:
            dl.payload = text[:keep]
            dl.error = f"{error} (payload truncated to {keep} of {len(value)} bytes to fit the dead-letter topic)"
            out = dl.model_dump_json().encode("utf-8")
            if len(out) <= max_bytes or keep == 0:
                break
            keep = keep * 3 // 4
    return Outbound("dead_letter", record.key, out)


def _reason_for_exception(exc: BaseException) -> str:
    return f"detect() raised {type(exc).__name__}: {exc}"[:2000]


def process_record(
    record: Record,
    *,
    detect: Detect,
    now: datetime,
    seen: SeenLookup,
    window_seconds: float,
    max_article_bytes: int,
    max_dead_letter_bytes: int | None = None,
) -> Result:
    """Decide what to do with one record. ``seen(record, key)`` returns the first-seen epoch seconds of a
    dedupe key, or None; a key seen less than ``window_seconds`` ago marks a duplicate."""
    if record.value is None:
        return Result(
            record, "dead_letter",
            [dead_letter(record, "not_json", "empty payload (null message value)", now,
                         max_bytes=max_dead_letter_bytes)],
            reason="not_json",
        )
    try:
        article = parse_article(record.value, max_bytes=max_article_bytes, now=now)
    except ArticleRejected as exc:
        return Result(
            record, "dead_letter",
            [dead_letter(record, exc.reason, exc.message, now, max_bytes=max_dead_letter_bytes)],
            reason=exc.reason,
        )

    marks: list[str] = []
    if window_seconds > 0:
        id_key, hash_key = dedupe_keys(article)
        ts = now.timestamp()
        for key, kind in ((id_key, "id"), (hash_key, "content")):
            first = seen(record, key)
            if first is not None and ts - first < window_seconds:
                return Result(record, "duplicate", reason=kind, article_id=article.id)
        marks = [id_key, hash_key]

    try:
        signals = detect(article)
        key = article.id.encode("utf-8")
        outbound = [Outbound("signal", key, s.model_dump_json().encode("utf-8")) for s in signals]
        types = [str(s.type) for s in signals]
    except Exception as exc:  # the detector must never take the worker down
        return Result(
            record, "dead_letter",
            [dead_letter(record, "detection_error", _reason_for_exception(exc), now,
                         max_bytes=max_dead_letter_bytes)],
            reason="detection_error",
            article_id=article.id,
        )
    return Result(record, "ok", outbound, article_id=article.id, marks=marks, signal_types=types)


def process_batch(
    records: Sequence[Record],
    *,
    detect: Detect,
    now: datetime | None = None,
    seen: SeenLookup,
    window_seconds: float,
    max_article_bytes: int,
    max_dead_letter_bytes: int | None = None,
) -> list[Result]:
    """Process records in order; a duplicate inside the same batch is caught too (the table is
    only written after the batch's sends are confirmed, so the batch keeps its own view)."""
    now = now or datetime.now(UTC)
    pending: dict[str, float] = {}

    def lookup(record: Record, key: str) -> float | None:
        hit = pending.get(key)
        return hit if hit is not None else seen(record, key)

    ts = now.timestamp()
    results = []
    for record in records:
        res = process_record(
            record, detect=detect, now=now, seen=lookup, window_seconds=window_seconds,
            max_article_bytes=max_article_bytes, max_dead_letter_bytes=max_dead_letter_bytes,
        )
        for key in res.marks:
            pending[key] = ts
        results.append(res)
    return results
