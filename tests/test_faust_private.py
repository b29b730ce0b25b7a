"""Every private Faust/mode/aiokafka name the worker uses still exists, with the parameters
expected (service/faust_private.py), and the versions they were read from are the installed
and pinned ones. If this fails after an upgrade: docs/upgrading.md."""

from __future__ import annotations

import importlib
import inspect
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

from service.faust_private import PINNED, TOUCHED, Touch

REPO = Path(__file__).resolve().parents[1]


def _owner(touch: Touch) -> object:
    module_name, _, class_name = touch.owner.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, class_name) if class_name else module


def _assigned_on_instances(cls: type, name: str) -> bool:
    """Whether some class of ``cls``'s MRO assigns ``self.<name>`` (an instance attribute)."""
    pattern = re.compile(rf"\bself\.{re.escape(name)}\s*(:[^=\n]*)?=(?!=)")
    for klass in cls.__mro__:
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        if pattern.search(source):
            return True
    return False


@pytest.mark.parametrize("touch", TOUCHED, ids=lambda t: f"{t.owner}.{t.name}")
def test_each_private_name_exists_with_the_expected_parameters(touch: Touch) -> None:
    owner = _owner(touch)
    if touch.params is None:
        assert hasattr(owner, touch.name) or (
            isinstance(owner, type) and _assigned_on_instances(owner, touch.name)
        ), f"{touch.owner} has no {touch.name} any more"
        return
    member = inspect.getattr_static(owner, touch.name)
    params = tuple(inspect.signature(member).parameters)
    assert params == touch.params, f"{touch.owner}.{touch.name}{params}: expected {touch.params}"


def test_a_missing_or_changed_name_is_caught() -> None:
    with pytest.raises(AssertionError, match="has no _gone"):
        test_each_private_name_exists_with_the_expected_parameters(
            Touch("faust.transport.consumer:Consumer", "_gone"))
    with pytest.raises(AssertionError, match="expected"):
        test_each_private_name_exists_with_the_expected_parameters(
            Touch("faust.transport.consumer:Consumer", "_add_gap", ("self", "tp")))


def test_the_pins_are_the_installed_versions_the_names_were_read_from() -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    for package, expected in PINNED.items():
        assert version(package) == expected, f"{package} {version(package)} installed, {expected} read"
        assert f"{package}=={expected}" in deps, f"pyproject.toml must pin {package}=={expected}"
