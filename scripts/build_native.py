"""Compile the detector's hot modules with mypyc (and its C scanner), in place, and record what was compiled.

    .venv/bin/python scripts/build_native.py             # build (about a minute)
    .venv/bin/python scripts/build_native.py --if-stale  # build only when a source changed
    .venv/bin/python scripts/build_native.py --clean     # remove the build: pure Python again

Optional: without a C compiler or mypy the detector runs as plain Python (same output, slower).
The modules must type-check (mypyc compiles from the types): a type error stops the build and
is printed; scripts/test.sh rebuilds when a source changed and fails if the build fails.
``service/detection/native.py`` refuses a build whose sources have changed since, so editing a
rule never runs stale compiled code. scripts/setup.sh runs this.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PKG = ROOT / "service" / "detection"


def _load_native():  # noqa: ANN202 - the guard module, loaded without importing the package
    import importlib.util

    spec = importlib.util.spec_from_file_location("_escalert_native", PKG / "native.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def clean(native) -> None:  # noqa: ANN001
    for path in [*PKG.glob("*.so"), *PKG.glob("*.pyd"), native.MANIFEST]:
        path.unlink(missing_ok=True)


def build(native) -> None:  # noqa: ANN001
    from mypyc.build import mypycify
    from setuptools import Extension, setup

    clean(native)
    hashes = native.source_hashes()
    paths = [str(Path("service") / "detection" / f"{m}.py") for m in native.MODULES]
    with tempfile.TemporaryDirectory(prefix="escalert-native-") as tmp:
        # Build from a directory that links to the packages: setuptools would otherwise read the
        # project's pyproject.toml, and --inplace writes through the links next to the sources.
        src = Path(tmp) / "src"
        src.mkdir()
        for package in ("service", "schemas"):
            (src / package).symlink_to(ROOT / package, target_is_directory=True)
        os.chdir(src)
        try:
            ext = mypycify(
                ["--ignore-missing-imports", *paths],
                opt_level="3",
                separate=[(paths, native.GROUP)],
                target_dir=str(Path(tmp) / "c"),
            )
            scanners = [
                Extension(f"{native.PACKAGE}.{name}", [str(Path("service") / "detection" / f"{name}.c")],
                          extra_compile_args=["-O3"])
                for name in native.C_EXTENSIONS
            ]
            setup(
                name="escalert-detection-native",
                ext_modules=[*ext, *scanners],
                script_args=["build_ext", "--inplace", "--build-temp", str(Path(tmp) / "obj"), "-q"],
            )
        finally:
            os.chdir(ROOT)
    native.MANIFEST.write_text(
        json.dumps({"python": native._python_version(), "modules": hashes}, indent=2) + "\n", encoding="utf-8"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clean", action="store_true", help="remove the compiled modules")
    ap.add_argument("--if-stale", action="store_true", help="build only when the build is missing or stale")
    args = ap.parse_args()
    native = _load_native()
    if args.if_stale and native.compiled_files() and native.build_mismatch() is None:
        print("build_native: up to date")
        return 0
    if args.clean:
        clean(native)
        print("build_native: removed; the detector runs as pure Python")
        return 0
    try:
        build(native)
    except (Exception, SystemExit) as exc:  # a missing compiler must not break setup
        clean(native)
        print(f"build_native: not compiled ({exc}); the detector runs as pure Python", file=sys.stderr)
        return 1
    print(f"build_native: compiled {len(native.MODULES)} modules with mypyc ({', '.join(native.MODULES)}) "
          f"and {', '.join(f'{c}.c' for c in native.C_EXTENSIONS)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
