"""The core layer's steps: analyse clean documents on worker processes (sentences, claims, quantities, entities),
then resolve entity names across the corpus."""
from __future__ import annotations

import math
import os
from collections.abc import Sequence

import duckdb
import polars as pl

from claimhouse import progress
from claimhouse.parallel import map_batches, maybe_crash
from claimhouse.steps.common import StepResult, _id_list, _size_chunks, now, quarantine, taken_meanwhile
from claimhouse.warehouse.db import append, count, ddl, idle, table_fingerprint, transaction

ANALYSE_BATCH, ANALYSE_BATCH_CHARS = int(os.environ.get("CLAIMHOUSE_ANALYSE_BATCH") or 16), 1_000_000
ENGLISH = ("en",)


# ---------------------------------------------------------------- core: analyse
_CORE_TABLES = ("sentences", "claims", "quantities", "entities")


def _worker_init() -> None:
    from claimhouse.nlp.pipeline import load_nlp
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
    from claimhouse.nlp.pipeline import analyze, load_nlp

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


def analyse_pending(con: duckdb.DuckDBPyConnection, workers: int = 1, scope: Sequence[str] | None = None,
                    resolve_names: bool = True) -> StepResult:
    """Sentences, claims, quantities and entities for every cleaned document not analysed yet (of
    ``scope``, the documents of the run's ingest batches, when given). With ``resolve_names``, the
    corpus-wide entity names follow (``resolve_entity_names``); the Dagster graph runs that as an asset
    of its own, once after all the batches of a run.

    English-only steps run on English (or undetermined) text; a document in another
    language is recorded in quarantine with reason ``unsupported_language``.
    """
    pending = con.execute(f"""
        select doc_id, language, length(text) from staging.documents
        where doc_id not in (select doc_id from core.analysed_documents)
          and doc_id not in (select doc_id from quarantine.documents where doc_id is not null and stage = 'core')
          {"and doc_id in (select unnest(?))" if scope is not None else ""}
        order by doc_id""", [list(scope)] if scope is not None else []).fetchall()
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
                            initializer=_worker_init, on_crash=crashed, on_wait=lambda: idle(con)):
        ts = now()
        good = [d for d in docs if d["ok"]]
        bad = [{"source_path": None, "doc_id": d["doc_id"], "stage": "core", "reason": d["reason"],
                "detail": d["detail"], "seen_at": ts} for d in docs if not d["ok"]]
        with transaction(con):
            skip = taken_meanwhile(con, [d["doc_id"] for d in good], "core.analysed_documents", "staging.documents")
            good = [d for d in good if d["doc_id"] not in skip]
            frames = {t: pl.DataFrame([row for d in good for row in d[t]], schema=CORE_SCHEMAS[t])
                      for t in _CORE_TABLES}
            done = pl.DataFrame(
                [{"doc_id": d["doc_id"], "analysed_at": ts, **{t: len(d[t]) for t in _CORE_TABLES}} for d in good],
                schema={"doc_id": pl.Utf8, "analysed_at": pl.Datetime("us"), "sentences": pl.Int32,
                        "claims": pl.Int32, "quantities": pl.Int32, "entities": pl.Int32})
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
    if resolve_names and (result.written or not count(con, "core.entity_names")):
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
    from claimhouse.nlp.entities import CONFUSABLE, resolve_names

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




_NAMES_INPUTS_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.entity_names_inputs (
    fingerprint     TEXT NOT NULL,
    resolved_at     TIMESTAMP NOT NULL
);
COMMENT ON TABLE meta.entity_names_inputs IS 'Bookkeeping of core.entity_names: which analysed documents the names were last resolved over (claimhouse.steps.core.resolve_names_if_changed), so a run that analysed nothing new leaves the names alone';
COMMENT ON COLUMN meta.entity_names_inputs.fingerprint IS 'Row count and sum of row hashes of core.analysed_documents (analysis times left out) at the last resolution';
COMMENT ON COLUMN meta.entity_names_inputs.resolved_at IS 'When the names were last resolved (UTC)'"""


def resolve_names_if_changed(con: duckdb.DuckDBPyConnection) -> int | None:
    """``resolve_entity_names`` when the analysed documents changed since the last resolution (or there are
    no names yet); None when nothing changed. The corpus-wide step of the Dagster graph: it runs once after
    all the ingest batches of a run, so batch by batch and one whole run give the same names, and a run
    with nothing new resolves nothing (resolving again from already resolved names would lose spellings)."""
    ddl(con, _NAMES_INPUTS_DDL)
    fingerprint = table_fingerprint(con, "core.analysed_documents")
    stored = con.execute("select fingerprint from meta.entity_names_inputs").fetchone()
    if stored is not None and stored[0] == fingerprint and count(con, "core.entity_names"):
        return None
    changed = resolve_entity_names(con)
    with transaction(con):
        con.execute("delete from meta.entity_names_inputs")
        con.execute("insert into meta.entity_names_inputs values (?, ?)", [fingerprint, now()])
    return changed
