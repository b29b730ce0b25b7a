"""The detector's vocabulary (``data/vocabulary.yaml``): every entry read by some module, each
well formed, and no word list or word pattern written in the rule modules instead."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from service.detection import vocabulary
from service.detection.vocabulary import VocabularyError

PKG = Path(__file__).resolve().parents[2] / "service" / "detection"
# The modules that hold rules (every module of the compiled detector).
RULE_MODULES = ("detector", "roles", "lexicon", "text", "temporal", "dates", "merging", "scoring", "model")
ACCESSORS = ("words", "phrases", "labels", "numbers", "pattern", "templates", "intensities")

# Module constants made of strings that stay code, and why: they name the gazetteer's kinds and
# CAMEO sector codes the code interprets (not words of the text), tokenise by punctuation and
# character class, are character tables, or name the date patterns each kind of anchor tries.
CODE_CONSTANTS = {
    "detector:_SECTOR_OWNERS", "detector:_STATE_SECTORS", "detector:_CROWD_SECTORS",
    "detector:_FORCE_SECTORS", "detector:_OWN_STATE_SECTORS", "detector:_STATE_NAME_KINDS", "roles:_TOWN_KINDS", "roles:_AGENT_KINDS", "roles:_PLACE_ACTOR_KINDS",
    "lexicon:ACTOR_KINDS", "lexicon:PLACE_KINDS", "lexicon:NEAR_ACTOR_KINDS",
    "text:_END", "text:_PARA", "text:CLAUSE_PUNCTUATION", "text:_SPACED_DASH", "text:_MARKS",
    "text:_SPACES", "roles:_WORDS_RE", "dates:_DIGITS_RE", "dates:_UNITS", "dates:PRECISE_KINDS", "dates:_DISPATCH",
    "merging:_PARTICIPLE_RE", "lexicon:_FIRST_LETTERS", "lexicon:_INNER_LETTERS",
    "detector:_DESCRIBED_KINDS", "detector:_DESCRIPTION_KIND", "detector:_ACTOR_KIND_OF", "detector:_TOWNS",
}


def calls() -> dict[str, set[str]]:
    """Entry name -> the accessors that read it, over the detection package's source."""
    found: dict[str, set[str]] = {}
    for path in PKG.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "vocabulary"
                and node.func.attr in ACCESSORS
            ):
                names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                for name in names:
                    found.setdefault(name, set()).add(node.func.attr)
    return found


def test_every_entry_is_read_and_every_read_is_there() -> None:
    read = calls()
    assert read, "the walk sees no vocabulary reads"
    entries = set(vocabulary.load())
    assert sorted(entries - set(read)) == [], "entries no module reads: remove them or use them"
    assert sorted(set(read) - entries) == [], "names read that the file lacks"


@pytest.mark.parametrize("name", sorted(calls()))
def test_each_entry_loads_as_it_is_read(name: str) -> None:
    for accessor in calls()[name]:
        if accessor == "templates":
            continue  # read with its parts below
        assert getattr(vocabulary, accessor)(name)


def test_date_patterns_are_filled_in() -> None:
    patterns = vocabulary.templates("date_patterns", "date_parts")
    assert not [k for k, p in patterns.items() if re.search(r"\{[A-Z]+\}", p.pattern)]
    assert patterns["md"].match("Jan. 12, 2025")


def test_a_word_yaml_reads_as_a_boolean_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vocabulary, "load", lambda: yaml.safe_load("preps: [in, on, at]"))
    with pytest.raises(VocabularyError, match=r"preps: \[True\] are not strings \(quote them"):
        vocabulary.words("preps")


def test_a_broken_pattern_and_a_missing_entry_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vocabulary, "load", lambda: {"label": ["\\bwhich(", "x"]})
    with pytest.raises(VocabularyError, match="label: not a valid pattern"):
        vocabulary.pattern("label")
    with pytest.raises(VocabularyError, match="no entry 'passive'"):
        vocabulary.pattern("passive")


def _strings_in(node: ast.expr) -> list[str]:
    """The string literals in ``node``, not counting the pieces of f-strings."""
    pieces = {id(v) for n in ast.walk(node) if isinstance(n, ast.JoinedStr) for v in n.values}
    return [
        n.value for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in pieces
    ]


def _word_constant(node: ast.expr) -> bool:
    """A ``re.compile`` of a literal, or a collection written with two or more strings."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "compile":
        return bool(_strings_in(node))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"frozenset", "set", "tuple"}:
        strings = _strings_in(node)
        return len(strings) >= 2 or any(len(s.split()) >= 2 for s in strings)
    if isinstance(node, (ast.Set, ast.Tuple, ast.List, ast.Dict)):
        return len(_strings_in(node)) >= 2
    return False


def test_no_word_list_or_pattern_is_written_in_the_rules() -> None:
    written = []
    for module in RULE_MODULES:
        tree = ast.parse((PKG / f"{module}.py").read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                name = f"{module}:{target.id}" if isinstance(target, ast.Name) else f"{module}:?"
                if _word_constant(node.value) and name not in CODE_CONSTANTS:
                    written.append(name)
    assert written == [], "word lists and patterns belong in data/vocabulary.yaml (see vocabulary.py)"
