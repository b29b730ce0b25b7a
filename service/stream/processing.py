"""The pure core of the worker: raw Kafka records in, messages to send and state to record out.

Why pure: every decision the worker makes (parse, reject with which reason, suppress as a
duplicate, which signals to emit under which key) is made here without Faust, Kafka or a clock,
so unit tests cover it exhaustively and the agent in ``agents.py`` is only wiring.

Nothing here raises on bad input: a record either yields signals, is a duplicate (counted), or
becomes one dead letter whose reason and message name the input.

Two stages, so that the CPU-bound one can run in another process: :func:`analyse_payloads`
(raw bytes in, parsed, keyed, detected and encoded; needs no state) and :func:`decide` (the
dedupe state and dead letters, in order, in the worker). :func:`process_batch` is both in one.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, NamedTuple

from schemas.article import Article
from schemas.deadletter import DeadLetter
from schemas.signal import Signal
from service.detection.scanning import lower_words
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


def load_detector(path: str) -> Detect:
    """Import ``module:function``; a wrong path is a start-up error naming the setting."""
    module_name, _, func_name = path.partition(":")
    try:
        module = importlib.import_module(module_name)
        func = getattr(module, func_name)
    except (ImportError, AttributeError) as exc:
        raise RuntimeError(f"ESCALERT_DETECTOR={path!r} cannot be loaded: {exc}") from None
    if not callable(func):
        raise RuntimeError(f"ESCALERT_DETECTOR={path!r} is not callable")
    return func  # type: ignore[no-any-return]


def content_hash(article: Article) -> str:
    """Hash of the text with ASCII case and whitespace normalised: a re-sent wire story with
    another id or trivially different spacing is still the same content.

    Done on UTF-8 bytes (ASCII-only lowercasing and whitespace: ~3x faster than str on a 3 KB
    article with typographic quotes), by :func:`~service.detection.scanning.lower_words`: in C
    with the compiled detector, one pass (~10 us per article, against ~37 us for Python's
    ``b" ".join(raw.lower().split())``, which it falls back to and equals byte for byte).
    """
    raw = f"{article.title}\n{article.body}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(lower_words(raw)).hexdigest()[:32]


def dedupe_keys(article: Article) -> tuple[str, str]:
    """A revised article (``revision`` > 0: the same id, changed text) is not a duplicate of its
    earlier revision; a re-sent copy of one revision is."""
    key = f"id:{article.id}" if not article.revision else f"id:{article.id}@r{article.revision}"
    return key, f"hash:{content_hash(article)}"


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
    return f"detect() raised {type(exc).__name__}: {exc}"[:1970]


class Analysis(NamedTuple):
    """What detection made of one payload, before any state is consulted.

    A plain tuple of builtins so that it crosses a process boundary cheaply (``detect_pool.py``
    runs :func:`analyse_payloads` in child processes); the parent then decides with
    :func:`decide`. ``status``: ``ok``, ``rejected`` (the input is bad: dead-lettered whatever
    the dedupe state) or ``error`` (detection failed: dead-lettered unless a duplicate).
    """

    status: Literal["ok", "rejected", "error"]
    reason: str | None = None  # dead-letter reason code
    message: str | None = None  # dead-letter message
    article_id: str | None = None
    keys: tuple[str, str] | None = None  # (id key, content key) when dedupe is on
    signals: tuple[bytes, ...] = ()  # encoded signals, in detector order
    types: tuple[str, ...] = ()


_dump_signal = Signal.__pydantic_serializer__.to_json  # bytes directly: no str round trip


def analyse_payload(
    value: bytes | None, *, detect: Detect, now: datetime, max_article_bytes: int, with_keys: bool
) -> Analysis:
    """Parse, key and detect one payload; never raises."""
    if value is None:
        return Analysis("rejected", "not_json", "empty payload (null message value)")
    try:
        article = parse_article(value, max_bytes=max_article_bytes, now=now)
        keys = dedupe_keys(article) if with_keys else None
    except ArticleRejected as exc:
        return Analysis("rejected", exc.reason, exc.message)
    except Exception as exc:  # noqa: BLE001 - parse_article never raises (tests/test_inputs.py); a safety net
        return Analysis("rejected", "schema", f"unreadable article ({type(exc).__name__}: {exc})"[:2000])
    try:
        encoded, types = _detected(detect, article)
    except Exception:  # the detector must never take the worker down; one retry, as for a crash
        try:
            encoded, types = _detected(detect, article)
        except Exception as exc:  # noqa: BLE001
            return Analysis("error", "detection_error", _reason_for_exception(exc) + " (twice: retried once)",
                            article.id, keys)
    return Analysis("ok", None, None, article.id, keys, encoded, types)


def _detected(detect: Detect, article: Article) -> tuple[tuple[bytes, ...], tuple[str, ...]]:
    signals = detect(article)
    return tuple(_dump_signal(sig) for sig in signals), tuple(str(sig.type) for sig in signals)


def analyse_payloads(
    values: Sequence[bytes | None], *, detect: Detect, now: datetime, max_article_bytes: int,
    with_keys: bool,
) -> list[Analysis]:
    """:func:`analyse_payload` over a batch (what a detection process runs per request)."""
    return [analyse_payload(v, detect=detect, now=now, max_article_bytes=max_article_bytes,
                            with_keys=with_keys) for v in values]


def decide(
    records: Sequence[Record],
    analyses: Sequence[Analysis],
    *,
    now: datetime,
    seen: SeenLookup,
    window_seconds: float,
    max_dead_letter_bytes: int | None = None,
) -> list[Result]:
    """Turn analyses into results, in order, against the dedupe state.

    ``seen(record, key)`` returns the first-seen epoch seconds of a dedupe key, or None; a key
    seen less than ``window_seconds`` ago marks a duplicate. A duplicate inside the batch is
    caught too (the table is only written after the batch's sends are confirmed, so the batch
    keeps its own view). Precedence is that of a sequential pipeline: a bad input is dead-lettered,
    then a duplicate is suppressed (even if detection failed on it), then a detection error is
    dead-lettered.
    """
    ts = now.timestamp()
    pending: dict[str, float] = {}
    results: list[Result] = []
    for record, an in zip(records, analyses, strict=True):
        if an.status == "rejected":
            results.append(Result(
                record, "dead_letter",
                [dead_letter(record, an.reason or "schema", an.message or "", now,
                             max_bytes=max_dead_letter_bytes)],
                reason=an.reason,
            ))
            continue
        marks: list[str] = []
        if window_seconds > 0 and an.keys is not None:
            duplicate = None
            for key, kind in zip(an.keys, ("id", "content"), strict=True):
                first = pending.get(key)
                if first is None:
                    first = seen(record, key)
                if first is not None and ts - first < window_seconds:
                    duplicate = kind
                    break
            if duplicate is not None:
                results.append(Result(record, "duplicate", reason=duplicate, article_id=an.article_id))
                continue
            marks = list(an.keys)
        if an.status == "error":
            results.append(Result(
                record, "dead_letter",
                [dead_letter(record, "detection_error", an.message or "", now,
                             max_bytes=max_dead_letter_bytes)],
                reason="detection_error", article_id=an.article_id,
            ))
            continue
        for key in marks:
            pending[key] = ts
        key_bytes = (an.article_id or "").encode("utf-8")
        results.append(Result(
            record, "ok", [Outbound("signal", key_bytes, v) for v in an.signals],
            article_id=an.article_id, marks=marks, signal_types=list(an.types),
        ))
    return results


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
    """Decide what to do with one record (:func:`process_batch` of one)."""
    [result] = process_batch(
        [record], detect=detect, now=now, seen=seen, window_seconds=window_seconds,
        max_article_bytes=max_article_bytes, max_dead_letter_bytes=max_dead_letter_bytes,
    )
    return result


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
    """Analyse then decide, in this process: what the worker does with ``ESCALERT_DETECT_PROCESSES=0``."""
    now = now or datetime.now(UTC)
    analyses = analyse_payloads(
        [r.value for r in records], detect=detect, now=now, max_article_bytes=max_article_bytes,
        with_keys=window_seconds > 0,
    )
    return decide(records, analyses, now=now, seen=seen, window_seconds=window_seconds,
                  max_dead_letter_bytes=max_dead_letter_bytes)
