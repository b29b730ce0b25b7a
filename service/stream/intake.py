"""Batch intake: messages of chosen topics go from Faust's fetch loop to their agents in batches.

Why: Faust hands each consumed message to an agent through a dozen steps, all per message. Its
fetch loop awaits every delivery under ``Service.wait_first``, which creates and cancels four
tasks per message. The conductor then builds an ``Event`` and queues it, and the stream takes
it and makes it the current event. ``take_events`` finally buffers it for the agent. Everything
the worker's agents do after that is batched, and this makes the intake batched too: a message
of a topic with an intake is appended to that intake's list, and its agent takes whole lists.
Measured with bench/stream_throughput.py: the worker's own process went from ~250 to ~75-115 us
of CPU per article (docs/performance.md, "The stream worker"); with the event stage's three
hops on intakes too, see "With the learned models and the event stage" there.

Which topics: ``articles`` (the detection agent), ``signals`` (the event stage's ``events-key``),
``<app id>-event-keys`` (``events-consolidate``) and ``events`` (``events-follow``). One intake
per topic, one agent per intake: a topic that another agent also reads (``signals`` when the
alert agents run) keeps Faust's path, which delivers each message to every reader (:meth:`Intake.install`
says so in its state and the log).

What stays Faust's: the consumer and its fetch thread, group membership, rebalances, flow
control, the offsets (each message is tracked as unacked, acked by its agent once its outputs
are durable, and committed by Faust), and every other topic (the alert agents', the trajectory
fold's, the retraction reader's), delivered through the conductor exactly as before.

How: :meth:`Intake.install` replaces the consumer's ``_drain_messages``, the fetch loop that
Faust's Fetcher service runs (and restarts after each rebalance), by
:func:`service.faust_private.drain_messages`, a copy of faust-streaming 0.15.3's with one change:
a message of a topic in its dict topic -> intake goes to that intake's :meth:`Intake.put`
instead of the conductor's callback. Messages that still arrive as events (through Faust's test
utilities, ``ESCALERT_BATCH_INTAKE=false``, or a fetch loop started before :meth:`install`) are
put in the same list by the agent (:meth:`Intake.feed_from`), so nothing depends on which path
a message took. :func:`run_batches` is the agent body of the event stage's intakes: take a
batch, handle it (sends forced and awaited), then ack every message of it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from service.faust_private import install_fetch_loop

log = logging.getLogger("escalert.stream")

NOT_STARTED = "off: its agent has not started"
FEED_WITHIN = 0.01  # seconds Faust's stream waits to fill a batch of events for an intake, at least


class Intake:
    """Messages of one topic waiting for the agent, in arrival order (bounded by ``limit``).

    The fetch loop blocks while ``limit`` messages wait, as it does on a full agent queue, so a
    slow agent holds back fetching instead of filling memory.
    """

    def __init__(self, app: Any, topic: str, limit: int, reader: str | None = None) -> None:
        self.app = app
        self.topic = topic
        self.reader = reader  # the name of the agent that takes this intake's messages
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
        copied and no other agent reads the topic (idempotent; takes effect the next time
        Faust's Fetcher starts its fetch loop: at start-up and after every rebalance). Returns
        whether the intake is installed."""
        consumer = self.app.consumer
        if self.installed_on is consumer:
            return True
        others = other_readers(self.app, self.topic, self.reader)
        reason = (f"{self.topic} is also read by {', '.join(others)}" if others
                  else install_fetch_loop(consumer, self))
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

    async def feed_from(self, stream: Any, n: int, within: float) -> None:
        """Messages that still arrive as events on the agent's Faust ``stream`` (Faust's test
        utilities, the intake off, or a fetch loop that started before :meth:`install`) join
        this intake too."""
        async for events in stream.take_events(n, within=within):
            if not self.room.is_set():
                await self.room.wait()
            for ev in events:
                # One more reference per message: take_events acks these events as soon as this
                # body returns, and that must not release an offset whose outputs are not
                # produced yet; the agent's own ack releases it. Nothing below yields to the
                # loop, so take_events' acks always come first and the agent's is the one that
                # reaches the consumer.
                ev.message.incref()
                self.put(ev.message)


def other_readers(app: Any, topic: str, reader: str | None) -> list[str]:
    """The names of the app's agents other than ``reader`` that read ``topic`` (an intake
    would take their messages away from them)."""
    if reader is None:
        return []
    names = []
    for agent in getattr(app, "agents", {}).values():
        topics = getattr(getattr(agent, "channel", None), "topics", None) or ()
        if topic in topics and agent.name != reader:
            names.append(agent.name)
    return sorted(names)


async def run_batches(intake: Intake, stream: Any, *, enabled: bool, size: int, within: float,
                      handle: Callable[[list[Any]], Awaitable[None]]) -> None:
    """An agent body over ``intake``: install it (``enabled``; else Faust's per-event path feeds
    it), then, a batch at a time (up to ``size`` messages, waiting up to ``within`` seconds for
    them), ``await handle(batch)`` and ack every message of the batch. ``handle`` returns once
    the batch's outputs are durable (sends forced and awaited): a crash before that re-delivers
    the batch, never loses it. An exception in ``handle`` stops the agent, acks nothing."""
    if enabled:
        bulk = intake.install()
    else:
        bulk = False
        intake.turned_off("ESCALERT_BATCH_INTAKE=false")
    log.info("%s: messages arrive %s", intake.topic,
             "in bulk (batch intake)" if bulk else "event by event (Faust's stream)")

    async def batches() -> None:
        while True:
            batch = await intake.take_within(size, within)
            await handle(batch)
            consumer = intake.app.consumer
            for msg in batch:
                msg.ack(consumer)

    async def feeder() -> None:
        # (Faust's take_events needs a positive wait: its batches then go when full or late.)
        await intake.feed_from(stream, size, max(within, FEED_WITHIN))
        # The stream ended (the worker is stopping): the batches in the intake still get
        # handled and acked, for Faust waits for unacked messages before it stops.
        await asyncio.Event().wait()

    await until_failed([asyncio.ensure_future(batches()), asyncio.ensure_future(feeder())])


async def until_failed(tasks: list[asyncio.Future[Any]]) -> None:
    """Run ``tasks`` (each runs forever) until one stops; its exception crashes the agent,
    as an exception in the agent's own body would. The others are cancelled."""
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
        raise RuntimeError("an agent's pipeline task stopped")
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
