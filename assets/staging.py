"""Staging layer: clean text and metadata for every raw document not cleaned yet."""

import dagster as dg

from claimhouse.steps import staging as staging_steps
from claimhouse.steps.common import batch_doc_ids

from .common import (
    DOCUMENTS_POOL,
    PER_BATCH,
    RAW_DOCUMENTS,
    STAGING_DOCUMENTS,
    run_batches,
    table_metadata,
)
from .resources import CorpusResource, WarehouseResource


@dg.asset(key=STAGING_DOCUMENTS, deps=[RAW_DOCUMENTS], group_name="staging", kinds={"duckdb", "python"},
          pool=DOCUMENTS_POOL, **PER_BATCH,
          description="Clean body text (trafilatura for HTML, boilerplate rules for text pages) with title, URL, "
                      "outlet, original outlet, author, date and language; exact duplicates point to the first copy.")
def staging_documents(context: dg.AssetExecutionContext, corpus: CorpusResource,
                      warehouse: WarehouseResource) -> dg.MaterializeResult:
    batches = run_batches(context)
    with warehouse.connect(shared=True) as con:
        scope = batch_doc_ids(con, corpus.path, batches) if batches is not None else None
        result = staging_steps.clean_pending(con, workers=warehouse.workers, scope=scope)
        context.log.info(f"cleaned {result.written} documents, {result.quarantined} quarantined")
        return dg.MaterializeResult(metadata=table_metadata(
            con, "staging.documents",
            "select doc_id, outlet, original_outlet, title, author, published_at, language, word_count, "
            "duplicate_of from staging.documents order by cleaned_at desc, doc_id",
            warehouse_handovers=getattr(con, "releases", 0), **result.as_metadata()))
