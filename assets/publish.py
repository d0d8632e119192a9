"""The published warehouse: a read-only copy for analysts, replaced atomically after the marts."""

import dagster as dg
import duckdb

from claimhouse.warehouse.db import publish, published_path

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
    with warehouse.connect() as con:
        done = publish(con, warehouse.path)
        tables = con.execute("select count(*) from duckdb_tables() where schema_name <> 'meta'").fetchone()[0]
    dest = done["path"]
    context.log.info(f"published {dest} ({done['how']}: {done['written']:,} bytes written)")
    return dg.MaterializeResult(metadata={"path": str(dest), "bytes": dest.stat().st_size, "tables": tables,
                                          "bytes_written": done["written"], "how": done["how"]})


_COUNTED = "where schema_name in ('staging', 'core', 'marts', 'quarantine') or schema_name like 'fts\\_%' escape '\\'"


def _row_counts(con) -> dict[str, int]:
    tables = con.execute(f"select schema_name || '.' || table_name from duckdb_tables() {_COUNTED}").fetchall()
    return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for (t,) in tables}


@dg.asset_check(asset=published_warehouse, name="published_copy_matches_the_warehouse", blocking=True,
                pool=DUCKDB_POOL,
                description="The published copy opens read-only and holds the same tables with the same row "
                            "counts as the working warehouse.")
def published_copy_matches(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        live = _row_counts(con)
    pub = duckdb.connect(str(published_path(warehouse.path)), read_only=True)
    try:
        seen = _row_counts(pub)
    finally:
        pub.close()
    differ = {t: (live.get(t), seen.get(t)) for t in set(live) | set(seen) if live.get(t) != seen.get(t)}
    return dg.AssetCheckResult(passed=not differ, metadata={"tables": len(seen), "differences": str(differ)[:2000]},
                               description="same tables and row counts" if not differ else f"{len(differ)} tables differ")
