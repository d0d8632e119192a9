"""Near-duplicate documents: MinHash signatures, LSH banding in DuckDB, earliest copy per cluster.

Dagster-free. The exact-copy step (``steps.staging.mark_duplicates``) catches byte-identical clean
texts; this module catches the same article re-scraped with small differences (a changed
sentence, an added footer, other whitespace or case) whose text hash differs.

How it works
------------
* **Shingles.** The text is NFKC-normalised and casefolded, split into ``\\w+`` tokens, and
  turned into the set of word 5-grams (a text shorter than 5 tokens is one shingle).
* **Signature.** A datasketch ``MinHash`` of that set: ``NUM_PERM`` = 128 permutations,
  fixed ``SEED``, the ``affine32`` scheme pinned explicitly and the default SHA-1 based
  input hash, so the same text gives the same signature in every process, on every machine
  (nothing depends on Python's randomised ``hash()``).
* **Bands.** The signature is cut into ``BANDS`` = 32 bands of ``ROWS`` = 4 values. Each band
  becomes one signed 64-bit key (BLAKE2b of the band index and its four values), stored in
  ``staging.document_bands``. Two documents are *candidates* when they share a band key.
* **Verification.** A candidate pair is kept when the estimated Jaccard similarity (the share
  of the 128 positions where the signatures agree) is at least the threshold (0.8 by default).
* **Clusters.** Kept pairs are edges; a cluster is a connected component. Every document of a
  cluster points at the cluster's earliest document (``raw.documents.ingested_at``, then
  ``doc_id``), so chains (C ~ B ~ A) resolve to the earliest, and no document points at itself.

Why 32 bands of 4 rows
----------------------
The probability that a pair of true Jaccard ``s`` becomes a candidate is
``1 - (1 - s**4)**32``: 1 - 5e-8 at s = 0.8, 0.9998 at 0.7, 0.87 at 0.5, 0.23 at 0.3,
0.05 at 0.2, 0.003 at 0.1 (the S-curve's midpoint, ``(1/32)**(1/4)``, is 0.42). So the band
stage loses practically no pair near the threshold; what decides is the verification,
``P(Binomial(128, s) >= 103)``: 0.005 at s = 0.7, 0.09 at 0.75, 0.50 at 0.8, 0.94 at 0.85,
0.9996 at 0.9 (the estimator's standard error is 0.035 at s = 0.8; more permutations would
sharpen this step, not more bands). False candidates cost one signature comparison each and
never reach the result. Unrelated articles, even on the same story, share almost no
5-shingles (s < 0.05 between the seed articles), so they are rarely candidates at all.
Fewer, longer bands lose true pairs before verification: 16 x 8 drops 5 % at s = 0.8 and
39 % at 0.7; datasketch's own optimum for 0.8 (9 x 13, which balances false positives and
negatives of the bands alone, without a verification step) drops 60 % at s = 0.8.

Cost
----
``add_documents`` writes one signature row and 32 band rows per new document (two bulk
inserts from Arrow frames; about 1.2 ms of CPU per 400-word document, mostly the MinHash).
``find_near_duplicates`` computes the band keys of the new documents (then of the clusters
they touch) from their signatures and joins only those with the band table: one hash join
per expansion step (usually two steps), whose build side is those keys and whose probe side
is one sequential scan of the BIGINT column ``band_key``. Old documents are compared again
only inside the clusters the new documents touch, so the work is new documents x cluster
sizes plus a linear scan of integers, never corpus x corpus. Measured on 2 cores, 120 new
documents against 300,000 stored ones (9.6 million band rows): 0.22 s. DuckDB 1.5 plans
these joins as hash joins whether or not an ART index exists (checked with EXPLAIN ANALYZE),
and an index on ``band_key`` made bulk inserts 2-5x slower and the file 5x larger (530 MB
against 106 MB for 9.6 million rows), so the table has none. The signatures' PRIMARY KEY
is used: DuckDB turns the join on doc_id into an index scan for small candidate sets.
"""
from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

import duckdb
import numpy as np
import polars as pl

NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS  # 4 values per band
SHINGLE = 5  # words per shingle
SEED = 1  # MinHash permutation seed: changing it (or NUM_PERM, BANDS, the scheme) invalidates stored rows
SCHEME = "affine32"  # pinned: datasketch's default could change; stored signatures must not
THRESHOLD = 0.8
_EMPTY = (1 << 32) - 1  # the value of every position of an empty set's signature (affine32)
_TOKEN = re.compile(r"\w+")

# The tables (staging.document_signatures, staging.document_bands) are declared in
# warehouse/schema.sql with the rest of the warehouse.
# Signatures are 32-bit values (affine32 scheme), so UINTEGER[] holds them exactly at half the
# size of UBIGINT[]. document_bands has no index on purpose: see "Cost" in the module docstring.

# Bulk inserts from a registered Arrow frame; a document already stored is skipped, so
# ``add_documents`` is idempotent. Bands left by an interrupted earlier call (bands written,
# signature not) are replaced.
_INSERT_SQL = """
CREATE OR REPLACE TEMP TABLE _nd_todo AS
    SELECT n.doc_id FROM (SELECT DISTINCT doc_id FROM _nd_new_sigs) n
    ANTI JOIN staging.document_signatures s USING (doc_id);
DELETE FROM staging.document_bands WHERE doc_id IN (SELECT doc_id FROM _nd_todo);
INSERT INTO staging.document_bands (doc_id, band, band_key)
    SELECT b.doc_id, b.band, b.band_key FROM _nd_new_bands b SEMI JOIN _nd_todo t USING (doc_id);
INSERT INTO staging.document_signatures (doc_id, signature)
    SELECT s.doc_id, s.signature FROM _nd_new_sigs s SEMI JOIN _nd_todo t USING (doc_id);
DROP TABLE _nd_todo;
"""

_DELETE_SQL = """
DELETE FROM staging.document_bands WHERE doc_id IN (SELECT doc_id FROM _nd_gone);
DELETE FROM staging.document_signatures WHERE doc_id IN (SELECT doc_id FROM _nd_gone);
"""

# Estimated Jaccard in SQL: the number of positions where the two signatures agree.
_AGREE = "list_sum(list_transform(list_zip(sa.signature, sb.signature), lambda p: (p[1] = p[2])::INTEGER))"

# One expansion step. _nd_fb holds the frontier's band keys (computed from its signatures, so
# the band table is not scanned by doc_id) and is the hash join's build side; the candidates
# are verified on the signatures (the frontier's come along in _nd_fsig).
_FRONTIER_SQL = """
SELECT s.doc_id, s.signature FROM staging.document_signatures s SEMI JOIN _nd_frontier f USING (doc_id)
"""
_NEIGHBOURS_SQL = f"""
WITH cand AS (
    SELECT DISTINCT fb.doc_id AS a, o.doc_id AS b
    FROM _nd_fb fb JOIN staging.document_bands o ON o.band_key = fb.band_key AND o.band = fb.band
    WHERE o.doc_id <> fb.doc_id
)
SELECT cand.a, cand.b, {_AGREE} AS agree
FROM cand
JOIN _nd_fsig sa ON sa.doc_id = cand.a
JOIN staging.document_signatures sb ON sb.doc_id = cand.b
WHERE {_AGREE} >= ?
"""

# The caller-supplied order that defines "earliest": (ingested_at, doc_id) from raw.documents.
# A document missing there sorts last (it cannot be shown to be earlier than any other).
DEFAULT_ORDER_TABLE = "raw.documents"
DEFAULT_ORDER_EXPR = "r.ingested_at"

_ORDER_SQL = """
SELECT m.doc_id FROM _nd_members m LEFT JOIN {table} r USING (doc_id)
ORDER BY {expr} ASC NULLS LAST, m.doc_id
"""

_PAIR_SQL = f"""
SELECT p.doc_id, {_AGREE} AS agree
FROM _nd_pairs p
JOIN staging.document_signatures sa ON sa.doc_id = p.doc_id
JOIN staging.document_signatures sb ON sb.doc_id = p.duplicate_of
"""


# ------------------------------------------------------------------ signatures
@lru_cache(maxsize=1)
def _template():
    """An empty MinHash whose permutations (derived from SEED) are shared by every signature.

    datasketch is imported here, not at module level: its package import pulls in scipy
    (about 2 s), which only the processes that compute signatures need to pay.
    """
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)


def tokens(text: str) -> list[str]:
    """The normalised words of ``text``: NFKC, casefolded, ``\\w+`` runs."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    """The set of word ``size``-grams of the normalised text (one shingle if it is shorter)."""
    words = tokens(text)
    if not words:
        return set()
    if len(words) < size:
        return {" ".join(words)}
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


def _signature_array(text: str) -> np.ndarray:
    t = _template()
    m = type(t)(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, permutations=t.permutations)
    m.update_batch(s.encode("utf-8") for s in sorted(shingles(text)))
    return m.hashvalues.astype(np.uint32, copy=False)


def signature(text: str) -> list[int]:
    """The MinHash values (NUM_PERM unsigned 32-bit ints) of the text's word 5-shingles.

    Deterministic across processes and machines. A text without any word gives the empty
    set's signature (every value 2**32 - 1); such a document is stored but never banded,
    so it is nobody's near-duplicate.
    """
    return [int(v) for v in _signature_array(text)]


def is_empty(sig: Sequence[int]) -> bool:
    return all(int(v) == _EMPTY for v in sig)


def _band_key(band: int, values: np.ndarray) -> int:
    h = hashlib.blake2b(digest_size=8, person=b"claimhouse-lsh")
    h.update(band.to_bytes(2, "little"))
    h.update(np.ascontiguousarray(values, dtype="<u4").tobytes())
    return int.from_bytes(h.digest(), "little", signed=True)


def band_keys(sig: Sequence[int]) -> list[int]:
    """One signed 64-bit key per band: a hash of the band's index and its ROWS values.

    The band index is part of the key, so equal values in different bands never collide.
    """
    arr = np.asarray(sig, dtype=np.uint64)
    if arr.shape != (NUM_PERM,):
        raise ValueError(f"a signature has {NUM_PERM} values, got {arr.shape}")
    arr = arr.astype(np.uint32)
    return [_band_key(b, arr[b * ROWS:(b + 1) * ROWS]) for b in range(BANDS)]


def similarity(sig_a: Sequence[int], sig_b: Sequence[int]) -> float:
    """Estimated Jaccard similarity: the share of positions where the two signatures agree."""
    a, b = np.asarray(sig_a, dtype=np.uint64), np.asarray(sig_b, dtype=np.uint64)
    if a.shape != b.shape or a.ndim != 1 or not a.size:
        raise ValueError(f"signatures of different or empty shapes: {a.shape} and {b.shape}")
    return float(np.count_nonzero(a == b)) / a.size


def candidate_probability(s: float, bands: int = BANDS, rows: int = ROWS) -> float:
    """Probability that a pair of true Jaccard ``s`` shares at least one band key."""
    return 1.0 - (1.0 - s ** rows) ** bands


def _min_agree(threshold: float) -> int:
    """The least number of agreeing positions whose share is >= threshold (no float surprises)."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    return max(1, math.ceil(threshold * NUM_PERM - 1e-9))


# ------------------------------------------------------------------ warehouse
def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Make sure the signature and band tables exist (the warehouse schema is idempotent)."""
    from claimhouse.warehouse.db import init_schema

    if not con.execute("select 1 from duckdb_tables() where schema_name = 'staging' "
                       "and table_name = 'document_bands'").fetchone():
        init_schema(con)


def _frames(rows: Iterable[tuple[str, str]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    ids, sigs, band_ids, band_nos, keys = [], [], [], [], []
    seen = set()
    for doc_id, text in rows:
        if doc_id in seen:
            continue
        seen.add(doc_id)
        sig = _signature_array(text or "")
        ids.append(doc_id)
        sigs.append(sig)
        if not (sig == _EMPTY).all():
            band_ids.extend([doc_id] * BANDS)
            band_nos.extend(range(BANDS))
            keys.extend(band_keys(sig))
    sig_frame = pl.DataFrame({"doc_id": ids, "signature": [s.tolist() for s in sigs]},
                             schema={"doc_id": pl.Utf8, "signature": pl.List(pl.UInt32)})
    band_frame = pl.DataFrame({"doc_id": band_ids, "band": band_nos, "band_key": keys},
                              schema={"doc_id": pl.Utf8, "band": pl.Int32, "band_key": pl.Int64})
    return sig_frame, band_frame


def add_documents(con: duckdb.DuckDBPyConnection, rows: Sequence[tuple[str, str]]) -> int:
    """Store the signature and band keys of each (doc_id, clean text) not stored yet.

    Two bulk inserts from Arrow frames, no per-row INSERT. Idempotent: a doc_id already in
    ``staging.document_signatures`` is skipped (its text is not looked at again), and a doc_id
    repeated in ``rows`` counts once (first text wins). Run it in the caller's transaction to
    make it atomic with the step's other writes. Returns the number of documents added.
    """
    create_tables(con)
    if not rows:
        return 0
    sig_frame, band_frame = _frames(rows)
    before = con.execute("SELECT count(*) FROM staging.document_signatures").fetchone()[0]
    con.register("_nd_new_sigs", sig_frame.to_arrow())
    con.register("_nd_new_bands", band_frame.to_arrow())
    try:
        con.execute(_INSERT_SQL)
    finally:
        con.unregister("_nd_new_sigs")
        con.unregister("_nd_new_bands")
    return con.execute("SELECT count(*) FROM staging.document_signatures").fetchone()[0] - before


def remove_documents(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str]) -> None:
    """Forget documents (e.g. the old version of a changed file whose staging rows were removed)."""
    create_tables(con)
    if not doc_ids:
        return
    con.register("_nd_gone", pl.DataFrame({"doc_id": list(doc_ids)}, schema={"doc_id": pl.Utf8}).to_arrow())
    try:
        con.execute(_DELETE_SQL)
    finally:
        con.unregister("_nd_gone")


def _neighbours(con: duckdb.DuckDBPyConnection, frontier: set[str], min_agree: int) -> list[tuple[str, str, int]]:
    """Verified pairs (frontier document, other document, agreeing positions)."""
    con.register("_nd_frontier", pl.DataFrame({"doc_id": sorted(frontier)}, schema={"doc_id": pl.Utf8}).to_arrow())
    try:
        sigs = con.execute(_FRONTIER_SQL).pl()
    finally:
        con.unregister("_nd_frontier")
    ids, bands, keys = [], [], []
    for doc_id, sig in sigs.iter_rows():
        if is_empty(sig):
            continue
        ids.extend([doc_id] * BANDS)
        bands.extend(range(BANDS))
        keys.extend(band_keys(sig))
    if not ids:
        return []
    fb = pl.DataFrame({"doc_id": ids, "band": bands, "band_key": keys},
                      schema={"doc_id": pl.Utf8, "band": pl.Int32, "band_key": pl.Int64})
    con.register("_nd_fb", fb.to_arrow())
    con.register("_nd_fsig", sigs.to_arrow())
    try:
        return con.execute(_NEIGHBOURS_SQL, [min_agree]).fetchall()
    finally:
        con.unregister("_nd_fb")
        con.unregister("_nd_fsig")


def _find(parent: dict[str, str], x: str) -> str:
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:  # path compression
        parent[x], x = root, parent[x]
    return root


def find_near_duplicates(con: duckdb.DuckDBPyConnection, new_doc_ids: Sequence[str],
                         threshold: float = THRESHOLD, *, order_table: str = DEFAULT_ORDER_TABLE,
                         order_expr: str = DEFAULT_ORDER_EXPR,
                         max_cluster: int = 10_000) -> list[tuple[str, str, float]]:
    """(doc_id, duplicate_of, similarity) for every document of every cluster the new documents are in.

    Call ``add_documents`` for the new documents first. Candidates are the documents sharing a
    band key with a new document (SQL join on ``staging.document_bands``); a candidate is kept
    when the estimated Jaccard of the two signatures is >= ``threshold``. The search then
    expands from the documents found, so a cluster is the whole connected component even when
    it reaches old documents through other old documents (pairs of old documents were already
    compared when the later one was new; re-expanding re-verifies them, bounded by the size of
    the touched clusters, not by the corpus). ``max_cluster`` bounds that expansion.

    ``duplicate_of`` is the cluster's earliest document, ordered by ``order_expr`` over
    ``order_table`` joined on ``doc_id`` (default ``raw.documents.ingested_at``), then by
    ``doc_id``; the earliest document itself gets no row, so nobody points at itself. Old
    documents of a touched cluster get rows too: when a new document is earlier than a
    cluster's first copy, or joins two clusters, their target changes (write with ``IS
    DISTINCT FROM`` to touch only rows that change). ``similarity`` is the estimated Jaccard
    between the document and its ``duplicate_of``; in a chain (C ~ B ~ A) it can be below
    ``threshold``. Rows are sorted by doc_id. ``order_table`` and ``order_expr`` are SQL
    supplied by the program, never data.
    """
    min_agree = _min_agree(threshold)
    new = set(new_doc_ids)
    if not new:
        return []
    parent: dict[str, str] = {}
    visited: set[str] = set()
    frontier = set(new)
    while frontier and len(visited) < max_cluster:
        visited |= frontier
        found = set()
        for a, b, _agree in _neighbours(con, frontier, min_agree):
            for x in (a, b):
                parent.setdefault(x, x)
            ra, rb = _find(parent, a), _find(parent, b)
            if ra != rb:
                parent[ra] = rb
            found.add(b)
        frontier = found - visited
    members = sorted(parent)
    if not members:
        return []
    order = _order(con, members, order_table, order_expr)
    clusters: dict[str, list[str]] = {}
    for doc in order:  # in order: the first member seen of each cluster is its earliest
        clusters.setdefault(_find(parent, doc), []).append(doc)
    pairs = [(doc, docs[0]) for docs in clusters.values() for doc in docs[1:]]
    if not pairs:
        return []
    agree = _pair_agreement(con, pairs)
    return sorted((doc, first, agree[doc] / NUM_PERM) for doc, first in pairs)


def _order(con: duckdb.DuckDBPyConnection, members: list[str], table: str, expr: str) -> list[str]:
    con.register("_nd_members", pl.DataFrame({"doc_id": members}, schema={"doc_id": pl.Utf8}).to_arrow())
    try:
        return [r[0] for r in con.execute(_ORDER_SQL.format(table=table, expr=expr)).fetchall()]
    finally:
        con.unregister("_nd_members")


def _pair_agreement(con: duckdb.DuckDBPyConnection, pairs: list[tuple[str, str]]) -> dict[str, int]:
    frame = pl.DataFrame({"doc_id": [p[0] for p in pairs], "duplicate_of": [p[1] for p in pairs]},
                         schema={"doc_id": pl.Utf8, "duplicate_of": pl.Utf8})
    con.register("_nd_pairs", frame.to_arrow())
    try:
        return dict(con.execute(_PAIR_SQL).fetchall())
    finally:
        con.unregister("_nd_pairs")
