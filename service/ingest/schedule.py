"""When a source is next polled: its interval after a success, exponential backoff with jitter
after failures, and never before a server's Retry-After."""

from __future__ import annotations

import random
from email.utils import parsedate_to_datetime

from schemas.source import Limits


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent
    or unreadable. Capped at one day: a server cannot park a source for ever."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), 86400.0)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return min(max(0.0, when - now), 86400.0)


def next_due(
    now: float,
    interval: float,
    failures: int,
    limits: Limits,
    *,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """The time (epoch seconds) of the next poll.

    ``failures`` is the count of consecutive failures including this one (0 after a success).
    Backoff: base * 2**(failures-1), capped, with "full jitter" between half and all of it so many
    failing sources do not retry in step; never sooner than the interval or Retry-After.
    """
    delay = interval
    if failures > 0:
        backoff = min(limits.backoff_max_seconds, limits.backoff_base_seconds * 2 ** min(failures - 1, 30))
        backoff *= 0.5 + 0.5 * (rng or random).random()
        delay = max(interval, backoff)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return now + delay
