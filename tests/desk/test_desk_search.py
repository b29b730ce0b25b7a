"""Free text (``q=``) through each database's full-text index: the same answers as a plain word
match, phrases and prefixes, the index kept in step with upserts and deletes, built for rows
stored before the index existed, and no typed text ever read as query syntax."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from service.desk import search
from service.desk import tables as T
from service.desk.rows import event_rows, signal_rows
from service.desk.store import Query, Store

WORD = re.compile(r"[^\W_]+")


def _expected(docs_text: dict[str, str], q: str) -> set[str]:
    """What ``q`` must find: ids whose words contain each term's words in a row (the last one a
    prefix when asked); computed in Python, independently of either database."""
    out = set()
    for key, text in docs_text.items():
        words = [w.lower() for w in WORD.findall(text)]
        ok = True
        for t in search.parse(q):
            n = len(t.words)
            ok = ok and any(
                words[i:i + n - 1] == list(t.words[:-1])
                and (words[i + n - 1].startswith(t.words[-1]) if t.prefix else words[i + n - 1] == t.words[-1])
                for i in range(len(words) - n + 1))
        if ok:
            out.add(key)
    return out


def _texts(seed_signals) -> dict[str, str]:
    return {s["signal_id"]: signal_rows(s).main[0]["text"] for s in seed_signals}


def _found(store: Store, q: str) -> set[str]:
    got, cursor = [], None
    for _ in range(50):
        page = store.signals(Query(q=q, limit=200, cursor=cursor))
        got += [s["signal_id"] for s in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return set(got)
    raise AssertionError("more than 50 pages")


def test_parse_words_phrases_prefixes():
    assert search.parse('Troops "peace  talks" sanction* "Black Sea"*') == [
        search.Term(("troops",)), search.Term(("peace", "talks")), search.Term(("sanction",), True),
        search.Term(("black", "sea"), True)]
    assert search.parse("U.S.-led") == [search.Term(("u", "s", "led"))]
    assert search.fts5_query(search.parse('a "b c"*')) == '"a" AND "b c"*'
    assert search.tsquery(search.parse('a "b c"*')) == "('a') & ('b' <-> 'c':*)"


@pytest.mark.parametrize("q, reason", [('"peace talks', "not closed"), ("!!! ***", "no word"),
                                       (" ".join(f"w{i}" for i in range(20)), "at most")])
def test_unreadable_text_is_a_search_error(q, reason):
    with pytest.raises(search.SearchError, match=reason):
        search.parse(q)


@pytest.mark.parametrize("q", ["geneva", "GENEVA", "troops", "talks", "sanction*", "mobili*",
                               '"prisoner swap"', '"security guarantees"', "russia troops",
                               '"black sea"*', "kosovo serbia", "ukr*"])
def test_the_index_finds_what_a_word_match_finds(store, seed_signals, q):
    store.ingest([signal_rows(s) for s in seed_signals])
    expected = _expected(_texts(seed_signals), q)
    assert _found(store, q) == expected


def test_some_queries_find_something(store, seed_signals):
    """The comparison above is not vacuous: the sample has these words."""
    store.ingest([signal_rows(s) for s in seed_signals])
    for q in ("geneva", "troops", "sanction*", '"security guarantees"'):
        assert _found(store, q), q


@pytest.mark.parametrize("q", ['NEAR(a b)', "geneva OR troops", "-geneva", "text:geneva", "^geneva",
                               "geneva AND", "'; DROP TABLE signals; --", "a:* & !b", "(geneva",
                               "100%_", "geneva\x00", "*geneva", "gen*eva", '""geneva'])
def test_query_syntax_typed_by_a_user_is_only_words(store, seed_signals, q):
    store.ingest([signal_rows(s) for s in seed_signals])
    try:
        expected = _expected(_texts(seed_signals), q)
    except search.SearchError:
        with pytest.raises(search.SearchError):
            store.signals(Query(q=q))
        return
    assert _found(store, q) == expected
    assert store.counts()["signals"] == len({s["signal_id"] for s in seed_signals})


def test_the_index_follows_upserts_and_deletes(store, seed_events):
    versions = {}
    for v in seed_events:
        versions.setdefault(v["event_id"], []).append(v)
    ev = next(vs[0] for vs in versions.values())
    old = {**ev, "representative": {**ev["representative"],
                                    "article": {**ev["representative"]["article"],
                                                "title": "Zanzibarian quokkas convene"}}}
    store.ingest([event_rows(old)])
    assert [e["event_id"] for e in store.events(Query(q="quokkas")).items] == [ev["event_id"]]
    store.ingest([event_rows(ev)])  # a newer version of the same event replaces the text
    assert store.events(Query(q="quokkas")).items == []
    assert store.events(Query(q="zanzibarian")).items == []
    store.ingest([event_rows(old)])
    store.prune(datetime(2100, 1, 1))  # deletes every row
    assert store.events(Query(q="quokkas")).items == []
    store.ingest([event_rows(old)])
    store.clear()
    assert store.events(Query(q="quokkas")).items == []


def _ingest_as_in_0001(st: Store, batch: list) -> None:
    """Rows written with the first schema's columns (``signal_codes`` had no ``type``)."""
    latest = {r.key: r for r in batch}
    with st.engine.begin() as conn:
        for r in latest.values():
            conn.execute(sa.insert(T.signals), r.main)
            codes = [{k: v for k, v in c.items() if k != "type"} for c in r.children["signal_codes"]]
            if codes:
                conn.execute(sa.insert(T.signal_codes), codes)


def test_rows_stored_before_the_index_are_indexed_by_the_migration(db_url, seed_signals):
    from alembic import command
    from alembic.config import Config

    from service.desk import store as store_module

    st = Store.open(db_url, migrate=False)
    cfg = Config()
    cfg.set_main_option("script_location", str(store_module._MIGRATIONS))
    with st.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    _ingest_as_in_0001(st, [signal_rows(s) for s in seed_signals])
    st.migrate()
    with st.engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM desk_alembic_version")).scalar_one()
        untyped = conn.execute(sa.text(
            "SELECT count(*) FROM signal_codes c JOIN signals s ON s.signal_id = c.signal_id "
            "WHERE c.type IS NULL OR c.type <> s.type")).scalar_one()
    assert version == "0004"
    assert untyped == 0  # the codes stored before the type was copied got it from their signal
    assert _found(st, "geneva") == _expected(_texts(seed_signals), "geneva") != set()
    with st.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    with st.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert _found(st, "geneva") == _expected(_texts(seed_signals), "geneva")
    st.close()


@pytest.mark.parametrize("plan, few, share", [("index", 20_000, 10), ("list", 1, 1),
                                               ("probe", 1, 10**9)])
def test_every_sqlite_plan_gives_the_same_pages(tmp_path, seed_signals, plan, few, share):
    """SQLite uses the FTS5 index in one of three ways, chosen by how many rows match (a large
    store has all three); the small sample is made to take each by moving the thresholds."""
    store = Store.open(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    store.ingest([signal_rows(s) for s in seed_signals])
    store.fts_few, store.fts_share = few, share
    _same_pages(store, seed_signals,
                lambda q: store._fts_plan("signals", search.fts5_query(search.parse(q))) == plan)
    store.close()


@pytest.mark.parametrize("few, setting", [(10**6, "enable_indexscan = off"),
                                          (1, "enable_bitmapscan = off")])
def test_both_postgresql_plans_give_the_same_pages(pg_url, seed_signals, few, setting):
    """PostgreSQL is told to go through the GIN index (few matches) or along the time order
    (many); the small sample is made to take each by moving the threshold."""
    store = Store.open(pg_url)
    store.ingest([signal_rows(s) for s in seed_signals])
    store.pg_few = few
    _same_pages(store, seed_signals,
                lambda q: '"' not in q or any(setting in x for x in store._text_match(T.signals, q)[1]))
    store.close()


def _same_pages(store: Store, seed_signals, took_plan) -> None:
    texts = _texts(seed_signals)
    for q in ("troops", "geneva", '"security guarantees"', "sanction*", "kosovo serbia"):
        assert took_plan(q), q
        assert _found(store, q) == _expected(texts, q), q
        page = store.signals(Query(q=q, limit=3, actors=["RUS"]))
        want = sorted((s for s in seed_signals if s["signal_id"] in _expected(texts, q)
                       and any(a["code"] == "RUS" for r in ("source", "target") for a in s["actors"][r])),
                      key=lambda s: (s["article"]["published_at"], s["signal_id"]), reverse=True)[:3]
        assert [s["signal_id"] for s in page.items] == [s["signal_id"] for s in want], q
    assert store.signals(Query(q="zanzibar")).items == []


def test_word_pairs_of_a_query_are_only_those_every_match_holds():
    """PostgreSQL narrows a phrase to the rows holding its word pairs: a pair that a matching
    row may lack would lose that row. A prefix's last word is not whole, and words PostgreSQL's
    parser may cut differently (not ASCII letters and digits) give no pair."""
    terms = search.parse('"black sea fleet" "peace talk*" "zürich talks" geneva')
    assert search.word_pairs(terms) == ["black sea", "sea fleet"]
    assert search.word_pairs(search.parse('"prisoner swap" "prisoner swap"')) == ["prisoner swap"]
    assert search.parse('"peace talk*"') == search.parse('"peace talk"*')  # both as documented
