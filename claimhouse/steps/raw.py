"""The raw layer's step: scan the input folder into ``raw.documents`` (only new or changed files are read)."""
from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import polars as pl

from claimhouse import progress
from claimhouse.steps.common import (
    StepResult,
    _remove_documents,
    _size_chunks,
    doc_id_for,
    now,
    quarantine,
    sha256,
)
from claimhouse.types import RejectedInput
from claimhouse.warehouse.db import count, idle, transaction

MAX_INPUT_BYTES = 64 * 1024 * 1024  # larger files are quarantined unread (reason too_large)
SCAN_BATCH, SCAN_BATCH_BYTES = 500, 256 * 1024 * 1024  # files read per transaction
_NAME_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

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
    from claimhouse.ingest.containers import container_kind

    try:
        return container_kind(data, path)
    except Exception:  # not recognisable as a container: read it as one document
        return None


def _iter_container(records, path: str, kind: str):
    """(record path, record bytes, None, HTTP charset) per document of a container, or
    (path, b"", rejection, None).

    ``records``: the items of ``containers.iter_records`` or ``containers.iter_warc``.
    """
    from claimhouse.ingest.containers import RejectedRecord

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
    from claimhouse.ingest.formats import detect

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
    # a select, then the insert (not INSERT ... RETURNING, which a DuckLake warehouse refuses)
    new = frame.filter(~pl.col("doc_id").is_in(
        [r[0] for r in con.execute("select doc_id from raw.documents where doc_id in (select unnest(?))",
                                   [frame["doc_id"].to_list()]).fetchall()]))
    if new.is_empty():
        return []
    con.register("_docs", new.to_arrow())
    try:
        con.execute("""insert into raw.documents
            select doc_id, source_path, source_format, content_sha256, byte_size, ingested_at, encoding, content
            from _docs""")
    finally:
        con.unregister("_docs")
    return new["doc_id"].to_list()


def scan(con: duckdb.DuckDBPyConnection, seeds_dir: Path, paths: Sequence[str] | None = None) -> StepResult:
    """Land new and changed input files in raw.documents (one row per distinct content).

    A container file (JSON Lines, WARC) gives one document per record, with source_path
    ``file#n``; raw.file_documents records which documents each file holds now.
    """
    from claimhouse.ingest.containers import (
        SNIFF_BYTES,
        is_warc,
        iter_records,
        iter_warc,
    )

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
        idle(con)  # a shared connection lets another writer in between chunks (claimhouse.warehouse.db)
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
                        result.written -= con.execute(
                            """delete from raw.documents where doc_id in (select unnest(?))
                                 and doc_id not in (select doc_id from raw.file_documents)""",
                            [[d for d in landed if d not in earlier]]).fetchone()[0]
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
                # an upsert written as delete, then insert (a DuckLake warehouse has no keys to conflict on);
                # a file seen before keeps first_seen_at, and last_changed_at unless its content changed
                con.execute("""create or replace temp table _files_new as
                    select n.source_path, n.byte_size, n.mtime_ns, n.content_sha256, n.doc_id,
                           coalesce(o.first_seen_at, n.first_seen_at) as first_seen_at,
                           case when o.content_sha256 = n.content_sha256 then o.last_changed_at
                                else n.last_changed_at end as last_changed_at
                    from _files n left join raw.files o using (source_path)""")
                con.unregister("_files")
                con.execute("delete from raw.files where source_path in (select source_path from _files_new)")
                con.execute("insert into raw.files select * from _files_new")
                con.execute("drop table _files_new")
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


