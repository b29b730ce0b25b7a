"""Fixtures of the desk's tests: the sample's signals and alerts, and a store on each database.

``store`` runs every test twice: on an SQLite file (the shipped default) and on PostgreSQL.
PostgreSQL is the cluster of ``scripts/postgres.sh`` (``ESCALERT_TEST_PG_URL``, default its URL);
each test gets a database of its own, dropped afterwards. Without a server the PostgreSQL half is
skipped, unless ``ESCALERT_REQUIRE_POSTGRES=1`` (scripts/test.sh, CI), where it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("ESCALERT_TEST_PG_URL",
                        "postgresql+psycopg://escalert@127.0.0.1:15432/postgres")


@pytest.fixture(scope="session")
def seed_signals() -> list[dict[str, Any]]:
    """Every signal the detector finds in seeds/, as JSON documents."""
    from service.detection import detect
    from service.inputs import InputError, read_articles

    out = []
    for item in read_articles([str(REPO / "seeds")], now=datetime(2026, 1, 1, tzinfo=UTC)):
        assert not isinstance(item, InputError), item
        out.extend(s.model_dump(mode="json") for s in detect(item.article))
    assert len(out) > 50
    return out


@pytest.fixture(scope="session")
def seed_events(seed_signals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every event version the consolidator makes of the seeds' signals, in order."""
    from schemas.signal import Signal
    from service.events.consolidate import Consolidator

    c = Consolidator()
    ordered = sorted(seed_signals, key=lambda s: (s["article"]["published_at"], s["signal_id"]))
    out = [v for s in ordered if (v := c.add(Signal.model_validate(s))) is not None]
    assert out
    return out


@pytest.fixture(scope="session")
def seed_alerts() -> list[dict[str, Any]]:
    """The alerts of examples/subscriptions.yaml's `local` subscription over the seeds."""
    from service.alerts.dryrun import dry_run
    from service.alerts.subscriptions import load_subscriptions

    subs = load_subscriptions(REPO / "examples" / "subscriptions.yaml", file_root=REPO)
    report = dry_run(subs, [str(REPO / "seeds")], clock="published")
    assert report.alerts
    return [a.model_dump(mode="json") for a in report.alerts]


def _pg_admin() -> Any:
    import sqlalchemy as sa

    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        msg = f"no PostgreSQL at {PG_URL} (scripts/postgres.sh start): {str(exc.orig).strip()[:200]}"
        if os.environ.get("ESCALERT_REQUIRE_POSTGRES") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    return engine


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test."""
    import sqlalchemy as sa

    admin = _pg_admin()
    name = f"desk_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url: str) -> Iterator[Any]:
    from service.desk.store import Store

    st = Store.open(db_url)
    try:
        yield st
    finally:
        st.close()
