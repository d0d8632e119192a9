"""DuckDB access for the pipeline: opening the file, creating the schema, writing frames.

Dagster-free. Writes are short transactions that append a Polars frame at a time;
document content always reaches SQL as a parameter or as a registered frame, never
through string formatting.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl

WAREHOUSE_DIR = Path(__file__).resolve().parents[2] / "warehouse"
SCHEMA_SQL = WAREHOUSE_DIR / "schema.sql"
COMMENTS_SQL = WAREHOUSE_DIR / "comments.sql"
MARTS_DIR = WAREHOUSE_DIR / "marts"


# DuckDB's own default lets its buffer pool take 80% of the machine's memory (9.9 GB at a million claims
# in benchmarks/scale.py, most of it cached pages of core.claim_embeddings). The pipeline's connections are
# held to CLAIMHOUSE_DUCKDB_MEMORY_LIMIT (default 2GB; at 1GB the marts.timeline build ran out of memory
# at a million claims: "failed to pin block of size 256.0 KiB (953.6 MiB/953.6 MiB used)"; larger joins and
# sorts spill to disk beside the warehouse); "default" leaves DuckDB's own limit.
MEMORY_LIMIT = os.environ.get("CLAIMHOUSE_DUCKDB_MEMORY_LIMIT", "2GB")

# Rows per row group of what the pipeline writes (CLAIMHOUSE_DUCKDB_ROW_GROUP_SIZE). DuckDB appends new rows
# to a table's last row group while it has room, and a checkpoint rewrites that row group whole. With its
# default of 122,880 rows every table of documents (raw.documents holds each page's bytes) is one row group
# until a hundred thousand documents: each run's checkpoint read and rewrote all the pages ever landed,
# 2.2 GB of memory outside DuckDB's limit and 4 s at a million claims. At 2,048 rows a checkpoint rewrites
# at most 2,048 documents' rows, whatever the size of the corpus; files grow by about a tenth to a
# third (core.claims of a million claims: 376 MiB against 263 MiB) and queries take the same time.
ROW_GROUP_SIZE = int(os.environ.get("CLAIMHOUSE_DUCKDB_ROW_GROUP_SIZE", "2048"))
_RESERVED_ALIASES = {"memory", "temp", "system", "main"}
_MEMORY_RE = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.I)


class WarehouseBusy(RuntimeError):
    """Another process holds the DuckDB file for writing and did not let go in time."""


def run_script(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Run every statement of a SQL file (DuckDB executes a multi-statement string in order)."""
    con.execute(path.read_text(encoding="utf-8"))


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    if is_lake_connection(con):
        _init_lake_schema(con)
        return
    run_script(con, SCHEMA_SQL)
    _drop_pair_key(con)
    if COMMENTS_SQL.exists():
        run_script(con, COMMENTS_SQL)


_KEY_COLUMN = re.compile(r"\s+PRIMARY KEY\b", re.I)
_KEY_CLAUSE = re.compile(r",\s*PRIMARY KEY\s*\([^)]*\)", re.I)
_FIXED_ARRAY = re.compile(r"\b(FLOAT|DOUBLE|INTEGER|BIGINT)\[\d+\]", re.I)
_CREATED_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS\s+(\w+)\.(\w+)", re.I)


def lake_ddl(sql: str) -> str:
    """The warehouse's DDL as a DuckLake takes it: no PRIMARY KEY (a DuckLake table has no keys; the
    pipeline's writes never rely on one: they delete, then insert), lists for fixed-size arrays."""
    return _FIXED_ARRAY.sub(r"\1[]", _KEY_COLUMN.sub("", _KEY_CLAUSE.sub("", sql)))


def ddl(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Run DDL written for the DuckDB file on ``con``'s warehouse, whichever storage it is."""
    con.execute(lake_ddl(sql) if is_lake_connection(con) else sql)


def _init_lake_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the warehouse's tables in a DuckLake that lacks one of them, in one transaction. Each statement
    of schema.sql and comments.sql would be a change of the lake's catalog (a snapshot, and a conflict
    with another writer's), so a lake that has every table is left alone; two writers creating the same new
    lake at once: the one that loses finds the tables there."""
    wanted = set(_CREATED_TABLE.findall(SCHEMA_SQL.read_text(encoding="utf-8")))
    have = set(con.execute("select schema_name, table_name from duckdb_tables() "
                           "where database_name = current_database()").fetchall())
    deadline = time.monotonic() + LAKE_CREATE_WAIT_SECONDS
    while not wanted <= have:
        try:
            with transaction(con):
                con.execute(lake_ddl(SCHEMA_SQL.read_text(encoding="utf-8")))
                if COMMENTS_SQL.exists():
                    con.execute(COMMENTS_SQL.read_text(encoding="utf-8"))
            return
        except duckdb.Error:  # another writer created them first (its commit won): look again
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
            have = set(con.execute("select schema_name, table_name from duckdb_tables() "
                                   "where database_name = current_database()").fetchall())


# Seconds a writer retries creating a new lake (its catalog, then its tables) while another writer creates the
# same lake at the same time: the first steps of two batches started together on two hosts.
LAKE_CREATE_WAIT_SECONDS = 60.0


def _drop_pair_key(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse made before core.claim_pairs lost its PRIMARY KEY (see warehouse/schema.sql) gets the
    table in its new form, with the same rows, in one transaction (DuckDB cannot drop a key in place)."""
    keyed = con.execute("""select count(*) from duckdb_constraints() where database_name = current_database()
                           and schema_name = 'core' and table_name = 'claim_pairs'
                           and constraint_type = 'PRIMARY KEY'""").fetchone()[0]
    if not keyed:
        return
    with transaction(con):
        con.execute("ALTER TABLE core.claim_pairs RENAME TO claim_pairs_keyed")
        run_script(con, SCHEMA_SQL)
        con.execute("INSERT INTO core.claim_pairs SELECT claim_a, claim_b, similarity, relation "
                    "FROM core.claim_pairs_keyed")
        con.execute("DROP TABLE core.claim_pairs_keyed")


# Seconds a process waits for another's write lock before it gives up (WarehouseBusy). Steps that share the
# file (SharedConnection) let go of it within a second or so of being asked; a corpus-wide step or a check
# holds it for its whole length (the story step: minutes at a million claims). The per-document steps, the
# only ones that may overlap such a step (another pool: assets/common.py), wait up to SHARED_LOCK_WAIT_SECONDS.
LOCK_WAIT_SECONDS = float(os.environ.get("CLAIMHOUSE_LOCK_WAIT_SECONDS", "120"))
SHARED_LOCK_WAIT_SECONDS = float(os.environ.get("CLAIMHOUSE_SHARED_LOCK_WAIT_SECONDS", "3600"))
# A waiter's signal older than this is stale (its process gave up or died): waiters renew it on every try,
# at most WAIT_RETRY_MAX_SECONDS apart. A try is cheap (the lock is refused at once), and a waiter that
# tried only every few seconds would mostly find the file taken again when two sharing steps hand it back
# and forth; the gap between renewal and staleness also leaves room for clocks of hosts sharing the disk.
WAITING_FRESH_SECONDS = 10.0
WAIT_RETRY_MAX_SECONDS = 1.0


def waiting_flag(path: str | Path) -> Path:
    """The file a process touches while it waits for the warehouse's lock (beside the warehouse)."""
    return Path(f"{path}.waiting")


def _signal_waiting(path: Path) -> None:
    flag = waiting_flag(path)
    try:
        flag.touch()  # creates it, or sets its time to now
    except OSError:  # a read-only folder: the holder just never hears of us
        pass


def others_waiting(path: str | Path) -> bool:
    """Whether another process asked for the warehouse's lock in the last few seconds."""
    try:
        asked = waiting_flag(path).stat().st_mtime
    except OSError:
        return False
    return _disk_now(path) - asked < WAITING_FRESH_SECONDS


def _disk_now(path: str | Path) -> float:
    """Now, by the clock that stamps the warehouse's files. On a disk shared by several hosts (NFS) a file's
    time is the file server's, which may differ from this host's clock by more than the freshness window,
    so the waiter's signal is compared with a file this process has just touched (only when a signal
    exists: no cost otherwise)."""
    clock = Path(f"{path}.clock")
    try:
        clock.touch()
        return clock.stat().st_mtime
    except OSError:  # a read-only folder: this host's clock
        return time.time()


def _open_when_free(path: Path, read_only: bool, wait_seconds: float, opener=None) -> duckdb.DuckDBPyConnection:
    """``_open`` (or ``opener()``), waiting (with back-off, and saying so in ``waiting_flag``) while another
    process holds the write lock."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.2
    waited = False
    while True:
        try:
            con = opener() if opener is not None else _open(path, read_only)
            if waited:  # our turn came: the holder need not let go again for us (another waiter renews its
                with contextlib.suppress(OSError):  # own signal within a second)
                    waiting_flag(path).unlink()
            return con
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                if "lock" in str(exc).lower():
                    raise WarehouseBusy(f"{path} is locked by another process: {exc}") from exc
                raise
            _signal_waiting(path)
            waited = True
            time.sleep(delay)
            delay = min(delay * 2, WAIT_RETRY_MAX_SECONDS)


class SharedConnection:
    """A writer's connection that lets go of the file while its step only waits for worker processes.

    DuckDB lets one process at a time open a file for writing. A per-document step holds the file while its
    workers parse, which is most of its time, so two such steps (two ingest batches on two hosts) would run
    one after the other. Through this connection the step holds the file only to read a batch and to write
    a result: at each wait for a worker (``idle``) it closes the file if another process asked for it
    (``waiting_flag``), and opens it again, waiting its turn, at its next statement. Outside a transaction
    only. Every attribute is the underlying DuckDB connection's; what lives in a connection rather than in
    the file (registered frames, settings, temporary tables) does not survive a release, so the steps that
    use it keep those inside one block of statements."""

    def __init__(self, path: Path, wait_seconds: float, first: duckdb.DuckDBPyConnection):
        self._path, self._wait = path, wait_seconds
        self._con: duckdb.DuckDBPyConnection | None = first
        self._in_transaction = False
        self.releases = 0

    def _connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            con = _open_when_free(self._path, False, self._wait)
            apply_memory_limit(con)
            self._con = con
        return self._con

    def __getattr__(self, name: str):
        return getattr(self._connection(), name)

    def begin(self):
        out = self._connection().begin()
        self._in_transaction = True
        return out

    def commit(self):
        try:
            return self._connection().commit()
        finally:
            self._in_transaction = False

    def rollback(self):
        try:
            return self._connection().rollback()
        finally:
            self._in_transaction = False

    def release_if_wanted(self) -> bool:
        """Close the file when another process waits for it and no transaction is open."""
        if self._con is None or self._in_transaction or not others_waiting(self._path):
            return False
        self._con.close()
        self._con = None
        self.releases += 1
        return True

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


def idle(con) -> None:
    """Called while a step waits for its workers: a SharedConnection lets go of the file if it is wanted."""
    release = getattr(con, "release_if_wanted", None)
    if release is not None:
        release()


# ---------------------------------------------------------------- DuckLake storage
# The warehouse is a DuckDB file, or a DuckLake: ``ducklake:<catalog>`` where the catalog is a DuckDB file
# (one machine, nothing to start) or ``postgres:dbname=… host=…`` (writers in several processes and on
# several hosts at once). The lake's Parquet files go to CLAIMHOUSE_LAKE_DATA (a folder every writer sees, or
# an object store path), by default ``<catalog>.files/`` beside a DuckDB-file catalog. The steps run the same
# SQL on both: only the location differs.
# CLAIMHOUSE_LAKE_METADATA_SCHEMA puts the catalog's tables in that schema of the catalog database (several
# lakes in one PostgreSQL database).
LAKE_PREFIX = "ducklake:"
LAKE_ALIAS = "warehouse"  # what the lake is attached as: current_database() of a lake connection
SIDE_VARIABLE = "claimhouse_side"  # where files beside the warehouse go (story index, report, logs)


def is_lake(location: str | Path) -> bool:
    return str(location).startswith(LAKE_PREFIX)


def shown(location: str | Path) -> str:
    """The warehouse's location as logs and the report show it: a PostgreSQL catalog's password hidden."""
    return re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", str(location))


def postgres_catalog(url: str) -> str:
    """A PostgreSQL URL (``postgresql+psycopg2://user:password@host:port/db``, as DAGSTER_PG_URL) as a DuckLake
    catalog: ``postgres:dbname=db host=host port=port user=user password=password``."""
    from urllib.parse import unquote, urlparse

    u = urlparse(url)
    parts = {"dbname": u.path.lstrip("/"), "host": u.hostname, "port": u.port, "user": u.username,
             "password": unquote(u.password) if u.password else None}

    def value(v) -> str:  # libpq's key=value syntax: quoted when it holds a space, a quote or a backslash
        v = str(v)
        return v if v and not re.search(r"[\s'\\]", v) else "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"

    return "postgres:" + " ".join(f"{k}={value(v)}" for k, v in parts.items() if v)


def lake_locations(location: str) -> tuple[str, str | None]:
    """``ducklake:<catalog>`` -> (catalog, data path or None when the catalog already knows it)."""
    catalog = str(location)[len(LAKE_PREFIX):]
    data = os.environ.get("CLAIMHOUSE_LAKE_DATA", "")
    if not data and not catalog.startswith("postgres:"):
        data = f"{catalog}.files/"
    return catalog, data or None


def side_path(location: str | Path, data_path: str | None = None) -> Path:
    """The path files beside the warehouse are named after (``<x>.claims.usearch``, ``<x>.report/``, logs):
    the DuckDB file itself, or ``claimhouse`` in the lake's data folder (every host's writer sees it). A lake
    whose data folder neither ``data_path`` nor CLAIMHOUSE_LAKE_DATA names (a PostgreSQL catalog) is asked
    for the folder it stores."""
    if not is_lake(location):
        return Path(location)
    if data_path is None:
        data_path = lake_locations(str(location))[1]
    if data_path:
        return _side_in(data_path)
    with connect(str(location), read_only=True) as con:  # the catalog knows its data folder
        return side_path_of(con)


def _side_in(data_path: str) -> Path:
    return Path(data_path) / "claimhouse"


def is_lake_connection(con) -> bool:
    row = con.execute("select type from duckdb_databases() where database_name = current_database()").fetchone()
    return bool(row) and row[0] == "ducklake"


def side_path_of(con) -> Path | None:
    """``side_path`` of the warehouse open as ``con`` (None for an in-memory one)."""
    if is_lake_connection(con):
        return Path(con.execute(f"select getvariable('{SIDE_VARIABLE}')").fetchone()[0])
    row = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
    return Path(row[0]) if row and row[0] else None


class _Lake:
    """This process's one attachment of a lake (DuckDB allows one per process for a DuckDB-file catalog);
    each ``connect`` gets a cursor of it, and the last one out detaches (freeing a file catalog's lock)."""

    def __init__(self, base: duckdb.DuckDBPyConnection, side: Path):
        self.base, self.side, self.users = base, side, 0


_LAKES: dict[str, _Lake] = {}
_LAKES_LOCK = threading.Lock()  # connections opened from several threads of one process share the attachment


def _attach_lake(location: str) -> _Lake:
    from claimhouse.warehouse import lake as lake_module

    catalog, data = lake_locations(location)
    if not catalog.startswith("postgres:"):
        Path(catalog).parent.mkdir(parents=True, exist_ok=True)
    base = duckdb.connect(":memory:")
    try:
        apply_memory_limit(base)
        deadline = time.monotonic() + LAKE_CREATE_WAIT_SECONDS
        while True:
            try:
                lake_module.attach(base, catalog, data, alias=LAKE_ALIAS,
                                   metadata_schema=os.environ.get("CLAIMHOUSE_LAKE_METADATA_SCHEMA") or None)
                break
            except duckdb.Error as exc:  # a new lake that another writer is initialising at the same moment
                if "initialize ducklake" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        # a commit that lost the race to another writer's is retried when the two do not conflict
        base.execute("SET ducklake_max_retry_count = 100")
        base.execute("SET ducklake_retry_wait_ms = 100")
        base.execute("SET ducklake_retry_backoff = 1.5")
        stored = base.execute(f"select value from {LAKE_ALIAS}.options() where option_name = 'data_path'").fetchone()
        data = stored[0] if stored and stored[0] else data
        if not data:
            raise ValueError(f"{shown(location)}: set CLAIMHOUSE_LAKE_DATA to the folder of the lake's data files")
        side = _side_in(data)
        side.parent.mkdir(parents=True, exist_ok=True)
        base.execute("SET temp_directory = '{}'".format(str(side).replace("'", "''") + f".{os.getpid()}.tmp"))
    except BaseException:
        base.close()
        raise
    return _Lake(base, side)


@contextlib.contextmanager
def _connect_lake(location: str, read_only: bool, wait: float) -> Iterator[duckdb.DuckDBPyConnection]:
    with _LAKES_LOCK:
        lake = _LAKES.get(location)
        if lake is None:
            catalog, _ = lake_locations(location)
            if catalog.startswith("postgres:"):  # a PostgreSQL catalog takes every writer at once: no waiting
                lake = _attach_lake(location)
            else:  # a DuckDB-file catalog takes one process at a time, as the warehouse file does
                lake = _open_when_free(Path(catalog), read_only, wait, opener=lambda: _attach_lake(location))
            _LAKES[location] = lake
        lake.users += 1
        cur = lake.base.cursor()
    try:
        cur.execute(f'USE "{LAKE_ALIAS}"')
        cur.execute(f"SET VARIABLE {SIDE_VARIABLE} = ?", [str(lake.side)])
        if not read_only:
            init_schema(cur)
        yield cur
    finally:
        cur.close()
        with _LAKES_LOCK:
            lake.users -= 1
            if lake.users == 0:
                _LAKES.pop(location, None)
                lake.base.close()


@contextlib.contextmanager
def connect(path: str | Path, read_only: bool = False, wait_seconds: float | None = None,
            on_close=None, shared: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse; wait (with back-off) while another process holds the write lock.
    ``shared``: a SharedConnection, which lets go of the file while the step waits for its workers.
    ``on_close(resident MiB, peak MiB)`` is called after the connection closes.
    ``path``: the DuckDB file, or ``ducklake:<catalog>`` (see ``lake_locations``)."""
    if is_lake(path):
        wait = wait_seconds if wait_seconds is not None else (
            SHARED_LOCK_WAIT_SECONDS if shared and not read_only else LOCK_WAIT_SECONDS)
        try:
            with _connect_lake(str(path), read_only, wait) as con:
                yield con
        finally:
            memory = release_free_memory()
            if on_close is not None and memory is not None:
                on_close(*memory)
        return
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    if wait_seconds is not None:
        wait = wait_seconds
    else:
        wait = SHARED_LOCK_WAIT_SECONDS if shared and not read_only else LOCK_WAIT_SECONDS
    con = _open_when_free(path, read_only, wait)
    try:
        apply_memory_limit(con)
        if not read_only:
            init_schema(con)
        if shared and not read_only:
            con = SharedConnection(path, wait, con)
        yield con
    finally:
        con.close()
        memory = release_free_memory()
        if on_close is not None and memory is not None:
            on_close(*memory)


def apply_memory_limit(con: duckdb.DuckDBPyConnection) -> None:
    """Hold ``con``'s database to CLAIMHOUSE_DUCKDB_MEMORY_LIMIT ("default": DuckDB's own, left alone)."""
    if MEMORY_LIMIT and _MEMORY_RE.match(MEMORY_LIMIT):  # a setting, not content: checked, then inlined
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse file. A writer attaches it with ``ROW_GROUP_SIZE`` (an option of
    ATTACH only) under the name ``duckdb.connect`` would give it, the file's stem, and makes it the default."""
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    alias = path.stem if path.stem.lower() not in _RESERVED_ALIASES else "warehouse"
    # spills go beside the warehouse file, as they do for a file opened directly (an in-memory
    # database would spill to ./.tmp in the working directory)
    con = duckdb.connect(":memory:", config={"temp_directory": f"{path}.tmp"})
    try:
        # a path and a name, not content: quoted as SQL string literal and identifier
        con.execute("ATTACH '{}' AS \"{}\" (ROW_GROUP_SIZE {:d})".format(
            str(path).replace("'", "''"), alias.replace('"', '""'), max(2048, ROW_GROUP_SIZE)))
        con.execute('USE "{}"'.format(alias.replace('"', '""')))
    except BaseException:
        con.close()
        raise
    return con


def release_free_memory() -> tuple[int, int] | None:
    """Hand the C heap's free pages back to the system (glibc ``malloc_trim``; elsewhere nothing).

    A step frees its numpy arrays, Arrow buffers and DuckDB's buffer pool when it ends, but glibc keeps
    freed heap pages mapped: in one long process (Dagster's in-process executor) each step would start
    from the previous step's high-water mark, and the run's peak would be the sum of two steps'."""
    global _LIBC
    if _LIBC is None:
        try:
            import ctypes

            _LIBC = ctypes.CDLL("libc.so.6")
            _LIBC.malloc_trim  # noqa: B018 - glibc only
        except (OSError, AttributeError):
            _LIBC = False
    if _LIBC:
        _LIBC.malloc_trim(0)
    try:  # where a run's peak memory comes from: each step's connection closes with a line in the run log
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KiB on Linux
        with open("/proc/self/status", encoding="ascii") as status:
            now = int(status.read().split("VmRSS:")[1].split()[0]) // 1024
        logging.getLogger(__name__).info("memory: %s MiB resident after closing the warehouse, peak so far %s MiB",
                                         f"{now:,}", f"{peak:,}")
        return now, peak
    except (ImportError, OSError, IndexError, ValueError):
        return None


_LIBC = None


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One short write transaction: committed on success, rolled back on any error."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    schema, name = table.split(".")
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position", [schema, name]).fetchall()
    return [r[0] for r in rows]


def append(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    """Insert the rows of ``frame`` (columns by name; missing ones NULL) into ``table``."""
    if frame.is_empty():
        return 0
    cols = [c for c in columns_of(con, table) if c in frame.columns]
    view = "_append_frame"
    con.register(view, frame.select(cols).to_arrow())
    try:
        collist = ", ".join(f'"{c}"' for c in cols)
        con.execute(f"insert into {table} ({collist}) select {collist} from {view}")
    finally:
        con.unregister(view)
    return frame.height


def upsert(con: duckdb.DuckDBPyConnection, table: str, key: str, row: list, *, columns: list[str] | None = None,
           values: str | None = None) -> None:
    """Replace the row of ``table`` whose ``key`` (its first value) is ``row[0]``: a delete, then an insert.
    (Not ``ON CONFLICT`` or ``INSERT OR REPLACE``: a DuckLake warehouse has no keys to conflict on.)
    ``table``, ``key`` and ``columns`` are the code's own names; the values are parameters."""
    con.execute(f"delete from {table} where {key} = ?", [row[0]])
    cols = f" ({', '.join(columns)})" if columns else ""
    con.execute(f"insert into {table}{cols} values ({values or ', '.join('?' * len(row))})", row)


def count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def preview_markdown(con: duckdb.DuckDBPyConnection, sql: str, limit: int = 5, width: int = 80) -> str:
    """A small Markdown table of the first rows of ``sql`` (for asset metadata)."""
    cur = con.execute(f"select * from ({sql}) limit {int(limit)}")
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()

    def cell(v: object) -> str:
        s = "" if v is None else str(v)
        s = s.replace("\n", " ").replace("|", "\\|")
        return s if len(s) <= width else s[: width - 1] + "…"

    out = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    out += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return "\n".join(out)


# ---------------------------------------------------------------- full-text search (DuckDB fts)
def fts_extension_path() -> Path:
    """The DuckDB ``fts`` extension binary shipped by the PyPI package ``duckdb-extension-fts``.

    DuckDB cannot download extensions here; the package (pinned in uv.lock, built for the
    pinned duckdb) holds ``duckdb_extension_fts/extensions/v<duckdb version>/fts.duckdb_extension``.
    Any DuckDB 1.5.5 client can ``LOAD '<this path>'``.
    """
    import importlib.util

    spec = importlib.util.find_spec("duckdb_extension_fts")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the package duckdb-extension-fts is not installed (uv sync)")
    root = Path(next(iter(spec.submodule_search_locations))) / "extensions"
    path = root / f"v{duckdb.__version__}" / "fts.duckdb_extension"
    if not path.is_file():
        found = ", ".join(str(p.relative_to(root)) for p in sorted(root.glob("*/fts.duckdb_extension"))) or "none"
        raise FileNotFoundError(f"no fts extension for duckdb {duckdb.__version__} under {root} (found: {found})")
    return path


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load the ``fts`` extension on ``con`` (needed to build the search indexes and to call
    ``match_bm25``, hence ``marts.search_sentences`` / ``marts.search_claims``). Idempotent."""
    row = con.execute("select loaded from duckdb_extensions() where extension_name = 'fts'").fetchone()
    if row and row[0]:
        return
    # LOAD takes no parameters; the path is ours (the installed package), not user input
    path = str(fts_extension_path()).replace("'", "''")
    con.execute(f"LOAD '{path}'")


# ---------------------------------------------------------------- the published copy
def published_path(path: str | Path) -> Path:
    """Where analysts read: ``claimhouse.duckdb`` -> ``claimhouse.published.duckdb`` beside it."""
    p = Path(path)
    return p.with_name(f"{p.stem}.published{p.suffix or '.duckdb'}")


def spare_path(published: str | Path) -> Path:
    """The previous published version, kept under a hidden name to be brought up to date next time."""
    p = Path(published)
    return p.with_name(f".{p.name}.previous")


# DuckDB's file (storage version 64, DuckDB 1.5): a 4 KiB main header ("DUCK" at byte 8, the storage
# version after it, then flags: encryption among them), two 4 KiB database headers (iteration at +8, block
# size at +40; the one with the higher iteration is in force), then blocks of that size, each beginning with
# the 8-byte checksum of its contents. Only this layout is patched; any other file is copied whole.
_HEADER = 3 * 4096
_KNOWN_STORAGE = {64}
_COPY_RUN = 64 << 20  # bytes copied per call


def _layout(f) -> tuple[int, int] | None:
    """(storage version, block size) of an unencrypted DuckDB file of the known layout, else None."""
    head = os.pread(f.fileno(), _HEADER, 0)
    if len(head) < _HEADER or head[8:12] != b"DUCK":
        return None
    version = int.from_bytes(head[12:20], "little")
    flags = head[20:52]
    headers = [(int.from_bytes(head[o + 8:o + 16], "little"), int.from_bytes(head[o + 40:o + 48], "little"))
               for o in (4096, 8192)]
    block = max(headers)[1]
    if version not in _KNOWN_STORAGE or any(flags) or block < 16384 or block & (block - 1):
        return None
    return version, block


def _block_checksums(f, size: int, block: int) -> "np.ndarray":
    """The first 8 bytes (the checksum) of every whole block: one 8-byte read per block (30,561 reads, 0.07 s,
    for a file of 8 GB). Read through a mapping instead, the kernel maps 64 KiB around each page touched,
    and the process held 700 MiB more for the same file."""
    import numpy as np

    n = max((size - _HEADER) // block, 0)
    fd = f.fileno()
    return np.fromiter((int.from_bytes(os.pread(fd, 8, _HEADER + i * block), "little") for i in range(n)),
                       dtype=np.uint64, count=n)


def _lock_exclusive(fcntl, f) -> None:
    """An exclusive lock on the whole file, or OSError when anyone holds a lock on it. On 64-bit Linux an
    open-file-description lock, which conflicts with DuckDB's read lock even when the reader is this same
    process; elsewhere a POSIX lock (readers in other processes)."""
    import struct
    import sys

    if sys.platform == "linux" and struct.calcsize("P") == 8 and hasattr(fcntl, "F_OFD_SETLK"):
        # struct flock: l_type, l_whence (short), l_start, l_len (off_t), l_pid (0 for these locks), padding
        fcntl.fcntl(f, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))
    else:
        fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _patch(src: Path, spare: Path) -> int | None:
    """Bring ``spare`` (an older copy of ``src``) up to date by writing only the blocks whose checksum
    differs, the headers and the tail. None, and nothing written, when that is not safe: a reader still
    holds ``spare`` open (DuckDB holds a shared lock on a file it reads; an exclusive lock is refused),
    either file is not of the known layout, or the platform has no POSIX locks. Returns the bytes written."""
    try:
        import fcntl
    except ImportError:  # Windows: copied whole
        return None
    import numpy as np

    with open(spare, "r+b") as out, open(src, "rb") as inp:
        try:
            _lock_exclusive(fcntl, out)
        except OSError:
            return None  # a reader still has this version open: leave it alone
        have, want = _layout(out), _layout(inp)
        size, old_size = os.fstat(inp.fileno()).st_size, os.fstat(out.fileno()).st_size
        if have is None or want is None or have != want or (size - _HEADER) % want[1]:
            return None
        block = want[1]
        new_sums = _block_checksums(inp, size, block)
        old_sums = _block_checksums(out, old_size, block)
        common = min(len(new_sums), len(old_sums))
        changed = np.concatenate([np.nonzero(new_sums[:common] != old_sums[:common])[0],
                                  np.arange(common, len(new_sums))])
        # runs of consecutive changed blocks, each copied in one go: (first block, number of blocks)
        starts = changed[np.r_[True, np.diff(changed) != 1]] if len(changed) else changed
        ends = changed[np.r_[np.diff(changed) != 1, True]] if len(changed) else changed
        written = 0
        for offset, length in [(0, _HEADER)] + [(_HEADER + int(a) * block, (int(b) - int(a) + 1) * block)
                                                for a, b in zip(starts, ends)]:  # the headers, always
            done = 0
            while done < length:
                chunk = os.pread(inp.fileno(), min(_COPY_RUN, length - done), offset + done)
                if not chunk:
                    raise OSError(f"{src} ended at {offset + done} while it was being published")
                os.pwrite(out.fileno(), chunk, offset + done)
                done += len(chunk)
            written += length
        out.truncate(size)
        out.flush()
        os.fsync(out.fileno())
    return written


def publish(con: duckdb.DuckDBPyConnection, path: str | Path) -> dict:
    """Publish the warehouse at ``path`` (open as ``con``, the only writer) for analysts; returns
    {"path", "written" (bytes written), "how" ("patched" or "copied")}.

    The pipeline writes to its own file; analysts read a copy. After a checkpoint the file holds every
    committed row, so a byte copy of it is a complete warehouse. The copy is made beside the published
    file, opened once read-only to prove it is whole, and swapped in with one atomic ``os.replace``. A
    reader who holds the old published file open keeps reading the old, complete version (the old inode
    stays alive until it closes); a new connection sees the new one; no reader ever holds a lock the
    pipeline needs.

    The copy costs what changed, not the corpus: the version replaced is kept under a hidden name
    (``spare_path``), and the next publish brings it up to date by writing only the blocks whose checksum
    differs from the working file's (``_patch``: a run that adds a few documents rewrites a few blocks),
    then swaps it in. When a reader still holds that older version open, or the files are not of the
    known layout, the whole file is copied instead, as before. The price is disk: three files, not two.
    """
    src = Path(path)
    dest = published_path(src)
    spare = spare_path(dest)
    con.execute("CHECKPOINT")
    for stale in dest.parent.glob(f".{dest.name}.*.tmp"):  # a publish that was killed
        stale.unlink(missing_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    old = dest.with_name(f".{dest.name}.{os.getpid()}.old.tmp")
    written = None
    if spare.exists():
        try:
            written = _patch(src, spare)
        except OSError as exc:  # a damaged spare: copied whole below
            logging.getLogger(__name__).warning("published copy: patching %s failed (%s); copying whole", spare, exc)
            written = None
    try:
        if written is None:
            shutil.copyfile(src, tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            fresh, written, how = tmp, src.stat().st_size, "copied"
        else:
            fresh, how = spare, "patched"
        check = duckdb.connect(str(fresh), read_only=True)
        try:
            check.execute("select count(*) from duckdb_tables()").fetchone()
        finally:
            check.close()
        if dest.exists():
            os.link(dest, old)  # the version replaced keeps a name: next time's spare
        os.replace(fresh, dest)
        if old.exists():
            os.replace(old, spare)
    finally:
        tmp.unlink(missing_ok=True)
        old.unlink(missing_ok=True)
    return {"path": dest, "written": written, "how": how}


# ---------------------------------------------------------------- digest
# Columns that record *when* a row was processed, not what it holds: two runs over the same input
# differ there and nowhere else. (published_at is data and is kept.)
PROCESSING_TIME_COLUMNS = frozenset({
    "ingested_at", "cleaned_at", "analysed_at", "embedded_at", "seen_at", "first_seen_at", "last_changed_at",
    "checked_through", "built_at", "build_seconds", "clustered_at", "resolved_at",
})


_FTS_CANONICAL = {
    "docs": lambda s: ("name, len, row_hash", f'"{s}".docs'),
    "dict": lambda s: ("term, df", f'"{s}".dict'),
    "terms": lambda s: ("d.name, t.fieldid, w.term",
                        f'"{s}".terms t join "{s}".docs d using (docid) join "{s}".dict w using (termid)'),
}


def digest(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Row count and an order-independent digest of every row of every table, by table.

    Two warehouses built from the same input hold the same rows exactly when their digests are
    equal; the processing-time columns (``PROCESSING_TIME_COLUMNS``) are left out.
    """
    out: dict[str, str] = {}
    tables = con.execute("select schema_name, table_name from duckdb_tables() where not internal "
                         "and database_name = current_database() order by all").fetchall()
    for schema, table in tables:
        cols = [c for (c,) in con.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
            "and database_name = current_database() order by column_index", [schema, table]).fetchall()
            if c not in PROCESSING_TIME_COLUMNS]
        if not cols:
            continue
        quoted = ", ".join(f'"{c}"' for c in cols)
        source = f'"{schema}"."{table}"'
        if schema.startswith("fts_") and table in _FTS_CANONICAL:
            # an fts index numbers its documents and terms in the order its table was scanned, which a table
            # of several row groups does not fix: compare what the index holds, by name and term
            quoted, source = _FTS_CANONICAL[table](schema)
        n, h = con.execute(f"""select count(*), md5(coalesce(string_agg(h, '' order by h), ''))
                               from (select md5(cast(row({quoted}) as varchar)) as h from {source})"""
                           ).fetchone()
        out[f"{schema}.{table}"] = f"{n} rows {h}"
    return out


def table_fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Row count and order-independent sum of the row hashes of ``table`` (processing-time columns left
    out: a row re-written with the same data keeps its fingerprint; a column ``x`` with a column
    ``x_sha256`` beside it is left to that digest); ``absent`` when there is no such table."""
    schema, name = table.split(".")
    cols = [c for (c,) in con.execute(
        "select column_name from duckdb_columns() where database_name = current_database() "
        "and schema_name = ? and table_name = ? order by column_index", [schema, name]).fetchall()]
    if not cols:
        return "absent"
    # a column with a digest beside it (text and text_sha256) is stood for by its digest: reading the
    # document texts of staging.documents from disk takes longer than the rest together
    kept = [c for c in cols if c not in PROCESSING_TIME_COLUMNS and f"{c}_sha256" not in cols]
    quoted = ", ".join('"' + c.replace('"', '""') + '"' for c in kept)
    hashed = f"coalesce(sum(hash({quoted})), 0)" if kept else "0"
    n, h = con.execute(f'select count(*), {hashed} from "{schema}"."{name}"').fetchone()
    return f"{','.join(kept)}:{n}:{h}"
