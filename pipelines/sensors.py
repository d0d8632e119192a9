"""A sensor that notices new or changed files in the seeds folder and runs only what they need.

The cursor is the newest modification time already handed to a run, so each
evaluation costs one stat per file and a run is requested only for files changed
since. The run's raw step reads just those files; the steps below it process
only the documents that are new.
"""

import hashlib
import os
import time

import dagster as dg

from assets.resources import CorpusResource
from claimhouse.steps.raw import list_input_files

from .jobs import claimhouse_job

MAX_PATHS_PER_RUN = 2000


def changed_since(seeds_dir: str, cursor_ns: int) -> tuple[list[str], int]:
    """Paths written, moved in or renamed after ``cursor_ns`` (as ``path\\tstamp``), and the newest stamp.

    The status-change time counts too: a file moved into the folder keeps its old mtime
    but gets a new ctime. The cursor never goes past the present, so one file dated in
    the future cannot hide the files that arrive after it.
    """
    changed: list[str] = []
    newest = cursor_ns
    for path in list_input_files(seeds_dir):
        try:
            st = os.stat(path)
        except OSError:
            continue
        stamp = max(st.st_mtime_ns, st.st_ctime_ns)
        if stamp > cursor_ns:
            changed.append(f"{path.resolve()}\t{stamp}")
            newest = max(newest, stamp)
    return changed, min(newest, time.time_ns())


@dg.sensor(job=claimhouse_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Starts a run for new or changed files in the seeds folder.")
def seeds_sensor(context: dg.SensorEvaluationContext, corpus: CorpusResource):
    cursor_ns = int(context.cursor) if context.cursor else 0
    if not os.path.isdir(corpus.seeds_dir):
        return dg.SkipReason(f"seeds folder {corpus.seeds_dir} does not exist")
    stamped, newest = changed_since(corpus.seeds_dir, cursor_ns)
    if not stamped:
        return dg.SkipReason("no new or changed files")
    changed = [s.split("\t", 1)[0] for s in stamped]
    # Many files at once (first start, a bulk copy): one full scan is cheaper than a long path list.
    paths = changed if len(changed) <= MAX_PATHS_PER_RUN else []
    context.update_cursor(str(newest))
    return dg.RunRequest(
        # the same change seen twice (e.g. a file dated in the future) gives the same key: one run
        run_key="seeds-" + hashlib.sha1("\n".join(stamped).encode()).hexdigest()[:16],
        run_config=dg.RunConfig(ops={"raw__documents": {"config": {"paths": paths}}}),
        tags={"claimhouse/changed_files": str(len(changed))},
    )
