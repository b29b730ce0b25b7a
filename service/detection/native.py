"""Compiled or pure Python: which detection modules run, and a guard against stale builds.

The detector's hot modules are plain, fully typed Python that mypyc can compile to a C
extension (``scripts/build_native.py``, run by ``scripts/setup.sh``): same code, same output,
~1.4x fewer instructions per article. A compiled module shadows its ``.py`` file, so a build
older than the source would silently run old rules. The build records a hash of every source
it compiled in ``native.json``; at import, any mismatch (or ``ESCALERT_NATIVE=0``) makes the
package import the ``.py`` files instead, and a stale build is reported with how to rebuild.

This module itself is never compiled: it must run before the compiled modules are imported.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

PACKAGE = "service.detection"
PACKAGE_DIR = Path(__file__).resolve().parent
# Compiled together, in one mypyc group (calls between them become C calls).
MODULES = ("lexicon", "text", "model", "dates", "scoring", "merging", "roles", "temporal", "detector")
GROUP = f"{PACKAGE}.native"  # mypyc names the group's shared library ``native__mypyc``
# Hand-written C built beside them (``_scan.c``: the lexicon's scanner, see ``scanning.py``).
C_EXTENSIONS = ("_scan",)
MANIFEST = PACKAGE_DIR / "native.json"

log = logging.getLogger(__name__)


def source_files() -> list[str]:
    """The files the build compiles, by name in the package directory."""
    return [f"{m}.py" for m in MODULES] + [f"{c}.c" for c in C_EXTENSIONS]


def source_hashes(directory: Path = PACKAGE_DIR) -> dict[str, str]:
    """sha256 of each compiled source file, as the build records them."""
    return {f: hashlib.sha256((directory / f).read_bytes()).hexdigest() for f in source_files()}


def compiled_files(directory: Path = PACKAGE_DIR) -> list[Path]:
    """The extension files of the compiled modules that are present."""
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    return [directory / f"{m}{s}" for m in MODULES for s in suffixes if (directory / f"{m}{s}").exists()]


def stale_reason(manifest: dict | None, hashes: dict[str, str], python: str) -> str | None:
    """Why a build described by ``manifest`` must not be used, or None when it matches."""
    if manifest is None:
        return "no build manifest (native.json)"
    if manifest.get("python") != python:
        return f"built for Python {manifest.get('python')}, running {python}"
    built = manifest.get("modules") or {}
    changed = sorted(m for m, h in hashes.items() if built.get(m) != h)
    if changed:
        return f"sources changed since the build: {', '.join(changed)}"
    return None


def build_mismatch() -> str | None:
    """Why the build on disk does not match these sources and this Python, or None."""
    try:
        manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    return stale_reason(manifest, source_hashes(), _python_version())


class _SourceFirst(importlib.abc.MetaPathFinder):
    """Import the listed detection modules from their ``.py`` files, ignoring extensions."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        package, _, name = fullname.rpartition(".")
        if package != PACKAGE or name not in MODULES:
            return None
        return importlib.util.spec_from_file_location(fullname, PACKAGE_DIR / f"{name}.py")


def _unloadable() -> str | None:
    """Why the build's shared library cannot be loaded here (another platform or ABI), or None."""
    try:
        importlib.import_module(f"{GROUP}__mypyc")
        for name in C_EXTENSIONS:
            importlib.import_module(f"{PACKAGE}.{name}")
    except ImportError as exc:
        return f"the build does not load here ({exc})"
    return None


def _python_version() -> str:
    return ".".join(map(str, sys.version_info[:3]))


def install() -> str:
    """Decide between compiled and source modules (before any of them is imported); return a
    one-line status for logs and benchmarks."""
    if not compiled_files():
        return "pure Python (not compiled: scripts/build_native.py compiles it)"
    reason: str | None
    if os.environ.get("ESCALERT_NATIVE", "1") == "0":
        reason = "disabled by ESCALERT_NATIVE=0"
    else:
        reason = build_mismatch() or _unloadable()
        if reason:
            log.warning("compiled detector not used: %s; rebuild with scripts/build_native.py", reason)
    if reason:
        if not any(isinstance(f, _SourceFirst) for f in sys.meta_path):
            sys.meta_path.insert(0, _SourceFirst())
        return f"pure Python ({reason})"
    return "compiled (mypyc)"


STATUS = install()
