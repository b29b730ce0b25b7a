"""The article's genre (service/detection/genre.py): commentary told by its address or headline
label; signals carry it, and nothing else of detection changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.article import Article
from schemas.common import Genre
from service.detection import detect
from service.detection.genre import genre_of


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("https://www.theguardian.com/commentisfree/2016/jan/01/syria-war", "The war goes on"),
        ("https://www.washingtonpost.com/opinions/global-opinions/why-we-fight/2016/01/01/", "x"),
        ("http://blogs.reuters.com/great-debate/2016/05/01/russia/", "Russia's gamble"),
        ("https://www.example.com/world/2016/x.html", "Opinion: The strikes on Aleppo must stop"),
        ("https://www.example.com/world/2016/x.html", "EDITORIAL | Sanctions are not enough"),
        (None, "Letters: no more war"),
    ],
)
def test_columns_editorials_blogs_and_letters_are_opinion(url: str | None, title: str) -> None:
    assert genre_of(url, title) == Genre.OPINION


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("https://www.bbc.com/news/world-europe-123", "Russian troops mass at Ukraine border"),
        ("https://www.example.com/2016/comment-is-free-speech/x.html", "x"),  # not a section
        ("https://www.example.com/world/x.html", "Ukraine: Russian forces shell Kharkiv"),
        ("https://www.example.com/world/x.html", "View from Kyiv: the front holds"),
        ("https://blogsphere.example.com/x", "x"),
        ("http://thehill.com/blogs/ballot-box/senate-races/302351-x", "x"),  # news filed under /blogs/
        ("http://[::1/opinion/x", "x"),  # an address urlsplit cannot read: no error, no genre from it
        (None, ""),
    ],
)
def test_reports_are_news(url: str | None, title: str) -> None:
    assert genre_of(url, title) == Genre.NEWS


def test_signals_carry_the_genre_and_are_otherwise_the_same() -> None:
    body = "Russian forces shelled Kharkiv on Monday, killing three people, officials said."
    when = datetime(2024, 4, 15, tzinfo=UTC)
    news = detect(Article(id="a", title="Shelling", body=body, published_at=when,
                          url="https://example.com/world/2024/04/15/kharkiv"))
    column = detect(Article(id="a", title="Shelling", body=body, published_at=when,
                            url="https://example.com/opinion/2024/04/15/kharkiv"))
    assert news and [s.article.genre for s in news] == [Genre.NEWS] * len(news)
    assert [s.article.genre for s in column] == [Genre.OPINION] * len(column)
    strip = [{**s.model_dump(exclude={"article"})} for s in news]
    assert strip == [{**s.model_dump(exclude={"article"})} for s in column]
