"""Full-text search: DuckDB fts indexes over core.sentences and core.claims, and the table
macros marts.search_sentences(q) / marts.search_claims(q) analysts call (claimhouse.warehouse.search)."""

import dagster as dg

from claimhouse.warehouse import search

from .common import CORE_KEYS, DUCKDB_POOL, STAGING_DOCUMENTS
from .resources import WarehouseResource

LAKE_NO_SEARCH = ("no full-text index on a DuckLake warehouse: DuckDB's fts keeps its index in tables and macros "
                  "of the database it indexes, which a DuckLake cannot hold")


@dg.asset(key=["marts", "search"], deps=[STAGING_DOCUMENTS, CORE_KEYS["sentences"], CORE_KEYS["claims"]],
          group_name="marts", kinds={"duckdb", "sql"}, pool=DUCKDB_POOL,
          description="Full-text indexes (DuckDB fts, BM25, Porter stemmer) over core.sentences and core.claims, "
                      "and the table macros marts.search_sentences(q) and marts.search_claims(q). An index is "
                      "updated with the rows added, changed or removed since the last run (the same index a full "
                      "build gives), built whole when it is missing or most rows changed, skipped otherwise.",
          metadata={"sql_file": "warehouse/search.sql"})
def search_index(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    if warehouse.is_lake:
        context.log.warning(LAKE_NO_SEARCH)
        return dg.MaterializeResult(metadata={"skipped": LAKE_NO_SEARCH})
    with warehouse.connect() as con:
        builds = search.build_search_index(con)
    for b in builds:
        done = {"full": "built whole", "update": f"updated (+{b.added} -{b.removed} rows)"}.get(b.how, "rebuilt")
        context.log.info(f"{b.name}: {done + ' in ' + format(b.seconds, '.2f') + ' s' if b.rebuilt else 'unchanged'}"
                         f" ({b.rows} rows)")
    metadata: dict = {}
    for b in builds:
        metadata[f"{b.name} rebuilt"] = b.rebuilt
        if b.name != "macros":
            metadata[f"{b.name} rows"] = b.rows
            metadata[f"{b.name} seconds"] = round(b.seconds, 3)
            metadata[f"{b.name} how"] = b.how
            metadata[f"{b.name} rows added"] = b.added
            metadata[f"{b.name} rows removed"] = b.removed
    return dg.MaterializeResult(metadata=metadata)


@dg.asset_check(asset=search_index, name="search_index_covers_every_row", blocking=True, pool=DUCKDB_POOL,
                description="Every row of core.sentences and core.claims is in its fts index, and "
                            "marts.search_sentences / marts.search_claims run.")
def search_index_complete(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    if warehouse.is_lake:
        return dg.AssetCheckResult(passed=True, metadata={"skipped": LAKE_NO_SEARCH}, description=LAKE_NO_SEARCH)
    with warehouse.connect(read_only=True) as con:
        problems = search.index_problems(con)
    return dg.AssetCheckResult(passed=not problems, metadata={"problems": "; ".join(problems)[:2000]},
                               description="every row indexed, macros run" if not problems
                               else f"{len(problems)} problems: {'; '.join(problems)[:300]}")
