"""Jobs: the whole asset graph with its checks."""
import dagster as dg

# Runs that write the warehouse carry this tag; dagster.yaml lets one such run go at a time.
WAREHOUSE_TAG = {"claimhouse/warehouse": "write"}

claimhouse_job = dg.define_asset_job(
    name="claimhouse_all",
    selection=dg.AssetSelection.all(),
    description="Scan the seeds folder, clean, analyse and rebuild the marts; every layer guarded by "
                "blocking great-expectations checks.",
    tags=WAREHOUSE_TAG,
)

# The per-document layers of some ingest batches (partitions of `ingest_batches`): what the seeds sensor
# and backfills launch. The corpus-wide assets follow through their automation condition.
BATCH_SELECTION = dg.AssetSelection.groups("raw", "staging") | dg.AssetSelection.assets(
    ["core", "sentences"], ["core", "claims"], ["core", "quantities"], ["core", "entities"])
CORPUS_SELECTION = dg.AssetSelection.all() - BATCH_SELECTION

ingest_job = dg.define_asset_job(
    name="ingest_batches",
    selection=BATCH_SELECTION,
    description="Scan, clean and analyse the documents of the chosen ingest batches (a folder of the seeds "
                "folder each, '.' for the files lying in it).",
    tags=WAREHOUSE_TAG,
)

# The corpus-wide assets alone: story links, marts, search, the published copy and the report.
corpus_job = dg.define_asset_job(
    name="corpus",
    selection=CORPUS_SELECTION,
    description="Bring the corpus-wide assets up to date from what the warehouse holds.",
    tags=WAREHOUSE_TAG,
)
