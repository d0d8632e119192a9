"""Shared fixtures: real pipeline runs (Dagster in-process, real DuckDB file) on copies of the seeds."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


def run_pipeline(seeds_dir: Path, warehouse: Path, workers: int = 0):
    """Materialize the whole asset graph with its checks, as `claimhouse run` does (workers=0: in-process)."""
    import dagster as dg

    from pipelines.definitions import build_definitions

    from pipelines.runs import run_whole_folder

    defs = build_definitions(seeds_dir=str(seeds_dir), warehouse_path=str(warehouse), workers=workers)
    with dg.DagsterInstance.ephemeral() as instance:
        return run_whole_folder(defs, instance, str(seeds_dir),
                                run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}})


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params).fetchall()


@pytest.fixture(scope="session")
def seeds_run(tmp_path_factory):
    """One full run on a copy of seeds/: (seeds_dir, warehouse path, Dagster result)."""
    root = tmp_path_factory.mktemp("seeds_run")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    warehouse = root / "warehouse.duckdb"
    result = run_pipeline(seeds, warehouse)
    return seeds, warehouse, result


def seed_doc_id(warehouse: Path, prefix: str) -> str:
    rows = query(warehouse, "select doc_id from staging.documents where source_path like ?", [f"%/{prefix}%"])
    assert len(rows) == 1, f"expected one document for {prefix}, got {rows}"
    return rows[0][0]


def clean_seed(path: Path) -> str:
    """The clean text the pipeline makes of a seed file (the real detect + clean)."""
    from claimhouse.clean.document import clean
    from claimhouse.ingest.formats import detect

    return clean(detect(path.read_bytes(), str(path)), str(path)).text


def slip_bad_document(warehouse: Path, doc_id: str = "dbad", text: str = "Loading comments... <div>menu</div>",
                      duplicate_of: str | None = None) -> None:
    """Write a staging document as if cleaning had let it through (by default with boilerplate left in it)."""
    import duckdb

    path = f"/x/{doc_id}.html"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("""insert into raw.documents values (?, ?, 'html', ?, 1, now()::timestamp, 'utf-8', ?::blob)""",
                    [doc_id, path, hashlib.sha256(doc_id.encode()).hexdigest(), text])
        con.execute("""insert into staging.documents (doc_id, source_path, source_format, text, text_sha256,
                           word_count, cleaned_at, duplicate_of)
                       values (?, ?, 'html', ?, 'x', 4, now()::timestamp + interval 1 hour, ?)""",
                    [doc_id, path, text, duplicate_of])
        con.execute("insert into raw.files values (?, 1, 1, 'x', ?, now(), now())", [path, doc_id])
        con.execute("insert into raw.file_documents values (?, ?)", [path, doc_id])


EXIT_WATCHDOG_S = 120


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """Leave no worker behind, and never let the process hang on its way out.

    The interpreter joins every process pool's thread at exit. Should a worker process survive its
    pool (the pools kill stragglers, see ``claimhouse.parallel``), that join would wait forever
    after the last test: the suite passed, yet CI would time out. So leftover children are killed
    here, and a watchdog ends the process with pytest's own exit status, after printing every
    thread's stack, if it is still alive ``EXIT_WATCHDOG_S`` seconds from now.
    """
    import faulthandler
    import multiprocessing
    import sys
    import threading
    import time

    for child in multiprocessing.active_children():
        sys.stderr.write(f"conftest: a worker process outlived the tests (pid {child.pid}); killing it\n")
        child.kill()
        child.join(10)

    def watchdog(status: int) -> None:
        time.sleep(EXIT_WATCHDOG_S)
        sys.stderr.write(f"conftest: still running {EXIT_WATCHDOG_S} s after the tests ended; "
                         f"exiting with pytest's status {status}. Threads:\n")
        faulthandler.dump_traceback(all_threads=True)
        sys.stderr.flush()
        os._exit(status)

    threading.Thread(target=watchdog, args=(int(exitstatus),), daemon=True, name="exit-watchdog").start()
