"""Full-text search indexes (DuckDB ``fts``) over sentences and claims. Dagster-free.

``build_search_index(con)`` builds one BM25 index per table with
``PRAGMA create_fts_index`` (Porter stemmer, English stopwords) and (re)creates the
analysts' table macros ``marts.search_sentences(q)`` and ``marts.search_claims(q)``
from ``warehouse/search.sql``.

A DuckDB fts index does not follow its table: it is a snapshot, rebuilt whole over the
table. So each index records a fingerprint of the rows it was built from (row count and
an order-independent XOR of the row hashes of the indexed columns) in
``meta.search_indexes``; a run whose core tables did not change skips the rebuild (one
scan of the table instead of a re-index), and a run that changed anything rebuilds it.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import duckdb

from .warehouse import WAREHOUSE_DIR, load_fts, run_script, transaction

SEARCH_SQL = WAREHOUSE_DIR / "search.sql"
OPTIONS = "stemmer = 'porter', stopwords = 'english', ignore = '(\\.|[^a-z0-9])+', overwrite = 1"

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

    def fingerprint_sql(self) -> str:
        cols = ", ".join((self.id_column, *self.columns))
        return f"select count(*), coalesce(bit_xor(hash({cols})), 0) from {self.table}"

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
    rebuilt: bool
    seconds: float


def _schema_exists(con: duckdb.DuckDBPyConnection, schema: str) -> bool:
    return con.execute("select count(*) from duckdb_schemas() where database_name = current_database() "
                       "and schema_name = ?", [schema]).fetchone()[0] > 0


def _stored(con: duckdb.DuckDBPyConnection, name: str) -> tuple | None:
    return con.execute("select definition, rows, fingerprint from meta.search_indexes where name = ?",
                       [name]).fetchone()


def _record(con: duckdb.DuckDBPyConnection, name: str, definition: str, rows: int, fingerprint: int,
            seconds: float) -> None:
    con.execute("insert or replace into meta.search_indexes values (?, ?, ?, ?, now()::timestamp, ?)",
                [name, definition, rows, fingerprint, seconds])


def build_search_index(con: duckdb.DuckDBPyConnection, force: bool = False) -> list[IndexBuild]:
    """Build the fts indexes whose table changed since the last build (all with ``force``),
    then the search macros when they are missing or their SQL changed. One transaction each."""
    load_fts(con)
    con.execute(_META_DDL)
    out: list[IndexBuild] = []
    for ix in INDEXES:
        rows, fingerprint = con.execute(ix.fingerprint_sql()).fetchone()
        unchanged = _stored(con, ix.table) == (ix.definition, rows, fingerprint)
        if not force and unchanged and _schema_exists(con, ix.schema):
            out.append(IndexBuild(ix.table, rows, False, 0.0))
            continue
        started = time.perf_counter()
        with transaction(con):
            con.execute(ix.pragma())
            seconds = time.perf_counter() - started
            _record(con, ix.table, ix.definition, rows, fingerprint, seconds)
        out.append(IndexBuild(ix.table, rows, True, seconds))
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
