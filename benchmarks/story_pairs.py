"""Precision and recall of story clustering on labelled claim pairs; embedding speed.

    uv run python benchmarks/story_pairs.py [--seeds-warehouse W] [--polnear-warehouse W]
                                            [--newsquant-warehouse W]

benchmarks/data/story_pairs.jsonl holds 594 pairs of claims from two different documents,
each labelled paraphrase / contradiction / related / unrelated by annotators who saw only
the two texts (no scores). The pairs were sampled from warehouses built from the seeds, the
PolNeAR dev articles and the NewsQuant dev articles: all seed pairs with cosine >= 0.6,
samples of lower similarity bands, of pairs sharing words, of pairs with opposite negation,
and random pairs (column sampled_by). Because high-similarity pairs are over-represented,
precision here is what an analyst sees among the top pairs; recall is over the labelled
paraphrases only.

For each set the script opens the warehouse the pipeline built (building it with
`claimhouse run` into /tmp when the path does not exist, and running the story step on
warehouses built before it existed) and scores what the pipeline decided:
- paraphrase predicted = both claims in the same story cluster (core.story_clusters);
- contradiction predicted = core.claim_pairs.relation = 'contradiction'.
Labelled pairs whose claims the current extractor no longer produces are counted as missing.
It also times the embedding of every claim of the PolNeAR warehouse on one thread.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
LABELS = Path(__file__).resolve().parent / "data" / "story_pairs.jsonl"
SEEDS = {"seeds": ROOT / "seeds", "polnear": SHARED / "eval" / "polnear-dev" / "seeds",
         "newsquant": SHARED / "eval" / "newsquant-dev" / "seeds"}


def ensure_warehouse(name: str, path: Path) -> Path:
    from claimhouse.steps import stories as story_steps
    from claimhouse.warehouse.db import connect

    if not path.exists():
        print(f"building {path} from {SEEDS[name]} ...", flush=True)
        subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--seeds", str(SEEDS[name]),
                        "--warehouse", str(path)], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    with connect(path) as con:  # warehouses built before the story step: run it now
        if not con.execute("select count(*) from core.claim_embeddings").fetchone()[0]:
            story_steps.link_stories(con, workers=os.cpu_count() or 1)
    return path


def prf(tp: int, predicted: int, gold: int) -> str:
    p = tp / predicted if predicted else 0.0
    r = tp / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"P {p:.3f} R {r:.3f} F1 {f:.3f} (tp {tp}, predicted {predicted}, gold {gold})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in SEEDS:
        ap.add_argument(f"--{name}-warehouse", type=Path, default=Path(f"/tmp/claimhouse-bench/{name}.duckdb"))
    args = ap.parse_args()
    pairs = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    totals = {"para": [0, 0, 0], "contra": [0, 0, 0]}
    print(f"story_pairs: {len(pairs)} labelled pairs, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus")
    for name in SEEDS:
        mine = [p for p in pairs if p["set"] == name]
        path = ensure_warehouse(name, getattr(args, f"{name}_warehouse"))
        con = duckdb.connect(str(path), read_only=True)
        cluster = dict(con.execute("select claim_id, cluster_id from core.story_clusters").fetchall())
        contra = {tuple(r) for r in con.execute(
            "select claim_a, claim_b from core.claim_pairs where relation = 'contradiction'").fetchall()}
        known = {r[0] for r in con.execute("select claim_id from core.claims").fetchall()}
        con.close()
        found = [p for p in mine if p["claim_a"] in known and p["claim_b"] in known]
        counts = {"para": [0, 0, 0], "contra": [0, 0, 0]}  # tp, predicted, gold
        for p in mine:
            a, b = sorted((p["claim_a"], p["claim_b"]))
            same = a in cluster and cluster.get(a) == cluster.get(b)
            opposed = (a, b) in contra
            for key, pred, gold in (("para", same, p["label"] == "paraphrase"),
                                    ("contra", opposed, p["label"] == "contradiction")):
                counts[key][0] += pred and gold
                counts[key][1] += pred
                counts[key][2] += gold
        for key in totals:
            totals[key] = [x + y for x, y in zip(totals[key], counts[key])]
        print(f"{name:10s} pairs {len(mine)} (claims still extracted: {len(found)})")
        print(f"  paraphrase    {prf(*counts['para'])}")
        print(f"  contradiction {prf(*counts['contra'])}")
    print(f"all        paraphrase    {prf(*totals['para'])}")
    print(f"all        contradiction {prf(*totals['contra'])}")

    # speed: embedding every claim of the PolNeAR warehouse on one thread
    from claimhouse.stories.clusters import Embedder, embedding_text

    con = duckdb.connect(str(args.polnear_warehouse), read_only=True)
    texts = [embedding_text(t) for (t,) in con.execute("select content_text from core.claims").fetchall()]
    con.close()
    t0 = time.perf_counter()
    emb = Embedder(threads=1)
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    emb.encode(texts)
    secs = time.perf_counter() - t0
    words = sum(len(t.split()) for t in texts)
    print(f"embedding: model load {load:.1f} s; {len(texts)} claims ({words} words) in {secs:.1f} s on one "
          f"thread: {len(texts) / secs:.0f} claims/s, {words / secs:.0f} words/s")


if __name__ == "__main__":
    main()
