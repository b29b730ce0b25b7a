"""Faust's pausing and resuming of partitions: stream partitions start fetching again only once
a rebalance has sought them back, and a changelog partition Faust holds paused is not fetched.

Faust ends every rebalance (``Recovery.on_recovery_completed``, and ``_resume_streams`` when
there are no tables) with:

1. ``consumer.resume_partitions(stream partitions)``
2. ``await consumer.perform_seek()``: back to the committed offsets, read offsets reset to them
3. ``app.flow_control.resume()``: clears the agents' stream buffers
4. ``consumer.resume_flow()``

At step 1 the consumer's flow is already on (the recovery turned it on to read the changelogs),
and the fetch request waiting in the consumer thread filters on the live set of active
partitions. So records of the stream partitions can be handed out, and delivered to the agents,
while step 2 is under way. When the seek completes in the middle of such a batch:

- step 3 throws away the delivered events the agents have not taken yet;
- the rest of the batch moves the read offsets, just reset to the committed offsets, past them
  again, so the fetch loop drops those messages when they come again from the committed offset
  (Faust's "DROPPED MESSAGE ROFF"), and records the offsets it skipped as a gap, which counts
  as acknowledged and is committed.

The messages thrown away at step 3 are then never processed, by this worker or the next: a
restarted worker with alerts on routed 1 to 20 of 300 signals to nothing (measured: 19 messages
in the buffer at step 3, the same 19 missing; docs/delivery.md).

Here a partition resumed during a rebalance is only noted, and starts fetching when the flow is
resumed (step 4): after the seek and after the buffers were cleared, as the order of Faust's
steps intends. Pausing a noted partition forgets it. Outside a rebalance, resuming works as in
Faust. Every caller of ``resume_partitions`` in Faust resumes the flow right after it (the
recovery's changelog phase too), so nothing else waits longer than before.

Changelog partitions. Faust reads a table's changelog partitions only while it recovers the
table or follows it as a standby; the rest of the time (every partition whose table is active
here, from the end of the recovery on) they are paused. But Faust's pause only leaves a
partition out of what its fetch loop takes from aiokafka: aiokafka goes on fetching it. The
worker writes those partitions itself (each table write sends a changelog record), so the first
write to one after a start is fetched and never taken. aiokafka then holds back every fetch
from that broker for ``prefetch_backoff`` (0.1 s), waiting for the partition's records to be
taken, and afterwards leaves the partition out for good (its records are still waiting).
Measured at 200 signals/s through the event stage: every signal in flight waited up to 0.1 s
more at the first write to each partition of the consolidation and trajectory tables'
changelogs (4 partitions each), the slow signals of a run's first seconds (docs/events.md,
"Speed"). So a changelog partition paused in Faust is paused in aiokafka too, and resumed with
it (:func:`service.faust_private.set_fetching`); other partitions are left as Faust has them.
During a rebalance aiokafka fetches as Faust expects: Faust pauses every partition when a
rebalance starts, and its exactly-once recovery takes a changelog's end from aiokafka's fetches
of it (its last stable offset; pausing from the start lost the exactly-once worker's dedupe
state across a restart). The changelog partitions Faust holds paused are paused in aiokafka
when the rebalance completes (``app.on_rebalance_complete``, before the worker is ready and
before anything writes them; :func:`register`); a new assignment starts aiokafka's partitions
afresh, unpaused. Faust's livelock check, which logs an error for an assigned
partition aiokafka has not fetched for ``stream_processing_timeout`` (5 minutes), leaves out
the partitions paused here: they are not fetched on purpose.

:func:`install` replaces four methods of Faust's ``Consumer`` class (idempotent; the originals
are kept in ``_original``); :func:`register` connects an app's end of rebalance.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from service.faust_private import set_fetching

log = logging.getLogger("escalert.stream")

PENDING = "_escalert_resume_after_seek"  # the consumer's noted partitions (instance attribute)
HELD = "_escalert_changelogs_held"  # changelog partitions Faust holds paused (likewise)
NOT_FETCHED = "_escalert_not_fetched"  # changelog partitions paused in aiokafka (likewise)

_original: dict[str, Any] = {}


def _pending(consumer: Any) -> set[Any]:
    return consumer.__dict__.setdefault(PENDING, set())  # type: ignore[no-any-return]


def _held(consumer: Any) -> set[Any]:
    return consumer.__dict__.setdefault(HELD, set())  # type: ignore[no-any-return]


def not_fetched(consumer: Any) -> set[Any]:
    """The changelog partitions whose fetching this module paused in aiokafka."""
    return consumer.__dict__.setdefault(NOT_FETCHED, set())  # type: ignore[no-any-return]


def resume_partitions(self: Any, tps: Iterable[Any]) -> None:
    """Faust's ``Consumer.resume_partitions``, deferred to ``resume_flow`` during a rebalance."""
    from faust.transport.consumer import ensure_TPset

    tpset = ensure_TPset(tps)
    if getattr(self.app, "rebalancing", False):
        _pending(self).update(tpset)
    else:
        _resume_now(self, tpset)


def pause_partitions(self: Any, tps: Iterable[Any]) -> None:
    """Faust's ``Consumer.pause_partitions``; a paused partition is no longer waiting to resume,
    and a paused changelog partition is no longer fetched (during a rebalance: once it
    completes)."""
    from faust.transport.consumer import ensure_TPset

    tpset = ensure_TPset(tps)
    _pending(self).difference_update(tpset)
    _original["pause_partitions"](self, tpset)
    changelogs = changelog_partitions(self, tpset)
    _held(self).update(changelogs)
    if not getattr(self.app, "rebalancing", False) and set_fetching(self, changelogs, fetch=False):
        not_fetched(self).update(changelogs)


def resume_flow(self: Any) -> None:
    """Faust's ``Consumer.resume_flow``, then the partitions resumed since the rebalance began."""
    _original["resume_flow"](self)
    pending = _pending(self)
    if pending:
        tps = set(pending)
        pending.clear()
        _resume_now(self, tps)


def _resume_now(self: Any, tps: set[Any]) -> None:
    """Faust's ``Consumer.resume_partitions``; a changelog partition is fetched again."""
    _original["resume_partitions"](self, tps)
    changelogs = changelog_partitions(self, tps)
    _held(self).difference_update(changelogs)
    not_fetched(self).difference_update(changelogs)
    set_fetching(self, changelogs, fetch=True)


def stop_fetching_held_changelogs(consumer: Any) -> None:
    """At the end of a rebalance: pause in aiokafka the assigned changelog partitions Faust
    holds paused (the new assignment started them all unpaused)."""
    held = _held(consumer) & set(consumer.assignment())
    paused = not_fetched(consumer)
    paused.clear()
    if set_fetching(consumer, held, fetch=False):
        paused.update(held)


def changelog_partitions(consumer: Any, tps: Iterable[Any]) -> list[Any]:
    """Those of ``tps`` that are partitions of a table's changelog."""
    changelogs = consumer.app.tables.changelog_topics
    return [tp for tp in tps if tp.topic in changelogs]


async def verify_all_partitions_active(self: Any) -> None:
    """Faust's ``Consumer.verify_all_partitions_active`` (its livelock check: each assigned
    partition fetched lately), without the changelog partitions paused in aiokafka here."""
    from time import monotonic

    now = monotonic()
    skipped = not_fetched(self)
    for tp in self.assignment():
        await self.sleep(0)
        if not self.should_stop and tp not in skipped:
            self.verify_event_path(now, tp)


_REPLACEMENTS = {"resume_partitions": resume_partitions, "pause_partitions": pause_partitions,
                 "resume_flow": resume_flow, "verify_all_partitions_active": verify_all_partitions_active}


def register(app: Any) -> None:
    """Pause the changelog partitions Faust holds paused in aiokafka whenever ``app``'s
    rebalance completes (its recovery done, before the worker is ready)."""

    @app.on_rebalance_complete.connect
    async def _changelogs_not_fetched(sender: Any, **kwargs: Any) -> None:
        try:
            stop_fetching_held_changelogs(app.consumer)
        except Exception:  # noqa: BLE001 - fetching them anyway costs latency, never a record
            log.warning("could not pause the changelog partitions' fetching", exc_info=True)


def install() -> None:
    """Make Faust's consumer resume partitions after the rebalance's seek, and not fetch the
    changelog partitions it holds paused (idempotent)."""
    from faust.transport.consumer import Consumer

    for name, replacement in _REPLACEMENTS.items():
        if getattr(Consumer, name) is not replacement:
            _original[name] = getattr(Consumer, name)
            setattr(Consumer, name, replacement)
