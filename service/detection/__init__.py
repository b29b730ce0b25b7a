"""Escalation-signal detection: pure functions from an ``Article`` to PLOVER-typed ``Signal``s.

Knows nothing of Kafka, files or delivery. Usage::

    from service.detection import detect
    signals = detect(article)
"""

from service.detection.detector import DETECTOR_VERSION, detect

__all__ = ["DETECTOR_VERSION", "detect"]
