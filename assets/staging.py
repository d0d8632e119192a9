"""Staging layer: clean text and metadata for every raw document not cleaned yet."""

import dagster as dg

from claimhouse.steps import staging as staging_steps

from .common import DUCKDB_POOL, RAW_DOCUMENTS, STAGING_DOCUMENTS, table_metadata
from .resources import WarehouseResource


@dg.asset(key=STAGING_DOCUMENTS, deps=[RAW_DOCUMENTS], group_name="staging", kinds={"duckdb", "python"},
          pool=DUCKDB_POOL,
          description="Clean body text (trafilatura for HTML, boilerplate rules for text pages) with title, URL, "
                      "outlet, original outlet, author, date and language; exact duplicates point to the first copy.")
def staging_documents(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        result = staging_steps.clean_pending(con, workers=warehouse.workers)
        context.log.info(f"cleaned {result.written} documents, {result.quarantined} quarantined")
        return dg.MaterializeResult(metadata=table_metadata(
            con, "staging.documents",
            "select doc_id, outlet, original_outlet, title, author, published_at, language, word_count, "
            "duplicate_of from staging.documents order by cleaned_at desc, doc_id",
            **result.as_metadata()))
