"""The compiled detector (mypyc) is the same detector: same output, and never a stale build."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.detection import BUILD, native

ROOT = Path(__file__).resolve().parents[2]

# Detects every labeled item and the sample articles, printing one JSON signal per line.
DUMP = """
import json, sys
from datetime import datetime
from pathlib import Path
from schemas.article import Article
from service.detection import BUILD, detect
from service.inputs import read_articles
root = Path(sys.argv[1])
arts = [p.article for p in read_articles([str(p) for p in sorted((root / "seeds").glob("*.txt"))])]
for line in (root / "tests/data/labeled/items.jsonl").open(encoding="utf-8"):
    item = json.loads(line)
    arts.append(Article(id=item["id"], body=item["text"], published_at=datetime.fromisoformat(item["published_at"])))
print(BUILD)
for a in arts:
    for s in detect(a):
        print(s.model_dump_json())
"""


def _dump(native_flag: str) -> list[str]:
    env = {**os.environ, "ESCALERT_NATIVE": native_flag, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", DUMP, str(ROOT)], env=env, cwd=ROOT, capture_output=True, text=True, check=True, timeout=300
    )
    return out.stdout.splitlines()


def test_the_detector_is_compiled_where_the_suite_requires_it() -> None:
    """scripts/test.sh (and so CI) builds the detector and requires it compiled: a type error
    in a detection module, which stops mypyc, fails here instead of silently running slower."""
    if os.environ.get("ESCALERT_REQUIRE_NATIVE") != "1":
        pytest.skip("ESCALERT_REQUIRE_NATIVE is not set (scripts/test.sh sets it)")
    assert BUILD.startswith("compiled"), f"{BUILD}: run scripts/build_native.py and read its errors"


def test_manifest_matching_the_sources_is_used() -> None:
    hashes = native.source_hashes()
    assert native.stale_reason({"python": "3.11.7", "modules": dict(hashes)}, hashes, "3.11.7") is None


def test_stale_or_foreign_builds_are_refused_with_the_reason() -> None:
    hashes = native.source_hashes()
    assert "no build manifest" in (native.stale_reason(None, hashes, "3.11.7") or "")
    assert "built for Python 3.12.1" in (native.stale_reason({"python": "3.12.1", "modules": hashes}, hashes, "3.11.7") or "")
    edited = {**hashes, "roles.py": "0" * 64}
    assert native.stale_reason({"python": "3.11.7", "modules": edited}, hashes, "3.11.7") == (
        "sources changed since the build: roles.py"
    )


@pytest.mark.skipif(not BUILD.startswith("compiled"), reason=f"detector not compiled here: {BUILD}")
def test_compiled_and_pure_python_detectors_give_identical_signals() -> None:
    compiled, pure = _dump("1"), _dump("0")
    assert compiled[0].startswith("compiled") and pure[0].startswith("pure Python (disabled")
    assert len(compiled) > 300  # the labeled set and the samples yield hundreds of signals
    assert compiled[1:] == pure[1:]
