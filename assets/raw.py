"""Raw layer: land new and changed input files in raw.documents."""

import dagster as dg

from claimhouse.steps import raw as raw_steps

from .common import DUCKDB_POOL, RAW_DOCUMENTS, table_metadata
from .resources import CorpusResource, WarehouseResource


class ScanConfig(dg.Config):
    """Which files to look at. Empty: the whole seeds folder (a stat per file; unchanged files are not read)."""

    paths: list[str] = []


@dg.asset(key=RAW_DOCUMENTS, group_name="raw", kinds={"duckdb", "python"}, pool=DUCKDB_POOL,
          description="One row per distinct input content: format detected from the content, raw bytes kept. "
                      "Unreadable input goes to quarantine.documents (stage raw).")
def raw_documents(context: dg.AssetExecutionContext, config: ScanConfig, corpus: CorpusResource,
                  warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        result = raw_steps.scan(con, corpus.path, config.paths or None)
        context.log.info(f"scanned {result.extra['files_seen']} files: {result.extra['files_changed']} new or "
                         f"changed, {result.written} new documents, {result.quarantined} quarantined")
        return dg.MaterializeResult(metadata=table_metadata(
            con, "raw.documents", seeds_dir=str(corpus.path), **result.as_metadata()))
