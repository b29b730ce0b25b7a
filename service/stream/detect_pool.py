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

A dying child never loses an article, and a poison article holds its partition for one retry
at most: the child writes the index of the article it is on into a shared page before each one
(``_Progress``), so when it dies, or stops making progress for ``timeout_seconds`` on one
article and is killed, the parent knows which article it was on. The articles before it are
detected again on a fresh child (their answers died with the child), the culprit is retried
once, alone, and the rest of the batch goes on; a culprit that kills (or stalls) a child again
is returned as a ``detection_error`` (dead-lettered with its original payload and the reason),
like an exception would be. Pickle is safe here: both ends are this program, over a private pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mmap
import os
import pickle
import signal
import struct
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from service.stream.processing import Analysis, Detect, analyse_payload

log = logging.getLogger("escalert.stream.detect")

_HEADER = struct.Struct("!Q")
READY = b"ready"
START_TIMEOUT_SECONDS = 60.0
STOP_GRACE_SECONDS = 5.0
PIPE_BYTES = 1 << 20


class ChildDied(RuntimeError):
    """The detection process died (or stalled and was killed) while holding a batch."""


class DetectionProcessDied(RuntimeError):
    """What a dead letter names when an article killed (or stalled) its detection process twice."""


_POSITION = struct.Struct("=q")


class _Progress:
    """A page shared by the worker and one child: the index of the article the child is on (the
    batch's length once it is done with all). A memory write per article; read by the parent
    while it waits (a child stalled on one article) and after a death (which article it was)."""

    def __init__(self) -> None:
        fd, self.path = tempfile.mkstemp(prefix="escalert-detect-")
        try:
            os.write(fd, bytes(mmap.PAGESIZE))
            self.page = mmap.mmap(fd, mmap.PAGESIZE)
        finally:
            os.close(fd)

    def forget_path(self) -> None:
        """Remove the file once the child has it mapped: nothing is left behind."""
        with contextlib.suppress(OSError):
            os.unlink(self.path)

    def get(self) -> int:
        return int(_POSITION.unpack_from(self.page, 0)[0])

    def set(self, index: int) -> None:
        _POSITION.pack_into(self.page, 0, index)


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

    def __init__(self, proc: asyncio.subprocess.Process, number: int, progress: _Progress) -> None:
        self.proc = proc
        self.number = number
        self.progress = progress

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def request(self, payload: bytes, timeout: float) -> bytes:
        """Send a batch, wait for its answers; ChildDied when the child dies or spends over
        ``timeout`` seconds on one article (then it is killed)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.progress.set(0)
        roundtrip = asyncio.ensure_future(self._roundtrip())
        try:
            self.proc.stdin.write(_HEADER.pack(len(payload)) + payload)
            await self._until_done(roundtrip, timeout)
            return roundtrip.result()
        except TimeoutError:
            self.kill()
            await self.proc.wait()
            raise ChildDied(
                f"detection process {self.pid} spent over {timeout:g} s on one article and was killed") from None
        except (asyncio.IncompleteReadError, ConnectionError, BrokenPipeError, OSError) as exc:
            code = await self.proc.wait()
            raise ChildDied(f"detection process {self.pid} {_exit_description(code)}") from exc
        finally:
            if not roundtrip.done():
                roundtrip.cancel()
                await asyncio.gather(roundtrip, return_exceptions=True)

    async def _until_done(self, roundtrip: asyncio.Future[bytes], timeout: float) -> None:
        """Wait for ``roundtrip``; TimeoutError once the child's position has not moved for
        ``timeout`` seconds (checked a few times per timeout, at least once a second)."""
        loop = asyncio.get_running_loop()
        position, since = self.progress.get(), loop.time()
        poll = min(1.0, timeout / 4)
        while True:
            done, _ = await asyncio.wait({roundtrip}, timeout=poll)
            if done:
                return
            now, current = loop.time(), self.progress.get()
            if current != position:
                position, since = current, now
            elif now - since >= timeout:
                raise TimeoutError

    async def _roundtrip(self) -> bytes:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        await self.proc.stdin.drain()
        (size,) = _HEADER.unpack(await self.proc.stdout.readexactly(_HEADER.size))
        return await self.proc.stdout.readexactly(size)

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
        progress = _Progress()
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "service.stream.detect_pool", self.detector, progress.path,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
                limit=1 << 20,
            )
        except BaseException:
            progress.forget_path()
            raise
        child = _Child(proc, self._spawned, progress)
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
        finally:
            progress.forget_path()  # the child maps it before it greets
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
        if not values:
            if child is not None:
                self._idle.put_nowait(child)
            return []
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
            self._idle.put_nowait(await self._spawn())
            return await self._after_death(values, now, child.progress.get(), exc, crashed_alone=crashed_alone)
        self._idle.put_nowait(child)
        result: list[Analysis] = pickle.loads(reply)
        return result

    async def _after_death(self, values: list[bytes | None], now: datetime, at: int, exc: ChildDied, *,
                           crashed_alone: bool) -> list[Analysis]:
        """Analyses of ``values`` after a child died on its article ``at``: the culprit, retried
        alone once (a dead letter if it fails again); the articles before and after it, again."""
        if crashed_alone:
            log.error("%s on an article retried alone: dead-lettering it", exc)
            return [self._culprit(values[0], now, exc)]
        if not 0 <= at < len(values):
            # Done with every article, then died (sending the answers): no culprit to name.
            log.error("%s after detecting %d articles; detecting them again", exc, len(values))
            if len(values) == 1:
                return await self._analyse(values, now, crashed_alone=True)
            half = len(values) // 2
            return (await self._analyse(values[:half], now, crashed_alone=False)
                    + await self._analyse(values[half:], now, crashed_alone=False))
        log.error("%s on article %d of %d; retrying it alone once, and the others", exc, at + 1, len(values))
        before = await self._analyse(values[:at], now, crashed_alone=False)
        culprit = await self._analyse(values[at:at + 1], now, crashed_alone=True)
        after = await self._analyse(values[at + 1:], now, crashed_alone=False)
        return before + culprit + after

    def _culprit(self, value: bytes | None, now: datetime, exc: ChildDied) -> Analysis:
        """The analysis of an article that killed a child on its own, twice: a detection error,
        with its id and dedupe keys (parsed here; only the detector is not run again)."""

        def died(_article: object) -> list[Any]:
            raise DetectionProcessDied(
                f"the detection process died on this article twice, in its batch and alone ({exc})")

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


def _analyse_tracked(values: list[bytes | None], progress: mmap.mmap, detect: Detect, now: datetime,
                     max_bytes: int, with_keys: bool) -> list[Analysis]:
    """``analyse_payloads``, writing the index of each article to ``progress`` before it."""
    out = []
    for i, value in enumerate(values):
        _POSITION.pack_into(progress, 0, i)
        out.append(analyse_payload(value, detect=detect, now=now, max_article_bytes=max_bytes,
                                   with_keys=with_keys))
    _POSITION.pack_into(progress, 0, len(values))
    return out


def child_main(detector_path: str, progress_path: str) -> int:
    """Serve requests on stdin/stdout until stdin closes (the worker stopped or died)."""
    with open(progress_path, "r+b") as fh:
        progress = mmap.mmap(fh.fileno(), mmap.PAGESIZE)
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
        result = _analyse_tracked(values, progress, detect, now, max_bytes, with_keys)
        reply = pickle.dumps(result, protocol=5)
        try:
            out.write(_HEADER.pack(len(reply)))
            out.write(reply)
            out.flush()
        except BrokenPipeError:
            return 0


def _main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m service.stream.detect_pool MODULE:FUNCTION PROGRESS_FILE", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s detect-child: %(message)s")
    try:
        return child_main(argv[0], argv[1])
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
