"""Raw layer: land new and changed input files in raw.documents."""

from pathlib import Path

import dagster as dg

from claimhouse.ingest.batches import ROOT_BATCH, batch_files, batch_folder, root_files
from claimhouse.steps import raw as raw_steps

from .common import DOCUMENTS_POOL, PER_BATCH, RAW_DOCUMENTS, run_batches, table_metadata
from .resources import CorpusResource, WarehouseResource


class ScanConfig(dg.Config):
    """Which files to look at. Empty: the whole seeds folder (a stat per file; unchanged files are not read)."""

    paths: list[str] = []


@dg.asset(key=RAW_DOCUMENTS, group_name="raw", kinds={"duckdb", "python"}, pool=DOCUMENTS_POOL, **PER_BATCH,
          description="One row per distinct input content: format detected from the content, raw bytes kept. "
                      "Unreadable input goes to quarantine.documents (stage raw).")
def raw_documents(context: dg.AssetExecutionContext, config: ScanConfig, corpus: CorpusResource,
                  warehouse: WarehouseResource) -> dg.MaterializeResult:
    batches = run_batches(context)
    paths: list[str] | None = config.paths or None
    if batches is not None:  # only the files of this run's batches (of the listed ones, when listed)
        if paths:
            paths = [str(p) for key in batches for p in batch_files(corpus.path, key, [Path(x) for x in paths])]
        else:
            paths = [str(p) for key in batches for p in (
                root_files(corpus.path) if key == ROOT_BATCH
                else raw_steps.list_input_files(batch_folder(corpus.path, key)))]
    with warehouse.connect(shared=True) as con:
        if paths == []:
            context.log.info(f"no input files in batches {batches}")
            return dg.MaterializeResult(metadata=table_metadata(con, "raw.documents", seeds_dir=str(corpus.path)))
        result = raw_steps.scan(con, corpus.path, paths)
        context.log.info(f"scanned {result.extra['files_seen']} files: {result.extra['files_changed']} new or "
                         f"changed, {result.written} new documents, {result.quarantined} quarantined")
        return dg.MaterializeResult(metadata=table_metadata(
            con, "raw.documents", seeds_dir=str(corpus.path), **result.as_metadata()))
