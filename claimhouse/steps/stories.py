"""The story step: embed new claims on worker processes, pair them with stored claims through the HNSW index,
and update the story clusters that new pairs touch."""
from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable

import duckdb
import polars as pl

from claimhouse import progress
from claimhouse.parallel import map_batches, maybe_crash
from claimhouse.steps.common import StepResult, now, quarantine
from claimhouse.warehouse.db import append, count, release_free_memory, side_path_of, transaction

log = logging.getLogger(__name__)

# a story component (claims joined by paraphrase-strength pairs) larger than this is not reclustered whole
# when new claims touch it, only around them (update_story_clusters); CLAIMHOUSE_STORY_MAX_COMPONENT overrides
MAX_RECLUSTER = int(os.environ.get("CLAIMHOUSE_STORY_MAX_COMPONENT") or 200_000)


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
    from claimhouse.warehouse.db import apply_memory_limit

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

    from claimhouse.stories.clusters import DIM

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


def link_stories(con: duckdb.DuckDBPyConnection, workers: int = 1, embedder=None) -> StepResult:
    """Embed each new claim once, keep its similar pairs across documents, update the story clusters.

    Each new claim is embedded once (on the worker processes). Its candidate neighbours come from the
    HNSW index beside the warehouse (claimhouse/stories/ann.py), and their exact cosine similarity from the
    stored vectors; the clusters are updated where new or removed claims touch them. Batches hold whole
    documents, and a document with a claim that cannot be embedded goes to quarantine whole (stage 'stories').
    """
    from claimhouse.stories import ann

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
    db_path = side_path_of(con)
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
    from claimhouse.stories import ann
    from claimhouse.stories import clusters as stories

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
    from claimhouse.stories import clusters as stories

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
        from claimhouse.stories.clusters import Embedder
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

    from claimhouse.stories.clusters import MODEL

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

    from claimhouse.stories.clusters import MODEL, embedding_text, text_hashes

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

    from claimhouse.stories.clusters import DIM

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

    from claimhouse.stories.clusters import PARAPHRASE_MIN, clusters

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
    from claimhouse.stories.clusters import clusters

    pairs = con.execute(_cluster_pairs_sql("")).fetchall()
    members = clusters(pairs)
    frame = _cluster_frame(members)
    with transaction(con):
        con.execute("delete from core.story_clusters")
        append(con, "core.story_clusters", frame)
        con.execute("delete from meta.story_pending")
    return len(set(members.values()))


