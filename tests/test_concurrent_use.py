"""An analyst holding the warehouse open while a run goes: the run succeeds, the analyst keeps a
complete old state, a new connection sees the new one (the published copy, replaced atomically)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

from conftest import REPO, SEEDS

from claimhouse.warehouse.db import published_path

READER = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    def state():
        docs = con.execute("select count(*) from staging.documents").fetchone()[0]
        speakers = con.execute("select count(*) from marts.speakers").fetchone()[0]
        claims = con.execute("select count(*) from core.claims").fetchone()[0]
        return f"{docs} {speakers} {claims}"
    print("ready", state(), flush=True)
    sys.stdin.readline()          # hold the connection open until the run is over
    print("after", state(), flush=True)
""")


def _run(seeds, wh):
    return subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--seeds", str(seeds), "--warehouse",
                           str(wh), "--workers", "1", "--quiet"], cwd=REPO, capture_output=True, text=True,
                          timeout=900)


def test_open_reader_does_not_break_a_run_and_sees_a_whole_state(tmp_path):
    seeds, wh = tmp_path / "seeds", tmp_path / "wh" / "claimhouse.duckdb"
    seeds.mkdir()
    files = sorted(SEEDS.glob("*.txt"))
    for f in files[:2]:
        shutil.copy(f, seeds / f.name)
    first = _run(seeds, wh)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    pub = published_path(wh)
    assert pub.exists() and pub != wh

    reader = subprocess.Popen([sys.executable, "-c", READER, str(pub)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = reader.stdout.readline().split()
        assert line and line[0] == "ready", reader.stderr.read()
        before = line[1:]
        assert before[0] == "2"
        for f in files[2:]:
            shutil.copy(f, seeds / f.name)
        second = _run(seeds, wh)                   # the reader holds the published file open meanwhile
        assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
        out, err = reader.communicate("go\n", timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    after = out.split()
    assert after[0] == "after", err
    assert after[1:] == before                     # the old connection: the old, complete state

    # a new connection sees the new run, through the published copy, while nobody holds the working file
    import duckdb
    con = duckdb.connect(str(pub), read_only=True)
    try:
        assert con.execute("select count(*) from staging.documents").fetchone()[0] == len(files)
        assert con.execute("select count(*) from marts.speakers where speaker = 'Angelica Evans'").fetchone()[0] == 1
    finally:
        con.close()
    # `claimhouse sql` reads the published copy
    proc = subprocess.run([sys.executable, "-m", "pipelines.cli", "sql", "--warehouse", str(wh),
                           "select count(*) as n from staging.documents"], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and f"{len(files)}" in proc.stdout, proc.stdout + proc.stderr


def test_a_failed_check_leaves_the_published_copy_alone(tmp_path):
    """Bad data never reaches the published copy: a blocking check failure stops the publish step."""
    from conftest import query, run_pipeline, slip_bad_document

    seeds, wh = tmp_path / "seeds", tmp_path / "claimhouse.duckdb"
    seeds.mkdir()
    f = sorted(SEEDS.glob("*.txt"))[0]
    shutil.copy(f, seeds / f.name)
    assert run_pipeline(seeds, wh).success
    pub = published_path(wh)
    stamp = pub.stat().st_mtime_ns
    # a broken reference slips into staging behind the pipeline's back: a blocking failure
    slip_bad_document(wh, "dbad", "A clean sentence about the talks.", duplicate_of="d_missing")
    result = run_pipeline(seeds, wh)
    check = {e.check_name: e for e in result.get_asset_check_evaluations()}["gx_staging_documents"]
    assert not check.passed and check.severity.value == "ERROR"
    materialized = {"/".join(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert "published/warehouse" not in materialized
    assert pub.stat().st_mtime_ns == stamp, "published copy replaced although a check failed"
    assert query(pub, "select count(*) from staging.documents where doc_id = 'dbad'")[0][0] == 0
