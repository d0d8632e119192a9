"""Marts layer: one asset per SQL file in warehouse/marts/."""

from pathlib import Path

import dagster as dg

from claimhouse.steps import marts as mart_steps

from .common import (
    CORE_KEYS,
    DUCKDB_POOL,
    ENTITY_NAMES,
    STAGING_DOCUMENTS,
    STORY_KEYS,
    table_metadata,
)
from .resources import WarehouseResource


def _mart_asset(sql_path: Path) -> dg.AssetsDefinition:
    table = mart_steps.mart_table(sql_path)
    schema, name = table.split(".")
    first_line = sql_path.read_text(encoding="utf-8").splitlines()[0].lstrip("- ").strip()

    @dg.asset(key=[schema, name], deps=[STAGING_DOCUMENTS, *CORE_KEYS.values(), ENTITY_NAMES, *STORY_KEYS.values()], group_name="marts",
              kinds={"duckdb", "sql"}, pool=DUCKDB_POOL, description=first_line,
              metadata={"sql_file": str(sql_path.relative_to(sql_path.parents[2]))})
    def _mart(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            built = mart_steps.build_mart(con, sql_path)
            if built.rebuilt:
                context.log.info(f"{table}: {built.rows} rows, built in {built.seconds:.2f} s")
            else:
                context.log.info(f"{table}: {built.rows} rows, not rebuilt: its inputs did not change")
            return dg.MaterializeResult(metadata=table_metadata(con, table, rebuilt=built.rebuilt,
                                                                build_seconds=round(built.seconds, 3)))

    return _mart


MART_ASSETS = [_mart_asset(p) for p in mart_steps.mart_files()]
