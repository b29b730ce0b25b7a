"""The detector's vocabulary (``data/vocabulary.yaml``): the word lists and patterns its rules
consult, loaded once per process and handed out by name.

Each detection module reads the lists it uses at import, as module constants
(``_DETERMINERS: Final = vocabulary.words("determiners")``), so a rule reads a frozenset or a
compiled pattern exactly as before the lists moved to data. A name the file lacks, or an entry
of the wrong kind (YAML reads a bare ``on`` or ``no`` as a boolean), fails at import with the
name and the reason.

This module imports nothing of the detector: every other detection module may use it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Final

import yaml  # type: ignore[import-untyped]

DATA_DIR: Final = Path(str(resources.files("service.detection"))) / "data"  # no __file__ once compiled
VOCABULARY_FILE: Final = "vocabulary.yaml"

try:  # the C loader, where libyaml is there
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader  # type: ignore[misc]


class VocabularyError(ValueError):
    """A list or pattern of ``vocabulary.yaml`` that is missing or malformed."""


@lru_cache(maxsize=4)
def load(path: Path = DATA_DIR / VOCABULARY_FILE) -> dict[str, object]:
    """Every entry of the vocabulary file, by name (read once per path)."""
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_Loader)
    if not isinstance(data, dict):
        raise VocabularyError(f"{path.name}: expected a mapping of named lists and patterns")
    return data


def _entry(name: str) -> object:
    data = load()
    if name not in data:
        raise VocabularyError(f"{VOCABULARY_FILE}: no entry {name!r}")
    return data[name]


def _strings(name: str, value: object) -> list[str]:
    if not isinstance(value, list) or not value:
        raise VocabularyError(f"{VOCABULARY_FILE}: {name} should be a non-empty list of words")
    bad = [w for w in value if not isinstance(w, str)]
    if bad:
        raise VocabularyError(
            f"{VOCABULARY_FILE}: {name}: {bad!r} are not strings (quote them: YAML reads no/on/yes as booleans)"
        )
    return [str(w) for w in value]


def words(name: str) -> frozenset[str]:
    """A list of words, as a set."""
    return frozenset(_strings(name, _entry(name)))


def phrases(name: str) -> tuple[str, ...]:
    """A list of words in the file's order (for code that tries them in order)."""
    return tuple(_strings(name, _entry(name)))


def _mapping(name: str) -> dict[str, object]:
    value = _entry(name)
    if not isinstance(value, dict) or not value:
        raise VocabularyError(f"{VOCABULARY_FILE}: {name} should be a non-empty mapping of words")
    _strings(name, list(value))
    return {str(k): v for k, v in value.items()}


def labels(name: str) -> dict[str, str]:
    """A mapping of words to names (a victim's noun to its sector)."""
    out = _mapping(name)
    _strings(name, list(out.values()))
    return {k: str(v) for k, v in out.items()}


def numbers(name: str) -> dict[str, int]:
    """A mapping of words to the numbers they spell."""
    out = _mapping(name)
    bad = [v for v in out.values() if not isinstance(v, int) or isinstance(v, bool)]
    if bad:
        raise VocabularyError(f"{VOCABULARY_FILE}: {name}: {bad!r} are not whole numbers")
    return {k: int(str(v)) for k, v in out.items()}


def pattern(name: str) -> re.Pattern[str]:
    """A compiled pattern: a string, a list of pieces, or ``{pattern: ..., ignorecase: true}``."""
    value = _entry(name)
    flags = 0
    if isinstance(value, dict):
        unknown = set(value) - {"pattern", "ignorecase"}
        if unknown or "pattern" not in value:
            raise VocabularyError(f"{VOCABULARY_FILE}: {name}: a pattern takes 'pattern' and 'ignorecase' only")
        if value.get("ignorecase") is True:
            flags = re.IGNORECASE
        value = value["pattern"]
    return _compile(name, _source(name, value), flags)


def _source(name: str, value: object) -> str:
    """A pattern's text: a string, or a list of pieces joined with nothing between them."""
    return value if isinstance(value, str) else "".join(_strings(name, value))


def _compile(name: str, source: str, flags: int) -> re.Pattern[str]:
    try:
        return re.compile(source, flags)
    except re.error as exc:
        raise VocabularyError(f"{VOCABULARY_FILE}: {name}: not a valid pattern ({exc})") from None


def templates(name: str, parts_name: str) -> dict[str, re.Pattern[str]]:
    """A mapping of named patterns, compiled, each with ``{PART}`` replaced by the pattern of that
    name in the mapping ``parts_name`` (only those names are replaced: ``{0,3}`` stays a repeat)."""
    parts = {key: _source(f"{parts_name}.{key}", value) for key, value in _mapping(parts_name).items()}
    out: dict[str, re.Pattern[str]] = {}
    for key, value in _mapping(name).items():
        source = _source(f"{name}.{key}", value)
        for part, text in parts.items():
            source = source.replace("{" + part + "}", text)
        out[key] = _compile(f"{name}.{key}", source, 0)
    return out


def intensities(name: str) -> dict[str, dict[str, float]]:
    """A mapping of event types to a mapping of modes to intensities (-10 .. +10)."""
    out: dict[str, dict[str, float]] = {}
    for key, value in _mapping(name).items():
        if not isinstance(value, dict) or not value:
            raise VocabularyError(f"{VOCABULARY_FILE}: {name}.{key} should be a mapping of modes to numbers")
        modes = {str(k): v for k, v in value.items()}
        bad = [v for v in modes.values() if not isinstance(v, (int, float)) or isinstance(v, bool) or not -10 <= v <= 10]
        if bad:
            raise VocabularyError(f"{VOCABULARY_FILE}: {name}.{key}: {bad!r} are not intensities from -10 to 10")
        out[key] = {k: float(str(v)) for k, v in modes.items()}
    return out
