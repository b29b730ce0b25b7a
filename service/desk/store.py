"""The history store: one SQLAlchemy engine (SQLite file or PostgreSQL), writes and queries.

``Store.open(url)`` connects and brings the schema to the newest migration (Alembic, the same
scripts for both databases). ``ingest(rows)`` writes a batch in one transaction with upserts, so
writing a message twice (a replay, a redelivery after a crash) leaves the same rows. Queries
return the stored messages (``doc``) newest first, one page at a time with a cursor.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from service.desk import search
from service.desk import tables as T
from service.desk.rows import Rows

_MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_WAIT = 600.0  # seconds a desk waits for another one's migration (an index build)
MIGRATION_LOCK_KEY = 0x65_73_63_64_65_73_6B_31  # PostgreSQL advisory lock key: b"escdesk1"
log = logging.getLogger(__name__)
FTS_FEW = 20_000  # matches up to which SQLite sorts the matching rows themselves
FTS_SHARE = 10  # matching one row in this many or more: probe the index row by row
PG_FEW = 2_000  # phrase matches up to which PostgreSQL fetches them through the GIN index and sorts
_PG_THROUGH_INDEX = ("SET LOCAL enable_seqscan = off", "SET LOCAL enable_indexscan = off")
# Many matches: along a b-tree in time order. Not a full scan either: the planner estimates
# the word pairs' array condition at a few rows, and would read the whole table to sort them.
_PG_ALONG_TIME = ("SET LOCAL enable_bitmapscan = off", "SET LOCAL enable_seqscan = off")
_PK = {t.name: [c.name for c in t.primary_key.columns] for t in T.ALL}
_CHILD_KEY = {"signal_codes": "signal_id", "event_codes": "event_id", "event_signals": "event_id",
              "alert_signals": "alert_id"}


class StoreError(RuntimeError):
    """The store cannot be opened or migrated; the message names the database (no password)."""


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparseable database URL>"


@dataclass
class Query:
    """Filters shared by the lists; empty means "any"."""

    since: datetime | None = None
    until: datetime | None = None
    types: Sequence[str] = ()
    actors: Sequence[str] = ()
    countries: Sequence[str] = ()
    modalities: Sequence[str] = ()
    statuses: Sequence[str] = ()
    subscriptions: Sequence[str] = ()
    min_severity: int | None = None
    q: str | None = None
    limit: int = 50
    cursor: str | None = None


@dataclass
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _encode_cursor(when: datetime, key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([when.isoformat(), key]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (time, id) a page ended at; ValueError names a cursor that is not one of ours."""
    try:
        when, key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(when), str(key)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"cursor {cursor[:40]!r} is not a cursor from this API") from exc


class Store:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.fts_few, self.fts_share, self.pg_few = FTS_FEW, FTS_SHARE, PG_FEW

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        u = sa.engine.make_url(url)
        kwargs: dict[str, Any] = {}
        if u.get_backend_name() == "sqlite":
            if u.database and u.database != ":memory:":
                Path(u.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
            # No JIT: a walk along the time order that stops after a page is estimated at the
            # cost of the whole walk, and compiling it took longer (~150 ms) than running it.
            kwargs["connect_args"] = {"options": "-c jit=off"}
        engine = sa.create_engine(url, **kwargs)
        if u.get_backend_name() == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        store = cls(engine)
        if migrate:
            try:
                store.migrate()
            except sa.exc.OperationalError as exc:
                raise StoreError(f"cannot open the desk store {safe_url(url)}: "
                                 f"{str(exc.orig).strip().splitlines()[0]}") from None
        return store

    def migrate(self, wait: float = MIGRATION_WAIT) -> None:
        """Bring the schema to the newest revision (creates it on an empty database).

        One process at a time: the migration runs in one transaction that first takes the
        database's own lock (PostgreSQL: a transaction-level advisory lock; SQLite: ``BEGIN
        IMMEDIATE``, the write lock), so a second desk starting at the same moment waits, then
        finds the schema current and changes nothing.
        """
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        with self.engine.connect() as conn:
            self._lock_for_migration(conn, wait)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()

    def _lock_for_migration(self, conn: sa.Connection, wait: float) -> None:
        if self.dialect == "postgresql":
            conn.execute(sa.text("SELECT set_config('lock_timeout', :ms, true)"),
                         {"ms": f"{int(wait * 1000)}ms"})
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            return
        deadline = time.monotonic() + wait
        while True:  # each try waits the connection's busy timeout (30 s)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except sa.exc.OperationalError as exc:
                conn.rollback()
                if "locked" not in str(exc.orig) or time.monotonic() >= deadline:
                    raise
                log.info("desk store: waiting for another process's migration")

    def close(self) -> None:
        self.engine.dispose()

    # -- writing ------------------------------------------------------------------------------

    def _insert(self, table: sa.Table) -> Any:
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table)

    def _upsert(self, conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.dialect == "sqlite":
            sql, names, procs = _sqlite_upsert(conn.dialect, table)
            conn.exec_driver_sql(sql, [tuple(r.get(n) if p is None else p(r.get(n))
                                             for n, p in zip(names, procs, strict=True)) for r in rows])
            return
        stmt = self._insert(table)
        pk = _PK[table.name]
        cols = [c.name for c in table.columns if c.name not in pk]
        if cols:
            stmt = stmt.on_conflict_do_update(index_elements=pk,
                                              set_={c: stmt.excluded[c] for c in cols})
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=pk)
        conn.execute(stmt, rows)

    def ingest(self, batch: Iterable[Rows]) -> int:
        """Write a batch in one transaction; the last version of a key in the batch wins."""
        latest: dict[tuple[str, str], Rows] = {}
        for r in batch:
            latest.pop((r.table, r.key), None)  # keep arrival order of the newest version
            latest[(r.table, r.key)] = r
        if not latest:
            return 0
        main: dict[str, list[dict[str, Any]]] = {}
        children: dict[str, list[dict[str, Any]]] = {}
        replace: dict[str, list[str]] = {}
        for r in latest.values():
            main.setdefault(r.table, []).extend(r.main)
            for name, rows in r.children.items():
                children.setdefault(name, []).extend(rows)
            for name in r.replace:
                replace.setdefault(name, []).append(r.key)
        with self.engine.begin() as conn:
            for name, keys in replace.items():
                col = T.metadata.tables[name].c[_CHILD_KEY[name]]
                for i in range(0, len(keys), 500):
                    conn.execute(sa.delete(col.table).where(col.in_(keys[i:i + 500])))
            for name, rows in main.items():
                self._upsert(conn, T.metadata.tables[name], rows)
            for name, rows in children.items():  # updated too: they copy the parent's fields
                self._upsert(conn, T.metadata.tables[name], rows)
        return len(latest)

    def prune(self, older_than: datetime) -> dict[str, int]:
        """Delete what was received before ``older_than`` (naive UTC); rows deleted per table."""
        out: dict[str, int] = {}
        plan = [  # children first, through their parent's key
            (T.signal_codes, T.signal_codes.c.signal_id, T.signals, T.signals.c.signal_id),
            (T.event_codes, T.event_codes.c.event_id, T.events, T.events.c.event_id),
            (T.event_signals, T.event_signals.c.event_id, T.events, T.events.c.event_id),
            (T.alert_signals, T.alert_signals.c.alert_id, T.alerts, T.alerts.c.alert_id),
        ]
        with self.engine.begin() as conn:
            for child, fk, parent, pk in plan:
                old = sa.select(pk).where(parent.c.received_at < older_than)
                out[child.name] = conn.execute(sa.delete(child).where(fk.in_(old))).rowcount
            for table in (T.signals, T.events, T.alerts, T.deliveries):
                out[table.name] = conn.execute(
                    sa.delete(table).where(table.c.received_at < older_than)).rowcount
        return out

    def clear(self) -> None:
        """Delete every row (before a rebuild from the earliest offsets)."""
        with self.engine.begin() as conn:
            for table in reversed(T.ALL):
                conn.execute(sa.delete(table))

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                    for t in T.ALL}

    # -- reading: lists -----------------------------------------------------------------------

    def _page(self, sel: sa.Select, time_col: sa.Column, key_col: sa.Column, q: Query) -> Page:
        planner: list[str] = []
        if q.q:  # last: SQLite tests the conditions in order, and asking the index costs most
            cond, planner = self._text_match(time_col.table, q.q)
            sel = sel.where(cond)
        if q.cursor:
            when, key = decode_cursor(q.cursor)
            sel = sel.where(sa.or_(time_col < when, sa.and_(time_col == when, key_col < key)))
        sel = sel.order_by(time_col.desc(), key_col.desc()).limit(q.limit + 1)
        with self.engine.connect() as conn:
            try:
                for setting in planner:  # this transaction only
                    conn.exec_driver_sql(setting)
                rows = conn.execute(sel).all()
            except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
                # Not expected (search.py quotes every word); if a database still refuses the
                # query, that is the caller's text, said so, not a server error.
                if q.q and any(w in str(exc.orig).lower() for w in ("fts5", "tsquery")):
                    raise search.SearchError(f"q: the database cannot search for {q.q[:60]!r}: "
                                             f"{str(exc.orig).strip().splitlines()[0]}") from None
                raise
        more = len(rows) > q.limit
        rows = rows[: q.limit]
        nxt = _encode_cursor(rows[-1][1], rows[-1][2]) if more and rows else None
        return Page([_doc(r[0]) for r in rows], nxt)

    def signals(self, q: Query) -> Page:
        s = T.signals
        sel = sa.select(s.c.doc, s.c.published_at, s.c.signal_id)
        sel = _common(sel, s.c.published_at, q, types=s.c.type, severity=s.c.severity,
                      country=s.c.country)
        if q.modalities:
            sel = sel.where(s.c.modality.in_(list(q.modalities)))
        if q.actors:
            sel = sel.where(_actor_codes(q))
        return self._page(sel, s.c.published_at, s.c.signal_id, q)

    def events(self, q: Query) -> Page:
        e = T.events
        sel = sa.select(e.c.doc, e.c.last_seen, e.c.event_id)
        sel = _common(sel, e.c.last_seen, q, types=e.c.type, severity=e.c.severity,
                      country=e.c.country)
        if q.statuses:  # active/retracted, or a calendar state (announced, held, postponed...)
            sel = sel.where(sa.or_(e.c.status.in_(list(q.statuses)),
                                   e.c.schedule.in_(list(q.statuses))))
        if q.actors:
            c = T.event_codes
            sel = sel.where(sa.exists().where(
                c.c.event_id == e.c.event_id, c.c.code.in_([a.upper() for a in q.actors]),
                c.c.role != "place"))
        return self._page(sel, e.c.last_seen, e.c.event_id, q)

    def alerts(self, q: Query) -> Page:
        a = T.alerts
        sel = sa.select(a.c.doc, a.c.created_at, a.c.alert_id)
        sel = _common(sel, a.c.created_at, q, types=None, severity=a.c.severity, country=None)
        if q.statuses:
            sel = sel.where(a.c.status.in_(list(q.statuses)))
        if q.subscriptions:
            sel = sel.where(a.c.subscription.in_(list(q.subscriptions)))
        if q.actors or q.types or q.countries:
            sig = sa.select(T.alert_signals.c.alert_id).join(
                T.signals, T.signals.c.signal_id == T.alert_signals.c.signal_id)
            if q.types:
                sig = sig.where(T.signals.c.type.in_(list(q.types)))
            if q.countries:
                sig = sig.where(T.signals.c.country.in_([c.upper() for c in q.countries]))
            if q.actors:
                c = T.signal_codes
                sig = sig.where(sa.exists().where(
                    c.c.signal_id == T.signals.c.signal_id,
                    c.c.code.in_([x.upper() for x in q.actors])))
            sel = sel.where(a.c.alert_id.in_(sig))
        return self._page(sel, a.c.created_at, a.c.alert_id, q)

    # -- reading: free text ---------------------------------------------------------------------

    def _text_match(self, table: sa.Table, text: str) -> tuple[sa.ColumnElement[bool], list[str]]:
        """Rows of ``table`` whose text matches ``text`` (service/desk/search.py), through the
        database's full-text index; and the planner settings the page query runs with."""
        terms = search.parse(text)
        if self.dialect == "postgresql":
            query = sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"),
                                       sa.bindparam(None, search.tsquery(terms), sa.Text))
            cond = sa.literal_column(f"{table.name}.search").bool_op("@@")(query)
            pairs = search.word_pairs(terms)
            if pairs:  # the phrase's rows are among those holding its word pairs (migration 0004)
                cond = sa.and_(sa.literal_column(f"{table.name}.search_pairs").op("@>")(
                    sa.bindparam(None, pairs, sa.ARRAY(sa.Text))), cond)
            phrase = any(len(t.words) > 1 for t in terms)
            return cond, (self._pg_plan(table, cond) if phrase else [])
        fts, expr = f"{table.name}_fts", search.fts5_query(terms)
        match = sa.literal_column(fts).op("MATCH")(sa.bindparam(None, expr, sa.Text))
        matching = sa.select(sa.literal_column("rowid")).select_from(sa.table(fts)).where(match)
        plan = self._fts_plan(table.name, expr)
        if plan == "probe":
            return sa.exists(sa.select(sa.literal(1)).select_from(sa.table(fts)).where(
                match, sa.literal_column(f"{fts}.rowid") == sa.literal_column(f"{table.name}.rowid"))), []
        # "+" keeps SQLite from driving the query by the match list: it walks the time order
        # and tests each row against the list instead.
        rowid = sa.literal_column(f"{'+' if plan == 'list' else ''}{table.name}.rowid")
        return rowid.in_(matching), []

    def _pg_plan(self, table: sa.Table, cond: sa.ColumnElement[bool]) -> list[str]:
        """For a phrase. PostgreSQL estimates a phrase (``a <-> b``) as if it were ``a & b``: two
        common words that are never next to each other look like thousands of rows, and the
        planner walks the whole time index for them. So count the matches through the GIN index
        first (up to a cap; this costs at most a check of each row holding all the phrase's
        word pairs, ``search_pairs``, for a phrase of plain words), then tell the planner which
        way to go: few, through the index and sort them; many, along the time order. Words alone are left to the planner: its statistics of
        the words are good."""
        count = sa.select(sa.func.count()).select_from(
            sa.select(sa.literal(1)).select_from(table).where(cond).limit(self.pg_few).subquery())
        with self.engine.connect() as conn:
            for setting in _PG_THROUGH_INDEX:
                conn.exec_driver_sql(setting)
            n = conn.execute(count).scalar_one()
        return list(_PG_THROUGH_INDEX) if n < self.pg_few else list(_PG_ALONG_TIME)

    def _fts_plan(self, table: str, expr: str) -> str:
        """How SQLite should use the FTS5 index for a newest-first page, from how many rows match
        (counted up to a cap; cheap): ``index`` (few: fetch each match, sort them), ``list``
        (many: walk the time order, test each row against the list of matches) or ``probe``
        (a large share of the table: walk the time order, ask the index about each row; a
        page is found after a few hundred rows, the list is never built)."""
        fts = f"{table}_fts"
        with self.engine.connect() as conn:
            try:
                rows = conn.exec_driver_sql(f"SELECT max(rowid) FROM {table}").scalar() or 0
                cap = max(self.fts_few, rows // self.fts_share)
                n = conn.exec_driver_sql(
                    f"SELECT count(*) FROM (SELECT 1 FROM {fts} WHERE {fts} MATCH ? LIMIT ?)",
                    (expr, cap)).scalar_one()
            except sa.exc.OperationalError as exc:
                if "fts5" not in str(exc.orig).lower():
                    raise
                raise search.SearchError(f"q: the database cannot search for this text: "
                                         f"{str(exc.orig).strip().splitlines()[0]}") from None
        return "index" if n < self.fts_few else ("list" if n < cap else "probe")

    # -- reading: one -------------------------------------------------------------------------

    def _one(self, table: sa.Table, key: str) -> dict[str, Any] | None:
        pk = table.primary_key.columns.values()[0]
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(table.c.doc).where(pk == key)).first()
        return _doc(row[0]) if row else None

    def signal(self, signal_id: str) -> dict[str, Any] | None:
        return self._one(T.signals, signal_id)

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        return self._one(T.alerts, alert_id)

    def event(self, event_id: str) -> dict[str, Any] | None:
        return self._one(T.events, event_id)

    def event_signals(self, event_id: str) -> list[dict[str, Any]]:
        """The event's evidence: its representative signal and the signals of its articles with
        its type and a compatible date (the consolidator joined those)."""
        ev = self.event(event_id)
        if ev is None:
            return []
        s, link = T.signals, T.event_signals
        articles = [a["id"] for a in ev.get("articles") or []]
        linked = sa.select(link.c.signal_id).where(link.c.event_id == event_id)
        sel = (sa.select(s.c.doc)
               .where(sa.or_(s.c.signal_id.in_(linked),
                             sa.and_(s.c.article_id.in_(articles), s.c.type == ev["type"])))
               .order_by(s.c.published_at, s.c.signal_id))
        dates = {ev.get("event_date")} | {h.get("event_date") for h in ev.get("schedule_history") or []}
        with self.engine.connect() as conn:
            docs = [_doc(r[0]) for r in conn.execute(sel)]
        rep = (ev.get("representative") or {}).get("signal_id")
        return [d for d in docs if d["signal_id"] == rep or d.get("event_date") is None
                or ev.get("event_date") is None or d["event_date"] in dates]

    def article_signals(self, article_id: str) -> list[dict[str, Any]]:
        s = T.signals
        sel = sa.select(s.c.doc).where(s.c.article_id == article_id).order_by(s.c.signal_id)
        with self.engine.connect() as conn:
            return [_doc(r[0]) for r in conn.execute(sel)]

    def alerts_with_signal(self, signal_id: str, subscription: str | None = None) -> list[dict[str, Any]]:
        a, link = T.alerts, T.alert_signals
        sel = (sa.select(a.c.doc).join(link, link.c.alert_id == a.c.alert_id)
               .where(link.c.signal_id == signal_id))
        if subscription is not None:
            sel = sel.where(link.c.subscription == subscription)
        with self.engine.connect() as conn:
            return [_doc(r[0]) for r in conn.execute(sel.order_by(a.c.created_at))]

    def deliveries(self, subscription: str, since: datetime | None, until: datetime | None,
                   limit: int = 200, cursor: str | None = None) -> Page:
        """The subscription's alerts in the period, newest first, each with its deliveries; one
        page at a time (the cursor is the alerts list's)."""
        page = self.alerts(Query(since=since, until=until, subscriptions=[subscription], limit=limit,
                                 cursor=cursor))
        ids = [a["alert_id"] for a in page.items]
        by_alert: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
        if ids:
            d = T.deliveries
            sel = sa.select(d).where(d.c.alert_id.in_(ids)).order_by(d.c.alert_id, d.c.target_id)
            with self.engine.connect() as conn:
                for r in conn.execute(sel).mappings():
                    by_alert[r["alert_id"]].append({
                        "target_id": r["target_id"], "state": r["state"], "attempts": r["attempts"],
                        "sent_at": _iso(r["sent_at"]), "last_attempt_at": _iso(r["last_attempt_at"]),
                        "error": r["error"], "updated_at": _iso(r["updated_at"]),
                    })
        return Page([{"alert": a, "deliveries": by_alert[a["alert_id"]]} for a in page.items],
                    page.next_cursor)

    # -- reading: calendar and trajectories -----------------------------------------------------

    def scheduled(self, since: date | None, until: date | None, limit: int = 500) -> dict[str, list]:
        """Scheduled events and signals with a date in [since, until]."""
        e, s = T.events, T.signals
        esel = sa.select(e.c.doc).where(e.c.scheduled.is_(True), e.c.event_date.is_not(None))
        ssel = sa.select(s.c.doc).where(s.c.modality == "scheduled", s.c.event_date.is_not(None))
        if since:
            esel = esel.where(e.c.event_date >= since)
            ssel = ssel.where(s.c.event_date >= since)
        if until:
            esel = esel.where(e.c.event_date <= until)
            ssel = ssel.where(s.c.event_date <= until)
        with self.engine.connect() as conn:
            evs = [_doc(r[0]) for r in conn.execute(esel.order_by(e.c.event_date).limit(limit))]
            sigs = [_doc(r[0]) for r in conn.execute(
                ssel.order_by(s.c.event_date, s.c.published_at).limit(limit))]
        return {"events": evs, "signals": sigs}

    def code_signals(self, codes: Sequence[str], since: datetime, until: datetime,
                     limit: int = 20_000) -> list[dict[str, Any]]:
        """Asserted signals naming any of ``codes`` (as actor or place) in the period."""
        s, c = T.signals, T.signal_codes
        ids = sa.select(c.c.signal_id).where(
            c.c.code.in_([x.upper() for x in codes]), c.c.published_at >= since,
            c.c.published_at < until)
        sel = (sa.select(s.c.doc).where(s.c.signal_id.in_(ids), s.c.modality == "asserted")
               .order_by(s.c.published_at, s.c.signal_id).limit(limit))
        with self.engine.connect() as conn:
            return [_doc(r[0]) for r in conn.execute(sel)]


    def code_events(self, codes: Sequence[str], since: datetime, until: datetime,
                    limit: int = 20_000) -> list[dict[str, Any]]:
        """Active asserted events naming any of ``codes``, first seen in the period."""
        e, c = T.events, T.event_codes
        ids = sa.select(c.c.event_id).where(c.c.code.in_([x.upper() for x in codes]))
        sel = (sa.select(e.c.doc).where(e.c.event_id.in_(ids), e.c.first_seen >= since,
                                        e.c.first_seen < until, e.c.status == "active")
               .order_by(e.c.first_seen, e.c.event_id).limit(limit))
        with self.engine.connect() as conn:
            docs = [_doc(r[0]) for r in conn.execute(sel)]
        return [d for d in docs if d.get("modality") == "asserted"]

    def newest_with(self, codes: Sequence[str], *, places: bool) -> datetime | None:
        """Publication time of the newest asserted signal naming every one of ``codes``
        (as actors; also as the place when ``places``)."""
        s, c = T.signals, T.signal_codes
        sel = sa.select(sa.func.max(s.c.published_at)).where(s.c.modality == "asserted")
        for code in codes:
            cond = [c.c.signal_id == s.c.signal_id, c.c.code == code.upper()]
            if not places:
                cond.append(c.c.role != "place")
            sel = sel.where(sa.exists().where(*cond))
        with self.engine.connect() as conn:
            return conn.execute(sel).scalar_one_or_none()


@functools.cache
def _sqlite_upsert(dialect: sa.Dialect, table: sa.Table) -> tuple[str, list[str], list[Any]]:
    """The upsert of ``table`` as one SQLite statement with positional parameters, its column
    names and each column's conversion (SQLAlchemy's own, so rows read back the same). Run with
    the driver's ``executemany``: the same statement the SQLAlchemy insert compiles to, without
    building a parameter dictionary per row (profiled: the Python part of writing a batch
    halves; the whole ingest did not measurably change on a loaded machine)."""
    names = [c.name for c in table.columns]
    procs = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in table.columns]
    pk = _PK[table.name]
    sql = (f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
           f"ON CONFLICT ({', '.join(pk)}) DO ")
    cols = [n for n in names if n not in pk]
    sql += f"UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in cols)}" if cols else "NOTHING"
    return sql, names, procs


def _actor_codes(q: Query) -> sa.ColumnElement[bool]:
    """A signal names one of ``q.actors``, as ``signal_codes`` rows. With a type, the type and
    time filters are repeated on the code rows (which copy them from the signal): the same
    answer, but PostgreSQL's planner can then drive the query from the index (code, type, time)
    of the actor's rows instead of walking every signal of the type and looking up its actors.
    Without a type they are not: the actor's rows over a period are too many to fetch one by
    one, and with the time alone the planner chose to (measured: text + actor + 90 days took
    3 to 4 times as long)."""
    s, c = T.signals, T.signal_codes
    cond = [c.c.signal_id == s.c.signal_id, c.c.code.in_([a.upper() for a in q.actors]),
            c.c.role != "place"]
    if q.types:
        cond.append(c.c.type.in_([t.upper() for t in q.types]))
        if q.since:
            cond.append(c.c.published_at >= q.since)
        if q.until:
            cond.append(c.c.published_at < q.until)
    return sa.exists().where(*cond)


def _common(sel: sa.Select, time_col: sa.Column, q: Query, *, types: sa.Column | None,
            severity: sa.Column, country: sa.Column | None) -> sa.Select:
    if q.since:
        sel = sel.where(time_col >= q.since)
    if q.until:
        sel = sel.where(time_col < q.until)
    if q.types and types is not None:
        sel = sel.where(types.in_([t.upper() for t in q.types]))
    if q.countries and country is not None:
        sel = sel.where(country.in_([c.upper() for c in q.countries]))
    if q.min_severity:
        sel = sel.where(severity >= q.min_severity)
    return sel


def _doc(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers (the API) never wait for the writer
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def cutoff(now: datetime, retention_days: float) -> datetime | None:
    return None if retention_days == -1 else now - timedelta(days=retention_days)
