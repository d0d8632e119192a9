"""A daily full run: catches anything the sensor could not see (e.g. files copied with old timestamps)."""
import dagster as dg

from .jobs import claimhouse_job

daily_schedule = dg.ScheduleDefinition(
    name="claimhouse_daily",
    job=claimhouse_job,
    cron_schedule="0 3 * * *",
    execution_timezone="UTC",
    description="Full scan of the seeds folder every day at 03:00 UTC; unchanged files are not re-read.",
)
