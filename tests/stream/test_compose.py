"""docker-compose.yml stays valid and in step with the settings (no Docker engine needed)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _checker():
    spec = importlib.util.spec_from_file_location("check_compose", REPO / "scripts" / "check_compose.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_compose_file_is_valid():
    assert _checker().main(["x", str(REPO / "docker-compose.yml")]) == 0


def test_a_renamed_setting_is_caught(tmp_path):
    bad = tmp_path / "docker-compose.yml"
    bad.write_text((REPO / "docker-compose.yml").read_text().replace("ESCALERT_WEB_PORT", "ESCALERT_WEBPORT"))
    assert _checker().main(["x", str(bad)]) == 1
