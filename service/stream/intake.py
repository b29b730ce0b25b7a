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
Faust's Fetcher service runs (and restarts after each rebalance). The replacement
(:func:`service.faust_private.drain_messages`) is a copy of faust-streaming 0.15's, with one change: a message of the articles topic goes to
:meth:`Intake.put` instead of the conductor's callback. Messages that still arrive as events
(through Faust's test utilities, or a fetch loop started before :meth:`install`) are put in the
same list by the agent, so nothing depends on which path a message took.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from service.faust_private import install_fetch_loop

log = logging.getLogger("escalert.stream")

NOT_STARTED = "off: the detection agent has not started"


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
        # "on", or "off: why" (served by /health/ready and the metric escalert_batch_intake)
        self.state = NOT_STARTED

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
        reason = install_fetch_loop(consumer, self)
        if reason is not None:
            self.state = f"off: {reason}"
            log.warning("batch intake off (%s): Faust's per-event path delivers %s", reason, self.topic)
            return False
        self.installed_on = consumer
        self.state = "on"
        return True

    def turned_off(self, why: str) -> None:
        """The intake is not used (``why``): Faust's per-event path delivers the topic."""
        self.state = f"off: {why}"
