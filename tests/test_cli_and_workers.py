"""The `claimhouse` command, and worker processes giving the same warehouse as one process."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import duckdb
from conftest import REPO, SEEDS, query, run_pipeline

from claimhouse.steps import core as core_steps
from claimhouse.steps import staging as staging_steps


def test_cli_run_prints_summary_and_sql_reads_it(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    (seeds / "empty.txt").write_bytes(b"")
    wh = tmp_path / "w.duckdb"
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--seeds", str(seeds), "--warehouse", str(wh),
                           "--workers", "1", "--quiet"], cwd=REPO, capture_output=True, text=True, env=env,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    for label in ("documents (clean)", "sentences", "claims", "quantities", "entities", "quarantined",
                  "raw: empty", " warned, 0 failed", "run succeeded"):
        assert label in out, f"{label!r} missing from the summary"
    assert "FAILED" not in out
    log = next(line for line in out.splitlines() if line.startswith("log: ")).split("log: ", 1)[1].strip()
    assert "STEP_SUCCESS staging__documents" in open(log, encoding="utf-8").read()  # Dagster's events: in the log
    proc = subprocess.run([sys.executable, "-m", "pipelines.cli", "sql", "--warehouse", str(wh),
                           "select speaker, claims from marts.speakers where speaker = 'Angelica Evans'"],
                          cwd=REPO, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Angelica Evans" in proc.stdout


def test_cli_exits_nonzero_when_a_blocking_check_fails(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    wh = tmp_path / "w.duckdb"
    assert run_pipeline(seeds, wh).success
    with duckdb.connect(str(wh)) as con:
        con.execute("update raw.documents set content_sha256 = 'not-a-hash', ingested_at = now()::timestamp + "
                    "interval 1 hour where source_path like '%001_%'")
    proc = subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--seeds", str(seeds), "--warehouse", str(wh),
                           "--workers", "1", "--quiet"], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"}, timeout=900)
    assert proc.returncode == 1
    assert "gx_raw_documents" in proc.stdout and "not-a-hash" in proc.stdout
    # briefly: one line per blocked layer, no Dagster error lines on the console
    assert "blocked staging: documents" in proc.stdout and "blocked marts:" in proc.stdout
    assert "ERROR" not in proc.stdout + proc.stderr and len(proc.stdout.splitlines()) < 60


def _rows(wh, table, order):
    cols = [c for (c,) in query(wh, "select column_name from duckdb_columns() where schema_name || '.' || "
                                    "table_name = ? and data_type not like 'TIMESTAMP%' order by column_index",
                                [table])]
    return query(wh, f"select {', '.join(cols)} from {table} order by {order}")


def test_worker_processes_give_the_same_warehouse(tmp_path, monkeypatch):
    pass

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for i in range(4):  # 20 distinct documents
        for f in sorted(SEEDS.iterdir()):
            data = f.read_bytes()
            if not data.lstrip().startswith(b"{"):
                data += f"\nThe ministry said on Tuesday that {i + 2} convoys had arrived.\n".encode()
            else:
                data = data.replace(b'"id":12931', f'"id":{12931 + i}'.encode())
            (seeds / f"{i}_{f.name}").write_bytes(data)
    monkeypatch.setattr(staging_steps, "CLEAN_BATCH", 6)
    monkeypatch.setattr(core_steps, "ANALYSE_BATCH", 6)
    one, two = tmp_path / "one.duckdb", tmp_path / "two.duckdb"
    assert run_pipeline(seeds, one, workers=0).success
    assert run_pipeline(seeds, two, workers=2).success
    for table, order in (("staging.documents", "doc_id"), ("core.sentences", "sentence_id"),
                         ("core.claims", "claim_id"), ("core.quantities", "quantity_id"),
                         ("core.entities", "mention_id"), ("marts.speakers", "speaker")):
        a, b = _rows(one, table, order), _rows(two, table, order)
        assert a == b, table
    assert query(two, "select count(*) from staging.documents")[0][0] == 20
