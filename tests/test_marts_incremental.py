"""Marts and the report follow the change: a run whose inputs did not change rebuilds no mart and
redraws no report, and leaves every mart identical; a change rebuilds the marts that read it."""
from __future__ import annotations

import shutil

import duckdb
import pytest
from conftest import SEEDS, run_pipeline

from claimhouse.steps import core as core_steps
from claimhouse.steps import marts as mart_steps
from claimhouse.steps import raw as raw_steps
from claimhouse.steps import staging as staging_steps
from claimhouse.warehouse import report as rp
from claimhouse.warehouse.db import connect, digest


def _build_all(con, force: bool = False) -> dict[str, bool]:
    return {b.table: b.rebuilt for b in (mart_steps.build_mart(con, p, force=force) for p in mart_steps.mart_files())}


def _marts(con) -> dict[str, str]:
    return {t: d for t, d in digest(con).items() if t.startswith("marts.")}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("marts_incremental")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    wh = root / "w.duckdb"
    with connect(wh) as con:
        raw_steps.scan(con, seeds)
        staging_steps.clean_pending(con, workers=0)
        core_steps.analyse_pending(con, workers=0)
    return wh


def test_mart_inputs_are_the_tables_its_sql_reads():
    inputs = {mart_steps.mart_table(p): mart_steps.mart_inputs(p) for p in mart_steps.mart_files()}
    assert inputs["marts.entities"] == ["core.entities", "staging.documents"]
    assert inputs["marts.story_clusters"] == ["core.claim_pairs", "core.claims", "core.story_clusters",
                                              "staging.documents"]
    assert all(t not in ins for t, ins in inputs.items())


def test_second_build_rebuilds_nothing_and_changes_nothing(warehouse, tmp_path):
    wh = tmp_path / "w.duckdb"
    shutil.copy(warehouse, wh)
    with connect(wh) as con:
        first = _build_all(con)
        assert all(first.values()) and len(first) == len(mart_steps.mart_files())
        marts = _marts(con)
        assert any(not d.startswith("0 rows") for d in marts.values())
        meta = con.execute("select * from meta.mart_inputs order by mart").fetchall()
        assert [m for m, *_ in meta] == sorted(first)
        assert _build_all(con) == dict.fromkeys(first, False)
        assert _marts(con) == marts
        assert con.execute("select * from meta.mart_inputs order by mart").fetchall() == meta  # not even touched
        # a processing time changes, the data does not: still nothing to do
        con.execute("update staging.documents set cleaned_at = cleaned_at + interval 1 hour")
        assert not any(_build_all(con).values())
        # force rebuilds all, to the same rows
        assert all(_build_all(con, force=True).values())
        assert _marts(con) == marts


def test_a_change_rebuilds_the_marts_that_read_it(warehouse, tmp_path):
    wh = tmp_path / "w.duckdb"
    shutil.copy(warehouse, wh)
    with connect(wh) as con:
        _build_all(con)
        claim_id, = con.execute("select claim_id from core.claims where claim_type = 'attribution' "
                                "and source_canonical is not null order by claim_id limit 1").fetchone()
        con.execute("update core.claims set source_canonical = 'Somebody Else' where claim_id = ?", [claim_id])
        rebuilt = _build_all(con)
        readers = {mart_steps.mart_table(p) for p in mart_steps.mart_files() if "core.claims" in mart_steps.mart_inputs(p)}
        assert {t for t, r in rebuilt.items() if r} == readers
        assert not rebuilt["marts.entities"]
        assert con.execute("select count(*) from marts.speakers where speaker = 'Somebody Else'").fetchone()[0] == 1
        after = _marts(con)
        _build_all(con, force=True)
        assert _marts(con) == after  # what a full rebuild gives
        # a dropped mart is built again even though its inputs did not change
        con.execute("drop table marts.outlets")
        assert _build_all(con)["marts.outlets"]
        assert _marts(con) == after


def test_report_is_redrawn_only_when_the_marts_change(warehouse, tmp_path):
    wh = tmp_path / "w.duckdb"
    shutil.copy(warehouse, wh)
    with connect(wh) as con:
        _build_all(con)
    out = tmp_path / "w.report"
    con = duckdb.connect(str(wh), read_only=True)
    try:
        first, built = rp.build_report_if_changed(con, out, source="w.duckdb")
        assert built and rp.verify_report(out, con) == []
        files = {p.name: p.read_bytes() for p in out.iterdir()}
        again, built = rp.build_report_if_changed(con, out, source="w.duckdb")
        assert not built and again == first
        assert {p.name: p.read_bytes() for p in out.iterdir()} == files
        assert rp.build_report_if_changed(con, out, source="w.duckdb", force=True)[1]
        (out / "speakers.png").unlink()  # a damaged report is drawn again
        assert rp.build_report_if_changed(con, out, source="w.duckdb")[1]
        assert rp.verify_report(out, con) == []
    finally:
        con.close()
    with connect(wh) as con:
        con.execute("update marts.speakers set claims = claims + 1000 "
                    "where speaker = (select min(speaker) from marts.speakers)")
    con = duckdb.connect(str(wh), read_only=True)
    try:
        summary, built = rp.build_report_if_changed(con, out, source="w.duckdb")
        assert built and summary.built_at > first.built_at
    finally:
        con.close()


def test_pipeline_rerun_rebuilds_no_mart_and_no_report(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    wh = tmp_path / "w.duckdb"

    keys = {mart_steps.mart_table(p).replace(".", "/") for p in mart_steps.mart_files()} | {"published/report"}

    def rebuilt(result) -> dict[str, bool]:
        out = {}
        for event in result.get_asset_materialization_events():
            mat = event.event_specific_data.materialization
            key = "/".join(mat.asset_key.path)
            if key in keys:
                out[key] = mat.metadata["rebuilt"].value
        return out

    first = run_pipeline(seeds, wh)
    assert first.success
    assert rebuilt(first) == dict.fromkeys(keys, True)
    with duckdb.connect(str(wh), read_only=True) as con:
        marts = _marts(con)
    second = run_pipeline(seeds, wh)
    assert second.success
    assert rebuilt(second) == dict.fromkeys(keys, False)
    with duckdb.connect(str(wh), read_only=True) as con:
        assert _marts(con) == marts
