"""The Dagster definitions: graph, groups, blocking checks, schedule, sensor, instance config."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import yaml
from conftest import REPO


def _defs(tmp_path: Path, seeds: Path | None = None) -> dg.Definitions:
    from pipelines.definitions import build_definitions

    return build_definitions(seeds_dir=str(seeds or tmp_path), warehouse_path=str(tmp_path / "w.duckdb"), workers=1)


def test_asset_graph_has_one_group_per_layer(tmp_path):
    defs = _defs(tmp_path)
    graph = defs.resolve_asset_graph()
    groups = {}
    for key in graph.get_all_asset_keys():
        groups.setdefault(graph.get(key).group_name, set()).add("/".join(key.path))
    assert groups["raw"] == {"raw/documents"}
    assert groups["staging"] == {"staging/documents"}
    assert groups["core"] == {"core/sentences", "core/claims", "core/quantities", "core/entities",
                              "core/claim_pairs", "core/story_clusters", "core/entity_names"}
    assert {"marts/speakers", "marts/outlets", "marts/entities", "marts/quantities", "marts/claims_per_day",
            "marts/timeline", "marts/story_clusters", "published/warehouse", "published/report"} <= groups["marts"]


def test_every_asset_has_a_blocking_gx_check(tmp_path):
    defs = _defs(tmp_path)
    graph = defs.resolve_asset_graph()
    checked = {}
    for check_key in graph.asset_check_keys:
        spec = graph.get_check_spec(check_key)
        assert spec.blocking, check_key
        checked.setdefault("/".join(check_key.asset_key.path), []).append(check_key.name)
    for key in graph.get_all_asset_keys():
        assert "/".join(key.path) in checked, f"{key} has no check"


def test_job_schedule_and_sensor(tmp_path):
    defs = _defs(tmp_path)
    assert defs.resolve_job_def("claimhouse_all")
    schedule = defs.resolve_schedule_def("claimhouse_daily")
    assert schedule.cron_schedule == "0 3 * * *"
    assert defs.resolve_sensor_def("seeds_sensor")


def test_sensor_requests_runs_only_for_new_or_changed_files(tmp_path):
    from assets.resources import CorpusResource
    from pipelines.sensors import seeds_sensor

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("first article text", encoding="utf-8")
    (seeds / "b.txt").write_text("second article text", encoding="utf-8")
    corpus = CorpusResource(seeds_dir=str(seeds))

    with dg.DagsterInstance.ephemeral() as instance:
        ctx = dg.build_sensor_context(cursor=None, resources={"corpus": corpus}, instance=instance)
        first = seeds_sensor(ctx)
        assert isinstance(first, dg.SensorResult) and len(first.run_requests) == 1
        assert first.run_requests[0].partition_key == "."  # the files lying in the folder: batch "."
        paths = first.run_requests[0].run_config["ops"]["raw__documents"]["config"]["paths"]
        assert sorted(Path(p).name for p in paths) == ["a.txt", "b.txt"]

        ctx2 = dg.build_sensor_context(cursor=ctx.cursor, resources={"corpus": corpus}, instance=instance)
        assert isinstance(seeds_sensor(ctx2), dg.SkipReason)

        time.sleep(0.01)
        (seeds / "b.txt").write_text("second article text, corrected", encoding="utf-8")
        (seeds / "c.txt").write_text("third article", encoding="utf-8")
        ctx3 = dg.build_sensor_context(cursor=ctx2.cursor or ctx.cursor, resources={"corpus": corpus},
                                       instance=instance)
        third = seeds_sensor(ctx3)
        assert isinstance(third, dg.SensorResult)
        paths = third.run_requests[0].run_config["ops"]["raw__documents"]["config"]["paths"]
        assert sorted(Path(p).name for p in paths) == ["b.txt", "c.txt"]


def test_definitions_load_without_deprecation_warnings():
    """What `dagster dev` loads: no deprecated, superseded, beta or preview Dagster APIs."""
    code = ("import warnings; warnings.simplefilter('always')\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    import pipelines.definitions as d\n"
            "    d.defs.resolve_asset_graph(); d.defs.resolve_job_def('claimhouse_all')\n"
            "bad = [f'{x.category.__name__}: {x.message}' for x in w if any(k in x.category.__name__ for k in "
            "('Deprecat', 'Supersession', 'Beta', 'Preview'))]\n"
            "print('\\n'.join(bad)); raise SystemExit(1 if bad else 0)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "DAGSTER_HOME": ""})
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]


def test_instance_config_serializes_duckdb_writers():
    cfg = yaml.safe_load((REPO / "dagster.yaml").read_text())
    assert cfg["telemetry"]["enabled"] is False
    assert cfg["storage"]["sqlite"]["base_dir"].startswith(".dagster")
    assert cfg["concurrency"]["pools"]["default_limit"] == 1
    limits = cfg["concurrency"]["runs"]["tag_concurrency_limits"]
    assert {"key": "claimhouse/warehouse", "limit": 1} in limits
    ignored = (REPO / ".gitignore").read_text()
    assert ".dagster/" in ignored


def test_every_step_that_opens_the_warehouse_is_in_one_of_its_two_pools():
    """The per-document steps share the file (their connection lets go of it while they parse), in the pool
    claimhouse_documents; every other step and check holds it whole, in claimhouse_duckdb."""
    from assets.common import DOCUMENTS_POOL, DUCKDB_POOL
    from pipelines.definitions import defs

    job = defs.resolve_job_def("claimhouse_all")
    pools = {node.name: node.definition.pool for node in job.graph.nodes}
    assert {pools["raw__documents"], pools["staging__documents"], pools["core_analysis"]} == {DOCUMENTS_POOL}
    others = {name: pool for name, pool in pools.items()
              if name not in ("raw__documents", "staging__documents", "core_analysis")}
    assert others and set(others.values()) == {DUCKDB_POOL}, others
