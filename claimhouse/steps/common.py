"""What every step shares: ids, timestamps, step results, quarantine, the per-document time limit.

Dagster-free, like every module of ``claimhouse.steps``."""
from __future__ import annotations

import contextlib
import hashlib
import logging
import signal
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from claimhouse.clean import neardup
from claimhouse.types import RejectedInput
from claimhouse.warehouse.db import count, transaction

log = logging.getLogger(__name__)

def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def doc_id_for(content_sha256: str) -> str:
    """Stable document id: the same input bytes always give the same id."""
    return "d" + content_sha256[:20]


@dataclass
class StepResult:
    step: str
    processed: int = 0  # documents this run looked at
    written: int = 0  # documents this run added
    quarantined: int = 0
    extra: dict = field(default_factory=dict)

    def as_metadata(self) -> dict:
        return {"documents_processed": self.processed, "documents_written": self.written,
                "documents_quarantined": self.quarantined, **self.extra}


def _quarantine_frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"source_path": pl.Utf8, "doc_id": pl.Utf8, "stage": pl.Utf8,
                                      "reason": pl.Utf8, "detail": pl.Utf8, "seen_at": pl.Datetime("us")})


def quarantine(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> int:
    """Record refused documents once: a (path, document, stage) already recorded is kept as it was."""
    if not rows:
        return 0
    frame = _quarantine_frame(rows).unique(subset=["source_path", "doc_id", "stage"], keep="first")
    con.register("_q", frame.to_arrow())
    try:
        before = count(con, "quarantine.documents")
        con.execute("""
            insert into quarantine.documents (source_path, doc_id, stage, reason, detail, seen_at)
            select q.source_path, q.doc_id, q.stage, q.reason, q.detail, q.seen_at from _q q
            where not exists (select 1 from quarantine.documents d
                              where d.source_path = q.source_path and d.stage = q.stage
                                and d.doc_id is not distinct from q.doc_id)""")
        return count(con, "quarantine.documents") - before
    finally:
        con.unregister("_q")



def taken_meanwhile(con: duckdb.DuckDBPyConnection, ids: Sequence[str], written_to: str, source: str) -> set[str]:
    """Of a batch's document ids, those a step must no longer write: already in ``written_to``, or no longer
    in ``source``.

    A per-document step lists its pending documents once, then lets go of the warehouse file while its
    workers run (``SharedConnection``). Meanwhile another batch's step may have written the same document (a
    page found in two ingest batches has one doc_id), or a raw scan may have taken it back. Called inside the
    write transaction, with the file held: one key lookup per id. ``written_to`` and ``source`` are table
    names of the steps' own code, never content."""
    if not ids:
        return set()
    ids = list(ids)
    held = {r[0] for r in con.execute(f"select doc_id from {source} where doc_id in {_id_list(ids)}", ids).fetchall()}
    done = {r[0] for r in con.execute(f"select doc_id from {written_to} where doc_id in {_id_list(ids)}",
                                      ids).fetchall()}
    return done | (set(ids) - held)


def _id_list(ids: Sequence[str]) -> str:
    """``(?, ?, ...)``: one parameter marker per id, for ``doc_id in (...)`` lookups of a batch's rows.

    DuckDB finds a constant IN list through the table's key index. ``in (select unnest(?))`` is a join
    that reads the whole table: at a million claims the clean step's loads read 1.4 GB of page bytes
    into the buffer pool and took 20 s for 1,005 documents, against 184 MB and 1.2 s this way."""
    return "(" + ", ".join("?" * len(ids)) + ")"


_CORE_ROWS = ("core.quantities", "core.entities", "core.claims", "core.sentences", "core.analysed_documents")


def _remove_documents(con: duckdb.DuckDBPyConnection, doc_ids: list[str], from_stage: str) -> None:
    """Delete the rows of ``doc_ids`` from ``from_stage`` ('staging' or 'core') and every layer below it.

    Story links of removed claims are pruned by the next story step. Call inside a transaction.
    """
    for table in _CORE_ROWS:
        con.execute(f"delete from {table} where doc_id in (select unnest(?))", [doc_ids])
    if from_stage == "staging":
        con.execute("delete from staging.documents where doc_id in (select unnest(?))", [doc_ids])
        con.execute("update staging.documents set duplicate_of = null where duplicate_of in (select unnest(?))",
                    [doc_ids])
        neardup.remove_documents(con, doc_ids)


def quarantine_documents(con: duckdb.DuckDBPyConnection, stage: str,
                         failing: dict[str, tuple[str, str]]) -> dict[str, int]:
    """Send documents that failed a row rule to quarantine: one row each (stage, rule as reason,
    what the rule matched as detail), their rows removed from ``stage`` ('staging' or 'core') and
    below, in one transaction. A document quarantined at staging is not cleaned again, one
    quarantined at core keeps its staging row and is not analysed again. Returns counts by reason.
    """
    if not failing:
        return {}
    if stage not in ("staging", "core"):
        raise ValueError(f"row rules quarantine at staging or core, not {stage!r}")
    ids = sorted(failing)
    ts = now()
    with transaction(con):
        paths = dict(con.execute(f"select doc_id, source_path from raw.documents where doc_id in {_id_list(ids)}",
                                 ids).fetchall()) if ids else {}
        quarantine(con, [{"source_path": paths.get(d, ""), "doc_id": d, "stage": stage, "reason": failing[d][0],
                          "detail": failing[d][1], "seen_at": ts} for d in ids])
        _remove_documents(con, ids, stage)
    counts: dict[str, int] = {}
    for reason, _ in failing.values():
        counts[reason] = counts.get(reason, 0) + 1
    return counts



class _Timeout(BaseException):
    pass


@contextlib.contextmanager
def time_limit(seconds: float, what: str):
    """Raise RejectedInput('timeout') when the body runs longer than ``seconds``.

    Uses SIGALRM, so it works in a process's main thread (the worker processes, and the
    step's own process); elsewhere the body runs without a limit.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def on_alarm(signum, frame):
        raise _Timeout  # a BaseException: library code catching Exception cannot swallow it

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Timeout:
        raise RejectedInput("timeout", f"{what} took longer than {seconds:g} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

def _size_chunks(ids: list, sizes: list[int], max_items: int, max_size: int) -> list[list]:
    """Consecutive chunks of ``ids`` with at most ``max_items`` items and (unless one item alone is
    larger) at most ``max_size`` summed size: bounds memory per batch, not only the item count."""
    chunks, cur, total = [], [], 0
    for item, size in zip(ids, sizes):
        if cur and (len(cur) >= max_items or total + size > max_size):
            chunks.append(cur)
            cur, total = [], 0
        cur.append(item)
        total += size
    if cur:
        chunks.append(cur)
    return chunks


def batch_doc_ids(con: duckdb.DuckDBPyConnection, seeds_dir: Path | str, keys: Iterable[str]) -> list[str]:
    """The documents that the files of ingest batches ``keys`` hold now (``claimhouse.ingest.batches``)."""
    from claimhouse.ingest.batches import ROOT_BATCH, source_prefix

    ids: set[str] = set()
    for key in keys:
        prefix = source_prefix(seeds_dir, key)
        sql = "select doc_id from raw.file_documents where starts_with(source_path, ?)"
        params: list = [prefix]
        if key == ROOT_BATCH:  # directly in the folder: nothing below a further separator
            sql += " and strpos(substr(source_path, ?), '/') = 0"
            params.append(len(prefix) + 1)
        ids.update(r[0] for r in con.execute(sql, params).fetchall())
    return sorted(ids)
