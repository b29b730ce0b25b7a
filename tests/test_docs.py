"""The generated reference pages in docs/reference/ match the code they are generated from."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from pydantic import BaseModel

ROOT = Path(__file__).resolve().parent.parent


def _gen_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_pages_match_the_models() -> None:
    stale = [
        str(path.relative_to(ROOT))
        for path, text in _gen_docs().expected_pages().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert not stale, f"regenerate with `python scripts/gen_docs.py`: {stale}"


def test_no_orphan_reference_pages() -> None:
    gen = _gen_docs()
    expected = {p.name for p in gen.expected_pages()}
    orphans = {p.name for p in gen.OUT_DIR.glob("*.md")} - expected
    assert not orphans, f"pages in docs/reference/ that nothing generates: {orphans}"


def _undescribed(model: type[BaseModel], prefix: str = "") -> list[str]:
    missing = []
    for name, field in model.model_fields.items():
        nested = _gen_docs()._nested_model(field.annotation)
        if nested is not None:
            missing.extend(_undescribed(nested, f"{prefix}{name}."))
        elif not (field.description or "").strip():
            missing.append(prefix + name)
    return missing


def test_every_setting_is_described() -> None:
    from service.config import Settings

    missing = _undescribed(Settings)
    assert not missing, f"settings without a description (Field(description=...)): {missing}"


def test_readme_is_an_introduction() -> None:
    size = (ROOT / "README.md").stat().st_size
    assert size <= 15_000, f"README.md is {size} bytes: move explanations into a page under docs/"


# How a development diary reads: issue numbers, numbered work sessions and rounds.
_DIARY = re.compile(
    r"\bissue\s+#?\d+\b"
    r"|\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|founding)\s+(?:work\s+)?(?:session|round)\b"
    r"|\bquality\s+round\b",
    re.IGNORECASE,
)


def _project_text_files() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    for folder in ("service", "schemas", "scripts"):
        files.extend(sorted((ROOT / folder).rglob("*.py")))
    files.extend(sorted((ROOT / "scripts").glob("*.sh")))
    return files


def test_the_project_speaks_of_itself_only() -> None:
    found = []
    for path in _project_text_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = _DIARY.search(line)
            if match:
                found.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)!r}")
    assert not found, "describe the software, not its development history:\n" + "\n".join(found)
