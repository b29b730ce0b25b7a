"""One settings tree: the alert settings are a field of the main settings, and every field of
the tree is read by the code (a field nobody reads is a knob that does nothing; checked by
name: an attribute or string of that name anywhere in service/)."""

from __future__ import annotations

import ast
from pathlib import Path

from pydantic import BaseModel

from service.alerts.settings import AlertSettings
from service.config import Settings

REPO = Path(__file__).resolve().parents[1]


def attributes_read() -> set[str]:
    names: set[str] = set()
    for path in (REPO / "service").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value)  # getattr(settings, "name")
    return names


def fields(model: type[BaseModel], prefix: str = "") -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for name, info in model.model_fields.items():
        found[f"{prefix}{name}"] = model
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            found.update(fields(kind, f"{prefix}{name}."))
    return found


def test_the_alert_settings_are_a_field_of_the_main_settings() -> None:
    assert Settings.model_fields["alerts"].annotation is AlertSettings


def test_every_setting_is_read_somewhere() -> None:
    read = attributes_read()
    unread = sorted(path for path in fields(Settings) if path.rpartition(".")[2] not in read)
    assert unread == []
