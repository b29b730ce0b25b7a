"""Multi-key scanning for the lexicon (every occurrence of every key, with the key's value), the
C version of ``lexicon.lower_forms`` for ASCII text, and :func:`lower_words` (the stream's
content hash normalises every article with it).

Two interchangeable implementations of one interface (:class:`KeyScanner`):

- ``_scan.Scanner`` (``_scan.c``, built with the compiled detector by
  ``scripts/build_native.py``): Aho-Corasick as a dense DFA, one table read a character. The
  whole-text scan of every article was a quarter of the detector's cost with pyahocorasick,
  whose trie walk costs ~55-75 instructions a character.
- :class:`PyScanner`: pyahocorasick, when the detector runs as pure Python (not built, stale, or
  ``ESCALERT_NATIVE=0``).

Both report ``(index of the match's last character, value)`` by end index, the longest key first
at one end index (pyahocorasick's order), and ``tests/detection/test_scanning.py`` holds them to
the same output. This module is never compiled: it chooses.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import ahocorasick

from service.detection import native


class KeyScanner(Protocol):
    """What the detector calls: ``findall(text, start, end)`` over ``text[start:end]``, with
    indexes into ``text``."""

    def findall(self, text: str, start: int = 0, end: int = sys.maxsize, /) -> list[tuple[int, object]]: ...


class PyScanner:
    """pyahocorasick behind :class:`KeyScanner`."""

    __slots__ = ("_automaton",)

    def __init__(self, keys: Sequence[str], values: Sequence[object],
                 order: Callable[[str], list[int]] | None = None) -> None:
        auto = ahocorasick.Automaton()
        pairs = dict(zip(keys, values, strict=True))
        for key in sorted(pairs, key=order) if order else pairs:
            auto.add_word(key, pairs[key])
        auto.make_automaton()
        self._automaton = auto

    def findall(self, text: str, start: int = 0, end: int = sys.maxsize, /) -> list[tuple[int, object]]:
        if start <= 0 and end >= len(text):
            return list(self._automaton.iter(text))
        # pyahocorasick copies the whole text it is given (to UCS-4): hand it the slice.
        return [(start + e, v) for e, v in self._automaton.iter(text[start:end])]


def _compiled(name: str) -> Any:
    """``_scan.<name>`` when the compiled detector is in use (same build, same checks), else None."""
    if not native.STATUS.startswith("compiled"):
        return None
    from service.detection import _scan  # type: ignore[attr-defined]

    return getattr(_scan, name)


def native_scanner_class() -> Callable[[list[str], list[object]], KeyScanner] | None:
    """The compiled scanner when the compiled detector is in use, else None."""
    return _compiled("Scanner")  # type: ignore[no-any-return]


def native_ascii_lower_forms() -> Callable[[str, bytes], tuple[str, str] | None] | None:
    """``_scan.ascii_lower_forms`` when the compiled detector is in use, else None."""
    return _compiled("ascii_lower_forms")  # type: ignore[no-any-return]


def make_scanner(keys: Sequence[str], values: Sequence[object],
                 order: Callable[[str], list[int]] | None = None) -> KeyScanner:
    """A scanner of ``keys``; ``order`` sorts the keys for pyahocorasick (its child search is
    linear, so the order of insertion decides its speed, never its hits)."""
    native_class = native_scanner_class()
    if native_class is not None:
        return native_class(list(keys), list(values))
    return PyScanner(keys, values, order)


def _lower_words_py(data: bytes) -> bytes:
    return b" ".join(data.lower().split())


#: ``b" ".join(data.lower().split())``: ASCII letters lowercased, whitespace runs made one space.
#: In C (``_scan.c``, one pass) with the compiled build: ~10 us for a 3 KB article, ~37 us in Python.
lower_words: Callable[[bytes], bytes] = _compiled("lower_words") or _lower_words_py
