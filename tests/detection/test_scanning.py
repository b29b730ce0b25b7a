"""The two scanners of the lexicon find the same things in the same order: the compiled DFA
(``_scan.c``) and pyahocorasick (``scanning.PyScanner``, the pure-Python detector's)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.detection.scanning import PyScanner, native_scanner_class

Scanner = native_scanner_class()
needs_native = pytest.mark.skipif(Scanner is None, reason="the detector is not compiled here")

# Few letters, so that keys overlap, nest and share prefixes and suffixes; non-ASCII of each
# string width (Latin-1, UCS-2, UCS-4) in keys and in text.
ALPHABET = "ab -\u00e9\u0130\u4e2d\U0001f600"
keys_st = st.lists(st.text(ALPHABET, min_size=1, max_size=5), min_size=1, max_size=12, unique=True)
text_st = st.text(ALPHABET + "xZ", max_size=60)


def _both(keys: list[str]) -> tuple[object, PyScanner]:
    assert Scanner is not None
    values = [f"v{i}" for i in range(len(keys))]
    return Scanner(keys, values), PyScanner(keys, values)


def test_the_pure_scanner_reports_every_overlapping_key_longest_first() -> None:
    scanner = PyScanner([" war ", "war", " war", "ar "], ["W", "w", "sw", "a"])
    assert scanner.findall(" a war ") == [(5, "sw"), (5, "w"), (6, "W"), (6, "a")]
    assert scanner.findall(" a war ", 2, 6) == [(5, "sw"), (5, "w")]


@needs_native
def test_native_matches_pure_on_an_example() -> None:
    native, pure = _both([" war ", "war", " war", "ar ", "é"])
    text = " the war, a wary war é "
    assert native.findall(text) == pure.findall(text)
    assert native.findall(text, 4, 9) == pure.findall(text, 4, 9) == [(7, "v2"), (7, "v1")]


@needs_native
@settings(max_examples=400, deadline=None)
@given(keys=keys_st, text=text_st, data=st.data())
def test_native_matches_pure_on_any_keys_and_text(keys: list[str], text: str, data: st.DataObject) -> None:
    native, pure = _both(keys)
    assert native.findall(text) == pure.findall(text)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text) + 3))
    assert native.findall(text, start, end) == pure.findall(text, start, end)


@needs_native
def test_native_scanner_refuses_bad_keys_with_the_reason() -> None:
    assert Scanner is not None
    with pytest.raises(ValueError, match="key 1 is not a non-empty str"):
        Scanner(["a", ""], [1, 2])
    with pytest.raises(ValueError, match="differ in length"):
        Scanner(["a"], [1, 2])
    with pytest.raises(TypeError):
        Scanner(["a"], [1]).findall(b"a")


@needs_native
@given(text=st.text(st.characters(max_codepoint=127), max_size=80))
def test_native_ascii_lower_forms_match_python(text: str) -> None:
    from service.detection.lexicon import _ASCII_BOUNDARY_LOWER
    from service.detection.scanning import native_ascii_lower_forms

    forms = native_ascii_lower_forms()
    assert forms is not None
    expected = (text.lower(), " " + text.encode("ascii").translate(_ASCII_BOUNDARY_LOWER).decode("ascii") + " ")
    assert forms(text, _ASCII_BOUNDARY_LOWER) == expected
    assert forms(text + "\u00e9", _ASCII_BOUNDARY_LOWER) is None  # not ASCII: Python's path


@needs_native
@given(text=st.text(st.characters(max_codepoint=127), max_size=80))
def test_native_ascii_lower_forms_follow_any_other_table(text: str) -> None:
    from service.detection.lexicon import _ASCII_BOUNDARY_LOWER
    from service.detection.scanning import native_ascii_lower_forms

    forms = native_ascii_lower_forms()
    assert forms is not None
    table = _ASCII_BOUNDARY_LOWER.replace(b" ", b"#")  # not today's rule: the table is read as given
    expected = (text.lower(), " " + text.encode("ascii").translate(table).decode("ascii") + " ")
    assert forms(text, table) == expected


@given(data=st.binary(max_size=80) | st.text(" \t\n\r\x0b\x0c\x1cAbZ\u00e9", max_size=40).map(str.encode))
def test_lower_words_equals_python_split_and_join(data: bytes) -> None:
    """The content hash depends on it: any difference would let duplicates through after an upgrade."""
    from service.detection.scanning import lower_words

    assert lower_words(data) == b" ".join(data.lower().split())
