"""Stream partitions start fetching again only once a rebalance has sought them back.

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

:func:`install` replaces three methods of Faust's ``Consumer`` class (idempotent; the originals
are kept in ``_original``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

PENDING = "_escalert_resume_after_seek"  # the consumer's noted partitions (instance attribute)

_original: dict[str, Any] = {}


def _pending(consumer: Any) -> set[Any]:
    return consumer.__dict__.setdefault(PENDING, set())  # type: ignore[no-any-return]


def resume_partitions(self: Any, tps: Iterable[Any]) -> None:
    """Faust's ``Consumer.resume_partitions``, deferred to ``resume_flow`` during a rebalance."""
    from faust.transport.consumer import ensure_TPset

    tpset = ensure_TPset(tps)
    if getattr(self.app, "rebalancing", False):
        _pending(self).update(tpset)
    else:
        _original["resume_partitions"](self, tpset)


def pause_partitions(self: Any, tps: Iterable[Any]) -> None:
    """Faust's ``Consumer.pause_partitions``; a paused partition is no longer waiting to resume."""
    from faust.transport.consumer import ensure_TPset

    tpset = ensure_TPset(tps)
    _pending(self).difference_update(tpset)
    _original["pause_partitions"](self, tpset)


def resume_flow(self: Any) -> None:
    """Faust's ``Consumer.resume_flow``, then the partitions resumed since the rebalance began."""
    _original["resume_flow"](self)
    pending = _pending(self)
    if pending:
        tps = set(pending)
        pending.clear()
        _original["resume_partitions"](self, tps)


_REPLACEMENTS = {"resume_partitions": resume_partitions, "pause_partitions": pause_partitions,
                 "resume_flow": resume_flow}


def install() -> None:
    """Make Faust's consumer resume partitions after the rebalance's seek (idempotent)."""
    from faust.transport.consumer import Consumer

    for name, replacement in _REPLACEMENTS.items():
        if getattr(Consumer, name) is not replacement:
            _original[name] = getattr(Consumer, name)
            setattr(Consumer, name, replacement)
