"""Pipeline throughput per stage: scan, clean, analyse, marts.

    uv run python benchmarks/pipeline.py [--seeds DIR] [--workers N] [--repeat-seeds K]

Runs the Dagster-free steps (the same functions the assets call) into a fresh
temporary warehouse and prints documents/s and words/s per stage, wall time and
peak memory. --repeat-seeds makes K distinct variants of every seed file, for a
larger corpus from the sample.
"""
from __future__ import annotations

import argparse
import platform
import resource
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from claimhouse.steps import raw as raw_steps
from claimhouse.steps import staging as staging_steps
from claimhouse.steps import core as core_steps
from claimhouse.steps import marts as mart_steps
from claimhouse.parallel import default_workers
from claimhouse.warehouse.db import connect

REPO = Path(__file__).resolve().parent.parent


def make_corpus(src: Path, dst: Path, repeat: int) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for i in range(repeat):
        for f in sorted(p for p in src.iterdir() if p.is_file()):
            data = f.read_bytes()
            if repeat > 1 and not data.lstrip().startswith(b"{") and not f.name.endswith(".gz"):
                data += f"\nVariant {i} of this article was scanned for the benchmark.\n".encode()
            (dst / f"{i:04d}_{f.name}").write_bytes(data)
    return dst


def peak_rss_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default=str(REPO / "seeds"))
    ap.add_argument("--workers", type=int, default=default_workers())
    ap.add_argument("--repeat-seeds", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(args.seeds)
        if args.repeat_seeds > 1:
            seeds = make_corpus(seeds, Path(tmp) / "seeds", args.repeat_seeds)
        wh = Path(tmp) / "bench.duckdb"
        print(f"claimhouse pipeline benchmark  {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC  "
              f"{platform.machine()} {platform.processor() or ''} python {platform.python_version()}  "
              f"workers {args.workers}")
        print(f"corpus {seeds}")
        total = time.perf_counter()
        with connect(wh) as con:
            t = time.perf_counter()
            r = raw_steps.scan(con, seeds)
            dt_scan = time.perf_counter() - t
            t = time.perf_counter()
            c = staging_steps.clean_pending(con, workers=args.workers)
            dt_clean = time.perf_counter() - t
            words = con.execute("select coalesce(sum(word_count), 0) from staging.documents").fetchone()[0]
            t = time.perf_counter()
            a = core_steps.analyse_pending(con, workers=args.workers)
            dt_an = time.perf_counter() - t
            t = time.perf_counter()
            for sql in mart_steps.mart_files():
                mart_steps.build_mart(con, sql)
            dt_marts = time.perf_counter() - t
            counts = {tbl: con.execute(f"select count(*) from {tbl}").fetchone()[0]
                      for tbl in ("core.sentences", "core.claims", "core.quantities", "core.entities")}
        wall = time.perf_counter() - total
        print(f"scan     {r.processed:6d} files     {dt_scan:8.2f} s  {r.processed / dt_scan:8.1f} files/s")
        print(f"clean    {c.processed:6d} documents {dt_clean:8.2f} s  {c.processed / dt_clean:8.1f} docs/s  "
              f"({c.quarantined} quarantined)")
        print(f"analyse  {a.processed:6d} documents {dt_an:8.2f} s  {a.processed / dt_an:8.1f} docs/s  "
              f"{words / dt_an:8.0f} words/s  (parse + claims + quantities + entities)")
        print(f"marts    {len(mart_steps.mart_files()):6d} tables    {dt_marts:8.2f} s")
        print("rows     " + "  ".join(f"{k} {v}" for k, v in counts.items()))
        print(f"total    {wall:8.2f} s wall  peak RSS {peak_rss_mib():.0f} MiB (largest process)")


if __name__ == "__main__":
    main()
