"""Silences: matching an alert against mutes, and the small JSON store behind ``escalert silence``.

Silences come from two places: the subscriptions file (``silences:``, for standing mutes kept in
version control) and a JSON file written by ``escalert silence add|expire`` (for "mute this for
two hours while we look into it"). The store lives beside the subscriptions file
(``<subscriptions stem>.silences.json``) unless ``ESCALERT_ALERTS_SILENCES_PATH`` says otherwise.
Writes are atomic (temp file + rename) so a worker polling the file never reads half of it.

A silenced alert is still published (``status: silenced``, ``silenced_by: <id>``), never sent.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from schemas.signal import Signal
from schemas.subscription import Silence
from service.alerts.router import find_keywords, keyword_text, signal_actor_codes, signal_country

_SILENCES = TypeAdapter(list[Silence])
log = logging.getLogger(__name__)


class SilenceStoreError(ValueError):
    """The silences file is unreadable or invalid; the message names the file and the problem."""


def describe_error(exc: ValidationError) -> str:
    """Validation errors of silences as one line: ``silence #2 field matchers.countries:
    unknown country 'Ukraine': did you mean UKR?`` (no position for a single silence)."""
    parts = []
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        where = f"silence #{loc.pop(0) + 1}" if loc and isinstance(loc[0], int) else "silence"
        field = ".".join(str(p) for p in loc if not str(p).startswith("function-"))
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{where} field {field}: {msg}" if field else f"{where}: {msg}")
    return "; ".join(parts)


def silence_matches(
    silence: Silence, *, subscription: str, signal: Signal, group_key: str, severity: int
) -> bool:
    """True when every matcher the silence sets accepts this alert (its representative signal)."""
    m = silence.matchers
    if m.subscriptions and subscription not in m.subscriptions:
        return False
    if m.types and signal.type not in m.types:
        return False
    if m.actors and not (signal_actor_codes(signal) & set(m.actors)):
        return False
    if m.countries and signal_country(signal) not in m.countries:
        return False
    if m.group_key is not None and m.group_key != group_key:
        return False
    if m.max_severity is not None and severity > m.max_severity:
        return False
    if m.keywords:
        from service.alerts.router import build_automaton

        auto = build_automaton(k.lower() for k in m.keywords)
        if auto is None or not find_keywords(auto, keyword_text(signal)):
            return False
    return True


def first_silence(
    silences: Iterable[Silence],
    now: datetime,
    *,
    subscription: str,
    signal: Signal,
    group_key: str,
    severity: int,
) -> Silence | None:
    """The first active silence that matches, or None."""
    for s in silences:
        if s.active(now) and silence_matches(
            s, subscription=subscription, signal=signal, group_key=group_key, severity=severity
        ):
            return s
    return None


def default_store_path(subscriptions_path: str | Path) -> Path:
    p = Path(subscriptions_path)
    return p.with_name(f"{p.stem}.silences.json")


def new_silence_id() -> str:
    return f"sil-{secrets.token_hex(4)}"


class SilenceStore:
    """A JSON list of :class:`Silence` objects in one file; every write replaces it atomically."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._stamp: tuple[int, int] | None = None
        self._cache: list[Silence] = []

    def load(self) -> list[Silence]:
        """All stored silences (an absent file is an empty list)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise SilenceStoreError(f"{self.path}: cannot read: {exc.strerror or exc}") from None
        if not raw.strip():
            return []
        try:
            return _SILENCES.validate_json(raw)
        except ValidationError as exc:
            raise SilenceStoreError(f"{self.path}: {describe_error(exc)}") from None

    def save(self, silences: list[Silence]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = _SILENCES.dump_json(silences, indent=2) + b"\n"
        fd, tmp = tempfile.mkstemp(prefix=".silences-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def add(self, silence: Silence) -> Silence:
        items = self.load()
        if any(s.id == silence.id for s in items):
            raise SilenceStoreError(f"{self.path}: silence id {silence.id!r} already exists")
        items.append(silence)
        self.save(items)
        return silence

    def expire(self, silence_id: str, now: datetime) -> Silence:
        """End a silence now (kept in the file, for the record). KeyError when unknown."""
        items = self.load()
        for i, s in enumerate(items):
            if s.id == silence_id:
                if s.ends_at <= now:
                    return s
                # keep starts < ends (the file must stay valid): a future silence becomes a
                # microsecond-long one that ended now
                starts = min(s.starts_at, now - timedelta(microseconds=1))
                ended = Silence.model_validate({**s.model_dump(), "starts_at": starts, "ends_at": now})
                items[i] = ended
                self.save(items)
                return ended
        raise KeyError(silence_id)

    def poll(self) -> list[Silence]:
        """Cached :meth:`load` that re-reads only when the file changed; keeps the last good list."""
        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self._cache = self.load()
            except SilenceStoreError as exc:
                # one line, like the subscriptions file's: the reason is the whole story
                log.error("silences not reloaded, keeping the last good list: %s", exc)
        return list(self._cache)
