"""The staging layer's steps: clean pending documents on worker processes, mark exact and near duplicates."""
from __future__ import annotations

import os
import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import duckdb
import polars as pl

from claimhouse import progress
from claimhouse.clean import neardup
from claimhouse.parallel import map_batches, maybe_crash
from claimhouse.steps.common import (
    StepResult,
    _id_list,
    _size_chunks,
    now,
    quarantine,
    sha256,
    taken_meanwhile,
    time_limit,
)
from claimhouse.types import RejectedInput
from claimhouse.warehouse.db import append, idle, transaction

MAX_TEXT_CHARS = 500_000  # longer clean texts are quarantined (reason too_long): parsing cost explodes
# documents per worker batch (and per write transaction); CLAIMHOUSE_CLEAN_BATCH / _ANALYSE_BATCH override
CLEAN_BATCH, CLEAN_BATCH_BYTES = int(os.environ.get("CLAIMHOUSE_CLEAN_BATCH") or 64), 32 * 1024 * 1024
CLEAN_SECONDS = 30.0  # per-document time limit on detection + cleaning (reason timeout)
EARLIEST_DATE = datetime(1900, 1, 1)
# control characters (but tab and newline), lone surrogates, and invisible format characters that only
# hide or reorder text: bidi embeddings/overrides/isolates and marks, zero-width space, word joiner, BOM
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\u200b\u200e\u200f\u202a-\u202e"
                      "\u2060\u2066-\u2069\ufeff]")



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


def _clean_batch(batch: list[tuple[str, str, bytes, str | None]]) -> list[dict]:
    """Worker: detect + clean each (doc_id, source_path, content); never raises for one bad document."""
    from claimhouse.clean.document import clean
    from claimhouse.ingest.formats import detect

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


def clean_pending(con: duckdb.DuckDBPyConnection, workers: int = 1, scope: Sequence[str] | None = None
                  ) -> StepResult:
    """Clean every current raw document that is neither cleaned nor quarantined yet (of ``scope``, the
    documents of the run's ingest batches, when given)."""
    pending_rows = con.execute(f"""
        select r.doc_id, r.byte_size from raw.documents r
        where r.doc_id in (select doc_id from raw.file_documents)
          and r.doc_id not in (select doc_id from staging.documents)
          and r.doc_id not in (select doc_id from quarantine.documents
                               where doc_id is not null and stage in ('raw', 'staging'))
          {"and r.doc_id in (select unnest(?))" if scope is not None else ""}
        order by r.ingested_at, r.doc_id""", [list(scope)] if scope is not None else []).fetchall()
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
                            on_crash=crashed, on_wait=lambda: idle(con)):
        ts = now()
        good = [{k: v for k, v in r.items() if k != "ok"} | {"cleaned_at": ts} for r in rows if r["ok"]]
        bad = [{"source_path": r["source_path"], "doc_id": r["doc_id"], "stage": "staging", "reason": r["reason"],
                "detail": r["detail"], "seen_at": ts} for r in rows if not r["ok"]]
        with transaction(con):
            skip = taken_meanwhile(con, [g["doc_id"] for g in good], "staging.documents", "raw.file_documents")
            good = [g for g in good if g["doc_id"] not in skip]
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


