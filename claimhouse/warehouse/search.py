"""Full-text search indexes (DuckDB ``fts``) over sentences and claims. Dagster-free.

``build_search_index(con)`` builds one BM25 index per table with
``PRAGMA create_fts_index`` (Porter stemmer, English stopwords) and (re)creates the
analysts' table macros ``marts.search_sentences(q)`` and ``marts.search_claims(q)``
from ``warehouse/search.sql``.

A DuckDB fts index does not follow its table: ``create_fts_index`` builds a snapshot over the
whole table. Rebuilding it on every run would cost time in proportion to the corpus, so the
index is kept up to date instead (``update_index``): its tables (``docs``, ``terms``, ``dict``,
``stats``) are plain DuckDB tables, and each ``docs`` row carries the hash of the row it was made
from (``row_hash``, a column added here). Rows whose hash is new are tokenised, stemmed and
added exactly as ``create_fts_index`` does; rows gone or changed leave; document frequencies and
the statistics follow. The result scores every query as a full rebuild does
(tests/test_search.py compares them). A full rebuild is made when there is no index yet, its
definition changed, or more than REBUILD_SHARE of the rows changed.

Each index records a fingerprint of the rows it was built from (row count and an
order-independent XOR of the row hashes of the indexed columns) in ``meta.search_indexes``; a
run whose core tables did not change does nothing.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import duckdb

from claimhouse.warehouse.db import WAREHOUSE_DIR, load_fts, run_script, transaction, upsert

SEARCH_SQL = WAREHOUSE_DIR / "search.sql"
OPTIONS = "stemmer = 'porter', stopwords = 'english', ignore = '(\\.|[^a-z0-9])+', overwrite = 1"
STEMMER = "porter"
REBUILD_SHARE = 0.25  # above this share of changed rows, one full build is cheaper than the update

_META_DDL = """
CREATE TABLE IF NOT EXISTS meta.search_indexes (
    name          TEXT PRIMARY KEY,   -- indexed table, or 'macros' for warehouse/search.sql
    definition    TEXT NOT NULL,      -- id, columns and options of the index (sha-256 of the SQL for 'macros')
    rows          BIGINT NOT NULL,
    fingerprint   UBIGINT NOT NULL,   -- bit_xor of hash(id, columns...) over the rows indexed
    built_at      TIMESTAMP NOT NULL,
    build_seconds DOUBLE NOT NULL
);
COMMENT ON TABLE meta.search_indexes IS 'Bookkeeping of the full-text indexes: what each index was built from, so a run whose tables did not change skips the rebuild.';
COMMENT ON COLUMN meta.search_indexes.name IS 'Indexed table, or macros for warehouse/search.sql';
COMMENT ON COLUMN meta.search_indexes.definition IS 'Id, columns and options of the index (SHA-256 of the SQL for macros)';
COMMENT ON COLUMN meta.search_indexes.rows IS 'Rows indexed';
COMMENT ON COLUMN meta.search_indexes.fingerprint IS 'bit_xor of hash(id, columns...) over the rows indexed';
COMMENT ON COLUMN meta.search_indexes.built_at IS 'When the index was built (UTC)';
COMMENT ON COLUMN meta.search_indexes.build_seconds IS 'How long the build took'"""


@dataclass(frozen=True)
class SearchIndex:
    table: str  # schema.table
    id_column: str
    columns: tuple[str, ...]

    @property
    def schema(self) -> str:
        """Where DuckDB puts the index and its macros: ``fts_<schema>_<table>``."""
        return "fts_" + self.table.replace(".", "_")

    @property
    def definition(self) -> str:
        return f"{self.id_column}: {', '.join(self.columns)}; {OPTIONS}"

    def row_hash_sql(self) -> str:
        return f"hash({', '.join((self.id_column, *self.columns))})"

    def fingerprint_sql(self) -> str:
        return f"select count(*), coalesce(bit_xor({self.row_hash_sql()}), 0) from {self.table}"

    def pragma(self) -> str:
        cols = ", ".join(f"'{c}'" for c in self.columns)
        return f"PRAGMA create_fts_index('{self.table}', '{self.id_column}', {cols}, {OPTIONS})"


INDEXES = (
    SearchIndex("core.sentences", "sentence_id", ("text",)),
    SearchIndex("core.claims", "claim_id", ("content_text", "source_canonical", "source_role")),
)


@dataclass
class IndexBuild:
    name: str
    rows: int
    rebuilt: bool  # the index changed (built whole or updated)
    seconds: float
    how: str = ""  # 'full', 'update' or 'unchanged'
    added: int = 0  # rows added to the index by an update (new or changed rows)
    removed: int = 0  # rows taken out by an update (gone or changed rows)


def _schema_exists(con: duckdb.DuckDBPyConnection, schema: str) -> bool:
    return con.execute("select count(*) from duckdb_schemas() where database_name = current_database() "
                       "and schema_name = ?", [schema]).fetchone()[0] > 0


def _stored(con: duckdb.DuckDBPyConnection, name: str) -> tuple | None:
    return con.execute("select definition, rows, fingerprint from meta.search_indexes where name = ?",
                       [name]).fetchone()


def _record(con: duckdb.DuckDBPyConnection, name: str, definition: str, rows: int, fingerprint: int,
            seconds: float) -> None:
    upsert(con, "meta.search_indexes", "name", [name, definition, rows, fingerprint, seconds],
           values="?, ?, ?, ?, now()::timestamp, ?")


def build_search_index(con: duckdb.DuckDBPyConnection, force: bool = False) -> list[IndexBuild]:
    """Build the fts indexes whose table changed since the last build (all with ``force``),
    then the search macros when they are missing or their SQL changed. One transaction each."""
    load_fts(con)
    con.execute(_META_DDL)
    out: list[IndexBuild] = []
    for ix in INDEXES:
        rows, fingerprint = con.execute(ix.fingerprint_sql()).fetchone()
        stored = _stored(con, ix.table)
        there = _schema_exists(con, ix.schema)
        if not force and there and stored == (ix.definition, rows, fingerprint):
            out.append(IndexBuild(ix.table, rows, False, 0.0, "unchanged"))
            continue
        started = time.perf_counter()
        with transaction(con):
            added = removed = 0
            if (force or not there or stored is None or stored[0] != ix.definition
                    or not _has_row_hashes(con, ix)):
                how = "full"
                _full_build(con, ix)
            else:
                added, removed = _changes(con, ix)
                how = "update"
                if max(added, removed) > REBUILD_SHARE * max(rows, 1):
                    how = "full"
                    _full_build(con, ix)
                else:
                    _apply_changes(con, ix)
                con.execute("drop table if exists _fts_added; drop table if exists _fts_removed")
            seconds = time.perf_counter() - started
            _record(con, ix.table, ix.definition, rows, fingerprint, seconds)
        out.append(IndexBuild(ix.table, rows, True, seconds, how,
                              added if how == "update" else 0, removed if how == "update" else 0))
    sql_sha = hashlib.sha256(SEARCH_SQL.read_bytes()).hexdigest()
    macros_there = con.execute("select count(*) from duckdb_functions() where database_name = current_database() "
                               "and schema_name = 'marts' and function_name in ('search_claims', 'search_sentences')"
                               ).fetchone()[0] == 2
    if force or not macros_there or _stored(con, "macros") != (sql_sha, 0, 0):
        started = time.perf_counter()
        with transaction(con):
            run_script(con, SEARCH_SQL)
            _record(con, "macros", sql_sha, 0, 0, time.perf_counter() - started)
        out.append(IndexBuild("macros", 0, True, time.perf_counter() - started))
    else:
        out.append(IndexBuild("macros", 0, False, 0.0))
    return out


def _has_row_hashes(con: duckdb.DuckDBPyConnection, ix: SearchIndex) -> bool:
    return con.execute("select count(*) from duckdb_columns() where database_name = current_database() "
                       "and schema_name = ? and table_name = 'docs' and column_name = 'row_hash'",
                       [ix.schema]).fetchone()[0] > 0


def _full_build(con: duckdb.DuckDBPyConnection, ix: SearchIndex) -> None:
    """create_fts_index over the whole table, then each docs row gets the hash of its table row."""
    con.execute(ix.pragma())
    con.execute(f"alter table {ix.schema}.docs add column row_hash ubigint")
    con.execute(f"""update {ix.schema}.docs d set row_hash = t.h
                    from (select {ix.id_column} as name, {ix.row_hash_sql()} as h from {ix.table}) t
                    where d.name = t.name""")


def _changes(con: duckdb.DuckDBPyConnection, ix: SearchIndex) -> tuple[int, int]:
    """Temp tables _fts_added (table rows whose hash the index lacks) and _fts_removed (index docids
    whose row is gone or changed); their sizes."""
    con.execute(f"""create or replace temp table _fts_current as
                    select {ix.id_column} as name, {ix.row_hash_sql()} as h from {ix.table}""")
    con.execute(f"""create or replace temp table _fts_removed as
                    select d.docid from {ix.schema}.docs d
                    anti join _fts_current c on c.name = d.name and c.h = d.row_hash""")
    con.execute(f"""create or replace temp table _fts_added as
                    select c.name, c.h from _fts_current c
                    anti join {ix.schema}.docs d on c.name = d.name and c.h = d.row_hash""")
    con.execute("drop table _fts_current")
    return (con.execute("select count(*) from _fts_added").fetchone()[0],
            con.execute("select count(*) from _fts_removed").fetchone()[0])


def _apply_changes(con: duckdb.DuckDBPyConnection, ix: SearchIndex) -> None:
    """Take the rows of _fts_removed out of the index and put those of _fts_added in, as
    create_fts_index would have indexed them: each field tokenised by the index's own tokenize
    macro, empty tokens and stopwords dropped, the rest stemmed; docs.len counts the terms of a row,
    dict.df the rows holding a term; stats are recomputed from docs."""
    fts = ix.schema
    # out: document frequencies first, then the rows' terms and docs
    con.execute(f"""update {fts}.dict d set df = d.df - x.n
                    from (select termid, count(distinct docid) as n from {fts}.terms
                          where docid in (select docid from _fts_removed) group by termid) x
                    where d.termid = x.termid""")
    con.execute(f"delete from {fts}.terms where docid in (select docid from _fts_removed)")
    con.execute(f"delete from {fts}.docs where docid in (select docid from _fts_removed)")
    # in: new docids after the largest, the tokens of every field
    fields = " union all ".join(
        f"select n.docid, {i} as fieldid, unnest({fts}.tokenize(t.{col})) as w "
        f"from _fts_new n join {ix.table} t on t.{ix.id_column} = n.name"
        for i, col in enumerate(ix.columns))
    con.execute(f"""create or replace temp table _fts_new as
                    select (select coalesce(max(docid), -1) from {fts}.docs) + row_number() over (order by a.name) as docid,
                           a.name, a.h
                    from _fts_added a""")
    con.execute(f"""create or replace temp table _fts_tokens as
                    select docid, fieldid, stem(w, '{STEMMER}') as term from ({fields})
                    where w <> '' and w not in (select sw from {fts}.stopwords)""")
    con.execute(f"""insert into {fts}.dict (termid, term, df)
                    select (select coalesce(max(termid), -1) from {fts}.dict) + row_number() over (order by term), term, 0
                    from (select distinct term from _fts_tokens) anti join {fts}.dict using (term)""")
    con.execute(f"""insert into {fts}.terms (docid, fieldid, termid)
                    select t.docid, t.fieldid, d.termid from _fts_tokens t join {fts}.dict d using (term)""")
    con.execute(f"""insert into {fts}.docs (docid, name, len, row_hash)
                    select n.docid, n.name, coalesce(c.len, 0), n.h from _fts_new n
                    left join (select docid, count(*) as len from _fts_tokens group by docid) c using (docid)""")
    con.execute(f"""update {fts}.dict d set df = d.df + x.n
                    from (select d2.termid, count(distinct t.docid) as n from _fts_tokens t
                          join {fts}.dict d2 using (term) group by d2.termid) x
                    where d.termid = x.termid""")
    con.execute(f"delete from {fts}.stats")
    con.execute(f"""insert into {fts}.stats select count(*), coalesce(sum(len) / count(*), 0) from {fts}.docs""")
    con.execute("drop table _fts_new; drop table _fts_tokens")


def index_problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What is wrong with the search indexes of this warehouse (empty list: nothing).

    Every row of each indexed table is in its index (fts ``docs``), and the search macros
    run. Needs the fts extension (loaded here).
    """
    load_fts(con)
    problems: list[str] = []
    for ix in INDEXES:
        if not _schema_exists(con, ix.schema):
            problems.append(f"{ix.schema} is missing")
            continue
        rows = con.execute(f"select count(*) from {ix.table}").fetchone()[0]
        indexed = con.execute(f"select count(*) from {ix.schema}.docs").fetchone()[0]
        if rows != indexed:
            problems.append(f"{ix.table} has {rows} rows, its index {indexed}")
    for macro in ("marts.search_sentences", "marts.search_claims"):
        try:
            con.execute(f"select count(*) from {macro}(?)", ["war"]).fetchone()
        except duckdb.Error as exc:
            problems.append(f"{macro} fails: {exc}")
    return problems
