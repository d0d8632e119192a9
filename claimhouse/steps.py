"""The pipeline's steps over the warehouse: scan → clean → analyse → marts.

Dagster-free: each step takes an open DuckDB connection, does only the work that
new or changed input needs (cost grows with new documents, not with the corpus),
processes documents in batches (on worker processes when there are many), and
returns counts of what it kept and what it sent to quarantine. The Dagster
assets in ``assets/`` are thin wrappers around these functions.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import math
import os
import re
import signal
import stat
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import polars as pl

from . import neardup, progress
from .parallel import map_batches, maybe_crash
from .types import RejectedInput
from .warehouse import MARTS_DIR, append, count, release_free_memory, run_script, table_fingerprint, transaction

MAX_INPUT_BYTES = 64 * 1024 * 1024  # larger files are quarantined unread (reason too_large)
MAX_TEXT_CHARS = 500_000  # longer clean texts are quarantined (reason too_long): parsing cost explodes
SCAN_BATCH, SCAN_BATCH_BYTES = 500, 256 * 1024 * 1024  # files read per transaction
# documents per worker batch (and per write transaction); CLAIMHOUSE_CLEAN_BATCH / _ANALYSE_BATCH override
CLEAN_BATCH, CLEAN_BATCH_BYTES = int(os.environ.get("CLAIMHOUSE_CLEAN_BATCH") or 64), 32 * 1024 * 1024
ANALYSE_BATCH, ANALYSE_BATCH_CHARS = int(os.environ.get("CLAIMHOUSE_ANALYSE_BATCH") or 16), 1_000_000
log = logging.getLogger(__name__)

# a story component (claims joined by paraphrase-strength pairs) larger than this is not reclustered whole
# when new claims touch it, only around them (update_story_clusters); CLAIMHOUSE_STORY_MAX_COMPONENT overrides
MAX_RECLUSTER = int(os.environ.get("CLAIMHOUSE_STORY_MAX_COMPONENT") or 200_000)
CLEAN_SECONDS = 30.0  # per-document time limit on detection + cleaning (reason timeout)
EARLIEST_DATE = datetime(1900, 1, 1)
ENGLISH = ("en",)
# control characters (but tab and newline), lone surrogates, and invisible format characters that only
# hide or reorder text: bidi embeddings/overrides/isolates and marks, zero-width space, word joiner, BOM
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\u200b\u200e\u200f\u202a-\u202e"
                      "\u2060\u2066-\u2069\ufeff]")


_NAME_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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


# ------------------------------------------------------------------ raw: scan
def list_input_files(seeds_dir: Path) -> list[Path]:
    """Every non-hidden file below ``seeds_dir``, in a stable order.

    Special files (FIFOs, sockets, devices) and symbolic links (to files or folders) are
    listed too: the scan records what it will not read in quarantine, never opening a FIFO
    (reading it would block) and never following a link out of the folder. Links to folders
    are not descended into.
    """
    out = []
    for root, dirs, files in os.walk(seeds_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out.extend(Path(root) / d for d in dirs if os.path.islink(os.path.join(root, d)))
        out.extend(Path(root) / f for f in sorted(files) if not f.startswith("."))
    return out


def printable_path(path: Path | str) -> str:
    """A path as text, with bytes that are not UTF-8 shown as \\xNN escapes."""
    return os.fsencode(str(path)).decode("utf-8", "backslashreplace")


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


# raw-stage reasons that say "not this time": the file is read again on the next scan, and its record
# is removed once it is read
TRANSIENT_RAW_REASONS = ("unreadable", "changed_during_scan", "vanished")


def _stat_frame(paths: Iterable[Path], root: Path) -> tuple[pl.DataFrame, list[dict]]:
    """Size and mtime of each regular file inside ``root`` (by its real path, each once); quarantine
    rows for the paths that are not read: links out of the folder, dangling links, special files,
    paths outside the folder, names that are not UTF-8, files gone since they were listed."""
    real_root = os.path.realpath(root)
    names, sizes, mtimes, inodes, devices, bad, seen = [], [], [], [], [], [], set()

    def refuse(path: str, reason: str, detail: str) -> None:
        bad.append({"source_path": printable_path(path), "doc_id": None, "stage": "raw", "reason": reason,
                    "detail": detail, "seen_at": now()})

    for p in paths:
        listed = os.path.abspath(p)
        try:
            lst = os.lstat(listed)
        except OSError:
            refuse(listed, "vanished", "listed, then gone before it was read; read on the next scan if it is back")
            continue
        name = os.path.realpath(listed)  # no link left in it
        is_link = stat.S_ISLNK(lst.st_mode)
        if not _inside(name, real_root):
            if is_link:
                refuse(listed, "symlink_outside", f"a link to {printable_path(name)}, outside the seeds folder: "
                                                  "not followed")
            else:
                refuse(listed, "outside_seeds", f"not inside the seeds folder {printable_path(real_root)}: not read")
            continue
        try:
            st = os.stat(name)
        except OSError:
            if is_link:
                refuse(listed, "broken_symlink", f"a link to {printable_path(name)}, which does not exist")
            else:
                refuse(listed, "vanished", "listed, then gone before it was read; read on the next scan if it is back")
            continue
        if stat.S_ISDIR(st.st_mode):
            continue  # a link to a folder inside the seeds folder: that folder is listed itself
        if name in seen:
            continue  # a link inside the folder to a file inside it: read once, as that file
        seen.add(name)
        if not stat.S_ISREG(st.st_mode):
            refuse(name, "not_a_file", "not a regular file (FIFO, socket or device): not read")
            continue
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            refuse(name, "bad_path", "the file name is not valid UTF-8: rename the file")
            continue
        if _NAME_CONTROL.search(name):  # a newline in a name forges lines in logs, summaries and CSV exports
            refuse(name, "bad_path", "the file name holds a control character: rename the file")
            continue
        names.append(name)
        sizes.append(st.st_size)
        mtimes.append(st.st_mtime_ns)
        inodes.append(st.st_ino)
        devices.append(st.st_dev)
    frame = pl.DataFrame({"source_path": names, "byte_size": sizes, "mtime_ns": mtimes, "inode": inodes,
                          "device": devices},
                         schema={"source_path": pl.Utf8, "byte_size": pl.Int64, "mtime_ns": pl.Int64,
                                 "inode": pl.UInt64, "device": pl.UInt64})
    return frame, bad


def _open_regular(path: str, listed: tuple[int, int, int, int]):
    """Open ``path`` for reading if it is still the regular file that was listed (``listed``: its size,
    mtime_ns, inode and device then): no link followed, no FIFO or device read. The file object and its stat."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise RejectedInput("vanished", "gone before it was read; read on the next scan if it is back") from None
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        raise RejectedInput("changed_during_scan", "replaced by a symbolic link after it was listed: not "
                                                   "followed; looked at again on the next scan") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev) != listed:
        os.close(fd)
        raise RejectedInput("changed_during_scan", "replaced or changed between listing and reading; "
                                                   "read again on the next scan")
    return os.fdopen(fd, "rb"), st


def _check_unchanged(path: str, f, before: os.stat_result) -> None:
    """Raise RejectedInput('changed_during_scan') when the file was written, truncated or replaced
    while it was read."""
    after = os.fstat(f.fileno())
    try:
        now_at_path = os.stat(path)
    except FileNotFoundError:
        raise RejectedInput("vanished", "removed while it was read; read on the next scan if it is back") from None
    if ((after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns)
            or (now_at_path.st_ino, now_at_path.st_dev) != (before.st_ino, before.st_dev)):
        raise RejectedInput("changed_during_scan", "written or replaced while it was read; read again on the "
                                                   "next scan")


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


def changed_files(con: duckdb.DuckDBPyConnection, paths: Iterable[Path], root: Path
                  ) -> tuple[pl.DataFrame, list[dict]]:
    """The files that are new, or whose size or modification time differs from the last scan."""
    stats, bad = _stat_frame(paths, root)
    con.register("_stat", stats.to_arrow())
    try:
        return con.execute("""
            select s.source_path, s.byte_size, s.mtime_ns, s.inode, s.device from _stat s
            left join raw.files f using (source_path)
            where f.source_path is null or f.byte_size <> s.byte_size or f.mtime_ns <> s.mtime_ns
            order by s.source_path""").pl(), bad
    finally:
        con.unregister("_stat")


RAW_SCHEMA = {"doc_id": pl.Utf8, "source_path": pl.Utf8, "source_format": pl.Utf8, "content_sha256": pl.Utf8,
              "byte_size": pl.Int64, "ingested_at": pl.Datetime("us"), "encoding": pl.Utf8, "content": pl.Binary}


def _container_kind(data: bytes, path: str) -> str | None:
    from .containers import container_kind

    try:
        return container_kind(data, path)
    except Exception:  # not recognisable as a container: read it as one document
        return None


def _iter_container(records, path: str, kind: str):
    """(record path, record bytes, None, HTTP charset) per document of a container, or
    (path, b"", rejection, None).

    ``records``: the items of ``containers.iter_records`` or ``containers.iter_warc``.
    """
    from .containers import RejectedRecord

    try:
        for rec in records:
            if isinstance(rec, RejectedRecord):
                yield rec.source_path, b"", rec, None
            else:
                yield rec.source_path, rec.data, None, rec.http_charset
    except OSError:
        raise  # the file cannot be read: the caller records it as unreadable
    except Exception as exc:  # a reader bug must not stop the run
        yield f"{path}#?", b"", RejectedInput("corrupt_record", f"{kind}: {type(exc).__name__}: {exc}"), None


def _detect_format(data: bytes, path: str, charset: str | None = None
                   ) -> tuple[str, str | None, RejectedInput | None]:
    from .ingest import detect

    try:
        det = detect(data, path, charset)
        return det.source_format, det.encoding, None
    except RejectedInput as exc:
        return "unknown", None, exc
    except Exception as exc:  # a detector bug must not stop the run
        return "unknown", None, RejectedInput("detect_error", f"{type(exc).__name__}: {exc}")


class _HashedFile:
    """A binary file read once, front to back, with the SHA-256 of every byte read so far.

    ``peek`` looks at the start without consuming it; WARC files are then streamed
    through ``read``, so their hash is computed while their records are read.
    """

    def __init__(self, f) -> None:
        self._f = f
        self._head = b""
        self._sha256 = hashlib.sha256()

    def _read_file(self, n: int) -> bytes:
        data = self._f.read(n)
        self._sha256.update(data)
        return data

    def peek(self, n: int) -> bytes:
        if len(self._head) < n:
            self._head += self._read_file(n - len(self._head))
        return self._head[:n]

    def read(self, n: int = -1) -> bytes:
        head, self._head = self._head, b""
        if n is not None and 0 <= n <= len(head):
            self._head = head[n:]
            return head[:n]
        return head + self._read_file(-1 if n is None or n < 0 else n - len(head))

    def hexdigest(self) -> str:
        """The SHA-256 of the whole file (reads what is left of it)."""
        while self._read_file(1024 * 1024):
            pass
        return self._sha256.hexdigest()


def _too_large(size: int) -> RejectedInput:
    return RejectedInput("too_large", f"{size} bytes is over the {MAX_INPUT_BYTES} byte input limit")


def _insert_documents(con: duckdb.DuckDBPyConnection, docs: list[dict]) -> list[str]:
    """Add the documents whose content is not in raw.documents yet; their ids."""
    if not docs:
        return []
    frame = pl.DataFrame(docs, schema=RAW_SCHEMA).unique(subset=["doc_id"], keep="first", maintain_order=True)
    con.register("_docs", frame.to_arrow())
    try:
        return [r[0] for r in con.execute("""insert into raw.documents
            select doc_id, source_path, source_format, content_sha256, byte_size, ingested_at, encoding, content
            from _docs where doc_id not in (select doc_id from raw.documents) returning doc_id""").fetchall()]
    finally:
        con.unregister("_docs")


def scan(con: duckdb.DuckDBPyConnection, seeds_dir: Path, paths: Sequence[str] | None = None) -> StepResult:
    """Land new and changed input files in raw.documents (one row per distinct content).

    A container file (JSON Lines, WARC) gives one document per record, with source_path
    ``file#n``; raw.file_documents records which documents each file holds now.
    """
    from .containers import SNIFF_BYTES, is_warc, iter_records, iter_warc

    seeds_dir = Path(seeds_dir)
    if paths:
        candidates = [Path(p) for p in paths]
    else:
        if not seeds_dir.is_dir():
            raise FileNotFoundError(f"seeds folder {seeds_dir} does not exist")
        candidates = list_input_files(seeds_dir)
    todo, bad_paths = changed_files(con, candidates, seeds_dir)
    result = StepResult("raw", extra={"files_seen": len(candidates), "files_changed": todo.height})
    result.quarantined += quarantine(con, bad_paths)
    rep = progress.reporter()
    rep.start("scan", todo.height)
    rows = list(todo.iter_rows())
    for chunk in _size_chunks(rows, [r[1] for r in rows], SCAN_BATCH, SCAN_BATCH_BYTES):
        files, docs, bad = [], [], []
        ts = now()
        held = []  # (source_path, doc_id): the documents each file holds now
        docs_bytes = 0
        for path, size, mtime, inode, device in chunk:
            first_doc, first_held, first_bad = len(docs), len(held), len(bad)  # this file's rows
            landed: list[str] = []  # documents written while this file was read (a big container)
            try:
                f, opened = _open_regular(path, (size, mtime, inode, device))
                with f:
                    hf = _HashedFile(f)
                    if is_warc(hf.peek(SNIFF_BYTES)):
                        # streamed record by record: a WARC file may have any size
                        kind, members = "warc", _iter_container(iter_warc(hf, path), path, "warc")
                    elif size > MAX_INPUT_BYTES:
                        raise _too_large(size)
                    else:
                        data = hf.read(size + 1)  # more than listed: it is being written (caught below)
                        kind = _container_kind(data, path)
                        members = (_iter_container(iter_records(data, path), path, kind) if kind
                                   else [(path, data, None, None)])
                    for member_path, member, rejected, charset in members:
                        if rejected is not None:
                            bad.append({"source_path": member_path, "doc_id": None, "stage": "raw",
                                        "reason": rejected.reason, "detail": rejected.detail, "seen_at": ts})
                            continue
                        mdigest = sha256(member)
                        doc_id = doc_id_for(mdigest)
                        fmt, encoding, err = _detect_format(member, member_path, charset)
                        if err is not None:
                            bad.append({"source_path": member_path, "doc_id": doc_id, "stage": "raw",
                                        "reason": err.reason, "detail": err.detail, "seen_at": ts})
                        held.append((path, doc_id))
                        docs.append({"doc_id": doc_id, "source_path": member_path,
                                     "source_format": kind if kind and err is None else fmt,
                                     "content_sha256": mdigest, "byte_size": len(member), "ingested_at": ts,
                                     "encoding": encoding, "content": member})
                        docs_bytes += len(member)
                        if docs_bytes > SCAN_BATCH_BYTES:
                            # a big container: land its documents as they come (raw.files and
                            # raw.file_documents follow with the batch; a re-run skips what is there)
                            with transaction(con):
                                new = _insert_documents(con, docs)
                            landed += new
                            result.written += len(new)
                            docs, docs_bytes, first_doc = [], 0, 0
                    digest = hf.hexdigest()
                    _check_unchanged(path, f, opened)
            except (OSError, RejectedInput) as exc:
                # unread (too large, vanished, no permission, read error): recorded, but the file keeps
                # its last good version and is looked at again on the next scan
                if isinstance(exc, OSError):
                    exc = RejectedInput("unreadable", f"{type(exc).__name__}: {exc}")
                del docs[first_doc:], held[first_held:], bad[first_bad:]
                if landed:  # take back the documents landed early that no earlier file of this batch holds
                    earlier = {d for _, d in held}
                    with transaction(con):
                        result.written -= len(con.execute(
                            """delete from raw.documents where doc_id in (select unnest(?))
                                 and doc_id not in (select doc_id from raw.file_documents) returning doc_id""",
                            [[d for d in landed if d not in earlier]]).fetchall())
                bad.append({"source_path": path, "doc_id": None, "stage": "raw", "reason": exc.reason,
                            "detail": exc.detail, "seen_at": ts})
                continue
            files.append({"source_path": path, "byte_size": size, "mtime_ns": mtime, "content_sha256": digest,
                          "doc_id": doc_id_for(digest), "first_seen_at": ts, "last_changed_at": ts})
        with transaction(con):
            before = count(con, "raw.documents")
            if files:
                _insert_documents(con, docs)
                con.register("_files", pl.DataFrame(files).to_arrow())
                con.execute("""insert into raw.files select * from _files
                    on conflict (source_path) do update set
                        byte_size = excluded.byte_size, mtime_ns = excluded.mtime_ns,
                        last_changed_at = case when raw.files.content_sha256 <> excluded.content_sha256
                                               then excluded.last_changed_at else raw.files.last_changed_at end,
                        content_sha256 = excluded.content_sha256, doc_id = excluded.doc_id""")
                con.unregister("_files")
                read_paths = [f["source_path"] for f in files]
                con.execute("delete from raw.file_documents where source_path in (select unnest(?))", [read_paths])
                con.execute("""delete from quarantine.documents  -- read this time: the earlier miss is over
                               where stage = 'raw' and doc_id is null and reason in (select unnest(?))
                                 and source_path in (select unnest(?))""", [list(TRANSIENT_RAW_REASONS), read_paths])
                if held:
                    con.register("_held", pl.DataFrame(held, schema=["source_path", "doc_id"], orient="row")
                                 .unique().to_arrow())
                    con.execute("insert into raw.file_documents select source_path, doc_id from _held")
                    con.unregister("_held")
            result.quarantined += quarantine(con, bad)
            result.written += count(con, "raw.documents") - before
        result.processed += len(chunk)
        rep.advance("scan", len(chunk))
    rep.finish("scan")
    result.extra["documents_retracted"] = retract_superseded(con)
    return result


def retract_superseded(con: duckdb.DuckDBPyConnection) -> int:
    """Remove downstream rows of documents whose file now holds other content.

    raw.documents keeps every version ever seen; staging and core hold only the
    documents some input file currently contains.
    """
    stale = [r[0] for r in con.execute("""
        select doc_id from staging.documents
        where doc_id not in (select doc_id from raw.file_documents)""").fetchall()]
    if not stale:
        return 0
    with transaction(con):
        _remove_documents(con, stale, "staging")
    return len(stale)


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


# ---------------------------------------------------------------- staging: clean
def _safe_str(value: str | None) -> str | None:
    """Text that DuckDB can store and nothing can hide in: lone surrogates, control characters (but
    tab/newline), bidi controls and zero-width spaces removed (zero-width (non-)joiners stay: scripts need them)."""
    if value is None:
        return None
    return _CONTROL.sub("", value)


def _plausible_date(value: datetime | None) -> datetime | None:
    """A publication date, or None when it cannot be one (before 1900, or more than 2 days ahead)."""
    if value is None:
        return None
    value = value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    if value < EARLIEST_DATE or value > now() + timedelta(days=2):
        return None
    return value


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


def _clean_batch(batch: list[tuple[str, str, bytes, str | None]]) -> list[dict]:
    """Worker: detect + clean each (doc_id, source_path, content); never raises for one bad document."""
    from .clean import clean
    from .ingest import detect

    out = []
    for doc_id, path, data, encoding in batch:
        maybe_crash("staging", data)
        try:
            with time_limit(CLEAN_SECONDS, "cleaning"):
                det = detect(data, path, encoding)  # the charset scan decoded it with (e.g. a WARC's HTTP header)
                doc = clean(det, path)
            text = _safe_str(doc.text).strip()
            if not text:
                raise RejectedInput("no_text", "nothing was left after cleaning")
            if len(text) > MAX_TEXT_CHARS:
                raise RejectedInput("too_long", f"clean text has {len(text):,} characters; the limit is "
                                                f"{MAX_TEXT_CHARS:,}")
            out.append({"ok": True, "doc_id": doc_id, "source_path": path, "source_format": det.source_format,
                        "url": _safe_str(doc.url), "outlet": _safe_str(doc.outlet),
                        "original_outlet": _safe_str(doc.original_outlet), "site_name": _safe_str(doc.site_name),
                        "title": _safe_str(doc.title), "author": _safe_str(doc.author),
                        "published_at": _plausible_date(doc.published_at), "language": _safe_str(doc.language),
                        "text": text, "text_sha256": sha256(text.encode("utf-8")), "word_count": len(text.split())})
        except RejectedInput as exc:
            out.append({"ok": False, "doc_id": doc_id, "source_path": path, "reason": exc.reason, "detail": exc.detail})
        except Exception as exc:  # a cleaner bug on one page must not stop the run
            out.append({"ok": False, "doc_id": doc_id, "source_path": path, "reason": "clean_error",
                        "detail": f"{type(exc).__name__}: {exc}"})
    return out


STAGING_SCHEMA = {
    "doc_id": pl.Utf8, "source_path": pl.Utf8, "source_format": pl.Utf8, "url": pl.Utf8, "outlet": pl.Utf8,
    "original_outlet": pl.Utf8, "site_name": pl.Utf8, "title": pl.Utf8, "author": pl.Utf8,
    "published_at": pl.Datetime("us"), "language": pl.Utf8, "text": pl.Utf8, "text_sha256": pl.Utf8,
    "word_count": pl.Int32, "cleaned_at": pl.Datetime("us"),
}


def clean_pending(con: duckdb.DuckDBPyConnection, workers: int = 1) -> StepResult:
    """Clean every current raw document that is neither cleaned nor quarantined yet."""
    pending_rows = con.execute("""
        select r.doc_id, r.byte_size from raw.documents r
        where r.doc_id in (select doc_id from raw.file_documents)
          and r.doc_id not in (select doc_id from staging.documents)
          and r.doc_id not in (select doc_id from quarantine.documents
                               where doc_id is not null and stage in ('raw', 'staging'))
        order by r.ingested_at, r.doc_id""").fetchall()
    result = StepResult("staging")
    rep = progress.reporter()
    rep.start("clean", len(pending_rows))
    id_batches = _size_chunks([r[0] for r in pending_rows], [r[1] for r in pending_rows], CLEAN_BATCH,
                              CLEAN_BATCH_BYTES)

    def load(ids: list[str]) -> list[tuple[str, str, bytes, str | None]]:
        return con.execute("select doc_id, source_path, content, encoding from raw.documents "
                           f"where doc_id in {_id_list(ids)} order by ingested_at, doc_id", ids).fetchall()

    new_ids: list[str] = []
    def crashed(item: tuple, how: str) -> dict:
        return {"ok": False, "doc_id": item[0], "source_path": item[1], "reason": "worker_crashed",
                "detail": f"the worker process {how} while cleaning this document (out of memory, or a crash "
                          "in a C library); the rest of its batch was cleaned without it"}

    for rows in map_batches(_clean_batch, (load(ids) for ids in id_batches), workers, len(id_batches),
                            on_crash=crashed):
        ts = now()
        good = [{k: v for k, v in r.items() if k != "ok"} | {"cleaned_at": ts} for r in rows if r["ok"]]
        bad = [{"source_path": r["source_path"], "doc_id": r["doc_id"], "stage": "staging", "reason": r["reason"],
                "detail": r["detail"], "seen_at": ts} for r in rows if not r["ok"]]
        with transaction(con):
            result.written += append(con, "staging.documents", pl.DataFrame(good, schema=STAGING_SCHEMA))
            neardup.add_documents(con, [(g["doc_id"], g["text"]) for g in good])
            result.quarantined += quarantine(con, bad)
        new_ids.extend(g["doc_id"] for g in good)
        result.processed += len(rows)
        rep.advance("clean", len(rows))
    rep.finish("clean")
    result.extra["duplicates_marked"] = mark_duplicates(con, new_ids)
    return result


def mark_duplicates(con: duckdb.DuckDBPyConnection, new_ids: Sequence[str] = ()) -> int:
    """Point exact copies and near-duplicates (MinHash, estimated Jaccard >= 0.8) at the earliest copy.

    Exact copies are found by text hash; near-duplicates by LSH candidates of the new
    documents, verified on their signatures. Only rows whose target changes are updated.
    """
    before = con.execute("select count(*) from staging.documents where duplicate_of is not null").fetchone()[0]
    with transaction(con):
        con.execute("""
            update staging.documents d set duplicate_of = g.first_doc
            from (
                select s.text_sha256, arg_min(s.doc_id, (r.ingested_at, s.doc_id)) as first_doc
                from staging.documents s join raw.documents r using (doc_id)
                group by s.text_sha256 having count(*) > 1
            ) g
            where d.text_sha256 = g.text_sha256 and d.doc_id <> g.first_doc
              and d.duplicate_of is distinct from g.first_doc""")
        pairs = neardup.find_near_duplicates(con, list(new_ids)) if new_ids else []
        if pairs:
            con.register("_near", pl.DataFrame([(d, f) for d, f, _ in pairs], schema=["doc_id", "first_doc"],
                                               orient="row").to_arrow())
            con.execute("""
                update staging.documents d set duplicate_of = n.first_doc
                from _near n
                where d.doc_id = n.doc_id and n.first_doc <> d.doc_id
                  and d.duplicate_of is distinct from n.first_doc""")
            con.unregister("_near")
    return con.execute("select count(*) from staging.documents where duplicate_of is not null").fetchone()[0] - before


# ---------------------------------------------------------------- core: analyse
_CORE_TABLES = ("sentences", "claims", "quantities", "entities")


def _worker_init() -> None:
    from .nlp import load_nlp
    load_nlp()


def _parse_batch(nlp, texts: list[str]) -> list:
    """spaCy docs for ``texts``; an exception stands in for a document that could not be parsed."""
    try:
        return list(nlp.pipe(texts, batch_size=max(1, len(texts))))
    except Exception:  # find the culprit: parse one by one
        out = []
        for text in texts:
            try:
                out.append(nlp(text))
            except Exception as exc:
                out.append(exc)
        return out


def _analyse_batch(batch: list[tuple[str, str]]) -> list[dict]:
    """Worker: parse and analyse each (doc_id, text); rows for the four core tables per document."""
    from .nlp import analyze, load_nlp

    for _, text in batch:
        maybe_crash("core", text)
    docs = _parse_batch(load_nlp(), [t for _, t in batch])
    out = []
    for (doc_id, _), doc in zip(batch, docs):
        try:
            if isinstance(doc, Exception):
                raise doc
            out.append(_analysis_rows(doc_id, analyze(doc)))
        except Exception as exc:  # a bug on one document must not stop the run
            out.append({"ok": False, "doc_id": doc_id, "reason": "analysis_error",
                        "detail": f"{type(exc).__name__}: {exc}"})
    return out


def _analysis_rows(doc_id: str, a) -> dict:
    sid = [f"{doc_id}:s{s.sentence_index:05d}" for s in a.sentences]
    cid = [f"{doc_id}:c{i:05d}" for i in range(len(a.claims))]
    quantities = [q for q in a.quantities if q.value is not None and math.isfinite(q.value)]
    return {
        "ok": True, "doc_id": doc_id,
        "sentences": [{"sentence_id": sid[i], "doc_id": doc_id, "paragraph_index": s.paragraph_index,
                       "sentence_index": s.sentence_index, "start_char": s.start_char, "end_char": s.end_char,
                       "text": s.text} for i, s in enumerate(a.sentences)],
        "claims": [{"claim_id": cid[i], "doc_id": doc_id, "sentence_id": sid[c.sentence_index],
                    "claim_type": c.claim_type, "source_text": c.source_text,
                    "source_canonical": c.source_canonical, "source_kind": c.source_kind,
                    "source_role": c.source_role, "cue_text": c.cue_text, "content_text": c.content_text,
                    "content_start": c.content_start, "content_end": c.content_end,
                    "is_direct_quote": bool(c.is_direct_quote), "is_hedged": bool(c.is_hedged),
                    "is_negated": bool(c.is_negated), "model": c.model,
                    "confidence": c.confidence} for i, c in enumerate(a.claims)],
        "quantities": [{"quantity_id": f"{doc_id}:q{i:05d}", "doc_id": doc_id,
                        "sentence_id": sid[q.sentence_index],
                        "claim_id": cid[q.claim_index] if q.claim_index is not None else None,
                        "surface": q.surface, "value": float(q.value), "value_max": q.value_max, "unit": q.unit,
                        "normalized_unit": q.normalized_unit, "change": q.change or "=", "subject": q.subject,
                        "start_char": q.start_char, "end_char": q.end_char} for i, q in enumerate(quantities)],
        "entities": [{"mention_id": f"{doc_id}:e{i:05d}", "doc_id": doc_id, "sentence_id": sid[e.sentence_index],
                      "text": e.text, "label": e.label, "canonical": e.canonical, "start_char": e.start_char,
                      "end_char": e.end_char} for i, e in enumerate(a.entities)],
    }


CORE_SCHEMAS = {
    "sentences": {"sentence_id": pl.Utf8, "doc_id": pl.Utf8, "paragraph_index": pl.Int32, "sentence_index": pl.Int32,
                  "start_char": pl.Int32, "end_char": pl.Int32, "text": pl.Utf8},
    "claims": {"claim_id": pl.Utf8, "doc_id": pl.Utf8, "sentence_id": pl.Utf8, "claim_type": pl.Utf8,
               "source_text": pl.Utf8, "source_canonical": pl.Utf8, "source_kind": pl.Utf8, "source_role": pl.Utf8,
               "cue_text": pl.Utf8, "content_text": pl.Utf8, "content_start": pl.Int32, "content_end": pl.Int32,
               "is_direct_quote": pl.Boolean, "is_hedged": pl.Boolean, "is_negated": pl.Boolean,
               "model": pl.Utf8, "confidence": pl.Float64},
    "quantities": {"quantity_id": pl.Utf8, "doc_id": pl.Utf8, "sentence_id": pl.Utf8, "claim_id": pl.Utf8,
                   "surface": pl.Utf8, "value": pl.Float64, "value_max": pl.Float64, "unit": pl.Utf8, "normalized_unit": pl.Utf8,
                   "change": pl.Utf8, "subject": pl.Utf8, "start_char": pl.Int32, "end_char": pl.Int32},
    "entities": {"mention_id": pl.Utf8, "doc_id": pl.Utf8, "sentence_id": pl.Utf8, "text": pl.Utf8,
                 "label": pl.Utf8, "canonical": pl.Utf8, "start_char": pl.Int32, "end_char": pl.Int32},
}


def analyse_pending(con: duckdb.DuckDBPyConnection, workers: int = 1) -> StepResult:
    """Sentences, claims, quantities and entities for every cleaned document not analysed yet.

    English-only steps run on English (or undetermined) text; a document in another
    language is recorded in quarantine with reason ``unsupported_language``.
    """
    pending = con.execute("""
        select doc_id, language, length(text) from staging.documents
        where doc_id not in (select doc_id from core.analysed_documents)
          and doc_id not in (select doc_id from quarantine.documents where doc_id is not null and stage = 'core')
        order by doc_id""").fetchall()
    result = StepResult("core", extra={f"{t}_written": 0 for t in _CORE_TABLES})
    ts = now()
    foreign = [d for d, lang, _ in pending if lang and lang not in ENGLISH]
    if foreign:
        rows = con.execute("select doc_id, source_path, language from staging.documents "
                           f"where doc_id in {_id_list(foreign)}", foreign).fetchall()
        result.quarantined += quarantine(con, [
            {"source_path": p, "doc_id": d, "stage": "core", "reason": "unsupported_language",
             "detail": f"language '{lang}': claims, quantities and entities are extracted from English only",
             "seen_at": ts} for d, p, lang in rows])
    todo = [(d, n) for d, lang, n in pending if not lang or lang in ENGLISH]
    rep = progress.reporter()
    rep.start("analyse", len(todo))
    id_batches = _size_chunks([d for d, _ in todo], [n for _, n in todo], ANALYSE_BATCH, ANALYSE_BATCH_CHARS)

    def load(batch_ids: list[str]) -> list[tuple[str, str]]:
        return con.execute(f"select doc_id, text from staging.documents where doc_id in {_id_list(batch_ids)} "
                           "order by doc_id", batch_ids).fetchall()

    def crashed(item: tuple, how: str) -> dict:
        return {"ok": False, "doc_id": item[0], "reason": "worker_crashed",
                "detail": f"the worker process {how} while analysing this document (out of memory, or a crash "
                          "in a C library); the rest of its batch was analysed without it"}

    for docs in map_batches(_analyse_batch, (load(b) for b in id_batches), workers, len(id_batches),
                            initializer=_worker_init, on_crash=crashed):
        ts = now()
        good = [d for d in docs if d["ok"]]
        frames = {t: pl.DataFrame([row for d in good for row in d[t]], schema=CORE_SCHEMAS[t])
                  for t in _CORE_TABLES}
        done = pl.DataFrame(
            [{"doc_id": d["doc_id"], "analysed_at": ts, **{t: len(d[t]) for t in _CORE_TABLES}} for d in good],
            schema={"doc_id": pl.Utf8, "analysed_at": pl.Datetime("us"), "sentences": pl.Int32,
                    "claims": pl.Int32, "quantities": pl.Int32, "entities": pl.Int32})
        bad = [{"source_path": None, "doc_id": d["doc_id"], "stage": "core", "reason": d["reason"],
                "detail": d["detail"], "seen_at": ts} for d in docs if not d["ok"]]
        with transaction(con):
            for t in _CORE_TABLES:
                result.extra[f"{t}_written"] += append(con, f"core.{t}", frames[t])
            append(con, "core.analysed_documents", done)
            if bad:
                paths = dict(con.execute("select doc_id, source_path from staging.documents where doc_id in "
                                         "(select unnest(?))", [[b["doc_id"] for b in bad]]).fetchall())
                for b in bad:
                    b["source_path"] = paths.get(b["doc_id"], "")
                result.quarantined += quarantine(con, bad)
        result.processed += len(docs)
        result.written += len(good)
        rep.advance("analyse", len(docs))
    rep.finish("analyse")
    if result.written or not count(con, "core.entity_names"):
        result.extra["entity_names_changed"] = resolve_entity_names(con)
    return result


_NAME_POOL = """
    select canonical, label, count(*) from core.entities group by all
    union all
    select source_canonical,
           case when source_kind in ('person', 'pronoun') then 'PERSON' else 'ORG' end, count(*)
    from core.claims
    where source_canonical is not null and source_kind in ('person', 'pronoun', 'organization', 'publication')
    group by all
    order by all"""  # resolve_names breaks ties by order: a table of many row groups is scanned in parallel


def resolve_entity_names(con: duckdb.DuckDBPyConnection) -> int:
    """One canonical name per entity across the corpus (``entities.resolve_names``).

    Rebuilds ``core.entity_names`` from the distinct names of ``core.entities`` and the
    speakers of ``core.claims`` and rewrites ``core.entities.canonical`` and
    ``core.claims.source_canonical`` where the corpus-wide name differs (a one-word ORG
    that joins a person becomes PERSON). Idempotent: the canonical names map to
    themselves. Returns the number of rows changed.
    """
    from .entities import CONFUSABLE, resolve_names

    pool = con.execute(_NAME_POOL).fetchall()
    mapping = resolve_names(pool)
    mentions: dict[str, int] = {}
    for name, _, n in pool:
        mentions[name] = mentions.get(name, 0) + n
    frame = pl.DataFrame([(k, c, lab, mentions.get(k, 0)) for k, (c, lab) in mapping.items()],
                         schema={"name": pl.Utf8, "canonical": pl.Utf8, "label": pl.Utf8, "mentions": pl.Int64},
                         orient="row")
    with transaction(con):
        con.execute("delete from core.entity_names")
        append(con, "core.entity_names", frame)
        changed = con.execute("""
            update core.entities e
            set canonical = n.canonical,
                label = case when n.label = 'PERSON' and e.label in (select unnest(?)) then 'PERSON' else e.label end
            from core.entity_names n
            where n.name = e.canonical
              and (e.canonical <> n.canonical or (n.label = 'PERSON' and e.label <> 'PERSON'
                                                   and e.label in (select unnest(?))))""",
            [sorted(CONFUSABLE), sorted(CONFUSABLE)]).fetchone()[0]
        changed += con.execute("""
            update core.claims c set source_canonical = n.canonical
            from core.entity_names n
            where n.name = c.source_canonical and c.source_canonical <> n.canonical""").fetchone()[0]
    return changed


# ---------------------------------------------------------------- core: story links
STORY_BATCH = 4096  # claims embedded and compared per transaction
STORED_CHUNK = 50_000  # stored embeddings read at a time
# DuckDB's memory limit while the story step embeds and compares (its queries there are key lookups and
# appends): the claim index is in memory then, and at a million stored claims DuckDB's cached blocks
# (567 MiB at the step's peak under the 2GB limit) made the run's peak 2,191 MiB
STORY_LOOP_MEMORY_LIMIT = "320MB"


@contextlib.contextmanager
def _memory_limit(con: duckdb.DuckDBPyConnection, limit: str):
    """DuckDB's memory limit lowered to ``limit`` (a constant of this module, not content) for the block,
    then put back; DuckDB evicts cached blocks to fit (the table's blocks are on disk, so nothing is lost).
    DuckDB shows a limit rounded ('2GB' reads '1.8 GiB'), so the limit the warehouse set on connecting is put
    back as configured when it is the one that was in force, and the shown value otherwise."""
    from .warehouse import apply_memory_limit

    def shown() -> str:
        return con.execute("select current_setting('memory_limit')").fetchone()[0]

    before = shown()
    con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        apply_memory_limit(con)
        if shown() != before:
            con.execute(f"SET memory_limit = '{before}'")


def _stored_embeddings(con: duckdb.DuckDBPyConnection):
    """Chunks of (claim ids, doc ids, matrix) of every stored claim embedding: the exact comparison below
    ann.MIN_STORED stored claims, and the reference tests/test_ann.py compares the index's pairs with."""
    last = ""
    while True:
        table = con.execute("""
            select claim_id, doc_id, embedding from core.claim_embeddings
            where claim_id > ? order by claim_id limit ?""", [last, STORED_CHUNK]).to_arrow_table()
        if table.num_rows == 0:
            return
        chunk = _embedding_chunk(table)
        yield chunk
        last = chunk[0][-1]


def _embedding_chunk(table) -> tuple:
    """(claim ids, doc ids, float32 matrix) of an Arrow table of claim_id, doc_id, embedding."""
    import numpy as np

    from .stories import DIM

    vecs = table.column("embedding").combine_chunks().flatten().to_numpy().reshape(-1, DIM)
    return (table.column("claim_id").to_pylist(), table.column("doc_id").to_pylist(),
            np.ascontiguousarray(vecs, dtype=np.float32))


PROPOSAL_CHUNK = 32_768  # proposals scored at a time: their stored vectors are read for this many at most


def _proposed(con: duckdb.DuckDBPyConnection, index, rows, keys):
    """Chunks of (rows, claim ids, doc ids, float32 vectors, vector of each entry) of the stored claims
    behind the index's proposals (``ClaimIndex.candidate_pairs``), one entry per proposal; a key the table
    no longer has is dropped. The vectors come from the store beside the index (read by position), at most
    PROPOSAL_CHUNK proposals' worth at a time, and the ids from the table's narrow columns: reading the
    embedding column for proposals spread over the whole corpus would scan all of it."""
    import numpy as np

    if not len(keys):
        return
    table = con.execute("""select ann_key, claim_id, doc_id from core.claim_embeddings
                           where ann_key in (select unnest(?::ubigint[]))""", [np.unique(keys).tolist()]
                        ).to_arrow_table()
    if not table.num_rows:
        return
    table_keys = table.column("ann_key").to_numpy().astype(np.uint64)
    ids = np.asarray(table.column("claim_id").to_pylist(), dtype=object)
    docs = np.asarray(table.column("doc_id").to_pylist(), dtype=object)
    order = np.argsort(table_keys)
    stored_keys = table_keys[order]
    at = np.clip(np.searchsorted(stored_keys, keys), 0, len(stored_keys) - 1)
    found = stored_keys[at] == keys
    rows, pick = np.asarray(rows)[found], order[at[found]]
    for start in range(0, len(rows), PROPOSAL_CHUNK):
        part = pick[start:start + PROPOSAL_CHUNK]
        wanted, where = np.unique(part, return_inverse=True)
        has_vector, vectors = index.stored_vectors(table_keys[wanted])
        chunk_rows = rows[start:start + PROPOSAL_CHUNK]
        if not has_vector.all():  # a key the store lacks (never, after sync): its proposals are dropped
            ok = has_vector[where]
            chunk_rows, part, where = chunk_rows[ok], part[ok], (np.cumsum(has_vector) - 1)[where[ok]]
        yield chunk_rows, ids[part], docs[part], vectors, where


def _database_path(con: duckdb.DuckDBPyConnection) -> Path | None:
    row = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
    return Path(row[0]) if row and row[0] else None


def link_stories(con: duckdb.DuckDBPyConnection, workers: int = 1, embedder=None) -> StepResult:
    """Embed each new claim once, keep its similar pairs across documents, update the story clusters.

    Each new claim is embedded once (on the worker processes). Its candidate neighbours come from the
    HNSW index beside the warehouse (claimhouse/ann.py), and their exact cosine similarity from the
    stored vectors; the clusters are updated where new or removed claims touch them. Batches hold whole
    documents, and a document with a claim that cannot be embedded goes to quarantine whole (stage 'stories').
    """
    from . import ann

    result = StepResult("stories", extra={"pairs_written": 0, "clusters": 0, "pruned": 0})
    # claims whose story clusters a removed claim was part of: they are recomputed below
    touched: set[str] = {r[0] for r in con.execute("""
        with gone as (select claim_id from core.story_clusters where claim_id not in (select claim_id from core.claims)
                      union select claim_a from core.claim_pairs where claim_a not in (select claim_id from core.claims)
                      union select claim_b from core.claim_pairs where claim_b not in (select claim_id from core.claims))
        select claim_id from core.story_clusters
        where cluster_id in (select cluster_id from core.story_clusters where claim_id in (select claim_id from gone))
        union select claim_b from core.claim_pairs where claim_a in (select claim_id from gone)
        union select claim_a from core.claim_pairs where claim_b in (select claim_id from gone)
        union select claim_id from meta.story_pending""").fetchall()}
    with transaction(con):  # claims of retracted documents leave their embeddings and pairs behind
        result.extra["pruned"] = con.execute(
            "delete from core.claim_embeddings where claim_id not in (select claim_id from core.claims)"
        ).fetchone()[0]
        con.execute("""delete from core.claim_pairs where claim_a not in (select claim_id from core.claims)
                       or claim_b not in (select claim_id from core.claims)""")
    db_path = _database_path(con)
    pending = con.execute("""
        select c.claim_id, c.doc_id, c.content_text from core.claims c
        where c.claim_id not in (select claim_id from core.claim_embeddings)
          and c.doc_id not in (select doc_id from quarantine.documents where doc_id is not null and stage = 'stories')
        order by c.doc_id, c.claim_id""").fetchall()
    stored = count(con, "core.claim_embeddings")
    # below ann.MIN_STORED stored claims one exact pass over them is cheaper than keeping an index
    index = None
    if stored + len(pending) >= ann.MIN_STORED:
        index = ann.ClaimIndex(ann.index_path(db_path) if db_path else None)
        index.sync(con)  # the same keys as core.claim_embeddings, whatever happened since the last save
    rep = progress.reporter()
    rep.start("stories", len(pending))
    embed_counts: dict[str, int] = {}
    with _memory_limit(con, STORY_LOOP_MEMORY_LIMIT) if index is not None else contextlib.nullcontext():
        _embed_and_pair(con, pending, workers, embedder, embed_counts, index, result, touched, rep)
    rep.finish("stories")
    if index is not None and (result.written or index.repaired or result.extra["pruned"]
                              or (index.path is not None and not index.path.exists())):
        index.save()
    result.extra["index_size"] = len(index) if index is not None else 0
    index = None  # the index (half a gigabyte at a million claims) is not needed to recluster: let it go
    release_free_memory()
    result.extra["claims_embedded"] = embed_counts.get("embedded", 0)
    result.extra["claims_reusing_a_vector"] = embed_counts.get("reused", 0)
    if not count(con, "core.story_clusters") and count(con, "core.claim_pairs"):
        rebuild_story_clusters(con)  # first run, or a warehouse from before incremental clusters
        result.extra["reclustered_claims"] = con.execute(
            "select count(*) from (select claim_a from core.claim_pairs union select claim_b from core.claim_pairs)"
        ).fetchone()[0]
    elif touched:
        result.extra["reclustered_claims"] = update_story_clusters(con, touched)
    result.extra["clusters"] = con.execute("select count(distinct cluster_id) from core.story_clusters").fetchone()[0]
    return result


def _embed_and_pair(con: duckdb.DuckDBPyConnection, pending: list, workers: int, embedder, embed_counts: dict,
                    index, result: StepResult, touched: set, rep) -> None:
    """The story step's batches: embed the pending claims, find and score their pairs, and write both,
    one short transaction per batch (``link_stories``)."""
    from . import ann, stories

    for batch, vecs, bad, text_keys in _embedded_batches(con, list(_whole_documents(pending, STORY_BATCH)), workers,
                                                         embedder, embed_counts, index):
        keep = [i for i, row in enumerate(batch) if row[1] not in bad]
        ids = [batch[i][0] for i in keep]
        docs = [batch[i][1] for i in keep]
        vecs = vecs[keep]
        text_keys = text_keys[keep]
        keys = ann.claim_keys(ids)
        if index is not None:  # the pairs the index proposes, each scored exactly
            pair_frame = _pair_relations(con, stories.combine_pair_frames(
                [stories.similar_pair_frame(ids, docs, vecs, [])]
                + [stories.similar_pair_frame(ids, docs, vecs, [], proposed=chunk, self_pairs=False)
                   for chunk in _proposed(con, index, *index.candidate_pairs(vecs, stories.PAIR_MIN))]))
        else:  # below ann.MIN_STORED: every stored claim, exactly
            pair_frame = _pair_relations(con, stories.similar_pair_frame(ids, docs, vecs, _stored_embeddings(con)))
        ts = now()
        emb_frame = pl.DataFrame(
            {"claim_id": ids, "doc_id": docs, "model": [stories.MODEL] * len(ids), "embedding": vecs,
             "embedded_at": [ts] * len(ids), "ann_key": keys, "text_hash": text_keys},
            schema={"claim_id": pl.Utf8, "doc_id": pl.Utf8, "model": pl.Utf8,
                    "embedding": pl.Array(pl.Float32, stories.DIM), "embedded_at": pl.Datetime("us"),
                    "ann_key": pl.UInt64, "text_hash": pl.UInt64})
        with transaction(con):
            append(con, "core.claim_embeddings", emb_frame)
            result.extra["pairs_written"] += append(con, "core.claim_pairs", pair_frame)
            append(con, "meta.story_pending", pl.DataFrame({"claim_id": ids}, schema={"claim_id": pl.Utf8}))
            if bad:
                rows = con.execute("select doc_id, source_path from staging.documents where doc_id in "
                                   "(select unnest(?))", [sorted(bad)]).fetchall()
                result.quarantined += quarantine(con, [
                    {"source_path": p, "doc_id": d, "stage": "stories", "reason": "embedding_error",
                     "detail": bad[d], "seen_at": ts} for d, p in rows])
        if index is not None:
            index.add(keys, vecs)  # after the commit: a crash before the save is repaired by the next sync
        result.processed += len(batch)
        result.written += len(ids)
        touched.update(ids)
        rep.advance("stories", len(batch))


def _pair_relations(con: duckdb.DuckDBPyConnection, pairs: pl.DataFrame) -> pl.DataFrame:
    """(claim_a, claim_b, similarity, relation) of each pair: paraphrase or related by similarity, and
    contradiction where close claims' figures disagree (stories.relation); the figures are read and
    compared only for the pairs close enough to contradict."""
    from . import stories

    frame = pairs.with_columns(
        pl.when(pl.col("similarity") >= stories.PARAPHRASE_MIN).then(pl.lit("paraphrase"))
        .otherwise(pl.lit("related")).alias("relation"))
    close = frame.filter(pl.col("similarity") >= stories.CONTRADICTION_MIN)
    if close.height:
        figures: dict[str, list] = {}
        con.register("_close_pairs", close.select("claim_a", "claim_b").to_arrow())
        try:
            rows = con.execute("""
                select claim_id, normalized_unit, value, subject,
                       case when value_max is not null and value_max <> value then 'range' else change end
                from core.quantities
                where claim_id in (select claim_a from _close_pairs union select claim_b from _close_pairs)
                  and normalized_unit is not null
                order by claim_id, quantity_id""").fetchall()
        finally:
            con.unregister("_close_pairs")
        for cid, unit, value, subject, change in rows:
            figures.setdefault(cid, []).append(stories.Figure(unit, value, subject, change))
        both = close.filter(pl.col("claim_a").is_in(list(figures)) & pl.col("claim_b").is_in(list(figures)))
        contradicting = [(a, b) for a, b, s in both.select("claim_a", "claim_b", "similarity").iter_rows()
                         if stories.relation(s, figures[a], figures[b]) == "contradiction"]
        if contradicting:
            hit = pl.DataFrame(contradicting, schema={"claim_a": pl.Utf8, "claim_b": pl.Utf8}, orient="row")
            frame = frame.join(hit.with_columns(pl.lit(True).alias("_c")), on=["claim_a", "claim_b"], how="left")
            frame = frame.with_columns(pl.when(pl.col("_c")).then(pl.lit("contradiction"))
                                       .otherwise(pl.col("relation")).alias("relation")).drop("_c")
    return frame.with_columns(pl.col("similarity").cast(pl.Float32))


def _whole_documents(rows: list[tuple[str, str, str]], size: int) -> Iterable[list[tuple[str, str, str]]]:
    """Batches of about `size` (claim_id, doc_id, content) rows, sorted by document, never splitting one."""
    batch: list[tuple[str, str, str]] = []
    for row in rows:
        if len(batch) >= size and row[1] != batch[-1][1]:
            yield batch
            batch = []
        batch.append(row)
    if batch:
        yield batch


EMBED_CHUNK = 256  # claims per task sent to an embedding worker
_EMBEDDER = None  # one per worker process


def _embed_task(texts: list[str]) -> list:
    """Worker side: the vector of each embedding text, or the error it raised."""
    global _EMBEDDER
    if _EMBEDDER is None:
        from .stories import Embedder
        _EMBEDDER = Embedder(threads=1)
    maybe_crash("stories", "\n".join(texts))
    return _encode_each(_EMBEDDER, texts)


def _encode_each(embedder, texts: list[str]) -> list:
    """Vectors of ``texts``; when the batch fails, each text alone, and an error text for those that fail."""
    try:
        return list(embedder.encode(texts))
    except Exception:  # noqa: BLE001 - find the text(s) at fault
        out: list = []
        for text in texts:
            try:
                out.append(embedder.encode([text])[0])
            except Exception as exc:  # noqa: BLE001
                out.append(f"{type(exc).__name__}: {exc}"[:500])
        return out


def _stored_vectors_by_text(con: duckdb.DuckDBPyConnection, text_hashes: list[int], index=None) -> dict:
    """text hash → stored float32 vector of a claim with that embedding text. With the claim index, the
    vectors are read by position from the store beside it (the table gives only the narrow key columns):
    syndicated copies are spread over the whole corpus, and reading their embeddings from the table scans
    the whole embedding column."""
    import numpy as np

    from .stories import MODEL

    if index is None:
        found = con.execute("""select text_hash, any_value(embedding) from core.claim_embeddings
            where model = ? and text_hash in (select unnest(?::ubigint[])) group by text_hash""",
            [MODEL, text_hashes]).fetchall()
        return {h: np.asarray(v, dtype=np.float32) for h, v in found}
    found = con.execute("""select text_hash, any_value(ann_key) as ann_key from core.claim_embeddings
        where model = ? and text_hash in (select unnest(?::ubigint[])) group by text_hash""",
        [MODEL, text_hashes]).fetchnumpy()
    has, vectors = index.stored_vectors(found["ann_key"].astype(np.uint64))
    out = dict(zip(found["text_hash"][has].tolist(), vectors))
    lacking = found["text_hash"][~has].tolist()  # never once the index is in step with the table
    return out | (_stored_vectors_by_text(con, lacking) if lacking else {})


def _embedded_batches(con: duckdb.DuckDBPyConnection, batches: list[list[tuple[str, str, str]]], workers: int,
                      embedder=None, counts: dict | None = None, index=None):
    """(batch, vectors, bad documents, text hashes) for each batch of (claim_id, doc_id, content) rows.

    A claim whose embedding text was embedded before, in an earlier run (``core.claim_embeddings.text_hash``
    with the same model) or an earlier batch of this one, takes that vector: syndicated and re-published
    articles repeat claims word for word. Every other distinct text is embedded once, in the first batch
    that holds it, on the ``workers`` processes in chunks of EMBED_CHUNK texts (0 workers, or a given
    ``embedder``: in this process). A text whose embedding fails or kills its worker makes every document
    that holds it bad (doc_id → detail). ``counts`` gets how many claims were embedded and reused."""
    import numpy as np

    from .stories import MODEL, embedding_text, text_hashes

    texts = [[embedding_text(t) for _, _, t in batch] for batch in batches]
    distinct = list(dict.fromkeys(t for ts in texts for t in ts))
    hashes = dict(zip(distinct, text_hashes(distinct).tolist()))
    stored: set[int] = set()
    if distinct:
        con.execute("create or replace temp table _text_hashes (h ubigint)")
        con.execute("insert into _text_hashes select unnest(?::ubigint[])", [list(hashes.values())])
        stored = {r[0] for r in con.execute("""select distinct text_hash from core.claim_embeddings
            where model = ? and text_hash in (select h from _text_hashes)""", [MODEL]).fetchall()}
        con.execute("drop table _text_hashes")
    first: dict[str, int] = {}  # text -> the batch that embeds it
    last: dict[str, int] = {}  # text -> the last batch that needs it
    for b, ts in enumerate(texts):
        for t in ts:
            if hashes[t] not in stored:
                first.setdefault(t, b)
            last[t] = b
    fresh: list[list[str]] = [[] for _ in batches]
    for t, b in first.items():
        fresh[b].append(t)
    if counts is not None:
        counts["embedded"] = counts.get("embedded", 0) + len(first)
        counts["reused"] = counts.get("reused", 0) + sum(len(ts) for ts in texts) - len(first)

    def with_known(b: int, done: dict) -> tuple:
        """Batch b's vectors: its fresh ones, those of earlier batches (carried) and stored ones."""
        vectors = dict(done)
        vectors.update((t, carry[t]) for t in texts[b] if t not in vectors and t in carry)
        want = sorted({hashes[t] for t in texts[b] if t not in vectors})
        if want:
            by_hash = _stored_vectors_by_text(con, want, index)
            for t in texts[b]:
                if t not in vectors:
                    vectors[t] = by_hash.get(hashes[t], "its text was not embedded in an earlier batch")
        for t, v in done.items():  # kept while a later batch needs it
            if last[t] > b:
                carry[t] = v
        for t in [t for t in carry if last[t] <= b]:
            del carry[t]
        return (*_assemble(batches[b], texts[b], vectors),
                np.fromiter((hashes[t] for t in texts[b]), dtype=np.uint64, count=len(texts[b])))

    carry: dict[str, object] = {}
    if embedder is not None:
        for b, todo in enumerate(fresh):
            yield with_known(b, dict(zip(todo, _encode_each(embedder, todo))))
        return
    chunks = [(b, todo[i:i + EMBED_CHUNK]) for b, todo in enumerate(fresh) for i in range(0, len(todo), EMBED_CHUNK)]
    results = iter(map_batches(_embed_task, (chunk for _, chunk in chunks), workers, len(chunks),
                               on_crash=lambda text, how: f"embedding worker {how}"))
    pos = 0
    for b in range(len(batches)):
        done: dict = {}
        while pos < len(chunks) and chunks[pos][0] == b:
            done.update(zip(chunks[pos][1], next(results)))
            pos += 1
        yield with_known(b, done)


def _assemble(batch, texts, vectors: dict):
    import numpy as np

    from .stories import DIM

    vecs = np.zeros((len(batch), DIM), dtype=np.float32)
    bad: dict[str, str] = {}
    for i, ((_, doc, _), text) in enumerate(zip(batch, texts)):
        out = vectors[text]
        if isinstance(out, str):
            bad.setdefault(doc, out)
        else:
            vecs[i] = out
    return batch, vecs, bad


def _cluster_pairs_sql(where: str) -> str:
    # contradicting pairs count as not similar at all: they never join one story
    return ("select claim_a, claim_b, case when relation = 'contradiction' then 0 else similarity end "
            f"from core.claim_pairs {where} order by claim_a, claim_b")


def update_story_clusters(con: duckdb.DuckDBPyConnection, touched: Iterable[str]) -> int:
    """Recompute only the story clusters that ``touched`` claims (new, or paired with removed ones) can be in.

    Average linkage merges two groups only when some pair across them reaches PARAPHRASE_MIN (the mean of
    the cross pairs cannot exceed their maximum, and a pair not stored counts as PAIR_MIN, below it). So
    every cluster lies inside one connected component of the graph of paraphrase-strength pairs, and a
    component's clusters depend only on the pairs among its claims. The components holding a touched claim
    are found from that graph (one columnar scan of the strong pairs and scipy's connected components),
    and only their clusters are rebuilt: the result equals a full rebuild (tests/test_stories.py compares
    them). A component of more than MAX_RECLUSTER claims (paraphrase chains across a long-running story can
    join most of a corpus) is reclustered only around its touched claims (``_local_scope``): the cost stays
    bounded, and clusters further away keep their members. Returns the number of claims whose clusters were
    recomputed."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from .stories import PARAPHRASE_MIN, clusters

    touched = sorted(set(touched))
    # the graph as 64-bit hashes of the claim ids (16 bytes a pair, not two strings): a collision could only
    # join two components into one scope, which changes no cluster (average linkage never joins them)
    strong = con.execute("""select hash(claim_a) as a, hash(claim_b) as b from core.claim_pairs
                            where relation <> 'contradiction' and similarity >= ?""", [PARAPHRASE_MIN]).fetchnumpy()
    component = pl.DataFrame(schema={"h": pl.UInt64, "component": pl.Int64})
    if touched and len(strong["a"]):
        names = np.unique(np.concatenate([strong["a"], strong["b"]]))
        a, b = np.searchsorted(names, strong["a"]), np.searchsorted(names, strong["b"])
        n = len(names)
        _, labels = connected_components(coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n)),
                                         directed=False)
        touched_h = con.execute("select hash(unnest(?::varchar[])) as h", [touched]).fetchnumpy()["h"]
        at = np.clip(np.searchsorted(names, touched_h), 0, n - 1)
        hit = at[names[at] == touched_h]
        hit_labels = np.unique(labels[hit])
        sizes = np.bincount(labels)
        small = hit_labels[sizes[hit_labels] <= MAX_RECLUSTER]
        keep = np.isin(labels, small)
        component = pl.DataFrame({"h": names[keep], "component": labels[keep].astype(np.int64)})
        giant = hit_labels[sizes[hit_labels] > MAX_RECLUSTER]
        if len(giant):
            component = pl.concat([component, _local_scope(con, names, a, b, labels, giant, names[hit])])
            log.warning("story components of %s claims exceed %s: only the clusters next to their new claims "
                        "were recomputed", ", ".join(f"{sizes[g]:,}" for g in giant), f"{MAX_RECLUSTER:,}")
    del strong
    scope = set(touched)
    members: dict[str, str] = {}
    if component.height:
        # each component is clustered on its own (average linkage never joins two): memory follows the
        # largest component, not all the touched ones together
        con.register("_cluster_components", component.to_arrow())
        pairs = con.execute("""
            select k.component, p.claim_a, p.claim_b,
                   case when p.relation = 'contradiction' then 0 else p.similarity end as similarity
            from core.claim_pairs p join _cluster_components k on k.h = hash(p.claim_a)
            where hash(p.claim_b) in (select h from _cluster_components)""").to_arrow_reader(1_000_000).read_all()
        pairs = pl.from_arrow(pairs)  # streamed out: DuckDB does not hold the whole result in its memory
        # every claim of a component has a pair inside it: the scope's claim ids are those of its pairs
        scope.update(pairs["claim_a"].unique().to_list())
        scope.update(pairs["claim_b"].unique().to_list())
        # sorted here, not by DuckDB: at a million claims the sort of millions of pairs ran out of the
        # connection's memory limit inside the pipeline
        pairs = pairs.sort("component", "claim_a", "claim_b")
        con.unregister("_cluster_components")
        # one component at a time, as slices of the sorted frame (partition_by would copy every pair again)
        comp = pairs["component"].to_numpy()
        bounds = np.flatnonzero(np.diff(comp)) + 1 if len(comp) else np.zeros(0, dtype=np.int64)
        del comp
        pairs = pairs.select("claim_a", "claim_b", "similarity")
        for start, end in zip([0, *bounds.tolist()], [*bounds.tolist(), pairs.height]):
            members.update(clusters(pairs.slice(start, end - start).iter_rows()))
        del pairs
    con.execute("create or replace temp table _cluster_scope (claim_id varchar)")
    if scope:
        con.execute("insert into _cluster_scope select unnest(?::varchar[])", [sorted(scope)])
    frame = _cluster_frame(members)
    with transaction(con):
        con.execute("delete from core.story_clusters where claim_id in (select claim_id from _cluster_scope) "
                    "or claim_id not in (select claim_id from core.claims)")
        append(con, "core.story_clusters", frame)
        con.execute("delete from meta.story_pending")  # every pending claim was in `touched`
    con.execute("drop table if exists _cluster_scope")
    return len(scope)


def _local_scope(con: duckdb.DuckDBPyConnection, names, a, b, labels, giant, touched_h) -> pl.DataFrame:
    """(claim hash, component) of the claims reclustered inside components too large to recluster whole:
    the touched claims of those components, the claims they are strongly paired with, and every member of
    the stored clusters that any of these is in. Whole clusters are taken, so no stored cluster is cut in
    two; the clusters of the component further away are kept as they are. ``names``: the sorted claim
    hashes of the strong pairs (a, b: their positions), ``labels`` their components."""
    import numpy as np

    inside = np.isin(labels, giant)
    near = np.flatnonzero(inside)[np.isin(names[inside], touched_h)]
    is_near = np.zeros(len(names), dtype=bool)
    is_near[near] = True
    edge = is_near[a] | is_near[b]
    near_h = np.unique(np.concatenate([names[near], names[a[edge]], names[b[edge]]]))
    con.execute("create or replace temp table _near (h ubigint)")
    con.execute("insert into _near select unnest(?::ubigint[])", [near_h.tolist()])
    members = con.execute("""select hash(claim_id) as h from core.story_clusters where cluster_id in
                               (select cluster_id from core.story_clusters where hash(claim_id) in (select h from _near))
                             union select h from _near""").fetchnumpy()["h"]
    con.execute("drop table _near")
    at = np.clip(np.searchsorted(names, members), 0, len(names) - 1)
    ok = (names[at] == members) & inside[at]
    return pl.DataFrame({"h": names[at[ok]], "component": labels[at[ok]].astype(np.int64)})


def _cluster_frame(members: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame(sorted(members.items()), schema={"claim_id": pl.Utf8, "cluster_id": pl.Utf8},
                        orient="row").with_columns(pl.lit(now(), pl.Datetime("us")).alias("clustered_at"))


def rebuild_story_clusters(con: duckdb.DuckDBPyConnection) -> int:
    """core.story_clusters from the stored pairs (average linkage, stories.clusters); returns the cluster count."""
    from .stories import clusters

    pairs = con.execute(_cluster_pairs_sql("")).fetchall()
    members = clusters(pairs)
    frame = _cluster_frame(members)
    with transaction(con):
        con.execute("delete from core.story_clusters")
        append(con, "core.story_clusters", frame)
        con.execute("delete from meta.story_pending")
    return len(set(members.values()))


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
COMMENT ON TABLE meta.mart_inputs IS 'Bookkeeping of the marts: what each mart was last built from, so a run whose inputs did not change skips the rebuild (claimhouse.steps.build_mart).';
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
COMMENT ON TABLE meta.story_cluster_inputs IS 'Bookkeeping of marts.story_clusters: a digest of what each story cluster was last built from (its members, their documents, their contradictions), so a run rebuilds only the clusters whose inputs changed (claimhouse.steps.build_mart).';
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
            con.execute(_MART_INPUTS_DDL)
            con.execute(_MART_SQL_DDL)
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
        con.execute("insert or replace into meta.mart_inputs (mart, fingerprint, built_at, build_seconds, sql_sha256) "
                    "values (?, ?, ?, ?, ?)", [table, fingerprint, now(), seconds, sql_sha256])
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
