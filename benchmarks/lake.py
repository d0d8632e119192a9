"""DuckLake against the DuckDB file: run time, query time, disk.

    uv run python benchmarks/lake.py --seeds DIR [--base WAREHOUSE] [--add DIR] [--work DIR] [--workers N]
                                     [--modes file,lake,store]

Three set-ups, each on its own warehouse:
- ``file``: the steps write the DuckDB file, analysts read its published copy (``CLAIMHOUSE_PUBLISH=file``,
  the default);
- ``lake``: the steps write the DuckDB file, which is published to a DuckLake (``CLAIMHOUSE_PUBLISH=lake``);
- ``store``: the steps write a DuckLake directly (``--warehouse ducklake:<catalog>``, a DuckDB catalog file:
  what several writers share when the catalog is PostgreSQL), and analysts read it.
For each (``--base`` copies a warehouse for the first two only):
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


def location(wh: Path, mode: str) -> str:
    return f"ducklake:{wh.with_suffix('.ducklake')}" if mode == "store" else str(wh)


def run(seeds: Path, wh: Path, mode: str, workers: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMHOUSE_")}
    env["CLAIMHOUSE_PUBLISH"] = "file" if mode == "store" else mode
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--seeds", str(seeds),
                           "--warehouse", location(wh, mode),
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
    elif mode == "store":
        con = duckdb.connect()
        attach(con, str(wh.with_suffix(".ducklake")), read_only=True)
        con.execute("USE lake")
    else:
        con = duckdb.connect()
        attach(con, default_catalog(wh), read_only=True)
        con.execute("USE lake")
    out: dict[str, tuple[float, float] | None] = {}
    for q in sorted((REPO / "warehouse" / "queries").glob("*.sql")):
        sql = q.read_text(encoding="utf-8")
        if mode != "file" and "search_" in sql:
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
    if mode == "store":  # the catalog and the lake's Parquet files (not the story index and report beside them)
        catalog = wh.with_suffix(".ducklake")
        data = Path(f"{catalog}.files")
        parts = [catalog, *(p for p in data.rglob("*.parquet") if p.is_file())]
        return sum(p.stat().st_size for p in parts if p.exists()) / 2**20
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
    ap.add_argument("--modes", default="file,lake,store", help="which set-ups, of file, lake and store")
    args = ap.parse_args(argv)
    modes = [m for m in args.modes.split(",") if m]
    print(f"lake vs file  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  {platform.machine()}  {os.cpu_count()} cpus  "
          f"duckdb {duckdb.__version__}  seeds {args.seeds}" + (f"  base {args.base}" if args.base else ""))
    results = {}
    for mode in modes:
        folder = args.work / mode
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        wh = folder / "claimhouse.duckdb"
        if args.base and mode != "store":
            shutil.copy(args.base, wh)
        first = run(args.seeds, wh, mode, args.workers)
        second = run(args.add, wh, mode, args.workers) if args.add else None
        results[mode] = {"first": first, "second": second, "queries": queries(wh, mode), "disk": disk_mib(wh, mode)}
        r = results[mode]
        line = (f"{mode:5}  run {first['seconds']:7.1f} s (publish {first['publish']:6.2f} s, exit {first['exit']})")
        if second:
            line += f"   add run {second['seconds']:7.1f} s (publish {second['publish']:6.2f} s, exit {second['exit']})"
        print(line + f"   disk {r['disk']:8.1f} MiB")
    print(f"{'query':32}" + "".join(f" {m + ' first/best ms':>20}" for m in modes))
    for q in results[modes[0]]["queries"]:
        cells = []
        for m in modes:
            v = results[m]["queries"][q]
            cells.append("(fts: file only)" if v is None else f"{v[0]:8.1f} / {v[1]:6.1f}")
        print(f"{q:32}" + "".join(f" {c:>20}" for c in cells))
    timed = [q for q in results[modes[0]]["queries"] if all(results[m]["queries"][q] is not None for m in modes)]
    for mode in modes:
        best = sum(results[mode]["queries"][q][1] for q in timed)
        print(f"{mode:5}  sum of best times over the {len(timed)} queries both answer: {best:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
