"""`dagster dev` with the repository's dagster.yaml: loads the definitions and materializes everything.

The UI's "Materialize all" button launches the implicit asset job `__ASSET_JOB` through the
webserver's GraphQL API; this test does the same through that API, then reads the warehouse.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import REPO, SEEDS, query


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"dagster dev exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(1)
    raise AssertionError(f"{url} did not answer within {timeout} s")


_ADD_PARTITION = """
mutation ($repositorySelector: RepositorySelector!, $partitionsDefName: String!, $partitionKey: String!) {
  addDynamicPartition(repositorySelector: $repositorySelector, partitionsDefName: $partitionsDefName,
                      partitionKey: $partitionKey) { __typename }
}"""


def test_dagster_dev_loads_definitions_and_materializes_everything(tmp_path):
    from dagster_graphql import DagsterGraphQLClient

    home = tmp_path / "instance"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    warehouse = tmp_path / "w.duckdb"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env.update(CLAIMHOUSE_SEEDS=str(seeds), CLAIMHOUSE_WAREHOUSE=str(warehouse), CLAIMHOUSE_WORKERS="1")
    log = (tmp_path / "dev.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "dagster", "dev", "-m", "pipelines.definitions", "-p", str(port)],
                            cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for(f"http://127.0.0.1:{port}/server_info", proc, timeout=240)
        client = DagsterGraphQLClient("127.0.0.1", port_number=port)
        # the seeds lie in the folder itself: one ingest batch, ".", added as the UI's "Add partition" does
        added = client._execute(_ADD_PARTITION, {
            "repositorySelector": {"repositoryLocationName": "pipelines.definitions",
                                   "repositoryName": "__repository__"},
            "partitionsDefName": "ingest_batches", "partitionKey": "."})
        assert added["addDynamicPartition"]["__typename"] == "AddDynamicPartitionSuccess", added
        run_id = client.submit_job_execution("claimhouse_all", tags={"dagster/partition": "."})
        deadline = time.monotonic() + 600
        status = client.get_run_status(run_id)
        while status.value not in ("SUCCESS", "FAILURE", "CANCELED") and time.monotonic() < deadline:
            time.sleep(2)
            status = client.get_run_status(run_id)
        assert status.value == "SUCCESS", Path(log.name).read_text()[-5000:]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    output = Path(log.name).read_text()
    # Dagster's own notice that `dagster dev` has a successor (`dg dev`) is the only warning allowed
    warnings = [ln for ln in output.splitlines() if "Warning" in ln and "dev_command" not in ln]
    assert not warnings, warnings
    assert (home / ".dagster" / "storage").is_dir()  # SQLite storage where dagster.yaml puts it
    assert query(warehouse, "select claims from marts.speakers where speaker = 'Angelica Evans'")[0][0] >= 3
