"""Scaled-out runs: the claimhouse job with its steps on celery workers (dagster-celery), Redis as the
broker and result backend, the Dagster instance in PostgreSQL (deploy/cluster/dagster.yaml).

    claimhouse run --executor celery [--seeds DIR] [--warehouse PATH] [--workers N]

launches the run from this process (it is the run's orchestrator: it submits each step as a celery task
when its inputs are ready and Dagster's pool `claimhouse_duckdb` has a free slot); the steps run on the
workers started with `celery -A pipelines.celery_app worker ...` (README "Running on several machines").

Environment, the same on the launching machine and on every worker:
    DAGSTER_HOME                 a folder with deploy/cluster/dagster.yaml as its dagster.yaml
    DAGSTER_PG_URL               postgresql+psycopg2://user:password@host:port/database
    CLAIMHOUSE_CLUSTER_ARTIFACTS Dagster's step outputs, a folder every machine sees
    CLAIMHOUSE_CELERY_BROKER     redis://host:port/0
    CLAIMHOUSE_CELERY_BACKEND    redis://host:port/1 (default: the broker's URL)
    CLAIMHOUSE_CELERY_VISIBILITY_TIMEOUT  seconds before a task that no worker acknowledged goes to
                                 another worker (default 3600; see README)
The seeds folder and the warehouse file are passed to the workers with the run (they are the job's
arguments), so they must be paths every machine sees (shared storage).
"""
from __future__ import annotations

import os

import dagster as dg

JOB_NAME = "claimhouse_all"


def broker_url() -> str:
    url = os.environ.get("CLAIMHOUSE_CELERY_BROKER")
    if not url:
        raise RuntimeError("CLAIMHOUSE_CELERY_BROKER is not set (e.g. redis://127.0.0.1:6379/0): "
                           "see README 'Running on several machines'")
    return url


def backend_url() -> str:
    return os.environ.get("CLAIMHOUSE_CELERY_BACKEND") or broker_url()


def visibility_timeout() -> int:
    return int(os.environ.get("CLAIMHOUSE_CELERY_VISIBILITY_TIMEOUT", "3600"))


def celery_settings() -> dict:
    """Celery settings of the launching process and of the workers (pipelines/celery_app.py).

    A task is acknowledged when it ends, not when it starts (task_acks_late): a worker that dies in the
    middle of a step leaves its task unacknowledged, and Redis hands it to another worker once the
    visibility timeout has passed. A worker takes one task at a time and reserves none ahead
    (prefetch multiplier 1). A task still running after the visibility timeout is handed out again
    too: pipelines/celery_app.py makes the copy wait for the first and then drop out."""
    vt = visibility_timeout()
    return {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "result_expires": 7 * 86400,
        "broker_transport_options": {
            # dagster-celery's own defaults for publishing
            "max_retries": 3, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5,
            "visibility_timeout": vt,
            # look for unacknowledged tasks past their timeout every few seconds (kombu's default
            # sweeps every 100 s)
            "unacked_restore_interval": max(1, min(10, vt // 4)),
            "unacked_restore_throttle": 1,
        },
    }


def executor_run_config() -> dict:
    return {"execution": {"config": {"broker": broker_url(), "backend": backend_url(),
                                     "config_source": celery_settings()}}}


def cluster_job(seeds_dir: str, warehouse_path: str, workers: int, job_name: str = JOB_NAME) -> dg.JobDefinition:
    """The job `claimhouse_all` (or `corpus`) with dagster-celery's executor. The workers rebuild it from
    these arguments (they travel with each task)."""
    from dagster_celery import celery_executor

    from pipelines.definitions import build_definitions

    defs = build_definitions(seeds_dir=seeds_dir, warehouse_path=warehouse_path, workers=workers,
                             executor=celery_executor)
    return defs.resolve_job_def(job_name)


def reconstructable_cluster_job(seeds_dir: str, warehouse_path: str, workers: int, job_name: str = JOB_NAME):
    return dg.build_reconstructable_job(
        "pipelines.cluster", "cluster_job",
        reconstructable_kwargs={"seeds_dir": seeds_dir, "warehouse_path": warehouse_path, "workers": workers,
                                "job_name": job_name})


def execute(seeds_dir: str, warehouse_path: str, workers: int, log_level: str = "CRITICAL",
            instance: dg.DagsterInstance | None = None):
    """Run the job on the celery workers and wait for it. Returns (result, the run's event records)."""
    from pipelines.jobs import WAREHOUSE_TAG
    from pipelines.runs import register_batches, whole_folder_tags

    import warnings

    # dagster-celery registers its task on the orchestrator's app again for every step it submits
    # (harmless: the orchestrator only sends tasks by name)
    warnings.filterwarnings("ignore", message="Task name 'execute_plan' is already registered")
    run_config = {**executor_run_config(),
                  "loggers": {"console": {"config": {"log_level": log_level}}}}
    own = instance is None
    instance = instance or dg.DagsterInstance.get()
    try:
        # as pipelines.runs.run_whole_folder: the folder's ingest batches become partitions, and one run
        # covers all of them (only the corpus-wide assets when there is none)
        keys = register_batches(instance, seeds_dir)
        job_name = JOB_NAME if keys else "corpus"
        with dg.execute_job(reconstructable_cluster_job(seeds_dir, warehouse_path, workers, job_name),
                            instance=instance, run_config=run_config,
                            tags={**WAREHOUSE_TAG, **whole_folder_tags(keys)}, raise_on_error=False) as result:
            return result, instance.all_logs(result.run_id)
    finally:
        if own:
            instance.dispose()


def execute_part(seeds_dir: str, warehouse_path: str, workers: int, batch: str | None, log_level: str = "CRITICAL",
                 instance: dg.DagsterInstance | None = None):
    """One run on the celery workers: the per-document layers of ingest batch ``batch`` (job
    `ingest_batches`, that partition), or with ``batch`` None the corpus-wide assets (job `corpus`).
    Returns the run's result."""
    from pipelines.jobs import WAREHOUSE_TAG

    import warnings

    warnings.filterwarnings("ignore", message="Task name 'execute_plan' is already registered")
    run_config = {**executor_run_config(), "loggers": {"console": {"config": {"log_level": log_level}}}}
    own = instance is None
    instance = instance or dg.DagsterInstance.get()
    try:
        job_name = "ingest_batches" if batch is not None else "corpus"
        tags = {**WAREHOUSE_TAG, **({"dagster/partition": batch} if batch is not None else {})}
        with dg.execute_job(reconstructable_cluster_job(seeds_dir, warehouse_path, workers, job_name),
                            instance=instance, run_config=run_config, tags=tags, raise_on_error=False) as result:
            return result
    finally:
        if own:
            instance.dispose()


def set_document_slots(instance: dg.DagsterInstance, slots: int) -> None:
    """Let ``slots`` per-document steps (pool claimhouse_documents) run at once, across all runs."""
    from assets.common import DOCUMENTS_POOL

    instance.event_log_storage.set_concurrency_slots(DOCUMENTS_POOL, slots)


def step_workers(instance: dg.DagsterInstance, run_id: str) -> dict[str, list[str]]:
    """Which celery worker ran each step of a run (from the run's events: dagster-celery reports
    'Executing steps ... in celery worker' with the worker's name). A step redelivered after its worker
    died lists both."""
    out: dict[str, list[str]] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.event_type_value != "ENGINE_EVENT" or not entry.step_key:
            continue
        md = event.event_specific_data.metadata if event.event_specific_data else {}
        worker = md.get("Celery worker")
        if worker is not None:
            out.setdefault(entry.step_key, []).append(worker.value)
    return out
