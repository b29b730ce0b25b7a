"""Intensity and severity: how conflictual an event is, and how loudly to alert on it.

``intensity`` runs from -10 (most conflictual) to +10 (most cooperative), in the spirit of the
Goldstein scale and PLOVER's mode scores. Each trigger entry carries its base intensity; a few
modes move it (a nuclear threat is worse than an unspecified one). ``severity`` (1..5) is what
subscriptions filter on; it is derived from intensity only, so it is explainable from one table:

========================  ========
intensity                 severity
========================  ========
<= -9                     5
-8.9 .. -7                4
-6.9 .. -5                3
-4.9 .. -2                2
-1.9 .. +4.9              1
+5 .. +6.9                2
>= +7                     3
========================  ========

Cooperative events top out at 3: a ceasefire matters to an analyst, but it should not page anyone
at the level of an air strike.
"""

from __future__ import annotations

from typing import Final

from schemas.common import EventType
from service.detection import vocabulary

# Modes that change the entry's base intensity, by type then mode (``vocabulary.yaml``:
# mode_intensity): two look-ups on cached string hashes per candidate.
_MODE_INTENSITY_BY_TYPE: Final[dict[EventType, dict[str, float]]] = {
    EventType(name): modes for name, modes in vocabulary.intensities("mode_intensity").items()
}


def intensity_for(event_type: EventType, mode: str | None, base: float) -> float:
    modes = _MODE_INTENSITY_BY_TYPE.get(event_type)
    return base if modes is None else modes.get(mode or "", base)


def severity_for(intensity: float) -> int:
    """Map intensity to the 1..5 severity used by alert thresholds (table in the docstring)."""
    if intensity <= -9:
        return 5
    if intensity <= -7:
        return 4
    if intensity <= -5:
        return 3
    if intensity <= -2:
        return 2
    if intensity < 5:
        return 1
    if intensity < 7:
        return 2
    return 3
