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

from schemas.common import EventType

# Modes that change the entry's base intensity: (type, mode) -> intensity.
MODE_INTENSITY: dict[tuple[EventType, str], float] = {
    (EventType.MOBILIZE, "nuclear"): -9.0,
    (EventType.MOBILIZE, "missiles"): -8.0,
    (EventType.MOBILIZE, "exercises"): -5.0,
    (EventType.THREATEN, "nuclear"): -9.0,
    (EventType.THREATEN, "war"): -8.0,
    (EventType.THREATEN, "invasion"): -8.0,
    (EventType.THREATEN, "military action"): -7.0,
    (EventType.THREATEN, "sanctions"): -5.0,
    (EventType.THREATEN, "consequences"): -5.0,
    (EventType.THREATEN, "countermeasures"): -5.0,
    (EventType.SANCTION, "diplomatic"): -4.0,
    (EventType.SANCTION, "expulsion"): -4.0,
    (EventType.SANCTION, "recall of ambassador"): -4.0,
    (EventType.SANCTION, "tariffs"): -4.0,
    (EventType.SANCTION, "embargo"): -7.0,
    (EventType.SANCTION, "arms embargo"): -6.0,
    (EventType.COERCE, "detention"): -5.0,
    (EventType.COERCE, "seizure"): -7.0,
    (EventType.COERCE, "territory"): -9.0,
    (EventType.AID, "humanitarian"): 7.0,
    (EventType.AID, "military"): 5.0,
    (EventType.CONSULT, "summit"): 4.0,
    (EventType.CONSULT, "phone call"): 2.0,
}


# The same table by type, then mode: two look-ups on cached string hashes instead of building
# and hashing a tuple per candidate.
_MODE_INTENSITY_BY_TYPE: dict[EventType, dict[str, float]] = {}
for (_type, _mode), _intensity in MODE_INTENSITY.items():
    _MODE_INTENSITY_BY_TYPE.setdefault(_type, {})[_mode] = _intensity


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
