"""Ingest batches as Dagster partitions: batch by batch gives the warehouse a whole-folder run gives."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import SEEDS, run_pipeline

from claimhouse.ingest.batches import ROOT_BATCH, batch_of, list_batches, root_files, valid_key

# Bookkeeping that records how the work was split, not what the warehouse holds: which runs checked
# which rows (watermarks move per run) and when each mart was last built from what.
RUN_BOOKKEEPING = {"meta.check_watermarks", "meta.check_row_counts", "meta.mart_inputs",
                   "meta.story_cluster_inputs", "meta.search_indexes"}


def _split_seeds(root: Path) -> dict[str, list[str]]:
    """The five seeds in three batches: two in a/, one in b/, two lying in the folder itself."""
    files = sorted(SEEDS.iterdir())
    layout = {"a": files[:2], "b": files[2:3], ROOT_BATCH: files[3:]}
    for key, group in layout.items():
        folder = root if key == ROOT_BATCH else root / key
        folder.mkdir(parents=True, exist_ok=True)
        for f in group:
            shutil.copy(f, folder / f.name)
    return {k: [f.name for f in v] for k, v in layout.items()}


def test_batches_are_the_folders_and_the_files_lying_in_the_input_folder(tmp_path):
    (tmp_path / "2026-12-05").mkdir()
    (tmp_path / "2026-12-05" / "x.html").write_text("x")
    (tmp_path / "2026-12-06" / "deeper").mkdir(parents=True)
    (tmp_path / "2026-12-06" / "deeper" / "y.html").write_text("y")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "top.txt").write_text("t")
    os.symlink(tmp_path / "2026-12-05", tmp_path / "link-to-folder")
    assert list_batches(tmp_path) == [ROOT_BATCH, "2026-12-05", "2026-12-06"]
    assert batch_of(tmp_path / "2026-12-06" / "deeper" / "y.html", tmp_path) == "2026-12-06"
    assert batch_of(tmp_path / "top.txt", tmp_path) == ROOT_BATCH
    assert batch_of("/elsewhere/z.txt", tmp_path) is None
    os.symlink(tmp_path, tmp_path.parent / f"{tmp_path.name}-link")  # the seeds folder reached through a link
    linked = tmp_path.parent / f"{tmp_path.name}-link"
    assert batch_of(tmp_path / "top.txt", linked) == ROOT_BATCH  # a real path below the link's target
    assert batch_of(linked / "2026-12-05" / "x.html", linked) == "2026-12-05"
    # a link to a folder is not a batch of its own: the scan lists it with the files lying in the folder
    assert [p.name for p in root_files(tmp_path)] == ["link-to-folder", "top.txt"]
    assert not valid_key("a,b") and not valid_key("x...y") and valid_key("crawl-2026-12-06")
    assert list_batches(tmp_path / "missing") == []


def test_batch_by_batch_equals_one_whole_folder_run(tmp_path):
    from pipelines.definitions import build_definitions
    from pipelines.runs import register_batches

    seeds = tmp_path / "seeds"
    layout = _split_seeds(seeds)
    whole = tmp_path / "whole.duckdb"
    assert run_pipeline(seeds, whole).success

    parts = tmp_path / "parts.duckdb"
    defs = build_definitions(seeds_dir=str(seeds), warehouse_path=str(parts), workers=0)
    quiet = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    with dg.DagsterInstance.ephemeral() as instance:
        assert register_batches(instance, str(seeds)) == [ROOT_BATCH, "a", "b"]
        ingest = defs.resolve_job_def("ingest_batches")
        seen: set[str] = set()
        for key in ("a", "b", ROOT_BATCH):
            result = ingest.execute_in_process(instance=instance, partition_key=key, run_config=quiet,
                                               raise_on_error=False)
            assert result.success, key
            seen |= set(layout[key])
            with duckdb.connect(str(parts), read_only=True) as con:
                # each run cleaned and analysed the documents of its own batch and of no other
                staged = {Path(p).name for (p,) in con.execute(
                    "select r.source_path from staging.documents s join raw.documents r using (doc_id)").fetchall()}
                analysed = {Path(p).name for (p,) in con.execute(
                    "select r.source_path from core.analysed_documents a join raw.documents r using (doc_id)"
                ).fetchall()}
            assert staged == seen and analysed == seen, key
            materialized = {(e.asset_key.to_user_string(), e.partition)
                            for e in result.get_asset_materialization_events()}
            assert ("staging/documents", key) in materialized
            assert not any(k.startswith("marts/") for k, _ in materialized)  # corpus-wide steps are not in it
        corpus = defs.resolve_job_def("corpus").execute_in_process(instance=instance, run_config=quiet,
                                                                   raise_on_error=False)
        assert corpus.success
        for asset in ("raw/documents", "staging/documents", "core/claims"):
            done = instance.get_materialized_partitions(dg.AssetKey.from_user_string(asset))
            assert done == {ROOT_BATCH, "a", "b"}, asset  # every batch, in every per-document asset

    from claimhouse.warehouse.db import digest
    with duckdb.connect(str(whole), read_only=True) as a, duckdb.connect(str(parts), read_only=True) as b:
        da, db = digest(a), digest(b)
    assert set(da) == set(db)
    differing = sorted(t for t in da if da[t] != db[t] and t not in RUN_BOOKKEEPING)
    assert differing == [], differing
    with duckdb.connect(str(parts), read_only=True) as con:
        speakers = dict(con.execute("select speaker, claims from marts.speakers").fetchall())
    assert speakers["Angelica Evans"] >= 3


@pytest.mark.parametrize("first_run", [True, False])
def test_the_sensor_asks_one_run_per_batch_with_changes_and_adds_new_folders(tmp_path, first_run):
    from assets.resources import CorpusResource
    from pipelines.sensors import seeds_sensor

    seeds = tmp_path / "seeds"
    _split_seeds(seeds)
    corpus = CorpusResource(seeds_dir=str(seeds))
    with dg.DagsterInstance.ephemeral() as instance:
        if not first_run:
            instance.add_dynamic_partitions("ingest_batches", ["a"])
        ctx = dg.build_sensor_context(cursor=None, resources={"corpus": corpus}, instance=instance)
        result = seeds_sensor(ctx)
        assert isinstance(result, dg.SensorResult)
        by_key = {r.partition_key: r for r in result.run_requests}
        assert sorted(by_key) == [ROOT_BATCH, "a", "b"]
        names = sorted(Path(p).name for p in by_key["a"].run_config["ops"]["raw__documents"]["config"]["paths"])
        assert names == sorted(f.name for f in (seeds / "a").iterdir())
        added = [k for req in result.dynamic_partitions_requests for k in req.partition_keys]
        assert added == ([ROOT_BATCH, "a", "b"] if first_run else [ROOT_BATCH, "b"])


def test_claimhouse_backfill_runs_the_chosen_batches_then_the_corpus(tmp_path, capsys):
    from pipelines.cli import main

    seeds = tmp_path / "seeds"
    layout = _split_seeds(seeds)
    wh = tmp_path / "w.duckdb"
    assert main(["backfill", "--seeds", str(seeds), "--warehouse", str(wh), "--batch", "zz"]) == 2
    assert "no such ingest batch" in capsys.readouterr().out
    assert main(["backfill", "--seeds", str(seeds), "--warehouse", str(wh), "--batch", "b", "--workers", "0"]) == 0
    out = capsys.readouterr().out
    assert "batch b: done" in out and "corpus-wide assets: done" in out
    with duckdb.connect(str(wh), read_only=True) as con:
        staged = [Path(p).name for (p,) in con.execute(
            "select r.source_path from staging.documents join raw.documents r using (doc_id)").fetchall()]
        published = con.execute("select count(*) from marts.outlets").fetchone()[0]
    assert staged == layout["b"] and published >= 1  # only batch b, and the marts built over it
