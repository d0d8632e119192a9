"""A sensor that notices new or changed files in the seeds folder and runs only what they need.

The cursor is the newest modification time already handed to a run, so each
evaluation costs one stat per file and a run is requested only for files changed
since. The run's raw step reads just those files; the steps below it process
only the documents that are new.
"""

import os

import dagster as dg

from assets.resources import CorpusResource
from claimhouse.steps import list_input_files

from .jobs import claimhouse_job

MAX_PATHS_PER_RUN = 2000


def changed_since(seeds_dir: str, cursor_ns: int) -> tuple[list[str], int]:
    """Paths modified after ``cursor_ns`` and the newest modification time seen."""
    changed, newest = [], cursor_ns
    for path in list_input_files(seeds_dir):
        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError:
            continue
        if mtime > cursor_ns:
            changed.append(str(path.resolve()))
            newest = max(newest, mtime)
    return changed, newest


@dg.sensor(job=claimhouse_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Starts a run for new or changed files in the seeds folder.")
def seeds_sensor(context: dg.SensorEvaluationContext, corpus: CorpusResource):
    cursor_ns = int(context.cursor) if context.cursor else 0
    if not os.path.isdir(corpus.seeds_dir):
        return dg.SkipReason(f"seeds folder {corpus.seeds_dir} does not exist")
    changed, newest = changed_since(corpus.seeds_dir, cursor_ns)
    if not changed:
        return dg.SkipReason("no new or changed files")
    # Many files at once (first start, a bulk copy): one full scan is cheaper than a long path list.
    paths = changed if len(changed) <= MAX_PATHS_PER_RUN else []
    context.update_cursor(str(newest))
    return dg.RunRequest(
        run_key=f"seeds-{newest}",
        run_config=dg.RunConfig(ops={"raw__documents": {"config": {"paths": paths}}}),
        tags={"claimhouse/changed_files": str(len(changed))},
    )
