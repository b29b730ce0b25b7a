"""The committed JSON Schema files must match the pydantic models they are generated from."""

from schemas.generate import OUT_DIR, expected_files


def test_json_schema_files_match_models() -> None:
    stale = [
        path.name
        for path, text in expected_files().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert not stale, f"regenerate with `python -m schemas.generate`: {stale}"


def test_no_orphan_schema_files() -> None:
    expected = {p.name for p in expected_files()}
    orphans = {p.name for p in OUT_DIR.glob("*.schema.json")} - expected
    assert not orphans, f"schema files with no model: {orphans}"
