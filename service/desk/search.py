"""Free text (``q=``): the user's words as a full-text query for each database, never as syntax.

The store keeps a full-text index of the ``text`` column of ``signals``, ``events`` and
``alerts`` (migration 0002): an FTS5 table beside each on SQLite (``<table>_fts``, an
external-content index the table's own triggers keep in step with every insert, upsert and
delete), a generated ``tsvector`` column ``search`` with a GIN index on PostgreSQL (the
``simple`` configuration: lowercased words, no stemming, no stop words).

What ``q`` means, on both databases: every term must match (AND). A term is a word, a
``"quoted phrase"`` (its words next to each other, in order), or either followed by ``*``
(the last word is a prefix: ``sanction*``, ``"peace talk*"``). Words are runs of letters and
digits, case-insensitive; other characters only separate words (``U.S.`` is the phrase
``"u s"``). The query is built from these words alone, quoted, so nothing the user types is read
as FTS5 or tsquery syntax; what cannot be read (an unclosed quote, no word at all, too many
terms) is a :class:`SearchError` (HTTP 400) naming the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TABLES = ("signals", "events", "alerts")
KEYS = {"signals": "signal_id", "events": "event_id", "alerts": "alert_id"}
MAX_TERMS = 16
_WORD = re.compile(r"[^\W_]+")
_TERM = re.compile(r'"(?P<phrase>[^"]*)"(?P<pstar>\*?)|(?P<word>[^\s"]+)')


class SearchError(ValueError):
    """``q`` cannot be read as a search; the text says why."""


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    prefix: bool = False


def parse(q: str) -> list[Term]:
    """The terms of ``q``: words, phrases and prefixes (see the module's text)."""
    if q.count('"') % 2:
        raise SearchError(f'q: a phrase opened with " is not closed in {q[:60]!r}')
    terms = []
    for m in _TERM.finditer(q):
        raw = m.group("phrase") if m.group("word") is None else m.group("word")
        prefix = bool(m.group("pstar")) or raw.rstrip().endswith("*")  # "peace talk*" too
        words = tuple(w.lower() for w in _WORD.findall(raw))
        if words:
            terms.append(Term(words, prefix))
    if not terms:
        raise SearchError(f"q: no word to search for in {q[:60]!r} (words are letters and digits)")
    if len(terms) > MAX_TERMS:
        raise SearchError(f"q: {len(terms)} terms; at most {MAX_TERMS}")
    return terms


def fts5_query(terms: list[Term]) -> str:
    """An FTS5 MATCH expression: each term a quoted string (a phrase), ``*`` for a prefix."""
    return " AND ".join('"' + " ".join(t.words) + '"' + ("*" if t.prefix else "") for t in terms)


def tsquery(terms: list[Term]) -> str:
    """A PostgreSQL tsquery (for ``to_tsquery('simple', ...)``): each word a quoted lexeme,
    phrases joined by ``<->``, ``:*`` for a prefix, terms joined by ``&``."""
    out = []
    for t in terms:
        lexemes = [f"'{w}'" for w in t.words]
        if t.prefix:
            lexemes[-1] += ":*"
        out.append("(" + " <-> ".join(lexemes) + ")")
    return " & ".join(out)


def sqlite_upgrade() -> list[str]:
    """SQL creating the FTS5 indexes, their triggers, and indexing the rows already stored."""
    sql = []
    for table in TABLES:
        fts = f"{table}_fts"
        sql += [
            f"CREATE VIRTUAL TABLE {fts} USING fts5(text, content='{table}', content_rowid='rowid')",
            f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, text) VALUES (new.rowid, new.text); END",
            f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, text) VALUES ('delete', old.rowid, old.text); END",
            f"CREATE TRIGGER {fts}_update AFTER UPDATE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, text) VALUES ('delete', old.rowid, old.text); "
            f"INSERT INTO {fts}(rowid, text) VALUES (new.rowid, new.text); END",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
        ]
    return sql


def sqlite_downgrade() -> list[str]:
    sql = []
    for table in TABLES:
        fts = f"{table}_fts"
        sql += [f"DROP TRIGGER IF EXISTS {fts}_{op}" for op in ("insert", "delete", "update")]
        sql.append(f"DROP TABLE IF EXISTS {fts}")
    return sql


def postgresql_upgrade() -> list[str]:
    """SQL adding the generated tsvector column and its GIN index to each table."""
    sql = []
    for table in TABLES:
        sql += [
            f"ALTER TABLE {table} ADD COLUMN search tsvector "
            f"GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, text)) STORED",
            f"CREATE INDEX ix_{table}_search ON {table} USING gin (search)",
        ]
    return sql


def postgresql_downgrade() -> list[str]:
    sql = []
    for table in TABLES:
        sql += [f"DROP INDEX IF EXISTS ix_{table}_search",
                f"ALTER TABLE {table} DROP COLUMN IF EXISTS search"]
    return sql


# PL/pgSQL, not SQL: a SQL function that cannot be inlined is planned again for every row
# inserted; PL/pgSQL keeps its plan for the session (PostgreSQL ingest 3,530 -> 4,590 signals/s).
PAIRS_FUNCTION = (
    "CREATE FUNCTION desk_word_pairs(v tsvector) RETURNS text[] LANGUAGE plpgsql IMMUTABLE "
    "PARALLEL SAFE AS $$ BEGIN RETURN (SELECT coalesce(array_agg(DISTINCT a.lex || ' ' || b.lex), "
    "'{}') FROM (SELECT lexeme AS lex, unnest(positions) AS pos FROM unnest(v)) a "
    "JOIN (SELECT lexeme AS lex, unnest(positions) AS pos FROM unnest(v)) b "
    "ON b.pos = a.pos + 1); END $$")
_PLAIN = re.compile(r"[a-z0-9]+")


def postgresql_pairs_upgrade() -> list[str]:
    """SQL adding ``search_pairs`` (PostgreSQL): the text's adjacent word pairs (``"black sea"``),
    read from the positions of the same ``tsvector`` the phrase operator reads, with a GIN index.
    A phrase needs each of its pairs, so the pairs find the candidate rows of a phrase exactly
    where the words' index alone finds every row holding the words anywhere."""
    sql = [PAIRS_FUNCTION]
    for table in TABLES:
        sql += [
            f"ALTER TABLE {table} ADD COLUMN search_pairs text[] GENERATED ALWAYS AS "
            f"(desk_word_pairs(to_tsvector('simple'::regconfig, text))) STORED",
            f"CREATE INDEX ix_{table}_search_pairs ON {table} USING gin (search_pairs)",
        ]
    return sql


def postgresql_pairs_downgrade() -> list[str]:
    sql = []
    for table in TABLES:
        sql += [f"DROP INDEX IF EXISTS ix_{table}_search_pairs",
                f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_pairs"]
    return sql + ["DROP FUNCTION IF EXISTS desk_word_pairs(tsvector)"]


def word_pairs(terms: list[Term]) -> list[str]:
    """The adjacent word pairs every match of ``terms`` holds (as ``search_pairs`` stores them):
    from the phrases' whole words (a prefix's last word is not whole). Only for words of
    ASCII letters and digits, which PostgreSQL's parser keeps as they are; other words are
    left to the phrase operator alone, so the pairs never exclude a row that matches."""
    pairs = []
    for t in terms:
        words = t.words[:-1] if t.prefix else t.words
        if all(_PLAIN.fullmatch(w) for w in words):
            pairs += [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    return sorted(set(pairs))


def is_search_object(name: str) -> bool:
    """Tables, columns and indexes of the full-text index (not in ``tables.py``: they are each
    database's own)."""
    return (name in ("search", "search_pairs") or name.endswith(("_search", "_search_pairs"))
            or any(name == f"{t}_fts" or name.startswith(f"{t}_fts_") for t in TABLES))
