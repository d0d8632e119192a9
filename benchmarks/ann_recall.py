"""Recall of the claim index (claimhouse/stories/ann.py) against brute force, and what it costs, by corpus size.

    uv run python benchmarks/ann_recall.py --warehouse W.duckdb [--sizes 10000,100000,1000000] [--queries 1000] [--dtype f16] [--ef-search 128]

The stored vectors are real claim embeddings from core.claim_embeddings of W; beyond the real count
they are real vectors plus Gaussian noise (sd 0.03 per dimension, then renormalised), so the index
sees the same neighbourhood structure at every size. The queries are other real claims, held out of
the index. For each size it prints:

- recall@10: the share of the 10 exact nearest neighbours (brute force, float32) that the index
  returns among its top 10 (HNSW settings of claimhouse/stories/ann.py);
- re-ranked: the same share when the index proposes K (64) candidates and the 10 with the highest
  exact cosine (float32 vectors) are kept, as the story step does;
- pair recall: the share of the exact pairs with cosine >= PAIR_MIN (0.6) that the story step finds
  (the pairs the index proposes for each claim, ClaimIndex.candidate_pairs, then exact similarity);
- build time, query time per claim, index file size, and peak RSS.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np

from claimhouse.stories import ann
from claimhouse.stories.clusters import PAIR_MIN


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def real_vectors(path: Path) -> np.ndarray:
    con = duckdb.connect(str(path), read_only=True)
    table = con.execute("select embedding from core.claim_embeddings order by claim_id").to_arrow_table()
    return table.column("embedding").combine_chunks().flatten().to_numpy().reshape(-1, ann.DIM).astype(np.float32)


def grow(base: np.ndarray, n: int, rng) -> np.ndarray:
    if n <= len(base):
        return base[:n].copy()
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    out[:len(base)] = base
    for start in range(len(base), n, 100_000):
        m = min(100_000, n - start)
        v = base[rng.integers(0, len(base), m)] + rng.normal(0, 0.03, (m, base.shape[1])).astype(np.float32)
        out[start:start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def exact_top(queries: np.ndarray, stored: np.ndarray, k: int) -> tuple[np.ndarray, list[np.ndarray]]:
    top = np.empty((len(queries), k), dtype=np.int64)
    above: list[np.ndarray] = []
    for s in range(0, len(queries), 256):
        sims = queries[s:s + 256] @ stored.T
        top[s:s + 256] = np.argpartition(-sims, k, axis=1)[:, :k]
        above += [np.nonzero(row >= PAIR_MIN)[0] for row in sims]
    return top, above


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--dtype", default=ann.DTYPE, help="vector storage inside the index: f32, f16, i8")
    ap.add_argument("--ef-search", type=int, default=ann.EXPANSION_SEARCH, help="HNSW expansion at search time")
    args = ap.parse_args()
    ann.DTYPE, ann.EXPANSION_SEARCH = args.dtype, args.ef_search
    rng = np.random.default_rng(0)
    real = real_vectors(args.warehouse)
    real = real[rng.permutation(len(real))]
    queries, base = real[:args.queries], real[args.queries:]
    print(f"ann_recall  {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC  {platform.machine()}  {os.cpu_count()} cpus  "
          f"usearch HNSW {ann.DTYPE} M={ann.CONNECTIVITY} ef_add={ann.EXPANSION_ADD} ef_search={ann.EXPANSION_SEARCH} "
          f"K={ann.K}")
    print(f"real claim vectors: {len(real):,} from {args.warehouse} ({len(queries):,} held out as queries)")
    for size in (int(s) for s in args.sizes.split(",")):
        stored = grow(base, size, rng)
        with tempfile.TemporaryDirectory() as tmp:
            idx = ann.ClaimIndex(Path(tmp) / "x.claims.usearch")
            t = time.perf_counter()
            for start in range(0, size, 50_000):
                idx.add(np.arange(start, min(size, start + 50_000), dtype=np.uint64), stored[start:start + 50_000])
            build = time.perf_counter() - t
            idx.save()
            file_mib = (Path(tmp) / "x.claims.usearch").stat().st_size / 2**20
            t = time.perf_counter()
            matches = idx.index.search(ann._stored(queries), 10)
            query_ms = (time.perf_counter() - t) * 1000 / len(queries)
            wide = np.asarray(idx.index.search(ann._stored(queries), ann.K).keys).reshape(len(queries), -1)
            t = time.perf_counter()
            prop_rows, prop_keys = idx.candidate_pairs(queries, PAIR_MIN)
            cand_ms = (time.perf_counter() - t) * 1000 / len(queries)
        top, above = exact_top(queries, stored, 10)
        got = np.asarray(matches.keys).reshape(len(queries), -1)
        recall = np.mean([len(set(top[i]) & set(got[i].tolist())) / 10 for i in range(len(queries))])
        # as the story step uses it: K candidates from the index, ranked by exact cosine of the float vectors
        ranked = [w[np.argsort(-(stored[w.astype(np.int64)] @ q))[:10]]
                  for w, q in ((w[w < len(stored)], q) for w, q in zip(wide, queries))]
        reranked = np.mean([len(set(top[i]) & set(ranked[i].tolist())) / 10 for i in range(len(queries))])
        want = sum(len(a) for a in above)
        proposed: dict[int, set] = {}
        for r, k in zip(prop_rows.tolist(), prop_keys.tolist()):
            proposed.setdefault(r, set()).add(k)
        found = sum(sum(1 for s in a.tolist() if s in proposed.get(q, ())) for q, a in enumerate(above)) if want else 0
        print(f"{size:>9,} stored  recall@10 {recall:.4f}  re-ranked {reranked:.4f}  pair recall {found / want if want else 1:.4f} "
              f"({found:,} of {want:,} pairs >= {PAIR_MIN})  build {build:7.1f} s ({size / build:,.0f}/s)  "
              f"top-10 query {query_ms:.2f} ms/claim  candidates {cand_ms:.2f} ms/claim  file {file_mib:,.0f} MiB  "
              f"peak RSS {rss_mib():,.0f} MiB")
        del stored


if __name__ == "__main__":
    main()
