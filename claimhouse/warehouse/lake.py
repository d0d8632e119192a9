"""The warehouse published to a DuckLake: Parquet data files and a catalog, with snapshots and time travel.

Dagster-free. ``publish_to_lake(con, catalog, data_path)`` brings a DuckLake up to date with the working
warehouse open as ``con``, in one DuckLake transaction, so one publish is one snapshot: a reader sees the
lake as of one publish or the next, never between, and can ask for any earlier one
(``ATTACH 'ducklake:…' (SNAPSHOT_VERSION n)``, ``claimhouse sql --lake --as-of n``).

What it writes grows with what changed. A table whose fingerprint (row count and the sum of its row
hashes, ``table_fingerprint``) is what the lake got last time is not touched. A changed table with a
primary key gets only its changed rows (rows hashed on both sides: the new ones inserted, the gone ones
deleted, each as small Parquet files); a changed table without a key (the marts, rebuilt whole) is
replaced whole.

The catalog is a DuckDB file by default (nothing to start) or a PostgreSQL database
(``postgres:dbname=… host=…``, with the ``postgres_scanner`` extension, for readers and writers on
several hosts); the data files go to a folder (or an object store path). Only those two locations
differ between a laptop and a cluster. The search indexes (``fts_*`` schemas) stay in the DuckDB file:
their macros need the fts extension's own tables.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import duckdb

from claimhouse.warehouse.db import table_fingerprint

LAKE = "lake"  # the alias the lake is attached under
SCHEMAS = ("raw", "staging", "core", "marts", "meta", "quarantine")
BOOKKEEPING = "_claimhouse"  # in the lake: what each table was published from


def extension_path(package: str, name: str) -> Path:
    """A DuckDB extension binary shipped by a PyPI package (``duckdb-extension-<name>``, pinned in uv.lock):
    DuckDB cannot download extensions here, and the package holds the build for the pinned duckdb."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the package {package.replace('_', '-')} is not installed (uv sync)")
    root = Path(next(iter(spec.submodule_search_locations))) / "extensions"
    path = root / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.is_file():
        raise FileNotFoundError(f"no {name} extension for duckdb {duckdb.__version__} under {root}")
    return path


def default_catalog(warehouse: str | Path) -> str:
    """``claimhouse.duckdb`` -> ``claimhouse.lake.ducklake`` beside it (a DuckDB file catalog)."""
    p = Path(warehouse)
    return str(p.with_name(f"{p.stem}.lake.ducklake"))


def default_data_path(warehouse: str | Path) -> str:
    """``claimhouse.duckdb`` -> the folder ``claimhouse.lake/`` beside it, for the Parquet files."""
    p = Path(warehouse)
    return str(p.with_name(f"{p.stem}.lake")) + "/"


def attach(con: duckdb.DuckDBPyConnection, catalog: str, data_path: str | None = None, *,
           read_only: bool = False, snapshot: int | None = None, metadata_schema: str | None = None,
           alias: str = LAKE) -> None:
    """Attach the lake as ``alias`` (``lake``) on ``con`` (loading ducklake, and postgres_scanner for a Postgres
    catalog; ``metadata_schema``: the catalog's tables in that schema of the database, to share one database)."""
    con.execute(f"LOAD '{extension_path('duckdb_extension_ducklake', 'ducklake')}'")
    if catalog.startswith("postgres:"):
        con.execute(f"LOAD '{extension_path('duckdb_extension_postgres_scanner', 'postgres_scanner')}'")
    def literal(text: str) -> str:  # ATTACH takes no parameters; these are this process's own settings
        return "'" + text.replace("'", "''") + "'"

    options = []
    if data_path:
        options.append(f"DATA_PATH {literal(data_path)}")
    if read_only:
        options.append("READ_ONLY")
    if snapshot is not None:
        options.append(f"SNAPSHOT_VERSION {int(snapshot)}")
    if metadata_schema:
        options.append(f"METADATA_SCHEMA {literal(metadata_schema)}")
    path_sql = literal("ducklake:" + catalog)
    opts = f" ({', '.join(options)})" if options else ""
    con.execute(f"ATTACH {path_sql} AS {_quote(alias)}{opts}")


_FIXED_ARRAY = re.compile(r"\[\d+\]$")


def _lake_type(data_type: str) -> str:
    """DuckLake stores lists, not fixed-size arrays: FLOAT[384] (the claim embeddings) becomes FLOAT[]."""
    return _FIXED_ARRAY.sub("[]", data_type)


def _select_list(cols: list[tuple[str, str]]) -> str:
    return ", ".join(f"cast({_quote(c)} as {_lake_type(typ)}) as {_quote(c)}" if _lake_type(typ) != typ
                     else _quote(c) for c, typ in cols)


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute("""
        select schema_name || '.' || table_name, column_name, data_type from duckdb_columns()
        where database_name = ? and schema_name in (select unnest(?)) order by schema_name, table_name, column_index""",
                       [database, list(SCHEMAS)]).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, col, typ in rows:
        out.setdefault(table, []).append((col, typ))
    return out


def _keyed(con: duckdb.DuckDBPyConnection, database: str) -> set[str]:
    return {t for (t,) in con.execute("""
        select distinct schema_name || '.' || table_name from duckdb_constraints()
        where database_name = ? and constraint_type = 'PRIMARY KEY'""", [database]).fetchall()}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _copy_comments(con: duckdb.DuckDBPyConnection, database: str, table: str) -> None:
    schema, name = table.split(".")
    row = con.execute("select comment from duckdb_tables() where database_name = ? and schema_name = ? "
                      "and table_name = ?", [database, schema, name]).fetchone()
    target = f"{LAKE}.{_quote(schema)}.{_quote(name)}"
    if row and row[0]:
        con.execute(f"COMMENT ON TABLE {target} IS " + "'" + row[0].replace("'", "''") + "'")
    for col, comment in con.execute("select column_name, comment from duckdb_columns() where database_name = ? "
                                    "and schema_name = ? and table_name = ? and comment is not null",
                                    [database, schema, name]).fetchall():
        con.execute(f"COMMENT ON COLUMN {target}.{_quote(col)} IS " + "'" + comment.replace("'", "''") + "'")


def publish_to_lake(con: duckdb.DuckDBPyConnection, catalog: str, data_path: str,
                    metadata_schema: str | None = None) -> dict:
    """Bring the lake up to date with the warehouse open as ``con``; one snapshot. Returns counts."""
    src = con.execute("select current_database()").fetchone()[0]
    attach(con, catalog, data_path, metadata_schema=metadata_schema)
    try:
        return _publish(con, src)
    finally:
        con.execute(f"USE {_quote(src)}")
        con.execute(f"DETACH {LAKE}")


def _publish(con: duckdb.DuckDBPyConnection, src: str) -> dict:
    ours, theirs = _tables(con, src), _tables(con, LAKE)
    keyed = _keyed(con, src)
    stats = {"tables": len(ours), "unchanged": 0, "replaced": 0, "updated": 0, "dropped": 0,
             "rows_inserted": 0, "rows_deleted": 0}
    con.execute("BEGIN")
    try:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {LAKE}.{BOOKKEEPING}")
        con.execute(f"CREATE TABLE IF NOT EXISTS {LAKE}.{BOOKKEEPING}.published "
                    "(table_name TEXT, fingerprint TEXT)")
        done = dict(con.execute(f"select table_name, fingerprint from {LAKE}.{BOOKKEEPING}.published").fetchall())
        for schema in SCHEMAS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {LAKE}.{_quote(schema)}")
        for table, cols in ours.items():
            fingerprint = table_fingerprint(con, table)
            shape = [(c, _lake_type(typ)) for c, typ in cols]
            if done.get(table) == fingerprint and theirs.get(table) == shape:
                stats["unchanged"] += 1
                continue
            schema, name = table.split(".")
            source, target = f"{_quote(src)}.{_quote(schema)}.{_quote(name)}", f"{LAKE}.{_quote(schema)}.{_quote(name)}"
            if theirs.get(table) != shape or table not in keyed:
                con.execute(f"DROP TABLE IF EXISTS {target}")
                con.execute(f"CREATE TABLE {target} AS SELECT {_select_list(cols)} FROM {source}")
                _copy_comments(con, src, table)
                stats["replaced"] += 1
                stats["rows_inserted"] += con.execute(f"select count(*) from {target}").fetchone()[0]
            else:
                # DuckDB's 64-bit hash of the whole row: no text conversion of the page bytes (md5 of the row
                # as text took 18 s of a 5-page publish at 1,000 documents, most of it on raw.documents.content)
                row = "hash(" + ", ".join(_quote(c) for c, _ in shape) + ")"
                ours_rows = f"(SELECT {_select_list(cols)} FROM {source})"
                con.execute(f"CREATE OR REPLACE TEMP TABLE _ours AS SELECT {row} AS h FROM {ours_rows}")
                con.execute(f"CREATE OR REPLACE TEMP TABLE _theirs AS SELECT {row} AS h FROM {target}")
                gone = con.execute(f"DELETE FROM {target} WHERE {row} IN "
                                   "(SELECT h FROM _theirs EXCEPT SELECT h FROM _ours)").fetchone()[0]
                new = con.execute(f"INSERT INTO {target} SELECT * FROM {ours_rows} WHERE {row} IN "
                                  "(SELECT h FROM _ours EXCEPT SELECT h FROM _theirs)").fetchone()[0]
                stats["updated"] += 1
                stats["rows_inserted"] += new
                stats["rows_deleted"] += gone
            con.execute(f"DELETE FROM {LAKE}.{BOOKKEEPING}.published WHERE table_name = ?", [table])
            con.execute(f"INSERT INTO {LAKE}.{BOOKKEEPING}.published VALUES (?, ?)", [table, fingerprint])
        for table in set(theirs) - set(ours):
            schema, name = table.split(".")
            con.execute(f"DROP TABLE {LAKE}.{_quote(schema)}.{_quote(name)}")
            con.execute(f"DELETE FROM {LAKE}.{BOOKKEEPING}.published WHERE table_name = ?", [table])
            stats["dropped"] += 1
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    stats["snapshot"] = con.execute(f"select max(snapshot_id) from ducklake_snapshots('{LAKE}')").fetchone()[0]
    return stats


def snapshots(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(snapshot id, time, changes) of the attached lake, oldest first."""
    return con.execute(f"select snapshot_id, snapshot_time, changes from ducklake_snapshots('{LAKE}') "
                       "order by snapshot_id").fetchall()
