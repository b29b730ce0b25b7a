"""Generate the JSON Schema files in ``schemas/json/`` from the pydantic models.

Consumers in other languages validate against these files; a test regenerates them in memory and
fails when a model changed without regenerating (``python -m schemas.generate``).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

from pydantic import BaseModel

OUT_DIR = Path(__file__).parent / "json"

# "module:Model" for every message that crosses a process boundary.
MODELS: list[str] = [
    "schemas.article:Article",
    "schemas.signal:Signal",
    "schemas.deadletter:DeadLetter",
    "schemas.alert:Alert",
    "schemas.event:Event",
    "schemas.subscription:SubscriptionsFile",
    "schemas.source:SourcesFile",
]


def load(spec: str) -> type[BaseModel]:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def render(model: type[BaseModel]) -> str:
    schema = model.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://escalert.dev/schemas/{model.__name__}.schema.json"
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def expected_files() -> dict[Path, str]:
    return {OUT_DIR / f"{load(s).__name__}.schema.json": render(load(s)) for s in MODELS}


def main() -> int:
    OUT_DIR.mkdir(exist_ok=True)
    for path, text in expected_files().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
