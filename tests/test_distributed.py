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
   pipelines/celery_app.py), and gives the same digest again: nothing lost, nothing duplicated.

The digest is a SHA-256 per table over every row of every table (sorted), leaving out the columns in
RUN_SPECIFIC: processing times and build durations, which differ from one run to the next; in the
full-text index tables (fts_*.dict, fts_*.terms) terms are compared by their text, not by their
surrogate term ids, which DuckDB assigns in hash-table order.

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


def warehouse_digest(path: Path) -> dict[str, str]:
    """{schema.table: sha256 of its sorted rows (RUN_SPECIFIC columns left out) and row count}."""
    import duckdb

    out = {}
    con = duckdb.connect(str(path), read_only=True)
    try:
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
            if schema.startswith("fts_") and table in ("dict", "terms"):
                # DuckDB's full-text index numbers its terms in hash-table order, which differs between two
                # builds of the same index: compare the terms themselves, not their surrogate ids
                select = "term, df" if table == "dict" else "docid, fieldid, term"
                source = (f'"{schema}".dict' if table == "dict" else
                          f'"{schema}".terms join "{schema}".dict using (termid)')
            rows = sorted(repr(r) for r in con.execute(f"select {select} from {source}").fetchall())
            h = hashlib.sha256()
            for r in rows:
                h.update(r.encode())
                h.update(b"\n")
            out[name] = f"{len(rows)}:{h.hexdigest()[:16]}"
    finally:
        con.close()
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


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    if not WCXB.is_dir():
        pytest.skip(f"{WCXB} (WCXB dev pages, the generated documents' templates) not found")
    base = tmp_path_factory.mktemp("distributed")
    templates = base / "templates"
    templates.mkdir()
    for p in sorted(WCXB.glob("*.html.gz"), key=lambda p: (p.stat().st_size, p.name))[:30]:
        shutil.copy(p, templates)
    seeds = base / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "--input", str(templates),
                    "--output", str(seeds), "-n", str(DOCS), "--seed", "0"], check=True, capture_output=True)
    return seeds


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


def test_celery_workers_build_the_same_warehouse_and_survive_a_killed_host(services, corpus, tmp_path, monkeypatch):
    started = time.monotonic()
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "cluster" / "dagster.yaml", home / "dagster.yaml")
    env = dict(os.environ, **services, DAGSTER_HOME=str(home), CLAIMHOUSE_CLUSTER_ARTIFACTS=str(tmp_path / "artifacts"),
               CLAIMHOUSE_CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
               GX_ANALYTICS_ENABLED="false", DAGSTER_DISABLE_TELEMETRY="1")
    for key in ("DAGSTER_HOME", "DAGSTER_PG_URL", "CLAIMHOUSE_CLUSTER_ARTIFACTS", "CLAIMHOUSE_CELERY_BROKER",
                "CLAIMHOUSE_CELERY_BACKEND", "CLAIMHOUSE_CELERY_VISIBILITY_TIMEOUT"):
        monkeypatch.setenv(key, env[key])
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
        victim, deadline = None, time.monotonic() + 300
        while victim is None and time.monotonic() < deadline and proc.poll() is None:
            runs = instance.get_runs(limit=1)
            if runs and runs[0].run_id != run.run_id:
                victim = (step_workers(instance, runs[0].run_id).get("core_analysis") or [None])[0]
            time.sleep(0.5)
        assert victim, "core_analysis never started"
        time.sleep(3)
        hosts.kill(victim)
        print(f"killed {victim} in core_analysis after {time.monotonic() - started:.0f} s")
        _finish(proc, timeout=600)
        killed_run = instance.get_runs(limit=1)[0]
        assert killed_run.status == dg.DagsterRunStatus.SUCCESS
        ran_on = step_workers(instance, killed_run.run_id)
        survivor = ({"w@host1", "w@host2"} - {victim}).pop()
        assert ran_on["core_analysis"][-1] == survivor, ran_on["core_analysis"]
        assert warehouse_digest(tmp_path / "killed" / "claimhouse.duckdb") == want
        print(f"killed-host run: core_analysis ran on {ran_on['core_analysis']}; "
              f"total {time.monotonic() - started:.0f} s")
    finally:
        hosts.stop()
