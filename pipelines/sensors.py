"""A sensor that notices new or changed files in the seeds folder and runs only what they need.

The cursor is the newest modification time already handed to a run, so each
evaluation costs one stat per file and a run is requested only for files changed
since. Changed files are grouped by ingest batch (a folder of the seeds folder, '.'
for the files lying in it): a new folder becomes a partition of `ingest_batches`,
and each batch with changes gets its own run of the per-document layers, which
reads just those files. The corpus-wide assets follow through their automation
condition once the batches are in (turn on `default_automation_condition_sensor`).
"""

import hashlib
import os
import time

import dagster as dg

from assets.common import INGEST_BATCHES
from assets.resources import CorpusResource
from claimhouse.ingest.batches import batch_of, list_batches
from claimhouse.steps.raw import list_input_files

from .jobs import ingest_job

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


@dg.sensor(job=ingest_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Starts a run per ingest batch (folder) with new or changed files in the seeds folder.")
def seeds_sensor(context: dg.SensorEvaluationContext, corpus: CorpusResource):
    cursor_ns = int(context.cursor) if context.cursor else 0
    if not os.path.isdir(corpus.seeds_dir):
        return dg.SkipReason(f"seeds folder {corpus.seeds_dir} does not exist")
    stamped, newest = changed_since(corpus.seeds_dir, cursor_ns)
    if not stamped:
        return dg.SkipReason("no new or changed files")
    by_batch: dict[str, list[str]] = {}
    for s in stamped:
        path = s.split("\t", 1)[0]
        key = batch_of(path, os.path.realpath(corpus.seeds_dir))
        if key is not None:
            by_batch.setdefault(key, []).append(s)
    valid = set(list_batches(corpus.seeds_dir))
    known = set(context.instance.get_dynamic_partitions(INGEST_BATCHES.name))
    new_keys = sorted(k for k in by_batch if k in valid and k not in known)
    requests = []
    for key in sorted(k for k in by_batch if k in valid):
        changed = [s.split("\t", 1)[0] for s in by_batch[key]]
        # many files at once (first start, a bulk copy): the whole batch is cheaper than a long path list
        paths = changed if len(changed) <= MAX_PATHS_PER_RUN else []
        requests.append(dg.RunRequest(
            # the same change seen twice (e.g. a file dated in the future) gives the same key: one run
            run_key=f"seeds-{key}-" + hashlib.sha1("\n".join(by_batch[key]).encode()).hexdigest()[:16],
            partition_key=key,
            run_config=dg.RunConfig(ops={"raw__documents": {"config": {"paths": paths}}}),
            tags={"claimhouse/changed_files": str(len(changed))},
        ))
    context.update_cursor(str(newest))
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[INGEST_BATCHES.build_add_request(new_keys)] if new_keys else [],
    )
