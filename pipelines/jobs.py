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
