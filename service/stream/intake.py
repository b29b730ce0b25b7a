"""Batch intake: the articles topic's messages go from Faust's fetch loop to the agent in batches.

Why: Faust hands each consumed message to an agent through a dozen steps, all per message. Its
fetch loop awaits every delivery under ``Service.wait_first``, which creates and cancels four
tasks per message. The conductor then builds an ``Event`` and queues it, and the stream takes
it and makes it the current event. ``take_events`` finally buffers it for the agent. Everything the
worker does after that is batched, and this makes the intake batched too: a message of the
articles topic is appended to a list, and the agent takes whole lists. Measured with
bench/stream_throughput.py: the worker's own process went from ~250 to ~75-115 us of CPU per
article (docs/performance.md, "The stream worker").

What stays Faust's: the consumer and its fetch thread, group membership, rebalances, flow
control, the offsets (each message is tracked as unacked, acked by the agent once its signals are
durable, and committed by Faust), and every other topic. The alert agents' messages still go
through the conductor, exactly as before.

How: :meth:`Intake.install` replaces the consumer's ``_drain_messages``, the fetch loop that
Faust's Fetcher service runs (and restarts after each rebalance). The replacement is a copy of
faust-streaming 0.15's, with one change: a message of the articles topic goes to
:meth:`Intake.put` instead of the conductor's callback. Messages that still arrive as events
(through Faust's test utilities, or a fetch loop started before :meth:`install`) are put in the
same list by the agent, so nothing depends on which path a message took.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
from typing import Any

log = logging.getLogger("escalert.stream")

# SHA-256 (first 16 hex digits) of the source of faust-streaming 0.15.3's
# Consumer._drain_messages, the loop copied below. Any other source (another Faust) and the
# intake stays out: Faust's own path is slower but right by definition.
FAUST_DRAIN_SHA256 = "44a2500309e83c63"

CONSUMER_FETCHING = "FETCHING"  # faust.transport.consumer's diagnostic flag for the fetch loop
YIELD_EVERY = 100  # messages between two yields to the event loop, as in Faust's own loop


class Intake:
    """Messages of one topic waiting for the agent, in arrival order (bounded by ``limit``).

    The fetch loop blocks while ``limit`` messages wait, as it does on a full agent queue, so a
    slow agent holds back fetching instead of filling memory.
    """

    def __init__(self, app: Any, topic: str, limit: int) -> None:
        self.app = app
        self.topic = topic
        self.limit = max(1, limit)
        self.messages: list[Any] = []
        self.arrived = asyncio.Event()  # messages are waiting
        self.room = asyncio.Event()  # fewer than ``limit`` wait: the fetch loop may go on
        self.room.set()
        self.installed_on: Any = None

    def __len__(self) -> int:
        return len(self.messages)

    def put(self, message: Any) -> None:
        """Queue one message for the agent and track it as unacked (Faust waits for unacked
        messages on shutdown and commits no offset past them)."""
        if not message.tracked:
            message.tracked = True
            self.app.consumer.unacked.add(message)
        self.messages.append(message)
        self.arrived.set()
        if len(self.messages) >= self.limit:
            self.room.clear()

    def take(self, n: int) -> list[Any]:
        """Up to ``n`` waiting messages, oldest first."""
        batch = self.messages[:n]
        del self.messages[:n]
        if not self.messages:
            self.arrived.clear()
        if len(self.messages) < self.limit:
            self.room.set()
        return batch

    async def take_within(self, n: int, seconds: float) -> list[Any]:
        """Wait for a message, then up to ``seconds`` more for ``n`` of them (like Faust's
        ``take_events``: a batch goes when full or when the time is up)."""
        await self.arrived.wait()
        if len(self.messages) < n:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + seconds
            while len(self.messages) < n:
                left = deadline - loop.time()
                if left <= 0:
                    break
                self.arrived.clear()
                try:
                    await asyncio.wait_for(self.arrived.wait(), left)
                except TimeoutError:
                    break
            self.arrived.set()
        return self.take(n)

    def install(self) -> bool:
        """Make the app's consumer deliver this topic here, if its fetch loop is the one we
        copied (idempotent; takes effect the next time Faust's Fetcher starts its fetch loop: at
        start-up and after every rebalance). Returns whether the intake is installed."""
        consumer = self.app.consumer
        if self.installed_on is consumer:
            return True
        reason = faust_drain_mismatch(type(consumer))
        if reason is not None:
            log.warning("batch intake off (%s): Faust's per-event path delivers %s", reason, self.topic)
            return False

        async def drain_messages(fetcher: Any) -> None:
            await _drain_messages(consumer, fetcher, self)

        consumer._drain_messages = drain_messages
        self.installed_on = consumer
        return True


def faust_drain_mismatch(consumer_class: type) -> str | None:
    """Why the intake's copy of the fetch loop cannot stand in for ``consumer_class``'s, or None."""
    try:
        source = inspect.getsource(consumer_class._drain_messages)  # type: ignore[attr-defined]
    except (AttributeError, OSError, TypeError) as exc:
        return f"cannot read Faust's fetch loop: {exc}"
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    if digest != FAUST_DRAIN_SHA256:
        from importlib.metadata import PackageNotFoundError, version

        try:
            faust = f"faust-streaming {version('faust-streaming')}"
        except PackageNotFoundError:
            faust = "this Faust"
        return f"{faust}'s fetch loop is not the one the intake copies (0.15.3's)"
    return None


async def _drain_messages(consumer: Any, fetcher: Any, intake: Intake) -> None:
    """faust-streaming 0.15's ``Consumer._drain_messages``, delivering ``intake.topic`` in bulk.

    Kept line for line where it is Faust's (read offsets, gaps, periodic commits, stopping);
    only the delivery differs, and only for the intake's topic.
    """
    app = consumer.app
    callback = consumer.callback
    getmany = consumer.getmany
    consumer_should_stop = consumer._stopped.is_set
    fetcher_should_stop = fetcher._stopped.is_set
    get_read_offset = consumer._read_offset.__getitem__
    set_read_offset = consumer._read_offset.__setitem__
    set_flag = consumer.diag.set_flag
    unset_flag = consumer.diag.unset_flag
    commit_every = consumer._commit_every
    acks_enabled_for = app.topics.acks_enabled_for
    flow_active = app.flow_control.is_active
    topic = intake.topic
    put = intake.put
    room = intake.room

    num_since_yield = 0
    try:
        while not (consumer_should_stop() or fetcher_should_stop()):
            set_flag(CONSUMER_FETCHING)
            ait = getmany(timeout=1.0)
            # Sleeping because sometimes getmany is called in a loop never releasing to the loop
            await consumer.sleep(0)
            if not consumer.should_stop:
                async for tp, message in ait:
                    num_since_yield += 1
                    if num_since_yield > YIELD_EVERY:
                        await asyncio.sleep(0)
                        num_since_yield = 0
                    offset = message.offset
                    r_offset = get_read_offset(tp)
                    if r_offset is None or offset >= r_offset:
                        gap = offset - (r_offset or 0)
                        if gap > 1 and r_offset and acks_enabled_for(message.topic):
                            await consumer._add_gap(tp, r_offset + 1, offset)
                        if commit_every is not None and consumer._n_acked >= commit_every:
                            consumer._n_acked = 0
                            await consumer.commit()
                        if message.topic != topic:
                            await consumer.wait_first(callback(message), consumer.suspend_flow.wait())
                        elif flow_active() and message.generation_id == app.consumer_generation_id:
                            # (A message fetched before a rebalance is not delivered, nor acked:
                            # Faust seeks back to the committed offsets, so it comes again.)
                            put(message)
                            if not room.is_set():
                                await consumer.wait_first(room.wait(), consumer.suspend_flow.wait())
                        set_read_offset(tp, offset)
                unset_flag(CONSUMER_FETCHING)
    except consumer.consumer_stopped_errors:
        if consumer.transport.app.should_stop:
            log.info("Broker stopped consumer, shutting down...")
            return
        raise
    except asyncio.CancelledError:
        if consumer.transport.app.should_stop:
            log.info("Consumer shutting down for user cancel.")
            return
        raise
    except Exception as exc:
        log.exception("Drain messages raised: %r", exc)
        raise
    finally:
        unset_flag(CONSUMER_FETCHING)
