"""The sentence context scan: one lowercase scan finds class words and gazetteer names, and a
name counts only where the original-case text spells it as the gazetteer does."""

from __future__ import annotations

import shutil
from pathlib import Path

from service.detection.detector import _context
from service.detection.lexicon import DATA_DIR, load_lexicon, lower_forms
from service.detection.text import Span


def _names(text: str, lexicon=None) -> list[tuple[str, str]]:
    lex = lexicon or load_lexicon()
    _lower, blower = lower_forms(text)  # as ``detect`` makes it ("İ" keeps its place)
    ctx = _context(lex, text, blower, Span(0, len(text)))
    return [(text[s:e], g.code) for s, e, g in ctx.gaz]


def test_names_are_case_sensitive() -> None:
    text = "Let us see, said the US envoy, as The Netherlands and the netherlands differ."
    assert _names(text) == [("US", "USA"), ("The Netherlands", "NLD")]


def test_today_every_name_is_found_by_the_lowercase_scan() -> None:
    assert load_lexicon().gazetteer_automaton is None


def test_a_name_whose_lowercase_is_longer_keeps_a_case_sensitive_scan(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    with (data / "gazetteer.tsv").open("a", encoding="utf-8") as fh:
        fh.write("\u0130zmir Port\tTUR\tcity\tTUR\t38.4\t27.1\tIzmir Port\n")  # "İ" lowercases to two characters
    lex = load_lexicon(data)
    assert lex.gazetteer_automaton is not None
    assert _names("Ships left \u0130zmir Port for the US.", lex) == [("\u0130zmir Port", "TUR"), ("US", "USA")]
