"""Shared pieces of the asset definitions: keys, the DuckDB pool, metadata helpers."""
from __future__ import annotations

import dagster as dg
import duckdb

from claimhouse.warehouse.db import count, preview_markdown

# Every op that opens the warehouse belongs to one of two pools. dagster.yaml gives each one slot.
# - DUCKDB_POOL: the corpus-wide steps and every check. They hold the file for their whole length.
# - DOCUMENTS_POOL: the per-document steps of an ingest batch (raw, staging, core analysis). They share the
#   file with any other writer: their connection (claimhouse.warehouse.db.SharedConnection) lets go of it
#   while they wait for their worker processes, whenever another process asks for it. With more slots
#   (`dagster instance concurrency set claimhouse_documents N`, or `claimhouse backfill --parallel N`),
#   the batches of a backfill parse at the same time, on as many hosts as there are celery workers.
# DuckDB itself lets one process at a time write the file: every other one waits for its turn.
DUCKDB_POOL = "claimhouse_duckdb"
DOCUMENTS_POOL = "claimhouse_documents"

RAW_DOCUMENTS = dg.AssetKey(["raw", "documents"])
STAGING_DOCUMENTS = dg.AssetKey(["staging", "documents"])
CORE_KEYS = {name: dg.AssetKey(["core", name]) for name in ("sentences", "claims", "quantities", "entities")}
STORY_KEYS = {name: dg.AssetKey(["core", name]) for name in ("claim_pairs", "story_clusters")}
ENTITY_NAMES = dg.AssetKey(["core", "entity_names"])

# Per-document assets (raw, staging, core analysis) are partitioned by ingest batch: a folder directly in
# the input folder, or "." for the files lying in it (claimhouse.ingest.batches). The seeds sensor adds
# a partition per new folder. `claimhouse run` and the daily schedule cover every batch in one run (a
# partition range: the steps already work in batches on worker processes, and one run starts them once).
INGEST_BATCHES = dg.DynamicPartitionsDefinition(name="ingest_batches")
PER_BATCH = {"partitions_def": INGEST_BATCHES}


def run_batches(context: dg.AssetExecutionContext) -> list[str] | None:
    """The ingest batches this run covers, or None when it covers all of them (then the steps look at
    the whole input folder, as before partitions: a file removed from any batch is noticed too)."""
    if not context.has_partition_key_range and not context.has_partition_key:
        return None
    keys = list(context.partition_keys)
    known = INGEST_BATCHES.get_partition_keys(dynamic_partitions_store=context.instance)
    return None if set(keys) >= set(known) else keys


def table_metadata(con: duckdb.DuckDBPyConnection, table: str, preview_sql: str | None = None,
                   **extra: object) -> dict:
    """Row count, a preview and the documented columns of a warehouse table."""
    schema, name = table.split(".")
    cols = con.execute(
        "select column_name, data_type, comment from duckdb_columns() where schema_name = ? and table_name = ? "
        "order by column_index", [schema, name]).fetchall()
    if preview_sql is None:
        preview_sql = (f"select * exclude (content) from {table}" if table == "raw.documents"
                       else f"select * from {table}")
    meta: dict = {
        "dagster/row_count": count(con, table),
        "table": table,
        "preview": dg.MetadataValue.md(preview_markdown(con, preview_sql)),
        "dagster/column_schema": dg.TableSchema(columns=[
            dg.TableColumn(name=c, type=t, description=d or None) for c, t, d in cols]),
    }
    meta.update({k: v for k, v in extra.items() if v is not None})
    return meta
