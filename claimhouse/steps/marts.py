"""The marts: each mart's SQL in ``warehouse/`` is rebuilt only when its inputs changed; the story mart is
updated for the clusters that changed."""
from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from claimhouse.steps.common import now
from claimhouse.warehouse.db import (
    MARTS_DIR,
    count,
    ddl,
    run_script,
    table_fingerprint,
    transaction,
    upsert,
)

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- marts
def mart_files() -> list[Path]:
    return sorted(MARTS_DIR.glob("*.sql"))


def mart_table(path: Path) -> str:
    """``warehouse/marts/10_speakers.sql`` builds ``marts.speakers``."""
    stem = path.stem
    return "marts." + (stem.split("_", 1)[1] if stem[:1].isdigit() else stem)


# a table a mart reads: schema.name with one of the warehouse's schemas
_TABLE_REF = re.compile(r"\b(raw|staging|core|marts|meta|quarantine)\.([A-Za-z_][A-Za-z0-9_]*)\b", re.IGNORECASE)


_MART_INPUTS_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.mart_inputs (
    mart            TEXT PRIMARY KEY,
    fingerprint     TEXT NOT NULL,
    built_at        TIMESTAMP NOT NULL,
    build_seconds   DOUBLE NOT NULL
);
COMMENT ON TABLE meta.mart_inputs IS 'Bookkeeping of the marts: what each mart was last built from, so a run whose inputs did not change skips the rebuild (claimhouse.steps.marts.build_mart).';
COMMENT ON COLUMN meta.mart_inputs.mart IS 'Mart table (marts.<name>)';
COMMENT ON COLUMN meta.mart_inputs.fingerprint IS 'SHA-256 of the mart SQL and of the row count and sum of row hashes of each table it reads (processing-time columns left out)';
COMMENT ON COLUMN meta.mart_inputs.built_at IS 'When the mart was last built (UTC)';
COMMENT ON COLUMN meta.mart_inputs.build_seconds IS 'How long that build took'"""

_MART_SQL_DDL = """
ALTER TABLE meta.mart_inputs ADD COLUMN IF NOT EXISTS sql_sha256 TEXT;
COMMENT ON COLUMN meta.mart_inputs.sql_sha256 IS 'SHA-256 of the mart SQL it was last built with (a changed SQL rebuilds a mart whole)';
CREATE TABLE IF NOT EXISTS meta.story_cluster_inputs (
    cluster_id      TEXT NOT NULL,
    digest          UBIGINT NOT NULL
);
COMMENT ON TABLE meta.story_cluster_inputs IS 'Bookkeeping of marts.story_clusters: a digest of what each story cluster was last built from (its members, their documents, their contradictions), so a run rebuilds only the clusters whose inputs changed (claimhouse.steps.marts.build_mart).';
COMMENT ON COLUMN meta.story_cluster_inputs.cluster_id IS 'Story cluster id (core.story_clusters.cluster_id)';
COMMENT ON COLUMN meta.story_cluster_inputs.digest IS 'bit_xor of hash(member claim, its text, type, speaker, document, outlet, date, copy or not) and of hash(contradicting claim, its text, speaker, outlet, date, copy or not)'"""

# marts.story_clusters is built for the clusters in the temporary table story_cluster_scope: at most this
# many clusters a statement (a first build at a million claims needed 2.4 GiB in one statement)
STORY_MART_SLICE = int(os.environ.get("CLAIMHOUSE_STORY_MART_SLICE", "50000"))
STORY_MART = "marts.story_clusters"

# what each story cluster is built from; processing times left out, so equal inputs give equal digests
_STORY_DIGEST_SQL = """
create or replace temp table _story_digest as
with members as (
    select s.cluster_id, hash(s.claim_id, c.doc_id, c.content_text, c.claim_type, c.source_canonical,
                              d.outlet, cast(d.published_at as date), d.duplicate_of is null) as h
    from core.story_clusters s
    left join core.claims c using (claim_id)
    left join staging.documents d using (doc_id)
),
ends as (
    select claim_a as claim_id, claim_b as other_id from core.claim_pairs where relation = 'contradiction'
    union all
    select claim_b, claim_a from core.claim_pairs where relation = 'contradiction'
),
contradicting as (
    select s.cluster_id, hash('contradiction', e.claim_id, e.other_id, c.content_text, c.source_canonical, d.outlet,
                              cast(d.published_at as date), d.duplicate_of is null) as h
    from ends e
    join core.story_clusters s using (claim_id)
    left join core.claims c on c.claim_id = e.other_id
    left join staging.documents d on d.doc_id = c.doc_id
)
select cluster_id, bit_xor(h) as digest
from (select * from members union all select * from contradicting)
group by cluster_id"""


@dataclass
class MartBuild:
    table: str
    rows: int
    rebuilt: bool  # False: its inputs and SQL were as at its last build, the table was left as it was
    seconds: float


def mart_inputs(path: Path) -> list[str]:
    """The tables (and views) the SQL of a mart reads: every ``schema.table`` it names outside comments,
    but the mart itself."""
    sql = "\n".join(line.split("--", 1)[0] for line in path.read_text(encoding="utf-8").splitlines()
                    if not line.lstrip().upper().startswith("COMMENT ON"))
    names = {f"{a.lower()}.{b.lower()}" for a, b in _TABLE_REF.findall(sql)} - {mart_table(path)}
    return sorted(names)


def mart_fingerprint(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """SHA-256 of the mart's SQL and of the fingerprint of each table it reads."""
    h = hashlib.sha256(path.read_bytes())
    for table in mart_inputs(path):
        h.update(f"\n{table}={table_fingerprint(con, table)}".encode())
    return h.hexdigest()


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return con.execute("select count(*) from duckdb_tables() where database_name = current_database() "
                       "and schema_name = ? and table_name = ?", [schema, name]).fetchone()[0] > 0


def build_mart(con: duckdb.DuckDBPyConnection, path: Path, force: bool = False) -> MartBuild:
    """Build one mart from its SQL file in one transaction, unless its SQL and every table it reads are
    as they were at its last build (``meta.mart_inputs``) and the mart is there (``force``: rebuild anyway).

    ``marts.story_clusters`` is rebuilt only for the clusters whose inputs changed (``_build_story_mart``)."""
    table = mart_table(path)
    started = time.perf_counter()
    if not _table_exists(con, "meta.mart_inputs") or not _table_exists(con, "meta.story_cluster_inputs"):
        with transaction(con):
            ddl(con, _MART_INPUTS_DDL)
            ddl(con, _MART_SQL_DDL)
    sql_sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    with transaction(con):
        fingerprint = mart_fingerprint(con, path)
        stored = con.execute("select fingerprint, sql_sha256, built_at from meta.mart_inputs where mart = ?",
                             [table]).fetchone()
        if not force and stored is not None and stored[0] == fingerprint and _table_exists(con, table):
            return MartBuild(table, count(con, table), False, time.perf_counter() - started)
        if table == STORY_MART:
            whole = force or stored is None or stored[1] != sql_sha256 or not _table_exists(con, table)
            _build_story_mart(con, path, whole, since=None if whole else stored[2])
        else:
            run_script(con, path)
        seconds = time.perf_counter() - started
        upsert(con, "meta.mart_inputs", "mart", [table, fingerprint, now(), seconds, sql_sha256],
               columns=["mart", "fingerprint", "built_at", "build_seconds", "sql_sha256"])
    return MartBuild(table, count(con, table), True, seconds)


def _build_story_mart(con: duckdb.DuckDBPyConnection, path: Path, whole: bool, since: datetime | None) -> int:
    """Build marts.story_clusters for the clusters whose inputs changed; returns how many were (re)built.

    A cluster is rebuilt when its digest (``_STORY_DIGEST_SQL``: members, their documents, contradicting
    claims) differs from the one stored at the last build, when it was reclustered since ``since``, or
    when it is gone (its row is deleted). ``whole``: the mart is dropped and every cluster built. Either
    way the clusters go through the SQL ``STORY_MART_SLICE`` at a time, so memory follows the slice, not
    the corpus. Call inside a transaction."""
    con.execute(_STORY_DIGEST_SQL)
    if whole:
        con.execute(f"drop table if exists {STORY_MART}")
        con.execute("delete from meta.story_cluster_inputs")
        con.execute("create or replace temp table _story_scope as select cluster_id from _story_digest")
    else:
        con.execute("""
            create or replace temp table _story_scope as
            select coalesce(n.cluster_id, o.cluster_id) as cluster_id
            from _story_digest n full join meta.story_cluster_inputs o using (cluster_id)
            where n.digest is distinct from o.digest
            union
            select distinct cluster_id from core.story_clusters where clustered_at > ?""", [since])
    n, = con.execute("select count(*) from _story_scope").fetchone()
    size = max(1, STORY_MART_SLICE)
    con.execute("""create or replace temp table _story_slices as
                   select cluster_id, (row_number() over (order by cluster_id) - 1) // ? as slice
                   from _story_scope""", [size])
    for slice_ in range(max(1, -(-n // size))):  # once even with nothing in scope: the mart table exists
        con.execute("create or replace temp table story_cluster_scope as "
                    "select cluster_id from _story_slices where slice = ?", [slice_])
        run_script(con, path)
    con.execute("delete from meta.story_cluster_inputs where cluster_id in (select cluster_id from _story_scope)")
    con.execute("""insert into meta.story_cluster_inputs
                   select cluster_id, digest from _story_digest where cluster_id in (select cluster_id from _story_scope)""")
    for temp in ("story_cluster_scope", "_story_slices", "_story_scope", "_story_digest"):
        con.execute(f"drop table if exists {temp}")
    log.info("%s: %s clusters built (%s)", STORY_MART, f"{n:,}", "whole" if whole else "those that changed")
    return n
