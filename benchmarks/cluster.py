"""Documents per second of a scaled-out run (`claimhouse run --executor celery`) with 1 and with 2 celery
worker hosts, on N generated pages (benchmarks/make_corpus.py) and the seeds.

    uv run python benchmarks/cluster.py [-n 1000] [--workers-per-host 1] [--templates DIR] [--batches K] [--lake]

With ``--batches K`` the input is split into K folders (K ingest batches) and the launching command is
`claimhouse backfill --executor celery --parallel H` with H the number of hosts: one run per batch, H at a
time, then the corpus-wide assets. Without it, one `claimhouse run --executor celery` (one run). With ``--lake``
the warehouse is a DuckLake whose catalog is in the services' PostgreSQL (a schema of its own per measurement)
and whose Parquet files are in a folder both hosts see: the hosts write it at the same time.

Needs root for the worker network namespaces (as tests/test_distributed.py: one namespace and host name
per worker, reaching PostgreSQL and Redis over the private bridge) and starts the services with
deploy/cluster/services.sh. Each measurement builds a new warehouse from nothing; the time is the
launching command's, start to end (workers already running and idle). Prints one line per set-up.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_distributed import WCXB, Hosts  # noqa: E402


def services() -> dict:
    out = subprocess.run(["bash", str(ROOT / "deploy" / "cluster" / "services.sh")], check=True,
                         capture_output=True, text=True, env=dict(os.environ, CLAIMHOUSE_CLUSTER_BRIDGE="1"))
    return dict(line[len("export "):].split("=", 1) for line in out.stdout.splitlines() if line.startswith("export "))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=1000, help="generated pages (default 1000)")
    ap.add_argument("--workers-per-host", type=int, default=1,
                    help="claimhouse worker processes inside each step (default 1)")
    ap.add_argument("--templates", default=str(WCXB), help="folder of real pages for make_corpus.py")
    ap.add_argument("--smallest", type=int, default=0,
                    help="use only the N smallest template pages (shorter documents, a quicker measurement)")
    ap.add_argument("--hosts", default="1,2", help="worker host counts to measure (default 1,2)")
    ap.add_argument("--batches", type=int, default=0,
                    help="split the input into K ingest batches and backfill them, as many at a time as hosts")
    ap.add_argument("--lake", action="store_true",
                    help="the warehouse is a DuckLake with a PostgreSQL catalog (several writers at once)")
    args = ap.parse_args()

    base = Path(tempfile.mkdtemp(prefix="claimhouse-cluster-"))
    seeds = base / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    templates = Path(args.templates)
    if args.smallest:
        (base / "templates").mkdir()
        pages = sorted((p for p in templates.iterdir() if p.name.endswith((".html", ".htm", ".html.gz"))),
                       key=lambda p: (p.stat().st_size, p.name))
        for p in pages[:args.smallest]:
            shutil.copy(p, base / "templates")
        templates = base / "templates"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "--input", str(templates),
                    "--output", str(seeds), "-n", str(args.n), "--seed", "0"], check=True, capture_output=True)
    docs = sum(1 for p in seeds.iterdir() if p.is_file())
    if args.batches:
        for i, p in enumerate(sorted(q for q in seeds.iterdir() if q.is_file())):
            (seeds / f"batch{i % args.batches:02d}").mkdir(exist_ok=True)
            p.rename(seeds / f"batch{i % args.batches:02d}" / p.name)
    env = dict(os.environ, **services(), GX_ANALYTICS_ENABLED="false", DAGSTER_DISABLE_TELEMETRY="1")
    import redis

    for url in (env["CLAIMHOUSE_CELERY_BROKER"], env["CLAIMHOUSE_CELERY_BACKEND"]):
        redis.Redis.from_url(url).flushdb()
    print(f"{time.strftime('%Y-%m-%d')} {platform.machine()} {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {docs} documents ({args.n} generated + seeds); "
          f"--workers {args.workers_per_host} in each step"
          + (f"; {args.batches} ingest batches, backfilled as many at a time as hosts" if args.batches else "")
          + (f"; templates: the {args.smallest} smallest pages of {args.templates}" if args.smallest else "")
          + ("; warehouse: a DuckLake, PostgreSQL catalog" if args.lake else "; warehouse: the DuckDB file"), flush=True)
    for n_hosts in [int(x) for x in args.hosts.split(",")]:
        run_dir = base / f"hosts{n_hosts}"
        (run_dir / "home").mkdir(parents=True)
        shutil.copy(ROOT / "deploy" / "cluster" / "dagster.yaml", run_dir / "home" / "dagster.yaml")
        run_env = dict(env, DAGSTER_HOME=str(run_dir / "home"), CLAIMHOUSE_CLUSTER_ARTIFACTS=str(run_dir / "artifacts"))
        warehouse = str(run_dir / "claimhouse.duckdb")
        if args.lake:
            from claimhouse.warehouse.db import LAKE_PREFIX, postgres_catalog

            warehouse = LAKE_PREFIX + postgres_catalog(env["DAGSTER_PG_URL"])
            run_env.update(CLAIMHOUSE_LAKE_DATA=str(run_dir / "lake") + "/",
                           CLAIMHOUSE_LAKE_METADATA_SCHEMA=f"bench_{base.name.replace('-', '_')}_{n_hosts}")
        os.environ.update({k: run_env[k] for k in ("CLAIMHOUSE_CELERY_BROKER", "CLAIMHOUSE_CELERY_BACKEND")})
        hosts = Hosts(run_env, run_dir)
        try:
            for i in range(1, n_hosts + 1):
                hosts.start(i)
            hosts.wait_ready()
            started = time.monotonic()
            if args.batches:
                cmd = ["backfill", "--executor", "celery", "--parallel", str(n_hosts)]
            else:
                cmd = ["run", "--executor", "celery", "--quiet"]
            out = subprocess.run([sys.executable, "-m", "pipelines.cli", *cmd,
                                  "--seeds", str(seeds), "--warehouse", warehouse,
                                  "--workers", str(args.workers_per_host)],
                                 env=run_env, cwd=ROOT,
                                 capture_output=True, text=True)
            elapsed = time.monotonic() - started
        finally:
            hosts.stop()
        status = "succeeded" if out.returncode == 0 else f"FAILED ({out.stdout[-500:]})"
        print(f"{n_hosts} worker host{'s' if n_hosts > 1 else ''} ({'network namespaces' if hosts.netns else 'processes'}): "
              f"{elapsed:.1f} s, {docs / elapsed:.2f} documents/s, run {status}", flush=True)
    shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
