"""The Dagster definitions `dagster dev` loads (see [tool.dagster] in pyproject.toml)."""
from __future__ import annotations

import dagster as dg

from assets import ALL_ASSETS, ASSET_CHECKS
from assets.resources import (
    CorpusResource,
    QualityPolicyResource,
    WarehouseResource,
    default_seeds_dir,
    default_warehouse_path,
)
from claimhouse.parallel import default_workers

from .jobs import claimhouse_job, corpus_job, ingest_job
from .schedules import daily_schedule
from .sensors import seeds_sensor


def build_definitions(seeds_dir: str | None = None, warehouse_path: str | None = None,
                      workers: int | None = None, executor: dg.ExecutorDefinition | None = None) -> dg.Definitions:
    return dg.Definitions(
        # Steps run one after another in the run's process: every step opens the same DuckDB file,
        # which takes one writer at a time, and the per-document work inside a step already runs on
        # `workers` processes. (The pool limit in dagster.yaml still serializes steps of concurrent runs.)
        # pipelines/cluster.py passes dagster-celery's executor instead: steps on celery workers.
        executor=executor or dg.in_process_executor,
        assets=ALL_ASSETS,
        asset_checks=ASSET_CHECKS,
        jobs=[claimhouse_job, ingest_job, corpus_job],
        schedules=[daily_schedule],
        sensors=[seeds_sensor],
        resources={
            "warehouse": WarehouseResource(path=warehouse_path or default_warehouse_path(),
                                           workers=workers if workers is not None else default_workers()),
            "corpus": CorpusResource(seeds_dir=seeds_dir or default_seeds_dir()),
            "quality_policy": QualityPolicyResource(),
        },
    )


defs = build_definitions()
