"""What adding new documents costs as the warehouse grows: from empty to millions of stored claims.

    uv run python benchmarks/scale.py [--source WAREHOUSE | --source-pages 300] [--new-pages 1000]
                                      [--claims 10000,1000000,3000000] [--work DIR] [--workers W]

1. **Real analysed rows.** ``--source``: a warehouse that ``claimhouse run`` built; otherwise
   ``--source-pages`` realistic pages (benchmarks/make_corpus.py, seed 0) are run into one.
2. **The new documents:** ``--new-pages`` pages of make_corpus.py with seed 1 (other combinations
   of real paragraphs, so some of their claims repeat stored ones, as stories do across outlets),
   and the five sample documents of ``seeds/``, so the example questions find their answers.
3. **Warehouses of each size** (``--claims``; 0, the empty warehouse, is always measured first):
   copies of the source's documents with every row of every layer (raw content included), where
   copy k has
   - ids with the suffix ``~k`` (documents, sentences, claims, quantities, mentions, clusters, pairs);
   - its own outlet (``n<k%500>.<outlet>``), URL, title and a date shifted by ``k*7 % 730`` days;
   - speakers renamed by ``k % 50`` ("Angelica Evans 17"), so the marts see many speakers;
   - its own LSH band keys (no false near-duplicates between copies);
   - each embedding turned by copy k's own random rotation (an orthogonal matrix; copy 0 keeps the
     source's vectors): the similarities inside a copy are the source's, so its stored pairs and
     clusters stay true, and across copies they are about 0 (all below 0.3), as between different
     stories. The new pages repeat some of the source's text, so their claims pair with copy 0's as
     a new outlet's wire copy pairs with the stored one. (Noise instead of rotations made every copy
     of a claim similar to its original at 0.75, above PARAPHRASE_MIN: each repeated new claim then
     joined all its copies, and the story components grew with the number of copies.)
   The last copy takes a prefix of the documents, to land on the requested claim count. The
   marts, search index and published copy are then built by a run with nothing new, and the claim
   index (above ``ann.MIN_STORED`` claims) is built from the table: none of this is timed.
4. **Measured, per size:** ``claimhouse run --seeds <new pages> --workers W --log-level DEBUG`` as a
   user runs it: wall time, the peak RSS of its largest process, the time of the story step and of
   each other step (from the run's log), the cost ratio to the empty warehouse, the warehouse and
   index sizes; then each of the 13 example queries (warehouse/queries) on the published warehouse,
   as ``claimhouse sql`` opens it (read-only, fts loaded): the whole answer fetched as Arrow, first
   run and best of three.

Prints a table per size and a summary; ``--json FILE`` writes every figure.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from claimhouse.stories import ann  # noqa: E402
from claimhouse.steps import stories as story_steps
from claimhouse.stories import clusters as stories
from claimhouse.warehouse.db import init_schema, load_fts, published_path  # noqa: E402

ID_COLUMNS = {"doc_id", "sentence_id", "claim_id", "quantity_id", "mention_id", "claim_a", "claim_b",
              "cluster_id", "duplicate_of"}
# tables copied per document (every layer); the others are corpus-wide and rebuilt by the pipeline
COPIED = ["raw.documents", "raw.files", "raw.file_documents", "staging.documents", "staging.document_signatures",
          "staging.document_bands", "core.sentences", "core.claims", "core.quantities", "core.entities",
          "core.analysed_documents", "core.claim_pairs"]
STEP_RE = re.compile(r"STEP_SUCCESS (\S+) Finished execution of step \"[^\"]+\" in ([\dhms.]+)")


def _seconds(text: str) -> float:
    """Dagster's durations: '614ms', '9.45s', '1m39s', '1h2m3s'."""
    text = text.rstrip(".")
    if text.endswith("ms"):
        return float(text[:-2]) / 1000
    total = 0.0
    for value, unit in re.findall(r"([\d.]+)([hms])", text):
        total += float(value) * {"h": 3600, "m": 60, "s": 1}[unit]
    return total


def _expr(table: str, column: str) -> str:
    """The SELECT expression that makes copy ``_k``'s value of ``column`` from the source row."""
    if column == "duplicate_of":  # a partial copy may lack the document it duplicates
        return "case when duplicate_of in (select doc_id from _docs) then duplicate_of || '~' || _k end"
    if column in ID_COLUMNS:
        return f"{column} || '~' || _k"
    if column == "source_path":
        return f"'synthetic/' || _k || '/' || {column}"
    if column == "content_sha256":  # raw.documents and raw.files: another content, another hash
        return f"sha256({column} || '~' || _k)"
    if table == "staging.documents":
        if column in ("outlet", "original_outlet", "site_name"):
            return f"case when {column} is null then null else 'n' || (_k % 500) || '.' || {column} end"
        if column == "url":
            return f"case when url is null then null else url || '?copy=' || _k end"
        if column == "title":
            return f"case when title is null then null else title || ' (' || _k || ')' end"
        if column == "published_at":
            return f"published_at + to_days(cast((_k * 7) % 730 as integer))"
        if column == "text_sha256":
            return f"sha256(text_sha256 || '~' || _k)"
    if table == "core.claims" and column == "source_canonical":
        return f"case when source_canonical is null then null else source_canonical || ' ' || (_k % 50) end"
    if table == "staging.document_bands" and column == "band_key":
        return "xor(band_key, (_k * 2654435761)::BIGINT)"
    return column


def synthesize(source: Path, target: Path, claims: int) -> dict:
    """A warehouse of about ``claims`` claims made of copies of ``source``'s documents."""
    t0 = time.perf_counter()
    for p in target.parent.glob(target.name + "*"):
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    con = duckdb.connect(str(target))
    init_schema(con)
    con.execute(f"attach '{source}' as src (read_only)")
    per_doc = con.execute("""select doc_id, count(*) as n from src.core.claims
                             where doc_id in (select doc_id from src.staging.documents)
                             group by doc_id order by doc_id""").fetchall()
    source_claims = sum(n for _, n in per_doc)
    copies: list[list[str]] = []
    left = claims
    while left > 0:
        docs, got = [], 0
        for d, n in per_doc:
            if got >= left:
                break
            docs.append(d)
            got += n
        copies.append(docs)
        left -= got
    cols = {t: [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_catalog = current_database() "
        "and table_schema || '.' || table_name = ? order by ordinal_position", [t]).fetchall()] for t in COPIED}
    src_cols = {t: {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_catalog = 'src' "
        "and table_schema || '.' || table_name = ?", [t]).fetchall()} for t in COPIED + ["core.claim_embeddings"]}
    emb = con.execute("""select claim_id, doc_id, model, embedding from src.core.claim_embeddings
                         order by claim_id""").to_arrow_table()
    vectors = np.asarray(emb["embedding"].combine_chunks().flatten().to_numpy(zero_copy_only=False),
                         dtype=np.float32).reshape(emb.num_rows, ann.DIM)
    emb_docs = np.asarray(emb["doc_id"].to_pylist(), dtype=object)
    emb_ids = np.asarray(emb["claim_id"].to_pylist(), dtype=object)
    emb_models = np.asarray(emb["model"].to_pylist(), dtype=object)
    rng = np.random.default_rng(0)
    # story clusters as the pipeline makes them (average linkage over the copy's pairs; ids from members)
    whole = stories.clusters(con.execute(story_steps._cluster_pairs_sql("").replace("core.claim_pairs", "src.core.claim_pairs")).fetchall())
    con.register("_members", pa.table({"claim_id": list(whole), "cluster_key": list(whole.values())}))
    for k, docs in enumerate(copies):
        con.execute("create or replace temp table _docs as select unnest(?::text[]) as doc_id", [docs])
        con.begin()
        for t in COPIED:
            select = ", ".join(_expr(t, c) if c in src_cols[t] else "NULL" for c in cols[t])
            if "doc_id" in src_cols[t]:
                where = "doc_id in (select doc_id from _docs)"
            elif t == "core.claim_pairs":
                where = ("claim_a in (select claim_id from src.core.claims where doc_id in (select doc_id from _docs)) "
                         "and claim_b in (select claim_id from src.core.claims where doc_id in (select doc_id from _docs))")
            con.execute(f"insert into {t} select {select} from (select *, {k} as _k from src.{t} where {where})")
        if len(docs) == len(per_doc):
            con.execute("""insert into core.story_clusters (claim_id, cluster_id)
                select claim_id || '~' || ?, 'st_' || left(sha256(min(claim_id || '~' || ?) over (partition by cluster_key)), 16)
                from _members""", [k, k])
        else:  # a partial copy: its own clusters
            part = stories.clusters(con.execute(story_steps._cluster_pairs_sql(
                "where claim_a in (select claim_id from src.core.claims where doc_id in (select doc_id from _docs)) "
                "and claim_b in (select claim_id from src.core.claims where doc_id in (select doc_id from _docs))"
            ).replace("core.claim_pairs", "src.core.claim_pairs")).fetchall())
            rows = [(f"{c}~{k}", cid) for c, cid in part.items()]
            mins: dict[str, str] = {}
            for c, cid in rows:
                mins[cid] = min(mins.get(cid, c), c)
            if rows:
                con.execute("insert into core.story_clusters (claim_id, cluster_id) select unnest(?::text[]), unnest(?::text[])",
                            [[c for c, _ in rows], ["st_" + hashlib.sha256(mins[cid].encode()).hexdigest()[:16]
                                                    for _, cid in rows]])
        keep = np.isin(emb_docs, np.asarray(docs, dtype=object))
        v = vectors[keep]
        if k:  # a random orthogonal matrix (QR of a Gaussian one, signs fixed so it is uniform)
            q, r = np.linalg.qr(rng.normal(size=(ann.DIM, ann.DIM)))
            v = (v @ (q * np.sign(np.diag(r)))).astype(np.float32)
        ids = [f"{c}~{k}" for c in emb_ids[keep]]
        frame = pa.table({
            "claim_id": pa.array(ids),
            "doc_id": pa.array([f"{d}~{k}" for d in emb_docs[keep]]),
            "model": pa.array(emb_models[keep].tolist()),
            "embedding": pa.FixedSizeListArray.from_arrays(pa.array(v.ravel(), pa.float32()), ann.DIM),
            "ann_key": pa.array(ann.claim_keys(ids), pa.uint64()),
        })
        con.register("_emb", frame)
        con.execute("""insert into core.claim_embeddings (claim_id, doc_id, model, embedding, embedded_at, ann_key)
                       select claim_id, doc_id, model, embedding, now()::timestamp, ann_key from _emb""")
        con.unregister("_emb")
        con.commit()
    con.unregister("_members")
    con.execute("detach src")
    n_docs, n_claims = con.execute("select (select count(*) from staging.documents), "
                                   "(select count(*) from core.claims)").fetchone()
    con.execute("checkpoint")
    con.close()
    return {"copies": len(copies), "source_claims": source_claims, "documents": n_docs, "claims": n_claims,
            "seconds": time.perf_counter() - t0}


def run_pipeline(seeds: Path, wh: Path, workers: int) -> dict:
    """``claimhouse run`` in a subprocess: wall time, peak RSS of its largest process, step times."""
    wrapper = ("import resource, subprocess, sys\n"
               "r = subprocess.run(sys.argv[1:])\n"
               "print('PEAK_RSS_KIB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
               "sys.exit(r.returncode)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMHOUSE_")}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "pipelines.cli", "run",
                           "--seeds", str(seeds), "--warehouse", str(wh), "--workers", str(workers), "--quiet"],
                          cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak = int(re.findall(r"PEAK_RSS_KIB (\d+)", done.stderr)[-1]) / 1024 if "PEAK_RSS_KIB" in done.stderr else float("nan")
    log = re.findall(r"^log: (\S+)", done.stdout, re.M)
    steps: dict[str, float] = {}
    if log and Path(log[-1]).exists():
        for name, took in STEP_RE.findall(Path(log[-1]).read_text(errors="replace")):
            steps[name] = steps.get(name, 0.0) + _seconds(took)
    tail = [line for line in done.stdout.splitlines() if re.match(r"(checks:|finished in)", line)]
    if done.returncode:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
    return {"seconds": seconds, "peak_rss_mib": peak, "exit": done.returncode, "steps": steps, "tail": " | ".join(tail)}


def time_queries(wh: Path, repeats: int = 3) -> dict[str, tuple[float, float, int]]:
    """Each example query on the published warehouse: (first ms, best ms, rows)."""
    out = {}
    con = duckdb.connect(str(published_path(wh)), read_only=True)
    load_fts(con)
    for q in sorted((REPO / "warehouse" / "queries").glob("*.sql")):
        sql = q.read_text(encoding="utf-8")
        times, rows = [], 0
        for _ in range(repeats):
            t = time.perf_counter()
            rows = con.execute(sql).to_arrow_table().num_rows  # the whole answer, without Python rows
            times.append((time.perf_counter() - t) * 1000)
        out[q.stem] = (times[0], min(times), rows)
    con.close()
    return out


def _size_mib(wh: Path) -> tuple[float, float, float]:
    def mib(p: Path) -> float:
        return p.stat().st_size / 2**20 if p.exists() else 0.0
    return mib(wh), mib(published_path(wh)), mib(ann.index_path(wh))


def make_pages(n: int, seed: int, out: Path, with_seeds: bool = False) -> None:
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_corpus.py"), "-n", str(n), "--seed", str(seed),
                    "--output", str(out)], check=True, stdout=subprocess.DEVNULL)
    if with_seeds:  # the five sample documents, so the example questions have their answers
        for f in sorted((REPO / "seeds").iterdir()):
            if f.is_file():
                shutil.copyfile(f, out / f.name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", type=Path, help="an analysed warehouse to copy rows from")
    ap.add_argument("--source-pages", type=int, default=300)
    ap.add_argument("--new-pages", type=int, default=1000)
    ap.add_argument("--claims", default="10000,1000000,3000000",
                    help="stored claims of each size, measured in this order (0, the empty warehouse, first "
                         "unless listed)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/claimhouse-scale"))
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--base-cache", type=Path,
                    help="keep each size's made and warmed warehouse here and start from that copy on the next "
                         "run (the made warehouse depends on --source and the schema only)")
    ap.add_argument("--build-only", action="store_true", help="make and cache the warehouses, measure nothing")
    ap.add_argument("--empty-from", type=Path,
                    help="take the empty warehouse's run from this --json file of an earlier run (same new pages) "
                         "instead of measuring it again")
    args = ap.parse_args()
    sizes = [int(s) for s in args.claims.split(",") if s.strip()]
    if 0 not in sizes and not args.empty_from:  # the empty warehouse is measured first unless the list places it
        sizes.insert(0, 0)
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"scale  {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC  {platform.machine()}  {os.cpu_count()} cpus  "
          f"workers {args.workers}  ann.MIN_STORED {ann.MIN_STORED:,}", flush=True)

    source = args.source
    if source is None:
        pages = args.work / "source-pages"
        make_pages(args.source_pages, 0, pages)
        source = args.work / "source" / "claimhouse.duckdb"
        if not source.exists():
            r = run_pipeline(pages, source, args.workers)
            print(f"source       {args.source_pages} pages analysed in {r['seconds']:.1f} s ({r['tail']})", flush=True)
    new_pages = args.work / "new-pages"
    make_pages(args.new_pages, 1, new_pages, with_seeds=True)
    print(f"new pages    {args.new_pages} and the 5 seeds in {new_pages}", flush=True)

    results = []
    if args.empty_from:
        results += [r for r in json.loads(args.empty_from.read_text()) if r["size"] == 0]
        print(f"empty warehouse: {results[0]['seconds']:.1f} s, from {args.empty_from}", flush=True)
    for size in sizes:
        wh = args.work / f"claims-{size}" / "claimhouse.duckdb"
        shutil.rmtree(wh.parent, ignore_errors=True)
        wh.parent.mkdir(parents=True)
        setup = {"documents": 0, "claims": 0, "seconds": 0.0}
        cached = args.base_cache / f"claims-{size}" if args.base_cache else None
        if size and cached and (cached / "setup.json").exists():
            t = time.perf_counter()
            shutil.rmtree(wh.parent)
            shutil.copytree(cached, wh.parent)
            setup = json.loads((wh.parent / "setup.json").read_text())
            print(f"\n{size:>12,} claims  copied from {cached}: {setup['documents']:,} documents, "
                  f"{setup['claims']:,} claims in {time.perf_counter() - t:.0f} s", flush=True)
        elif size:
            setup = synthesize(source, wh, size)
            empty = args.work / "empty-seeds"
            empty.mkdir(exist_ok=True)
            t = time.perf_counter()
            warm = run_pipeline(empty, wh, args.workers)  # marts, search index, published copy
            con = duckdb.connect(str(wh))
            if setup["claims"] >= ann.MIN_STORED:
                index = ann.ClaimIndex(ann.index_path(wh))
                index.sync(con)
                index.save()
            con.close()
            print(f"\n{size:>12,} claims  made: {setup['documents']:,} documents, {setup['claims']:,} claims "
                  f"({setup['copies']} copies) in {setup['seconds']:.0f} s; marts/search/publish/index built in "
                  f"{time.perf_counter() - t:.0f} s (exit {warm['exit']})", flush=True)
            if cached and warm["exit"] == 0:
                (wh.parent / "setup.json").write_text(json.dumps(setup))
                shutil.rmtree(cached, ignore_errors=True)
                shutil.copytree(wh.parent, cached)
        else:
            print(f"\n{'empty':>12}  warehouse", flush=True)
        if args.build_only:
            continue
        r = run_pipeline(new_pages, wh, args.workers)
        story = r["steps"].get("story_links", 0.0)
        db, pub, idx = _size_mib(wh)
        queries = time_queries(wh) if r["exit"] == 0 else {}
        r.update(size=size, setup=setup, story_seconds=story, warehouse_mib=db, published_mib=pub, index_mib=idx,
                 queries=queries)
        results.append(r)
        empty_runs = [x["seconds"] for x in results if x["size"] == 0]
        ratio = f"{r['seconds'] / empty_runs[0]:.2f}" if empty_runs else "(empty not measured yet)"
        print(f"  add {args.new_pages} pages  {r['seconds']:8.1f} s  ratio to empty {ratio}  "
              f"peak RSS {r['peak_rss_mib']:,.0f} MiB  exit {r['exit']}  {r['tail']}")
        print(f"  story step    {story:8.1f} s  ({story / r['seconds']:.0%} of the run)")
        slow = sorted(r["steps"].items(), key=lambda kv: -kv[1])[:6]
        print("  slowest steps " + ", ".join(f"{n} {s:.1f} s" for n, s in slow))
        print(f"  files         warehouse {db:,.0f} MiB, published {pub:,.0f} MiB, claim index {idx:,.0f} MiB")
        for name, (first, best, rows) in queries.items():
            print(f"  query {name:<28} first {first:8.1f} ms  best {best:8.1f} ms  rows {rows}")
        print(flush=True)

    if not results:
        return
    print("summary")
    print(f"  {'stored claims':>14} {'documents':>10} {'add s':>8} {'ratio':>6} {'story s':>8} {'peak MiB':>9} "
          f"{'max query ms':>13}")
    empty_s = next(x["seconds"] for x in results if x["size"] == 0)
    for r in sorted(results, key=lambda x: x["size"]):
        worst = max((best for _, best, _ in r["queries"].values()), default=float("nan"))
        print(f"  {r['setup']['claims']:>14,} {r['setup']['documents']:>10,} {r['seconds']:>8.1f} "
              f"{r['seconds'] / empty_s:>6.2f} {r['story_seconds']:>8.1f} {r['peak_rss_mib']:>9,.0f} "
              f"{worst:>13.1f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
