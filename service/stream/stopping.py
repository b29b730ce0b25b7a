"""A deadline on stopping: the worker exits within ``STOP_DEADLINE_SECONDS`` of SIGTERM or SIGINT.

Why: Faust stops gracefully (the agents finish, offsets are committed, the consumer leaves its
group), but its consumer then waits, without a limit, for every message handed out to be
acknowledged. A batch that never finishes (an agent that crashed holding messages, a detection
stalled in-process with ``ESCALERT_DETECT_PROCESSES=0``) would keep the process up until a
SIGKILL, which an orchestrator may never send. Exiting without finishing loses nothing: offsets
are only committed for finished batches, so the unfinished ones are read again on the next start.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

from faust.worker import Worker

# Below the 30 s after which ``scripts/kafka.sh stop``-style supervisors send SIGKILL; a clean
# stop takes a few seconds (the detection processes get 5 of them, see detect_pool.py).
STOP_DEADLINE_SECONDS = 20.0
EXIT_STOP_TIMEOUT = 1


def arm_stop_deadline(seconds: float, why: str) -> threading.Timer:
    """Exit the process (status 1) ``seconds`` from now unless it has exited by then: a thread,
    so it fires even while the event loop is blocked."""

    def expire() -> None:
        sys.stderr.write(
            f"escalert: the worker did not stop within {seconds:g} s of {why}; exiting now "
            "(batches not finished are read again on the next start)\n")
        sys.stderr.flush()
        os._exit(EXIT_STOP_TIMEOUT)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    return timer


class StoppingWorker(Worker):  # type: ignore[misc]
    """Faust's worker with a deadline on stopping (see the module docstring)."""

    stop_deadline_seconds: float = STOP_DEADLINE_SECONDS
    _deadline: threading.Timer | None = None

    def install_signal_handlers(self) -> None:
        super().install_signal_handlers()
        if sys.platform == "win32":
            return
        # The event loop learns of SIGTERM and SIGINT from a wake-up descriptor that the C-level
        # handler writes to, whatever the Python-level handler is; asyncio's own Python-level one
        # does nothing. Ours arms the deadline at once, even while the loop is blocked (a
        # detection stalled in the worker's own process), when Faust's handler cannot run.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_stop_signal)

    def _on_stop_signal(self, signum: int, _frame: Any) -> None:
        self._arm(signal.Signals(signum).name)

    def _arm(self, why: str) -> None:
        if self._deadline is None:
            self._deadline = arm_stop_deadline(self.stop_deadline_seconds, why)

    def _schedule_shutdown(self, signum: signal.Signals) -> None:
        self._arm(signum.name)
        super()._schedule_shutdown(signum)

    def on_worker_shutdown(self, *args: Any, **kwargs: Any) -> None:
        self._arm("the start of its shutdown")  # stopping for another reason (an error): bounded too
        super().on_worker_shutdown(*args, **kwargs)
