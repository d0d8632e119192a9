"""The published warehouse: a read-only copy for analysts, replaced atomically after the marts."""

import dagster as dg

from claimhouse.warehouse import publish

from .common import DUCKDB_POOL
from .marts import MART_ASSETS
from .resources import WarehouseResource


@dg.asset(key=["published", "warehouse"], deps=[m.key for m in MART_ASSETS], group_name="marts",
          kinds={"duckdb"}, pool=DUCKDB_POOL,
          description="Copy of the whole warehouse that analysts open (claimhouse sql, notebooks); replaced "
                      "atomically once the marts and their blocking checks have passed, so a reader never "
                      "sees a half-built state and never blocks a run.")
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        dest = publish(con, warehouse.path)
        tables = con.execute("select count(*) from duckdb_tables() where schema_name <> 'meta'").fetchone()[0]
    context.log.info(f"published {dest}")
    return dg.MaterializeResult(metadata={"path": str(dest), "bytes": dest.stat().st_size, "tables": tables})
