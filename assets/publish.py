"""The published warehouse: a read-only copy for analysts, replaced atomically after the marts."""

import dagster as dg
import duckdb

from claimhouse.warehouse.db import publish, published_path
from claimhouse.warehouse.lake import LAKE, attach, publish_to_lake

from .common import DUCKDB_POOL
from .marts import MART_ASSETS
from .resources import WarehouseResource
from .search import search_index


@dg.asset(key=["published", "warehouse"], deps=[*(m.key for m in MART_ASSETS), search_index.key],
          group_name="marts", kinds={"duckdb"}, pool=DUCKDB_POOL,
          description="Copy of the whole warehouse that analysts open (claimhouse sql, notebooks); replaced "
                      "atomically once the marts and their blocking checks have passed, so a reader never "
                      "sees a half-built state and never blocks a run. The previous version is brought up to "
                      "date by writing only the blocks that changed (metadata: how, bytes_written).")
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    if warehouse.is_lake:  # the warehouse is a DuckLake: readers see each commit's snapshot, nothing to copy
        with warehouse.connect(read_only=True) as con:
            snapshot = con.execute("select max(snapshot_id) from ducklake_snapshots(current_database())").fetchone()[0]
        context.log.info(f"the warehouse is the DuckLake {warehouse.shown_name()}: readers see snapshot {snapshot}")
        return dg.MaterializeResult(metadata={"targets": "ducklake (the warehouse itself)", "snapshot": snapshot})
    targets = warehouse.targets()
    metadata: dict = {"targets": ",".join(sorted(targets))}
    with warehouse.connect() as con:
        tables = con.execute("select count(*) from duckdb_tables() where schema_name <> 'meta'").fetchone()[0]
        metadata["tables"] = tables
        if "lake" in targets:  # one DuckLake snapshot per publish, holding only what changed
            catalog, data = warehouse.lake()
            lake = publish_to_lake(con, catalog, data)
            context.log.info(f"published the lake {catalog} (snapshot {lake['snapshot']}: {lake['unchanged']} "
                             f"tables unchanged, {lake['updated']} updated, {lake['replaced']} replaced; "
                             f"{lake['rows_inserted']:,} rows in, {lake['rows_deleted']:,} out)")
            metadata.update({f"lake_{k}": v for k, v in lake.items()}, lake_catalog=catalog, lake_data=data)
        if "file" in targets:
            done = publish(con, warehouse.path)
            dest = done["path"]
            context.log.info(f"published {dest} ({done['how']}: {done['written']:,} bytes written)")
            metadata.update({"path": str(dest), "bytes": dest.stat().st_size, "bytes_written": done["written"],
                             "how": done["how"]})
    return dg.MaterializeResult(metadata=metadata)


_COUNTED = "where schema_name in ('staging', 'core', 'marts', 'quarantine') or schema_name like 'fts\\_%' escape '\\'"


def _row_counts(con) -> dict[str, int]:
    tables = con.execute(f"select schema_name || '.' || table_name from duckdb_tables() {_COUNTED}").fetchall()
    return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for (t,) in tables}


@dg.asset_check(asset=published_warehouse, name="published_copy_matches_the_warehouse", blocking=True,
                pool=DUCKDB_POOL,
                description="The published copy (and the DuckLake, when published to) opens read-only and holds "
                            "the same tables with the same row counts as the working warehouse.")
def published_copy_matches(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    if warehouse.is_lake:
        return dg.AssetCheckResult(passed=True, description="the warehouse is a DuckLake: no copy to compare")
    with warehouse.connect(read_only=True) as con:
        live = _row_counts(con)
    differ: dict = {}
    seen: dict = {}
    if "file" in warehouse.targets():
        pub = duckdb.connect(str(published_path(warehouse.path)), read_only=True)
        try:
            seen = _row_counts(pub)
        finally:
            pub.close()
        differ = {t: (live.get(t), seen.get(t)) for t in set(live) | set(seen) if live.get(t) != seen.get(t)}
    if "lake" in warehouse.targets():  # the lake holds every table but the search indexes (fts_*)
        catalog, data = warehouse.lake()
        lake = duckdb.connect()
        try:
            attach(lake, catalog, data, read_only=True)
            tables = lake.execute(f"select schema_name || '.' || table_name from duckdb_tables() "
                                  f"where database_name = '{LAKE}' and schema_name in "
                                  "('staging', 'core', 'marts', 'quarantine')").fetchall()
            in_lake = {t: lake.execute(f"select count(*) from {LAKE}.{t}").fetchone()[0] for (t,) in tables}
        finally:
            lake.close()
        expected = {t: n for t, n in live.items() if not t.startswith("fts_")}
        seen = seen or in_lake
        differ.update({f"lake:{t}": (expected.get(t), in_lake.get(t)) for t in set(expected) | set(in_lake)
                       if expected.get(t) != in_lake.get(t)})
    return dg.AssetCheckResult(passed=not differ, metadata={"tables": len(seen), "differences": str(differ)[:2000]},
                               description="same tables and row counts" if not differ else f"{len(differ)} tables differ")
