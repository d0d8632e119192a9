"""The warehouse published to a DuckLake: one snapshot per publish, only what changed, time travel."""
from __future__ import annotations

import shutil

import duckdb
import pytest
from conftest import SEEDS, run_pipeline

from claimhouse.warehouse.lake import LAKE, attach, default_catalog, publish_to_lake, snapshots


def _count(catalog: str, table: str, snapshot: int | None = None) -> int:
    con = duckdb.connect()
    try:
        attach(con, catalog, read_only=True, snapshot=snapshot)
        return con.execute(f"select count(*) from {LAKE}.{table}").fetchone()[0]
    finally:
        con.close()


def test_a_publish_writes_what_changed_in_one_snapshot_and_keeps_the_earlier_ones(seeds_run, tmp_path):
    _, warehouse, _ = seeds_run
    wh = tmp_path / "w.duckdb"
    shutil.copy(warehouse, wh)
    catalog, data = str(tmp_path / "lake.ducklake"), str(tmp_path / "lake") + "/"
    con = duckdb.connect(str(wh))
    try:
        first = publish_to_lake(con, catalog, data)
        assert first["replaced"] == first["tables"] and first["unchanged"] == 0
        claims = con.execute("select count(*) from core.claims").fetchone()[0]
        again = publish_to_lake(con, catalog, data)  # nothing changed: nothing written, no new snapshot
        assert again["unchanged"] == again["tables"] and again["snapshot"] == first["snapshot"]
        con.execute("delete from core.claims where claim_id in (select claim_id from core.claims order by claim_id "
                    "limit 2)")
        third = publish_to_lake(con, catalog, data)
    finally:
        con.close()
    assert third["snapshot"] == first["snapshot"] + 1
    assert third["updated"] == 1 and third["rows_deleted"] == 2 and third["rows_inserted"] == 0
    assert _count(catalog, "core.claims") == claims - 2
    assert _count(catalog, "core.claims", snapshot=first["snapshot"]) == claims  # time travel
    reader = duckdb.connect()
    try:
        attach(reader, catalog, read_only=True)
        assert [s[0] for s in snapshots(reader)][-2:] == [first["snapshot"], third["snapshot"]]
        # the embeddings (FLOAT[384] in DuckDB) are lists in the lake, the comments come along
        assert reader.execute(f"select len(embedding) from {LAKE}.core.claim_embeddings limit 1").fetchone()[0] == 384
        comment = reader.execute("select comment from duckdb_tables() where database_name = 'lake' and "
                                 "schema_name = 'marts' and table_name = 'speakers'").fetchone()[0]
        assert comment and "speaker" in comment.lower()
        evans = reader.execute(f"select claims from {LAKE}.marts.speakers where speaker = 'Angelica Evans'").fetchone()
        assert evans[0] >= 3
    finally:
        reader.close()


def test_a_run_publishes_to_the_lake_and_claimhouse_sql_reads_it(tmp_path, monkeypatch, capsys):
    from pipelines.cli import main

    monkeypatch.setenv("CLAIMHOUSE_PUBLISH", "file,lake")
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    wh = tmp_path / "w.duckdb"
    result = run_pipeline(seeds, wh)
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["published_copy_matches_the_warehouse"]  # the lake holds every table with its row count
    catalog = default_catalog(wh)
    assert _count(catalog, "marts.speakers") > 0
    capsys.readouterr()
    # the variable of a lake warehouse's catalog schema does not move the published lake's catalog
    monkeypatch.setenv("CLAIMHOUSE_LAKE_METADATA_SCHEMA", "some_lake_warehouse")
    assert main(["sql", "--warehouse", str(wh), "--lake", "--format", "csv",
                 "select speaker, claims from marts.speakers where speaker = 'Angelica Evans'"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "speaker,claims" and out.splitlines()[1].startswith("Angelica Evans,")
    assert main(["sql", "--warehouse", str(wh), "--as-of", "1", "select count(*) as n from core.claims"]) == 0
    assert main(["sql", "--warehouse", str(tmp_path / "none.duckdb"), "--lake", "select 1"]) == 2


@pytest.mark.parametrize("value", ["", "cloud"])
def test_an_unknown_publish_target_is_refused(value):
    from assets.resources import WarehouseResource

    with pytest.raises(ValueError, match="CLAIMHOUSE_PUBLISH"):
        WarehouseResource(path="w.duckdb", publish_to=value).targets()


def _postgres_catalog() -> str:
    """The PostgreSQL of deploy/cluster/services.sh (started by .ci/run; started here when absent), as a
    DuckLake catalog: what readers and writers on several hosts share."""
    import glob
    import os
    import subprocess
    from pathlib import Path

    from claimhouse.warehouse.db import postgres_catalog

    if not glob.glob("/usr/lib/postgresql/*/bin/initdb") and os.geteuid() != 0:
        pytest.skip("PostgreSQL not installed and not root to install it")
    url = os.environ.get("DAGSTER_PG_URL")
    if not url:
        script = Path(__file__).resolve().parents[1] / "deploy" / "cluster" / "services.sh"
        out = subprocess.run(["bash", str(script)], env=dict(os.environ, CLAIMHOUSE_CLUSTER_BRIDGE="0"),
                             capture_output=True, text=True, timeout=900)
        assert out.returncode == 0, out.stderr[-3000:]
        url = next(line.split("=", 1)[1] for line in out.stdout.splitlines()
                   if line.startswith("export DAGSTER_PG_URL="))
    return postgres_catalog(url)


def test_a_postgres_catalog_serves_a_reader_in_another_process(seeds_run, tmp_path):
    import ast
    import subprocess
    import sys
    import uuid

    _, warehouse, _ = seeds_run
    wh = tmp_path / "w.duckdb"
    shutil.copy(warehouse, wh)
    catalog, schema = _postgres_catalog(), f"lake_test_{uuid.uuid4().hex[:8]}"
    data = str(tmp_path / "lake") + "/"
    con = duckdb.connect(str(wh))
    try:
        first = publish_to_lake(con, catalog, data, metadata_schema=schema)
        con.execute("delete from marts.speakers where speaker <> 'Angelica Evans'")
        second = publish_to_lake(con, catalog, data, metadata_schema=schema)
    finally:
        con.close()
    assert second["snapshot"] == first["snapshot"] + 1
    reader = ("import sys, duckdb\n"
              "from claimhouse.warehouse.lake import attach\n"
              "con = duckdb.connect()\n"
              "attach(con, sys.argv[1], read_only=True, metadata_schema=sys.argv[2], snapshot=int(sys.argv[3]))\n"
              "print(con.execute('select count(*), max(claims) filter (where speaker = $$Angelica Evans$$) "
              "from lake.marts.speakers').fetchone())\n")
    now = subprocess.run([sys.executable, "-c", reader, catalog, schema, str(second["snapshot"])],
                         capture_output=True, text=True, timeout=300)
    before = subprocess.run([sys.executable, "-c", reader, catalog, schema, str(first["snapshot"])],
                            capture_output=True, text=True, timeout=300)
    assert now.returncode == 0 and before.returncode == 0, now.stderr[-2000:] + before.stderr[-2000:]
    n_now, evans_now = ast.literal_eval(now.stdout.strip())  # a tuple of two ints printed by the reader
    n_before, evans_before = ast.literal_eval(before.stdout.strip())
    assert n_now == 1 and n_before > 1 and evans_now == evans_before >= 3


def test_the_warehouse_itself_can_be_a_ducklake(tmp_path, capsys):
    """`--warehouse ducklake:<catalog>`: the steps write the lake (a DuckDB-file catalog here, the default with
    nothing to start). The seeds give the rows the DuckDB file gives, table by table (all but the full-text
    index); a second run over the same folder changes nothing; a huge input is quarantined and the rest flows
    on; `claimhouse sql` reads the lake, and any earlier snapshot of it."""
    from pipelines.cli import main

    from claimhouse.warehouse import db

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    location = f"ducklake:{tmp_path / 'lake' / 'claimhouse.ducklake'}"
    reference = tmp_path / "file" / "claimhouse.duckdb"
    assert run_pipeline(seeds, reference).success  # the DuckDB file, same folder (paths are in the rows)

    def digest() -> dict[str, str]:
        with db.connect(location, read_only=True) as con:
            return db.digest(con)

    assert run_pipeline(seeds, location).success
    with db.connect(str(reference), read_only=True) as con:
        want = {t: d for t, d in db.digest(con).items() if not t.startswith("fts_") and t != "meta.search_indexes"}
    first = digest()
    assert first == want
    with db.connect(location, read_only=True) as con:
        after_first = con.execute("select max(snapshot_id) from ducklake_snapshots(current_database())").fetchone()[0]
        assert con.execute("select type from duckdb_databases() where database_name = current_database()"
                           ).fetchone()[0] == "ducklake"
    assert (tmp_path / "lake" / "claimhouse.ducklake.files" / "claimhouse.report" / "index.html").is_file()

    assert run_pipeline(seeds, location).success  # the same folder again: nothing new, nothing twice
    assert digest() == first

    (seeds / "huge.txt").write_text("The ministry said the talks would continue next week. " * 12000, encoding="utf-8")
    assert run_pipeline(seeds, location).success
    with db.connect(location, read_only=True) as con:
        assert con.execute("select stage, reason from quarantine.documents where source_path like '%huge.txt'"
                           ).fetchall() == [("staging", "too_long")]
        assert con.execute("select count(*) from core.claims").fetchone()[0] == int(first["core.claims"].split()[0])

    capsys.readouterr()
    assert main(["sql", "--warehouse", location, "--format", "csv",
                 "select speaker, claims from marts.speakers where speaker = 'Angelica Evans'"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "speaker,claims" and out[1].startswith("Angelica Evans,")
    assert main(["sql", "--warehouse", location, "--as-of", str(after_first), "--format", "csv",
                 "select count(*) as n from quarantine.documents"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "0"]  # the lake as of the first run


def test_writers_that_create_one_new_lake_at_the_same_moment_all_get_it(tmp_path):
    """Three processes open the same new lake warehouse (PostgreSQL catalog) at once, as the first steps of
    several batches on several hosts do: the catalog and the tables are created once, and every writer gets
    them and writes (the losers of the race retry: claimhouse.warehouse.db.LAKE_CREATE_WAIT_SECONDS)."""
    import os
    import subprocess
    import sys
    import uuid

    location = "ducklake:" + _postgres_catalog()
    env = dict(os.environ, CLAIMHOUSE_LAKE_METADATA_SCHEMA=f"lake_race_{uuid.uuid4().hex[:8]}",
               CLAIMHOUSE_LAKE_DATA=str(tmp_path / "files") + "/")
    writer = ("import sys, time\nfrom claimhouse.warehouse import db\n"
              "time.sleep(max(0.0, float(sys.argv[3]) - time.time()))\n"  # imports done: all start together
              "with db.connect(sys.argv[1]) as con:\n"
              "    con.execute(\"insert into quarantine.documents values (?, null, 'raw', 'race', null, now())\", "
              "[sys.argv[2]])\n")
    import time

    start_at = str(time.time() + 15)
    procs = [subprocess.Popen([sys.executable, "-c", writer, location, f"writer{i}", start_at], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for i in range(3)]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    check = ("import sys\nfrom claimhouse.warehouse import db\n"
             "with db.connect(sys.argv[1], read_only=True) as con:\n"
             "    print(sorted(r[0] for r in con.execute('select source_path from quarantine.documents').fetchall()),"
             " con.execute('select count(*) from core.claims').fetchone()[0])\n")
    out = subprocess.run([sys.executable, "-c", check, location], env=env, capture_output=True, text=True, timeout=300)
    assert out.stdout.strip() == "['writer0', 'writer1', 'writer2'] 0", out.stderr[-2000:]
    # a machine without CLAIMHOUSE_LAKE_DATA finds the data folder (its report, logs, story index) in the catalog
    bare = {k: v for k, v in env.items() if k != "CLAIMHOUSE_LAKE_DATA"}
    out = subprocess.run([sys.executable, "-c", "import sys\nfrom claimhouse.warehouse import db\n"
                          "print(db.side_path(sys.argv[1]))", location], env=bare, capture_output=True, text=True,
                         timeout=300)
    assert out.stdout.strip() == str(tmp_path / "files" / "claimhouse"), out.stderr[-2000:]


def test_a_postgres_url_becomes_a_catalog_and_its_password_is_never_shown():
    from claimhouse.warehouse.db import postgres_catalog, shown

    assert postgres_catalog("postgresql+psycopg2://claimhouse:s3cret@127.0.0.1:55432/claimhouse") == (
        "postgres:dbname=claimhouse host=127.0.0.1 port=55432 user=claimhouse password=s3cret")
    odd = postgres_catalog("postgresql://ana:it%27s%20me@db.internal/lake")
    assert odd == "postgres:dbname=lake host=db.internal user=ana password='it\\'s me'"
    assert shown("ducklake:" + odd) == "ducklake:postgres:dbname=lake host=db.internal user=ana password=***"
