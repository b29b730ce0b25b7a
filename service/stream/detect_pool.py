"""Detection in child processes, so the worker's event loop keeps consuming while articles are detected.

Why: detection is CPU-bound pure Python and Faust's event loop is one thread; in-process, every
millisecond of ``detect()`` is a millisecond the loop does not fetch, produce or commit. The
worker sends each batch of raw payloads (bytes) to a child, which parses, keys, detects and
encodes (:func:`~service.stream.processing.analyse_payloads`) and sends back
:class:`~service.stream.processing.Analysis` tuples; the parent decides dedupe and produces.

Why our own children instead of ``multiprocessing``/``ProcessPoolExecutor``: a child is
``python -m service.stream.detect_pool DETECTOR`` talking length-prefixed pickles on its stdin and
stdout. It imports only the detector (not the worker's entry point, which a spawned
``multiprocessing`` child re-imports), it exits on its own when the worker dies (its stdin
reaches end of file, even after a SIGKILL of the worker: no orphans), and a child that dies
is seen at once (end of file on its stdout) and replaced.

A dying child never loses an article: the batch it held is split in halves and detected again
on a fresh child, down to single articles; an article that kills a child on its own, twice, is
returned as a ``detection_error`` (dead-lettered with the reason), like an exception would be.
Pickle is safe here: both ends are this program, over a private pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
import struct
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from service.stream.processing import Analysis, analyse_payload

log = logging.getLogger("escalert.stream.detect")

_HEADER = struct.Struct("!Q")
READY = b"ready"
START_TIMEOUT_SECONDS = 60.0
STOP_GRACE_SECONDS = 5.0
PIPE_BYTES = 1 << 20


class ChildDied(RuntimeError):
    """The detection process died (or timed out and was killed) while holding a batch."""


class DetectionProcessDied(RuntimeError):
    """What a dead letter names when an article killed its detection process (twice)."""


def _exit_description(code: int | None) -> str:
    if code is None:
        return "killed after a timeout"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with status {code}"


class _Child:
    """One detection process and its pipes."""

    def __init__(self, proc: asyncio.subprocess.Process, number: int) -> None:
        self.proc = proc
        self.number = number

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def request(self, payload: bytes, timeout: float) -> bytes:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(_HEADER.pack(len(payload)) + payload)
            await asyncio.wait_for(self._roundtrip(), timeout)
            return self._reply
        except TimeoutError:
            self.kill()
            await self.proc.wait()
            raise ChildDied(f"detection process {self.pid} took over {timeout:g} s and was killed") from None
        except (asyncio.IncompleteReadError, ConnectionError, BrokenPipeError, OSError) as exc:
            code = await self.proc.wait()
            raise ChildDied(f"detection process {self.pid} {_exit_description(code)}") from exc

    async def _roundtrip(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        await self.proc.stdin.drain()
        (size,) = _HEADER.unpack(await self.proc.stdout.readexactly(_HEADER.size))
        self._reply = await self.proc.stdout.readexactly(size)

    def kill(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()

    async def stop(self, grace: float) -> None:
        """Close its stdin (it exits after the batch in hand), then SIGKILL after ``grace``."""
        if self.proc.returncode is None and self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), grace)
        except TimeoutError:
            self.kill()
            await self.proc.wait()


def _widen_pipes(proc: asyncio.subprocess.Process) -> None:
    """Grow the pipes to 1 MiB where Linux allows: a batch of 3 KB articles then crosses in a few
    writes instead of dozens of 64 KiB ones, each a wake-up of the other process (measured: the
    write half of that was ~8% of the worker's event loop)."""
    try:
        import fcntl
    except ImportError:  # not a Unix
        return
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", 1031)  # Linux's value; the call fails harmlessly elsewhere
    for stream in (proc.stdin, proc.stdout):
        transport = getattr(stream, "transport", None) or getattr(stream, "_transport", None)
        fileno = None
        if transport is not None:
            pipe = transport.get_extra_info("pipe")
            fileno = pipe.fileno() if pipe is not None else None
        if fileno is None:
            continue
        with contextlib.suppress(OSError):
            fcntl.fcntl(fileno, setpipe, PIPE_BYTES)


class DetectPool:
    """``size`` detection processes; :meth:`analyse` runs one batch on the next idle one.

    Batches may be in flight on several children at once; callers keep their own order (the
    worker finishes batches in the order it took them).
    """

    def __init__(self, size: int, detector: str, *, max_article_bytes: int, with_keys: bool,
                 timeout_seconds: float = 300.0) -> None:
        if size < 1:
            raise ValueError("a detection pool needs at least one process")
        self.size = size
        self.detector = detector
        self.max_article_bytes = max_article_bytes
        self.with_keys = with_keys
        self.timeout_seconds = timeout_seconds
        self.restarts = 0
        self._idle: asyncio.Queue[_Child] = asyncio.Queue()
        self._children: set[_Child] = set()
        self._spawned = 0
        self._stopping = False

    @property
    def pids(self) -> list[int]:
        return sorted(c.pid for c in self._children if c.proc.returncode is None)

    async def start(self) -> None:
        """Start every child and wait until each has loaded the detector (errors surface here)."""
        children = await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        for child in children:
            self._idle.put_nowait(child)

    async def _spawn(self) -> _Child:
        self._spawned += 1
        root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "service.stream.detect_pool", self.detector,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
            limit=1 << 20,
        )
        child = _Child(proc, self._spawned)
        self._children.add(child)
        _widen_pipes(proc)
        try:
            assert proc.stdout is not None
            hello = await asyncio.wait_for(proc.stdout.readexactly(len(READY)), START_TIMEOUT_SECONDS)
            if hello != READY:
                raise ChildDied(f"unexpected greeting {hello!r}")
        except (asyncio.IncompleteReadError, TimeoutError, ChildDied) as exc:
            child.kill()
            code = await proc.wait()
            self._children.discard(child)
            raise RuntimeError(
                f"detection process for ESCALERT_DETECTOR={self.detector!r} did not start "
                f"({_exit_description(code)}; its error is in the log above)") from exc
        return child

    async def acquire(self) -> _Child:
        """Wait for an idle child and hold it for :meth:`analyse` (callers that batch while all
        children are busy: the longer they wait, the bigger the batch)."""
        return await self._idle.get()

    async def analyse(self, values: Sequence[bytes | None], now: datetime,
                      child: _Child | None = None) -> list[Analysis]:
        """Analyses of ``values``, in order, whatever happens to the children (on ``child`` when
        given, from :meth:`acquire`; else on the next idle one)."""
        return await self._analyse(list(values), now, crashed_alone=False, child=child)

    async def _analyse(self, values: list[bytes | None], now: datetime, *, crashed_alone: bool,
                       child: _Child | None = None) -> list[Analysis]:
        if child is None:
            child = await self._idle.get()
        try:
            reply = await child.request(
                pickle.dumps((now, self.max_article_bytes, self.with_keys, values), protocol=5),
                self.timeout_seconds,
            )
        except ChildDied as exc:
            self._children.discard(child)
            if self._stopping:
                raise
            self.restarts += 1
            log.error("%s while detecting %d articles; starting another and retrying", exc, len(values))
            self._idle.put_nowait(await self._spawn())
            if len(values) > 1:
                half = len(values) // 2
                left = await self._analyse(values[:half], now, crashed_alone=False)
                right = await self._analyse(values[half:], now, crashed_alone=False)
                return left + right
            if not crashed_alone:
                return await self._analyse(values, now, crashed_alone=True)
            return [self._culprit(values[0], now, exc)]
        self._idle.put_nowait(child)
        result: list[Analysis] = pickle.loads(reply)
        return result

    def _culprit(self, value: bytes | None, now: datetime, exc: ChildDied) -> Analysis:
        """The analysis of an article that killed a child on its own, twice: a detection error,
        with its id and dedupe keys (parsed here; only the detector is not run again)."""

        def died(_article: object) -> list[Any]:
            raise DetectionProcessDied(f"the detection process died on this article, twice ({exc})")

        return analyse_payload(value, detect=died, now=now, max_article_bytes=self.max_article_bytes,
                               with_keys=self.with_keys)

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop every child: stdin closed, SIGKILL after ``grace`` seconds."""
        self._stopping = True
        children = list(self._children)
        self._children.clear()
        await asyncio.gather(*(c.stop(grace) for c in children), return_exceptions=True)


# --- the child ---------------------------------------------------------------------------------


def _read_exactly(stream: BinaryIO, n: int) -> bytes | None:
    chunks = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def child_main(detector_path: str) -> int:
    """Serve requests on stdin/stdout until stdin closes (the worker stopped or died)."""
    from service.stream.processing import analyse_payloads

    # The protocol owns file descriptor 1; anything the detector prints goes to stderr.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the worker, which stops us
    inp = sys.stdin.buffer
    from service.stream.processing import load_detector

    detect = load_detector(detector_path)
    out.write(READY)
    out.flush()
    while True:
        header = _read_exactly(inp, _HEADER.size)
        if header is None:
            return 0
        (size,) = _HEADER.unpack(header)
        body = _read_exactly(inp, size)
        if body is None:
            return 0
        now, max_bytes, with_keys, values = pickle.loads(body)
        result = analyse_payloads(values, detect=detect, now=now, max_article_bytes=max_bytes,
                                  with_keys=with_keys)
        reply = pickle.dumps(result, protocol=5)
        try:
            out.write(_HEADER.pack(len(reply)))
            out.write(reply)
            out.flush()
        except BrokenPipeError:
            return 0


def _main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m service.stream.detect_pool MODULE:FUNCTION", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s detect-child: %(message)s")
    try:
        return child_main(argv[0])
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
