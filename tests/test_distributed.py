"""The claimhouse job on celery workers, for real: PostgreSQL (Dagster's instance), Redis (broker and
results), two worker "hosts", the whole asset graph over the seeds plus generated pages.

Hosts: as root, each worker runs in a network namespace of its own (ip netns, a veth pair on the private
bridge chbr0 that deploy/cluster/services.sh creates; the services listen on 127.0.0.1 and the bridge's
10.201.0.1 only) and a UTS namespace with its own host name (host1, host2), so each reaches PostgreSQL and
Redis over a network link as a second machine would, and killing a host is killing every process in its
namespace. Not root: two worker processes in their own process groups, named w@host1 and w@host2.

Checks:
1. a single-machine `claimhouse run` (in-process) gives the reference digest of the warehouse;
2. a celery run over the same input ran steps on both hosts and gives the same digest;
3. a celery run in which the host running `core_analysis` is SIGKILLed in the middle of that step still
   succeeds (the unacknowledged task goes to the other host after the visibility timeout; see
   pipelines/celery_app.py), and gives the same digest again: nothing lost, nothing duplicated;
4. the same killed-host run into a DuckLake warehouse (`ducklake:postgres:…`) gives the same digest, every
   table but the full-text index's (a lake has none).

The digest is a SHA-256 per table over every row of every table (sorted), leaving out the columns in
RUN_SPECIFIC: processing times and build durations, which differ from one run to the next; in the
full-text index tables (fts_*.dict, fts_*.terms, fts_*.docs) terms and documents are compared by their text
and key, not by their surrogate ids, which DuckDB assigns in hash-table order and in row order.

A second test backfills three ingest batches, two runs at a time: every partition ran, per-document steps of
two batches overlapped on the two hosts, and the warehouse digest equals a single-machine run's (the
bookkeeping of which checks and marts ran over what left out, as in tests/test_partitions.py). A third does
the same into a DuckLake with its catalog in PostgreSQL: two hosts write it at the same time.

Skipped only when neither the PostgreSQL and Redis binaries are there nor are we root (as root,
services.sh installs them). Inputs: the seeds and CLAIMHOUSE_DISTRIBUTED_DOCS (default 100) pages made
by benchmarks/make_corpus.py from the 30 smallest WCXB dev pages (../shared/eval/wcxb-dev/seeds).
"""
from __future__ import annotations

import glob
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WCXB = ROOT.parent / "shared" / "eval" / "wcxb-dev" / "seeds"
DOCS = int(os.environ.get("CLAIMHOUSE_DISTRIBUTED_DOCS", "100"))
BACKFILL_DOCS = int(os.environ.get("CLAIMHOUSE_DISTRIBUTED_BACKFILL_DOCS", "300"))
LAKE_DOCS = int(os.environ.get("CLAIMHOUSE_DISTRIBUTED_LAKE_DOCS", "150"))
VISIBILITY_TIMEOUT = 20  # seconds: a killed host's step goes to the other host this long after it started

# columns that legitimately differ between two runs over the same input (when, how long); every other
# column of every table must be equal
RUN_SPECIFIC = {
    "core.analysed_documents": {"analysed_at"},
    "core.claim_embeddings": {"embedded_at"},
    "core.story_clusters": {"clustered_at"},
    "meta.check_watermarks": {"checked_through"},
    "meta.entity_names_inputs": {"resolved_at"},
    "meta.mart_inputs": {"built_at", "build_seconds"},
    "meta.search_indexes": {"built_at", "build_seconds"},
    "quarantine.documents": {"seen_at"},
    "raw.documents": {"ingested_at"},
    "raw.files": {"first_seen_at", "last_changed_at"},
    "staging.documents": {"cleaned_at"},
}


def warehouse_digest(path: Path | str) -> dict[str, str]:
    """{schema.table: sha256 of its sorted rows (RUN_SPECIFIC columns left out) and row count}; ``path``: a
    DuckDB file, or ``ducklake:<catalog>`` (read through claimhouse's own connection)."""
    import contextlib

    import duckdb

    from claimhouse.warehouse import db

    out = {}
    with contextlib.ExitStack() as stack:
        if db.is_lake(path):
            con = stack.enter_context(db.connect(str(path), read_only=True))
        else:
            con = duckdb.connect(str(path), read_only=True)
            stack.callback(con.close)
        tables = con.execute("select schema_name, table_name from duckdb_tables() "
                             "where database_name = current_database() order by 1, 2").fetchall()
        for schema, table in tables:
            name = f"{schema}.{table}"
            cols = [c for (c,) in con.execute(
                "select column_name from duckdb_columns() where database_name = current_database() "
                "and schema_name = ? and table_name = ? order by column_index", [schema, table]).fetchall()
                if c not in RUN_SPECIFIC.get(name, set())]
            select = ", ".join(f'"{c}"' for c in cols)
            source = f'"{schema}"."{table}"'
            if schema.startswith("fts_") and table in ("dict", "terms", "docs"):
                # DuckDB's full-text index numbers its terms in hash-table order, and its documents in the
                # order of the indexed table's rows (which batches landing at once interleave): compare the
                # terms and the documents' keys, not their surrogate ids
                select = {"dict": "term, df", "docs": "name, len, row_hash", "terms": "d.name, t.fieldid, w.term"}[table]
                source = {"dict": f'"{schema}".dict', "docs": f'"{schema}".docs',
                          "terms": f'"{schema}".terms t join "{schema}".dict w using (termid) '
                                   f'join "{schema}".docs d using (docid)'}[table]
            # a FLOAT[384] array (the DuckDB file) comes back as a tuple, a FLOAT[] list (DuckLake) as a list
            rows = sorted(repr(tuple(tuple(v) if isinstance(v, list) else v for v in r))
                          for r in con.execute(f"select {select} from {source}").fetchall())
            h = hashlib.sha256()
            for r in rows:
                h.update(r.encode())
                h.update(b"\n")
            out[name] = f"{len(rows)}:{h.hexdigest()[:16]}"
    return out


def _have_binaries() -> bool:
    return bool(shutil.which("redis-server")) and bool(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


@pytest.fixture(scope="module")
def services():
    root = os.geteuid() == 0
    if not _have_binaries() and not root:
        pytest.skip("PostgreSQL / redis-server not installed and not root to install them")
    env = dict(os.environ, CLAIMHOUSE_CLUSTER_BRIDGE="1" if root else "0")
    out = subprocess.run(["bash", str(ROOT / "deploy" / "cluster" / "services.sh")], env=env,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    found = {}
    for line in out.stdout.splitlines():
        if line.startswith("export "):
            key, value = line[len("export "):].split("=", 1)
            found[key] = value
    import redis  # a clean broker: no task of an earlier, interrupted test run

    for url in (found["CLAIMHOUSE_CELERY_BROKER"], found["CLAIMHOUSE_CELERY_BACKEND"]):
        redis.Redis.from_url(url).flushdb()
    return found


def _make_corpus(base: Path, n: int) -> Path:
    if not WCXB.is_dir():
        pytest.skip(f"{WCXB} (WCXB dev pages, the generated documents' templates) not found")
    templates = base / "templates"
    templates.mkdir()
    for p in sorted(WCXB.glob("*.html.gz"), key=lambda p: (p.stat().st_size, p.name))[:30]:
        shutil.copy(p, templates)
    seeds = base / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "--input", str(templates),
                    "--output", str(seeds), "-n", str(n), "--seed", "0"], check=True, capture_output=True)
    return seeds


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return _make_corpus(tmp_path_factory.mktemp("distributed"), DOCS)


class Hosts:
    """Two celery worker hosts: network namespaces when we can make them, else process groups."""

    def __init__(self, env: dict, workdir: Path):
        self.env = env
        self.workdir = workdir
        self.procs: dict[str, subprocess.Popen] = {}
        self.netns = os.geteuid() == 0 and bool(env.get("CLAIMHOUSE_CLUSTER_BRIDGE_ADDR")) and self._make_netns()

    def _make_netns(self) -> bool:
        try:
            for i in (1, 2):
                self._drop_netns(i)
                ns, veth = f"chw{i}", f"chv{i}"
                for cmd in (["ip", "netns", "add", ns],
                            ["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns],
                            ["ip", "link", "set", veth, "master", "chbr0", "up"],
                            ["ip", "-n", ns, "addr", "add", f"10.201.0.{10 + i}/24", "dev", "eth0"],
                            ["ip", "-n", ns, "link", "set", "eth0", "up"],
                            ["ip", "-n", ns, "link", "set", "lo", "up"]):
                    subprocess.run(cmd, check=True, capture_output=True, text=True)
            return True
        except (subprocess.CalledProcessError, FileNotFoundError) as exc:
            print(f"network namespaces unavailable ({exc}): worker processes instead", file=sys.stderr)
            for i in (1, 2):
                self._drop_netns(i)
            return False

    @staticmethod
    def _drop_netns(i: int) -> None:
        if subprocess.run(["ip", "netns", "pids", f"chw{i}"], capture_output=True).returncode == 0:
            Hosts._kill_netns(i)
            subprocess.run(["ip", "netns", "del", f"chw{i}"], capture_output=True)
        subprocess.run(["ip", "link", "del", f"chv{i}"], capture_output=True)

    @staticmethod
    def _kill_netns(i: int) -> None:
        pids = subprocess.run(["ip", "netns", "pids", f"chw{i}"], capture_output=True, text=True).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass

    def start(self, i: int) -> None:
        celery = [sys.executable, "-m", "celery", "-A", "pipelines.celery_app", "worker", "-Q", "dagster",
                  "-P", "solo", "--prefetch-multiplier=1", "--without-mingle", "--without-gossip", "-l", "INFO"]
        log = open(self.workdir / f"worker{i}.log", "ab")
        if self.netns:
            cmd = ["ip", "netns", "exec", f"chw{i}", "unshare", "--uts", "--", "sh", "-c",
                   f'hostname host{i} && exec "$@"', "sh", *celery, "-n", "w@%h"]
        else:
            cmd = [*celery, "-n", f"w@host{i}"]
        self.procs[f"w@host{i}"] = subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=log, stderr=log,
                                                    start_new_session=True)

    def kill(self, name: str) -> None:
        """The host dies: SIGKILL to every process on it."""
        i = int(name[-1])
        if self.netns:
            self._kill_netns(i)
        else:
            os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait(timeout=30)

    def wait_ready(self, timeout: float = 120) -> None:
        from pipelines import celery_app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = celery_app.app.control.ping(timeout=1.0) or []
            names = {n for r in replies for n in r}
            if set(self.procs) <= names:
                return
            time.sleep(1)
        raise AssertionError(f"workers not ready: {set(self.procs)} vs {names}")

    def stop(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=30)
        if self.netns:
            for i in (1, 2):
                self._drop_netns(i)


def _cluster_env(services: dict, tmp_path: Path, monkeypatch, visibility_timeout: int) -> dict:
    """The settings of the launching process and of the hosts (README "Running on several machines"), with a
    Dagster home of this test's own holding deploy/cluster/dagster.yaml; set in this process too."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "cluster" / "dagster.yaml", home / "dagster.yaml")
    env = dict(os.environ, **services, DAGSTER_HOME=str(home), CLAIMHOUSE_CLUSTER_ARTIFACTS=str(tmp_path / "artifacts"),
               CLAIMHOUSE_CELERY_VISIBILITY_TIMEOUT=str(visibility_timeout),
               GX_ANALYTICS_ENABLED="false", DAGSTER_DISABLE_TELEMETRY="1")
    for key in ("DAGSTER_HOME", "DAGSTER_PG_URL", "CLAIMHOUSE_CLUSTER_ARTIFACTS", "CLAIMHOUSE_CELERY_BROKER",
                "CLAIMHOUSE_CELERY_BACKEND", "CLAIMHOUSE_CELERY_VISIBILITY_TIMEOUT"):
        monkeypatch.setenv(key, env[key])
    return env


def _claimhouse_run(seeds: Path, warehouse: Path, env: dict, celery: bool) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "pipelines.cli", "run", "--seeds", str(seeds), "--warehouse", str(warehouse),
           "--workers", "0", "--quiet"]
    if celery:
        cmd += ["--executor", "celery"]
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(proc: subprocess.Popen, timeout: float = 400) -> str:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out[-4000:]
    return out


def _lake_location(services: dict, tmp_path: Path, monkeypatch) -> str:
    """A DuckLake warehouse of this test's own: its catalog in a schema of the services' PostgreSQL, its Parquet
    files under ``tmp_path`` (set in the environment before the hosts start, so they attach the same lake)."""
    import uuid

    from claimhouse.warehouse.db import LAKE_PREFIX, postgres_catalog

    monkeypatch.setenv("CLAIMHOUSE_LAKE_METADATA_SCHEMA", f"lake_{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("CLAIMHOUSE_LAKE_DATA", str(tmp_path / "lake-files") + "/")
    return LAKE_PREFIX + postgres_catalog(services["DAGSTER_PG_URL"])


def _kill_in_core_analysis(instance, hosts: Hosts, proc: subprocess.Popen, previous: str) -> str:
    """Kill the host that runs core_analysis of the run launched after run ``previous``, a few seconds into it."""
    from pipelines.cluster import step_workers

    victim, deadline = None, time.monotonic() + 300
    while victim is None and time.monotonic() < deadline and proc.poll() is None:
        runs = instance.get_runs(limit=1)
        if runs and runs[0].run_id != previous:
            victim = (step_workers(instance, runs[0].run_id).get("core_analysis") or [None])[0]
        time.sleep(0.5)
    assert victim, "core_analysis never started"
    time.sleep(3)
    hosts.kill(victim)
    return victim


def test_celery_workers_build_the_same_warehouse_and_survive_a_killed_host(services, corpus, tmp_path, monkeypatch):
    started = time.monotonic()
    lake = _lake_location(services, tmp_path, monkeypatch)
    env = _cluster_env(services, tmp_path, monkeypatch, VISIBILITY_TIMEOUT)
    import dagster as dg

    from pipelines.cluster import step_workers

    hosts = Hosts(env, tmp_path)
    try:
        hosts.start(1)
        hosts.start(2)
        # 1. the reference: one machine, in-process (while the workers start)
        reference = _claimhouse_run(corpus, tmp_path / "single" / "claimhouse.duckdb", env, celery=False)
        _finish(reference)
        want = warehouse_digest(tmp_path / "single" / "claimhouse.duckdb")
        assert want["raw.documents"].startswith(f"{DOCS + 5}:")
        hosts.wait_ready()
        print(f"hosts: {'network namespaces' if hosts.netns else 'process groups'}; reference after "
              f"{time.monotonic() - started:.0f} s")

        instance = dg.DagsterInstance.get()
        # 2. two hosts
        _finish(_claimhouse_run(corpus, tmp_path / "two" / "claimhouse.duckdb", env, celery=True))
        run = instance.get_runs(limit=1)[0]
        assert run.status == dg.DagsterRunStatus.SUCCESS
        ran_on = step_workers(instance, run.run_id)
        assert set(w for ws in ran_on.values() for w in ws) == {"w@host1", "w@host2"}, ran_on
        assert warehouse_digest(tmp_path / "two" / "claimhouse.duckdb") == want
        print(f"two hosts: {sum(len(v) for v in ran_on.values())} steps; after {time.monotonic() - started:.0f} s")

        # 3. the host running core_analysis dies in the middle of it
        proc = _claimhouse_run(corpus, tmp_path / "killed" / "claimhouse.duckdb", env, celery=True)
        victim = _kill_in_core_analysis(instance, hosts, proc, run.run_id)
        print(f"killed {victim} in core_analysis after {time.monotonic() - started:.0f} s")
        _finish(proc, timeout=600)
        killed_run = instance.get_runs(limit=1)[0]
        assert killed_run.status == dg.DagsterRunStatus.SUCCESS
        ran_on = step_workers(instance, killed_run.run_id)
        survivor = ({"w@host1", "w@host2"} - {victim}).pop()
        assert ran_on["core_analysis"][-1] == survivor, ran_on["core_analysis"]
        assert warehouse_digest(tmp_path / "killed" / "claimhouse.duckdb") == want
        print(f"killed-host run: core_analysis ran on {ran_on['core_analysis']}; "
              f"after {time.monotonic() - started:.0f} s")

        # 4. the same into a DuckLake warehouse (PostgreSQL catalog): the dead host's step had written Parquet
        # files of a transaction it never committed; the survivor's run of the step leaves no row lost or twice
        hosts.start(int(victim[-1]))
        hosts.wait_ready()
        proc = _claimhouse_run(corpus, lake, env, celery=True)
        victim = _kill_in_core_analysis(instance, hosts, proc, killed_run.run_id)
        _finish(proc, timeout=600)
        lake_run = instance.get_runs(limit=1)[0]
        assert lake_run.status == dg.DagsterRunStatus.SUCCESS
        ran_on = step_workers(instance, lake_run.run_id)
        assert ran_on["core_analysis"][-1] == ({"w@host1", "w@host2"} - {victim}).pop(), ran_on["core_analysis"]
        search = {k for k in want if k.startswith("fts_") or k == "meta.search_indexes"}
        assert warehouse_digest(lake) == {k: v for k, v in want.items() if k not in search}
        print(f"killed-host run on a DuckLake: killed {victim}, core_analysis ran on {ran_on['core_analysis']}; "
              f"total {time.monotonic() - started:.0f} s")
    finally:
        hosts.stop()


# tables of the run's own bookkeeping, which a batch-by-batch run fills differently from one whole-folder
# run (as in tests/test_partitions.py): which checks ran over which rows, when marts were built from what
RUN_BOOKKEEPING = {"meta.check_watermarks", "meta.check_row_counts", "meta.mart_inputs",
                   "meta.story_cluster_inputs", "meta.search_indexes"}
PER_DOCUMENT_STEPS = ("raw__documents", "staging__documents", "core_analysis")


def _step_spans(instance, run_id: str) -> dict[str, tuple[float, float]]:
    """step key -> (start, end) timestamps of a run's steps."""
    spans: dict[str, list[float]] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or not entry.step_key:
            continue
        if event.event_type_value == "STEP_START":
            spans.setdefault(entry.step_key, [entry.timestamp, entry.timestamp])[0] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            spans.setdefault(entry.step_key, [entry.timestamp, entry.timestamp])[1] = entry.timestamp
    return {k: (a, b) for k, (a, b) in spans.items()}


def _backfill_on_two_hosts(services, tmp_path: Path, monkeypatch, docs: int, lake: str | None = None):
    """Three ingest batches of the seeds and ``docs`` generated pages: a single-machine `claimhouse run` (a
    DuckDB file), then `claimhouse backfill --executor celery --parallel 2` into the DuckDB file, or into the
    DuckLake ``lake`` (``ducklake:<catalog>``). Returns the backfill's output, the two digests, its runs, the
    pairs of per-document steps of two batches that ran at the same time on two hosts, and the instance."""
    corpus = _make_corpus(tmp_path, docs)
    batched = tmp_path / "batched"
    files = sorted(p for p in corpus.iterdir() if p.is_file())
    for i, p in enumerate(files):  # three folders: three ingest batches
        (batched / f"part{i % 3}").mkdir(parents=True, exist_ok=True)
        shutil.copy(p, batched / f"part{i % 3}" / p.name)
    env = _cluster_env(services, tmp_path, monkeypatch, 600)
    import dagster as dg

    from pipelines.cluster import step_workers

    hosts = Hosts(env, tmp_path)
    try:
        hosts.start(1)
        hosts.start(2)
        reference = _claimhouse_run(batched, tmp_path / "single" / "claimhouse.duckdb", env, celery=False)
        _finish(reference, timeout=900)
        want = {k: v for k, v in warehouse_digest(tmp_path / "single" / "claimhouse.duckdb").items()
                if k not in RUN_BOOKKEEPING}
        hosts.wait_ready()
        instance = dg.DagsterInstance.get()
        earlier = {r.run_id for r in instance.get_runs()}  # the instance's database outlives a test session
        wh = lake or str(tmp_path / "parallel" / "claimhouse.duckdb")
        proc = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "backfill", "--executor", "celery",
                                 "--parallel", "2", "--seeds", str(batched), "--warehouse", wh, "--workers", "1"],
                                env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out = _finish(proc, timeout=1500)
        for key in ("part0", "part1", "part2"):
            assert f"batch {key}: done" in out, out[-3000:]
        assert "corpus-wide assets: done" in out, out[-3000:]
        got = {k: v for k, v in warehouse_digest(wh).items() if k not in RUN_BOOKKEEPING}

        runs = [r for r in instance.get_runs() if r.job_name == "ingest_batches" and r.run_id not in earlier]
        assert sorted(r.tags.get("dagster/partition") for r in runs) == ["part0", "part1", "part2"]
        assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        spans = [(r.tags["dagster/partition"], step, span, step_workers(instance, r.run_id).get(step, ["?"])[-1])
                 for r in runs for step, span in _step_spans(instance, r.run_id).items() if step in PER_DOCUMENT_STEPS]
        overlapping = [(a, b) for a in spans for b in spans
                       if a[0] < b[0] and a[2][0] < b[2][1] and b[2][0] < a[2][1] and a[3] != b[3]]
        return out, want, got, runs, overlapping, instance
    finally:
        hosts.stop()


def test_a_backfill_runs_its_batches_at_once_on_two_hosts_and_builds_the_same_warehouse(services, tmp_path,
                                                                                      monkeypatch):
    """`claimhouse backfill --executor celery --parallel 2` over three ingest batches (the seeds and
    CLAIMHOUSE_DISTRIBUTED_BACKFILL_DOCS, default 300, generated pages): every partition ran, the per-document
    steps of two batches ran at the same time on the two hosts, sharing the warehouse file (their connection
    lets go of it while their worker parses), and the warehouse equals a single-machine run's on the same
    folder."""
    started = time.monotonic()
    out, want, got, runs, overlapping, instance = _backfill_on_two_hosts(services, tmp_path, monkeypatch,
                                                                         BACKFILL_DOCS)
    assert got == want
    assert overlapping  # two batches' per-document steps at the same time, on two hosts
    handovers = sum(
        int(e.asset_materialization.metadata["warehouse_handovers"].value)
        for r in runs for e in instance.all_logs(r.run_id)
        if e.dagster_event and e.dagster_event.is_step_materialization
        and "warehouse_handovers" in e.asset_materialization.metadata)
    assert handovers > 0
    print(f"parallel backfill: {len(overlapping)} overlapping pairs of per-document steps, {handovers} "
          f"handovers of the warehouse file; total {time.monotonic() - started:.0f} s")


def test_two_hosts_write_one_ducklake_at_once_and_it_equals_the_single_machine_warehouse(services, tmp_path,
                                                                                         monkeypatch):
    """The same backfill into a DuckLake warehouse (`--warehouse ducklake:postgres:…`: its catalog in
    PostgreSQL, its Parquet files in one folder both hosts see): the per-document steps of two batches write the
    lake at the same time, from two hosts, with no handover; every table but the full-text index (which a
    DuckLake cannot hold) equals the single-machine DuckDB file's, row for row. CLAIMHOUSE_DISTRIBUTED_LAKE_DOCS
    generated pages (default 150)."""
    started = time.monotonic()
    lake = _lake_location(services, tmp_path, monkeypatch)
    out, want, got, runs, overlapping, instance = _backfill_on_two_hosts(services, tmp_path, monkeypatch,
                                                                         LAKE_DOCS, lake=lake)
    search = {k for k in want if k.startswith("fts_") or k == "meta.search_indexes"}
    assert search and not search & set(got)
    assert got == {k: v for k, v in want.items() if k not in search}
    assert overlapping  # two batches' per-document steps wrote the lake at the same time, on two hosts
    with_writes = [(a[1], b[1]) for a, b in overlapping]
    print(f"lake backfill: {len(overlapping)} overlapping pairs of per-document steps ({with_writes[:4]}), "
          f"{len(got)} tables equal; total {time.monotonic() - started:.0f} s")
