"""Article page -> main text, with trafilatura; feed summaries (HTML fragments) -> plain text.

trafilatura finds the article body among navigation, share buttons and related links, and
decodes bytes itself (UTF-8 first, then detection), so pages that lie about their encoding
still come out readable. Its time grows with the page, so the fetcher's byte limit
(``limits.max_page_bytes``) is what bounds the time spent here.

Cost (``bench/bench_ingest.py``): trafilatura runs several XPath passes whose regular
expressions call back into Python once per element, so a page's cost follows its element count,
and asides, footers and widgets are a good part of a news page's elements. Those elements are
ones trafilatura deletes anyway before it looks for the main text; :data:`PRUNE_XPATH` removes
them first with one plain XPath that libxml2 runs alone (its ``prune_xpath`` option). On
trafilatura's own evaluation corpus (884 pages) this gave the same text on 881 pages and the same
or better score on the other three. ``<nav>`` and ``<noscript>`` are not in the list although
trafilatura deletes them too: some sites put the article inside them and trafilatura's recall
retry finds it there (pruning them first lost the article on four pages of that corpus).
"""

from __future__ import annotations

import time
from copy import copy
from dataclasses import dataclass
from functools import lru_cache

import lxml.html
import trafilatura
from trafilatura.settings import Extractor

# Below this, a page's "main text" is a cookie wall or a teaser: keep the feed's summary.
MIN_TEXT_CHARS = 200


@dataclass(frozen=True, slots=True)
class Extracted:
    text: str
    title: str | None
    published: str | None  # as the page states it (ISO date), for when the feed has none


# Elements trafilatura's own cleaning deletes before extraction (``MANUALLY_CLEANED``).
PRUNE_XPATH = ".//aside|.//footer|.//style|.//svg|.//select|.//button|.//iframe|.//menu"


@lru_cache(maxsize=4)
def _options_of_the_day(metadata: bool, day: str) -> Extractor:
    """trafilatura's options, built once a day (building them reads its config file's values and
    the clock: a tenth of a millisecond a page otherwise). The day is part of the key because the
    options carry "no date after today" for the date search."""
    del day
    # fast: no second opinion from trafilatura's fallback extractors (~1.4x faster, the same text
    # on news pages in our fixtures); comments and tables are not the article's text.
    return Extractor(output_format="python", fast=True, comments=False, tables=False, with_metadata=metadata)


def extraction_options(url: str, *, metadata: bool = False) -> Extractor:
    options = copy(_options_of_the_day(metadata, time.strftime("%Y-%m-%d")))
    options.url = url
    options.source = url.encode("utf-8", "replace").decode("utf-8")  # as trafilatura sets it
    return options


def extract_page(html: bytes, *, url: str, metadata: bool = False) -> Extracted | None:
    """The page's main text, or None when there is too little to be an article.

    ``metadata``: also read the page's title and date (trafilatura's metadata pass, about four
    times the cost of the text itself); feeds give both, so only GDELT's bare URLs need it.
    """
    doc = trafilatura.bare_extraction(html, options=extraction_options(url, metadata=metadata),
                                      prune_xpath=PRUNE_XPATH)
    if doc is None:
        return None
    text = (getattr(doc, "text", None) or "").strip()
    if len(text) < MIN_TEXT_CHARS:
        return None
    return Extracted(text=text, title=getattr(doc, "title", None), published=getattr(doc, "date", None))


def without_leading_title(text: str, title: str) -> str:
    """Pages repeat the headline (``<h1>``) at the top of the article; the title is already in
    ``title``, so a first line equal to it (case and spacing aside) is dropped from the body."""
    first, sep, rest = text.partition("\n")
    if sep and title and " ".join(first.split()).casefold() == " ".join(title.split()).casefold():
        return rest.lstrip("\n")
    return text


def html_fragment_text(fragment: str) -> str:
    """A feed summary's HTML as plain text, paragraphs kept apart."""
    if "<" not in fragment:
        return " ".join(fragment.split())
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return " ".join(fragment.split())
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    blocks = []
    for block in root.iter("p", "div", "li"):
        if block.text_content().strip() and block is not root:
            block.tail = "\n\n" + (block.tail or "")
    text = root.text_content()
    for para in text.split("\n\n"):
        para = " ".join(para.split())
        if para:
            blocks.append(para)
    return "\n\n".join(blocks)
