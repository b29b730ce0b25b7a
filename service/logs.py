"""Logging of the worker and the CLI: one handler on stderr, text or JSON lines, floods collapsed.

Why our own set-up instead of Faust's (mode's) colour logger: operators feed the worker's log to
collectors that want one JSON object per line (``ESCALERT_LOG_FORMAT=json``), and aiokafka logs
every failed reconnect (hundreds of lines a second while the broker is down), which drowns
everything else. Three small pieces:

- :class:`RepeatFilter` lets the first record of a kind through, then at most one per window,
  saying how many like it were held back. A kind is (logger, level, message template), so
  "Unable connect to node with id %s: %s" is one kind whatever the node.
- :class:`JsonFormatter`: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, then any
  extras passed with ``extra=``, and ``exception`` when there is one.
- :class:`Redactor`: every line, text or JSON, is scrubbed of the secrets it was told about (the
  SASL password, the ``${VAR}`` values of the subscriptions file) and of passwords inside URLs
  (``scheme://user:***@host``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

FORMATS = ("text", "json")
TEXT_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"
# Loggers whose repeats are collapsed: the Kafka clients and Faust/mode, which log per retry.
NOISY = ("aiokafka", "kafka", "faust", "mode")
# Never collapsed: what the worker printed (mode redirects stdout there), e.g. console alerts.
KEEP = frozenset({"mode.redirect"})

# Attributes every LogRecord has; anything else on a record came in through ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]+:)(?P<pw>[^\s@/]+)(?=@)")


class Redactor:
    """Replace known secret values, and passwords written into URLs, with ``***``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        # Very short values would blank out ordinary words; a real secret is longer.
        self.secrets.update(s for s in secrets if s and len(s) >= 4)

    def __call__(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, "***")
        return _URL_PASSWORD.sub(r"\g<head>***", text)


REDACT = Redactor()


class RepeatFilter(logging.Filter):
    """Collapse repeated records of the :data:`NOISY` loggers: one per kind per ``window`` s.

    The next record let through after a quiet spell carries ``(N more like this in S s)``.
    The table of kinds is bounded (``max_kinds``): past it, it starts over.
    """

    def __init__(self, window: float = 30.0, *, clock: Callable[[], float] = time.monotonic,
                 prefixes: tuple[str, ...] = NOISY, max_kinds: int = 2000) -> None:
        super().__init__()
        self.window = window
        self.clock = clock
        self.prefixes = prefixes
        self.max_kinds = max_kinds
        self._kinds: dict[tuple[str, int, str], list[float]] = {}  # kind -> [first time, held back]

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self.prefixes) or record.name in KEEP:
            return True
        kind = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        seen = self._kinds.get(kind)
        if seen is not None and now - seen[0] < self.window:
            seen[1] += 1
            return False
        if len(self._kinds) >= self.max_kinds:
            self._kinds.clear()
        self._kinds[kind] = [now, 0]
        if seen is not None and seen[1]:
            record.msg = f"{record.getMessage()} ({int(seen[1])} more like this in {now - seen[0]:.0f} s)"
            record.args = ()
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return REDACT(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in out:
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exception"] = record.exc_text
        return REDACT(json.dumps(out, ensure_ascii=False, default=str))


def setup_logging(level: str | int = "info", fmt: str = "text", *, stream: IO[str] | None = None,
                  secrets: Iterable[str] = ()) -> logging.Handler:
    """Log through one handler on ``stream`` (stderr) in format ``fmt`` (replacing ours, if any)."""
    if fmt not in FORMATS:
        raise ValueError(f"log format {fmt!r}: expected one of {', '.join(FORMATS)}")
    REDACT.add(secrets)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RepeatFilter())
    handler._escalert = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    for old in list(root.handlers):  # ours from an earlier call; others' (e.g. pytest's) stay
        if getattr(old, "_escalert", False):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    return handler


_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def settings_secrets(settings: Any, environ: dict[str, str] | None = None) -> list[str]:
    """The secret values that must never reach a log line: the SASL password, and the values of
    the environment variables the subscriptions file names as ``${VAR}`` (that is where alert
    targets keep their tokens and passwords)."""
    environ = os.environ if environ is None else environ
    out: list[str] = []
    password = getattr(getattr(settings, "security", None), "sasl_password", None)
    if password is not None:
        out.append(password.get_secret_value())
    subscriptions = getattr(getattr(settings, "alerts", None), "subscriptions", None)
    if subscriptions:
        try:
            text = Path(subscriptions).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""  # the alerts code reports an unreadable file
        out.extend(environ[name] for name in _ENV_REFERENCE.findall(text) if environ.get(name))
    return out


def setup_cli_logging() -> None:
    """For one-shot commands: warnings and errors only, in ``ESCALERT_LOG_FORMAT`` (text by
    default; an unknown value falls back to text here, and settings validation names it)."""
    fmt = os.environ.get("ESCALERT_LOG_FORMAT", "text").strip().lower()
    setup_logging("warning", fmt if fmt in FORMATS else "text")
