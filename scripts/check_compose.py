#!/usr/bin/env python3
"""Validate docker-compose.yml without a Docker engine (CI has none), and keep it in step with
the code.

1. Syntax and schema: ``docker-compose config -q`` (Debian package ``docker-compose``) or
   ``docker compose config -q`` when either is installed; otherwise a structural check with
   PyYAML only (and a note that the schema was not checked).
2. Structure: every ``depends_on`` names a service; the worker builds from ``Dockerfile``;
   Kafka is the official ``apache/kafka`` image in KRaft mode.
3. Settings: every ``ESCALERT_*`` variable of every service is a real setting with a valid
   value, loaded through ``service.config.load_settings`` over the same shipped defaults the
   containers get (nothing is replaced for the check), so renaming a setting in the code
   without updating the compose file fails CI.

Exit 0 when all hold, 1 otherwise (each problem printed on its own line).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _has_compose_plugin() -> bool:
    """``docker compose`` exists only with the compose plugin; a bare docker CLI has none."""
    try:
        res = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return res.returncode == 0


def schema_check(path: Path) -> list[str]:
    for cmd in (["docker-compose", "-f", str(path), "config", "-q"],
                ["docker", "compose", "-f", str(path), "config", "-q"]):
        if shutil.which(cmd[0]) is None:
            continue
        if cmd[0] == "docker" and not _has_compose_plugin():
            continue
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=path.parent)
        print(f"schema: {cmd[0]} config: {'ok' if res.returncode == 0 else 'FAILED'}")
        return [] if res.returncode == 0 else [f"{' '.join(cmd)}: {res.stderr.strip() or res.stdout.strip()}"]
    print("schema: no docker-compose found (apt-get install docker-compose); structural check only")
    return []


def structure_check(doc: dict) -> list[str]:
    problems = []
    services = doc.get("services") or {}
    if not isinstance(services, dict) or not services:
        return ["no services"]
    for name, svc in services.items():
        if not (svc.get("image") or svc.get("build")):
            problems.append(f"service {name}: neither image nor build")
        deps = svc.get("depends_on") or []
        for dep in deps if isinstance(deps, list) else deps.keys():
            if dep not in services:
                problems.append(f"service {name}: depends_on unknown service {dep!r}")
    kafka = services.get("kafka", {})
    if not str(kafka.get("image", "")).startswith("apache/kafka:"):
        problems.append("service kafka: expected the official apache/kafka image")
    if "broker,controller" not in str((kafka.get("environment") or {}).get("KAFKA_PROCESS_ROLES")):
        problems.append("service kafka: expected KRaft (KAFKA_PROCESS_ROLES=broker,controller)")
    worker = services.get("worker", {})
    if worker.get("build") not in (".", {"context": "."}):
        problems.append("service worker: expected build: . (the Dockerfile)")
    if not (REPO / "Dockerfile").is_file():
        problems.append("Dockerfile missing")
    return problems


def settings_check(doc: dict) -> list[str]:
    from service.config import ConfigError, load_settings

    problems = []
    for name, svc in (doc.get("services") or {}).items():
        env = svc.get("environment") or {}
        if isinstance(env, list):
            env = dict(item.split("=", 1) for item in env)
        ours = {k: str(v) for k, v in env.items() if k.startswith("ESCALERT_")}
        if not ours:
            continue
        saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("ESCALERT_")}
        try:
            # Exactly the container's settings over the shipped defaults (table store rocksdb://
            # included: rocksdict is in the image, and scripts/setup.sh installs it here).
            os.environ.update(ours)
            settings = load_settings()
            fields = set(type(settings).model_fields)
            for key in ours:
                top = key.removeprefix("ESCALERT_").split("__")[0].lower()
                if top not in fields:
                    problems.append(f"service {name}: {key} is not a setting")
            print(f"settings: service {name}: {len(ours)} ESCALERT_* variables valid")
        except ConfigError as exc:
            problems.append(f"service {name}: {exc}")
        finally:
            for k in list(os.environ):
                if k.startswith("ESCALERT_"):
                    del os.environ[k]
            os.environ.update(saved)
    return problems


def main(argv: list[str]) -> int:
    import yaml

    path = Path(argv[1]) if len(argv) > 1 else REPO / "docker-compose.yml"
    try:
        doc = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        print(f"{path}: {exc}")
        return 1
    problems = schema_check(path) + structure_check(doc) + settings_check(doc)
    for p in problems:
        print(f"{path.name}: {p}")
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
