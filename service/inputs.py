"""Reading articles: raw payloads and files in, validated ``Article`` objects or precise errors out.

The CLI (``detect``, ``publish``) and the stream worker share this module so that one input is
accepted or rejected, with one reason, wherever it arrives. Nothing here raises on bad input:
readers yield :class:`InputError` values that callers report, dead-letter or count.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError

from schemas.article import Article

DEFAULT_MAX_BYTES = 1_000_000
READABLE_SUFFIXES = (".jsonl", ".json", ".txt")
# Nesting of arrays and objects in one payload: what pydantic's JSON parser (the fast path of
# ``parse_article``) accepts, so that both paths reject the same payloads. An article is an
# object of strings; anything this deep is a producer bug or an attack on the parser.
MAX_JSON_DEPTH = 201
# Digits of a JSON integer: Python's own limit on converting decimal strings to int, and the
# point where pydantic's parser reports "number out of range".
MAX_INT_DIGITS = 4300


@dataclass(frozen=True, slots=True)
class InputError:
    """An input that cannot become an article: where it came from, why, and the payload itself."""

    origin: str  # "path:line", "-:line", "topic[partition]@offset"
    reason: str  # a DeadLetterReason code, e.g. "not_json", "schema", "oversize"
    message: str
    payload: bytes | str = b""

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}: {self.message}"


@dataclass(frozen=True, slots=True)
class ParsedArticle:
    origin: str
    article: Article
    raw: bytes | str = b""


Parsed = ParsedArticle | InputError


class ArticleRejected(ValueError):
    """Raised by :func:`parse_article`; ``reason`` is a dead-letter reason code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _schema_error(exc: ValidationError) -> ArticleRejected:
    parts = []
    reason = "schema"
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "article"
        msg = err["msg"].removeprefix("Value error, ")
        if loc == "body" and ("empty" in msg or err["type"] in {"string_too_short", "missing"}):
            reason = "empty_body" if err["type"] != "missing" else reason
        if loc == "language" and "unsupported language" in msg:
            reason = "unsupported_language"
        parts.append(f"{loc}: {msg}")
    return ArticleRejected(reason, "; ".join(parts))


_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET_RE = re.compile(r"[\[\]{}]")


def json_depth(text: str, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep arrays and objects nest in the JSON ``text``, counted up to ``limit + 1`` (so the
    cost is one regex pass, whatever the input): brackets inside strings do not count."""
    depth = deepest = 0
    for m in _BRACKET_RE.finditer(_STRING_RE.sub("", text)):
        if m.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        elif depth:
            depth -= 1
    return deepest


def _parse_int(digits: str) -> int:
    if len(digits) > MAX_INT_DIGITS + 1:  # + 1: a minus sign
        raise ValueError(f"a {len(digits)}-character integer (at most {MAX_INT_DIGITS} digits)")
    return int(digits)


def loads_json(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that never raises anything but :class:`ArticleRejected`: ``too_deep`` past
    ``max_depth`` levels (checked before parsing: the recursive decoder is never asked),
    ``not_json`` for bad syntax and integers over 4,300 digits, ``undecodable``
    for strings that are not Unicode (a lone surrogate escape such as ``"\\ud800"``)."""
    depth = json_depth(text, max_depth)
    if depth > max_depth:
        raise ArticleRejected("too_deep", f"JSON nested over {max_depth} levels deep")
    try:
        obj = json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise ArticleRejected("not_json", f"not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:  # not expected under the depth limit: a safety net
        raise ArticleRejected("too_deep", "JSON nested too deep for the decoder") from None
    except ValueError as exc:
        raise ArticleRejected("not_json", f"not JSON ({exc})") from None
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ArticleRejected("undecodable", f"a string is not valid Unicode ({exc.reason})") from None
    return obj


def article_from_obj(obj: Any, *, now: datetime | None = None) -> Article:
    """Validate a decoded JSON value as an article, or raise :class:`ArticleRejected`."""
    if not isinstance(obj, dict):
        raise ArticleRejected("schema", f"expected a JSON object, got {type(obj).__name__}")
    try:
        return Article.model_validate(obj, context={"now": now or datetime.now(UTC)})
    except ValidationError as exc:
        raise _schema_error(exc) from None


def parse_article(
    raw: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES, now: datetime | None = None
) -> Article:
    """Decode one JSON article payload (a Kafka message value, a JSONL line).

    Raises :class:`ArticleRejected` with a reason code and a message that says what is wrong.
    """
    size = len(raw.encode("utf-8", "surrogatepass")) if isinstance(raw, str) else len(raw)
    if size > max_bytes:
        raise ArticleRejected("oversize", f"article is {size} bytes, over the {max_bytes}-byte limit")
    if isinstance(raw, str):
        try:
            raw.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ArticleRejected("undecodable", f"not Unicode ({exc.reason} at character {exc.start})") from None
    try:
        # Fast path for the common case, a valid article: pydantic parses the JSON itself (about
        # half the cost of json.loads plus validation). Any failure falls through to the checked
        # path below, which names the problem precisely; whatever the fast path accepts, the
        # checked path accepts identically (tests/test_inputs.py compares them).
        return Article.model_validate_json(raw, context={"now": now or datetime.now(UTC)})
    except (ValidationError, ValueError, RecursionError):
        pass
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ArticleRejected("undecodable", f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    else:
        text = raw
    if not text.strip():
        raise ArticleRejected("not_json", "empty payload")
    return article_from_obj(loads_json(text), now=now)


# --- the plain-text form ---------------------------------------------------------------------

_HEADER_RE = re.compile(r"^\s*\|\s*(?P<date>[^|]+?)\s*\|\s*$")
_BYLINE_RE = re.compile(r"^\s*[•·\-–—]\s*(?P<source>[A-Z][\w .&'-]{0,60})\s*$")
_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}


def _parse_header_date(text: str) -> datetime | None:
    """'14 April 2024, Sunday' or 'April 14, 2024' or '2024-04-14' -> midnight UTC of that day."""
    text = text.strip()
    if text[:4].isdigit():
        try:
            parsed = datetime.fromisoformat(text)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            return None
    m = re.search(r"(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})", text) or None
    if m:
        day, month, year = int(m.group(1)), _MONTHS.get(m.group(2).lower()), int(m.group(3))
    else:
        m = re.search(r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})", text)
        if not m:
            return None
        day, month, year = int(m.group(2)), _MONTHS.get(m.group(1).lower()), int(m.group(3))
    if not month:
        return None
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


def article_from_text(text: str, *, name: str, now: datetime | None = None) -> Article:
    """Parse the plain-text form: ``| 14 April 2024, Sunday |``, title, body, optional ``• Reuters``.

    The header line and byline are optional; without a header the first non-blank line is the
    title only if it is followed by a blank line (a headline), otherwise everything is body.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    published: datetime | None = None
    source: str | None = None
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i < len(lines) and (m := _HEADER_RE.match(lines[i])):
        published = _parse_header_date(m.group("date"))
        if published is None:
            raise ArticleRejected("schema", f"header date {m.group('date')!r} is not a date")
        i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    title = ""
    if i + 1 < len(lines) and lines[i].strip() and not lines[i + 1].strip():
        title = lines[i].strip()
        i += 1
    rest = lines[i:]
    while rest and not rest[-1].strip():
        rest.pop()
    if rest and (m := _BYLINE_RE.match(rest[-1])):
        source = m.group("source").strip()
        rest.pop()
    body = "\n".join(rest).strip("\n")
    obj: dict[str, Any] = {"id": "", "title": title, "body": body, "source": source}
    if published is not None:
        obj["published_at"] = published
    art = article_from_obj(obj, now=now)
    if not art.id or art.id.startswith("sha256-"):
        # A file's article keeps a readable, stable id: its file name plus the content hash.
        art.id = f"{Path(name).stem}"
    return art


# --- files and streams ---------------------------------------------------------------------------


def _reject(origin: str, exc: ArticleRejected, payload: bytes | str) -> InputError:
    return InputError(origin, exc.reason, exc.message, payload)


def _bounded_lines(fh: BinaryIO, max_bytes: int) -> Iterator[tuple[bytes, int]]:
    """(line, size) for each line of ``fh``, holding at most ``max_bytes`` + 1 bytes of one: a line
    over the limit comes as its first bytes and its full size (line break excluded), the rest
    read and dropped."""
    chunk = max_bytes + 1
    while True:
        line = fh.readline(chunk)
        if not line:
            return
        if len(line) < chunk or line.endswith(b"\n"):
            yield line, len(line.rstrip(b"\r\n"))
            continue
        size = len(line)
        while True:
            more = fh.readline(1 << 20)
            size += len(more.rstrip(b"\r\n"))
            if not more or more.endswith(b"\n"):
                break
        yield line, size


def _iter_jsonl(fh: BinaryIO, name: str, max_bytes: int, now: datetime) -> Iterator[Parsed]:
    for lineno, (line, size) in enumerate(_bounded_lines(fh, max_bytes), 1):
        origin = f"{name}:{lineno}"
        if size > max_bytes:
            yield InputError(origin, "oversize", f"line is {size} bytes, over the {max_bytes}-byte limit", line)
            continue
        stripped = line.strip()
        if not stripped:
            continue
        try:
            yield ParsedArticle(origin, parse_article(stripped, max_bytes=max_bytes, now=now), stripped)
        except ArticleRejected as exc:
            yield _reject(origin, exc, stripped)


def _iter_json(path: Path, max_bytes: int, now: datetime) -> Iterator[Parsed]:
    raw = path.read_bytes()
    try:
        # One more level than an article payload: the file may hold a list of articles.
        doc = loads_json(raw.decode("utf-8"), max_depth=MAX_JSON_DEPTH + 1)
    except UnicodeDecodeError as exc:
        yield InputError(str(path), "undecodable", f"not UTF-8 ({exc.reason} at byte {exc.start})", raw)
        return
    except ArticleRejected as exc:
        yield _reject(str(path), exc, raw)
        return
    items = doc if isinstance(doc, list) else [doc]
    for idx, obj in enumerate(items):
        origin = f"{path}[{idx}]" if isinstance(doc, list) else str(path)
        payload = json.dumps(obj, ensure_ascii=False)
        if len(payload.encode()) > max_bytes:
            yield InputError(origin, "oversize", f"article is over the {max_bytes}-byte limit", payload)
            continue
        try:
            yield ParsedArticle(origin, article_from_obj(obj, now=now), payload)
        except ArticleRejected as exc:
            yield _reject(origin, exc, payload)


def _iter_txt(path: Path, max_bytes: int, now: datetime) -> Iterator[Parsed]:
    raw = path.read_bytes()
    origin = str(path)
    if len(raw) > max_bytes:
        yield InputError(origin, "oversize", f"article is {len(raw)} bytes, over the {max_bytes}-byte limit", raw)
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        yield InputError(origin, "undecodable", f"not UTF-8 ({exc.reason} at byte {exc.start})", raw)
        return
    try:
        yield ParsedArticle(origin, article_from_text(text, name=path.name, now=now), raw)
    except ArticleRejected as exc:
        yield _reject(origin, exc, raw)


def expand_paths(paths: Iterable[str]) -> Iterator[str | Path]:
    """Directories expand to their readable files (sorted, recursive); ``-`` stays ``-``."""
    for p in paths:
        if p == "-":
            yield p
            continue
        path = Path(p)
        if path.is_dir():
            yield from sorted(f for f in path.rglob("*") if f.is_file() and f.suffix in READABLE_SUFFIXES)
        else:
            yield path


def read_articles(
    paths: Iterable[str], *, max_bytes: int = DEFAULT_MAX_BYTES, now: datetime | None = None
) -> Iterator[Parsed]:
    """Yield every article (or input error) from PATHs: .jsonl, .json, .txt, directories, ``-``."""
    now = now or datetime.now(UTC)
    for item in expand_paths(paths):
        if item == "-":
            yield from _iter_jsonl(sys.stdin.buffer, "-", max_bytes, now)  # type: ignore[arg-type]
            continue
        assert isinstance(item, Path)
        if not item.exists():
            yield InputError(str(item), "missing", "no such file or directory")
            continue
        try:
            if item.suffix == ".jsonl":
                with item.open("rb") as fh:
                    yield from _iter_jsonl(fh, str(item), max_bytes, now)
            elif item.suffix == ".json":
                yield from _iter_json(item, max_bytes, now)
            elif item.suffix == ".txt":
                yield from _iter_txt(item, max_bytes, now)
            else:
                yield InputError(str(item), "unsupported_file", "expected .jsonl, .json, .txt or a directory")
        except OSError as exc:
            yield InputError(str(item), "unreadable", exc.strerror or str(exc))
