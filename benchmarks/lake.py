"""DuckLake against the DuckDB file, as the place analysts read: publish time, query time, disk.

    uv run python benchmarks/lake.py --seeds DIR [--base WAREHOUSE] [--add DIR] [--work DIR] [--workers N]

For each way of publishing (``CLAIMHOUSE_PUBLISH=file``: the DuckDB copy; ``lake``: the DuckLake with a
DuckDB catalog file), on its own copy of the same warehouse:
1. ``claimhouse run --seeds SEEDS`` (a whole run; with ``--base``, on a copy of that warehouse, so the
   publish is the first one of a big warehouse);
2. with ``--add``, ``claimhouse run --seeds ADD`` (a few new documents: what a daily publish costs);
3. each example query (``warehouse/queries``) on what analysts read: first run and best of 3. The search
   queries need the fts indexes, which stay in the DuckDB file: on the lake they are not timed;
4. the disk each takes (the published copy and its spare; the catalog and the Parquet folder).
Prints one table; the run times are of the whole ``claimhouse run`` and of its publish step.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from scale import STEP_RE, _seconds  # noqa: E402

from claimhouse.warehouse.db import load_fts, published_path, spare_path  # noqa: E402
from claimhouse.warehouse.lake import attach, default_catalog, default_data_path  # noqa: E402


def run(seeds: Path, wh: Path, mode: str, workers: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMHOUSE_")}
    env["CLAIMHOUSE_PUBLISH"] = mode
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--seeds", str(seeds), "--warehouse", str(wh),
                           "--workers", str(workers), "--quiet"], cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
    log = re.findall(r"^log: (\S+)", done.stdout, re.M)
    publish = 0.0
    if log:
        for name, took in STEP_RE.findall(Path(log[-1]).read_text(errors="replace")):
            if name == "published__warehouse":
                publish += _seconds(took)
    return {"seconds": seconds, "publish": publish, "exit": done.returncode}


def queries(wh: Path, mode: str, repeats: int = 3) -> dict[str, tuple[float, float] | None]:
    if mode == "file":
        con = duckdb.connect(str(published_path(wh)), read_only=True)
        load_fts(con)
    else:
        con = duckdb.connect()
        attach(con, default_catalog(wh), read_only=True)
        con.execute("USE lake")
    out: dict[str, tuple[float, float] | None] = {}
    for q in sorted((REPO / "warehouse" / "queries").glob("*.sql")):
        sql = q.read_text(encoding="utf-8")
        if mode == "lake" and "search_" in sql:
            out[q.stem] = None
            continue
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            con.execute(sql).to_arrow_table()
            times.append((time.perf_counter() - t) * 1000)
        out[q.stem] = (times[0], min(times))
    con.close()
    return out


def disk_mib(wh: Path, mode: str) -> float:
    if mode == "file":
        files = [published_path(wh), spare_path(published_path(wh))]
        return sum(f.stat().st_size for f in files if f.exists()) / 2**20
    data = Path(default_data_path(wh))
    catalog = Path(default_catalog(wh))
    parts = [catalog, *(p for p in data.rglob("*") if p.is_file())]
    return sum(p.stat().st_size for p in parts if p.exists()) / 2**20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=Path, required=True)
    ap.add_argument("--base", type=Path, help="start from a copy of this warehouse (with its published copy)")
    ap.add_argument("--add", type=Path, help="a folder of new documents for a second run")
    ap.add_argument("--work", type=Path, default=Path("/tmp/claimhouse-lake-bench"))
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    print(f"lake vs file  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  {platform.machine()}  {os.cpu_count()} cpus  "
          f"duckdb {duckdb.__version__}  seeds {args.seeds}" + (f"  base {args.base}" if args.base else ""))
    results = {}
    for mode in ("file", "lake"):
        folder = args.work / mode
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        wh = folder / "claimhouse.duckdb"
        if args.base:
            shutil.copy(args.base, wh)
        first = run(args.seeds, wh, mode, args.workers)
        second = run(args.add, wh, mode, args.workers) if args.add else None
        results[mode] = {"first": first, "second": second, "queries": queries(wh, mode), "disk": disk_mib(wh, mode)}
        r = results[mode]
        line = (f"{mode:5}  run {first['seconds']:7.1f} s (publish {first['publish']:6.2f} s, exit {first['exit']})")
        if second:
            line += f"   add run {second['seconds']:7.1f} s (publish {second['publish']:6.2f} s, exit {second['exit']})"
        print(line + f"   disk {r['disk']:8.1f} MiB")
    print(f"{'query':32} {'file first/best ms':>20} {'lake first/best ms':>20}")
    for q in results["file"]["queries"]:
        f, lk = results["file"]["queries"][q], results["lake"]["queries"][q]
        lake_txt = "(fts: file only)" if lk is None else f"{lk[0]:8.1f} / {lk[1]:6.1f}"
        print(f"{q:32} {f[0]:8.1f} / {f[1]:6.1f}   {lake_txt:>20}")
    timed = [q for q, v in results["lake"]["queries"].items() if v is not None]
    for mode in ("file", "lake"):
        best = sum(results[mode]["queries"][q][1] for q in timed)
        print(f"{mode:5}  sum of best times over the {len(timed)} queries both answer: {best:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
