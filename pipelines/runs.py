"""One run over the whole input folder, as `claimhouse run` and the tests start it.

The per-document assets are partitioned by ingest batch (a folder of the input folder, '.' for the files
lying in it; see claimhouse.ingest.batches). A whole-folder run registers the batches it finds as
partitions of `ingest_batches` and materializes everything for the range of all of them in one run,
so the steps start their worker processes once and see the whole folder, as before partitions.
With no batch at all (an empty folder), only the corpus-wide assets are brought up to date.
"""
from __future__ import annotations

import dagster as dg

from assets.common import INGEST_BATCHES
from claimhouse.ingest.batches import list_batches

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def register_batches(instance: dg.DagsterInstance, seeds_dir: str) -> list[str]:
    """Add the input folder's batches that are not partitions yet; return every known batch, in order."""
    known = set(instance.get_dynamic_partitions(INGEST_BATCHES.name))
    new = [k for k in list_batches(seeds_dir) if k not in known]
    if new:
        instance.add_dynamic_partitions(INGEST_BATCHES.name, new)
    return list(instance.get_dynamic_partitions(INGEST_BATCHES.name))


def whole_folder_tags(keys: list[str]) -> dict[str, str]:
    """Run tags that make one run cover every batch (a partition range from the first to the last)."""
    return {RANGE_START: keys[0], RANGE_END: keys[-1]} if keys else {}


def run_whole_folder(defs: dg.Definitions, instance: dg.DagsterInstance, seeds_dir: str,
                     run_config: dict | None = None) -> dg.ExecuteInProcessResult:
    keys = register_batches(instance, seeds_dir)
    job = defs.resolve_job_def("claimhouse_all" if keys else "corpus")
    return job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config or {},
                                  tags=whole_folder_tags(keys))


def targeted_assets(defs: dg.Definitions, result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    """The assets the run's job covers (the corpus-wide ones only, when the folder held no batch)."""
    from .jobs import CORPUS_SELECTION

    graph = defs.resolve_asset_graph()
    if result.job_def.name == "corpus":
        return set(CORPUS_SELECTION.resolve(graph))
    return set(graph.get_all_asset_keys())
