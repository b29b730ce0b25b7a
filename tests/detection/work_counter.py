"""A deterministic measure of the detector's work: lines of service/detection executed.

Run as a process (``python tests/detection/work_counter.py``) with the pure-Python detector
(``ESCALERT_NATIVE=0``: compiled code runs no Python lines): each line of standard input is a JSON
string, a body; each line of output is the number of lines of ``service/detection`` that
``detect()`` ran on it. tests/detection/test_linearity.py compares it across text lengths, where a
timing would depend on the machine and its load.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from schemas.article import Article  # noqa: E402
from service.detection import BUILD, detect  # noqa: E402

DETECTION = str(ROOT / "service" / "detection")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def work(body: str) -> int:
    article = Article(id="w", body=body, published_at=NOW)
    lines = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal lines
        if event == "line":
            lines += 1
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename.startswith(DETECTION) else None

    sys.settrace(calls)
    try:
        detect(article)
    finally:
        sys.settrace(None)
    return lines


def main() -> int:
    if not BUILD.startswith("pure Python"):
        print(f"work_counter needs the pure-Python detector (ESCALERT_NATIVE=0), not {BUILD!r}", file=sys.stderr)
        return 2
    detect(Article(id="warm", body="Russia attacked Ukraine.", published_at=NOW))  # loads the lexicon
    print("ready", flush=True)
    for line in sys.stdin:
        print(work(json.loads(line)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
