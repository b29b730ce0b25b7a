"""A file that is reloaded while running, keeping its last good version.

The subscriptions file (alerts) and the sources file (ingest) are edited by people while the
worker runs. Callers poll every few seconds; the file is stat-ed and only re-read when its mtime
or size changed; an invalid new version is logged with the reason and kept in ``last_error``,
and the previous good version stays in force: a typo while editing must never silence every
channel or drop every source.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)


class FileReloader(Generic[T]):
    """``current`` is the last good version of ``path``; :meth:`poll` reloads it when it changed.

    ``load`` reads and validates the file, raising one of ``errors`` when it cannot be used (the
    first load's error propagates: nothing good to keep yet). ``what`` names the file in logs and
    ``summary`` says what a new version holds.
    """

    def __init__(self, path: str | Path, *, load: Callable[[Path], T],
                 errors: type[Exception] | tuple[type[Exception], ...], what: str,
                 summary: Callable[[T], str], logger: logging.Logger | None = None) -> None:
        self.path = Path(path)
        self._load = load
        self._errors = errors
        self._what = what
        self._summary = summary
        self._log = logger or log
        self.current: T = load(self.path)
        self._stamp = self._stat()
        self.last_error: Exception | None = None

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def poll(self) -> bool:
        """Reload if the file changed; True when a new version was taken into use."""
        stamp = self._stat()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            new = self._load(self.path)
        except self._errors as exc:
            self.last_error = exc
            self._log.error("%s not reloaded, keeping the last good version: %s", self._what, exc)
            return False
        self.current = new
        self.last_error = None
        self._log.info("%s reloaded: %s", self._what, self._summary(new))
        return True
