"""Escalation-signal detection: pure functions from an ``Article`` to PLOVER-typed ``Signal``s.

Knows nothing of Kafka, files or delivery. Usage::

    from service.detection import detect
    signals = detect(article)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from service.detection.native import STATUS as BUILD  # first: chooses compiled or source modules

if TYPE_CHECKING:
    from service.detection.detector import DETECTOR_VERSION, detect

__all__ = ["BUILD", "DETECTOR_VERSION", "detect"]


def __getattr__(name: str) -> Any:
    # Imported on first use, once this package is fully initialised: compiled modules look
    # their siblings up through ``service.detection``, which exists only after this file ran.
    if name in ("detect", "DETECTOR_VERSION"):
        from service.detection import detector

        return getattr(detector, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
