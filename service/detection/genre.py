"""The genre of an article: a news report or opinion (a column, editorial, blog post, letter).

Told by the article's address (a path segment in ``vocabulary.yaml: opinion_sections``, or
the host's first label in ``opinion_hosts``) or a headline label before a colon or a bar
(``opinion_title_labels``: "Opinion: ...", "EDITORIAL | ..."). Nothing else: the text of a
column reads like a report, and news sites mark the section in both places. Signals carry the
genre (``ArticleRef.genre``); subscriptions alert on news only unless they ask for opinion.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlsplit

from schemas.common import Genre
from service.detection import vocabulary

_SECTIONS: Final = vocabulary.words("opinion_sections")
_HOSTS: Final = vocabulary.words("opinion_hosts")
_TITLE_LABELS: Final = vocabulary.words("opinion_title_labels")
_TITLE_LABEL: Final = re.compile(r"\s*([A-Za-z][A-Za-z-]*(?: [A-Za-z-]+)?)\s*[:|]")


def genre_of(url: str | None, title: str) -> Genre:
    """``opinion`` when the address or the headline marks the page as commentary, else ``news``."""
    if url:
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").split(".")
        except ValueError:  # "http://[::1/...": no address to read; the headline may still tell
            parts, host = urlsplit(""), []
        if host and host[0] in _HOSTS:
            return Genre.OPINION
        if any(seg.lower() in _SECTIONS for seg in parts.path.split("/") if seg):
            return Genre.OPINION
    m = _TITLE_LABEL.match(title)
    if m is not None and m.group(1).lower() in _TITLE_LABELS:
        return Genre.OPINION
    return Genre.NEWS
