"""A daily full run: catches anything the sensor could not see (e.g. files copied with old timestamps)."""
import dagster as dg

from assets.resources import CorpusResource

from .jobs import claimhouse_job
from .runs import register_batches, whole_folder_tags


@dg.schedule(name="claimhouse_daily", job=claimhouse_job, cron_schedule="0 3 * * *", execution_timezone="UTC",
             description="Full scan of the seeds folder every day at 03:00 UTC, in one run over every ingest "
                         "batch (new folders become batches first); unchanged files are not re-read.")
def daily_schedule(context: dg.ScheduleEvaluationContext, corpus: CorpusResource):
    keys = register_batches(context.instance, corpus.seeds_dir)
    if not keys:
        return dg.SkipReason(f"the seeds folder {corpus.seeds_dir} holds no input")
    return dg.RunRequest(tags=whole_folder_tags(keys))
