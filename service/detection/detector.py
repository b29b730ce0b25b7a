"""Placeholder until the detector lands (same signature)."""

from schemas.article import Article
from schemas.signal import Signal

DETECTOR_VERSION = "0.0.0"


def detect(article: Article) -> list[Signal]:
    return []
